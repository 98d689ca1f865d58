using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Chutes (oauth-providers.md §9): authorization code + PKCE (hex verifier, random state) against
/// <c>https://api.chutes.ai/idp/*</c> with the user's own registered client (<c>-ClientId</c>, else
/// <c>MOLTBOT_CHUTES_CLIENT_ID</c>, else OpenClaw's <c>CHUTES_CLIENT_ID</c>; the secret likewise, optional), the redirect
/// <c>http://127.0.0.1:1456/oauth-callback</c> (<c>CHUTES_OAUTH_REDIRECT_URI</c>) and the scopes
/// <c>openid profile chutes:invoke</c> (<c>CHUTES_OAUTH_SCOPES</c>). After the tokens, userinfo gives the username (stored
/// as <c>email</c>, the profile id) and <c>sub</c> (<c>accountId</c>); the client id is stored as <c>clientId</c>, and a
/// refresh presents it. <c>expires = max(now + floor(expires_in) − 5 min, now + 30 s)</c>. A refresh answer without a
/// refresh token keeps the old one.
/// </summary>
public sealed class ChutesProvider : OAuthProvider
{
    public const string ProviderId = "chutes";
    public const string DefaultAuthority = "https://api.chutes.ai";
    public const string AuthorityVariable = "MOLTBOT_CHUTES_AUTHORITY";
    public const string RedirectVariable = "CHUTES_OAUTH_REDIRECT_URI";
    public const string ScopesVariable = "CHUTES_OAUTH_SCOPES";
    public const string ClientIdField = "clientId";

    /// <summary>The earliest <c>expires</c> a login or refresh stores: 30 s from now (OpenClaw's floor).</summary>
    public static readonly TimeSpan ExpiryFloor = TimeSpan.FromSeconds(30);

    public static ChutesProvider Instance { get; } = new();

    public override string Id => ProviderId;

    public override string DisplayName => "Chutes";

    public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.AuthorizationCode };

    public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
    {
        new OAuthEndpoint("authorize", DefaultAuthority, "/idp/authorize", AuthorityVariable, "authorization (the browser opens it)"),
        new OAuthEndpoint("token", DefaultAuthority, "/idp/token", AuthorityVariable, "token: code exchange and refresh"),
        new OAuthEndpoint("userinfo", DefaultAuthority, "/idp/userinfo", AuthorityVariable, "userinfo: the username after the login"),
    };

    public override IReadOnlyList<ClientVariables> ClientVariables { get; } = new[]
    {
        new ClientVariables("MOLTBOT_CHUTES_CLIENT_ID", "MOLTBOT_CHUTES_CLIENT_SECRET"),
        new ClientVariables("CHUTES_CLIENT_ID", "CHUTES_CLIENT_SECRET"),
    };

    public override string Scope => "openid profile chutes:invoke";

    public override string ScopeFor(MoltbotEnvironment environment) => environment.Get(ScopesVariable) ?? Scope;

    public override PkceVerifierStyle PkceStyle => PkceVerifierStyle.Hex;

    public override Uri DefaultRedirectUri { get; } = new("http://127.0.0.1:1456/oauth-callback");

    public override string RedirectUriVariable => RedirectVariable;

    public override TimeSpan ExpirySkew => TimeSpan.FromMinutes(5);

    /// <summary>Treated as rotating (the lock and reuse rules apply), but an answer without a refresh token keeps the old one, as OpenClaw does.</summary>
    public override bool KeepsRefreshTokenWhenOmitted => true;

    public override string ProfileIdRule => $"{Id}:<username> when userinfo names one, else {Id}:default";

    public override IReadOnlyList<LoginParameter> LoginParameters { get; } = new[]
    {
        new LoginParameter("ClientId", "The id of your own Chutes OAuth app (cid_...); required.", "CHUTES_CLIENT_ID"),
        new LoginParameter("ClientSecret", "Its secret, when the app has one (a refresh reads it from CHUTES_CLIENT_SECRET or MOLTBOT_CHUTES_CLIENT_SECRET).", "CHUTES_CLIENT_SECRET"),
    };

    protected override MoltbotException MissingClient() =>
        new(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument,
            "Chutes has no public OAuth client: each user registers their own app. Pass -ClientId (or set CHUTES_CLIENT_ID or MOLTBOT_CHUTES_CLIENT_ID).", Id)
        {
            RecommendedAction = $"Create an OAuth app in your Chutes account (https://chutes.ai, OAuth apps) with the redirect URI {DefaultRedirectUri.AbsoluteUri} and the scopes '{Scope}', then run 'Connect-MoltbotProvider chutes -ClientId cid_...'.",
        };

    /// <summary><c>max(now + floor(expires_in) − 5 min, now + 30 s)</c>.</summary>
    public override long ExpiresAt(DateTimeOffset now, long expiresInSeconds) =>
        Math.Max(base.ExpiresAt(now, expiresInSeconds), now.ToUnixTimeMilliseconds() + (long)ExpiryFloor.TotalMilliseconds);

    /// <summary>The stored <c>clientId</c> (the client that logged in), else the configured one.</summary>
    public override string? RefreshClientId(StoredCredentialView current, MoltbotEnvironment environment) =>
        current.GetString(ClientIdField) ?? base.RefreshClientId(current, environment);

    public override async Task<OAuthCredential> CompleteLoginAsync(LoginContext context, OAuthCredential credential, LoginClient client, CancellationToken cancellationToken)
    {
        var answer = await context.Client.SendApiAsync(this, HttpMethod.Get, Endpoint("userinfo", context.Environment), null,
            new[] { new KeyValuePair<string, string>("Authorization", "Bearer " + credential.Access) }, TimeSpan.FromSeconds(30), "userinfo", cancellationToken, AuthorityVariable).ConfigureAwait(false);
        string? username = null, sub = null;
        if (answer.Status is >= 200 and < 300)
        {
            username = answer.GetString("username");
            sub = answer.GetString("sub");
        }
        else
        {
            context.Ui.Verbose($"The Chutes userinfo endpoint answered HTTP {answer.Status}; the profile id falls back to {Id}:default.");
        }
        var result = credential.With(ClientIdField, JsonValue.Create(client.ClientId), username);
        return sub is null ? result : result.With("accountId", JsonValue.Create(sub));
    }

    public override string RefreshFailedAdvice(string agentId, string profileId) =>
        $"Sign in again with 'Connect-MoltbotProvider chutes -Agent {agentId} -ProfileId {profileId} -ClientId <your app's id>' (a refresh presents the stored clientId; a confidential app also needs CHUTES_CLIENT_SECRET).";
}
