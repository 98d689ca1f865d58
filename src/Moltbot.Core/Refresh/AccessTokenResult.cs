using System;
using System.Collections.Generic;
using Moltbot.Core.Store;

namespace Moltbot.Core.Refresh;

/// <summary>Where the credential handed out came from.</summary>
public enum AccessTokenSource
{
    /// <summary>The stored credential was usable as it was (no lock, no network).</summary>
    Store,

    /// <summary>Another process (or agent copy) had refreshed it by the time the locks were held: no network call.</summary>
    Peer,

    /// <summary>This call refreshed it at the token endpoint.</summary>
    Refreshed,
}

/// <summary>
/// A credential ready for use. <see cref="Token"/> is the secret: never log it; <see cref="ToString"/> leaves it out.
/// </summary>
public sealed class AccessTokenResult
{
    internal AccessTokenResult(string agentId, StoredProfile profile, string token, AccessTokenSource source)
    {
        AgentId = agentId;
        ProfileId = profile.Id;
        Provider = profile.Provider ?? string.Empty;
        Type = profile.Type;
        Token = token;
        ExpiresMs = profile.IsNonExpiring ? null : profile.ExpiresMs;
        AccountId = profile.AccountId;
        Email = profile.Email;
        Source = source;
        Credential = profile;
    }

    /// <summary>The stored credential the token comes from (for the in-process gate; never printed).</summary>
    internal StoredProfile Credential { get; }

    public string AgentId { get; }

    public string ProfileId { get; }

    public string Provider { get; }

    public CredentialType Type { get; }

    /// <summary>The access token, static token or API key. Secret.</summary>
    public string Token { get; }

    /// <summary>ms since the epoch; null for credentials that never expire.</summary>
    public long? ExpiresMs { get; }

    public DateTimeOffset? Expires => ExpiresMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999)) : null;

    public string? AccountId { get; }

    public string? Email { get; }

    public AccessTokenSource Source { get; }

    /// <summary>
    /// True when this call was queued in this process behind another caller's refresh of the same credential and was
    /// given its result (<see cref="Source"/> is then <see cref="AccessTokenSource.Peer"/>): no file lock was taken.
    /// </summary>
    public bool SharedInProcess { get; internal init; }

    /// <summary>True when this call performed the refresh.</summary>
    public bool Refreshed => Source == AccessTokenSource.Refreshed;

    /// <summary>Other agents whose copy (same provider, same old refresh token) received the new credential.</summary>
    public IReadOnlyList<string> PropagatedTo { get; internal set; } = Array.Empty<string>();

    /// <summary>
    /// The external CLI whose fresher credential this call adopted instead of refreshing (<c>Codex CLI (/home/me/.codex/auth.json)</c>;
    /// <see cref="Source"/> is then <see cref="AccessTokenSource.Peer"/>); null otherwise.
    /// </summary>
    public string? AdoptedFrom { get; internal set; }

    /// <summary>Problems that did not stop the call (an external CLI this refresh signed out, an agent copy that could not be updated, ...). No secrets.</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = Array.Empty<string>();

    /// <summary>How long this call waited for the cross-agent refresh lock (null: no lock was taken).</summary>
    public TimeSpan? RefreshLockWaited { get; internal set; }

    /// <summary>When the cross-agent refresh lock was acquired (UTC), for diagnostics and benchmarks.</summary>
    public DateTime? RefreshLockAcquiredUtc { get; internal set; }

    /// <summary>When the cross-agent refresh lock was released (UTC; stamped just before the lock file is deleted).</summary>
    public DateTime? RefreshLockReleasedUtc { get; internal set; }

    /// <summary>Just after the agent's store lock was released (UTC): the lock was free at this moment.</summary>
    public DateTime? StoreLockReleasedUtc { get; internal set; }

    /// <summary>How long this call waited for the agent's store lock inside the refresh lock.</summary>
    public TimeSpan? StoreLockWaited { get; internal set; }

    /// <summary>Never shows the token.</summary>
    public override string ToString() => $"{AgentId}/{ProfileId} ({Provider}, {Type.ToWireName()}, {Source})";
}
