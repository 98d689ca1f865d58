using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Removes an agent: its credentials, its agents.list entry and the references only it held.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MoltbotAgent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MoltbotAgent))]
public sealed class RemoveMoltbotAgentCommand : MoltbotWriteCmdlet
{
    internal override string GatewayOperation => "logout";

    /// <summary>The agent to remove (its id or name, normalised as OpenClaw does).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "Agent")]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = null!;

    /// <summary>Remove without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit the agent as it was before removal.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        var service = new AgentService(State);
        AgentRemoval plan;
        try
        {
            plan = service.PlanRemove(Name);
        }
        catch (MoltbotException ex) when (ex.ErrorId is ErrorIds.AgentNotFound or ErrorIds.AgentIsDefault or ErrorIds.AgentRemovalUnsupported)
        {
            WriteMoltbotError(ex, Name); // one agent of a pipeline; the others go on
            return;
        }
        var agent = plan.Agent;
        if (WhatIfRequested)
        {
            foreach (var profile in plan.Profiles)
            {
                foreach (var reference in profile.Removed)
                {
                    ShouldProcess($"{reference.Where} ({reference.File})", $"Remove '{profile.ProfileId}'");
                }
            }
            if (plan.RemovesConfigEntry)
            {
                ShouldProcess($"openclaw.json agents.list ({State.Paths.ConfigPath})", $"Remove the entry of agent '{agent.Id}'");
            }
            foreach (var file in plan.Files)
            {
                ShouldProcess(file, "Delete the file");
            }
            if (plan.Folder is { } folder)
            {
                ShouldProcess(folder, "Delete the agent dir");
            }
            foreach (var (path, reason) in plan.Kept)
            {
                WriteVerbose($"Would keep {path}: {reason}.");
            }
            return;
        }
        if (!ShouldProcessUnlessForced(Force, $"agent '{agent.Id}' ({agent.AgentDir})",
                $"Remove the agent '{agent.Id}' with its {plan.Profiles.Count} profile(s) and its agents.list entry"))
        {
            return;
        }
        var before = AgentMapper.ToOutput(agent, plan.Profiles.Count);
        var done = service.Remove(agent.Id, Cancellation);
        foreach (var profile in done.Profiles)
        {
            RemoveMoltbotAuthProfileCommand.ReportRemoval(this, profile);
        }
        foreach (var file in done.Files)
        {
            WriteVerbose($"Deleted {file}.");
        }
        foreach (var (path, reason) in done.Kept)
        {
            WriteInformation($"Kept {path}: {reason}.", new[] { "Moltbot.AgentFolderKept" });
        }
        WriteVerbose($"Removed the agent '{agent.Id}'.");
        if (PassThru)
        {
            WriteObject(before);
        }
    }
}
