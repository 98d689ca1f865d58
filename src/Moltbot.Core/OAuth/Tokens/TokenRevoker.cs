using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Revokes a stored profile's refresh token at its provider (RFC 7009), for a provider whose definition lists a
/// <see cref="OAuthProvider.RevocationEndpointName"/> endpoint: one form POST of the token, its type hint and the client.
/// A 2xx answer is success (RFC 7009 answers 200 for a token the server no longer knows, too). Messages carry the
/// provider's error code, never the token.
/// </summary>
public sealed class TokenRevoker
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromSeconds(30) });

    private readonly HttpMessageInvoker _http;
    private readonly MoltbotEnvironment _environment;

    public TokenRevoker(HttpMessageInvoker? http = null, MoltbotEnvironment? environment = null)
    {
        _http = http ?? SharedHttp.Value;
        _environment = environment ?? MoltbotEnvironment.Process;
    }

    /// <summary>Why the refresh token of <paramref name="profile"/> cannot be revoked here, in words; null when it can.</summary>
    public static string? WhyNotRevocable(StoredProfile profile)
    {
        if (profile.Type != CredentialType.OAuth)
        {
            return $"a {profile.Type.ToWireName()} credential has no token the provider could revoke; it is removed locally";
        }
        if (!profile.HasRefreshToken)
        {
            return "the profile holds no refresh token";
        }
        var definition = ProviderRegistry.ForStoredProvider(profile.Provider);
        if (definition is null)
        {
            return $"Moltbot has no OAuth definition of provider '{profile.Provider}'";
        }
        return definition.Revokes ? null : $"{definition.DisplayName} offers no token revocation endpoint (RFC 7009)";
    }

    /// <summary>The endpoint a revocation of <paramref name="profile"/> goes to (null when it cannot be revoked).</summary>
    public Uri? EndpointFor(StoredProfile profile) =>
        WhyNotRevocable(profile) is null
            ? ProviderRegistry.ForStoredProvider(profile.Provider)!.Endpoint(OAuthProvider.RevocationEndpointName, _environment)
            : null;

    /// <summary>Revokes the refresh token. Throws <c>MoltbotRevocationFailed</c> (ConnectionError) when the provider refuses or cannot be reached.</summary>
    public async Task RevokeAsync(StoredProfile profile, CancellationToken cancellationToken)
    {
        var endpoint = EndpointFor(profile) ?? throw new InvalidOperationException(WhyNotRevocable(profile));
        var definition = ProviderRegistry.ForStoredProvider(profile.Provider)!;
        var view = new StoredCredentialView(profile);
        var fields = definition.RevocationFields(view, _environment);
        var secrets = fields.Where(f => f.Key is "token" or "client_secret").Select(f => f.Value).ToList();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(fields) };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(definition, endpoint, $"it could not be reached ({ex.GetType().Name})", ex);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var code = ErrorCode(body);
            var detail = code is null ? string.Empty : " " + TokenEndpointClient.Redact(TextSanitizer.Clean(code, 100), secrets);
            throw Failed(definition, endpoint, $"it answered HTTP {(int)response.StatusCode}{detail}", null);
        }
    }

    private static string? ErrorCode(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String
                ? e.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static MoltbotException Failed(OAuthProvider definition, Uri endpoint, string why, Exception? inner) =>
        new(ErrorIds.RevocationFailed, MoltbotErrorKind.ConnectionError,
            $"The {definition.DisplayName} revocation endpoint {endpoint.GetLeftPart(UriPartial.Path)} did not revoke the refresh token: {why}. The profile was kept.", endpoint.AbsoluteUri, inner)
        {
            RecommendedAction = "Try again later, or remove the profile locally only with Disconnect-MoltbotProvider -NoRevoke.",
        };
}
