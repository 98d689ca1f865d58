using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.OAuth;

/// <summary>A short-lived Copilot API token, exchanged from the stored GitHub token. Holds a secret: never log it.</summary>
public sealed record CopilotToken(string Token, DateTimeOffset ExpiresAt, Uri ApiBaseUrl)
{
    public override string ToString() => $"CopilotToken {{ ExpiresAt = {ExpiresAt:O}, ApiBaseUrl = {ApiBaseUrl} }}";
}

/// <summary>
/// GitHub Copilot as OpenClaw 2026.1.30 signs in to it (oauth-providers.md §4.2, §4.3): the device flow of the Copilot
/// editor plugins' GitHub App (client <c>Iv1.b507a08c87ecfe98</c>, scope <c>read:user</c>); the GitHub user token
/// (<c>ghu_…</c>) is stored as a static <c>type:"token"</c> credential without <c>expires</c>, default profile
/// <c>github-copilot:github</c>. GitHub answers pending and slow_down with HTTP 200; slow_down honours the server's new
/// interval (else +5 s, kept, as pi-ai). GitHub Enterprise (data residency, <c>*.ghe.com</c>): <c>-EnterpriseDomain</c> or
/// <c>COPILOT_GITHUB_DOMAIN</c> move the login to <c>https://&lt;domain&gt;</c> and the API to <c>https://api.&lt;domain&gt;</c>;
/// the domain is kept in <c>enterpriseUrl</c> (pi-ai's field) so that the Copilot token exchange finds it.
/// After the login, <c>GET &lt;api&gt;/user</c> names the account (its public email, else GitHub's noreply address
/// <c>&lt;id&gt;+&lt;login&gt;@users.noreply.github.com</c>), so a second GitHub account is stored beside the first.
/// The Copilot token itself is never stored: <see cref="ExchangeAsync"/> gets one when asked.
/// </summary>
public sealed class GitHubCopilotProvider : OAuthProvider
{
    public const string ProviderId = "github-copilot";
    public const string DefaultClientId = "Iv1.b507a08c87ecfe98";
    public const string GitHubVariable = "MOLTBOT_GITHUB_COPILOT_GITHUB_URL";
    public const string ApiVariable = "MOLTBOT_GITHUB_COPILOT_API_URL";
    public const string DomainVariable = "COPILOT_GITHUB_DOMAIN";
    public const string DefaultApiBase = "https://api.individual.githubcopilot.com";

    public static GitHubCopilotProvider Instance { get; } = new();

    public override string Id => ProviderId;

    public override IReadOnlyList<string> Aliases { get; } = new[] { "copilot", "github" };

    public override string DisplayName => "GitHub Copilot";

