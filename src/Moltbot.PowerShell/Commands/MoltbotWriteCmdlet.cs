using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core.Gateway;

namespace Moltbot.Commands;

/// <summary>
/// A cmdlet that changes credentials or order. After it has written an agent's SQLite store (OpenClaw 2026.6.5+), a
/// running gateway is told to reload, since its credential snapshot does not see outside writes
/// (openclaw-sqlite.md 7.1); <c>-NoGatewayRefresh</c> skips that. The JSON eras need nothing: their runtime reads the
/// file on every use.
/// </summary>
public abstract class MoltbotWriteCmdlet : MoltbotCmdlet
{
    /// <summary>Do not ask a running OpenClaw gateway to reload the credentials after the change.</summary>
    [Parameter]
    public SwitchParameter NoGatewayRefresh { get; set; }

    /// <summary>The <c>models.authRefresh</c> operation this cmdlet's writes amount to: <c>update</c>, <c>login</c> or <c>logout</c>.</summary>
    internal virtual string GatewayOperation => "update";

    protected override void EndProcessing()
    {
        base.EndProcessing();
        var written = State.WrittenAgents.OrderBy(a => a, System.StringComparer.Ordinal).ToList();
        if (written.Count == 0)
        {
            return;
        }
        State.ClearWrittenAgents();
        if (NoGatewayRefresh)
        {
            WriteVerbose($"Not asking a running gateway to reload (-NoGatewayRefresh); agents written: {string.Join(", ", written)}.");
            return;
        }
        // One agent: scoped to it. Several: one unscoped reload (each call costs a few seconds of the CLI's start-up).
        var agent = written.Count == 1 ? written[0] : null;
        var outcome = new GatewayNotifier().Refresh(agent, GatewayOperation, State.Config, Cancellation);
        if (outcome.ShouldWarn)
        {
            WriteWarning(outcome.Message + (outcome.ManualRefresh is { } manual ? " " + manual : string.Empty));
        }
        else
        {
            WriteVerbose($"Gateway: {outcome.Status}. {outcome.Message}");
        }
    }
}
