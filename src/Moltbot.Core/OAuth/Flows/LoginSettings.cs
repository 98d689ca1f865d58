using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

// Flows/: the few login strategies every provider shares (authorization code + PKCE with a loopback callback or a
// pasted redirect; device code; MiniMax's user code). A flow asks the provider definition for everything it sends.

/// <summary>How one login should go.</summary>
public sealed class LoginSettings
{
    /// <summary>How long to wait for the browser's redirect or the device approval. Default 5 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Only show the URL; do not start a browser.</summary>
    public bool NoBrowser { get; init; }

    /// <summary>Do not listen for the redirect: ask the user to paste it (remote and headless shells). Never starts a browser.</summary>
    public bool Manual { get; init; }

    /// <summary>Use the provider's device-code (or user-code) login. Never starts a browser.</summary>
    public bool DeviceCode { get; init; }

    /// <summary>How often <see cref="ILoginUi.Waiting"/> is called while waiting.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Limit for one token request; default the provider's (<see cref="OAuthProvider.TokenRequestTimeout"/>).</summary>
    public TimeSpan? TokenRequestTimeout { get; init; }

    /// <summary>Provider login parameters by <see cref="LoginParameter.Name"/> (Region, EnterpriseDomain, ClientId, ClientSecret, ProjectId).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public string? Parameter(string name) => Parameters.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}

/// <summary>The client a login presents: the provider's public client, or the user's own (Chutes). The secret is never shown.</summary>
public sealed record LoginClient(string ClientId, string? ClientSecret)
{
    public override string ToString() => $"LoginClient {{ ClientId = {ClientId}, HasSecret = {ClientSecret is not null} }}";
}

/// <summary>
/// What the login needs from its host. Every call happens on the thread that called the flow's Run (in PowerShell:
/// the pipeline thread, where Write* is allowed). Nothing passed here is a secret.
/// </summary>
public interface ILoginUi
{
    /// <summary>
    /// The authorize URL for the user to open (or that was opened). <paramref name="manual"/>: the user will paste the
    /// redirect, from the address bar of <paramref name="landing"/> (a phrase: what the browser shows after the sign-in,
    /// e.g. "a page on localhost that does not answer", or the page of another program that holds the port).
    /// </summary>
    void ShowUrl(OAuthProvider provider, string url, bool manual, string? landing);

    void Verbose(string message);

    void Warning(string message);

    /// <summary>A tick while waiting (for the redirect, or the device approval).</summary>
    void Waiting(TimeSpan elapsed, TimeSpan timeout, string what);

    /// <summary>The wait is over (whatever its outcome).</summary>
    void WaitingDone();

    /// <summary>
    /// A device-code (or user-code) login's code and where to enter it. The default shows it as a warning, so that an
    /// older host still shows it; Connect-MoltbotProvider writes it to the host and as an information record.
    /// </summary>
    void ShowDeviceCode(DeviceCodePrompt prompt) =>
        Warning($"Open {prompt.VerificationUriComplete ?? prompt.VerificationUri} and enter the code {prompt.UserCode} (valid until {prompt.ExpiresAt:O}).");

    /// <summary>A message of the provider for the user (MiniMax's notification_message). Default: a verbose line.</summary>
    void Notice(string message) => Verbose(message);

    /// <summary>Asks for the redirect URL (or the code) from the browser's address bar; null or empty when nothing was entered.</summary>
    string? PromptForPaste(string redirectUri);
}

/// <summary>
/// Holds the verbose lines and warnings of code that runs off the caller's thread (a provider's post-login steps after
/// an await) and passes them on, in order, when <see cref="Flush"/> is called on the caller's thread.
/// </summary>
internal sealed class DeferredLoginUi : ILoginUi
{
    private readonly ILoginUi _inner;
    private readonly List<(bool Warning, string Message)> _held = new();

    public DeferredLoginUi(ILoginUi inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public void ShowUrl(OAuthProvider provider, string url, bool manual, string? landing) => _inner.ShowUrl(provider, url, manual, landing);

    public void Verbose(string message)
    {
        lock (_held)
        {
            _held.Add((false, message));
        }
    }

    public void Warning(string message)
    {
        lock (_held)
        {
            _held.Add((true, message));
        }
    }

    public void Waiting(TimeSpan elapsed, TimeSpan timeout, string what)
    {
    }

    public void WaitingDone()
    {
    }

    public string? PromptForPaste(string redirectUri) => throw new InvalidOperationException("A post-login step cannot prompt.");

    /// <summary>Passes the held lines on (call it on the thread that called the flow).</summary>
    public void Flush()
    {
        (bool Warning, string Message)[] lines;
        lock (_held)
        {
            lines = _held.ToArray();
            _held.Clear();
        }
        foreach (var (warning, message) in lines)
        {
            if (warning)
            {
                _inner.Warning(message);
            }
            else
            {
                _inner.Verbose(message);
            }
        }
    }
}

/// <summary>What a flow and a provider's post-login steps share: the environment, the HTTP client, the clock, the host.</summary>
public sealed class LoginContext
{
    public LoginContext(OAuthProvider provider, LoginSettings settings, ILoginUi ui, TokenEndpointClient client, MoltbotEnvironment environment)
    {
        Provider = provider ?? throw new ArgumentNullException(nameof(provider));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Ui = ui ?? throw new ArgumentNullException(nameof(ui));
        Client = client ?? throw new ArgumentNullException(nameof(client));
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
    }

    public OAuthProvider Provider { get; }

    public LoginSettings Settings { get; }

    public ILoginUi Ui { get; }

    public TokenEndpointClient Client { get; }

    public MoltbotEnvironment Environment { get; }

    public TimeProvider Clock => Client.Clock;

    /// <summary>
    /// The end of every flow, once the grant is in hand: the provider's post-login steps
    /// (<see cref="OAuthProvider.CompleteLoginAsync"/>), skipped after a stop (the caller stores the tokens, then reports
    /// it), then one "Signed in" line. The steps run on pool threads after their first await, so what they tell the host
    /// is held and passed on here, on the thread that called the flow (PowerShell's Write* work only there).
    /// </summary>
    public OAuthCredential FinishLogin(OAuthCredential tokens, LoginClient client, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return tokens;
        }
        var deferred = new DeferredLoginUi(Ui);
        try
        {
            tokens = Provider.CompleteLoginAsync(new LoginContext(Provider, Settings, deferred, Client, Environment), tokens, client, cancellationToken).GetAwaiter().GetResult();
        }
        finally
        {
            deferred.Flush();
        }
        var name = tokens.Identity is null ? string.Empty : $" as {tokens.Identity}";
        var email = tokens.Email is null || tokens.Email == tokens.Identity ? string.Empty : $" ({tokens.Email})";
        var expires = tokens.Expires is { } e ? e.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture) : "never";
        Ui.Verbose($"Signed in to {Provider.DisplayName}{name}{email}; the {(tokens.Type == Store.CredentialType.Token ? "token" : "access token")} expires {expires}.");
        return tokens;
    }
}
