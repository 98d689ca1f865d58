using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.OpenClaw;
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
            if (plan.Cli is { } cli)
            {
                ShouldProcess($"agent '{agent.Id}' (openclaw {cli.GetVersion()} at {cli.EntryPath})",
                    $"Run '{OpenClawAgents.DeleteCommand(agent.Id)}' (removes its config entry and databases)");
                if (agent.Workspace is null)
                {
                    // openclaw's newer config shape (agents.entries) is not read here: the CLI knows the path.
                    ShouldProcess($"the workspace of agent '{agent.Id}' (as openclaw's config names it)", "Move to the trash (by openclaw, unless another agent uses it)");
                }
                foreach (var path in plan.Trashes)
                {
                    ShouldProcess(path, "Move to the trash (by openclaw; a workspace another agent uses stays)");
                }
            }
            else if (plan.RemovesConfigEntry)
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
        var action = plan.Cli is null
            ? $"Remove the agent '{agent.Id}' with its {plan.Profiles.Count} profile(s) and its agents.list entry"
            : $"Remove the agent '{agent.Id}' with its {plan.Profiles.Count} profile(s) through '{OpenClawAgents.DeleteCommand(agent.Id)}', which moves its workspace, agent dir and sessions to the trash";
        if (!ShouldProcessUnlessForced(Force, $"agent '{agent.Id}' ({agent.AgentDir})", action))
        {
            return;
        }
        var before = AgentMapper.ToOutput(agent, plan.Profiles.Count);
        if (plan.Cli is { } run)
        {
            WriteVerbose($"Running '{OpenClawAgents.DeleteCommand(agent.Id)}' with {run} ({run.Source}).");
        }
        AgentRemoval done;
        try
        {
            done = service.Remove(agent.Id, Cancellation);
        }
        catch (MoltbotException ex) when (ex.ErrorId is ErrorIds.OpenClawAgentDeleteFailed or ErrorIds.OpenClawCliTimeout or ErrorIds.OpenClawCliStartFailed)
        {
            WriteMoltbotError(ex, Name); // one agent of a pipeline; the others go on
            return;
        }
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
        if (done.Deletion is { } deletion)
        {
            foreach (var path in deletion.Trashed)
            {
                WriteInformation($"Moved to the trash by openclaw: {path}.", new[] { "Moltbot.AgentFolderTrashed" });
            }
            foreach (var (path, reason) in deletion.Retained)
            {
                WriteInformation($"Kept {path}: {reason}.", new[] { "Moltbot.AgentFolderKept" });
            }
            foreach (var (path, reason) in deletion.Failed)
            {
                WriteWarning($"openclaw could not move {path} to the trash ({reason}); remove it by hand.");
            }
            if (deletion.SessionPurgeFailed)
            {
                WriteWarning($"openclaw could not purge the session store entries of '{agent.Id}' and kept its files; run '{OpenClawAgents.DeleteCommand(agent.Id)}' again once the storage error is resolved.");
            }
            foreach (var note in deletion.Notes)
            {
                WriteVerbose($"openclaw: {note}");
            }
        }
        WriteVerbose($"Removed the agent '{agent.Id}'.");
        if (PassThru)
        {
            WriteObject(before);
        }
    }
}
