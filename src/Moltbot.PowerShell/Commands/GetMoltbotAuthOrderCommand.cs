using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Shows the explicit profile orders: an agent's own, or the global auth.order.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotAuthOrder")]
[OutputType(typeof(MoltbotAuthOrder))]
public sealed class GetMoltbotAuthOrderCommand : MoltbotCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Provider { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Show <c>auth.order</c> from openclaw.json instead of an agent's order.</summary>
    [Parameter]
    public SwitchParameter Global { get; set; }

    protected override void ProcessItem()
    {
        var pattern = Provider is null ? null : Wildcard(nameof(Provider), Provider);
        if (Global)
        {
            foreach (var (provider, ids) in State.Config.AuthOrders.OrderBy(kv => kv.Key))
            {
                if (pattern is null || pattern.IsMatch(provider))
                {
                    WriteObject(new MoltbotAuthOrder { Scope = "Global", Provider = provider, ProfileId = ids.ToArray(), Path = State.Paths.ConfigPath });
                }
            }
            return;
        }
        var agent = ResolveAgent(Agent);
        var store = agent.LoadStore();
        if (store is null)
        {
            return;
        }
        foreach (var (provider, ids) in store.Orders.OrderBy(kv => kv.Key))
        {
            if (pattern is null || pattern.IsMatch(provider))
            {
                WriteObject(new MoltbotAuthOrder { Agent = agent.Id, Scope = "Agent", Provider = provider, ProfileId = ids.ToArray(), Path = agent.Store.Location });
            }
        }
    }
}
