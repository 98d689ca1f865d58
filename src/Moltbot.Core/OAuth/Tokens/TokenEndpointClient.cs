using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Duende.IdentityModel.Client;

namespace Moltbot.Core.OAuth;

/// <summary>One token request: where, which grant (for messages), the fields, how they are encoded.</summary>
public sealed class TokenCall
{
    public TokenCall(OAuthProvider provider, Uri endpoint, string grantName, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        Provider = provider ?? throw new ArgumentNullException(nameof(provider));
        Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        GrantName = grantName;
        Fields = fields ?? throw new ArgumentNullException(nameof(fields));
        Encoding = provider.TokenEncoding;
        Timeout = provider.TokenRequestTimeout;
    }

    public OAuthProvider Provider { get; }

    public Uri Endpoint { get; }

    /// <summary>"authorization code", "refresh token", "device code": how messages name what was presented.</summary>
    public string GrantName { get; }

    /// <summary>The body fields in order; <c>grant_type</c> among them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

    public TokenBodyEncoding Encoding { get; init; }

    /// <summary>Extra request headers (Qwen's and MiniMax's <c>x-request-id</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = Array.Empty<KeyValuePair<string, string>>();

    public TimeSpan Timeout { get; init; }

    /// <summary>Values redacted from any server text that reaches a message (the presented code, token, verifier, secret).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Decides whether a non-2xx (or error-carrying) answer is still an answer the caller reads (a device-code poll's
    /// <c>authorization_pending</c>); null: every error throws.
    /// </summary>
    public Func<TokenAnswer, bool>? AcceptError { get; init; }

    /// <summary>The variable that moves this endpoint, for the "could not be reached" advice.</summary>
    public string? EndpointVariable { get; init; }
}

/// <summary>A token endpoint's answer: status and JSON body. Holds secrets: never log it.</summary>
public sealed class TokenAnswer
{
    public TokenAnswer(int status, JsonElement? json, string? error, string? errorDescription)
    {
        Status = status;
        Json = json;
        Error = error;
        ErrorDescription = errorDescription;
    }

    public int Status { get; }

    public JsonElement? Json { get; }

    /// <summary>The provider's error code (<c>error</c>, OpenAI's <c>error.code</c>, MiniMax's <c>base_resp.status_msg</c>), or null.</summary>
    public string? Error { get; }

    public string? ErrorDescription { get; }

    public bool IsError => Status >= 400 || Error is not null;

    public string? GetString(string name) => ReadString(Json, name);

    /// <summary>A positive whole number of seconds (a JSON number; with <paramref name="allowString"/> also a numeric string), or null.</summary>
    public long? GetPositiveSeconds(string name, bool allowString = false) => GetInt64(name, allowString) is > 0 and var v ? v : null;

    /// <summary>A whole number (a JSON number; with <paramref name="allowString"/> also a numeric string), or null.</summary>
    public long? GetInt64(string name, bool allowString = false)
    {
        if (Json is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var e))
        {
            if (e.ValueKind == JsonValueKind.Number)
            {
                if (e.TryGetInt64(out var whole))
                {
                    return whole;
                }
                if (e.TryGetDouble(out var d) && d is > long.MinValue and < long.MaxValue)
                {
                    return (long)Math.Floor(d);
                }
            }
            if (allowString && e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
        }
        return null;
    }

    /// <summary>Throws <see cref="OAuthErrorIds.InvalidTokenResponse"/> naming every missing field.</summary>
    public void RequireFields(OAuthProvider provider, params (string Name, bool Present)[] fields)
    {
        var missing = fields.Where(f => !f.Present).Select(f => f.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new MoltbotException(OAuthErrorIds.InvalidTokenResponse, MoltbotErrorKind.AuthenticationError,
                $"The {provider.DisplayName} token endpoint answered HTTP {Status} without {string.Join(", ", missing)}. Nothing was stored.", provider.Id);
        }
    }

    internal static string? ReadString(JsonElement? element, string name)
    {
        if (element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString();
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }
        return null;
    }

    /// <summary>Never prints a token.</summary>
    public override string ToString() => $"TokenAnswer {{ Status = {Status}, Error = {Error} }}";
}

/// <summary>
/// The one client every token request goes through (login code exchanges, device-code polls, refreshes, for every
/// provider), and the provider's other JSON calls (<see cref="SendApiAsync"/>: device authorization, userinfo, project
/// discovery). Form bodies go through Duende.IdentityModel; JSON bodies (Anthropic, the Codex device flow) are posted
/// as JSON. Every failure becomes a <see cref="MoltbotException"/> whose message carries the server's error code and
/// description, never a code, verifier, token or secret.
/// </summary>
public sealed class TokenEndpointClient
{
    private readonly HttpMessageInvoker _http;

    public TokenEndpointClient(HttpMessageInvoker http, TimeProvider? clock = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        Clock = clock ?? TimeProvider.System;
    }

    public TimeProvider Clock { get; }

