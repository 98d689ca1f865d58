using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// What the user needs to approve a device-code (or user-code) login: where to go, the code to enter there, until when.
/// Nothing here is a secret (the device code, the polling handle, is not part of it). Connect-MoltbotProvider shows it
/// through the host and writes it as the MessageData of an InformationRecord tagged <c>Moltbot.DeviceCode</c>.
/// </summary>
public sealed class DeviceCodePrompt
{
    public DeviceCodePrompt(string provider, string displayName, string verificationUri, string? verificationUriComplete, string userCode, DateTimeOffset expiresAt, TimeSpan interval)
    {
        Provider = provider;
        DisplayName = displayName;
        VerificationUri = verificationUri;
        VerificationUriComplete = verificationUriComplete;
        UserCode = userCode;
        ExpiresAt = expiresAt;
        Interval = interval;
    }

    /// <summary>The provider id (<c>github-copilot</c>, <c>qwen-portal</c>, ...).</summary>
    public string Provider { get; }

    public string DisplayName { get; }

    /// <summary>The page where the code is entered.</summary>
    public string VerificationUri { get; }

    /// <summary>The page with the code already filled in, when the provider offers one.</summary>
    public string? VerificationUriComplete { get; }

    /// <summary>The code the user enters (or confirms) on that page.</summary>
    public string UserCode { get; }

    /// <summary>When the code stops working (the provider's limit, or -TimeoutSec when that comes first).</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The first poll interval.</summary>
    public TimeSpan Interval { get; }

    public override string ToString() => $"{DisplayName}: open {VerificationUriComplete ?? VerificationUri} and enter {UserCode}";
}

/// <summary>A device authorization as the provider answered it. <see cref="DeviceCode"/> is a secret (it polls the grant).</summary>
public sealed class DeviceAuthorization
{
    public DeviceAuthorization(string deviceCode, string userCode, string verificationUri, string? verificationUriComplete, TimeSpan expiresIn, TimeSpan interval)
    {
        DeviceCode = deviceCode;
        UserCode = userCode;
        VerificationUri = verificationUri;
        VerificationUriComplete = verificationUriComplete;
        ExpiresIn = expiresIn;
        Interval = interval;
    }

    /// <summary>The polling handle (RFC 8628 <c>device_code</c>; Codex: <c>device_auth_id</c>). Secret.</summary>
    public string DeviceCode { get; }

    public string UserCode { get; }

    public string VerificationUri { get; }

    public string? VerificationUriComplete { get; }

    public TimeSpan ExpiresIn { get; }

    public TimeSpan Interval { get; }

    /// <summary>The PKCE pair of the request (Qwen), or null.</summary>
    public PkcePair? Pkce { get; init; }

    public override string ToString() => $"DeviceAuthorization {{ UserCode = {UserCode}, ExpiresIn = {ExpiresIn} }}";
}

/// <summary>How a device-code poll answer is read.</summary>
public enum DevicePollStatus
{
    /// <summary>The grant: tokens (or Codex's authorization code).</summary>
    Granted,

    /// <summary><c>authorization_pending</c>: poll again after the interval.</summary>
    Pending,

    /// <summary><c>slow_down</c>: poll again after a longer interval (<see cref="OAuthProvider.SlowDownInterval"/>).</summary>
    SlowDown,

    /// <summary><c>expired_token</c>: the code expired.</summary>
    Expired,

    /// <summary><c>access_denied</c>: the user declined.</summary>
    Denied,

    /// <summary>Any other error (<c>incorrect_device_code</c>, <c>invalid_grant</c>, a non-JSON 500, ...).</summary>
    Failed,
}

/// <summary>
/// The wait between polls of a device-code or user-code login: in steps of <see cref="LoginSettings.ProgressInterval"/>
/// (each one a <see cref="ILoginUi.Waiting"/> tick on the calling thread), through an injectable delay so tests run
/// on a fake clock; bounded by a deadline (the earlier of the provider's limit and <see cref="LoginSettings.Timeout"/>).
/// </summary>
internal sealed class PollTimer
{
    private readonly TimeProvider _clock;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly LoginSettings _settings;
    private readonly ILoginUi _ui;
    private readonly DateTimeOffset _started;
    private readonly string _what;

