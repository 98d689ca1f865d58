using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security;
using System.Threading;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.OAuth;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Signs in to an OAuth provider (browser, pasted redirect or device code) and stores the credential in an agent's store.</para>
/// <para type="description">
/// Runs the provider's login (Get-MoltbotProvider lists them): PKCE with a loopback callback, or the redirect URL pasted
/// back (-Manual, and by default in a remote or headless shell), or a device code (-DeviceCode). The credential is stored
/// under the store lock as the profile OpenClaw would name it, and recorded in openclaw.json's auth.profiles. A second
/// account never overwrites the first: it is stored beside it, unless -Force is given. Every endpoint can be moved with
/// the environment variable Get-MoltbotProvider shows for it.
/// </para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "MoltbotProvider", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class ConnectMoltbotProviderCommand : MoltbotWriteCmdlet
{
    internal override string GatewayOperation => "login";

    private const int ProgressActivityId = 1455;

    /// <summary>The provider to sign in to (an id or alias that Get-MoltbotProvider lists).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(OAuthProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string Provider { get; set; } = null!;

    /// <summary>The agent whose store receives the credential. Default: the configured default agent.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>The profile id (<c>&lt;provider&gt;:name</c>, or just the name). Default: the provider's rule (Get-MoltbotProvider shows it).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? ProfileId { get; set; }

    /// <summary>How long to wait for the browser's redirect, in seconds. Default 300.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 300;

    /// <summary>Do not start a browser; only show the URL.</summary>
    [Parameter]
    public SwitchParameter NoBrowser { get; set; }

    /// <summary>Do not listen for the redirect: paste the redirect URL (or the code) at the prompt. For remote and headless shells.</summary>
    [Parameter]
    public SwitchParameter Manual { get; set; }

    /// <summary>Use the provider's device-code login (a code to enter on another device); never starts a browser or a listener.</summary>
    [Parameter]
    public SwitchParameter DeviceCode { get; set; }

    /// <summary>Replace the profile even when it holds another account of the provider.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Called with the device (or user) code object (Moltbot.Core.OAuth.DeviceCodePrompt: VerificationUri,
    /// VerificationUriComplete, UserCode, ExpiresAt) as soon as the provider issued it, for scripts with no console.
    /// The same object is written to the information stream with the tag Moltbot.DeviceCode.
    /// </summary>
    [Parameter]
    public ScriptBlock? DeviceCodeHandler { get; set; }

    /// <summary>The provider's region (minimax-portal: Global or CN).</summary>
    [Parameter]
    [ValidateSet("Global", "CN", IgnoreCase = true)]
    public string? Region { get; set; }

    /// <summary>A GitHub Enterprise domain for github-copilot (company.ghe.com): sign in on https://&lt;domain&gt;, API on https://api.&lt;domain&gt;.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EnterpriseDomain { get; set; }

    /// <summary>Your own OAuth client id (Chutes: required, or CHUTES_CLIENT_ID; Google: instead of the public client).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientId { get; set; }

    /// <summary>The secret of -ClientId, as a SecureString (scripts can set the provider's *_CLIENT_SECRET variable instead).</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? ClientSecret { get; set; }

    /// <summary>Google Gemini CLI: the Google Cloud project for Code Assist (else GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_PROJECT_ID).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProjectId { get; set; }

    /// <summary>
    /// The provider parameters (client, project, region, enterprise domain) for <see cref="LoginSettings.Parameters"/>; one the provider does not take is an
    /// error (rather than silently ignored).
    /// </summary>
    private Dictionary<string, string> ClientParameters(OAuthProvider provider)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Add(string name, string? value)
        {
            if (value is null)
            {
                return;
            }
            if (!provider.LoginParameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                var takes = provider.LoginParameters.Count == 0 ? "no provider parameters" : string.Join(", ", provider.LoginParameters.Select(p => "-" + p.Name));
                throw new MoltbotException(OAuthErrorIds.LoginParameterNotSupported, MoltbotErrorKind.InvalidArgument,
                    $"The {provider.DisplayName} login takes no -{name} (it takes {takes}).", name)
                {
                    RecommendedAction = "Run the command without -" + name + ". Get-MoltbotProvider shows each provider's login parameters.",
                };
            }
            parameters[name] = value;
        }
        Add(nameof(ClientId), ClientId);
        Add(nameof(ClientSecret), ClientSecret is null ? null : Plain(ClientSecret));
        Add(nameof(ProjectId), ProjectId);
        Add(nameof(Region), Region);
        Add(nameof(EnterpriseDomain), EnterpriseDomain);
        return parameters;
    }

    protected override void ProcessItem()
    {
        var provider = ProviderRegistry.ForLogin(Provider);
        var agent = ResolveAgent(Agent);
        var service = new LoginService(State);
        var requested = ProfileId is null ? null : Moltbot.Core.Profiles.ProviderId.ResolveProfileId(provider.Id, ProfileId);
        if (ProfileId is not null && requested is not null && Moltbot.Core.Profiles.ProviderId.NormalizationNote(provider.Id, ProfileId, requested) is { } idNote)
        {
            WriteWarning(idNote);
        }
        var settings = service.Effective(provider, new LoginSettings
        {
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
            NoBrowser = NoBrowser.IsPresent,
            Manual = Manual.IsPresent,
            DeviceCode = DeviceCode.IsPresent,
            Parameters = ClientParameters(provider),
        }, detectRemote: !MyInvocation.BoundParameters.ContainsKey(nameof(Manual)), out var why);
        var flow = LoginService.FlowFor(provider, settings);

        var target = requested ?? $"{provider.Id} (profile id decided by the login: {provider.ProfileIdRule})";
        var exists = requested is not null && (agent.LoadStore()?.Contains(requested) ?? false);
        var action = $"Sign in to {provider.DisplayName} ({Describe(flow, settings)}) and " + (exists ? "replace" : "store") + $" the credential of profile '{target}'";
        if (!ShouldProcess($"agent '{agent.Id}' ({agent.Store.Location})", action))
        {
            return;
        }
        if (why is not null)
        {
            WriteVerbose(why);
        }
        if (provider.PolicyNote is { } policy)
        {
            WriteWarning(policy);
        }

        // The provider has consumed the code and issued a grant: a stop (Ctrl+C) that came during the exchange does not
        // throw the answer away. It is stored first (the writes are bounded by their locks' timeouts), then the stop is reported.
        var outcome = service.Login(provider, agent, ProfileId, Force.IsPresent, settings, new HostUi(this), Cancellation);
        foreach (var note in outcome.Notes)
        {
            WriteWarning(note);
        }
        WriteVerbose($"Stored the {outcome.Credential.Type.ToWireName()} credential ({string.Join(", ", outcome.Credential.ToSecretFields().Select(f => f.Key))}) as '{outcome.ProfileId}' in {agent.Store.Location}; recorded auth.profiles['{outcome.ProfileId}'] = {{ provider: '{provider.Id}', mode: '{outcome.Credential.Type.ToWireName()}' }} in {State.Paths.ConfigPath}.");
        WriteObject(ReadProfile(agent, outcome.ProfileId));
    }

    private static string Describe(LoginFlowKind flow, LoginSettings settings) => flow switch
    {
        LoginFlowKind.DeviceCode => "device code",
        LoginFlowKind.UserCode => "user code",
        _ => settings.Manual ? "browser sign-in, redirect pasted back" : "browser sign-in, loopback callback",
    };

    private void WriteHost(string message) =>
        WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST" });

    /// <summary>The flow's window on the host; every call arrives on the pipeline thread.</summary>
    private sealed class HostUi : ILoginUi
    {
        private readonly ConnectMoltbotProviderCommand _cmdlet;
        private ProgressRecord? _progress;

        public HostUi(ConnectMoltbotProviderCommand cmdlet) => _cmdlet = cmdlet;

        public void ShowUrl(OAuthProvider provider, string url, bool manual, string? landing)
        {
            _cmdlet.WriteHost(manual
                ? $"Open this URL in a browser and sign in to {provider.DisplayName}. The browser then lands on {landing ?? "a page on localhost that does not answer"}; copy that page's full address from the address bar:"
                : $"Sign in to {provider.DisplayName} in the browser. If no browser opened, open this URL:");
            _cmdlet.WriteHost("  " + url);
        }

        public void ShowDeviceCode(DeviceCodePrompt prompt)
        {
            var url = prompt.VerificationUriComplete ?? prompt.VerificationUri;
            _cmdlet.WriteHost($"To sign in to {prompt.DisplayName}, open this page on any device:");
            _cmdlet.WriteHost("  " + url);
            _cmdlet.WriteHost($"and enter the code {prompt.UserCode} (valid until {prompt.ExpiresAt.ToLocalTime():HH:mm:ss}). Waiting; press Ctrl+C to cancel.");
            // For scripts: the typed object in the information stream (-InformationVariable, 6>&1) and the handler.
            _cmdlet.WriteInformation(prompt, new[] { "Moltbot.DeviceCode", "Moltbot.DeviceCode." + prompt.Provider });
            if (_cmdlet.DeviceCodeHandler is { } handler)
            {
                handler.Invoke(prompt);
            }
        }

        public void Notice(string message) => _cmdlet.WriteHost(message);

        public void Verbose(string message) => _cmdlet.WriteVerbose(message);

        public void Warning(string message) => _cmdlet.WriteWarning(message);

        public void Waiting(TimeSpan elapsed, TimeSpan timeout, string what)
        {
            _progress ??= new ProgressRecord(ProgressActivityId, "Connect-MoltbotProvider: sign-in", "Waiting")
            {
                CurrentOperation = $"{what}; press Ctrl+C to cancel.",
            };
            var remaining = timeout - elapsed;
            // The time left is said once: the host renders SecondsRemaining itself ("12s remaining"); the status says what is awaited.
            _progress.StatusDescription = "Waiting for the sign-in";
            _progress.SecondsRemaining = Math.Max(0, (int)remaining.TotalSeconds);
            _progress.PercentComplete = Math.Min(100, Math.Max(0, (int)(100 * elapsed.TotalMilliseconds / timeout.TotalMilliseconds)));
            _cmdlet.WriteProgress(_progress);
        }

        public void WaitingDone()
        {
            if (_progress is not null)
            {
                _progress.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(_progress);
                _progress = null;
            }
        }

        public string? PromptForPaste(string redirectUri)
        {
            try
            {
                _cmdlet.Host.UI.Write(DisplayText.EscapeMessage($"Paste the redirect URL ({redirectUri}?code=...) or the code: "));
                return _cmdlet.Host.UI.ReadLine();
            }
            catch (Exception ex) when (ex is PSInvalidOperationException or NotImplementedException or PSNotImplementedException)
            {
                _cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("This session cannot prompt (non-interactive), so the redirect URL cannot be pasted. Nothing was stored.", ex),
                    "MoltbotPromptUnavailable", ErrorCategory.InvalidOperation, redirectUri)
                {
                    ErrorDetails = new ErrorDetails("This session cannot prompt (non-interactive), so the redirect URL cannot be pasted. Nothing was stored.")
                    {
                        RecommendedAction = "Run Connect-MoltbotProvider in an interactive session, or free the callback port and run it without -Manual.",
                    },
                });
                return null;
            }
        }
    }
}