    /// <summary>The key of <see cref="Exception.Data"/> that holds the token endpoint's error code (a string).</summary>
    public const string ProviderErrorKey = "Moltbot.OAuth.ProviderError";

    /// <summary>The key of <see cref="Exception.Data"/> that holds the token endpoint's HTTP status (an int).</summary>
    public const string HttpStatusKey = "Moltbot.OAuth.HttpStatus";

    /// <summary>
    /// Sends one token request and returns its answer; an error answer throws (<see cref="OAuthErrorIds.AuthenticationFailed"/>,
    /// provider code in <see cref="Exception.Data"/>) unless <see cref="TokenCall.AcceptError"/> takes it. Cancellation stops
    /// the request only until it is committed (see <see cref="SendCommittedAsync"/>).
    /// </summary>
    public async Task<TokenAnswer> SendAsync(TokenCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var response = await SendCommittedAsync(call, (http, ct) => Post(http, call, ct), cancellationToken).ConfigureAwait(false);
        var (error, description) = ReadError(response);
        var answer = new TokenAnswer((int)response.HttpStatusCode, BodyOf(response),
            error is null ? null : Redact(TextSanitizer.Clean(error, 100), call.Secrets),
            description is null ? null : Redact(TextSanitizer.Clean(description, 300), call.Secrets));
        if ((response.IsError || answer.IsError) && !(call.AcceptError?.Invoke(answer) ?? false))
        {
            throw Refused(call, answer);
        }
        return answer;
    }

    /// <summary>The exception for a refused token request (also used by flows for errors they read themselves).</summary>
    public static MoltbotException Refused(TokenCall call, TokenAnswer answer)
    {
        var text = $"The {call.Provider.DisplayName} token endpoint refused the {call.GrantName} (HTTP {answer.Status}";
        if (answer.Error is not null)
        {
            text += $" {answer.Error}";
        }
        if (answer.ErrorDescription is not null)
        {
            text += $": {answer.ErrorDescription}";
        }
        text += "). Nothing was stored.";
        var refused = new MoltbotException(OAuthErrorIds.AuthenticationFailed, MoltbotErrorKind.AuthenticationError, text, call.Endpoint.AbsoluteUri)
        {
            RecommendedAction = $"Run Connect-MoltbotProvider {call.Provider.Id} again; a code can be used only once and expires after a few minutes.",
        };
        if (answer.Error is not null)
        {
            refused.Data[ProviderErrorKey] = answer.Error;
        }
        refused.Data[HttpStatusKey] = answer.Status;
        return refused;
    }

