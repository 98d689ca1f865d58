using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.OAuth;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Signs in to a provider with OAuth in the browser and stores the credential (OpenAI Codex / ChatGPT for now).</para>
/// <para type="description">
/// Runs the OpenAI Codex PKCE login: shows the sign-in URL on the host and opens it ($BROWSER, else the platform
/// opener), waits for the browser's redirect on http://localhost:1455/auth/callback (loopback only), exchanges the code
/// at the token endpoint, and stores {access, refresh, expires, accountId} as an oauth profile in the agent's
/// auth-profiles.json (under the store lock) and in openclaw.json's auth.profiles. When the callback port cannot be
/// bound, or with -Manual, it asks for the redirect URL (or the code) to be pasted instead. The authority can be
/// replaced with $env:MOLTBOT_OPENAI_CODEX_AUTHORITY and the redirect with $env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI.
/// </para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "MoltbotProvider", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class ConnectMoltbotProviderCommand : MoltbotWriteCmdlet
{
    internal override string GatewayOperation => "login";

    private const int ProgressActivityId = 1455;

    /// <summary>The provider to sign in to. Only openai-codex is supported for now.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(OAuthProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string Provider { get; set; } = null!;

    /// <summary>The agent whose store receives the credential. Default: the configured default agent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>The profile id (<c>openai-codex:name</c>, or just the name). Default: <c>openai-codex:default</c>.</summary>
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

    protected override void ProcessItem()
    {
        var provider = ProviderId.Normalize(Provider);
        if (provider != CodexOAuthOptions.ProviderId)
        {
            throw new MoltbotException(OAuthErrorIds.ProviderNotSupported, MoltbotErrorKind.NotImplemented,
                $"Connect-MoltbotProvider cannot sign in to '{provider}' yet; it supports '{CodexOAuthOptions.ProviderId}' only.", provider)
            {
                RecommendedAction = "For an Anthropic setup token use Set-MoltbotSetupToken; for an API key use Set-MoltbotApiKey.",
            };
        }
        var profileId = ProviderId.ResolveProfileId(provider, ProfileId);
        var agent = ResolveAgent(Agent);
        var options = CodexOAuthOptions.FromEnvironment();

        var exists = agent.LoadStore()?.Contains(profileId) ?? false;
        var action = $"Sign in to OpenAI Codex (ChatGPT) at {options.Authority.AbsoluteUri.TrimEnd('/')} and " +
                     (exists ? "replace" : "store") + $" the OAuth credential of profile '{profileId}'";
        if (!ShouldProcess($"agent '{agent.Id}' ({agent.Store.Location})", action))
        {
            return;
        }

        var settings = new CodexLoginSettings
        {
            Timeout = TimeSpan.FromSeconds(TimeoutSec),
            NoBrowser = NoBrowser.IsPresent,
            Manual = Manual.IsPresent,
        };
        var tokens = new CodexLoginFlow(options).Run(settings, new HostUi(this), Cancellation);

        // The provider has consumed the code and issued a grant: a stop (Ctrl+C) that came during the exchange does not
        // throw the answer away. It is stored first (the writes are bounded by their locks' timeouts), then the stop is reported.
        if (!Cancellation.IsCancellationRequested)
        {
            WriteVerbose($"Storing the OAuth credential (access, refresh, expires, accountId) as '{profileId}' in {agent.Store.Location}.");
        }
        new CredentialService(State).Save(agent, provider, profileId, CredentialType.OAuth, tokens.ToSecretFields(), tokens.Email, CancellationToken.None);
        Cancellation.ThrowIfCancellationRequested();
        WriteVerbose($"Recorded auth.profiles['{profileId}'] = {{ provider: '{provider}', mode: 'oauth' }} in {State.Paths.ConfigPath}.");
        WriteObject(ReadProfile(agent, profileId));
    }

    private void WriteHost(string message) =>
        WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST" });

    /// <summary>The flow's window on the host; every call arrives on the pipeline thread.</summary>
    private sealed class HostUi : ICodexLoginUi
    {
        private readonly ConnectMoltbotProviderCommand _cmdlet;
        private ProgressRecord? _progress;

        public HostUi(ConnectMoltbotProviderCommand cmdlet) => _cmdlet = cmdlet;

        public void ShowUrl(string url, bool manual, string? landing)
        {
            _cmdlet.WriteHost(manual
                ? $"Open this URL in a browser and sign in. The browser then lands on {landing ?? "a page on localhost that does not answer"}; copy that page's full address from the address bar:"
                : "Sign in to OpenAI (ChatGPT) in the browser. If no browser opened, open this URL:");
            _cmdlet.WriteHost("  " + url);
        }

        public void Verbose(string message) => _cmdlet.WriteVerbose(message);

        public void Warning(string message) => _cmdlet.WriteWarning(message);

        public void Waiting(TimeSpan elapsed, TimeSpan timeout, string redirectUri)
        {
            _progress ??= new ProgressRecord(ProgressActivityId, "Connect-MoltbotProvider: OpenAI Codex sign-in", "Waiting for the browser")
            {
                CurrentOperation = $"Listening on {redirectUri}; press Ctrl+C to cancel.",
            };
            var remaining = timeout - elapsed;
            _progress.StatusDescription = $"Waiting for the browser sign-in ({Math.Max(0, (int)remaining.TotalSeconds)} s left)";
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

/// <summary>Completes the providers Connect-MoltbotProvider can sign in to.</summary>
public sealed class OAuthProviderCompleter : IArgumentCompleter
{
    private static readonly IReadOnlyList<string> Supported = new[] { CodexOAuthOptions.ProviderId };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Results(Supported, wordToComplete, _ => "OpenAI Codex (ChatGPT sign-in, PKCE)");
}
