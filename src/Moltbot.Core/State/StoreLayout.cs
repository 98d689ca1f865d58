using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Moltbot.Core.IO;

namespace Moltbot.Core.State;

/// <summary>The credential-store era of a state dir, read from its files (openclaw-sqlite.md section 3), never from a version number.</summary>
public enum StoreEra
{
    /// <summary>No credential store at all.</summary>
    None,

    /// <summary>Eras A/A2: <c>auth-profiles.json</c> only.</summary>
    JsonSingleFile,

    /// <summary>Era B: <c>auth-state.json</c> beside <c>auth-profiles.json</c>.</summary>
    JsonStateFile,

    /// <summary>OpenClaw 2026.6.5 - 7.35: agent DB <c>user_version</c> 1, shared store in the main agent DB.</summary>
    SqliteC,

    /// <summary>OpenClaw 2026.8.1 - 9.1: agent DB <c>user_version</c> 19, state DB 15.</summary>
    SqliteD1,

    /// <summary>OpenClaw 2026.9.6: agent DB <c>user_version</c> 23, state DB 18.</summary>
    SqliteD2,
}

/// <summary>Where the shared ("main") store lives.</summary>
public enum SharedStoreOwner
{
    None,

    /// <summary>The main agent's <c>openclaw-agent.sqlite</c> (era C, or D with <c>{"location":"legacy-main"}</c>).</summary>
    MainAgentDb,

    /// <summary>The <c>config_machine_state</c> rows of <c>$STATE/state/openclaw.sqlite</c> (D with <c>{"location":"state-db"}</c>).</summary>
    StateDb,
}

/// <summary>What a read-only probe of one OpenClaw SQLite file found.</summary>
/// <param name="Path">The full path of the db file.</param>
/// <param name="UserVersion"><c>PRAGMA user_version</c>.</param>
/// <param name="Role"><c>schema_meta.role</c> of row <c>primary</c> (<c>agent</c> or <c>global</c>), null without that row.</param>
/// <param name="AgentId"><c>schema_meta.agent_id</c> of row <c>primary</c>.</param>
/// <param name="AppVersion"><c>schema_meta.app_version</c> of row <c>primary</c> (9.6 writes it; 6.x/7.x leave it null).</param>
/// <param name="HasAuthTables">
/// For an agent DB (any file not named <c>openclaw.sqlite</c>): both <c>auth_profile_store</c> and
/// <c>auth_profile_state</c> exist. For the state DB (<c>openclaw.sqlite</c>): <c>config_machine_state</c> exists.
/// </param>
public sealed record SqliteDbInfo(string Path, long UserVersion, string? Role, string? AgentId, string? AppVersion, bool HasAuthTables)
{
    /// <summary><c>schema_meta.schema_version</c> of row <c>primary</c>, null without that row.</summary>
    public long? SchemaVersion { get; init; }

    /// <summary>Whether a <c>schema_meta</c> table exists.</summary>
    public bool HasSchemaMeta { get; init; }
}

/// <summary>
/// The SQLite-era layout of a state dir: which era, where the shared store lives, which legacy JSON files lie around.
/// Detection only reads: every db is opened <c>Mode=ReadOnly;Pooling=False</c>, nothing is created, changed or deleted,
/// and no file descriptor other than SQLite's own is opened on a db or its sidecars (openclaw-sqlite.md 7.2).
/// </summary>
public sealed class StoreLayout
{
    public const string AgentDbFileName = "openclaw-agent.sqlite";
    public const string StateDbFileName = "openclaw.sqlite";
    public const string OwnershipKey = "auth.sharedStore";

    /// <summary>The newest schemas this Moltbot knows (OpenClaw 2026.9.6).</summary>
    public const long NewestAgentUserVersion = 23;
    public const long NewestStateUserVersion = 18;
    public const string NewestKnownOpenClaw = "2026.9.6";

    private const int BusyTimeoutMs = 5000;
    private const string DoctorFix = "openclaw doctor --fix";

    private StoreLayout(StoreEra era, SharedStoreOwner owner, string? sharedStorePath, SqliteDbInfo? stateDb, string mainAgentDbPath,
        IReadOnlyList<SqliteDbInfo> agentDbs, IReadOnlyList<string> legacyJsonFiles, IReadOnlyList<string> notes)
    {
        Era = era;
        SharedOwner = owner;
        SharedStorePath = sharedStorePath;
        StateDb = stateDb;
        MainAgentDbPath = mainAgentDbPath;
        AgentDbs = agentDbs;
        LegacyJsonFiles = legacyJsonFiles;
        Notes = notes;
    }

