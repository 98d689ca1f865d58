using System;

namespace Moltbot.Core.Store;

/// <summary>
/// OpenClaw 2026.9.6's durable OAuth refresh fence (openclaw-sqlite.md 5): while a refresh is in flight the stored
/// credential carries inert markers <c>openclaw-oauth-refresh-fence:v1:&lt;claim&gt;:access:&lt;sha256&gt;</c>; a failed
/// refresh leaves <c>...:&lt;claim&gt;:failed:access:...</c>, after which only a new login helps.
/// </summary>
public enum RefreshFenceState
{
    None,

    /// <summary>Another process owns the single-use refresh token right now: wait, never overwrite.</summary>
    Pending,

    /// <summary>The refresh failed for good: OpenClaw never refreshes this profile again; log in anew.</summary>
    Failed,
}

public static class RefreshFence
{
    public const string Prefix = "openclaw-oauth-refresh-fence:v1:";

    public static RefreshFenceState Of(StoredProfile profile)
    {
        var access = profile.GetString("access");
        var refresh = profile.GetString("refresh");
        var marked = IsMarker(access) || IsMarker(refresh);
        if (!marked)
        {
            return RefreshFenceState.None;
        }
        return IsFailed(access) || IsFailed(refresh) ? RefreshFenceState.Failed : RefreshFenceState.Pending;
    }

    private static bool IsMarker(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    private static bool IsFailed(string? value) => IsMarker(value) && value!.IndexOf(":failed:", Prefix.Length, StringComparison.Ordinal) >= 0;
}
