using System;
using System.Management.Automation;
using System.Security;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Stores a static token, such as the Anthropic token printed by 'claude setup-token'.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MoltbotSetupToken", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class SetMoltbotSetupTokenCommand : MoltbotWriteCmdlet
{
    /// <summary>The token, as a SecureString (type it at the masked prompt, or pipe it in).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public SecureString Token { get; set; } = null!;

    /// <summary>The provider the token is for. Default: anthropic.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string Provider { get; set; } = "anthropic";

    /// <summary>The agent whose store receives the token. Default: the configured default agent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>The profile id (<c>provider:name</c>, or just the name). Default: <c>provider:manual</c>, as <c>openclaw models auth paste-token</c> names it.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? ProfileId { get; set; }

    /// <summary>How long the token is valid (a TimeSpan, or 365d, 12h, 30m). Without it the token never expires.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? ExpiresIn { get; set; }

    /// <summary>Emit the stored profile.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        var provider = ProviderId.Normalize(Provider);
        var now = DateTimeOffset.UtcNow;
        // The lifetime is checked before anything else is read: in the past, under a minute, or past 9999-12-31 is refused.
        DateTimeOffset? expires = ExpiresIn is { } lifetime ? TokenExpiry.ExpiresAt(lifetime, now) : null;
        var token = SecretText.ValidateToken(provider, Plain(Token));
        var agent = ResolveAgent(Agent);
        var profileId = PastedProfileId(agent, provider, ProfileId, CredentialType.Token);

        var exists = agent.LoadStore()?.Contains(profileId) ?? false;
        var action = (exists ? "Replace the token of" : "Store a token as") + $" profile '{profileId}'" +
                     (expires is { } x ? $" (expires {x.LocalDateTime:yyyy-MM-dd HH:mm})" : " (does not expire)");
        if (!ShouldProcess($"agent '{agent.Id}' ({agent.Store.Location})", action))
        {
            return;
        }
        WriteVerbose($"Storing a {token.Length}-character token for provider '{provider}' as '{profileId}' in {agent.Store.Location}.");
        new CredentialService(State).SaveToken(agent, provider, profileId, token, expires, Cancellation);
        WriteVerbose($"Recorded auth.profiles['{profileId}'] = {{ provider: '{provider}', mode: 'token' }} in {State.Paths.ConfigPath}.");
        if (PassThru)
        {
            WriteObject(ReadProfile(agent, profileId));
        }
    }
}
