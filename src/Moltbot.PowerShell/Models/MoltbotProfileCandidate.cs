using System;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>A profile the runtime would consider for a provider, ranked as OpenClaw would try it.</summary>
public sealed class MoltbotProfileCandidate
{
    public string Agent { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public string ProfileId { get; set; } = string.Empty;

    /// <summary>1 is the profile the runtime would use; unusable profiles rank after the usable ones.</summary>
    public int Rank { get; set; }

    public bool Usable { get; set; }

    /// <summary>Why it is where it is (or why it is skipped).</summary>
    public string Reason { get; set; } = string.Empty;

    public bool Pinned { get; set; }

    public DateTimeOffset? CooldownUntil { get; set; }

    /// <summary>The model part of -Model (without the profile override).</summary>
    public string? Model { get; set; }

    /// <summary>The profile pinned by -Model 'model@profileId'.</summary>
    public string? PinnedProfileId { get; set; }

    // Shown by the default view (through DisplayText; the properties keep the true values).

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string ReasonDisplay => DisplayText.Escape(Reason);

    public override string ToString() => DisplayText.Escape($"{Rank}. {ProfileId}");
}