    public PollTimer(TimeProvider clock, Func<TimeSpan, CancellationToken, Task>? delay, LoginSettings settings, ILoginUi ui, DateTimeOffset providerDeadline, string what)
    {
        _clock = clock;
        _delay = delay ?? ((span, ct) => Task.Delay(span, clock, ct));
        _settings = settings;
        _ui = ui;
        _what = what;
        _started = clock.GetUtcNow();
        var timeoutDeadline = _started + settings.Timeout;
        ByTimeout = timeoutDeadline < providerDeadline;
        Deadline = ByTimeout ? timeoutDeadline : providerDeadline;
    }

    /// <summary>When the polling stops.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>Whether <see cref="Deadline"/> is -TimeoutSec's (else the provider's expiry).</summary>
    public bool ByTimeout { get; }

    /// <summary>Waits <paramref name="interval"/> (or until the deadline); false when the deadline has been reached.</summary>
    public bool Wait(TimeSpan interval, CancellationToken cancellationToken)
    {
        var end = _clock.GetUtcNow() + interval;
        if (end > Deadline)
        {
            end = Deadline;
        }
        var step = _settings.ProgressInterval > TimeSpan.Zero ? _settings.ProgressInterval : TimeSpan.FromMilliseconds(500);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = end - _clock.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                break;
            }
            _delay(left < step ? left : step, cancellationToken).GetAwaiter().GetResult();
            _ui.Waiting(_clock.GetUtcNow() - _started, Deadline - _started, _what);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return _clock.GetUtcNow() < Deadline;
    }

    /// <summary>The error for a deadline reached without approval: -TimeoutSec's (LoginTimeout) or the code's (DeviceCodeExpired).</summary>
    public MoltbotException Expired(OAuthProvider provider) => ByTimeout
        ? new MoltbotException(OAuthErrorIds.LoginTimeout, MoltbotErrorKind.OperationTimeout,
            $"The {provider.DisplayName} sign-in was not approved within {_settings.Timeout.TotalSeconds:0} s (-TimeoutSec). Nothing was stored.", provider.Id)
        {
            RecommendedAction = $"Run Connect-MoltbotProvider {provider.Id} -DeviceCode again (with a larger -TimeoutSec) and enter the code before it expires.",
        }
        : DeviceCodeExpired(provider, "its time ran out before the sign-in was approved");

    public static MoltbotException DeviceCodeExpired(OAuthProvider provider, string why) =>
        new(OAuthErrorIds.DeviceCodeExpired, MoltbotErrorKind.OperationTimeout,
            $"The {provider.DisplayName} device code expired: {why}. Nothing was stored.", provider.Id)
        {
            RecommendedAction = $"Run Connect-MoltbotProvider {provider.Id} -DeviceCode again and enter the new code within its lifetime.",
        };
}

/// <summary>
/// The RFC 8628 device-code login of any provider (with PKCE where the provider asks for it): device authorization,
/// the code shown to the user (<see cref="ILoginUi.ShowDeviceCode"/>), token polls with the provider's interval and
/// <c>slow_down</c> rule, then the provider's post-login steps. Never starts a browser or a listener; stores nothing.
/// A stop (Ctrl+C) ends the waits at once; a poll whose request is already being written completes, and when it brings
/// the grant the tokens are returned (the caller stores them, then reports the stop).
/// </summary>
public sealed class DeviceCodeFlow
{
    private readonly OAuthProvider _provider;
    private readonly MoltbotEnvironment _environment;
    private readonly HttpMessageInvoker? _http;
    private readonly TimeProvider _clock;
    private readonly Func<TimeSpan, CancellationToken, Task>? _delay;

