using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core;
using Moltbot.Core.Agents;
using System.Security;
using Moltbot.Completers;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Stores an API key for a provider.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MoltbotApiKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class SetMoltbotApiKeyCommand : MoltbotBatchWriteCmdlet
{
    /// <summary>The provider the key is for.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string Provider { get; set; } = null!;

    /// <summary>The key, as a SecureString (piped in, or the ApiKey column of Import-Csv rows as plain text).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    [SecureStringTransformation(Pipeline = true)]
    public SecureString ApiKey { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>The profile id (<c>provider:name</c>, or just the name). Default: <c>provider:manual</c> where OpenClaw has <c>models auth paste-api-key</c> (state files of 2026.4.5 and later), else <c>provider:default</c>.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? ProfileId { get; set; }

    /// <summary>The account the key belongs to, stored as <c>email</c> for display.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Email { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        var provider = ProviderId.Normalize(Provider);
        var key = SecretText.ValidateApiKey(provider, Plain(ApiKey));
        var agent = BatchAgent(Agent);
        var profileId = PastedProfileId(agent, provider, ProfileId, CredentialType.ApiKey, Snapshot);
        // The store is read to word the message only when the message is shown or asked (-WhatIf, -Confirm).
        var action = ShouldProcessWillShow()
            ? ((Snapshot(agent)?.Contains(profileId) ?? false) || Pending.IsQueued(agent, i => i.ProfileId == profileId) ? "Replace the API key of" : "Store an API key as") + $" profile '{profileId}'"
            : $"Store the API key of profile '{profileId}'";
        if (!ShouldProcess($"agent '{agent.Id}' ({agent.Store.Location})", action))
        {
            return;
        }
        WriteVerbose($"Storing a {key.Length}-character API key for provider '{provider}' as '{profileId}' in {agent.Store.Location}.");
        Pending.Enqueue(agent, SaveRequest.ApiKey(provider, profileId, key, Email));
    }

    private IReadOnlyList<BatchOutcome<SaveRequest>> WriteBatch(AgentLocation agent, IReadOnlyList<SaveRequest> items) =>
        new CredentialService(State).SaveMany(agent, items, Cancellation);

    private void Acknowledge(AgentLocation agent, IReadOnlyList<SaveRequest> written)
    {
        if (PassThru)
        {
            WriteObject(ReadProfiles(agent, written.Select(i => i.ProfileId)).Where(p => p is not null), enumerateCollection: true);
        }
    }

    private PipelineBatches<SaveRequest> Pending => Queue<SaveRequest>(WriteBatch, Acknowledge, ItemTarget);

    private static object ItemTarget(SaveRequest item) => item.ProfileId;
}
