using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Lists OpenClaw agents, from openclaw.json and from the agents folder.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotAgent")]
[OutputType(typeof(MoltbotAgent))]
public sealed class GetMoltbotAgentCommand : MoltbotCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "Agent")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessItem()
    {
        var patterns = WildcardPatterns(nameof(Name), Name);
        var agents = State.ListAgents();
        foreach (var agent in agents)
        {
            if (patterns is not null && !patterns.Any(p => p.IsMatch(agent.Id)))
            {
                continue;
            }
            var count = 0;
            try
            {
                count = agent.LoadStore()?.Count ?? 0;
            }
            catch (MoltbotException ex)
            {
                // One unreadable store must not hide the others.
                WriteMoltbotError(ex, agent.Store.Location);
            }
            catch (System.Exception ex) when (ex is System.IO.IOException or System.UnauthorizedAccessException)
            {
                WriteMoltbotError(StoreUnreadable(agent, ex), agent.Store.Location);
            }
            WriteObject(AgentMapper.ToOutput(agent, count));
        }
        if (Name is not null)
        {
            foreach (var literal in Name.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
            {
                var id = Core.State.AgentId.Normalize(literal);
                if (!agents.Any(a => a.Id == id))
                {
                    WriteMoltbotError(State.AgentNotFound(literal), literal);
                }
            }
        }
    }
}
