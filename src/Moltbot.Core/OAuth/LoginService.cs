using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.OAuth;

/// <summary>What a login stored.</summary>
public sealed class LoginOutcome
{
    public LoginOutcome(string profileId, OAuthCredential credential, bool replaced, IReadOnlyList<string> notes)
    {
        ProfileId = profileId;
        Credential = credential;
        Replaced = replaced;
        Notes = notes;
    }

    public string ProfileId { get; }

    /// <summary>Holds secrets: never log it.</summary>
    public OAuthCredential Credential { get; }

    /// <summary>Whether an existing profile was replaced.</summary>
    public bool Replaced { get; }

    /// <summary>Things the user should know (the profile id chosen because the default belongs to another account, ...).</summary>
    public IReadOnlyList<string> Notes { get; }
}

/// <summary>
/// A login from start to stored profile, for any provider: picks the flow (device code when asked, paste in a remote or
/// headless shell, else the loopback callback), runs it, chooses the profile id (a second account never overwrites the
/// first), and stores the credential with its <c>auth.profiles</c> entry. The cmdlet only maps parameters onto it.
/// </summary>
public sealed class LoginService
{
    private readonly MoltbotState _state;
    private readonly MoltbotEnvironment _environment;
    private readonly HttpMessageInvoker? _http;
    private readonly IBrowserLauncher? _launcher;
    private readonly TimeProvider _clock;
    private readonly Func<TimeSpan, CancellationToken, System.Threading.Tasks.Task>? _delay;

    /// <param name="delay">The wait between device-code polls (tests: a fake that advances a fake clock); default Task.Delay on <paramref name="clock"/>.</param>
    public LoginService(MoltbotState state, MoltbotEnvironment? environment = null, HttpMessageInvoker? http = null, IBrowserLauncher? launcher = null, TimeProvider? clock = null,
        Func<TimeSpan, CancellationToken, System.Threading.Tasks.Task>? delay = null)
    {
        _delay = delay;
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _environment = environment ?? MoltbotEnvironment.Process;
        _http = http;
        _launcher = launcher;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// The settings a login really runs with: in a remote or headless shell (<see cref="RemoteSession"/>) an
    /// authorization-code login goes to paste, unless <paramref name="detectRemote"/> is false (the caller said
    /// <c>-Manual:$false</c>). <paramref name="why"/> says what was decided, for a verbose line.
    /// </summary>
    public LoginSettings Effective(OAuthProvider provider, LoginSettings settings, bool detectRemote, out string? why)
    {
        why = null;
        if (settings.DeviceCode || settings.Manual || !detectRemote || !provider.Flows.Contains(LoginFlowKind.AuthorizationCode))
        {
            return settings;
        }
        var session = RemoteSession.Detect(_environment);
        if (session.IsRemote || (session.IsWsl2 && provider.ManualOnWsl2))
        {
            why = $"{(session.IsRemote ? session.Reason : "WSL2")}: pasting the redirect URL instead of listening for it, and not starting a browser (-Manual:$false listens anyway; -DeviceCode uses a device code where the provider has one).";
            return new LoginSettings
            {
                Timeout = settings.Timeout,
                NoBrowser = true,
                Manual = true,
                DeviceCode = false,
                ProgressInterval = settings.ProgressInterval,
                TokenRequestTimeout = settings.TokenRequestTimeout,
                Parameters = settings.Parameters,
            };
        }
        return settings;
    }

    /// <summary>Runs the provider's login and returns the credential; stores nothing.</summary>
    public OAuthCredential SignIn(OAuthProvider provider, LoginSettings settings, ILoginUi ui, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ui);
        var kind = FlowFor(provider, settings);
        return kind switch
        {
            LoginFlowKind.AuthorizationCode => new AuthorizationCodeFlow(provider, _environment, _launcher, _http, _clock).Run(settings, ui, cancellationToken),
            LoginFlowKind.DeviceCode => new DeviceCodeFlow(provider, _environment, _http, _clock, _delay).Run(settings, ui, cancellationToken),
            LoginFlowKind.UserCode => new UserCodeFlow(provider, _environment, _http, _clock, _delay).Run(settings, ui, cancellationToken),
            _ => throw new MoltbotException(OAuthErrorIds.ProviderNotSupported, MoltbotErrorKind.NotImplemented,
                $"The {kind} login of {provider.DisplayName} is not available.", provider.Id),
        };
    }

