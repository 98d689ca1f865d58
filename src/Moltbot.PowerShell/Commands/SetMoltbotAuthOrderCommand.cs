using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Sets or clears the order in which a provider's profiles are tried.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MoltbotAuthOrder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SetSet)]
[OutputType(typeof(MoltbotAuthOrder))]
public sealed class SetMoltbotAuthOrderCommand : MoltbotBatchWriteCmdlet
{
    private const string SetSet = "Set";
    private const string ClearSet = "Clear";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string Provider { get; set; } = null!;

    /// <summary>The profile ids, first preferred.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = SetSet)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] ProfileId { get; set; } = null!;

    /// <summary>Remove the order, so that the default ordering applies again.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ClearSet)]
    public SwitchParameter Clear { get; set; }

    /// <summary>The agent whose own order to set. Default: the configured default agent. Not with -Global.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Set <c>auth.order</c> in openclaw.json, which applies to every agent without an order of its own.</summary>
    [Parameter]
    public SwitchParameter Global { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        if (Global && MyInvocation.BoundParameters.ContainsKey(nameof(Agent)))
        {
            ThrowTerminatingError(Errors.MoltbotErrors.Create("MoltbotAgentWithGlobal", ErrorCategory.InvalidArgument,
                "-Agent and -Global cannot be used together: -Global sets auth.order in openclaw.json for all agents.", Agent));
        }
        var provider = ProviderId.Normalize(Provider);
        var ids = Clear ? System.Array.Empty<string>() : ProfileId.Select(p => p.Trim()).ToArray();
        var service = new CredentialService(State);
        var what = Clear ? $"Clear the {provider} order" : $"Set the {provider} order to {string.Join(", ", ids)}";

        if (Global)
        {
            if (!ShouldProcess($"auth.order in {State.Paths.ConfigPath}", what))
            {
                return;
            }
            var stored = service.SetGlobalOrder(provider, ids, Cancellation);
            if (PassThru)
            {
                WriteObject(new MoltbotAuthOrder { Scope = "Global", Provider = provider, ProfileId = stored.ToArray(), Path = State.Paths.ConfigPath });
            }
            return;
        }

        var agent = BatchAgent(Agent);
        if (!ShouldProcess($"agent '{agent.Id}' ({agent.Store.Location})", what))
        {
            return;
        }
        // Several orders piped for one agent are one locked update of its store.
        Pending.Enqueue(agent, new OrderRequest(provider, ids));
    }

    private IReadOnlyList<BatchOutcome<OrderRequest>> WriteBatch(AgentLocation agent, IReadOnlyList<OrderRequest> items) =>
        new CredentialService(State).SetAgentOrders(agent, items, Cancellation);

    private void Acknowledge(AgentLocation agent, IReadOnlyList<OrderRequest> written)
    {
        if (PassThru)
        {
            foreach (var item in written)
            {
                WriteObject(new MoltbotAuthOrder { Agent = agent.Id, Scope = "Agent", Provider = item.Provider, ProfileId = item.ProfileIds.ToArray(), Path = agent.Store.Location });
            }
        }
    }

    private PipelineBatches<OrderRequest> Pending => Queue<OrderRequest>(WriteBatch, Acknowledge, ItemTarget);

    private static object ItemTarget(OrderRequest item) => item.Provider;
}
