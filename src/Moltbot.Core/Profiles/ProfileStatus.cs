using System;
using Moltbot.Core.Store;

namespace Moltbot.Core.Profiles;

/// <summary>The health of a credential, in the words of <c>openclaw models status</c>.</summary>
public enum AuthProfileStatus
{
    /// <summary>Valid for more than 24 hours.</summary>
    Ok,

    /// <summary>Valid, but expires within 24 hours.</summary>
    Expiring,

    /// <summary>Past its expiry (and, for OAuth, without a refresh token to renew it).</summary>
    Expired,

    /// <summary>Never expires: API keys and tokens without an expiry.</summary>
    Static,

    /// <summary>The entry lacks the secret its type needs, or its type is unknown.</summary>
    Missing,

    /// <summary>OpenClaw 2026.9.6 is refreshing it right now (a pending refresh fence): usable again in a moment.</summary>
    RefreshPending,

    /// <summary>OpenClaw's refresh failed for good (a failed refresh fence): only a new login helps.</summary>
    LoginRequired,
}

public static class ProfileStatusRules
{
    /// <summary>OpenClaw's <c>warnAfterMs</c>: a credential expiring within a day is reported as expiring.</summary>
    public static readonly TimeSpan ExpiringWindow = TimeSpan.FromHours(24);

    public static AuthProfileStatus Evaluate(StoredProfile profile, DateTimeOffset now)
    {
        if (profile.Type == CredentialType.OAuth)
        {
            switch (RefreshFence.Of(profile))
            {
                case RefreshFenceState.Pending:
                    return AuthProfileStatus.RefreshPending; // its expires is 1 by design: not "expired"
                case RefreshFenceState.Failed:
                    return AuthProfileStatus.LoginRequired;
            }
        }
        if (!profile.HasSecret)
        {
            return AuthProfileStatus.Missing;
        }
        if (profile.IsNonExpiring)
        {
            return AuthProfileStatus.Static;
        }
        if (profile.Type == CredentialType.OAuth && profile.HasRefreshToken)
        {
            // As openclaw models status (2026.1.30) reports it: the runtime refreshes such a profile on use, so it is
            // ok whatever its access token's expiry (which Expires still shows).
            return AuthProfileStatus.Ok;
        }
        var expires = profile.ExpiresMs;
        if (expires is null)
        {
            // An oauth entry without a usable expiry: OpenClaw refreshes it before use.
            return AuthProfileStatus.Expired;
        }
        var remaining = expires.Value - now.ToUnixTimeMilliseconds();
        if (remaining <= 0)
        {
            return AuthProfileStatus.Expired;
        }
        return remaining <= ExpiringWindow.TotalMilliseconds ? AuthProfileStatus.Expiring : AuthProfileStatus.Ok;
    }
}