    public DeviceCodeFlow(OAuthProvider provider, MoltbotEnvironment? environment = null, HttpMessageInvoker? http = null, TimeProvider? clock = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _provider = provider ?? throw new ArgumentNullException(nameof(provider));
        _environment = environment ?? MoltbotEnvironment.Process;
        _http = http;
        _clock = clock ?? TimeProvider.System;
        _delay = delay;
    }

    /// <summary>How many token polls the last run sent (for tests and verbose lines).</summary>
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
            var pkce = _provider.DeviceCodePkce ? Pkce.Create(_provider.PkceStyle) : null;
            ui.Verbose($"Requesting a device code from {_provider.DisplayName} (client id {client.ClientId}{(pkce is null ? string.Empty : ", PKCE S256")}); no browser is started and nothing listens.");
            var device = _provider.RequestDeviceAuthorizationAsync(context, client, pkce, cancellationToken).GetAwaiter().GetResult();
            var timer = new PollTimer(_clock, _delay, settings, ui, _clock.GetUtcNow() + device.ExpiresIn, $"Waiting for the code {device.UserCode} to be entered at {device.VerificationUri}");
            ui.ShowDeviceCode(new DeviceCodePrompt(_provider.Id, _provider.DisplayName, device.VerificationUri, device.VerificationUriComplete, device.UserCode, timer.Deadline, device.Interval));
            ui.Verbose($"Polling every {device.Interval.TotalSeconds:0.###} s until {timer.Deadline:O} ({(timer.ByTimeout ? "-TimeoutSec" : "the code's lifetime")}).");

            var interval = device.Interval;
            try
            {
                while (true)
                {
                    if (!timer.Wait(interval, cancellationToken))
                    {
                        throw timer.Expired(_provider);
                    }
                    var call = _provider.DeviceTokenCall(context, client, device);
                    Polls++;
                    var answer = tokenClient.SendAsync(call, cancellationToken).GetAwaiter().GetResult();
                    var status = _provider.ClassifyDevicePoll(answer);
                    switch (status)
                    {
                        case DevicePollStatus.Granted:
                            ui.WaitingDone();
                            ui.Verbose($"The sign-in was approved (after {Polls} poll{(Polls == 1 ? string.Empty : "s")}).");
                            return Complete(context, answer, device, client, cancellationToken);
                        case DevicePollStatus.Pending:
                            cancellationToken.ThrowIfCancellationRequested();
                            break;
                        case DevicePollStatus.SlowDown:
                            cancellationToken.ThrowIfCancellationRequested();
                            interval = _provider.SlowDownInterval(interval, answer);
                            ui.Verbose($"{_provider.DisplayName} asked to slow down; polling every {interval.TotalSeconds:0.###} s now.");
                            break;
                        case DevicePollStatus.Expired:
                            throw PollTimer.DeviceCodeExpired(_provider, $"{_provider.DisplayName} answered {answer.Error ?? "expired_token"}");
                        case DevicePollStatus.Denied:
                            throw new MoltbotException(OAuthErrorIds.AuthorizationDenied, MoltbotErrorKind.AuthenticationError,
                                $"The {_provider.DisplayName} sign-in was declined ({answer.Error ?? "access_denied"}). Nothing was stored.", _provider.Id)
                            {
                                RecommendedAction = $"Run Connect-MoltbotProvider {_provider.Id} -DeviceCode again and approve the sign-in.",
                            };
                        default:
                            throw TokenEndpointClient.Refused(call, answer);
                    }
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

    private OAuthCredential Complete(LoginContext context, TokenAnswer answer, DeviceAuthorization device, LoginClient client, CancellationToken cancellationToken)
    {
        // A stop that came while the granting poll was being written does not throw the grant away: a further step the
        // provider needs (Codex's code exchange) runs to its end within its own limit, the optional post-login steps are skipped.
        var stopped = cancellationToken.IsCancellationRequested;
        var tokens = _provider.ReadDeviceGrantAsync(context, answer, device, client, stopped ? CancellationToken.None : cancellationToken).GetAwaiter().GetResult();
        return context.FinishLogin(tokens, client, cancellationToken);
    }
}
