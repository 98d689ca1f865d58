using System.Management.Automation;
using Moltbot.Core.Agents;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Creates an isolated OpenClaw agent with its own credential store.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "MoltbotAgent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MoltbotAgent))]
public sealed class NewMoltbotAgentCommand : MoltbotCmdlet
{
    /// <summary>The agent name; its id is the name normalised as OpenClaw does (lowercase, a-z 0-9 _ -).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = null!;

    /// <summary>The agent's workspace folder. Default: &lt;state&gt;/workspace-&lt;id&gt;.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>Where the agent keeps its state and credentials. Default: &lt;state&gt;/agents/&lt;id&gt;/agent.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AgentDir { get; set; }

    /// <summary>The agent's model, for example anthropic/claude-sonnet-4-5.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>Update the entry of an agent that exists already instead of failing.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessItem()
    {
        var id = AgentService.ValidateNewId(Name);
        var service = new AgentService(State);
        var exists = service.Exists(id);
        service.EnsureCanCreate(id, Force); // before ShouldProcess, so -WhatIf reports the conflict too
        var action = exists ? $"Update the agent '{id}'" : $"Create the agent '{id}'";
        if (!ShouldProcess(State.Paths.ConfigPath, action))
        {
            return;
        }
        if (AgentService.NormalizationNote(Name, id) is { } note)
        {
            WriteWarning(note);
        }
        var agent = service.Create(new NewAgentRequest(Name, Workspace, AgentDir, Model, Force), Cancellation);
        WriteVerbose($"Agent '{agent.Id}': agent dir {agent.AgentDir}, workspace {agent.Workspace}.");
        WriteObject(AgentMapper.ToOutput(agent));
    }
}

internal static class AgentMapper
{
    public static MoltbotAgent ToOutput(AgentLocation agent, int profileCount = 0) => new()
    {
        Id = agent.Id,
        Name = agent.Name,
        IsDefault = agent.IsDefault,
        InConfig = agent.InConfig,
        AgentDir = agent.AgentDir,
        Workspace = agent.Workspace,
        Model = agent.Model,
        ProfileCount = profileCount,
        StorePath = agent.Store.Location,
    };
}
