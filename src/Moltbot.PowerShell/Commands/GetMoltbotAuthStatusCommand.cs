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
/// <para type="synopsis">Sums up, per agent and provider, which profile the runtime would use and where none is usable, as 'openclaw models status' does.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotAuthStatus")]
[OutputType(typeof(MoltbotAuthStatus))]
public sealed class GetMoltbotAuthStatusCommand : MoltbotCmdlet
{
    /// <summary>Agent ids (wildcards). Without it, every agent. Takes agent names and Get-MoltbotAgent objects from the pipeline.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Agent { get; set; }

    /// <summary>Provider ids (wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Provider { get; set; }

    /// <summary>Only the providers without a usable profile ("Missing auth").</summary>
    [Parameter]
    public SwitchParameter Missing { get; set; }

    protected override void ProcessItem()
    {
        var providerPatterns = WildcardPatterns(nameof(Provider), Provider);
        var now = DateTimeOffset.UtcNow;
        foreach (var (agent, store) in LoadStores(SelectAgents(nameof(Agent), Agent)))
        {
            foreach (var entry in AuthStatus.Summarize(agent, store, State.Config, now))
            {
                if (providerPatterns is not null && !providerPatterns.Any(p => p.IsMatch(entry.Provider)))
                {
                    continue;
                }
                if (Missing && entry.Used is not null)
                {
                    continue;
                }
                var profile = entry.Profile;
                WriteObject(new MoltbotAuthStatus
                {
                    Agent = entry.Agent,
                    Provider = entry.Provider,
                    ProfileId = entry.Used?.ProfileId,
                    Type = profile is null ? null : profile.Type == CredentialType.Unknown ? profile.RawType : profile.Type.ToWireName(),
                    Status = profile is null ? null : (MoltbotProfileStatus)(int)ProfileStatusRules.Evaluate(profile, now),
                    Expires = profile is null ? null : ProfileMapper.ExpiryOf(profile),
                    Missing = entry.Used is null,
                    Profiles = entry.Candidates.Count,
                    UsableProfiles = entry.Candidates.Count(c => c.Usable),
                    Model = entry.Model,
                    Sources = entry.Sources.ToArray(),
                    Reason = entry.Reason,
                });
            }
        }
    }
}
