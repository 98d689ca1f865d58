using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Data.Sqlite;

namespace Moltbot.Core.Tests.Sqlite;

/// <summary>
/// Builds OpenClaw SQLite-era state dirs for tests, with the DDL of openclaw-sqlite.md section 4 (only the tables that matter
/// for credentials): era C (agent DB user_version 1, non-STRICT; state DB v1), D1 (agent 19 / state 15, STRICT) and
/// D2 (agent 23 / state 18, app_version 2026.9.6). Journal mode WAL like OpenClaw (or DELETE, as on a network share).
/// Files are 0600, folders 0700. After every change the db is left as OpenClaw leaves it after a clean close:
/// a 0-byte <c>-wal</c> and a 32 KiB <c>-shm</c> beside it (unless <c>openClawSidecars: false</c>).
/// </summary>
public static class SqliteFixtures
{
    public const string NewestAppVersion = "2026.9.6";

    /// <summary>Era C (6.5 - 7.35): <c>agents/&lt;agentId&gt;/agent/openclaw-agent.sqlite</c> v1 and, unless <paramref name="withStateDb"/> is false, a v1 state DB.</summary>
    public static SqliteStateDir CreateC(string stateDir, string? agentId = "main", bool withStateDb = true, bool wal = true, bool openClawSidecars = true)
    {
        var dir = new SqliteStateDir(stateDir, SqliteShape.C, wal, openClawSidecars);
        if (withStateDb)
        {
            dir.CreateStateDb();
        }
        if (agentId is not null)
        {
            dir.AddAgent(agentId);
        }
        return dir;
    }

    /// <summary>
    /// Era D1 (8.1 - 9.1, agent 19 / state 15) or, with <paramref name="d2"/>, D2 (9.6, agent 23 / state 18). The state DB always
    /// exists; <paramref name="ownership"/> "state-db" / "legacy-main" writes <c>auth.sharedStore</c>, null leaves the row out.
    /// <paramref name="agentId"/> null creates no agent DB (a fresh 9.6 install).
    /// </summary>
    public static SqliteStateDir CreateD(string stateDir, string? agentId = "main", bool d2 = false, string? ownership = "state-db",
        bool wal = true, bool openClawSidecars = true)
    {
        var dir = new SqliteStateDir(stateDir, d2 ? SqliteShape.D2 : SqliteShape.D1, wal, openClawSidecars);
        dir.CreateStateDb();
        if (ownership is not null)
        {
            dir.SetOwnership($"{{\"location\":\"{ownership}\"}}");
        }
        if (agentId is not null)
        {
            dir.AddAgent(agentId);
        }
        return dir;
    }
}

/// <summary>The schema family a fixture db is built with.</summary>
public enum SqliteShape
{
    C,
    D1,
    D2,
}

/// <summary>One fixture state dir; every method opens its own unpooled connection and closes it again.</summary>
public sealed class SqliteStateDir
{
    public const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public SqliteStateDir(string stateDir, SqliteShape shape, bool wal = true, bool openClawSidecars = true)
    {
        StateDir = Path.GetFullPath(stateDir);
        Shape = shape;
        Wal = wal;
        OpenClawSidecars = openClawSidecars && wal;
        MakeDir(StateDir);
    }

    public string StateDir { get; }
    public SqliteShape Shape { get; }
    public bool Wal { get; }
    public bool OpenClawSidecars { get; }

    public string StateDbPath => Path.Combine(StateDir, "state", "openclaw.sqlite");

    public string AgentDir(string agentId) => Path.Combine(StateDir, "agents", agentId, "agent");

    public string AgentDbPath(string agentId) => Path.Combine(AgentDir(agentId), "openclaw-agent.sqlite");

    public long AgentUserVersion => Shape switch { SqliteShape.C => 1, SqliteShape.D1 => 19, _ => 23 };

    public long StateUserVersion => Shape switch { SqliteShape.C => 1, SqliteShape.D1 => 15, _ => 18 };

    public string? AppVersion => Shape == SqliteShape.D2 ? SqliteFixtures.NewestAppVersion : null;

    private string Strict => Shape == SqliteShape.C ? "" : " STRICT";

    /// <summary>Creates <c>agents/&lt;agentId&gt;/agent/openclaw-agent.sqlite</c> (with an empty store row, like OpenClaw) and returns the agent dir.</summary>
    public string AddAgent(string agentId, SqliteShape? shape = null)
    {
        var agentDir = AgentDir(agentId);
        MakeDir(Path.Combine(StateDir, "agents"));
        MakeDir(Path.Combine(StateDir, "agents", agentId));
        AddAgentDb(agentDir, agentId, shape);
        return agentDir;
    }

