using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
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

    public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.AuthorizationCode, LoginFlowKind.DeviceCode };

    public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
    {
        new OAuthEndpoint("authorize", DefaultAuthority, AuthorizePath, AuthorityVariable, "authorization (the browser opens it)"),
        new OAuthEndpoint("token", DefaultAuthority, TokenPath, AuthorityVariable, "token: code exchange and refresh"),
        new OAuthEndpoint("deviceUsercode", DefaultAuthority, "/api/accounts/deviceauth/usercode", AuthorityVariable, "device login: user code request (-DeviceCode)"),
        new OAuthEndpoint("deviceToken", DefaultAuthority, "/api/accounts/deviceauth/token", AuthorityVariable, "device login: polled until the code is approved"),
        new OAuthEndpoint("deviceVerification", DefaultAuthority, "/codex/device", AuthorityVariable, "device login: the page where the code is entered"),
        new OAuthEndpoint("deviceCallback", DefaultAuthority, "/deviceauth/callback", AuthorityVariable, "device login: the redirect_uri of its code exchange (never listened on)"),
        new OAuthEndpoint(RevocationEndpointName, DefaultAuthority, "/oauth/revoke", AuthorityVariable, "token revocation (RFC 7009), where the Codex CLI revokes on logout: Disconnect-MoltbotProvider"),
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
    // The device login of OpenClaw 6.x and the Codex CLI (openai/codex codex-rs/login/src/device_code_auth.rs): JSON
    // {client_id} to the usercode endpoint → {device_auth_id, user_code, interval (a string)}; the user enters the code at
    // <issuer>/codex/device; JSON {device_auth_id, user_code} polls answer 403 or 404 while pending, then
    // {authorization_code, code_challenge, code_verifier} (the server made the PKCE pair), which is exchanged at
    // /oauth/token with redirect_uri <issuer>/deviceauth/callback. 15 minutes, polled every 5 s.

    public override TimeSpan DeviceCodeLifetime => TimeSpan.FromMinutes(15);

    public override async Task<DeviceAuthorization> RequestDeviceAuthorizationAsync(LoginContext context, LoginClient client, PkcePair? pkce, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint("deviceUsercode", context.Environment);
        var body = new JsonObject { ["client_id"] = client.ClientId };
        using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        var answer = await context.Client.SendApiAsync(this, HttpMethod.Post, endpoint, content, null,
            context.Settings.TokenRequestTimeout ?? TokenRequestTimeout, "the device code request", cancellationToken, AuthorityVariable).ConfigureAwait(false);
        if (answer.Status == 404)
        {
            throw new MoltbotException(OAuthErrorIds.LoginFlowNotSupported, MoltbotErrorKind.InvalidArgument,
                $"{DisplayName} answered 404 to the device code request: device login is not enabled for this issuer ({endpoint.GetLeftPart(UriPartial.Authority)}).", Id)
            {
                RecommendedAction = "Sign in without -DeviceCode (-Manual pastes the redirect URL and needs no browser on this machine).",
            };
        }
        if (answer.IsError)
        {
            throw TokenEndpointClient.Refused(new TokenCall(this, endpoint, "device code request", Array.Empty<KeyValuePair<string, string>>()), answer);
        }
        var id = answer.GetString("device_auth_id");
        var userCode = answer.GetString("user_code") ?? answer.GetString("usercode");
        answer.RequireFields(this, ("device_auth_id", id is not null), ("user_code", userCode is not null));
        return new DeviceAuthorization(id!, userCode!, Endpoint("deviceVerification", context.Environment).AbsoluteUri, null,
            DeviceCodeLifetime, DeviceInterval(answer));
    }

    public override TokenCall DeviceTokenCall(LoginContext context, LoginClient client, DeviceAuthorization device) =>
        new(this, Endpoint("deviceToken", context.Environment), "device code", new[]
        {
            new KeyValuePair<string, string>("device_auth_id", device.DeviceCode),
            new KeyValuePair<string, string>("user_code", device.UserCode),
        })
        {
            Encoding = TokenBodyEncoding.Json,
            Timeout = context.Settings.TokenRequestTimeout ?? TokenRequestTimeout,
            Secrets = new[] { device.DeviceCode },
            AcceptError = _ => true,
            EndpointVariable = AuthorityVariable,
        };

    /// <summary>403 and 404 are pending (codex-rs); 410 is an expired code; a 2xx answer must bring the authorization code.</summary>
    public override DevicePollStatus ClassifyDevicePoll(TokenAnswer answer) => answer.Status switch
    {
        403 or 404 => DevicePollStatus.Pending,
        410 => DevicePollStatus.Expired,
        >= 200 and < 300 when answer.GetString("authorization_code") is not null && answer.GetString("code_verifier") is not null => DevicePollStatus.Granted,
        _ => DevicePollStatus.Failed,
    };

    /// <summary>Exchanges the authorization code the approved poll brought, with the server-made verifier, at /oauth/token.</summary>
    public override Task<OAuthCredential> ReadDeviceGrantAsync(LoginContext context, TokenAnswer answer, DeviceAuthorization device, LoginClient client, CancellationToken cancellationToken)
    {
        var verifier = answer.GetString("code_verifier")!;
        var pkce = new PkcePair(verifier, answer.GetString("code_challenge") ?? Pkce.ComputeChallenge(verifier));
        context.Ui.Verbose($"Exchanging the device login's authorization code at {TokenEndpoint(context.Environment).AbsoluteUri}.");
        return ExchangeCodeAsync(context.Client, answer.GetString("authorization_code")!, pkce, string.Empty,
            Endpoint("deviceCallback", context.Environment), client, context.Environment, cancellationToken, context.Settings.TokenRequestTimeout);
    }
}