    /// <summary>The era of the state dir as a whole.</summary>
    public StoreEra Era { get; }

    /// <summary>
    /// A state dir without any store whose installed openclaw keeps credentials in SQLite (2026.6.5+): nothing is there
    /// to read, and the first write has the CLI create the database rather than a JSON file being written.
    /// </summary>
    public bool PendingSqlite { get; private init; }

    /// <summary>The layout of an empty state dir (<see cref="StoreEra.None"/>) that the next write makes SQLite.</summary>
    public static StoreLayout ForPendingSqlite(StoreLayout empty) =>
        new(empty.Era, empty.SharedOwner, empty.SharedStorePath, empty.StateDb, empty.MainAgentDbPath, empty.AgentDbs, empty.LegacyJsonFiles, empty.Notes)
        {
            PendingSqlite = true,
        };

    /// <summary>SqliteC, SqliteD1 or SqliteD2.</summary>
    public bool IsSqlite => Era is StoreEra.SqliteC or StoreEra.SqliteD1 or StoreEra.SqliteD2;

    public SharedStoreOwner SharedOwner { get; }

    /// <summary>The main agent DB path or <c>$STATE/state/openclaw.sqlite</c>; null when there is no SQLite store. The file may not exist yet.</summary>
    public string? SharedStorePath { get; }

    /// <summary>Null when <c>$STATE/state/openclaw.sqlite</c> is missing.</summary>
    public SqliteDbInfo? StateDb { get; }

    /// <summary><c>&lt;mainAgentDir&gt;/openclaw-agent.sqlite</c>, whether or not it exists.</summary>
    public string MainAgentDbPath { get; }

    /// <summary>The agent DBs found in the agent dirs given to <see cref="Detect"/> (main first).</summary>
    public IReadOnlyList<SqliteDbInfo> AgentDbs { get; }

    /// <summary>
    /// <c>auth-profiles.json</c>, <c>auth-state.json</c>, <c>auth.json</c> found in the agent dirs given to <see cref="Detect"/>,
    /// and <c>oauth.json</c> in the legacy OAuth dir. Listed in every era; next to SQLite they do not change the era.
    /// </summary>
    public IReadOnlyList<string> LegacyJsonFiles { get; }

    /// <summary>Things worth telling the user that are not errors (unverified schema versions, doctor not run yet, ...).</summary>
    public IReadOnlyList<string> Notes { get; }

    public static string AgentDbPath(string agentDir) => Path.Combine(agentDir, AgentDbFileName);

    public static string StateDbPath(StatePaths paths) => Path.Combine(paths.StateDir, "state", StateDbFileName);

