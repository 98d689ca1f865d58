using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// MiniMax's user-code grant (oauth-providers.md §8, §13.3): PKCE (base64url) and a base64url 16-byte state; POST the
/// code endpoint, whose answer must echo the state and carries <c>user_code</c>, <c>verification_uri</c>, an absolute
/// Unix-ms deadline <c>expired_in</c> and an <c>interval</c> in ms (default 2000); then polls of the token endpoint with
/// the user code and the verifier. HTTP 200 answers carry <c>status</c>: <c>success</c> (tokens), <c>error</c> (fail),
/// anything else pending, the wait growing ×<see cref="OAuthProvider.UserCodeBackoff"/> after each, capped at
/// <see cref="OAuthProvider.UserCodeMaxInterval"/>; a non-2xx answer fails with its <c>base_resp</c>. Bounded by
/// <c>expired_in</c> and <see cref="LoginSettings.Timeout"/>; never starts a browser or a listener; stores nothing.
/// </summary>
public sealed class UserCodeFlow
{
    public const string Grant = "urn:ietf:params:oauth:grant-type:user_code";

    private readonly OAuthProvider _provider;
    private readonly MoltbotEnvironment _environment;
    private readonly HttpMessageInvoker? _http;
    private readonly TimeProvider _clock;
    private readonly Func<TimeSpan, CancellationToken, Task>? _delay;

    public UserCodeFlow(OAuthProvider provider, MoltbotEnvironment? environment = null, HttpMessageInvoker? http = null, TimeProvider? clock = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _provider = provider ?? throw new ArgumentNullException(nameof(provider));
        _environment = environment ?? MoltbotEnvironment.Process;
        _http = http;
        _clock = clock ?? TimeProvider.System;
        _delay = delay;
    }

    /// <summary>How many token polls the last run sent.</summary>
    public int Polls { get; private set; }

