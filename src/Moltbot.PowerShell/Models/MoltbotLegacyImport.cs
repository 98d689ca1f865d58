using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>One entry of a legacy credential file and what the import did with it.</summary>
public sealed class MoltbotLegacyImport
{
    public string Agent { get; set; } = string.Empty;

    /// <summary>The legacy file the entry came from.</summary>
    public string Source { get; set; } = string.Empty;

    public string? Provider { get; set; }

    public string? ProfileId { get; set; }

    /// <summary>Whether the entry became a profile (or, under -WhatIf, would become one).</summary>
    public bool Imported { get; set; }

    /// <summary>Why it was imported or skipped.</summary>
    public string Reason { get; set; } = string.Empty;

    // Shown by the default view (through DisplayText; the properties keep the true values).

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string ReasonDisplay => DisplayText.Escape(Reason);

    public override string ToString() => DisplayText.Escape($"{Agent}/{ProfileId}: {Reason}");
}