    public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.DeviceCode };

    public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
    {
        new OAuthEndpoint("device", "https://github.com", "/login/device/code", GitHubVariable, "device code request (https://<EnterpriseDomain> for GitHub Enterprise)"),
        new OAuthEndpoint("token", "https://github.com", "/login/oauth/access_token", GitHubVariable, "token: polled until the code is approved"),
        new OAuthEndpoint("user", "https://api.github.com", "/user", ApiVariable, "the signed-in account (https://api.<EnterpriseDomain>)"),
        new OAuthEndpoint("copilotToken", "https://api.github.com", "/copilot_internal/v2/token", ApiVariable, "Copilot token exchange (Get-MoltbotAccessToken -Exchange)"),
    };

    public override string ClientId => DefaultClientId;

    public override string Scope => "read:user";

    public override bool Refreshable => false;

    public override bool RotatesRefreshToken => false;

    public override CredentialType StoredType => CredentialType.Token;

    public override string ProfileIdRule => $"{Id}:github (OpenClaw's id); another GitHub account's login goes to {Id}:<its email or noreply address>";

    public override IReadOnlyList<LoginParameter> LoginParameters { get; } = new[]
    {
        new LoginParameter("EnterpriseDomain", "GitHub Enterprise domain (company.ghe.com): login on https://<domain>, API on https://api.<domain>", DomainVariable),
    };

    public override string DefaultProfileId(OAuthCredential credential) => Id + ":github";

    /// <summary>The enterprise domain: the login parameter, else <c>COPILOT_GITHUB_DOMAIN</c>; a bare lower-case host, or null for github.com.</summary>
    public static string? EnterpriseDomain(string? parameter, MoltbotEnvironment environment)
    {
        var value = parameter ?? environment.Get(DomainVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var text = value.Trim();
        var host = Uri.TryCreate(text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text, UriKind.Absolute, out var uri) ? uri.IdnHost.ToLowerInvariant() : null;
        if (host is null || Uri.CheckHostName(host) != UriHostNameType.Dns || !host.Contains('.', StringComparison.Ordinal))
        {
            throw OAuthEndpoint.Invalid($"'{TextSanitizer.Clean(text, 100)}' is not a GitHub Enterprise domain (expected a host name such as company.ghe.com).", parameter is null ? DomainVariable : "EnterpriseDomain");
        }
        return host is "github.com" or "www.github.com" ? null : host;
    }

    /// <summary>An endpoint with the enterprise domain applied (the variables still win: tests, proxies).</summary>
    private Uri For(string name, string? domain, MoltbotEnvironment environment)
    {
        var endpoint = Endpoint(name, environment);
        var variable = name is "device" or "token" ? GitHubVariable : ApiVariable;
        if (domain is null || environment.Get(variable) is not null)
        {
            return endpoint;
        }
        var host = name is "device" or "token" ? domain : "api." + domain;
        return new Uri("https://" + host + endpoint.AbsolutePath);
    }

    public override Uri DeviceAuthorizationEndpoint(LoginSettings settings, MoltbotEnvironment environment) =>
        For("device", EnterpriseDomain(settings.Parameter("EnterpriseDomain"), environment), environment);

    public override Uri DeviceTokenEndpoint(LoginSettings settings, MoltbotEnvironment environment) =>
        For("token", EnterpriseDomain(settings.Parameter("EnterpriseDomain"), environment), environment);

    /// <summary>GitHub answers <c>{access_token:"ghu_…", token_type, scope}</c>: a static token without expiry.</summary>
    public override OAuthCredential ReadTokenAnswer(TokenAnswer answer, TokenGrant grant, OAuthCredential? previous, DateTimeOffset now)
    {
        var access = answer.GetString("access_token");
        answer.RequireFields(this, ("access_token", access is not null));
        return new OAuthCredential(access!, null, null, type: CredentialType.Token);
    }

    /// <summary>
    /// Names the account (<c>GET /user</c>; a failure only leaves it unnamed) and keeps an enterprise domain in
    /// <c>enterpriseUrl</c>. Runs synchronously: its host messages must stay on the calling (pipeline) thread.
    /// </summary>
    public override Task<OAuthCredential> CompleteLoginAsync(LoginContext context, OAuthCredential credential, LoginClient client, CancellationToken cancellationToken) =>
        Task.FromResult(CompleteLogin(context, credential, cancellationToken));

    private OAuthCredential CompleteLogin(LoginContext context, OAuthCredential credential, CancellationToken cancellationToken)
    {
        var domain = EnterpriseDomain(context.Settings.Parameter("EnterpriseDomain"), context.Environment);
        var result = domain is null ? credential : credential.With("enterpriseUrl", JsonValue.Create(domain));
        var endpoint = For("user", domain, context.Environment);
        try
        {
            var answer = context.Client.SendApiAsync(this, HttpMethod.Get, endpoint, null, Bearer(credential.Access),
                context.Settings.TokenRequestTimeout ?? TokenRequestTimeout, "the GitHub user endpoint", cancellationToken, ApiVariable).GetAwaiter().GetResult();
            var login = answer.GetString("login");
            var id = answer.GetInt64("id", allowString: true);
            if (answer.IsError || login is null)
            {
                context.Ui.Verbose($"GitHub's user endpoint answered HTTP {answer.Status} without a login; the account stays unnamed (a second account's login then needs -ProfileId).");
                return result;
            }
            var email = answer.GetString("email") ?? (id is { } n ? $"{n.ToString(CultureInfo.InvariantCulture)}+{login}@users.noreply.github.com" : $"{login}@users.noreply.github.com");
            context.Ui.Verbose($"Signed in to GitHub as {login}.");
            return result.WithEmail(email);
        }
        catch (MoltbotException ex) when (ex.ErrorId == OAuthErrorIds.TokenEndpointUnreachable)
        {
            context.Ui.Verbose($"GitHub's user endpoint could not be reached ({ex.Message}); the account stays unnamed.");
            return result;
        }
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Bearer(string token) => new[]
    {
        new KeyValuePair<string, string>("Authorization", "Bearer " + token),
        new KeyValuePair<string, string>("User-Agent", "Moltbot"),
    };

    /// <summary>
    /// Exchanges a GitHub token for a Copilot token (<c>GET &lt;api&gt;/copilot_internal/v2/token</c>, §4.3 step 5):
    /// <c>expires_at</c> in seconds or ms (values above 1e10 are ms; numeric strings allowed); the API base from the
    /// token's <c>proxy-ep</c>. 401 (bad token) and 403 (a personal access token, or no Copilot seat) are
    /// <see cref="OAuthErrorIds.CopilotTokenRefused"/>. Stores and caches nothing.
    /// </summary>
    public async Task<CopilotToken> ExchangeAsync(TokenEndpointClient client, string githubToken, string? enterpriseDomain, MoltbotEnvironment environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(githubToken);
        var domain = EnterpriseDomain(enterpriseDomain, environment);
        var endpoint = For("copilotToken", domain, environment);
        var answer = await client.SendApiAsync(this, HttpMethod.Get, endpoint, null, Bearer(githubToken), timeout, "the Copilot token endpoint", cancellationToken, ApiVariable).ConfigureAwait(false);
        if (answer.Status is 401 or 403)
        {
            var detail = TokenEndpointClient.Redact(answer.ErrorDescription ?? answer.GetString("message") ?? answer.Error ?? string.Empty, new[] { githubToken });
            throw new MoltbotException(OAuthErrorIds.CopilotTokenRefused, answer.Status == 401 ? MoltbotErrorKind.AuthenticationError : MoltbotErrorKind.PermissionDenied,
                answer.Status == 401
                    ? $"GitHub refused the stored GitHub token for a Copilot token (HTTP 401{(detail.Length > 0 ? ": " + detail : string.Empty)}): it is not valid any more."
                    : $"GitHub refused a Copilot token for the stored GitHub token (HTTP 403{(detail.Length > 0 ? ": " + detail : string.Empty)}): it is a personal access token, or the account has no Copilot seat.",
                endpoint.AbsoluteUri)
            {
                RecommendedAction = answer.Status == 401
                    ? "Sign in again with 'Connect-MoltbotProvider github-copilot -Force'."
                    : "Only the token of the device login works (not a ghp_/github_pat_ token): sign in with 'Connect-MoltbotProvider github-copilot', with an account that has a Copilot subscription.",
            };
        }
        var call = new TokenCall(this, endpoint, "GitHub token", Array.Empty<KeyValuePair<string, string>>()) { Secrets = new[] { githubToken } };
        if (answer.IsError)
        {
            throw TokenEndpointClient.Refused(call, answer);
        }
        var token = answer.GetString("token");
        var expires = answer.GetInt64("expires_at", allowString: true);
        answer.RequireFields(this, ("token", token is not null), ("a numeric expires_at", expires is > 0));
        var expiresAt = expires!.Value > 10_000_000_000L ? DateTimeOffset.FromUnixTimeMilliseconds(expires.Value) : DateTimeOffset.FromUnixTimeSeconds(expires.Value);
        return new CopilotToken(token!, expiresAt, ApiBaseFrom(token!));
    }

    /// <summary>The Copilot API base from the token's <c>proxy-ep=proxy.X</c> field (<c>https://api.X</c>), else the individual default.</summary>
    public static Uri ApiBaseFrom(string copilotToken)
    {
        foreach (var part in copilotToken.Split(';'))
        {
            var kv = part.Trim();
            if (kv.StartsWith("proxy-ep=", StringComparison.Ordinal))
            {
                var host = kv["proxy-ep=".Length..].Trim();
                host = host.StartsWith("proxy.", StringComparison.Ordinal) ? "api." + host["proxy.".Length..] : host;
                if (Uri.CheckHostName(host) == UriHostNameType.Dns)
                {
                    return new Uri("https://" + host);
                }
            }
        }
        return new Uri(DefaultApiBase);
    }
}
