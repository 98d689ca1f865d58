using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Moltbot.Core.Config;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.Agents;

/// <summary>
/// The state dir as one object: its paths, its config, and the agents it holds. Cheap to create; create one per
/// command so that a change of <c>OPENCLAW_STATE_DIR</c> in the session is honoured.
/// </summary>
public sealed class MoltbotState
{
    private OpenClawConfig? _config;

    public MoltbotState(StatePaths paths)
    {
        Paths = paths ?? throw new ArgumentNullException(nameof(paths));
    }

    public static MoltbotState Resolve(MoltbotEnvironment? environment = null) => new(StatePaths.Resolve(environment));

    public StatePaths Paths { get; }

    /// <summary>The config, read once per state object (a missing file gives an empty config).</summary>
    public OpenClawConfig Config => _config ??= OpenClawConfig.Load(Paths.ConfigPath);

    /// <summary>Forgets the cached config so the next access reads the file again.</summary>
    public void Refresh() => _config = null;

    public string DefaultAgentId => Config.DefaultAgentId;

    /// <summary>The agent dir: the config's <c>agentDir</c> (with ~ expanded) when it names one, else the default layout.</summary>
    public string AgentDirOf(string agentId)
    {
        var entry = Config.FindAgent(agentId);
        if (entry?.AgentDir is { } configured && configured.Trim().Length > 0)
        {
            return Path.GetFullPath(StatePaths.ExpandTilde(configured.Trim(), Paths.Home));
        }
        return Paths.DefaultAgentDir(agentId);
    }

    /// <summary>The agent a command works on: the given id normalised, or the configured default agent.</summary>
    public AgentLocation GetAgent(string? agentId)
    {
        var id = string.IsNullOrWhiteSpace(agentId) ? DefaultAgentId : AgentId.Normalize(agentId);
        var entry = Config.FindAgent(id);
        var agentDir = AgentDirOf(id);
        return new AgentLocation(id, agentDir, id == DefaultAgentId, entry is not null, entry?.Name, entry?.Workspace, entry?.Model)
        {
            Legacy = new LegacySources(Path.Combine(Paths.OAuthDir, "oauth.json"), Path.Combine(agentDir, "auth.json")),
        };
    }

    /// <summary>
    /// Every agent: those in <c>agents.list</c>, then those with a folder <c>agents/&lt;id&gt;/agent</c> on disk, and
    /// <c>main</c> when it is the default (it always exists for OpenClaw). Sorted by id, the default first.
    /// </summary>
    public IReadOnlyList<AgentLocation> ListAgents()
    {
        var ids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in Config.Agents)
        {
            if (seen.Add(entry.Id))
            {
                ids.Add(entry.Id);
            }
        }
        if (Directory.Exists(Paths.AgentsDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(Paths.AgentsDir))
            {
                var name = Path.GetFileName(dir);
                if (Directory.Exists(Path.Combine(dir, "agent")) && AgentId.Normalize(name) == name && seen.Add(name))
                {
                    ids.Add(name);
                }
            }
        }
        var defaultId = DefaultAgentId;
        if (seen.Add(defaultId))
        {
            ids.Add(defaultId);
        }
        return ids
            .Select(GetAgent)
            .OrderBy(a => a.IsDefault ? 0 : 1)
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .ToList();
    }
}
