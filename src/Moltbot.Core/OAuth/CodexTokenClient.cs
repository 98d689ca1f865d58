using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Duende.IdentityModel.Client;

namespace Moltbot.Core.OAuth;

/// <summary>
/// The token endpoint calls of the Codex client (public client: the client id in the form body, no secret). Every
/// failure becomes a <see cref="MoltbotException"/> whose message carries the server's <c>error</c> and
/// <c>error_description</c>, never a code, verifier or token.
/// </summary>
public sealed class CodexTokenClient
{
    private readonly CodexOAuthOptions _options;
    private readonly HttpMessageInvoker _http;
    private readonly TimeProvider _clock;

    public CodexTokenClient(CodexOAuthOptions options, HttpMessageInvoker http, TimeProvider? clock = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Exchanges an authorization code (grant_type=authorization_code with the PKCE verifier).</summary>
    public async Task<CodexTokens> ExchangeCodeAsync(string code, string codeVerifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentException.ThrowIfNullOrEmpty(codeVerifier);
        var request = new AuthorizationCodeTokenRequest
        {
            Address = _options.TokenEndpoint.AbsoluteUri,
            ClientId = _options.ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Code = code,
            CodeVerifier = codeVerifier,
            RedirectUri = _options.RedirectUri.AbsoluteUri,
        };
        var response = await SendAsync((http, ct) => http.RequestAuthorizationCodeTokenAsync(request, ct), cancellationToken).ConfigureAwait(false);
        return Interpret(response, "authorization code", code, codeVerifier);
    }

    /// <summary>
    /// Exchanges a refresh token (grant_type=refresh_token, client id in the form body, no scope), as pi-ai and OpenClaw
    /// do (openclaw-compat.md 8.1). The answer must carry a new access token, a new refresh token and a numeric
    /// expires_in; the account id comes from the new access token. A refusal throws <see cref="MoltbotException"/>
    /// (<see cref="OAuthErrorIds.AuthenticationFailed"/>) whose <see cref="Exception.Data"/> holds the provider's error
    /// code under <see cref="ProviderErrorKey"/> (<c>invalid_grant</c>, <c>refresh_token_reused</c>, ...) and the HTTP
    /// status under <see cref="HttpStatusKey"/>. The refresh token never appears in a message.
    /// </summary>
    /// <param name="timeout">Limit for this request; default <see cref="CodexOAuthOptions.TokenRequestTimeout"/>.</param>
    public async Task<CodexTokens> RefreshAsync(string refreshToken, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(refreshToken);
        var request = new RefreshTokenRequest
        {
            Address = _options.TokenEndpoint.AbsoluteUri,
            ClientId = _options.ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            RefreshToken = refreshToken,
        };
        var response = await SendAsync((http, ct) => http.RequestRefreshTokenAsync(request, ct), cancellationToken, timeout).ConfigureAwait(false);
        return Interpret(response, "refresh token", refreshToken);
    }

    /// <summary>The key of <see cref="Exception.Data"/> that holds the token endpoint's error code (a string).</summary>
    public const string ProviderErrorKey = "Moltbot.OAuth.ProviderError";

    /// <summary>The key of <see cref="Exception.Data"/> that holds the token endpoint's HTTP status (an int).</summary>
    public const string HttpStatusKey = "Moltbot.OAuth.HttpStatus";

    /// <summary>
    /// Sends one token request. <paramref name="cancellationToken"/> stops it only until the request is committed, that
    /// is until the handler starts writing its form body (connecting, waiting for a pooled connection or a TLS handshake
    /// are still cancelled at once). From then on the provider may already have consumed the code or rotated the
    /// refresh token, so the answer is awaited, within what is left of the request limit, and returned: a caller that was
    /// stopped meanwhile must store it and then report the stop (see <see cref="Moltbot.Core.Refresh.TokenRefresher"/>).
    /// </summary>
    private async Task<TokenResponse> SendAsync(Func<HttpMessageInvoker, CancellationToken, Task<TokenResponse>> send, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        var requestTimeout = limit ?? _options.TokenRequestTimeout;
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = new CancellationTokenSource(requestTimeout, _clock);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var commit = new CommitGate();
        using var stop = cancellationToken.Register(() =>
        {
            if (commit.TryStop())
            {
                abort.Cancel();
            }
        });
        using var invoker = new HttpMessageInvoker(new CommitHandler(_http, commit), disposeHandler: true);
        TokenResponse response;
        try
        {
            response = await send(invoker, abort.Token).ConfigureAwait(false);
        }
        catch (Exception) when (commit.Stopped)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw Unreachable($"did not answer within {requestTimeout.TotalSeconds:0} s", null);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex.Message, ex);
        }
        if (response.ErrorType == ResponseErrorType.Exception)
        {
            if (commit.Stopped)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            if (response.Exception is OperationCanceledException)
            {
                throw Unreachable($"did not answer within {requestTimeout.TotalSeconds:0} s", null);
            }
            throw Unreachable(response.Exception?.Message ?? response.Error ?? "request failed", null);
        }
        return response;
    }

    /// <summary>Whether a token request was stopped before it was committed (then it was never sent), or committed first.</summary>
    private sealed class CommitGate
    {
        private const int Pending = 0, Committed = 1, StoppedBeforeCommit = 2;
        private int _state;

        /// <summary>True when the stop came first: the request must not be sent.</summary>
        public bool TryStop() => Interlocked.CompareExchange(ref _state, StoppedBeforeCommit, Pending) == Pending;

        /// <summary>True when the request may be written: no stop came first.</summary>
        public bool TryCommit() => Interlocked.CompareExchange(ref _state, Committed, Pending) != StoppedBeforeCommit;

        public bool Stopped => Volatile.Read(ref _state) == StoppedBeforeCommit;
    }

    /// <summary>Passes a request on to the caller's invoker with a body that marks the request committed as it is written.</summary>
    private sealed class CommitHandler : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _inner;
        private readonly CommitGate _commit;

        public CommitHandler(HttpMessageInvoker inner, CommitGate commit)
        {
            _inner = inner;
            _commit = commit;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is { } body)
            {
                request.Content = new CommitContent(body, _commit);
            }
            return _inner.SendAsync(request, cancellationToken);
        }
    }

    private sealed class CommitContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly CommitGate _commit;

        public CommitContent(HttpContent inner, CommitGate commit)
        {
            _inner = inner;
            _commit = commit;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        private void Commit()
        {
            if (!_commit.TryCommit())
            {
                throw new OperationCanceledException("The token request was stopped before it was sent.");
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Commit();
            return _inner.CopyToAsync(stream, context);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            Commit();
            return _inner.CopyToAsync(stream, context, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            var known = _inner.Headers.ContentLength;
            length = known ?? -1;
            return known is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Checks a token response and builds the credential. <paramref name="secrets"/> are redacted from any server text.</summary>
    internal CodexTokens Interpret(TokenResponse response, string grantName, params string[] secrets)
    {
        var status = (int)response.HttpStatusCode;
        // A 4xx/5xx is an error even when its body is OpenAI's {"error": {"code": ...}} object, which Duende does not
        // read as a protocol error.
        if (response.IsError || status >= 400)
        {
            var (error, description) = ReadError(response);
            var text = $"The token endpoint refused the {grantName} (HTTP {status}";
            if (error is not null)
            {
                text += $" {Redact(TextSanitizer.Clean(error, 100), secrets)}";
            }
            if (description is not null)
            {
                text += $": {Redact(TextSanitizer.Clean(description, 300), secrets)}";
            }
            text += "). Nothing was stored.";
            var refused = new MoltbotException(OAuthErrorIds.AuthenticationFailed, MoltbotErrorKind.AuthenticationError, text, _options.TokenEndpoint.AbsoluteUri)
            {
                RecommendedAction = "Run Connect-MoltbotProvider again; a code can be used only once and expires after a few minutes.",
            };
            if (error is not null)
            {
                refused.Data[ProviderErrorKey] = Redact(TextSanitizer.Clean(error, 100), secrets);
            }
            refused.Data[HttpStatusKey] = status;
            throw refused;
        }

        var json = response.Json;
        var access = ReadString(json, "access_token");
        var refresh = ReadString(json, "refresh_token");
        long? expiresIn = null;
        if (json is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty("expires_in", out var e)
            && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var seconds) && seconds > 0)
        {
            expiresIn = seconds;
        }
        if (access is null || refresh is null || expiresIn is null)
        {
            var missing = string.Join(", ", new[]
            {
                access is null ? "access_token" : null,
                refresh is null ? "refresh_token" : null,
                expiresIn is null ? "a numeric expires_in" : null,
            }.Where(s => s is not null));
            throw new MoltbotException(OAuthErrorIds.InvalidTokenResponse, MoltbotErrorKind.AuthenticationError,
                $"The token endpoint answered HTTP {status} without {missing}. Nothing was stored.", _options.TokenEndpoint.AbsoluteUri);
        }

        var accountId = JwtClaims.GetChatGptAccountId(access);
        if (accountId is null)
        {
            throw new MoltbotException(OAuthErrorIds.AccountIdMissing, MoltbotErrorKind.AuthenticationError,
                $"The access token carries no '{JwtClaims.AuthClaim}' chatgpt_account_id claim, so the ChatGPT account is unknown. Nothing was stored.",
                _options.TokenEndpoint.AbsoluteUri)
            {
                RecommendedAction = "Sign in with a ChatGPT account that has Codex access.",
            };
        }
        var expires = _clock.GetUtcNow().ToUnixTimeMilliseconds() + expiresIn.Value * 1000;
        return new CodexTokens(access, refresh, expires, accountId, JwtClaims.GetEmail(access));
    }

    private static (string? Error, string? Description) ReadError(TokenResponse response)
    {
        if (BodyOf(response) is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.String)
            {
                return (error.GetString(), ReadString(json, "error_description"));
            }
            if (error.ValueKind == JsonValueKind.Object)
            {
                // OpenAI's own shape: {"error": {"code": "...", "message": "...", "type": "..."}}
                return (ReadString(error, "code") ?? ReadString(error, "type"), ReadString(error, "message"));
            }
        }
        if (response.ErrorType == ResponseErrorType.Http)
        {
            return (response.HttpErrorReason ?? response.Error, null);
        }
        return (response.Error, null);
    }

    /// <summary>The JSON body, also for an HTTP error status whose body Duende did not parse.</summary>
    private static JsonElement? BodyOf(TokenResponse response)
    {
        if (response.Json is { } json)
        {
            return json;
        }
        if (string.IsNullOrWhiteSpace(response.Raw))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(response.Raw);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ReadString(JsonElement? element, string name)
    {
        if (element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString();
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }
        return null;
    }

    private static string Redact(string text, string[] secrets)
    {
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 4)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }
        return text;
    }

    private MoltbotException Unreachable(string reason, Exception? inner) =>
        new(OAuthErrorIds.TokenEndpointUnreachable, MoltbotErrorKind.ConnectionError,
            $"The token endpoint {_options.TokenEndpoint.GetLeftPart(UriPartial.Path)} could not be reached: {TextSanitizer.Clean(reason, 300)}. Nothing was stored.",
            _options.TokenEndpoint.AbsoluteUri, inner)
        {
            RecommendedAction = $"Check the network (and {CodexOAuthOptions.AuthorityVariable} when it is set), then run Connect-MoltbotProvider again.",
        };
}
