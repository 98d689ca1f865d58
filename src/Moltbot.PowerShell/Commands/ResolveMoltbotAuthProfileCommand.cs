using System;
using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Shows which profiles the runtime would try for a provider, first the one it would use.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Resolve, "MoltbotAuthProfile")]
[OutputType(typeof(MoltbotProfileCandidate))]
public sealed class ResolveMoltbotAuthProfileCommand : MoltbotCmdlet
{
    /// <summary>The provider. May be left out when -Model names it (provider/model).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Provider { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>A model reference, optionally with the session override <c>model@profileId</c>.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    protected override void ProcessItem()
    {
        var agent = ResolveAgent(Agent);
        var (provider, modelRef, candidates) = ResolveCandidates(agent, Provider, Model);
        if (candidates.Count == 0)
        {
            WriteVerbose($"Agent '{agent.Id}' has no profile for provider '{provider}'.");
        }
        foreach (var c in candidates)
        {
            WriteObject(new MoltbotProfileCandidate
            {
                Agent = agent.Id,
                Provider = provider,
                ProfileId = c.ProfileId,
                Rank = c.Rank,
                Usable = c.Usable,
                Reason = c.Reason,
                Pinned = c.Pinned && c.Usable,
                CooldownUntil = c.CooldownUntil?.ToLocalTime(),
                Model = modelRef?.Model,
                PinnedProfileId = modelRef?.ProfileId,
            });
        }
    }
}