    public OAuthCredential Run(LoginSettings settings, ILoginUi ui, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ui);
        if (settings.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "The timeout must be positive.");
        }
        var http = _http ?? new HttpClient();
        try
        {
            var tokenClient = new TokenEndpointClient(http, _clock);
            var context = new LoginContext(_provider, settings, ui, tokenClient, _environment);
            var client = _provider.ResolveLoginClient(settings, _environment);
            var pkce = Pkce.Create(_provider.PkceStyle);
            var state = Base64Url.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            var codeEndpoint = _provider.UserCodeEndpoint(settings, _environment);
            var tokenEndpoint = _provider.UserCodeTokenEndpoint(settings, _environment);
            var requestTimeout = settings.TokenRequestTimeout ?? _provider.TokenRequestTimeout;
            ui.Verbose($"Requesting a user code from {codeEndpoint.GetLeftPart(UriPartial.Path)} (client id {client.ClientId}, PKCE S256); no browser is started and nothing listens.");

            var fields = new List<KeyValuePair<string, string>>
            {
                new("response_type", "code"),
                new("client_id", client.ClientId),
                new("scope", _provider.Scope),
                new("code_challenge", pkce.Challenge),
                new("code_challenge_method", "S256"),
                new("state", state),
            };
            TokenAnswer code;
            using (var body = new FormUrlEncodedContent(fields))
            {
                code = tokenClient.SendApiAsync(_provider, HttpMethod.Post, codeEndpoint, body, RequestId(), requestTimeout, "the user-code request", cancellationToken)
                    .GetAwaiter().GetResult();
            }
            var codeCall = new TokenCall(_provider, codeEndpoint, "user-code request", Array.Empty<KeyValuePair<string, string>>());
            if (code.IsError)
            {
                throw TokenEndpointClient.Refused(codeCall, code);
            }
            var userCode = code.GetString("user_code");
            var verification = code.GetString("verification_uri");
            var deadlineMs = code.GetInt64("expired_in", allowString: true);
            code.RequireFields(_provider, ("user_code", userCode is not null), ("verification_uri", verification is not null), ("a numeric expired_in", deadlineMs is not null));
            if (!string.Equals(code.GetString("state"), state, StringComparison.Ordinal))
            {
                throw new MoltbotException(OAuthErrorIds.StateMismatch, MoltbotErrorKind.SecurityError,
                    $"The {_provider.DisplayName} user-code answer does not echo the state this login sent; it may not come from {_provider.DisplayName}. Nothing was stored.",
                    codeEndpoint.AbsoluteUri)
                {
                    RecommendedAction = $"Run Connect-MoltbotProvider {_provider.Id} again; if it keeps happening, check what answers at {codeEndpoint.GetLeftPart(UriPartial.Authority)}.",
                };
            }
            var interval = code.GetInt64("interval", allowString: true) is { } ms && ms > 0 ? TimeSpan.FromMilliseconds(ms) : TimeSpan.FromMilliseconds(2000);
            var providerDeadline = DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs!.Value);
            var timer = new PollTimer(_clock, _delay, settings, ui, providerDeadline, $"Waiting for the code {userCode} to be approved at {verification}");
            ui.ShowDeviceCode(new DeviceCodePrompt(_provider.Id, _provider.DisplayName, verification!, null, userCode!, timer.Deadline, interval));
            ui.Verbose($"Polling {tokenEndpoint.GetLeftPart(UriPartial.Path)} every {interval.TotalMilliseconds:0} ms (×{_provider.UserCodeBackoff} after each pending answer, at most {_provider.UserCodeMaxInterval.TotalSeconds:0} s) until {timer.Deadline:O}.");

            try
            {
                while (true)
                {
                    if (!timer.Wait(interval, cancellationToken))
                    {
                        throw timer.Expired(_provider);
                    }
                    var call = new TokenCall(_provider, tokenEndpoint, "user code", new List<KeyValuePair<string, string>>
                    {
                        new("grant_type", Grant),
                        new("client_id", client.ClientId),
                        new("user_code", userCode!),
                        new("code_verifier", pkce.Verifier),
                    })
                    {
                        Timeout = requestTimeout,
                        Headers = RequestId(),
                        Secrets = new[] { pkce.Verifier },
                        // A 200 answer is read here (its status field); a non-2xx one throws with its base_resp.
                        AcceptError = a => a.Status < 300,
                    };
                    Polls++;
                    var answer = tokenClient.SendAsync(call, cancellationToken).GetAwaiter().GetResult();
                    var status = answer.GetString("status");
                    if (string.Equals(status, "success", StringComparison.OrdinalIgnoreCase))
                    {
                        ui.WaitingDone();
                        ui.Verbose($"The sign-in was approved (after {Polls} poll{(Polls == 1 ? string.Empty : "s")}).");
                        var tokens = _provider.ReadTokenAnswer(answer, TokenGrant.Login, null, _clock.GetUtcNow());
                        if (answer.GetString("notification_message") is { } notice)
                        {
                            ui.Notice($"{_provider.DisplayName}: {TextSanitizer.Clean(notice, 500)}");
                        }
                        return context.FinishLogin(tokens, client, cancellationToken);
                    }
                    if (string.Equals(status, "error", StringComparison.OrdinalIgnoreCase) || answer.Error is not null)
                    {
                        throw TokenEndpointClient.Refused(call, answer.Error is null
                            ? new TokenAnswer(answer.Status, answer.Json, "status error", answer.ErrorDescription ?? "the sign-in was declined or expired")
                            : answer);
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    var next = TimeSpan.FromMilliseconds(interval.TotalMilliseconds * _provider.UserCodeBackoff);
                    interval = next > _provider.UserCodeMaxInterval ? _provider.UserCodeMaxInterval : next;
                }
            }
            finally
            {
                ui.WaitingDone();
            }
        }
        finally
        {
            if (_http is null)
            {
                http.Dispose();
            }
        }
    }

    private static IReadOnlyList<KeyValuePair<string, string>> RequestId() =>
        new[] { new KeyValuePair<string, string>("x-request-id", Guid.NewGuid().ToString()) };
}