    /// <summary>Creates <c>&lt;agentDir&gt;/openclaw-agent.sqlite</c> in any folder (a configured agentDir) and returns its path.</summary>
    public string AddAgentDb(string agentDir, string agentId, SqliteShape? shape = null)
    {
        var s = shape ?? Shape;
        var strict = s == SqliteShape.C ? "" : " STRICT";
        MakeDir(agentDir);
        var path = Path.Combine(Path.GetFullPath(agentDir), "openclaw-agent.sqlite");
        var userVersion = s switch { SqliteShape.C => 1, SqliteShape.D1 => 19, _ => 23 };
        var appVersion = s == SqliteShape.D2 ? SqliteFixtures.NewestAppVersion : null;
        var ddl = new List<string> { SchemaMetaDdl(strict), AuthProfileStoreDdl(strict), AuthProfileStateDdl(strict) };
        Create(path, userVersion, ddl, conn =>
        {
            if (s != SqliteShape.C)
            {
                // 8.x/9.x add more schema_meta rows; readers must select meta_key='primary'.
                InsertMeta(conn, "historical-transcript-directives-v1", "agent", 1, null, null);
            }
            InsertMeta(conn, "primary", "agent", userVersion, agentId, appVersion);
            Upsert(conn, "auth_profile_store", "store_key", "store_json", "updated_at", "primary", "{\"version\":1,\"profiles\":{}}");
        });
        if (s != SqliteShape.C && Shape != SqliteShape.C && File.Exists(StateDbPath))
        {
            var relative = Path.GetRelativePath(StateDir, path).Replace('\\', '/');
            Write(StateDbPath, conn => Run(conn,
                "INSERT INTO agent_databases(agent_id, path, schema_version, last_seen_at, size_bytes) VALUES ($a, $p, $v, $t, NULL) " +
                "ON CONFLICT(agent_id) DO UPDATE SET path=excluded.path, schema_version=excluded.schema_version, last_seen_at=excluded.last_seen_at",
                ("$a", agentId), ("$p", relative), ("$v", userVersion), ("$t", Now())));
        }
        return path;
    }

    /// <summary>Creates <c>$STATE/state/openclaw.sqlite</c> of this fixture's shape.</summary>
    public string CreateStateDb()
    {
        MakeDir(Path.Combine(StateDir, "state"));
        var ddl = new List<string> { SchemaMetaDdl(Strict) };
        if (Shape == SqliteShape.C)
        {
            // The unused 6.11/7.35 table (columns per spec 4.2; its exact DDL is not recorded there).
            ddl.Add("CREATE TABLE auth_profile_state (\n  store_key TEXT NOT NULL PRIMARY KEY,\n  state_json TEXT NOT NULL,\n  updated_at INTEGER NOT NULL\n)");
        }
        else
        {
            ddl.Add(ConfigMachineStateDdl);
            // Columns per spec 4.2 (agent_id, path, schema_version, last_seen_at, size_bytes); the exact DDL is not recorded there.
            ddl.Add("CREATE TABLE agent_databases (\n  agent_id TEXT NOT NULL PRIMARY KEY,\n  path TEXT NOT NULL,\n  schema_version INTEGER NOT NULL,\n  last_seen_at INTEGER NOT NULL,\n  size_bytes INTEGER\n) STRICT");
        }
        Create(StateDbPath, StateUserVersion, ddl, conn =>
        {
            InsertMeta(conn, "primary", "global", StateUserVersion, null, AppVersion);
            if (Shape != SqliteShape.C)
            {
                Upsert(conn, "config_machine_state", "state_key", "value_json", "updated_at_ms", "config.lastTouchedAt", "\"2026-12-01T00:00:00.000Z\"");
            }
        });
        return StateDbPath;
    }

    /// <summary>Upserts <c>auth_profile_store</c> row <c>primary</c> of the agent DB in <paramref name="agentDir"/>.</summary>
    public void PutAgentStore(string agentDir, string json) =>
        Write(Path.Combine(agentDir, "openclaw-agent.sqlite"), conn => Upsert(conn, "auth_profile_store", "store_key", "store_json", "updated_at", "primary", json));

    /// <summary>Upserts <c>auth_profile_state</c> row <c>primary</c> of the agent DB in <paramref name="agentDir"/>.</summary>
    public void PutAgentState(string agentDir, string json) =>
        Write(Path.Combine(agentDir, "openclaw-agent.sqlite"), conn => Upsert(conn, "auth_profile_state", "state_key", "state_json", "updated_at", "primary", json));

    /// <summary>Upserts a <c>config_machine_state</c> row of the state DB (<c>authProfiles.store</c>, <c>authProfiles.state</c>, ...).</summary>
    public void PutShared(string key, string json) =>
        Write(StateDbPath, conn => Upsert(conn, "config_machine_state", "state_key", "value_json", "updated_at_ms", key, json));

    /// <summary>Deletes a <c>config_machine_state</c> row.</summary>
    public void DeleteShared(string key) =>
        Write(StateDbPath, conn => Run(conn, "DELETE FROM config_machine_state WHERE state_key=$k", ("$k", key)));

    /// <summary>Writes <c>auth.sharedStore</c> verbatim; null deletes the row.</summary>
    public void SetOwnership(string? json)
    {
        if (json is null)
        {
            DeleteShared("auth.sharedStore");
        }
        else
        {
            PutShared("auth.sharedStore", json);
        }
    }

