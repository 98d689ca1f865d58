using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// OpenAI Codex (ChatGPT) as the Codex CLI and OpenClaw use it (openclaw-compat.md 8.1): PKCE with a loopback callback on
/// <c>localhost:1455</c> (or the redirect pasted back), and the device flow of OpenClaw 6.x. The authority can be
/// replaced with <c>MOLTBOT_OPENAI_CODEX_AUTHORITY</c> (tests, corporate proxies); the paths stay. The loopback redirect
/// can be replaced with <c>MOLTBOT_OPENAI_CODEX_REDIRECT_URI</c>. Refresh tokens rotate; <c>expires</c> has no skew; the
/// account id comes from the access token and a login or refresh without it fails.
/// </summary>
public sealed class OpenAICodexProvider : OAuthProvider
{
    public const string ProviderId = "openai-codex";
    public const string DefaultClientId = "app_EMoamEEZ73f0CkXaXp7hrann";
    public const string DefaultAuthority = "https://auth.openai.com";
    public const string AuthorizePath = "/oauth/authorize";
    public const string TokenPath = "/oauth/token";
    public const string Originator = "moltbot";
    public const string AuthorityVariable = "MOLTBOT_OPENAI_CODEX_AUTHORITY";
    public const string RedirectVariable = "MOLTBOT_OPENAI_CODEX_REDIRECT_URI";

    public static OpenAICodexProvider Instance { get; } = new();

    public override string Id => ProviderId;

    public override IReadOnlyList<string> Aliases { get; } = new[] { "codex", "chatgpt" };

    /// <summary>OpenClaw 2026.6.1 and later store the ChatGPT login as provider <c>openai</c> (an OpenAI API key is an api_key profile).</summary>
    public override IReadOnlyList<string> StoredProviderIds { get; } = new[] { "openai" };

    public override string DisplayName => "OpenAI Codex (ChatGPT)";

    public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.AuthorizationCode };

    public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
    {
        new OAuthEndpoint("authorize", DefaultAuthority, AuthorizePath, AuthorityVariable, "authorization (the browser opens it)"),
        new OAuthEndpoint("token", DefaultAuthority, TokenPath, AuthorityVariable, "token: code exchange and refresh"),
    };

    public override string ClientId => DefaultClientId;

    public override string Scope => "openid profile email offline_access";

    public override IReadOnlyList<KeyValuePair<string, string>> ExtraAuthorizeParameters { get; } = new[]
    {
        new KeyValuePair<string, string>("id_token_add_organizations", "true"),
        new KeyValuePair<string, string>("codex_cli_simplified_flow", "true"),
        new KeyValuePair<string, string>("originator", Originator),
    };

    public override Uri DefaultRedirectUri { get; } = new("http://localhost:1455/auth/callback");

    public override string RedirectUriVariable => RedirectVariable;

    /// <summary>As OpenClaw 2026.1.30 names it: one id, whatever the account (a second account is stored beside it, see LoginService).</summary>
    public override string ProfileIdRule => $"{Id}:default (OpenClaw's id); another account's login goes to {Id}:<email>";

    public override string DefaultProfileId(OAuthCredential credential) => Id + ":default";

    /// <summary>
    /// Codex answers must carry a new access token, a new refresh token and a numeric <c>expires_in</c> (no skew), and the
    /// access token must name the ChatGPT account (<c>accountId</c>); the email and plan come from its claims too.
    /// </summary>
    public override OAuthCredential ReadTokenAnswer(TokenAnswer answer, TokenGrant grant, OAuthCredential? previous, DateTimeOffset now)
    {
        var credential = base.ReadTokenAnswer(answer, grant, previous, now);
        var accountId = JwtClaims.GetChatGptAccountId(credential.Access);
        if (accountId is null)
        {
            throw new MoltbotException(OAuthErrorIds.AccountIdMissing, MoltbotErrorKind.AuthenticationError,
                $"The access token carries no '{JwtClaims.AuthClaim}' chatgpt_account_id claim, so the ChatGPT account is unknown. Nothing was stored.",
                ProviderId)
            {
                RecommendedAction = "Sign in with a ChatGPT account that has Codex access.",
            };
        }
        var fields = new JsonObject { ["accountId"] = accountId };
        return new OAuthCredential(credential.Access, credential.Refresh, credential.ExpiresMs,
            grant == TokenGrant.Login ? JwtClaims.GetEmail(credential.Access) : null, fields);
    }
}
