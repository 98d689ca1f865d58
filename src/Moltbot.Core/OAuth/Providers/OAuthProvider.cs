using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.OAuth;

// Providers/: one definition per OAuth provider (endpoints, client, scopes, PKCE variant, expiry rule, stored fields,
// profile ids, refresh). The flows in Flows/ and the refresher in Refresh/ ask a definition; they know no provider.

/// <summary>The login strategies a provider offers (oauth-providers.md §1).</summary>
public enum LoginFlowKind
{
    /// <summary>Authorization code + PKCE: a loopback callback, or the redirect URL (or code) pasted back.</summary>
    AuthorizationCode,

    /// <summary>RFC 8628 device authorization (with or without PKCE): a code shown to the user, the token endpoint polled.</summary>
    DeviceCode,

    /// <summary>MiniMax's user-code grant: like a device code, but the user code is the polling handle.</summary>
    UserCode,
}

/// <summary>How a PKCE verifier is written (oauth-providers.md §2.5); both are RFC 7636-legal.</summary>
public enum PkceVerifierStyle
{
    /// <summary>base64url of 32 random bytes, 43 characters (pi-ai, Codex, Qwen, MiniMax).</summary>
    Base64Url,

    /// <summary>hex of 32 random bytes, 64 characters (OpenClaw's Gemini CLI and Antigravity plugins, Chutes).</summary>
    Hex,
}

/// <summary>How the <c>state</c> of an authorization request is made.</summary>
public enum OAuthStateStyle
{
    /// <summary>16 random bytes, hex (Codex, Antigravity, Chutes).</summary>
    RandomHex,

    /// <summary>The PKCE verifier itself (pi-ai's Anthropic and Google logins, OpenClaw's Gemini CLI plugin).</summary>
    Verifier,
}

/// <summary>How a token request's body is encoded.</summary>
public enum TokenBodyEncoding
{
    Form,
    Json,
}

/// <summary>Which grant a token answer came from.</summary>
public enum TokenGrant
{
    Login,
    Refresh,
}

/// <summary>A provider parameter a login accepts beyond the common ones (region, enterprise domain, client id, ...).</summary>
public sealed record LoginParameter(string Name, string Description, string? EnvironmentVariable = null, IReadOnlyList<string>? Values = null);

/// <summary>
/// One OAuth provider. A definition is data (ids, endpoints, client, scopes, flows, expiry rule) plus a few overridable
/// steps where a provider differs from the common case: reading a token answer, the refresh request, what follows a
/// login (userinfo, project discovery). Definitions are stateless and shared; every call gets the environment it
/// resolves endpoints from.
/// </summary>
public abstract class OAuthProvider
{
    /// <summary>The provider id OpenClaw stores (<c>openai-codex</c>, <c>qwen-portal</c>, ...).</summary>
    public abstract string Id { get; }

    /// <summary>Other names the user may type (<c>qwen</c>, <c>gemini-cli</c>, ...), and provider ids later OpenClaw versions store.</summary>
    public virtual IReadOnlyList<string> Aliases => Array.Empty<string>();

    /// <summary>Provider ids (besides <see cref="Id"/>) whose stored oauth profiles this definition refreshes (Codex: <c>openai</c> from OpenClaw 2026.6.1).</summary>
    public virtual IReadOnlyList<string> StoredProviderIds => Array.Empty<string>();

    /// <summary>What the user signs in to, for messages.</summary>
    public abstract string DisplayName { get; }

    /// <summary>The logins offered; the first is the default on a desktop. Empty: no login (refresh only).</summary>
    public abstract IReadOnlyList<LoginFlowKind> Flows { get; }

    /// <summary>The endpoints, each with the environment variable that moves its base.</summary>
    public abstract IReadOnlyList<OAuthEndpoint> Endpoints { get; }

    /// <summary>The public client id the upstream CLI ships, or null when the user brings their own (Chutes).</summary>
    public virtual string? ClientId => null;

