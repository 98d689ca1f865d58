using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Shows the explicit profile orders: every agent's own and the global auth.order, or those of the agents named.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotAuthOrder")]
[OutputType(typeof(MoltbotAuthOrder))]
public sealed class GetMoltbotAuthOrderCommand : MoltbotCmdlet
{
    /// <summary>Provider ids (wildcards).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Provider { get; set; }

    /// <summary>Agent ids (wildcards): only their own orders. Without it (and without -Global), every agent's and the global order.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Agent { get; set; }

    /// <summary>Show <c>auth.order</c> from openclaw.json (alone, or with the agents of -Agent).</summary>
    [Parameter]
    public SwitchParameter Global { get; set; }

    protected override void ProcessItem()
    {
        var pattern = Provider is null ? null : Wildcard(nameof(Provider), Provider);
        // -Global alone: the global order only; -Agent: those agents (and the global order with -Global); neither: all.
        var agents = Global && Agent is null ? new() : SelectAgents(nameof(Agent), Agent);
        foreach (var (agent, store) in LoadStores(agents))
        {
            if (store is null)
            {
                continue;
            }
            foreach (var (provider, ids) in store.Orders.OrderBy(kv => kv.Key, System.StringComparer.Ordinal))
            {
                if (pattern is null || pattern.IsMatch(provider))
                {
                    WriteObject(new MoltbotAuthOrder { Agent = agent.Id, Scope = MoltbotAuthOrder.AgentScope, Provider = provider, ProfileId = ids.ToArray(), Path = agent.Store.Location });
                }
            }
        }
        if (Global || Agent is null)
        {
            foreach (var (provider, ids) in State.Config.AuthOrders.OrderBy(kv => kv.Key, System.StringComparer.Ordinal))
            {
                if (pattern is null || pattern.IsMatch(provider))
                {
                    WriteObject(new MoltbotAuthOrder { Scope = MoltbotAuthOrder.GlobalScope, Provider = provider, ProfileId = ids.ToArray(), Path = State.Paths.ConfigPath });
                }
            }
        }
    }
}
