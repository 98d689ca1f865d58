using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// The authorization-code login with PKCE (S256) of any provider: authorize URL, browser, loopback callback or manual
/// paste, code exchange, then the provider's post-login steps. It returns the credential and stores nothing; the caller
/// stores it (so nothing is stored on any failure).
/// </summary>
public sealed class AuthorizationCodeFlow
{
    private readonly OAuthProvider _provider;
    private readonly MoltbotEnvironment _environment;
    private readonly IBrowserLauncher _launcher;
    private readonly HttpMessageInvoker? _http;
    private readonly TimeProvider _clock;

    public AuthorizationCodeFlow(OAuthProvider provider, MoltbotEnvironment? environment = null, IBrowserLauncher? launcher = null, HttpMessageInvoker? http = null, TimeProvider? clock = null)
    {
        _provider = provider ?? throw new ArgumentNullException(nameof(provider));
        _environment = environment ?? MoltbotEnvironment.Process;
        _launcher = launcher ?? new SystemBrowserLauncher();
        _http = http;
        _clock = clock ?? TimeProvider.System;
    }

    public OAuthProvider Provider => _provider;

    /// <summary>Runs the login on the calling thread. Cancellation (Ctrl+C) frees the callback port and throws <see cref="OperationCanceledException"/>.</summary>
    public OAuthCredential Run(LoginSettings settings, ILoginUi ui, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ui);
        if (settings.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "The timeout must be positive.");
        }

        var client = _provider.ResolveLoginClient(settings, _environment);
        var redirectUri = _provider.RedirectUri(_environment);
        var request = AuthorizeRequest.Create(_provider, client, redirectUri, _environment);
        ui.Verbose($"Created a PKCE verifier with an S256 challenge and a {(_provider.StateStyle == OAuthStateStyle.Verifier ? "state equal to the verifier" : "random state")}; client id {client.ClientId}, authorize endpoint {_provider.Endpoint("authorize", _environment).GetLeftPart(UriPartial.Path)}.");

        string code;
        CallbackListener? listener = null;
        try
        {
            var redirect = redirectUri.AbsoluteUri;
            string? landing = null;
            if (settings.Manual)
            {
                ui.Verbose("Manual mode: not listening for the redirect; the redirect URL will be pasted.");
                landing = "a page on localhost that does not answer";
            }
            else
            {
                listener = CallbackListener.TryStart(redirectUri, request.State, out var why);
                if (listener is null)
                {
                    // Say what is really there: another sign-in answers "State mismatch", which is not "no answer".
                    var holder = CallbackListener.DescribePortHolder(redirectUri, PortProbeTimeout);
                    landing = holder.Page;
                    ui.Warning($"Cannot listen for the redirect on {redirectUri.Authority} ({why}); {holder.Holder}. Falling back to pasting the redirect URL.");
                }
                else
                {
                    // The browser that brings the code waits for the outcome of the exchange, a little longer than the exchange may take.
                    listener.AnswerTimeout = (settings.TokenRequestTimeout ?? _provider.TokenRequestTimeout) + TimeSpan.FromSeconds(15);
                    ui.Verbose($"Listening for the redirect on {redirect} (loopback only); timeout {settings.Timeout.TotalSeconds:0} s.");
                }
            }

            ui.ShowUrl(_provider, request.Url, manual: listener is null, landing);
            if (settings.NoBrowser || settings.Manual)
            {
                ui.Verbose(settings.Manual ? "-Manual: not starting a browser." : "-NoBrowser: not starting a browser.");
            }
            else if (_launcher.TryOpen(request.Url, out var how))
            {
                ui.Verbose($"Opened the sign-in page with {how}.");
            }
            else
            {
                ui.Warning($"Could not start a browser ({how}). Open the URL yourself.");
            }

            if (listener is not null)
            {
                code = WaitForCode(listener, settings, ui, cancellationToken);
                ui.Verbose("The browser was redirected back with an authorization code and the expected state; its page waits for the code exchange.");
            }
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pasted = ui.PromptForPaste(redirect);
                cancellationToken.ThrowIfCancellationRequested();
                code = RedirectPaste.GetCode(pasted, request.State);
                ui.Verbose("Read an authorization code from the pasted text (the state matched, or none was pasted).");
            }

            OAuthCredential tokens;
            try
            {
                tokens = Exchange(code, request, redirectUri, client, settings, ui, cancellationToken);
            }
            catch (MoltbotException ex)
            {
                // The token client's messages carry the provider's error, never a code, verifier or token.
                listener?.Answer(false, "Sign-in failed", ex.Message + " Return to PowerShell; you can close this window.");
                throw;
            }
            catch (OperationCanceledException)
            {
                listener?.Answer(false, "Sign-in cancelled", "The sign-in was cancelled in PowerShell during the code exchange. Nothing was stored; you can close this window.");
                throw;
            }
            listener?.Answer(true, "Signed in",
                "Moltbot exchanged the code for a credential; PowerShell stores it and shows the result. You can close this window.");
            return tokens;
        }
        finally
        {
            listener?.Dispose();
        }
    }

    /// <summary>How long <see cref="CallbackListener.DescribePortHolder"/> may take when the callback port is taken.</summary>
    private static readonly TimeSpan PortProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Rejected callback requests are summed up in at most one warning per this interval (after the first).</summary>
    internal static readonly TimeSpan RejectionSummaryInterval = TimeSpan.FromSeconds(30);

    private OAuthCredential Exchange(string code, AuthorizeRequest request, Uri redirectUri, LoginClient client, LoginSettings settings, ILoginUi ui, CancellationToken cancellationToken)
    {
        var tokenEndpoint = _provider.TokenEndpoint(_environment);
        ui.Verbose($"Exchanging the authorization code (with the PKCE verifier) at {tokenEndpoint.AbsoluteUri}.");
        var http = _http ?? new HttpClient();
        try
        {
            var tokenClient = new TokenEndpointClient(http, _clock);
            var tokens = _provider.ExchangeCodeAsync(tokenClient, code, request.Pkce, request.State, redirectUri, client, _environment, cancellationToken, settings.TokenRequestTimeout)
                .GetAwaiter().GetResult();
            // A stop during the exchange did not abort it (the code is consumed): the post-login steps are skipped, the caller
            // stores the tokens, then reports the stop.
            tokens = new LoginContext(_provider, settings, ui, tokenClient, _environment).FinishLogin(tokens, client, cancellationToken);
            return tokens;
        }
        finally
        {
            if (_http is null)
            {
                http.Dispose();
            }
        }
    }

    private string WaitForCode(CallbackListener listener, LoginSettings settings, ILoginUi ui, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(settings.Timeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var rejected = new RejectionSummary(_clock);
        listener.RequestRejected += rejected.Add;
        var started = _clock.GetTimestamp();
        var wait = listener.WaitAsync(linked.Token);
        try
        {
            while (!Completed(wait, settings.ProgressInterval))
            {
                rejected.Report(ui, final: false);
                ui.Waiting(_clock.GetElapsedTime(started), settings.Timeout, $"Listening on {listener.RedirectUri.AbsoluteUri}");
            }
            rejected.Report(ui, final: true);
        }
        finally
        {
            listener.RequestRejected -= rejected.Add;
            ui.WaitingDone();
        }

        CallbackResult result;
        try
        {
            result = wait.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MoltbotException(OAuthErrorIds.LoginTimeout, MoltbotErrorKind.OperationTimeout,
                $"No valid sign-in reached {listener.RedirectUri.AbsoluteUri} within {settings.Timeout.TotalSeconds:0} s. Nothing was stored.",
                listener.RedirectUri.AbsoluteUri)
            {
                RecommendedAction = "Run Connect-MoltbotProvider again (with a larger -TimeoutSec), or use -Manual and paste the redirect URL.",
            };
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (result.IsError)
        {
            throw RedirectPaste.AuthorizationError(result.Error!, result.ErrorDescription);
        }
        return result.Code!;
    }

    private static bool Completed(Task task, TimeSpan interval)
    {
        try
        {
            return task.Wait(interval);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    /// <summary>
    /// Turns rejected callback requests into few warnings, so that a local process cannot flood the console: the first
    /// one at once (it tells a user with a stale or altered link what happened), then one line that counts the others,
    /// at most every <see cref="RejectionSummaryInterval"/>, and one for the rest when the wait ends.
    /// </summary>
    private sealed class RejectionSummary
    {
        private readonly object _gate = new();
        private readonly TimeProvider _clock;
        private readonly SortedDictionary<(int Status, string Reason), int> _pending = new();
        private string? _first;
        private bool _firstShown;
        private long _lastReport;

        public RejectionSummary(TimeProvider clock)
        {
            _clock = clock;
            _lastReport = clock.GetTimestamp();
        }

        public void Add(int status, string reason)
        {
            lock (_gate)
            {
                if (_first is null)
                {
                    _first = $"The callback answered {status} ({reason}) to a request that does not complete this sign-in; still waiting. Further refused requests are counted, not shown one by one.";
                    return;
                }
                var key = (status, reason);
                _pending[key] = _pending.TryGetValue(key, out var n) ? n + 1 : 1;
            }
        }

        public void Report(ILoginUi ui, bool final)
        {
            string? first = null;
            string? summary = null;
            lock (_gate)
            {
                if (_first is not null && !_firstShown)
                {
                    _firstShown = true;
                    first = _first;
                    _lastReport = _clock.GetTimestamp();
                }
                if (_pending.Count > 0 && (final || _clock.GetElapsedTime(_lastReport) >= RejectionSummaryInterval))
                {
                    var total = _pending.Values.Sum();
                    summary = $"The callback refused {total} more request{(total == 1 ? string.Empty : "s")} that do not complete this sign-in: " +
                              string.Join(", ", _pending.Select(p => $"{p.Value} x {p.Key.Status} ({p.Key.Reason})")) + ".";
                    _pending.Clear();
                    _lastReport = _clock.GetTimestamp();
                }
            }
            if (first is not null)
            {
                ui.Warning(first);
            }
            if (summary is not null)
            {
                ui.Warning(summary);
            }
        }
    }
}