    /// <summary>The client secret the upstream CLI ships as a public "installed app" secret (Google), or null.</summary>
    public virtual string? PublicClientSecret => null;

    /// <summary>Space-separated scopes.</summary>
    public virtual string Scope => string.Empty;

    /// <summary>The scopes a login asks for in this environment (Chutes: <c>CHUTES_OAUTH_SCOPES</c>); default <see cref="Scope"/>.</summary>
    public virtual string ScopeFor(MoltbotEnvironment environment) => Scope;

    /// <summary>Provider-specific authorize parameters, in the order they are sent.</summary>
    public virtual IReadOnlyList<KeyValuePair<string, string>> ExtraAuthorizeParameters => Array.Empty<KeyValuePair<string, string>>();

    public virtual PkceVerifierStyle PkceStyle => PkceVerifierStyle.Base64Url;

    public virtual OAuthStateStyle StateStyle => OAuthStateStyle.RandomHex;

    /// <summary>How the token requests are encoded (Anthropic: JSON).</summary>
    public virtual TokenBodyEncoding TokenEncoding => TokenBodyEncoding.Form;

    /// <summary>The loopback redirect of the authorization-code login, or null when the provider has none.</summary>
    public virtual Uri? DefaultRedirectUri => null;

    /// <summary>The variable that replaces <see cref="DefaultRedirectUri"/>, or null.</summary>
    public virtual string? RedirectUriVariable => null;

    /// <summary>Whether the authorization-code login goes to paste on WSL2 (OpenClaw's Google plugins do).</summary>
    public virtual bool ManualOnWsl2 => false;

    /// <summary>How long before the provider's <c>expires_in</c> the stored <c>expires</c> lies (5 min for Google, Anthropic, Chutes; none for Codex, Qwen).</summary>
    public virtual TimeSpan ExpirySkew => TimeSpan.Zero;

    /// <summary>Whether this module can refresh the provider's stored credentials.</summary>
    public virtual bool Refreshable => true;

    /// <summary>Whether a refresh returns a new refresh token and retires the old one (then one presented twice is reuse).</summary>
    public virtual bool RotatesRefreshToken => true;

    /// <summary>Whether a refresh answer without <c>refresh_token</c> keeps the old one (default: when the provider does not rotate; Chutes: always).</summary>
    public virtual bool KeepsRefreshTokenWhenOmitted => !RotatesRefreshToken;

    /// <summary>
    /// Where a user's own client is read from, in order: each an id variable and its secret variable. Default
    /// <c>&lt;prefix&gt;CLIENT_ID</c> / <c>&lt;prefix&gt;CLIENT_SECRET</c>; providers add the upstream CLI's names.
    /// </summary>
    public virtual IReadOnlyList<ClientVariables> ClientVariables => new[] { new ClientVariables(VariablePrefix + "CLIENT_ID", VariablePrefix + "CLIENT_SECRET") };

    /// <summary>The client the environment names (the first <see cref="ClientVariables"/> pair whose id is set), or null.</summary>
    public LoginClient? ConfiguredClient(MoltbotEnvironment environment)
    {
        foreach (var pair in ClientVariables)
        {
            if (environment.Get(pair.Id) is { } id && !string.IsNullOrWhiteSpace(id))
            {
                return new LoginClient(id.Trim(), environment.Get(pair.Secret));
            }
        }
        return null;
    }

    /// <summary>The secret the environment gives for <paramref name="clientId"/>: that of the pair that named it; when no pair names a client, the first secret variable that is set.</summary>
    private string? ConfiguredSecret(MoltbotEnvironment environment, string clientId)
    {
        var configured = ConfiguredClient(environment);
        if (configured is not null)
        {
            return string.Equals(configured.ClientId, clientId, StringComparison.Ordinal) ? configured.ClientSecret : null;
        }
        return ClientVariables.Select(pair => environment.Get(pair.Secret)).FirstOrDefault(secret => secret is not null);
    }

