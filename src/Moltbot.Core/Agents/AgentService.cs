using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.Config;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Moltbot.Core.Profiles;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.Agents;

/// <summary>What <see cref="AgentService.Create"/> is asked to make.</summary>
public sealed record NewAgentRequest(string Name, string? Workspace = null, string? AgentDir = null, string? Model = null, bool Force = false);

/// <summary>
/// What removing an agent takes away and keeps: the removal of each of its profiles (with the references elsewhere that
/// only it held), its <c>agents.list</c> entry, its credential files or agent dir, and the folders it keeps (workspace,
/// sessions) with the reason.
/// </summary>
public sealed record AgentRemoval(
    AgentLocation Agent,
    IReadOnlyList<ProfileRemoval> Profiles,
    bool RemovesConfigEntry,
    IReadOnlyList<string> Files,
    string? Folder,
    IReadOnlyList<(string Path, string Reason)> Kept)
{
    /// <summary>
    /// In a SQLite-era state dir: the openclaw CLI whose <c>agents delete</c> removes the agent (its config entry, its
    /// databases and their registration), moving <see cref="Trashes"/> to the trash. Null: the module removes it.
    /// </summary>
    public OpenClaw.OpenClawCli? Cli { get; init; }

    /// <summary>The folders the CLI moves to the trash when they exist (workspace unless another agent uses it, agent dir, sessions).</summary>
    public IReadOnlyList<string> Trashes { get; init; } = Array.Empty<string>();

    /// <summary>What the CLI reported, after <see cref="AgentService.Remove"/>.</summary>
    public OpenClaw.OpenClawAgentDeletion? Deletion { get; init; }
}

/// <summary>Creates agents the way <c>openclaw agents add --non-interactive</c> does, and removes them.</summary>
public sealed class AgentService
{
    private readonly MoltbotState _state;
    private readonly FileLockOptions? _lockOptions;

    public AgentService(MoltbotState state, FileLockOptions? lockOptions = null)
    {
        _state = state;
        _lockOptions = lockOptions;
    }

    /// <summary>
    /// What the user is told when <paramref name="name"/> becomes another id (<c>Ops Team</c> is <c>ops-team</c>), or null
    /// when the id is the name as typed (a letter case aside: <c>Work</c> is the agent <c>work</c> and needs no note).
    /// </summary>
    public static string? NormalizationNote(string name, string id) =>
        string.Equals(name.Trim(), id, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"The agent name '{name}' is stored as the id '{id}' (OpenClaw keeps a-z, 0-9, '_' and '-', and turns every other run into '-'). Use '{id}' with -Agent; the name stays in agents.list.";

    /// <summary>The id a name becomes, refusing the reserved default id.</summary>
    public static string ValidateNewId(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new MoltbotException(ErrorIds.InvalidAgentId, MoltbotErrorKind.InvalidArgument, "An agent name is required.", name);
        }
        var id = AgentId.Normalize(name);
        if (AgentId.IsDefault(id))
        {
            // Say what really happened: '###' is not reserved, it keeps no character an id may hold and so becomes 'main'.
            var typedMain = string.Equals(name.Trim(), AgentId.Default, StringComparison.OrdinalIgnoreCase);
            var message = typedMain
                ? (name.Trim() == AgentId.Default ? $"'{AgentId.Default}'" : $"'{name.Trim()}' (the id '{AgentId.Default}')") + " is OpenClaw's default agent: it always exists and is not created."
                : $"The name '{name}' becomes the agent id '{AgentId.Default}' (an id keeps only a-z, 0-9, '_' and '-', and a name with none of them falls back to '{AgentId.Default}'), which is OpenClaw's default agent: it always exists and is not created.";
            throw new MoltbotException(ErrorIds.AgentReserved, MoltbotErrorKind.InvalidArgument, message, name)
            {
                RecommendedAction = typedMain
                    ? "Use the default agent without -Agent, or choose another name for a new agent."
                    : "Choose a name with at least one letter or digit, such as 'ops'.",
            };
        }
        return id;
    }

    /// <summary>The workspace a new agent gets when none is given: <c>&lt;state&gt;/workspace-&lt;id&gt;</c>.</summary>
    public string DefaultWorkspace(string id) => Path.Combine(_state.Paths.StateDir, "workspace-" + id);

    /// <summary>Whether an agent of that id exists already (in agents.list or as a folder).</summary>
    public bool Exists(string id) =>
        _state.Config.FindAgent(id) is not null || Directory.Exists(_state.Paths.DefaultAgentDir(id));

    /// <summary>Refuses an id that exists already unless <paramref name="force"/> is set.</summary>
    public void EnsureCanCreate(string id, bool force)
    {
        if (!force && Exists(id))
        {
            throw new MoltbotException(ErrorIds.AgentExists, MoltbotErrorKind.ResourceExists, $"The agent '{id}' exists already.", id)
            {
                RecommendedAction = "Use -Force to update its entry, or choose another name.",
            };
        }
    }

