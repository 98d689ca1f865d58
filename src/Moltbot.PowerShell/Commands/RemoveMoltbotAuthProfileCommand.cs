using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Removes a credential profile from an agent's store, with every reference to it.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MoltbotAuthProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class RemoveMoltbotAuthProfileCommand : MoltbotBatchWriteCmdlet
{
    internal override string GatewayOperation => "logout";

    internal override bool Forced => Force;

    /// <summary>The profile id; a short id (<c>team</c>) means the one <c>&lt;provider&gt;:team</c> that is stored.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string ProfileId { get; set; } = null!;

    /// <summary>The agent whose store holds the profile. Default: the one agent that holds it.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Remove without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit the profile as it was before removal.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>One queued removal: the id, the profile as it was (for -PassThru), and, once written, what went.</summary>
    public sealed record Removal(string ProfileId, MoltbotAuthProfile? Before, ProfileRemoval? Done = null);

    protected override void ProcessItem()
    {
        AgentLocation? agent;
        string profileId;
        if (Agent is not null)
        {
            // A named agent: its store read once for the pipe (until its next batch is written), not once per item.
            agent = BatchAgent(Agent);
            var store = Snapshot(agent);
            profileId = CredentialService.ResolveShortId(ProfileId, store is null ? System.Array.Empty<AuthProfileStore>() : new[] { store });
            var queued = profileId;
            if (store?.Get(profileId) is null || Pending.IsQueued(agent, r => r.ProfileId == queued))
            {
                agent = null;
            }
        }
        else
        {
            (agent, profileId) = FindProfile(State, Agent, ProfileId);
            if (agent is not null)
            {
                agent = BatchAgent(agent.Id);
                var queued = profileId;
                if (Pending.IsQueued(agent, r => r.ProfileId == queued))
                {
                    agent = null;
                }
            }
        }
        if (agent is null)
        {
            WriteMoltbotError(NotFound(profileId), profileId); // non-terminating, as it always was
            return;
        }
        var shows = ShouldProcessWillShow(Force);
        var before = shows || PassThru ? Before(agent, profileId) : null;
        var action = $"Remove the {(shows ? before?.Type + " " : string.Empty)}profile '{profileId}'".Replace("  ", " ", System.StringComparison.Ordinal);
        if (shows)
        {
            // The plan (every reference, in every store and the config) is read only to show or ask.
            var plan = new CredentialService(State).PlanRemoval(agent, profileId)!;
            if (!ConfirmRemoval(this, plan, Force, action))
            {
                return;
            }
        }
        else if (!ShouldProcessUnlessForced(Force, $"agent '{agent.Id}' ({agent.Store.Location})", action))
        {
            return;
        }
        Pending.Enqueue(agent, new Removal(profileId, before));
    }

    private MoltbotException NotFound(string profileId) =>
        new(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound,
            Agent is null ? $"No agent holds a profile '{profileId}'." : $"Agent '{State.RequireAgent(Agent).Id}' has no profile '{profileId}'.", profileId)
        {
            RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
        };

    /// <summary>The profile as it is before its removal, from the agent's snapshot.</summary>
    private MoltbotAuthProfile? Before(AgentLocation agent, string profileId)
    {
        var store = Snapshot(agent);
        var profile = store?.Get(profileId);
        var now = System.DateTimeOffset.UtcNow;
        return profile is null ? null : ProfileMapper.ToOutput(agent, store!, profile, now, ProfileMapper.Ranks(store!, State, now));
    }

    private IReadOnlyList<BatchOutcome<Removal>> WriteBatch(AgentLocation agent, IReadOnlyList<Removal> items)
    {
        var outcomes = new CredentialService(State).RemoveMany(agent, items.Select(i => i.ProfileId).ToList(), Cancellation);
        return items.Select((item, i) => outcomes[i].Value is { } done
            ? new BatchOutcome<Removal>(item with { Done = done }, null)
            : new BatchOutcome<Removal>(item, CredentialService.UnknownProfile(item.ProfileId, $"agent '{agent.Id}'"))).ToList();
    }

    private void Acknowledge(AgentLocation agent, IReadOnlyList<Removal> written)
    {
        foreach (var item in written)
        {
            ReportRemoval(this, item.Done!);
            if (PassThru && item.Before is not null)
            {
                WriteObject(item.Before);
            }
        }
    }

    private PipelineBatches<Removal> Pending => Queue<Removal>(WriteBatch, Acknowledge, ItemTarget);

    private static object ItemTarget(Removal item) => item.ProfileId;

    /// <summary>
    /// The agent and full id a removal means (the rule Remove-MoltbotAuthProfile and Disconnect-MoltbotProvider share):
    /// with <paramref name="agentName"/> that agent, which must exist (<c>MoltbotAgentNotFound</c>); without it the one
    /// agent holding the profile, refusing (<c>MoltbotProfileHeldByAgents</c>) when several do. A short id is resolved
    /// among the ids those agents hold. The agent is null when none holds it.
    /// </summary>
    internal static (AgentLocation? Agent, string ProfileId) FindProfile(MoltbotState state, string? agentName, string input)
    {
        if (agentName is not null)
        {
            var agent = state.RequireAgent(agentName);
            var store = agent.LoadStore();
            var id = CredentialService.ResolveShortId(input, store is null ? System.Array.Empty<AuthProfileStore>() : new[] { store });
            return (store?.Get(id) is null ? null : agent, id);
        }
        var unreadable = new List<MoltbotException>();
        var stores = state.ListAgents().Where(a => a.StoreExists).Select(a => SafeLoad(a, unreadable)).Where(s => s is not null).Select(s => s!).ToList();
        var profileId = CredentialService.ResolveShortId(input, stores);
        var holders = new CredentialService(state).HoldersOf(profileId);
        if (holders.Count == 0 && unreadable.Count > 0)
        {
            throw unreadable[0]; // the profile may be in the store that cannot be read: say that, not "no agent holds it"
        }
        if (holders.Count > 1)
        {
            var names = string.Join(", ", holders.Select(h => h.Id));
            throw new MoltbotException(ErrorIds.ProfileHeldByAgents, MoltbotErrorKind.InvalidArgument,
                $"The profile '{profileId}' is held by agents {names}; name the one to remove it from.", profileId)
            {
                RecommendedAction = $"Add -Agent {holders[0].Id} (or another of {names}), or pipe them all: Get-MoltbotAuthProfile -ProfileId '{profileId}' | Remove-MoltbotAuthProfile.",
            };
        }
        return (holders.Count == 1 ? holders[0] : null, profileId);
    }

    private static AuthProfileStore? SafeLoad(AgentLocation agent, List<MoltbotException> unreadable)
    {
        try
        {
            return agent.LoadStore();
        }
        catch (MoltbotException ex)
        {
            unreadable.Add(ex);
            return null;
        }
    }

    /// <summary>
    /// -WhatIf: one "What if" line per reference that would go (and a verbose line per one that stays). Otherwise one
    /// confirmation naming them all, which -Force skips.
    /// </summary>
    internal static bool ConfirmRemoval(MoltbotCmdlet cmdlet, ProfileRemoval plan, bool force, string action)
    {
        if (cmdlet.WhatIfRequested)
        {
            foreach (var reference in plan.Removed)
            {
                cmdlet.ShouldProcess($"{reference.Where} ({reference.File})", $"Remove '{plan.ProfileId}'");
            }
            foreach (var reference in plan.Kept)
            {
                cmdlet.WriteVerbose($"Would keep '{plan.ProfileId}' in {reference.Where}: {reference.Reason}.");
            }
            return false;
        }
        var places = string.Join(", ", plan.Removed.Select(r => r.Where));
        return cmdlet.ShouldProcessUnlessForced(force, $"agent '{plan.Agent}' ({places})", action);
    }

    /// <summary>Says what went (verbose) and what stayed and why (information stream, tag <c>Moltbot.ReferenceKept</c>).</summary>
    internal static void ReportRemoval(MoltbotCmdlet cmdlet, ProfileRemoval done)
    {
        foreach (var reference in done.Removed)
        {
            cmdlet.WriteVerbose($"Removed '{done.ProfileId}' from {reference.Where} ({reference.File}).");
        }
        foreach (var reference in done.Kept)
        {
            cmdlet.WriteInformation($"Kept '{done.ProfileId}' in {reference.Where}: {reference.Reason}.", new[] { "Moltbot.ReferenceKept" });
        }
    }
}
