using System;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Copies a portable profile (api_key, token) from one agent to another, as 'openclaw agents add' does.</para>
/// </summary>
[Cmdlet(VerbsCommon.Copy, "MoltbotAuthProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class CopyMoltbotAuthProfileCommand : MoltbotWriteCmdlet
{
    /// <summary>The profile to copy.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string ProfileId { get; set; } = null!;

    /// <summary>The agent to copy to; it must exist (New-MoltbotAgent creates one).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = null!;

    /// <summary>The agent to copy from. Default: the configured default agent. Takes agent names and Get-MoltbotAgent objects from the pipeline.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [Alias("Source")]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>
    /// Replace a profile of the same id at the destination, and copy a profile that is not portable: an oauth login (with
    /// a warning: its refresh token then has two owners) or one that says copyToAgents: false.
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit the copy.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        var source = State.RequireAgent(Agent);
        var destination = ResolveAgent(Destination); // a first write there may import legacy credentials: ResolveAgent reports it
        CredentialService.RequireDistinct(source, destination);
        var sourceStore = source.LoadStore();
        // A short id ('team') means the one stored <provider>:team, as Remove-MoltbotAuthProfile reads it.
        var profileId = CredentialService.ResolveShortId(ProfileId, sourceStore is null ? Array.Empty<AuthProfileStore>() : new[] { sourceStore });
        var profile = sourceStore?.Get(profileId) ?? throw CredentialService.UnknownProfile(profileId, $"agent '{source.Id}'");
        // Refusals come before -WhatIf, which would otherwise announce a copy that cannot happen.
        CredentialService.RequirePortable(profile, force: Force);
        var exists = destination.LoadStore()?.Contains(profileId) ?? false;
        if (exists && !Force)
        {
            throw CredentialService.AlreadyHas(destination.Id, profileId);
        }
        var action = $"Copy profile '{profileId}' ({profile.Type.ToWireName()}) from agent '{source.Id}'" + (exists ? ", replacing the one there" : string.Empty);
        if (!ShouldProcess($"agent '{destination.Id}' ({destination.Store.Location})", action))
        {
            return;
        }
        if (profile.Type == CredentialType.OAuth)
        {
            WriteWarning(CredentialService.SharedChainWarning(profileId, source.Id, destination.Id));
        }
        new CredentialService(State).CopyProfile(source, destination, profileId, force: Force, replace: Force, Cancellation);
        WriteVerbose($"Copied profile '{profileId}' from agent '{source.Id}' to agent '{destination.Id}' ({destination.Store.Location}).");
        if (PassThru)
        {
            WriteObject(ReadProfile(destination, profileId));
        }
    }
}
