using System;
using System.Collections.Concurrent;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Moltbot.Core.OAuth;

/// <summary>How one interactive login should go.</summary>
public sealed class CodexLoginSettings
{
    /// <summary>How long to wait for the browser's redirect. Default 5 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Only show the URL; do not start a browser.</summary>
    public bool NoBrowser { get; init; }

    /// <summary>Do not listen for the redirect: ask the user to paste it (remote and headless shells).</summary>
    public bool Manual { get; init; }

    /// <summary>How often <see cref="ICodexLoginUi.Waiting"/> is called while waiting.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// What the login needs from its host. Every call happens on the thread that called <see cref="CodexLoginFlow.Run"/>
/// (in PowerShell: the pipeline thread, where Write* is allowed). Nothing passed here is a secret.
/// </summary>
public interface ICodexLoginUi
{
    /// <summary>The authorize URL for the user to open (or that was opened). <paramref name="manual"/>: the user will paste the redirect.</summary>
    void ShowUrl(string url, bool manual);

    void Verbose(string message);

    void Warning(string message);

    /// <summary>A tick while waiting for the redirect.</summary>
    void Waiting(TimeSpan elapsed, TimeSpan timeout, string redirectUri);

    /// <summary>The wait is over (whatever its outcome).</summary>
    void WaitingDone();

    /// <summary>Asks for the redirect URL (or the code) from the browser's address bar; null or empty when nothing was entered.</summary>
    string? PromptForPaste(string redirectUri);
}

/// <summary>
/// The OpenAI Codex (ChatGPT) PKCE login: authorize URL, browser, loopback callback or manual paste, code exchange.
/// It returns the credential and stores nothing; the caller stores it (so nothing is stored on any failure).
/// </summary>
public sealed class CodexLoginFlow
{
    private readonly CodexOAuthOptions _options;
    private readonly IBrowserLauncher _launcher;
    private readonly HttpMessageInvoker? _http;
    private readonly TimeProvider _clock;

    public CodexLoginFlow(CodexOAuthOptions options, IBrowserLauncher? launcher = null, HttpMessageInvoker? http = null, TimeProvider? clock = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _launcher = launcher ?? new SystemBrowserLauncher();
        _http = http;
        _clock = clock ?? TimeProvider.System;
    }

    public CodexOAuthOptions Options => _options;

    /// <summary>Runs the login on the calling thread. Cancellation (Ctrl+C) frees the callback port and throws <see cref="OperationCanceledException"/>.</summary>
    public CodexTokens Run(CodexLoginSettings settings, ICodexLoginUi ui, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ui);
        if (settings.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "The timeout must be positive.");
        }

        var request = AuthorizeRequest.Create(_options);
        ui.Verbose($"Created a PKCE verifier with an S256 challenge and a random state; client id {_options.ClientId}, authority {_options.Authority.AbsoluteUri.TrimEnd('/')}.");

        string code;
        CallbackListener? listener = null;
        try
        {
            var redirect = _options.RedirectUri.AbsoluteUri;
            if (settings.Manual)
            {
                ui.Verbose("Manual mode: not listening for the redirect; the redirect URL will be pasted.");
            }
            else
            {
                listener = CallbackListener.TryStart(_options.RedirectUri, request.State, out var why);
                if (listener is null)
                {
                    ui.Warning($"Cannot listen for the redirect on {_options.RedirectUri.Authority} ({why}); another sign-in may be using that port. Falling back to pasting the redirect URL.");
                }
                else
                {
                    ui.Verbose($"Listening for the redirect on {redirect} (loopback only); timeout {settings.Timeout.TotalSeconds:0} s.");
                }
            }

            ui.ShowUrl(request.Url, manual: listener is null);
            if (settings.NoBrowser)
            {
                ui.Verbose("-NoBrowser: not starting a browser.");
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
                ui.Verbose("The browser was redirected back with an authorization code and the expected state.");
            }
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pasted = ui.PromptForPaste(redirect);
                cancellationToken.ThrowIfCancellationRequested();
                code = RedirectPaste.GetCode(pasted, request.State);
                ui.Verbose("Read an authorization code from the pasted text (the state matched, or none was pasted).");
            }
        }
        finally
        {
            listener?.Dispose();
        }

        ui.Verbose($"Exchanging the authorization code (with the PKCE verifier) at {_options.TokenEndpoint.AbsoluteUri}.");
        var http = _http ?? new HttpClient();
        try
        {
            var tokens = new CodexTokenClient(_options, http, _clock)
                .ExchangeCodeAsync(code, request.Pkce.Verifier, cancellationToken).GetAwaiter().GetResult();
            // A stop during the exchange did not abort it (the code is consumed): the caller stores the tokens, then reports the stop.
            if (!cancellationToken.IsCancellationRequested)
            {
                ui.Verbose($"Signed in to ChatGPT account {tokens.AccountId}{(tokens.Email is null ? string.Empty : $" ({tokens.Email})")}; the access token expires {tokens.Expires.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}.");
            }
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

    private string WaitForCode(CallbackListener listener, CodexLoginSettings settings, ICodexLoginUi ui, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(settings.Timeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var rejected = new ConcurrentQueue<string>();
        listener.RequestRejected += (status, reason) => rejected.Enqueue($"The callback answered {status} ({reason}) to a request that does not complete this sign-in; still waiting.");
        var started = _clock.GetTimestamp();
        var wait = listener.WaitAsync(linked.Token);
        try
        {
            while (!Completed(wait, settings.ProgressInterval))
            {
                Drain(rejected, ui);
                ui.Waiting(_clock.GetElapsedTime(started), settings.Timeout, listener.RedirectUri.AbsoluteUri);
            }
            Drain(rejected, ui);
        }
        finally
        {
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

    private static void Drain(ConcurrentQueue<string> messages, ICodexLoginUi ui)
    {
        while (messages.TryDequeue(out var message))
        {
            ui.Warning(message);
        }
    }
}
