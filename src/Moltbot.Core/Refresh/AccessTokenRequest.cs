using System;

namespace Moltbot.Core.Refresh;

/// <summary>
/// What a caller of <see cref="TokenRefresher.GetAccessToken(Agents.AgentLocation, string, AccessTokenRequest, System.Threading.CancellationToken)"/>
/// asks for beyond "a usable token". A class rather than a record, so that no generated <c>ToString</c> can print
/// <see cref="RejectedAccessToken"/>.
/// </summary>
public sealed class AccessTokenRequest
{
    /// <summary>
    /// Refresh even when the stored credential looks usable: "the credential I read is rejected". Inside the locks a
    /// credential that changed since it was read (another refresher won) and is usable is used instead of rotating again.
    /// </summary>
    public bool Force { get; init; }

    /// <summary>
    /// The access token a server has just rejected (a 401). Secret. When given, the refresh is forced iff the stored
    /// access token is still this one; a stored token that differs has already been replaced and is returned when usable.
    /// </summary>
    public string? RejectedAccessToken { get; init; }

    /// <summary>
    /// Whether the refresh may rotate a refresh token that an external CLI (Codex CLI, Claude Code, ...) also holds,
    /// which signs that CLI out. True: yes, with a warning; false: refuse with <see cref="External.ExternalErrorIds.SharedRefreshToken"/>;
    /// null (default): yes when the refresh is needed anyway (the automatic path, a rejected token, or an expired
    /// credential), otherwise refuse.
    /// </summary>
    public bool? AllowSignOutOfExternal { get; init; }

    /// <summary>
    /// Told each warning BEFORE the refresh request is sent (a shared chain that is about to break), on the thread
    /// that called <see cref="TokenRefresher.GetAccessToken(Agents.AgentLocation, string, AccessTokenRequest, System.Threading.CancellationToken)"/>.
    /// The same text is also in <see cref="AccessTokenResult.Warnings"/>. No secrets.
    /// </summary>
    public Action<string>? Warning { get; init; }

    /// <summary>Never shows the rejected token.</summary>
    public override string ToString() =>
        $"AccessTokenRequest {{ Force = {Force}, RejectedAccessToken = {(RejectedAccessToken is null ? "none" : "(given)")}, AllowSignOutOfExternal = {AllowSignOutOfExternal?.ToString() ?? "auto"} }}";
}