    /// <summary>
    /// Adds the agent to <c>agents.list</c> (putting the default agent's entry first when the list was empty, so that it
    /// stays the default) and creates its agent dir (0700), sessions folder and workspace.
    /// </summary>
    public AgentLocation Create(NewAgentRequest request, CancellationToken cancellationToken = default)
    {
        var id = ValidateNewId(request.Name);
        var home = _state.Paths.Home;
        var workspace = Path.GetFullPath(StatePaths.ExpandTilde(request.Workspace ?? DefaultWorkspace(id), home));
        var agentDir = Path.GetFullPath(StatePaths.ExpandTilde(request.AgentDir ?? _state.Paths.DefaultAgentDir(id), home));

        OpenClawConfig.Update(_state.Paths.ConfigPath, config =>
        {
            var existing = config.FindAgent(id);
            if (!request.Force && (existing is not null || Directory.Exists(_state.Paths.DefaultAgentDir(id))))
            {
                // Checked again inside the config lock: a concurrent creator may have won.
                throw new MoltbotException(ErrorIds.AgentExists, MoltbotErrorKind.ResourceExists, $"The agent '{id}' exists already.", id)
                {
                    RecommendedAction = "Use -Force to update its entry, or choose another name.",
                };
            }
            var entry = new JsonObject
            {
                ["id"] = id,
                ["name"] = request.Name.Trim(),
                ["workspace"] = workspace,
                ["agentDir"] = agentDir,
            };
            if (!string.IsNullOrWhiteSpace(request.Model))
            {
                entry["model"] = request.Model.Trim();
            }
            if (existing is not null)
            {
                config.ReplaceAgent(id, entry);
                return true;
            }
            if (config.Agents.Count == 0)
            {
                var defaultId = AgentId.Default;
                config.AddAgent(new JsonObject
                {
                    ["id"] = defaultId,
                });
            }
            config.AddAgent(entry);
            return true;
        }, changed => changed, _lockOptions, cancellationToken);
        _state.Refresh();

        SecureFile.EnsureDirectory(agentDir);
        SecureFile.EnsureDirectory(Path.Combine(_state.Paths.AgentsDir, id, "sessions"));
        SecureFile.EnsureDirectory(workspace);
        return _state.GetAgent(id);
    }

    /// <summary>The files of an agent dir that hold its credentials (the store, era B's state file, the runtime cache).</summary>
    private static readonly string[] CredentialFiles = { AuthStoreFile.FileName, "auth-state.json", "auth.json" };

