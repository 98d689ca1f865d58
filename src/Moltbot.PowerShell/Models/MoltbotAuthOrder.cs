using System;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>An explicit profile order for one provider: an agent's own (<c>order</c> in its store) or the global <c>auth.order</c>.</summary>
public sealed class MoltbotAuthOrder
{
    /// <summary>The <see cref="Scope"/> of an agent's own order (<c>order</c> in its store).</summary>
    public const string AgentScope = "Agent";

    /// <summary>The <see cref="Scope"/> of <c>auth.order</c> in openclaw.json, for every agent without an order of its own.</summary>
    public const string GlobalScope = "Global";

    /// <summary>The agent id, or null for the global order in openclaw.json.</summary>
    public string? Agent { get; set; }

    /// <summary><c>Agent</c> (the agent's own order) or <c>Global</c> (<c>auth.order</c> in openclaw.json).</summary>
    public string Scope { get; set; } = AgentScope;

    public string Provider { get; set; } = string.Empty;

    public MoltbotList<string> ProfileId { get; set; } = Array.Empty<string>();

    /// <summary>The file the order lives in.</summary>
    public string Path { get; set; } = string.Empty;

    // Shown by the default view (through DisplayText; the properties keep the true values).

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden, JsonIgnore]
    public string ProviderDisplay => DisplayText.Escape(Provider);

    /// <summary>The profile ids, comma-separated and escaped.</summary>
    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(string.Join(", ", ProfileId));

    public override string ToString() => DisplayText.Escape(Provider + ": " + string.Join(", ", ProfileId));
}