    /// <summary>The flow a login uses: the device (or user) code when asked for; else the provider's first flow.</summary>
    public static LoginFlowKind FlowFor(OAuthProvider provider, LoginSettings settings)
    {
        if (provider.Flows.Count == 0)
        {
            throw new MoltbotException(OAuthErrorIds.ProviderNotSupported, MoltbotErrorKind.NotImplemented,
                provider.LoginRefusal ?? $"{provider.DisplayName} has no login in Moltbot.", provider.Id)
            {
                RecommendedAction = provider.LoginRefusalAdvice,
            };
        }
        if (settings.DeviceCode)
        {
            if (provider.Flows.Contains(LoginFlowKind.DeviceCode))
            {
                return LoginFlowKind.DeviceCode;
            }
            if (provider.Flows.Contains(LoginFlowKind.UserCode))
            {
                return LoginFlowKind.UserCode;
            }
            throw new MoltbotException(OAuthErrorIds.LoginFlowNotSupported, MoltbotErrorKind.InvalidArgument,
                $"{provider.DisplayName} has no device-code login; it signs in in a browser.", provider.Id)
            {
                RecommendedAction = $"Use -Manual to paste the redirect URL instead (it needs no loopback port and no browser on this machine).",
            };
        }
        return provider.Flows[0];
    }

    /// <summary>
    /// The profile id a login stores under. Given: that id (a bare name becomes <c>&lt;provider&gt;:&lt;name&gt;</c>); when it
    /// holds another account, only with <paramref name="force"/>. Not given: the provider's default; when that holds
    /// another account, <c>&lt;provider&gt;:&lt;email or account&gt;</c> beside it (or the default with <paramref name="force"/>).
    /// </summary>
    public string ChooseProfileId(OAuthProvider provider, AuthProfileStore? store, string? requested, bool force, OAuthCredential credential, List<string> notes)
    {
        if (!string.IsNullOrWhiteSpace(requested))
        {
            var id = ProviderId.ResolveProfileId(provider.Id, requested);
            if (!force && store?.Get(id) is { } held && OtherAccount(held, credential) is { } other)
            {
                throw new MoltbotException(OAuthErrorIds.ProfileHoldsAnotherAccount, MoltbotErrorKind.ResourceExists,
                    $"Profile '{id}' holds another {provider.DisplayName} account ({other}); the login of {credential.Identity} was not stored.", id)
                {
                    RecommendedAction = $"Sign in again with another -ProfileId, or with -Force to replace '{id}'.",
                };
            }
            return id;
        }
        var preferred = provider.DefaultProfileId(credential);
        if (force || store?.Get(preferred) is not { } existing || OtherAccount(existing, credential) is not { } owner)
        {
            return preferred;
        }
        var name = credential.Email ?? credential.Identity;
        var alternative = name is null ? null : provider.Id + ":" + name;
        if (alternative is null || (store!.Get(alternative) is { } alt && OtherAccount(alt, credential) is not null))
        {
            throw new MoltbotException(OAuthErrorIds.ProfileHoldsAnotherAccount, MoltbotErrorKind.ResourceExists,
                $"Profile '{preferred}' holds another {provider.DisplayName} account ({owner}), and the new login names no account to store it beside; it was not stored.", preferred)
            {
                RecommendedAction = $"Sign in again with -ProfileId <name>, or with -Force to replace '{preferred}'.",
            };
        }
        notes.Add($"'{preferred}' holds another account ({owner}), so this login of {name} was stored as '{alternative}' (use -Force to replace '{preferred}' instead).");
        return alternative;
    }

    /// <summary>
    /// Signs in, picks the profile id and stores the credential (store lock, then <c>auth.profiles</c> in openclaw.json).
    /// A stop (Ctrl+C) that comes once the provider has issued the grant does not throw it away: it is stored, then the
    /// stop is reported.
    /// </summary>
    public LoginOutcome Login(OAuthProvider provider, AgentLocation agent, string? profileId, bool force, LoginSettings settings, ILoginUi ui, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var credential = SignIn(provider, settings, ui, cancellationToken);
        var notes = new List<string>();
        var store = agent.LoadStore();
        var id = ChooseProfileId(provider, store, profileId, force, credential, notes);
        var replaced = store?.Contains(id) ?? false;
        new CredentialService(_state).Save(agent, provider.Id, id, credential.Type, credential.ToSecretFields(), credential.Email, CancellationToken.None);
        if (credential.ProviderConfig is { } providerConfig)
        {
            // models.providers.<id> as the provider's own login writes it (MiniMax: baseUrl, which also tells a refresh the region).
            Moltbot.Core.Config.OpenClawConfig.Update(_state.Paths.ConfigPath, config => config.MergeProviderConfig(provider.Id, providerConfig), changed => changed, cancellationToken: CancellationToken.None);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new LoginOutcome(id, credential, replaced, notes);
    }

    /// <summary>The other account a stored profile holds ("account x" / "email y"), or null when it is the same account or cannot be told apart.</summary>
    private static string? OtherAccount(StoredProfile held, OAuthCredential credential) =>
        AccountIdentity.OtherAccount(held.GetString("accountId"), held.GetString("email"), credential.AccountId, credential.Email);
}
