using System;
using System.Collections.Generic;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Qwen portal (Qwen Code's free tier) as OpenClaw's qwen-portal-auth plugin signs in to it (oauth-providers.md §7):
/// RFC 8628 device code with PKCE (base64url verifier), client <c>f0304373b74a44d2b584a3fb70ca9e56</c>, form bodies,
/// <c>x-request-id</c> on the device request. Qwen answers pending with HTTP 400 and slow_down with 429; slow_down
/// multiplies the interval by 1.5, at most 10 s; the default interval is 2 s. <c>expires = now + expires_in</c> (no
/// skew). Refresh: form, a new refresh token when Qwen sends one, else the old one kept. Qwen names no account, so the
/// profile is always <c>qwen-portal:default</c> (as OpenClaw): several Qwen accounts need <c>-ProfileId</c>.
/// </summary>
public sealed class QwenPortalProvider : OAuthProvider
{
    public const string ProviderId = "qwen-portal";
    public const string DefaultClientId = "f0304373b74a44d2b584a3fb70ca9e56";
    public const string BaseVariable = "MOLTBOT_QWEN_PORTAL_BASE_URL";

    public static QwenPortalProvider Instance { get; } = new();

    public override string Id => ProviderId;

    public override IReadOnlyList<string> Aliases { get; } = new[] { "qwen" };

    public override string DisplayName => "Qwen portal (Qwen Code)";

    public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.DeviceCode };

    public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
    {
        new OAuthEndpoint("device", "https://chat.qwen.ai", "/api/v1/oauth2/device/code", BaseVariable, "device code request (PKCE challenge)"),
        new OAuthEndpoint("token", "https://chat.qwen.ai", "/api/v1/oauth2/token", BaseVariable, "token: device-code polls and refresh"),
    };

    public override string ClientId => DefaultClientId;

    public override string Scope => "openid profile email model.completion";

    public override bool DeviceCodePkce => true;

    public override TimeSpan DevicePollInterval => TimeSpan.FromSeconds(2);

    public override TimeSpan DeviceMinimumInterval => TimeSpan.Zero;

    /// <summary>Treated as rotating (§7): a new refresh token replaces the old; one left out keeps the old.</summary>
    public override bool RotatesRefreshToken => true;

    public override string ProfileIdRule => $"{Id}:default (Qwen names no account: a second login replaces it; use -ProfileId for several Qwen accounts)";

    public override string DefaultProfileId(OAuthCredential credential) => Id + ":default";

    /// <summary>OpenClaw's qwen-portal plugin: interval ×1.5, at most 10 s.</summary>
    public override TimeSpan SlowDownInterval(TimeSpan current, TokenAnswer answer)
    {
        var next = TimeSpan.FromMilliseconds(current.TotalMilliseconds * 1.5);
        return next > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : next;
    }

    public override IReadOnlyList<KeyValuePair<string, string>> DeviceRequestHeaders() =>
        new[] { new KeyValuePair<string, string>("x-request-id", Guid.NewGuid().ToString()) };

    public override OAuthCredential ReadTokenAnswer(TokenAnswer answer, TokenGrant grant, OAuthCredential? previous, DateTimeOffset now)
    {
        if (grant == TokenGrant.Refresh && answer.GetString("refresh_token") is null && previous?.Refresh is { } old)
        {
            var access = answer.GetString("access_token");
            var expiresIn = answer.GetPositiveSeconds("expires_in");
            answer.RequireFields(this, ("access_token", access is not null), ("a numeric expires_in", expiresIn is not null));
            return new OAuthCredential(access!, old, ExpiresAt(now, expiresIn!.Value));
        }
        return base.ReadTokenAnswer(answer, grant, previous, now);
    }

    public override string RefreshFailedAdvice(string agentId, string profileId) =>
        $"A refused Qwen refresh (HTTP 400) means the refresh token expired or was invalidated (for example by another client using the same account): re-authenticate with 'Connect-MoltbotProvider {Id} -Agent {agentId} -ProfileId {profileId} -Force'.";
}