    private static Task<TokenResponse> Post(HttpMessageInvoker http, TokenCall call, CancellationToken cancellationToken)
    {
        if (call.Encoding == TokenBodyEncoding.Json)
        {
            return PostJson(http, call, cancellationToken);
        }
        var request = new TokenRequest
        {
            Address = call.Endpoint.AbsoluteUri,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
        };
        foreach (var (name, value) in call.Fields)
        {
            switch (name)
            {
                case "grant_type":
                    request.GrantType = value;
                    break;
                case "client_id":
                    request.ClientId = value;
                    break;
                case "client_secret":
                    request.ClientSecret = value;
                    break;
                default:
                    request.Parameters.Add(name, value);
                    break;
            }
        }
        foreach (var (name, value) in call.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return http.RequestTokenAsync(request, cancellationToken);
    }

    private static async Task<TokenResponse> PostJson(HttpMessageInvoker http, TokenCall call, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        foreach (var (name, value) in call.Fields)
        {
            body[name] = value;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, call.Endpoint)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in call.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ProtocolResponse.FromHttpResponseAsync<TokenResponse>(response).ConfigureAwait(false);
    }

    /// <summary>
    /// One JSON call to a provider endpoint that is not a token grant (device authorization, userinfo, Code Assist, the
    /// Copilot token): GET, or POST of a JSON or form body. Returns the answer whatever its status; throws only when the
    /// endpoint cannot be reached or does not answer within <paramref name="timeout"/>. Cancellation stops it at once.
    /// </summary>
    public async Task<TokenAnswer> SendApiAsync(OAuthProvider provider, HttpMethod method, Uri endpoint, HttpContent? body,
        IReadOnlyList<KeyValuePair<string, string>>? headers, TimeSpan timeout, string what, CancellationToken cancellationToken, string? endpointVariable = null)
    {
        using var limit = new CancellationTokenSource(timeout, Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        using var request = new HttpRequestMessage(method, endpoint) { Content = body };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? Array.Empty<KeyValuePair<string, string>>())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                body?.Headers.TryAddWithoutValidation(name, value);
            }
        }
        try
        {
            using var response = await _http.SendAsync(request, linked.Token).ConfigureAwait(false);
            var raw = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            JsonElement? json = null;
            if (!string.IsNullOrWhiteSpace(raw))
            {
                try
                {
                    using var doc = JsonDocument.Parse(raw);
                    json = doc.RootElement.Clone();
                }
                catch (JsonException)
                {
                    json = null;
                }
            }
            var (error, description) = ReadErrorBody(json);
            var status = (int)response.StatusCode;
            return new TokenAnswer(status, json, error is null ? null : TextSanitizer.Clean(error, 100),
                description is null ? (status >= 400 && json is null ? TextSanitizer.Clean(raw, 200) : null) : TextSanitizer.Clean(description, 300));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            throw Unreachable(provider, endpoint, $"{what} did not answer within {timeout.TotalSeconds:0} s", null, endpointVariable);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(provider, endpoint, $"{what}: {ex.Message}", ex, endpointVariable);
        }
    }

    /// <summary>
    /// Sends one token request. <paramref name="cancellationToken"/> stops it only until the request is committed, that
    /// is until the handler starts writing its form body (connecting, waiting for a pooled connection or a TLS handshake
    /// are still cancelled at once). From then on the provider may already have consumed the code or rotated the
    /// refresh token, so the answer is awaited, within what is left of the request limit, and returned: a caller that was
    /// stopped meanwhile must store it and then report the stop (see <see cref="Moltbot.Core.Refresh.TokenRefresher"/>).
    /// </summary>
    private async Task<TokenResponse> SendCommittedAsync(TokenCall call, Func<HttpMessageInvoker, CancellationToken, Task<TokenResponse>> send, CancellationToken cancellationToken)
    {
        var requestTimeout = call.Timeout;
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = new CancellationTokenSource(requestTimeout, Clock);
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
            throw Unreachable(call, $"did not answer within {requestTimeout.TotalSeconds:0} s", null);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(call, ex.Message, ex);
        }
        if (response.ErrorType == ResponseErrorType.Exception)
        {
            if (commit.Stopped)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            if (response.Exception is OperationCanceledException)
            {
                throw Unreachable(call, $"did not answer within {requestTimeout.TotalSeconds:0} s", null);
            }
            throw Unreachable(call, response.Exception?.Message ?? response.Error ?? "request failed", null);
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

    private static (string? Error, string? Description) ReadError(TokenResponse response)
    {
        var body = ReadErrorBody(BodyOf(response));
        if (body.Error is not null)
        {
            return body;
        }
        if (response.ErrorType == ResponseErrorType.Http)
        {
            return (response.HttpErrorReason ?? response.Error, null);
        }
        return (response.Error, null);
    }

    /// <summary>
    /// The error code and description of a JSON body in the shapes providers use: OAuth's <c>{error, error_description}</c>,
    /// OpenAI's <c>{error: {code, message, type}}</c>, MiniMax's <c>{base_resp: {status_code, status_msg}}</c> (non-zero code).
    /// </summary>
    internal static (string? Error, string? Description) ReadErrorBody(JsonElement? body)
    {
        if (body is not { ValueKind: JsonValueKind.Object } json)
        {
            return (null, null);
        }
        if (json.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.String)
            {
                return (error.GetString(), TokenAnswer.ReadString(json, "error_description"));
            }
            if (error.ValueKind == JsonValueKind.Object)
            {
                return (TokenAnswer.ReadString(error, "code") ?? TokenAnswer.ReadString(error, "type") ?? TokenAnswer.ReadString(error, "status"),
                    TokenAnswer.ReadString(error, "message"));
            }
        }
        if (json.TryGetProperty("base_resp", out var baseResp) && baseResp.ValueKind == JsonValueKind.Object
            && baseResp.TryGetProperty("status_code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt64(out var n) && n != 0)
        {
            return ("status_code " + n.ToString(System.Globalization.CultureInfo.InvariantCulture), TokenAnswer.ReadString(baseResp, "status_msg"));
        }
        return (null, null);
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

    internal static string Redact(string text, IReadOnlyList<string> secrets)
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

    private static MoltbotException Unreachable(TokenCall call, string reason, Exception? inner) =>
        Unreachable(call.Provider, call.Endpoint, TextSanitizer.Clean(reason, 300), inner, call.EndpointVariable);

    /// <summary>The exception for an endpoint that could not be reached (<see cref="OAuthErrorIds.TokenEndpointUnreachable"/>).</summary>
    public static MoltbotException Unreachable(OAuthProvider provider, Uri endpoint, string reason, Exception? inner, string? variable)
    {
        variable ??= provider.Endpoints.FirstOrDefault(e => endpoint.AbsoluteUri.EndsWith(e.Path, StringComparison.Ordinal))?.Variable;
        return new MoltbotException(OAuthErrorIds.TokenEndpointUnreachable, MoltbotErrorKind.ConnectionError,
            $"The {provider.DisplayName} endpoint {endpoint.GetLeftPart(UriPartial.Path)} could not be reached: {TextSanitizer.Clean(reason, 300)}. Nothing was stored.",
            endpoint.AbsoluteUri, inner)
        {
            RecommendedAction = variable is null
                ? $"Check the network, then run Connect-MoltbotProvider {provider.Id} again."
                : $"Check the network (and {variable} when it is set), then run Connect-MoltbotProvider {provider.Id} again.",
        };
    }
}