    /// <summary>The credential type a login stores (<see cref="CredentialType.Token"/> for GitHub Copilot's GitHub token).</summary>
    public virtual CredentialType StoredType => CredentialType.OAuth;

    /// <summary>How the default profile id is chosen, in words (Get-MoltbotProvider shows it).</summary>
    public virtual string ProfileIdRule => $"{Id}:<email> when the login names one, else {Id}:default";

    /// <summary>Parameters a login takes besides the common ones.</summary>
    public virtual IReadOnlyList<LoginParameter> LoginParameters => Array.Empty<LoginParameter>();

    /// <summary>A warning the help and the login show (Google suspends accounts that use its CLIs' OAuth from third-party tools).</summary>
    public virtual string? PolicyNote => null;

    /// <summary>Why a provider without a login has none (Anthropic allows only its setup token for third-party tools), or null.</summary>
    public virtual string? LoginRefusal => null;

    /// <summary>What to do instead, with <see cref="LoginRefusal"/>.</summary>
    public virtual string? LoginRefusalAdvice => null;

    /// <summary>How long one token request may take (OpenClaw 6.x: 30 s).</summary>
    public virtual TimeSpan TokenRequestTimeout => TimeSpan.FromSeconds(30);

    /// <summary>The environment variable prefix of this provider's settings: <c>MOLTBOT_</c> + the id in upper case, '-' as '_'.</summary>
    public string VariablePrefix => "MOLTBOT_" + Id.ToUpperInvariant().Replace('-', '_').Replace('.', '_') + "_";

    /// <summary>The endpoint named <paramref name="name"/>, resolved against the environment.</summary>
    public Uri Endpoint(string name, MoltbotEnvironment? environment = null)
    {
        var endpoint = Endpoints.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Provider '{Id}' has no endpoint '{name}'.");
        return endpoint.Resolve(environment ?? MoltbotEnvironment.Process);
    }

    /// <summary>The loopback redirect, with <see cref="RedirectUriVariable"/> applied.</summary>
    public Uri RedirectUri(MoltbotEnvironment? environment = null)
    {
        var fallback = DefaultRedirectUri ?? throw new InvalidOperationException($"Provider '{Id}' has no loopback redirect.");
        var value = RedirectUriVariable is null ? null : (environment ?? MoltbotEnvironment.Process).Get(RedirectUriVariable);
        if (value is null)
        {
            return fallback;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            throw OAuthEndpoint.Invalid($"{RedirectUriVariable} is not an absolute URL.", RedirectUriVariable!);
        }
        return OAuthEndpoint.ValidateLoopbackRedirect(uri, RedirectUriVariable!, fallback);
    }

    /// <summary>
    /// Turns a 2xx token answer into the credential to store. The default: <c>access_token</c> required;
    /// <c>refresh_token</c> required at login, at refresh the old one is kept when none comes back (unless the provider
    /// rotates); <c>expires = now + expires_in − <see cref="ExpirySkew"/></c>, <c>expires_in</c> required. The result holds
    /// only what the answer sets: merged into the stored profile (<see cref="OAuthCredential.MergeInto"/>), every other
    /// field there (email, projectId, unknown fields) stays as it is.
    /// </summary>
    public virtual OAuthCredential ReadTokenAnswer(TokenAnswer answer, TokenGrant grant, OAuthCredential? previous, DateTimeOffset now)
    {
        var access = answer.GetString("access_token");
        var refresh = answer.GetString("refresh_token");
        var expiresIn = answer.GetPositiveSeconds("expires_in");
        if (refresh is null && grant == TokenGrant.Refresh && KeepsRefreshTokenWhenOmitted)
        {
            refresh = previous?.Refresh;
        }
        answer.RequireFields(this, ("access_token", access is not null), ("refresh_token", refresh is not null), ("a numeric expires_in", expiresIn is not null));
        return new OAuthCredential(access!, refresh, ExpiresAt(now, expiresIn!.Value));
    }

