using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Moltbot.Core.Config;
using Moltbot.Core.State;
using Moltbot.Core.Store;
using Moltbot.Core.Store.Sqlite;

namespace Moltbot.Core.Agents;

/// <summary>
/// The state dir as one object: its paths, its config, and the agents it holds. Cheap to create; create one per
/// command so that a change of <c>OPENCLAW_STATE_DIR</c> in the session is honoured.
/// </summary>
public sealed class MoltbotState
{
    private OpenClawConfig? _config;
    private StoreLayout? _layout;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    public MoltbotState(StatePaths paths)
    {
        Paths = paths ?? throw new ArgumentNullException(nameof(paths));
    }

    /// <summary>
    /// The state dir of <paramref name="environment"/> (the process's by default), with the installed openclaw CLI
    /// (PATH or <c>MOLTBOT_OPENCLAW_CLI</c>) creating missing SQLite databases and deciding the era of an empty state dir.
    /// </summary>
    public static MoltbotState Resolve(MoltbotEnvironment? environment = null)
    {
        var env = environment ?? MoltbotEnvironment.Process;
        var state = new MoltbotState(StatePaths.Resolve(env));
        OpenClaw.OpenClawStores.Attach(state, env);
        return state;
    }

    public StatePaths Paths { get; }

    /// <summary>The config, read once per state object (a missing file gives an empty config).</summary>
    public OpenClawConfig Config => _config ??= OpenClawConfig.Load(Paths.ConfigPath);

    /// <summary>Forgets the cached config so the next access reads the file again.</summary>
    public void Refresh() => _config = null;

    /// <summary>
    /// Takes <paramref name="latest"/> (the config as a locked update has just left it: read inside the lock, then
    /// written or not) as the cached config instead of reading the file again; null forgets the cache.
    /// </summary>
    internal void Refresh(OpenClawConfig? latest) => _config = latest;

    /// <summary>The config read so far, or null when none has been read since the last <see cref="Refresh()"/>.</summary>
    internal OpenClawConfig? CachedConfig => _config;

    /// <summary>
    /// Which storage era this state dir is in, from its files (openclaw-sqlite.md 3), detected once per state object.
    /// Throws a typed error for a layout OpenClaw itself would refuse or a schema newer than this module knows.
    /// </summary>
    public StoreLayout Layout => _layout ??= DetectLayout();

    /// <summary>How a SQLite-era store creates a missing agent DB and reports its writes (set by the host).</summary>
    public SqliteStoreHooks? SqliteHooks { get; set; }

    /// <summary>The installed openclaw CLI (found once, lazily; null when none is found), set by the host; null: no CLI is used.</summary>
    public Func<OpenClaw.OpenClawCli?>? LocateCli { get; set; }

    /// <summary>What this state dir's layout detection wants the user to know (shown on the verbose stream).</summary>
    public List<string> LayoutNotes { get; } = new();

    /// <summary>Agents whose SQLite store was written through this state object (a running gateway is told to reload them).</summary>
    public IReadOnlyCollection<string> WrittenAgents
    {
        get
        {
            lock (_written)
            {
                return _written.ToList();
            }
        }
    }

    /// <summary>Forgets <see cref="WrittenAgents"/> once the caller has dealt with them.</summary>
    public void ClearWrittenAgents()
    {
        lock (_written)
        {
            _written.Clear();
        }
    }

    /// <summary>
    /// Decides the era of a state dir that holds no store yet: the era of the openclaw that will run next (from
    /// the installed CLI), else JSON. Null: JSON.
    /// </summary>
    public Func<StoreLayout, StoreLayout?>? NewStateLayout { get; set; }

    /// <summary>The layout with every agent DB opened and checked (Get-MoltbotState); the stores use <see cref="Layout"/>.</summary>
    public StoreLayout DetectFullLayout() => DetectLayout(probeEveryAgentDb: true);

    private StoreLayout DetectLayout(bool probeEveryAgentDb = false)
    {
        var mainDir = AgentDirOf(AgentId.Default);
        var others = new List<string>();
        if (Directory.Exists(Paths.AgentsDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(Paths.AgentsDir))
            {
                var agentDir = Path.Combine(dir, "agent");
                if (!string.Equals(Path.GetFullPath(agentDir), Path.GetFullPath(mainDir), StringComparison.Ordinal))
                {
                    others.Add(agentDir);
                }
            }
        }
        foreach (var entry in Config.Agents)
        {
            var dir = AgentDirOf(entry.Id, entry);
            if (!others.Contains(dir, StringComparer.Ordinal) && !string.Equals(dir, mainDir, StringComparison.Ordinal))
            {
                others.Add(dir);
            }
        }
        var layout = StoreLayout.Detect(Paths, mainDir, others, probeEveryAgentDb);
        if (layout.Era == StoreEra.None && NewStateLayout is { } decide && decide(layout) is { } chosen)
        {
            layout = chosen;
        }
        LayoutNotes.AddRange(layout.Notes);
        return layout;
    }

