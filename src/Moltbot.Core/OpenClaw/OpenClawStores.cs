using System;
using System.IO;
using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.State;
using Moltbot.Core.Store.Sqlite;

namespace Moltbot.Core.OpenClaw;

/// <summary>
/// What the installed openclaw CLI does for the stores: it creates a missing agent database (the module never makes
/// one by hand: OpenClaw verifies its whole schema), and it decides the era of a state dir that holds no store yet.
/// </summary>
public static class OpenClawStores
{
    /// <summary>
    /// The command that creates <c>agents/&lt;id&gt;/agent/openclaw-agent.sqlite</c> with the fewest side effects:
    /// clearing an order of an agent that has no database (so no order either) writes nothing else. Observed on 2026.9.6:
    /// <c>models auth list --agent X</c> and <c>agents add</c> do not create it; <c>order clear</c> does (agent DB v23,
    /// no store row, no state row).
    /// </summary>
    public static string[] CreateAgentDatabaseArguments(string agentId) =>
        new[] { "models", "auth", "order", "clear", "--provider", "anthropic", "--agent", agentId };

    /// <summary>The same command as a user would type it (for error messages).</summary>
    public static string CreateAgentDatabaseCommand(string agentId) => "openclaw " + string.Join(' ', CreateAgentDatabaseArguments(agentId));

    /// <summary>Gives <paramref name="state"/> its CLI (<see cref="MoltbotState.LocateCli"/>) and the CLI-backed hooks (found lazily, once, through <paramref name="environment"/>).</summary>
    public static void Attach(MoltbotState state, MoltbotEnvironment environment)
    {
        var cli = new Lazy<OpenClawCli?>(() => SafeLocate(environment));
        state.LocateCli = () => cli.Value;
        state.SqliteHooks = new SqliteStoreHooks
        {
            EnsureAgentDatabase = (agentId, agentDir, cancellationToken) => CreateAgentDatabase(cli.Value, agentId, agentDir, cancellationToken),
        };
        state.NewStateLayout = layout =>
        {
            var found = cli.Value;
            var version = found?.ReadPackageVersion() ?? (found is null ? null : SafeVersion(found));
            if (found is null)
            {
                state.LayoutNotes.Add("No store exists yet and no openclaw CLI was found (PATH, MOLTBOT_OPENCLAW_CLI): new credentials go to auth-profiles.json (the JSON era).");
                return null;
            }
            if (version is null || !version.IsSqliteEra)
            {
                state.LayoutNotes.Add($"No store exists yet; the installed openclaw ({version?.ToString() ?? "version unknown"}, {found}) keeps credentials in JSON: new credentials go to auth-profiles.json.");
                return null;
            }
            state.LayoutNotes.Add($"No store exists yet; the installed openclaw {version} keeps credentials in SQLite: the first write has it create its database.");
            return StoreLayout.ForPendingSqlite(layout);
        };
    }

    private static bool CreateAgentDatabase(OpenClawCli? cli, string agentId, string agentDir, CancellationToken cancellationToken)
    {
        if (cli is null)
        {
            return false;
        }
        var result = cli.Run(CreateAgentDatabaseArguments(agentId), timeout: TimeSpan.FromSeconds(120), cancellationToken: cancellationToken);
        return result.Succeeded && File.Exists(StoreLayout.AgentDbPath(agentDir));
    }

    private static OpenClawCli? SafeLocate(MoltbotEnvironment environment)
    {
        try
        {
            return OpenClawCli.Locate(environment);
        }
        catch (MoltbotException)
        {
            return null;
        }
    }

    internal static OpenClawVersion? SafeVersion(OpenClawCli cli)
    {
        try
        {
            return cli.GetVersion();
        }
        catch (MoltbotException)
        {
            return null;
        }
    }
}