    /// <summary>
    /// What <see cref="Remove"/> would do, read without writing. The agent must exist (<c>MoltbotAgentNotFound</c>)
    /// and must not be the default agent or <c>main</c> (<c>MoltbotAgentIsDefault</c>: OpenClaw always has it). In a
    /// SQLite-era state dir the removal is the installed CLI's <c>openclaw agents delete</c>
    /// (<see cref="OpenClaw.OpenClawAgents"/>); without a CLI that knows the era, <c>MoltbotAgentRemovalUnsupported</c>.
    /// </summary>
    public AgentRemoval PlanRemove(string name)
    {
        var agent = _state.RequireAgent(name);
        if (agent.IsDefault || AgentId.IsDefault(agent.Id))
        {
            throw new MoltbotException(ErrorIds.AgentIsDefault, MoltbotErrorKind.InvalidArgument,
                $"The agent '{agent.Id}' is {(agent.IsDefault ? "the default agent" : "OpenClaw's main agent")} and cannot be removed.", agent.Id)
            {
                RecommendedAction = "Remove its profiles with Remove-MoltbotAuthProfile instead, or make another agent the default (agents.list 'default: true') first.",
            };
        }
        var layout = _state.Layout;
        var credentials = new CredentialService(_state, _lockOptions);
        var store = agent.LoadStore();
        // An inherited copy (SQLite era) is the shared store's entry, not this agent's to remove.
        var profiles = agent.StoreExists && store is not null
            ? store.Profiles.Where(p => CredentialService.HoldsOwn(store, p.Id))
                .Select(p => credentials.PlanRemoval(agent, p.Id)).Where(p => p is not null).Select(p => p!).ToList()
            : new List<ProfileRemoval>();
        if (layout.IsSqlite || layout.PendingSqlite)
        {
            return PlanCliRemove(agent, layout, profiles);
        }
        var ownFolder = string.Equals(Path.GetFullPath(agent.AgentDir), Path.GetFullPath(_state.Paths.DefaultAgentDir(agent.Id)), StringComparison.Ordinal);
        var files = CredentialFiles.Select(f => Path.Combine(agent.AgentDir, f)).Where(File.Exists).ToList();
        var kept = new List<(string, string)>();
        if (!ownFolder && agent.DirectoryExists)
        {
            kept.Add((agent.AgentDir, "a configured agentDir outside the state dir: only its credential files are removed"));
        }
        var sessions = Path.Combine(_state.Paths.AgentsDir, agent.Id, "sessions");
        if (Directory.Exists(sessions))
        {
            kept.Add((sessions, "session transcripts are not credentials; remove them by hand when no longer wanted"));
        }
        if (agent.Workspace is { } workspace && Directory.Exists(StatePaths.ExpandTilde(workspace, _state.Paths.Home)))
        {
            kept.Add((workspace, "the workspace holds the user's files; remove it by hand when no longer wanted"));
        }
        return new AgentRemoval(agent, profiles, agent.InConfig, files, ownFolder && agent.DirectoryExists ? agent.AgentDir : null, kept);
    }

    /// <summary>
    /// Removes an agent as <see cref="PlanRemove"/> describes: each profile through
    /// <see cref="CredentialService.RemoveProfile"/> (its store, the dangling orders elsewhere, the config references
    /// only it held), then its <c>agents.list</c> entry under the config lock, then its credential files under the
    /// store lock, and its agent dir when it is the default <c>agents/&lt;id&gt;/agent</c>. Workspace and sessions stay.
    /// </summary>
    public AgentRemoval Remove(string name, CancellationToken cancellationToken = default)
    {
        var plan = PlanRemove(name);
        var agent = plan.Agent;
        var credentials = new CredentialService(_state, _lockOptions);
        if (plan.Cli is { } cli)
        {
            return RemoveWithCli(plan, cli, credentials, cancellationToken);
        }
        var done = plan.Profiles.Select(p => credentials.RemoveProfile(agent, p.ProfileId, cancellationToken)).Where(p => p is not null).Select(p => p!).ToList();
        if (plan.RemovesConfigEntry)
        {
            OpenClawConfig.Update(_state.Paths.ConfigPath, config => config.RemoveAgent(agent.Id), changed => changed, _lockOptions, cancellationToken);
            _state.Refresh();
        }
        if (agent.DirectoryExists)
        {
            using (FileLock.Acquire(agent.StorePath, _lockOptions, cancellationToken))
            {
                foreach (var file in CredentialFiles.Select(f => Path.Combine(agent.AgentDir, f)))
                {
                    File.Delete(file);
                }
            }
            if (plan.Folder is { } folder)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        return plan with { Profiles = done };
    }

    /// <summary>
    /// The SQLite-era plan: the CLI (<see cref="OpenClaw.OpenClawAgents.RequireCli"/>), the folders it moves to the
    /// trash, and of each own profile the references outside the agent's databases (other agents' orders, the config's
    /// <c>auth.profiles</c>/<c>auth.order</c>), which the CLI leaves and <see cref="Remove"/> cleans afterwards. The
    /// agents.list entry and the databases are the CLI's (so no <see cref="AgentRemoval.Files"/> here).
    /// </summary>
    private AgentRemoval PlanCliRemove(AgentLocation agent, StoreLayout layout, IReadOnlyList<ProfileRemoval> profiles)
    {
        var cli = OpenClaw.OpenClawAgents.RequireCli(_state.LocateCli?.Invoke(), layout, agent.Id);
        var trashes = new List<string>();
        if (agent.Workspace is { } workspace && Directory.Exists(StatePaths.ExpandTilde(workspace, _state.Paths.Home)))
        {
            trashes.Add(StatePaths.ExpandTilde(workspace, _state.Paths.Home));
        }
        if (agent.DirectoryExists)
        {
            trashes.Add(agent.AgentDir);
        }
        var sessions = Path.Combine(_state.Paths.AgentsDir, agent.Id, "sessions");
        if (Directory.Exists(sessions))
        {
            trashes.Add(sessions);
        }
        return new AgentRemoval(agent, profiles, agent.InConfig, Array.Empty<string>(), null, Array.Empty<(string, string)>())
        {
            Cli = cli,
            Trashes = trashes,
        };
    }

    /// <summary>
    /// Runs <c>openclaw agents delete</c>; only when it succeeded, removes what it leaves: the references of the agent's
    /// profiles in other agents' orders and in the config (<see cref="CredentialService.RemoveReferencesElsewhere"/>,
    /// under their locks). A CLI failure leaves everything as the CLI left it.
    /// </summary>
    private AgentRemoval RemoveWithCli(AgentRemoval plan, OpenClaw.OpenClawCli cli, CredentialService credentials, CancellationToken cancellationToken)
    {
        var agent = plan.Agent;
        var deletion = OpenClaw.OpenClawAgents.Delete(cli, agent.Id, SecretsOf(agent), cancellationToken);
        _state.Refresh();
        foreach (var profile in plan.Profiles)
        {
            credentials.RemoveReferencesElsewhere(profile, cancellationToken);
        }
        return plan with { Deletion = deletion };
    }

    /// <summary>The string values of the agent's own profiles (keys, tokens, and whatever else), kept out of any CLI text shown.</summary>
    private static IReadOnlyCollection<string> SecretsOf(AgentLocation agent)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var profile in agent.LoadStore()?.Profiles ?? Enumerable.Empty<StoredProfile>())
            {
                foreach (var (_, value) in profile.Node)
                {
                    if (value is JsonValue v && v.TryGetValue<string>(out var text) && text.Length >= 8)
                    {
                        secrets.Add(text);
                    }
                }
            }
        }
        catch (MoltbotException)
        {
            // unreadable: the CLI will say so itself
        }
        return secrets;
    }
}