    /// <summary>The credential store of an agent, in this state dir's era.</summary>
    public ICredentialStore StoreOf(string agentId, string agentDir, LegacySources? legacy)
    {
        var layout = Layout;
        var hooks = SqliteHooks ?? new SqliteStoreHooks();
        if (layout.PendingSqlite)
        {
            return new PendingSqliteStore(agentId, agentDir, Paths.StateDir, hooks, () =>
            {
                _layout = null; // the CLI has just created the state: look again
                return StoreOf(agentId, agentDir, legacy);
            });
        }
        if (!layout.IsSqlite)
        {
            return new JsonCredentialStore(agentId, agentDir, Paths.StateDir, legacy);
        }
        var recording = new SqliteStoreHooks
        {
            EnsureAgentDatabase = hooks.EnsureAgentDatabase,
            OAuthLockOptions = hooks.OAuthLockOptions,
            Written = id =>
            {
                lock (_written)
                {
                    _written.Add(id);
                }
                hooks.Written?.Invoke(id);
            },
        };
        return new SqliteCredentialStore(agentId, agentDir, Paths.StateDir, layout, legacy, recording);
    }

    public string DefaultAgentId => Config.DefaultAgentId;

    /// <summary>The agent dir: the config's <c>agentDir</c> (with ~ expanded) when it names one, else the default layout.</summary>
    public string AgentDirOf(string agentId) => AgentDirOf(agentId, Config.FindAgent(agentId));

    /// <summary>The agent a command works on: the given id normalised, or the configured default agent.</summary>
    public AgentLocation GetAgent(string? agentId)
    {
        var entries = Config.Agents;
        var defaultId = DefaultAgentId;
        var id = string.IsNullOrWhiteSpace(agentId) ? defaultId : AgentId.Normalize(agentId);
        return Locate(id, entries.FirstOrDefault(a => a.Id == id), defaultId);
    }

    /// <summary>
    /// The agent a name means, if it exists: the name normalised as OpenClaw does (<c>Ops Team</c> is <c>ops-team</c>),
    /// among <see cref="ListAgents"/>. Null when no such agent exists.
    /// </summary>
    public AgentLocation? FindAgent(string agentId)
    {
        var id = AgentId.Normalize(agentId);
        return ListAgents().FirstOrDefault(a => a.Id == id);
    }

    /// <summary>
    /// The agent named by <paramref name="agentId"/> (the default agent when null or blank), which must exist; the one
    /// rule readers and writers share, so that a typo never creates an agent. Throws <c>MoltbotAgentNotFound</c>
    /// naming the closest existing agents.
    /// </summary>
    public AgentLocation RequireAgent(string? agentId)
    {
        if (string.IsNullOrWhiteSpace(agentId))
        {
            return GetAgent(null);
        }
        return FindAgent(agentId) ?? throw AgentNotFound(agentId);
    }

    /// <summary>The typed error for an agent that does not exist, with the closest existing names.</summary>
    public MoltbotException AgentNotFound(string agentId)
    {
        var id = AgentId.Normalize(agentId);
        var shown = id == agentId.Trim() ? $"'{id}'" : $"'{agentId.Trim()}' (id '{id}')";
        var hint = Text.ClosestNames.Hint(id, ListAgents().Select(a => a.Id));
        return new MoltbotException(ErrorIds.AgentNotFound, MoltbotErrorKind.ObjectNotFound,
            $"There is no agent {shown} in {Paths.StateDir}.{hint}", agentId)
        {
            // Naming an agent never creates it (issue 15, point 2): a typo in -Agent on a writer is this error, not a new agent.
            RecommendedAction = $"List the agents with Get-MoltbotAgent. No command creates an agent by naming it: to create this one, run 'New-MoltbotAgent {id}' (as 'openclaw agents add {id}' does), then repeat the command.",
        };
    }

    /// <summary>
    /// Every agent: those in <c>agents.list</c>, then those with a folder <c>agents/&lt;id&gt;/agent</c> on disk, and
    /// <c>main</c> when it is the default (it always exists for OpenClaw). Sorted by id, the default first.
    /// </summary>
    public IReadOnlyList<AgentLocation> ListAgents()
    {
        // agents.list is read once here: looking each id up again (as GetAgent does) made the listing quadratic in
        // the number of agents. The first entry of an id wins, as in FindAgent.
        var entries = Config.Agents;
        var byId = new Dictionary<string, AgentEntry>(StringComparer.Ordinal);
        var ids = new List<string>();
        foreach (var entry in entries)
        {
            if (byId.TryAdd(entry.Id, entry))
            {
                ids.Add(entry.Id);
            }
        }
        var seen = new HashSet<string>(ids, StringComparer.Ordinal);
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
            .Select(id => Locate(id, byId.GetValueOrDefault(id), defaultId))
            .OrderBy(a => a.IsDefault ? 0 : 1)
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .ToList();
    }

    private string AgentDirOf(string agentId, AgentEntry? entry)
    {
        if (entry?.AgentDir is { } configured && configured.Trim().Length > 0)
        {
            return Path.GetFullPath(StatePaths.ExpandTilde(configured.Trim(), Paths.Home));
        }
        return Paths.DefaultAgentDir(agentId);
    }

    private AgentLocation Locate(string id, AgentEntry? entry, string defaultId)
    {
        var agentDir = AgentDirOf(id, entry);
        var legacy = new LegacySources(Path.Combine(Paths.OAuthDir, "oauth.json"), Path.Combine(agentDir, "auth.json"));
        return new AgentLocation(id, agentDir, id == defaultId, entry is not null, entry?.Name, entry?.Workspace, entry?.Model)
        {
            Legacy = legacy,
            Store = StoreOf(id, agentDir, legacy),
        };
    }
}
