using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Probe;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Tests whether stored credentials are usable right now: offline checks, and with -Online a probe at the provider.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MoltbotAuthProfile", DefaultParameterSetName = ObjectsSet)]
[OutputType(typeof(MoltbotAuthProfileTest), ParameterSetName = new[] { ObjectsSet })]
[OutputType(typeof(bool), ParameterSetName = new[] { QuietSet })]
[OutputType(typeof(int), ParameterSetName = new[] { CheckSet })]
public sealed class TestMoltbotAuthProfileCommand : MoltbotCmdlet
{
    private const string ObjectsSet = "Objects";
    private const string QuietSet = "Quiet";
    private const string CheckSet = "Check";

    /// <summary>Profile ids (wildcards). Without it, every profile of the agents selected.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? ProfileId { get; set; }

    /// <summary>Agent ids (wildcards). Without it, every agent. Takes agent names and Get-MoltbotAgent objects from the pipeline.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
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

    /// <summary>
    /// Also send one authenticated request per credential to its provider's cheapest endpoint (the model list; no tokens
    /// are spent). A 401 or 403 makes it unusable. The URL of each provider moves with MOLTBOT_&lt;PROVIDER&gt;_PROBE_URL.
    /// </summary>
    [Parameter]
    public SwitchParameter Online { get; set; }

    /// <summary>Return one boolean: true when at least one credential was tested and every one is usable.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QuietSet)]
    public SwitchParameter Quiet { get; set; }

    /// <summary>
    /// Return one number, the exit code of <c>openclaw models status --check</c>: 0 all usable, 1 one is expired,
    /// missing or otherwise unusable (or nothing was tested), 2 one expires within 24 hours. For CI:
    /// <c>pwsh -c 'exit (Test-MoltbotAuthProfile -Check)'</c>.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = CheckSet)]
    public SwitchParameter Check { get; set; }

    private readonly List<MoltbotAuthProfileTest> _results = new();
    private bool _failedLookup;
    private CredentialProbe? _probe;

    protected override void ProcessItem()
    {
        var providerPatterns = WildcardPatterns(nameof(Provider), Provider);
        var profilePatterns = WildcardPatterns(nameof(ProfileId), ProfileId);
        var agents = SelectAgents(nameof(Agent), Agent);
        if (Agent is not null && Agent.Where(a => !WildcardPattern.ContainsWildcardCharacters(a))
                .Any(a => !agents.Any(found => found.Id == Core.State.AgentId.Normalize(a))))
        {
            _failedLookup = true; // an agent that does not exist (reported) has no usable credential
        }
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var now = DateTimeOffset.UtcNow;
        var readable = LoadStores(agents);
        if (readable.Count < agents.Count)
        {
            _failedLookup = true; // an unreadable store (reported) is a credential that cannot be used
        }
        foreach (var (agent, store) in readable)
        {
            if (store is null)
            {
                continue;
            }
            foreach (var profile in store.Profiles)
            {
                if (providerPatterns is not null && !providerPatterns.Any(p => p.IsMatch(profile.Provider ?? string.Empty)))
                {
                    continue;
                }
                if (profilePatterns is not null && !profilePatterns.Any(p => p.IsMatch(profile.Id)))
                {
                    continue;
                }
                found.Add(profile.Id);
                var result = Evaluate(agent.Id, store, profile, now);
                if (ParameterSetName == ObjectsSet)
                {
                    WriteObject(result);
                }
                else
                {
                    _results.Add(result);
                }
            }
        }
        if (ReportProfilesNotFound(ProfileId, found, Agent is not null))
        {
            _failedLookup = true;
        }
    }

    protected override void EndProcessing()
    {
        base.EndProcessing();
        if (ParameterSetName == QuietSet)
        {
            WriteObject(!_failedLookup && _results.Count > 0 && _results.All(r => r.Usable));
        }
        else if (ParameterSetName == CheckSet)
        {
            // openclaw models status --check: 1 = expired or missing, 2 = expiring, 0 = OK.
            var code = _failedLookup || _results.Count == 0 || _results.Any(r => !r.Usable) ? 1
                : _results.Any(r => r.Result == MoltbotProfileTestResult.Expiring) ? 2
                : 0;
            WriteObject(code);
        }
    }

    private MoltbotAuthProfileTest Evaluate(string agentId, AuthProfileStore store, StoredProfile profile, DateTimeOffset now)
    {
        var verdict = ProfileCheck.Offline(store, State.Config, profile, now);
        var output = new MoltbotAuthProfileTest
        {
            Agent = agentId,
            ProfileId = profile.Id,
            Provider = profile.Provider ?? string.Empty,
            Type = profile.Type == CredentialType.Unknown ? (profile.RawType ?? "unknown") : profile.Type.ToWireName(),
            Usable = verdict.Usable,
            Result = (MoltbotProfileTestResult)(int)verdict.Result,
            Reason = verdict.Reason,
            Expires = ProfileMapper.ExpiryOf(profile),
        };
        if (Online && verdict.Usable)
        {
            var probe = (_probe ??= new CredentialProbe()).Probe(profile, now, Cancellation);
            WriteVerbose($"Probe of profile '{profile.Id}' of agent '{agentId}': {probe.Reason}");
            output.Probed = probe.Sent;
            output.ProbeStatusCode = probe.StatusCode;
            output.ProbeEndpoint = probe.Endpoint?.GetLeftPart(UriPartial.Path);
            switch (probe.Accepted)
            {
                case true:
                    output.Reason = verdict.Reason + " " + probe.Reason;
                    break;
                case false:
                    output.Usable = false;
                    output.Result = MoltbotProfileTestResult.Rejected;
                    output.Reason = probe.Reason;
                    break;
                case null when probe.Sent:
                    output.Usable = false;
                    output.Result = MoltbotProfileTestResult.Unreachable;
                    output.Reason = probe.Reason;
                    break;
                default:
                    output.Reason = verdict.Reason + " " + probe.Reason;
                    break;
            }
        }
        return output;
    }
}
