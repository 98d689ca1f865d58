using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core.Agents;
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
public sealed class SetMoltbotSetupTokenCommand : MoltbotBatchWriteCmdlet
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
        var agent = BatchAgent(Agent);
        var profileId = PastedProfileId(agent, provider, ProfileId, CredentialType.Token, Snapshot);

        // The store is read to word the message only when the message is shown or asked (-WhatIf, -Confirm).
        var verb = !ShouldProcessWillShow() ? "Store the token of"
            : (Snapshot(agent)?.Contains(profileId) ?? false) || Pending.IsQueued(agent, i => i.ProfileId == profileId) ? "Replace the token of" : "Store a token as";
        var action = verb + $" profile '{profileId}'" +
                     (expires is { } x ? $" (expires {x.LocalDateTime:yyyy-MM-dd HH:mm})" : " (does not expire)");
        if (!ShouldProcess($"agent '{agent.Id}' ({agent.Store.Location})", action))
        {
            return;
        }
        WriteVerbose($"Storing a {token.Length}-character token for provider '{provider}' as '{profileId}' in {agent.Store.Location}.");
        Pending.Enqueue(agent, SaveRequest.Token(provider, profileId, token, expires));
    }

    private IReadOnlyList<BatchOutcome<SaveRequest>> WriteBatch(AgentLocation agent, IReadOnlyList<SaveRequest> items) =>
        new CredentialService(State).SaveMany(agent, items, Cancellation);

    private void Acknowledge(AgentLocation agent, IReadOnlyList<SaveRequest> written)
    {
        foreach (var item in written)
        {
            WriteVerbose($"Recorded auth.profiles['{item.ProfileId}'] = {{ provider: '{item.Provider}', mode: 'token' }} in {State.Paths.ConfigPath}.");
        }
        if (PassThru)
        {
            WriteObject(ReadProfiles(agent, written.Select(i => i.ProfileId)).Where(p => p is not null), enumerateCollection: true);
        }
    }

    private PipelineBatches<SaveRequest> Pending => Queue<SaveRequest>(WriteBatch, Acknowledge, ItemTarget);

    private static object ItemTarget(SaveRequest item) => item.ProfileId;
}
