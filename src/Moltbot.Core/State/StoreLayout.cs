// TEMPORARY STUB: replaced by the era-detection branch (same public API).
using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Data.Sqlite;

namespace Moltbot.Core.State;

public enum StoreEra { None, JsonSingleFile, JsonStateFile, SqliteC, SqliteD1, SqliteD2 }
public enum SharedStoreOwner { None, MainAgentDb, StateDb }
public sealed record SqliteDbInfo(string Path, long UserVersion, string? Role, string? AgentId, string? AppVersion, bool HasAuthTables);

public sealed class StoreLayout
{
    public StoreEra Era { get; private init; }
    public bool IsSqlite => Era is StoreEra.SqliteC or StoreEra.SqliteD1 or StoreEra.SqliteD2;
    public SharedStoreOwner SharedOwner { get; private init; }
    public string? SharedStorePath { get; private init; }
    public SqliteDbInfo? StateDb { get; private init; }
    public string MainAgentDbPath { get; private init; } = string.Empty;
    public IReadOnlyList<string> LegacyJsonFiles { get; private init; } = Array.Empty<string>();
    public IReadOnlyList<string> Notes { get; private init; } = Array.Empty<string>();

    public static string AgentDbPath(string agentDir) => Path.Combine(agentDir, "openclaw-agent.sqlite");

    public static StoreLayout Detect(StatePaths paths, string mainAgentDir, IEnumerable<string>? otherAgentDirs = null)
    {
        var mainDb = AgentDbPath(mainAgentDir);
        var stateDb = ProbeDb(Path.Combine(paths.StateDir, "state", "openclaw.sqlite"));
        var main = ProbeDb(mainDb);
        long agentVersion = main?.UserVersion ?? 0;
        foreach (var dir in otherAgentDirs ?? Array.Empty<string>())
        {
            if (agentVersion == 0 && ProbeDb(AgentDbPath(dir)) is { } other)
            {
                agentVersion = other.UserVersion;
            }
        }
        if (agentVersion >= 19 || (stateDb?.UserVersion ?? 0) >= 13)
        {
            var owner = SharedStoreOwner.MainAgentDb;
            if (stateDb is not null)
            {
                using var c = new SqliteConnection($"Data Source={stateDb.Path};Mode=ReadOnly;Pooling=False");
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "SELECT value_json FROM config_machine_state WHERE state_key='auth.sharedStore'";
                if (cmd.ExecuteScalar() is string v && v.Contains("state-db", StringComparison.Ordinal))
                {
                    owner = SharedStoreOwner.StateDb;
                }
            }
            var d2 = agentVersion >= 23 || (stateDb?.UserVersion ?? 0) >= 18;
            return new StoreLayout
            {
                Era = d2 ? StoreEra.SqliteD2 : StoreEra.SqliteD1,
                SharedOwner = owner,
                SharedStorePath = owner == SharedStoreOwner.StateDb ? stateDb!.Path : mainDb,
                StateDb = stateDb,
                MainAgentDbPath = mainDb,
            };
        }
        if (agentVersion == 1 || stateDb?.UserVersion == 1)
        {
            return new StoreLayout { Era = StoreEra.SqliteC, SharedOwner = SharedStoreOwner.MainAgentDb, SharedStorePath = mainDb, StateDb = stateDb, MainAgentDbPath = mainDb };
        }
        var era = StoreEra.None;
        foreach (var dir in new[] { mainAgentDir }.AsSpan().ToArray())
        {
            if (File.Exists(Path.Combine(dir, "auth-state.json")))
            {
                era = StoreEra.JsonStateFile;
            }
            else if (File.Exists(Path.Combine(dir, "auth-profiles.json")) && era == StoreEra.None)
            {
                era = StoreEra.JsonSingleFile;
            }
        }
        return new StoreLayout { Era = era, MainAgentDbPath = mainDb };
    }

    public static SqliteDbInfo? ProbeDb(string dbPath)
    {
        if (!File.Exists(dbPath))
        {
            return null;
        }
        using var c = new SqliteConnection($"Data Source={dbPath};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        var v = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        return new SqliteDbInfo(dbPath, v, null, null, null, true);
    }
}