    /// <summary><c>now + expiresIn − skew</c> in ms; providers with a floor override it.</summary>
    public virtual long ExpiresAt(DateTimeOffset now, long expiresInSeconds) =>
        now.ToUnixTimeMilliseconds() + expiresInSeconds * 1000 - (long)ExpirySkew.TotalMilliseconds;

    /// <summary>The token endpoint (<c>token</c>) of this provider.</summary>
    public virtual Uri TokenEndpoint(MoltbotEnvironment environment) => Endpoint("token", environment);

    /// <summary>The fields of a refresh request: <c>grant_type=refresh_token</c>, the refresh token, the client id (and secret).</summary>
    public virtual IReadOnlyList<KeyValuePair<string, string>> RefreshFields(StoredCredentialView current, MoltbotEnvironment environment)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "refresh_token"),
            new("refresh_token", current.Refresh),
        };
        fields.AddRange(ClientFields(current, environment));
        return fields;
    }

    /// <summary>The name of the RFC 7009 revocation endpoint in <see cref="Endpoints"/>, for a provider that offers one.</summary>
    public const string RevocationEndpointName = "revoke";

    /// <summary>Whether the provider revokes tokens (RFC 7009): it lists a <see cref="RevocationEndpointName"/> endpoint.</summary>
    public bool Revokes => Endpoints.Any(e => e.Name == RevocationEndpointName);

    /// <summary>The form of a revocation request of a refresh token: the token, its type hint, the client (and secret).</summary>
    public virtual IReadOnlyList<KeyValuePair<string, string>> RevocationFields(StoredCredentialView current, MoltbotEnvironment environment)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("token", current.Refresh),
            new("token_type_hint", "refresh_token"),
        };
        fields.AddRange(ClientFields(current, environment));
        return fields;
    }

    /// <summary>The client a refresh or revocation presents: <c>client_id</c> (and <c>client_secret</c>) when there is one.</summary>
    private IEnumerable<KeyValuePair<string, string>> ClientFields(StoredCredentialView current, MoltbotEnvironment environment)
    {
        if (RefreshClientId(current, environment) is { } clientId)
        {
            yield return new("client_id", clientId);
        }
        if (RefreshClientSecret(current, environment) is { } secret)
        {
            yield return new("client_secret", secret);
        }
    }

    /// <summary>The client id a refresh presents: the public one (overridable by <see cref="ClientVariables"/>).</summary>
    public virtual string? RefreshClientId(StoredCredentialView current, MoltbotEnvironment environment) =>
        ConfiguredClient(environment)?.ClientId ?? ClientId;

    /// <summary>The client secret a refresh presents (the configured client's, else the public one for the public client), or null.</summary>
    public virtual string? RefreshClientSecret(StoredCredentialView current, MoltbotEnvironment environment)
    {
        var id = RefreshClientId(current, environment);
        return id is null ? null : SecretFor(environment, id);
    }

    private string? SecretFor(MoltbotEnvironment environment, string clientId) =>
        ConfiguredSecret(environment, clientId) ?? (string.Equals(clientId, ClientId, StringComparison.Ordinal) ? PublicClientSecret : null);

    /// <summary>
    /// Refreshes a stored credential: one token request, its answer read by <see cref="ReadTokenAnswer"/>. A refusal throws
    /// <see cref="MoltbotException"/> (<see cref="OAuthErrorIds.AuthenticationFailed"/>) with the provider's error code in
    /// <see cref="Exception.Data"/>.
    /// </summary>
    public virtual async Task<OAuthCredential> RefreshAsync(TokenEndpointClient client, StoredCredentialView current, MoltbotEnvironment environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var call = new TokenCall(this, TokenEndpoint(environment), "refresh token", RefreshFields(current, environment))
        {
            Timeout = timeout,
            Secrets = new[] { current.Refresh, RefreshClientSecret(current, environment) ?? string.Empty },
        };
        var answer = await client.SendAsync(call, cancellationToken).ConfigureAwait(false);
        return ReadTokenAnswer(answer, TokenGrant.Refresh, current.Credential, client.Clock.GetUtcNow());
    }

    /// <summary>
    /// The client a login presents: <c>-ClientId</c>/<c>-ClientSecret</c> when given, else <c>&lt;prefix&gt;CLIENT_ID</c> /
    /// <c>&lt;prefix&gt;CLIENT_SECRET</c>, else the public client. A provider without a public client (Chutes) refuses.
    /// </summary>
    public virtual LoginClient ResolveLoginClient(LoginSettings settings, MoltbotEnvironment environment)
    {
        var id = settings.Parameter("ClientId") ?? ConfiguredClient(environment)?.ClientId ?? ClientId;
        if (string.IsNullOrEmpty(id))
        {
            throw MissingClient();
        }
        var secret = settings.Parameter("ClientSecret") ?? SecretFor(environment, id);
        return new LoginClient(id, secret);
    }

    /// <summary>The error of a login without a client id (only providers without a public client can see it).</summary>
    protected virtual MoltbotException MissingClient() =>
        new(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument,
            $"{DisplayName} has no public client: pass -ClientId (or set {ClientVariables.FirstOrDefault()?.Id ?? VariablePrefix + "CLIENT_ID"}).", Id);

    /// <summary>The fields of the authorization-code exchange (form: grant_type, client_id, code, code_verifier, redirect_uri, client_secret when known).</summary>
    public virtual IReadOnlyList<KeyValuePair<string, string>> CodeExchangeFields(string code, PkcePair pkce, string state, Uri redirectUri, LoginClient client)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "authorization_code"),
            new("client_id", client.ClientId),
            new("code", code),
            new("code_verifier", pkce.Verifier),
            new("redirect_uri", redirectUri.AbsoluteUri),
        };
        if (client.ClientSecret is not null)
        {
            fields.Add(new("client_secret", client.ClientSecret));
        }
        return fields;
    }

    /// <summary>
    /// Exchanges an authorization code at the token endpoint (<see cref="CodeExchangeFields"/>) and reads the answer
    /// (<see cref="ReadTokenAnswer"/>). Once the request is being written a stop no longer aborts it (the code is consumed).
    /// </summary>
    public async Task<OAuthCredential> ExchangeCodeAsync(TokenEndpointClient client, string code, PkcePair pkce, string state, Uri redirectUri,
        LoginClient loginClient, MoltbotEnvironment environment, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentNullException.ThrowIfNull(pkce);
        var call = new TokenCall(this, TokenEndpoint(environment), "authorization code", CodeExchangeFields(code, pkce, state, redirectUri, loginClient))
        {
            Timeout = timeout ?? TokenRequestTimeout,
            Secrets = new[] { code, pkce.Verifier, loginClient.ClientSecret ?? string.Empty },
        };
        var answer = await client.SendAsync(call, cancellationToken).ConfigureAwait(false);
        return ReadTokenAnswer(answer, TokenGrant.Login, null, client.Clock.GetUtcNow());
    }

    /// <summary>
    /// What follows a successful token answer at login (userinfo for the email, project discovery, ...); the default
    /// returns the credential as it is. Runs before anything is stored: a failure here stores nothing.
    /// </summary>
    public virtual Task<OAuthCredential> CompleteLoginAsync(LoginContext context, OAuthCredential credential, LoginClient client, CancellationToken cancellationToken) =>
        Task.FromResult(credential);

    // Device-code login (RFC 8628; DeviceCodeFlow). The defaults are the standard protocol: form POST of client_id and
    // scope to the "device" endpoint, polls of the "token" endpoint with the device_code grant, errors in "error".

    /// <summary>Whether the device authorization carries a PKCE challenge and the polls its verifier (Qwen).</summary>
    public virtual bool DeviceCodePkce => false;

    /// <summary>The poll interval when the device authorization names none (RFC 8628: 5 s).</summary>
    public virtual TimeSpan DevicePollInterval => TimeSpan.FromSeconds(5);

    /// <summary>The shortest poll interval accepted from the server (OpenClaw's GitHub login: max(1 s, interval)).</summary>
    public virtual TimeSpan DeviceMinimumInterval => TimeSpan.FromSeconds(1);

    /// <summary>The code's lifetime when the device authorization names none.</summary>
    public virtual TimeSpan DeviceCodeLifetime => TimeSpan.FromMinutes(15);

    /// <summary>
    /// The interval after a <c>slow_down</c> answer. Default (RFC 8628 §3.5, pi-ai's GitHub login): the server's new
    /// <c>interval</c> when it sends a longer one, else the current one + 5 s, kept for every later poll.
    /// </summary>
    public virtual TimeSpan SlowDownInterval(TimeSpan current, TokenAnswer answer)
    {
        var server = answer.GetPositiveSeconds("interval", allowString: true);
        var next = current + TimeSpan.FromSeconds(5);
        return server is { } s && TimeSpan.FromSeconds(s) > current ? TimeSpan.FromSeconds(s) : next;
    }

    /// <summary>Headers of the device authorization request (Qwen's <c>x-request-id</c>).</summary>
    public virtual System.Collections.Generic.IReadOnlyList<KeyValuePair<string, string>> DeviceRequestHeaders() => Array.Empty<KeyValuePair<string, string>>();

    /// <summary>The fields of the device authorization request: client_id, scope, and the PKCE challenge when there is one.</summary>
    public virtual IReadOnlyList<KeyValuePair<string, string>> DeviceAuthorizationFields(LoginClient client, PkcePair? pkce)
    {
        var fields = new List<KeyValuePair<string, string>> { new("client_id", client.ClientId) };
        if (!string.IsNullOrEmpty(Scope))
        {
            fields.Add(new("scope", Scope));
        }
        if (pkce is not null)
        {
            fields.Add(new("code_challenge", pkce.Challenge));
            fields.Add(new("code_challenge_method", "S256"));
        }
        return fields;
    }

    /// <summary>The device authorization endpoint (<c>device</c>).</summary>
    public virtual Uri DeviceAuthorizationEndpoint(LoginSettings settings, MoltbotEnvironment environment) => Endpoint("device", environment);

    /// <summary>The endpoint the device-code polls go to (default: <see cref="TokenEndpoint"/>).</summary>
    public virtual Uri DeviceTokenEndpoint(LoginSettings settings, MoltbotEnvironment environment) => TokenEndpoint(environment);

    /// <summary>
    /// Requests a device code (RFC 8628 §3.1) and reads the answer: <c>device_code</c>, <c>user_code</c>,
    /// <c>verification_uri</c> required; <c>verification_uri_complete</c>, <c>expires_in</c>, <c>interval</c> optional.
    /// </summary>
    public virtual async Task<DeviceAuthorization> RequestDeviceAuthorizationAsync(LoginContext context, LoginClient client, PkcePair? pkce, CancellationToken cancellationToken)
    {
        var endpoint = DeviceAuthorizationEndpoint(context.Settings, context.Environment);
        using var body = new System.Net.Http.FormUrlEncodedContent(DeviceAuthorizationFields(client, pkce));
        var answer = await context.Client.SendApiAsync(this, System.Net.Http.HttpMethod.Post, endpoint, body, DeviceRequestHeaders(),
            context.Settings.TokenRequestTimeout ?? TokenRequestTimeout, "the device authorization", cancellationToken).ConfigureAwait(false);
        var call = new TokenCall(this, endpoint, "device authorization request", Array.Empty<KeyValuePair<string, string>>());
        if (answer.IsError)
        {
            throw TokenEndpointClient.Refused(call, answer);
        }
        var deviceCode = answer.GetString("device_code");
        var userCode = answer.GetString("user_code");
        var uri = answer.GetString("verification_uri") ?? answer.GetString("verification_url");
        answer.RequireFields(this, ("device_code", deviceCode is not null), ("user_code", userCode is not null), ("verification_uri", uri is not null));
        return new DeviceAuthorization(deviceCode!, userCode!, uri!, answer.GetString("verification_uri_complete"),
            DeviceExpiresIn(answer), DeviceInterval(answer))
        {
            Pkce = pkce,
        };
    }

    /// <summary>The code's lifetime from <c>expires_in</c> (seconds), else <see cref="DeviceCodeLifetime"/>.</summary>
    protected TimeSpan DeviceExpiresIn(TokenAnswer answer) =>
        answer.GetPositiveSeconds("expires_in", allowString: true) is { } s ? TimeSpan.FromSeconds(s) : DeviceCodeLifetime;

    /// <summary>The first poll interval from <c>interval</c> (seconds), at least <see cref="DeviceMinimumInterval"/>, else <see cref="DevicePollInterval"/>.</summary>
    protected TimeSpan DeviceInterval(TokenAnswer answer)
    {
        if (answer.GetInt64("interval", allowString: true) is not { } s || s < 0)
        {
            return DevicePollInterval;
        }
        var interval = TimeSpan.FromSeconds(s);
        return interval < DeviceMinimumInterval ? DeviceMinimumInterval : interval;
    }

    /// <summary>One poll (RFC 8628 §3.4): grant_type device_code, client_id, device_code (and code_verifier), reading its errors.</summary>
    public virtual TokenCall DeviceTokenCall(LoginContext context, LoginClient client, DeviceAuthorization device)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            new("client_id", client.ClientId),
            new("device_code", device.DeviceCode),
        };
        if (device.Pkce is { } pkce)
        {
            fields.Add(new("code_verifier", pkce.Verifier));
        }
        return new TokenCall(this, DeviceTokenEndpoint(context.Settings, context.Environment), "device code", fields)
        {
            Timeout = context.Settings.TokenRequestTimeout ?? TokenRequestTimeout,
            Secrets = new[] { device.DeviceCode, device.Pkce?.Verifier ?? string.Empty },
            AcceptError = _ => true,
        };
    }

    /// <summary>Reads a poll answer by its <c>error</c> (whatever the HTTP status, as GitHub answers 200 and Qwen 400/429).</summary>
    public virtual DevicePollStatus ClassifyDevicePoll(TokenAnswer answer) => answer.Error switch
    {
        "authorization_pending" => DevicePollStatus.Pending,
        "slow_down" => DevicePollStatus.SlowDown,
        "expired_token" => DevicePollStatus.Expired,
        "access_denied" => DevicePollStatus.Denied,
        null when !answer.IsError => DevicePollStatus.Granted,
        _ => DevicePollStatus.Failed,
    };

    /// <summary>The credential of a granting poll answer (default: <see cref="ReadTokenAnswer"/>; Codex exchanges the code it brings).</summary>
    public virtual Task<OAuthCredential> ReadDeviceGrantAsync(LoginContext context, TokenAnswer answer, DeviceAuthorization device, LoginClient client, CancellationToken cancellationToken) =>
        Task.FromResult(ReadTokenAnswer(answer, TokenGrant.Login, null, context.Clock.GetUtcNow()));

    // User-code login (MiniMax; UserCodeFlow).

    /// <summary>The user-code request endpoint (<c>code</c>); a provider with regions picks by the login's -Region.</summary>
    public virtual Uri UserCodeEndpoint(LoginSettings settings, MoltbotEnvironment environment) => Endpoint("code", environment);

    /// <summary>The endpoint the user-code polls go to (default: <see cref="TokenEndpoint"/>).</summary>
    public virtual Uri UserCodeTokenEndpoint(LoginSettings settings, MoltbotEnvironment environment) => TokenEndpoint(environment);

    /// <summary>How much the wait grows after each pending user-code answer (OpenClaw's MiniMax login: ×1.5).</summary>
    public virtual double UserCodeBackoff => 1.5;

    /// <summary>The longest wait between user-code polls (OpenClaw's MiniMax login: 10 s).</summary>
    public virtual TimeSpan UserCodeMaxInterval => TimeSpan.FromSeconds(10);

    /// <summary>What the user can do when a refresh is refused (the provider's own advice where it has one).</summary>
    public virtual string RefreshFailedAdvice(string agentId, string profileId) =>
        $"Sign in again with 'Connect-MoltbotProvider {Id} -Agent {agentId} -ProfileId {profileId}'.";

    /// <summary>The default profile id for a fresh login: <c>&lt;provider&gt;:&lt;email&gt;</c> when known, else <c>:default</c>.</summary>
    public virtual string DefaultProfileId(OAuthCredential credential) =>
        string.IsNullOrWhiteSpace(credential.Email) ? Id + ":default" : Id + ":" + credential.Email!.Trim();

    public override string ToString() => Id;
}

