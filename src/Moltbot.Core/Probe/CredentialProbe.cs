using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.Probe;

// Probe/: the online half of Test-MoltbotAuthProfile. One authenticated request per credential, to the cheapest
// endpoint a provider has (its model list: no tokens are spent), each endpoint movable by an environment variable
// (loopback http only, as every other endpoint of the module) so that tests point it at the provider mock.

/// <summary>How a provider's probe presents a credential.</summary>
public enum ProbeAuthStyle
{
    /// <summary><c>Authorization: Bearer &lt;secret&gt;</c>.</summary>
    Bearer,

    /// <summary>Anthropic: <c>x-api-key</c> for an api_key, a bearer token (with the OAuth beta header) otherwise.</summary>
    Anthropic,

    /// <summary>Google AI Studio keys: <c>x-goog-api-key</c>.</summary>
    GoogleApiKey,
}

/// <summary>One provider's probe: the endpoint (and the variable that moves it) and how the credential is sent.</summary>
public sealed record ProbeTarget(string Provider, OAuthEndpoint Endpoint, ProbeAuthStyle Auth, IReadOnlyList<CredentialType> Types);

/// <summary>The providers Moltbot can probe; nothing else lists them.</summary>
public static class ProbeCatalog
{
    private static ProbeTarget Target(string provider, string url, ProbeAuthStyle auth, params CredentialType[] types) =>
        new(provider, new OAuthEndpoint("probe", url, string.Empty, VariableOf(provider), $"the {provider} endpoint Test-MoltbotAuthProfile -Online probes"), auth, types);

    /// <summary>The variable that replaces a provider's probe URL (the whole URL): <c>MOLTBOT_&lt;PROVIDER&gt;_PROBE_URL</c>.</summary>
    public static string VariableOf(string provider) =>
        "MOLTBOT_" + provider.ToUpperInvariant().Replace('-', '_').Replace('.', '_') + "_PROBE_URL";

    public static IReadOnlyList<ProbeTarget> All { get; } = new[]
    {
        Target("anthropic", "https://api.anthropic.com/v1/models", ProbeAuthStyle.Anthropic, CredentialType.ApiKey, CredentialType.Token, CredentialType.OAuth),
        Target("openai", "https://api.openai.com/v1/models", ProbeAuthStyle.Bearer, CredentialType.ApiKey),
        Target("openrouter", "https://openrouter.ai/api/v1/key", ProbeAuthStyle.Bearer, CredentialType.ApiKey),
        Target("google", "https://generativelanguage.googleapis.com/v1beta/models", ProbeAuthStyle.GoogleApiKey, CredentialType.ApiKey),
        Target("mistral", "https://api.mistral.ai/v1/models", ProbeAuthStyle.Bearer, CredentialType.ApiKey),
    };

    /// <summary>The probe for a provider and credential type, or null when Moltbot has none.</summary>
    public static ProbeTarget? Find(string? provider, CredentialType type) =>
        All.FirstOrDefault(t => string.Equals(t.Provider, provider, StringComparison.OrdinalIgnoreCase) && t.Types.Contains(type));
}

/// <summary>What a probe found. <see cref="Accepted"/> is null when nothing was sent or no answer came.</summary>
public sealed record ProbeOutcome(bool Sent, bool? Accepted, int? StatusCode, Uri? Endpoint, string Reason);

/// <summary>Sends one authenticated request per credential. The secret goes into one header and nowhere else.</summary>
public sealed class CredentialProbe
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AllowAutoRedirect = false, // a redirect must not carry the credential elsewhere
    }));

    private readonly HttpMessageInvoker _http;
    private readonly MoltbotEnvironment _environment;

    public CredentialProbe(HttpMessageInvoker? http = null, MoltbotEnvironment? environment = null, TimeSpan? timeout = null)
    {
        _http = http ?? SharedHttp.Value;
        _environment = environment ?? MoltbotEnvironment.Process;
        Timeout = timeout ?? TimeSpan.FromSeconds(15);
    }

    public TimeSpan Timeout { get; }

    public ProbeOutcome Probe(StoredProfile profile, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var target = ProbeCatalog.Find(profile.Provider, profile.Type);
        if (target is null)
        {
            var offered = string.Join(", ", ProbeCatalog.All.Select(t => t.Provider));
            return new(false, null, null, null, $"Not probed: Moltbot has no probe for {profile.Type.ToString().ToLowerInvariant()} credentials of provider '{profile.Provider}' (it probes {offered}).");
        }
        var secret = profile.Type switch
        {
            CredentialType.ApiKey => profile.GetString("key") ?? profile.GetString("apiKey"),
            CredentialType.Token => profile.GetString("token"),
            CredentialType.OAuth => profile.GetString("access"),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(secret))
        {
            return new(false, null, null, null, "Not probed: the secret is held by reference (keyRef/tokenRef/oauthRef) or missing.");
        }
        if (profile.Type == CredentialType.OAuth && profile.ExpiresMs is { } expires && expires <= now.ToUnixTimeMilliseconds())
        {
            return new(false, null, null, null, "Not probed: the access token has expired (Update-MoltbotAuthProfile refreshes it; then probe again).");
        }
        var url = target.Endpoint.Resolve(_environment);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        switch (target.Auth)
        {
            case ProbeAuthStyle.Anthropic when profile.Type == CredentialType.ApiKey:
                request.Headers.TryAddWithoutValidation("x-api-key", secret);
                request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
                break;
            case ProbeAuthStyle.Anthropic:
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + secret);
                request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
                request.Headers.TryAddWithoutValidation("anthropic-beta", "oauth-2025-04-20");
                break;
            case ProbeAuthStyle.GoogleApiKey:
                request.Headers.TryAddWithoutValidation("x-goog-api-key", secret);
                break;
            default:
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + secret);
                break;
        }
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = _http.SendAsync(request, timeout.Token).GetAwaiter().GetResult();
            var code = (int)response.StatusCode;
            // Only the status is read: the body of an error could echo the credential.
            return code switch
            {
                >= 200 and < 300 => new(true, true, code, url, $"The provider accepted it (HTTP {code} from {Where(url)})."),
                401 or 403 => new(true, false, code, url, $"The provider rejected it (HTTP {code} from {Where(url)})."),
                _ => new(true, null, code, url, $"The provider answered HTTP {code} from {Where(url)}; usability unknown."),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(true, null, null, url, $"No answer from {Where(url)} within {Timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException ex)
        {
            return new(true, null, null, url, $"{Where(url)} could not be reached: {ex.HttpRequestError}.");
        }
    }

    private static string Where(Uri url) => url.GetLeftPart(UriPartial.Path);
}
