using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Signs out of a provider: revokes the login's refresh token where the provider offers it, and removes its profiles with every reference.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "MoltbotProvider", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MoltbotDisconnectResult))]
public sealed class DisconnectMoltbotProviderCommand : MoltbotWriteCmdlet
{
    private readonly HashSet<string> _revoked = new(StringComparer.Ordinal);
    private CredentialHolders? _holders;

    internal override string GatewayOperation => "logout";

    /// <summary>The provider whose profiles go (its aliases and the ids OpenClaw stores its logins under count too).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Provider { get; set; }

    /// <summary>One profile (a short id such as <c>work</c> means the one stored <c>&lt;provider&gt;:work</c>).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? ProfileId { get; set; }

    /// <summary>The agent to sign out; default: every agent. Takes agent names and Get-MoltbotAgent objects from the pipeline.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Remove the profiles locally without asking the provider to revoke anything.</summary>
    [Parameter]
    public SwitchParameter NoRevoke { get; set; }

    /// <summary>Skip the confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit one result per profile.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Test hook: the revoker (its HTTP client and environment).</summary>
    internal TokenRevoker Revoker { get; set; } = new();

    protected override void ProcessItem()
    {
        if (Provider is null && ProfileId is null)
        {
            throw new MoltbotException(ErrorIds.InvalidProvider, MoltbotErrorKind.InvalidArgument,
                "Name the login to disconnect: -Provider, -ProfileId, or profiles piped from Get-MoltbotAuthProfile.", null);
        }
        var targets = Targets();
        if (targets.Count == 0)
        {
            WriteMoltbotError(new MoltbotException(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound,
                $"No {(Agent is null ? "agent" : $"agent '{State.RequireAgent(Agent).Id}'")} holds a profile of {(ProfileId is null ? $"provider '{Provider}'" : $"'{ProfileId}'")}.", ProfileId ?? Provider)
            {
                RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
            }, ProfileId ?? Provider);
            return;
        }
        // Read afresh for each record: a profile removed by the previous record of a pipeline no longer holds the token.
        _holders = CredentialHolders.Collect(State);
        var service = new CredentialService(State);
        foreach (var (agent, store, profile) in targets)
        {
            Disconnect(service, agent, store, profile, targets);
        }
    }

    private void Disconnect(CredentialService service, AgentLocation agent, AuthProfileStore store, StoredProfile profile,
        IReadOnlyList<(AgentLocation Agent, AuthProfileStore Store, StoredProfile Profile)> targets)
    {
        var plan = service.PlanRemoval(agent, profile.Id);
        if (plan is null)
        {
            return;
        }
        var fingerprint = CredentialHolders.FingerprintOf(profile);
        var skip = NoRevoke ? "-NoRevoke: removed locally only" : TokenRevoker.WhyNotRevocable(profile);
        var alreadyRevoked = fingerprint is not null && _revoked.Contains(fingerprint);
        if (skip is null && !alreadyRevoked)
        {
            // A refresh token held elsewhere (another agent's profile this command does not remove, an external CLI) would
            // sign those out too: never revoked silently, the profile is removed here only.
            var others = _holders!.SharedWith(agent, store, profile)
                .Where(h => !(h.Kind == CredentialHolderKind.Agent && targets.Any(t => t.Agent.Id == h.Name && t.Profile.Id == h.ProfileId && !ReferenceEquals(t.Profile, profile))))
                .ToList();
            if (others.Count > 0)
            {
                skip = $"the refresh token is shared with {string.Join(", ", others.Select(h => h.ToString()))}; revoking it would sign them out too";
            }
        }
        var endpoint = skip is null && !alreadyRevoked ? Revoker.EndpointFor(profile) : null;
        if (WhatIfRequested)
        {
            if (endpoint is not null)
            {
                ShouldProcess($"{endpoint.GetLeftPart(UriPartial.Path)}", $"Revoke the refresh token of '{profile.Id}' (agent '{agent.Id}')");
            }
            else if (skip is not null)
            {
                WriteVerbose($"Would not revoke '{profile.Id}' of agent '{agent.Id}': {skip}.");
            }
            RemoveMoltbotAuthProfileCommand.ConfirmRemoval(this, plan, Force, string.Empty);
            return;
        }
        var action = endpoint is null ? $"Remove the {profile.Type.ToWireName()} profile '{profile.Id}'" : $"Revoke at {endpoint.Host} and remove the oauth profile '{profile.Id}'";
        if (!RemoveMoltbotAuthProfileCommand.ConfirmRemoval(this, plan, Force, action))
        {
            return;
        }
        var result = new MoltbotDisconnectResult
        {
            Agent = agent.Id,
            ProfileId = profile.Id,
            Provider = profile.Provider ?? string.Empty,
            Type = profile.Type == CredentialType.Unknown ? (profile.RawType ?? "unknown") : profile.Type.ToWireName(),
        };
        if (endpoint is not null)
        {
            try
            {
                Revoker.RevokeAsync(profile, Cancellation).GetAwaiter().GetResult();
            }
            catch (MoltbotException ex) when (ex.ErrorId == ErrorIds.RevocationFailed)
            {
                WriteMoltbotError(ex, profile.Id); // kept, so that a retry can still revoke it
                return;
            }
            _revoked.Add(fingerprint!);
            result.Revoked = true;
            WriteVerbose($"Revoked the refresh token of '{profile.Id}' at {endpoint.GetLeftPart(UriPartial.Path)}.");
        }
        else if (alreadyRevoked)
        {
            result.Revoked = true;
            result.Reason = "the same refresh token was revoked for another profile of this command";
        }
        else
        {
            result.RevocationSkipped = true;
            result.Reason = skip;
            if (skip!.Contains("shared", StringComparison.Ordinal))
            {
                WriteWarning($"Not revoking '{profile.Id}' of agent '{agent.Id}': {skip}. It is removed here only.");
            }
            else
            {
                WriteVerbose($"Not revoking '{profile.Id}' of agent '{agent.Id}': {skip}.");
            }
        }
        if (service.RemoveProfile(agent, profile.Id, Cancellation) is { } done)
        {
            result.Removed = true;
            RemoveMoltbotAuthProfileCommand.ReportRemoval(this, done);
        }
        if (PassThru)
        {
            WriteObject(result);
        }
    }

    /// <summary>The profiles this record names: by -ProfileId (short ids resolved), -Provider, in -Agent or every agent.</summary>
    private List<(AgentLocation Agent, AuthProfileStore Store, StoredProfile Profile)> Targets()
    {
        var agents = Agent is null ? State.ListAgents().Where(a => a.StoreExists).ToList() : new List<AgentLocation> { State.RequireAgent(Agent) };
        var stores = agents.Select(a => (Agent: a, Store: a.LoadStore())).Where(x => x.Store is not null).Select(x => (x.Agent, Store: x.Store!)).ToList();
        var profileId = ProfileId is null ? null : CredentialService.ResolveShortId(ProfileId, stores.Select(s => s.Store));
        var provider = Provider is null ? null : ProviderId.Normalize(Provider);
        var definition = provider is null ? null : ProviderRegistry.Find(provider);
        bool Matches(StoredProfile p) =>
            (profileId is null || p.Id == profileId)
            && (provider is null || p.Provider == provider
                || (definition is not null && p.Type == CredentialType.OAuth && definition.StoredProviderIds.Contains(p.Provider ?? string.Empty)));
        return stores
            .SelectMany(s => s.Store.Profiles
                .Where(p => s.Store.SourceOf(p.Id) is not { Inherited: true } && Matches(p))
                .Select(p => (s.Agent, s.Store, p)))
            .ToList();
    }
}