/// <summary>The environment variables of a user's own client: <paramref name="Id"/> names the client id, <paramref name="Secret"/> its secret.</summary>
public sealed record ClientVariables(string Id, string Secret);

/// <summary>A stored oauth profile as a refresh sees it: the credential and the raw profile.</summary>
public sealed class StoredCredentialView
{
    public StoredCredentialView(StoredProfile profile)
    {
        Profile = profile ?? throw new ArgumentNullException(nameof(profile));
        Credential = OAuthCredential.FromStored(profile);
    }

    public StoredProfile Profile { get; }

    public OAuthCredential Credential { get; }

    /// <summary>The refresh token (the caller checked that there is one).</summary>
    public string Refresh => Credential.Refresh ?? throw new InvalidOperationException("The profile holds no refresh token.");

    public string? GetString(string field) => Profile.GetString(field);
}

/// <summary>
/// One endpoint of a provider: <c>base + path</c>, where the base can be replaced by an environment variable (tests,
/// corporate proxies). Several endpoints may share one variable (Codex's authorize and token endpoints share
/// <c>MOLTBOT_OPENAI_CODEX_AUTHORITY</c>).
/// </summary>
public sealed record OAuthEndpoint(string Name, string DefaultBase, string Path, string Variable, string Description)
{
    /// <summary>The URL with the variable applied. http is accepted only for a loopback host.</summary>
    public Uri Resolve(MoltbotEnvironment environment)
    {
        var value = environment.Get(Variable);
        var baseUri = value is null ? new Uri(DefaultBase) : Parse(value, Variable);
        return new Uri(ValidateBase(baseUri, Variable).AbsoluteUri.TrimEnd('/') + Path);
    }

