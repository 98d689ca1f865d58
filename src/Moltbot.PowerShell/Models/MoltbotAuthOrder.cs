using System;

namespace Moltbot.Models;

/// <summary>An explicit profile order for one provider: an agent's own (<c>order</c> in its store) or the global <c>auth.order</c>.</summary>
public sealed class MoltbotAuthOrder
{
    /// <summary>The agent id, or null for the global order in openclaw.json.</summary>
    public string? Agent { get; set; }

    /// <summary><c>Agent</c> or <c>Global</c>.</summary>
    public string Scope { get; set; } = "Agent";

    public string Provider { get; set; } = string.Empty;

    public string[] ProfileId { get; set; } = Array.Empty<string>();

    /// <summary>The file the order lives in.</summary>
    public string Path { get; set; } = string.Empty;

    public override string ToString() => Provider + ": " + string.Join(", ", ProfileId);
}
