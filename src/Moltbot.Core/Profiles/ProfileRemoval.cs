using System.Collections.Generic;
using System.Linq;

namespace Moltbot.Core.Profiles;

/// <summary>
/// One place that names a profile: an entry of an agent's store (<c>profiles</c>, <c>order.&lt;provider&gt;</c>,
/// <c>lastGood.&lt;provider&gt;</c>, <c>usageStats</c>) or of openclaw.json (<c>auth.profiles</c>,
/// <c>auth.order.&lt;provider&gt;</c>). <see cref="Kept"/> places stay, for <see cref="Reason"/>.
/// </summary>
/// <param name="Agent">The agent whose store it is; null for openclaw.json.</param>
/// <param name="Place">The key path inside the store or config.</param>
/// <param name="File">The store's location or the config's path.</param>
public sealed record ProfileReference(string? Agent, string Place, string File, bool Kept = false, string? Reason = null)
{
    /// <summary>How a person reads it: <c>agent 'work' order.openrouter</c>, <c>openclaw.json auth.profiles</c>.</summary>
    public string Where => (Agent is null ? "openclaw.json" : $"agent '{Agent}'") + " " + Place;
}

/// <summary>What removing one profile from one agent takes away, and what stays (and why).</summary>
public sealed record ProfileRemoval(string Agent, string ProfileId, IReadOnlyList<ProfileReference> References)
{
    public IEnumerable<ProfileReference> Removed => References.Where(r => !r.Kept);

    public IEnumerable<ProfileReference> Kept => References.Where(r => r.Kept);

    /// <summary>Whether the config's entries go (no other agent holds the id).</summary>
    internal bool RemovesConfigEntries { get; init; }

    /// <summary>Other agents whose store names the id without holding it (a dangling order entry).</summary>
    internal IReadOnlyList<Agents.AgentLocation> DanglingIn { get; init; } = System.Array.Empty<Agents.AgentLocation>();
}
