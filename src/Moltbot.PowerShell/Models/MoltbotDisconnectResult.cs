using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;

namespace Moltbot.Models;

/// <summary>What Disconnect-MoltbotProvider did with one profile: removed it, revoked its refresh token, or why not.</summary>
public sealed class MoltbotDisconnectResult
{
    public string Agent { get; set; } = string.Empty;

    public string ProfileId { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    /// <summary>The credential type (<c>oauth</c>, <c>token</c>, <c>api_key</c>).</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>Whether the profile (and its references) was removed from the agent's store.</summary>
    public bool Removed { get; set; }

    /// <summary>Whether the provider revoked the refresh token (RFC 7009).</summary>
    public bool Revoked { get; set; }

    /// <summary>Whether the revocation was skipped; <see cref="Reason"/> says why.</summary>
    public bool RevocationSkipped { get; set; }

    /// <summary>Why the revocation was skipped (no revocation endpoint, shared token, -NoRevoke, not an OAuth login), or null.</summary>
    public string? Reason { get; set; }

    // Shown by the default view (through DisplayText; the properties keep the true values).

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string ReasonDisplay => DisplayText.Escape(Reason);

    public override string ToString() => DisplayText.Escape($"{Agent}/{ProfileId}: removed {Removed}, revoked {Revoked}");
}