    /// <summary>The default URL (no variable applied).</summary>
    public Uri DefaultUrl => new(DefaultBase.TrimEnd('/') + Path);

    private static Uri Parse(string value, string variable)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri))
        {
            throw Invalid($"{variable} is not an absolute URL.", variable);
        }
        return uri;
    }

    internal static Uri ValidateBase(Uri uri, string variable)
    {
        if (!uri.IsAbsoluteUri || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw Invalid($"{variable} must be an absolute http(s) URL without query, fragment or user info.", variable);
        }
        var https = uri.Scheme == Uri.UriSchemeHttps;
        var loopbackHttp = uri.Scheme == Uri.UriSchemeHttp && IsLoopbackHost(uri);
        if (!https && !loopbackHttp)
        {
            throw Invalid($"{variable} must use https (plain http is accepted only for a loopback host).", variable);
        }
        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }

    internal static Uri ValidateLoopbackRedirect(Uri uri, string variable, Uri example)
    {
        if (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttp || !IsLoopbackHost(uri) || uri.IsDefaultPort
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || uri.AbsolutePath.Length < 2)
        {
            throw Invalid($"{variable} must look like {example.AbsoluteUri}: http, a loopback host " +
                          "(localhost, 127.0.0.1 or [::1]), an explicit port and a path.", variable);
        }
        return uri;
    }

    internal static bool IsLoopbackHost(Uri uri)
    {
        if (string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    internal static MoltbotException Invalid(string message, string target) =>
        new(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument, message, target);
}

