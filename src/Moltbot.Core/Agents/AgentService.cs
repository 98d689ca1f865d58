using System;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.Config;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Moltbot.Core.State;

namespace Moltbot.Core.Agents;

/// <summary>What <see cref="AgentService.Create"/> is asked to make.</summary>
public sealed record NewAgentRequest(string Name, string? Workspace = null, string? AgentDir = null, string? Model = null, bool Force = false);

/// <summary>Creates agents the way <c>openclaw agents add --non-interactive</c> does.</summary>
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
}
