using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Lists the credential profiles stored for OpenClaw agents.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotAuthProfile")]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class GetMoltbotAuthProfileCommand : MoltbotCmdlet
{
    /// <summary>Agent ids (wildcards). Without it, every agent.</summary>
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

    /// <summary>Profile ids (wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? ProfileId { get; set; }

    /// <summary>
    /// Only the profiles whose refresh token another place holds too (SharedWith not empty): an agent copy, or an
    /// external CLI (Codex CLI, ...) that a refresh signs out.
    /// </summary>
    [Parameter]
    public SwitchParameter Shared { get; set; }

    protected override void ProcessItem()
    {
        // Every pattern is parsed before anything is listed: a bad one stops the command with MoltbotInvalidWildcard.
        var providerPatterns = WildcardPatterns(nameof(Provider), Provider);
        var profilePatterns = WildcardPatterns(nameof(ProfileId), ProfileId);
        var selected = SelectAgents(nameof(Agent), Agent);

        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        // Each store is read once: for the listing, and for the index of who else holds each refresh token (SharedWith),
        // which also reads the other agents and the external CLIs, once per command and only when a refresh token is listed.
        var readable = LoadStores(selected);
        var stores = readable.ToDictionary(r => r.Agent.Id, r => r.Store, StringComparer.Ordinal);
        Core.External.CredentialHolders? holders = null;
        if (readable.Any(r => r.Store?.Profiles.Any(p => p.Type == Core.Store.CredentialType.OAuth && p.HasRefreshToken) == true))
        {
            holders = Core.External.CredentialHolders.Collect(State, new Core.External.ExternalCredentialReader(),
                a => stores.TryGetValue(a.Id, out var loaded) ? loaded : a.LoadStore());
        }

        foreach (var (agent, store) in readable)
        {
            foreach (var profile in ReadProfiles(agent, store, holders))
            {
                if (providerPatterns is not null && !providerPatterns.Any(p => p.IsMatch(profile.Provider)))
                {
                    continue;
                }
                if (profilePatterns is not null && !profilePatterns.Any(p => p.IsMatch(profile.ProfileId)))
                {
                    continue;
                }
                found.Add(profile.ProfileId); // named and found, even if -Shared leaves it out
                if (Shared.IsPresent && profile.SharedWith.Length == 0)
                {
                    continue;
                }
                WriteObject(profile);
            }
        }

        ReportProfilesNotFound(ProfileId, found, Agent is not null);
    }
}
