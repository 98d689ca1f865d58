using System;
using System.Globalization;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;

namespace Moltbot.Models;

/// <summary>
/// One agent and provider as Get-MoltbotAuthStatus sums them up (the lines of <c>openclaw models status</c>): the profile
/// the runtime would use, or that none is usable ("missing auth"). Carries no secret.
/// </summary>
public sealed class MoltbotAuthStatus
{
    public string Agent { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    /// <summary>The profile the runtime would use first (the first usable candidate of Resolve-MoltbotAuthProfile), or null.</summary>
    public string? ProfileId { get; set; }

    /// <summary>Its type: <c>oauth</c>, <c>token</c> or <c>api_key</c>; null when none is used.</summary>
    public string? Type { get; set; }

    /// <summary>Its status, as Get-MoltbotAuthProfile reports it; null when none is used.</summary>
    public MoltbotProfileStatus? Status { get; set; }

    /// <summary>When it expires (local time); null when it never does or none is used.</summary>
    public DateTimeOffset? Expires { get; set; }

    /// <summary>True when no profile of this provider is usable: what <c>models status</c> lists under "Missing auth".</summary>
    public bool Missing { get; set; }

    /// <summary>How many profiles of this provider the runtime ranks, and how many of them are usable.</summary>
    public int Profiles { get; set; }

    public int UsableProfiles { get; set; }

    /// <summary>The agent's model (its own, else <c>agents.defaults.model</c>) when it is of this provider.</summary>
    public string? Model { get; set; }

    /// <summary>Why the provider is listed: store, order, auth.order, auth.profiles, models.providers, model.</summary>
    public string[] Sources { get; set; } = Array.Empty<string>();

    /// <summary>Why that profile (the resolver's reason), or why none.</summary>
    public string Reason { get; set; } = string.Empty;

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden, JsonIgnore]
    public string ProviderDisplay => DisplayText.Escape(Provider);

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => ProfileId is null ? "(missing)" : DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string TypeDisplay => DisplayText.Escape(Type);

    [Hidden, JsonIgnore]
    public string StatusDisplay => Status?.ToString() ?? "Missing";

    [Hidden, JsonIgnore]
    public string ExpiresDisplay => ProfileId is null ? string.Empty : Expires is { } e ? e.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "never";

    [Hidden, JsonIgnore]
    public string ReasonDisplay => DisplayText.Escape(Reason);

    public override string ToString() => DisplayText.Escape($"{Agent}/{Provider}: {ProfileId ?? "(missing)"}");
}