    /// <summary>
    /// Detects the layout of <paramref name="paths"/>' state dir. <paramref name="mainAgentDir"/> is the shared-main agent dir
    /// (normally <c>$STATE/agents/main/agent</c>; the caller applies OPENCLAW_AGENT_DIR). Throws <see cref="MoltbotException"/>
    /// for unreadable, unknown, too new or inconsistent stores.
    /// </summary>
    /// <param name="probeEveryAgentDb">
    /// Open every agent DB (a full report, and every inconsistency found up front). False: only the state DB, the main
    /// agent DB and, when neither exists, the first other agent DB found decide; each store checks its own DB's schema
    /// version when it opens it (<see cref="Store.Sqlite.SqliteCredentialStore"/>), so a command on one agent does not
    /// open a hundred databases.
    /// </param>
    public static StoreLayout Detect(StatePaths paths, string mainAgentDir, IEnumerable<string>? otherAgentDirs = null, bool probeEveryAgentDb = true)
    {
        if (paths is null)
        {
            throw new ArgumentNullException(nameof(paths));
        }
        if (string.IsNullOrEmpty(mainAgentDir))
        {
            throw new ArgumentException("The main agent dir is required.", nameof(mainAgentDir));
        }

        var agentDirs = DistinctDirs(mainAgentDir, otherAgentDirs);
        var mainDbPath = AgentDbPath(agentDirs[0]);
        var notes = new List<string>();

        var legacy = new List<string>();
        foreach (var dir in agentDirs)
        {
            foreach (var name in new[] { "auth-profiles.json", "auth-state.json", "auth.json" })
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    legacy.Add(candidate);
                }
            }
        }
        var oauthJson = Path.Combine(paths.OAuthDir, "oauth.json");
        if (File.Exists(oauthJson))
        {
            legacy.Add(Path.GetFullPath(oauthJson));
        }

        var stateProbe = Probe(StateDbPath(paths), readOwnership: true);
        var agentProbes = new List<ProbeResult>();
        for (var i = 0; i < agentDirs.Count; i++)
        {
            if (!probeEveryAgentDb && i > 0 && (stateProbe is not null || agentProbes.Count > 0))
            {
                break;
            }
            if (Probe(AgentDbPath(agentDirs[i]), readOwnership: false) is { } found)
            {
                agentProbes.Add(found);
            }
        }
        var agentDbs = agentProbes.Select(p => p.Info).ToList();

        // OpenClaw 2026.6.1 already makes a (v1) state DB but keeps credentials in JSON: with no agent DB, JSON stores
        // beside a pre-D state DB are the JSON era; only 2026.6.5+ put credentials in agent DBs.
        var jsonStores = agentDirs.Any(d => File.Exists(Path.Combine(d, "auth-profiles.json")) || File.Exists(Path.Combine(d, "auth-state.json")));
        if (agentProbes.Count == 0 && stateProbe is not null && stateProbe.Info.UserVersion < 13 && jsonStores)
        {
            notes.Add($"The state database {stateProbe.Info.Path} (user_version {stateProbe.Info.UserVersion}) holds no credentials: they are in auth-profiles.json (OpenClaw up to 2026.6.1).");
            stateProbe = null;
        }
        if (stateProbe is null && agentProbes.Count == 0)
        {
            var era = StoreEra.None;
            if (agentDirs.Any(d => File.Exists(Path.Combine(d, "auth-state.json"))))
            {
                era = StoreEra.JsonStateFile;
            }
            else if (agentDirs.Any(d => File.Exists(Path.Combine(d, "auth-profiles.json"))))
            {
                era = StoreEra.JsonSingleFile;
            }
            return new StoreLayout(era, SharedStoreOwner.None, null, null, mainDbPath, agentDbs, legacy, notes);
        }

        // Versions first: a too-new file is the most useful thing to report, then an unknown one.
        var stateInfo = stateProbe?.Info;
        if (stateInfo is not null && stateInfo.UserVersion > NewestStateUserVersion)
        {
            throw TooNew(stateInfo, "state", NewestStateUserVersion);
        }
        foreach (var db in agentDbs.Where(db => db.UserVersion > NewestAgentUserVersion))
        {
            throw TooNew(db, "agent", NewestAgentUserVersion);
        }
        var stateFamily = stateInfo is null ? (Family?)null : StateFamily(stateInfo, notes);
        var agentFamilies = agentDbs.Select(db => (Db: db, Family: AgentFamily(db, notes))).ToList();

        foreach (var db in agentDbs)
        {
            if (db.Role is { } role && role != "agent")
            {
                throw Inconsistent($"The agent database {db.Path} has schema_meta role '{role}' instead of 'agent'.", db.Path);
            }
        }
        if (stateInfo?.Role is { } stateRole && stateRole != "global")
        {
            throw Inconsistent($"The state database {stateInfo.Path} has schema_meta role '{stateRole}' instead of 'global'.", stateInfo.Path);
        }

        for (var i = 0; i < agentProbes.Count; i++)
        {
            // Every agent DB has the auth tables (6.5 on); schema_meta is required from the D layouts on.
            RequireTables(agentProbes[i].Info, agentFamilies[i].Family == Family.C
                ? new[] { "auth_profile_store", "auth_profile_state" }
                : new[] { "schema_meta", "auth_profile_store", "auth_profile_state" }, agentProbes[i].Tables);
        }

        var cAgents = agentFamilies.Where(a => a.Family == Family.C).Select(a => a.Db).ToList();
        var dAgents = agentFamilies.Where(a => a.Family != Family.C).ToList();

        if (stateFamily is null or Family.C)
        {
            if (dAgents.Count == 0)
            {
                // Era C: agent DB v1, or no agent DB but a state DB v1.
                return WithMainOwner(StoreEra.SqliteC, mainDbPath, stateInfo, agentDbs, legacy, notes);
            }
            if (cAgents.Count > 0)
            {
                throw Inconsistent(
                    $"The agent databases mix OpenClaw schema families: {Describe(cAgents[0])} (2026.6.5-7.35) and " +
                    $"{Describe(dAgents[0].Db)} (2026.8.1 or later){(stateInfo is null ? ", with no state database" : $", beside the state database {Describe(stateInfo)}")}.",
                    dAgents[0].Db.Path);
            }
            if (stateInfo is not null)
            {
                // 8.x/9.x migrate the state DB before anything else, so a v1 state DB beside a D agent DB is not a state OpenClaw leaves.
                throw Inconsistent(
                    $"The agent database {Describe(dAgents[0].Db)} belongs to OpenClaw 2026.8.1 or later, but the state database " +
                    $"{Describe(stateInfo)} is still at the 2026.6.5-7.35 schema.", stateInfo.Path);
            }
            var era = dAgents.Any(a => a.Family == Family.D2) ? StoreEra.SqliteD2 : StoreEra.SqliteD1;
            notes.Add($"The state database {StateDbPath(paths)} does not exist; the shared store ownership defaults to legacy-main (the main agent database).");
            NoteMixedD(dAgents, era, notes);
            return WithMainOwner(era, mainDbPath, null, agentDbs, legacy, notes);
        }

        // Era D, decided by the state DB.
        var dEra = stateFamily == Family.D2 ? StoreEra.SqliteD2 : StoreEra.SqliteD1;
        var state = stateProbe!;
        RequireTables(state.Info, new[] { "schema_meta", "config_machine_state" }, state.Tables);

        foreach (var (db, family) in dAgents)
        {
            if (family == Family.D2 && dEra == StoreEra.SqliteD1)
            {
                throw Inconsistent(
                    $"The agent database {Describe(db)} belongs to OpenClaw 2026.9.6, but the state database {Describe(state.Info)} " +
                    "is older (OpenClaw 9.6 migrates the state database first).", db.Path);
            }
        }
        NoteMixedD(dAgents, dEra, notes);
        if (cAgents.Count > 0)
        {
            notes.Add(
                $"Upgraded but not migrated: the state database is at user_version {state.Info.UserVersion} while " +
                string.Join(", ", cAgents.Select(Describe)) +
                $" {(cAgents.Count == 1 ? "is" : "are")} still at the 2026.6.5-7.35 schema; run `{DoctorFix}` with the installed OpenClaw.");
        }

        var owner = ParseOwnership(state);
        if (owner == SharedStoreOwner.StateDb)
        {
            return new StoreLayout(dEra, SharedStoreOwner.StateDb, state.Info.Path, state.Info, mainDbPath, agentDbs, legacy, notes);
        }
        if (!state.OwnershipFound)
        {
            notes.Add($"The state database has no {OwnershipKey} row; OpenClaw treats that as legacy-main (the main agent database).");
        }
        return WithMainOwner(dEra, mainDbPath, state.Info, agentDbs, legacy, notes);
    }

    /// <summary>
    /// Opens <paramref name="dbPath"/> read-only and reads its user_version, its <c>schema_meta</c> row <c>primary</c> and
    /// whether its auth tables exist. Null when the file does not exist. Throws <see cref="MoltbotException"/>
    /// (<see cref="ErrorIds.StoreUnreadable"/>) when it is not a readable SQLite database.
    /// </summary>
    public static SqliteDbInfo? ProbeDb(string dbPath) => Probe(dbPath, readOwnership: false)?.Info;

    private enum Family
    {
        C,
        D1,
        D2,
    }

    private sealed class ProbeResult
    {
        public ProbeResult(SqliteDbInfo info, HashSet<string> tables, bool ownershipFound, string? ownershipJson)
        {
            Info = info;
            Tables = tables;
            OwnershipFound = ownershipFound;
            OwnershipJson = ownershipJson;
        }

        public SqliteDbInfo Info { get; }
        public HashSet<string> Tables { get; }
        public bool OwnershipFound { get; }
        public string? OwnershipJson { get; }
    }

    private static StoreLayout WithMainOwner(StoreEra era, string mainDbPath, SqliteDbInfo? stateInfo, List<SqliteDbInfo> agentDbs,
        List<string> legacy, List<string> notes)
    {
        if (!File.Exists(mainDbPath))
        {
            notes.Add($"The shared store is the main agent database {mainDbPath}, which does not exist yet.");
        }
        return new StoreLayout(era, SharedStoreOwner.MainAgentDb, mainDbPath, stateInfo, mainDbPath, agentDbs, legacy, notes);
    }

    private static void NoteMixedD(List<(SqliteDbInfo Db, Family Family)> dAgents, StoreEra era, List<string> notes)
    {
        if (era == StoreEra.SqliteD2)
        {
            foreach (var (db, family) in dAgents)
            {
                if (family == Family.D1)
                {
                    notes.Add($"The agent database {Describe(db)} is still at the 2026.8.1-9.1 schema; `{DoctorFix}` upgrades it.");
                }
            }
        }
    }

    private static Family AgentFamily(SqliteDbInfo db, List<string> notes)
    {
        var v = db.UserVersion;
        if (v == 1)
        {
            return Family.C;
        }
        if (v == 19)
        {
            return Family.D1;
        }
        if (v == 23)
        {
            return Family.D2;
        }
        if (v > NewestAgentUserVersion)
        {
            throw TooNew(db, "agent", NewestAgentUserVersion);
        }
        if (v is > 19 and < 23)
        {
            notes.Add($"The agent database {db.Path} has user_version {v} (probably OpenClaw 2026.9.2-9.5, an unverified range); treated as the 2026.8.1-9.1 layout.");
            return Family.D1;
        }
        throw Unknown(db, "agent", "1, 19-23");
    }

    private static Family StateFamily(SqliteDbInfo db, List<string> notes)
    {
        var v = db.UserVersion;
        if (v == 1)
        {
            return Family.C;
        }
        if (v == 15)
        {
            return Family.D1;
        }
        if (v == 18)
        {
            return Family.D2;
        }
        if (v > NewestStateUserVersion)
        {
            throw TooNew(db, "state", NewestStateUserVersion);
        }
        if (v is > 15 and < 18)
        {
            notes.Add($"The state database {db.Path} has user_version {v} (probably OpenClaw 2026.9.2-9.5, an unverified range); treated as the 2026.8.1-9.1 layout.");
            return Family.D1;
        }
        throw Unknown(db, "state", "1, 15-18");
    }

    private static void RequireTables(SqliteDbInfo db, string[] required, HashSet<string> tables)
    {
        var missing = required.Where(t => !tables.Contains(t)).ToArray();
        if (missing.Length > 0)
        {
            throw TablesMissing(db, missing);
        }
    }

    private static SharedStoreOwner ParseOwnership(ProbeResult state)
    {
        if (!state.OwnershipFound)
        {
            return SharedStoreOwner.MainAgentDb;
        }
        var text = state.OwnershipJson;
        string? location = null;
        if (text is not null)
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    // As JSON.parse: a repeated key keeps its last value. Any key other than "location" is invalid.
                    var props = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                    foreach (var prop in doc.RootElement.EnumerateObject())
                    {
                        props[prop.Name] = prop.Value;
                    }
                    if (props.Count == 1 && props.TryGetValue("location", out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        location = value.GetString();
                    }
                }
            }
            catch (JsonException)
            {
            }
        }
        switch (location)
        {
            case "state-db":
                return SharedStoreOwner.StateDb;
            case "legacy-main":
                return SharedStoreOwner.MainAgentDb;
        }
        var shown = text is null ? "not text" : text.Length > 100 ? text.Substring(0, 100) + "..." : text;
        throw new MoltbotException(ErrorIds.SharedStoreOwnershipInvalid, MoltbotErrorKind.InvalidData,
            $"The shared auth store ownership row {OwnershipKey} in {state.Info.Path} is invalid ({shown}); it must be exactly " +
            "{\"location\":\"state-db\"} or {\"location\":\"legacy-main\"}. OpenClaw refuses it too (INVALID_SHARED_AUTH_STORE_OWNERSHIP). " +
            $"Run `{DoctorFix}` with the installed OpenClaw. Nothing was changed.", state.Info.Path)
        {
            RecommendedAction = $"Run `{DoctorFix}` with the installed OpenClaw to repair the ownership record, then retry.",
        };
    }

    private static ProbeResult? Probe(string dbPath, bool readOwnership)
    {
        if (string.IsNullOrEmpty(dbPath))
        {
            throw new ArgumentException("A database path is required.", nameof(dbPath));
        }
        var path = Path.GetFullPath(dbPath);
        if (Directory.Exists(path))
        {
            throw Unreadable(path, "it is a directory, not a SQLite database");
        }
        if (!File.Exists(path))
        {
            return null;
        }
        PathTrust.RequireRegularIfExists(path); // a FIFO: SQLite's open(2) would wait for a writer for ever
        long length;
        try
        {
            length = new FileInfo(path).Length; // stat only, no file descriptor
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, ex.Message, ex);
        }
        if (length == 0)
        {
            // SQLite would take an empty file for an empty database (and delete a stray -wal next to it).
            throw Unreadable(path, "the file is empty (0 bytes), not a SQLite database");
        }

        return ReadProbe(path, readOwnership);
    }

    /// <summary>
    /// The part of <see cref="Probe"/> that opens the database. A method of its own, never inlined, so that the JSON era
    /// (no database file) never loads Microsoft.Data.Sqlite: the runtime resolves a method's types (SqliteConnection, the
    /// catch of SqliteException) when it first prepares the method, not when a line runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ProbeResult ReadProbe(string path, bool readOwnership)
    {
        var isStateDb = string.Equals(Path.GetFileName(path), StateDbFileName, StringComparison.OrdinalIgnoreCase);
        try
        {
            using var connection = new SqliteConnection(ConnectionString(path));
            connection.Open();
            Execute(connection, null, $"PRAGMA busy_timeout={BusyTimeoutMs}");
            using var tx = connection.BeginTransaction(deferred: true); // one read snapshot for everything below
            var userVersion = Convert.ToInt64(Scalar(connection, tx, "PRAGMA user_version") ?? 0L);

            var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using (var cmd = Command(connection, tx, "SELECT name FROM sqlite_master WHERE type='table'"))
            using (var reader = cmd.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (!reader.IsDBNull(0))
                    {
                        tables.Add(reader.GetString(0));
                    }
                }
            }

            string? role = null, agentId = null, appVersion = null;
            long? schemaVersion = null;
            var hasSchemaMeta = tables.Contains("schema_meta");
            if (hasSchemaMeta)
            {
                using var cmd = Command(connection, tx,
                    "SELECT role, schema_version, agent_id, app_version FROM schema_meta WHERE meta_key='primary'");
                using var reader = cmd.ExecuteReader();
                if (reader.Read())
                {
                    role = TextOrNull(reader.GetValue(0));
                    schemaVersion = reader.GetValue(1) is long sv ? sv : null;
                    agentId = TextOrNull(reader.GetValue(2));
                    appVersion = TextOrNull(reader.GetValue(3));
                }
            }

            var hasAuthTables = isStateDb
                ? tables.Contains("config_machine_state")
                : tables.Contains("auth_profile_store") && tables.Contains("auth_profile_state");

            var ownershipFound = false;
            string? ownershipJson = null;
            if (readOwnership && tables.Contains("config_machine_state"))
            {
                using var cmd = Command(connection, tx, "SELECT value_json FROM config_machine_state WHERE state_key=$key");
                cmd.Parameters.AddWithValue("$key", OwnershipKey);
                using var reader = cmd.ExecuteReader();
                if (reader.Read())
                {
                    ownershipFound = true;
                    ownershipJson = reader.GetValue(0) as string;
                }
            }
            tx.Commit();

            var info = new SqliteDbInfo(path, userVersion, role, agentId, appVersion, hasAuthTables)
            {
                SchemaVersion = schemaVersion,
                HasSchemaMeta = hasSchemaMeta,
            };
            return new ProbeResult(info, tables, ownershipFound, ownershipJson);
        }
        catch (SqliteException ex)
        {
            throw FromSqlite(path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, ex.Message, ex);
        }
    }

    private static string ConnectionString(string path) => Store.Sqlite.SqliteCells.ReadOnlyConnectionString(path);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = Command(connection, tx, sql);
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = Command(connection, tx, sql);
        return cmd.ExecuteScalar();
    }

    private static string? TextOrNull(object value) => value is DBNull ? null : value as string ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);

    private static List<string> DistinctDirs(string main, IEnumerable<string>? others)
    {
        var comparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var seen = new HashSet<string>(comparer);
        var result = new List<string>();
        foreach (var dir in new[] { main }.Concat(others ?? Array.Empty<string>()))
        {
            if (string.IsNullOrEmpty(dir))
            {
                continue;
            }
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
            if (seen.Add(full))
            {
                result.Add(full);
            }
        }
        return result;
    }

    private static string Describe(SqliteDbInfo db) => $"{db.Path} (user_version {db.UserVersion})";

    private static MoltbotException FromSqlite(string path, SqliteException ex)
    {
        switch (ex.SqliteErrorCode)
        {
            case 5: // SQLITE_BUSY
            case 6: // SQLITE_LOCKED
                return new MoltbotException(ErrorIds.StoreUnreadable, MoltbotErrorKind.ResourceBusy,
                    $"The OpenClaw database {path} stayed locked for {BusyTimeoutMs / 1000} s and could not be read. It was left untouched.", path, ex)
                {
                    RecommendedAction = "Retry when OpenClaw is not migrating or writing (for example after `openclaw doctor --fix` finishes).",
                };
            case 3: // SQLITE_PERM
            case 14: // SQLITE_CANTOPEN
            case 23: // SQLITE_AUTH
                return new MoltbotException(ErrorIds.StoreUnreadable, MoltbotErrorKind.PermissionDenied,
                    $"The OpenClaw database {path} cannot be opened: {ex.Message}. It was left untouched.", path, ex)
                {
                    RecommendedAction = "Check that the file and its folder belong to you and are readable (0600 / 0700).",
                };
            case 11: // SQLITE_CORRUPT
            case 26: // SQLITE_NOTADB
                return Unreadable(path, "it is not a SQLite database or it is damaged", ex);
            default:
                return Unreadable(path, ex.Message, ex);
        }
    }

    private static MoltbotException Unreadable(string path, string why, Exception? inner = null) =>
        new(ErrorIds.StoreUnreadable, MoltbotErrorKind.InvalidData,
            $"The OpenClaw database {path} cannot be read: {why}. It was left untouched.", path, inner)
        {
            RecommendedAction = "Restore the file from a backup or let OpenClaw recreate it; Moltbot never repairs or replaces an OpenClaw database.",
        };

    private static MoltbotException TooNew(SqliteDbInfo db, string kind, long newest) =>
        new(ErrorIds.SchemaTooNew, MoltbotErrorKind.InvalidData,
            $"The OpenClaw {kind} database {db.Path} has user_version {db.UserVersion}, newer than this Moltbot knows: it knows OpenClaw up to " +
            $"{NewestKnownOpenClaw} ({kind} database user_version {newest}); update Moltbot. It was left untouched.", db.Path)
        {
            RecommendedAction = "Update Moltbot to a version that supports the installed OpenClaw.",
        };

    private static MoltbotException Unknown(SqliteDbInfo db, string kind, string known) =>
        new(ErrorIds.SchemaUnknown, MoltbotErrorKind.InvalidData,
            $"The OpenClaw {kind} database {db.Path} has user_version {db.UserVersion}, which matches no OpenClaw release this Moltbot knows " +
            $"({kind} database user_version {known}). It was left untouched.", db.Path)
        {
            RecommendedAction = $"Run `{DoctorFix}` with the installed OpenClaw, then retry; if the version stays, report it to the Moltbot maintainers.",
        };

    private static MoltbotException TablesMissing(SqliteDbInfo db, string[] missing) =>
        new(ErrorIds.StoreTablesMissing, MoltbotErrorKind.InvalidData,
            $"The OpenClaw database {Describe(db)} lacks the table{(missing.Length == 1 ? "" : "s")} {string.Join(", ", missing)}. It was left untouched.", db.Path)
        {
            RecommendedAction = $"Run `{DoctorFix}` with the installed OpenClaw to repair the database, then retry.",
        };

    private static MoltbotException Inconsistent(string message, string target) =>
        new(ErrorIds.StoreLayoutInconsistent, MoltbotErrorKind.InvalidData, message + " Nothing was changed.", target)
        {
            RecommendedAction = $"Run `{DoctorFix}` with the installed OpenClaw so that all its databases share one schema, then retry.",
        };
}
