using System;
using Moltbot.Core.Locking;

namespace Moltbot.Core.Refresh;

/// <summary>Settings of <see cref="TokenRefresher"/>.</summary>
public sealed record TokenRefreshOptions
{
    /// <summary>
    /// An access token that expires within this margin is refreshed. 60 s by default; OpenClaw 2026.1.30 uses 0
    /// (<c>now &lt; expires</c>), 2026.4.2x-6.x use 5 min (<c>DEFAULT_OAUTH_REFRESH_MARGIN_MS</c>).
    /// </summary>
    public TimeSpan Margin { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Limit of the refresh request, well inside the 30 s after which OpenClaw treats the store lock as stale.</summary>
    public TimeSpan RefreshTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The lock of each agent's <c>auth-profiles.json</c> (null: <see cref="FileLockOptions.Default"/>).</summary>
    public FileLockOptions? StoreLockOptions { get; init; }

    /// <summary>
    /// The cross-agent refresh lock (<c>$STATE/locks/oauth-refresh/sha256-...</c>). OpenClaw's
    /// <c>OAUTH_REFRESH_LOCK_OPTIONS</c> count it stale after 180 s; a holder whose pid is dead is stale at once.
    /// </summary>
    public FileLockOptions RefreshLockOptions { get; init; } = new()
    {
        Timeout = TimeSpan.FromSeconds(90),
        StaleAfter = TimeSpan.FromSeconds(180),
    };

    public static TokenRefreshOptions Default { get; } = new();
}