    /// <summary>Reads one text cell (null when the row is missing), for assertions.</summary>
    public static string? ReadCell(string dbPath, string sql, params (string Name, object? Value)[] parameters)
    {
        using var conn = Open(dbPath, SqliteOpenMode.ReadOnly);
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Runs any SQL against a fixture db (damage tests: <c>PRAGMA user_version=99</c>, <c>DROP TABLE ...</c>).</summary>
    public void Exec(string dbPath, string sql) => Write(dbPath, conn => Run(conn, sql));

    public void SetUserVersion(string dbPath, long userVersion) => Exec(dbPath, $"PRAGMA user_version={userVersion}");

    public static string SchemaMetaDdl(string strict) =>
        "CREATE TABLE schema_meta (\n  meta_key TEXT NOT NULL PRIMARY KEY,\n  role TEXT NOT NULL,\n  schema_version INTEGER NOT NULL,\n" +
        "  agent_id TEXT,\n  app_version TEXT,\n  created_at INTEGER NOT NULL,\n  updated_at INTEGER NOT NULL\n)" + strict;

    public static string AuthProfileStoreDdl(string strict) =>
        "CREATE TABLE auth_profile_store (\n  store_key TEXT NOT NULL PRIMARY KEY,\n  store_json TEXT NOT NULL,\n  updated_at INTEGER NOT NULL\n)" + strict;

    public static string AuthProfileStateDdl(string strict) =>
        "CREATE TABLE auth_profile_state (\n  state_key TEXT NOT NULL PRIMARY KEY,\n  state_json TEXT NOT NULL,\n  updated_at INTEGER NOT NULL\n)" + strict;

    public const string ConfigMachineStateDdl =
        "CREATE TABLE config_machine_state (\n      state_key TEXT NOT NULL PRIMARY KEY,\n      value_json TEXT NOT NULL,\n      updated_at_ms INTEGER NOT NULL\n    ) STRICT";

    private void Create(string path, long userVersion, List<string> ddl, Action<SqliteConnection> fill)
    {
        if (File.Exists(path))
        {
            throw new InvalidOperationException($"{path} exists already");
        }
        // An empty 0600 file first: SQLite takes it as a new database and gives the -wal/-shm the same mode.
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }
        using (new FileStream(path, options))
        {
        }
        Write(path, conn =>
        {
            Run(conn, $"PRAGMA journal_mode={(Wal ? "WAL" : "DELETE")}");
            Run(conn, "BEGIN IMMEDIATE");
            foreach (var statement in ddl)
            {
                Run(conn, statement);
            }
            fill(conn);
            Run(conn, $"PRAGMA user_version={userVersion}");
            Run(conn, "COMMIT");
        });
    }

    private void Write(string path, Action<SqliteConnection> action)
    {
        using (var conn = Open(path, SqliteOpenMode.ReadWrite))
        {
            Run(conn, "PRAGMA foreign_keys=ON");
            action(conn);
        }
        // Microsoft.Data.Sqlite deletes -wal/-shm when the last connection closes; OpenClaw leaves them (0 bytes / 32 KiB).
        // A read-only connection recreates them and cannot delete them on close, which reproduces OpenClaw's state.
        if (OpenClawSidecars)
        {
            using var reader = Open(path, SqliteOpenMode.ReadOnly);
            using var cmd = reader.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM sqlite_master";
            cmd.ExecuteScalar();
        }
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file) && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, FileMode);
            }
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=5000";
        cmd.ExecuteNonQuery();
        return conn;
    }

    private static void InsertMeta(SqliteConnection conn, string key, string role, long schemaVersion, string? agentId, string? appVersion) =>
        Run(conn, "INSERT INTO schema_meta(meta_key, role, schema_version, agent_id, app_version, created_at, updated_at) VALUES ($k, $r, $s, $a, $v, $t, $t)",
            ("$k", key), ("$r", role), ("$s", schemaVersion), ("$a", agentId), ("$v", appVersion), ("$t", Now()));

    private static void Upsert(SqliteConnection conn, string table, string keyColumn, string jsonColumn, string updatedColumn, string key, string json) =>
        Run(conn, $"INSERT INTO {table}({keyColumn}, {jsonColumn}, {updatedColumn}) VALUES ($k, $j, $t) " +
                  $"ON CONFLICT({keyColumn}) DO UPDATE SET {jsonColumn}=excluded.{jsonColumn}, {updatedColumn}=excluded.{updatedColumn}",
            ("$k", key), ("$j", json), ("$t", Now()));

    private static void Run(SqliteConnection conn, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        cmd.ExecuteNonQuery();
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static void MakeDir(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(path));
        if (!string.IsNullOrEmpty(parent) && !Directory.Exists(parent))
        {
            Directory.CreateDirectory(parent, DirMode);
        }
        Directory.CreateDirectory(path, DirMode);
        File.SetUnixFileMode(path, DirMode);
    }
}
