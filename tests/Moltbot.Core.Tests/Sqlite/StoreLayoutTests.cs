using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Moltbot.Core;
using Moltbot.Core.State;
using Xunit;

namespace Moltbot.Core.Tests.Sqlite;

/// <summary>Era detection from the files (openclaw-sqlite.md section 3), in throw-away state dirs.</summary>
public sealed class StoreLayoutTests : IDisposable
{
    private readonly StateFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private StatePaths Paths => StatePaths.Resolve(_fx.Environment);

    private string MainDir => Paths.DefaultAgentDir("main");

    private string StateDbPath => Path.Combine(_fx.StateDir, "state", "openclaw.sqlite");

    private StoreLayout Detect(params string[] otherAgentIds) =>
        StoreLayout.Detect(Paths, MainDir, otherAgentIds.Select(id => Paths.DefaultAgentDir(id)));

    private MoltbotException DetectFails(string errorId, params string[] otherAgentIds) =>
        Throws.Moltbot(errorId, MoltbotErrorKind.InvalidData, () => Detect(otherAgentIds));

    // ---- JSON eras and nothing -------------------------------------------------------------------------------

    [Fact]
    public void EmptyStateDir_IsNone_AndCreatesNothing()
    {
        Directory.CreateDirectory(_fx.StateDir);
        var layout = Detect("work");
        Assert.Equal(StoreEra.None, layout.Era);
        Assert.False(layout.IsSqlite);
        Assert.Equal(SharedStoreOwner.None, layout.SharedOwner);
        Assert.Null(layout.SharedStorePath);
        Assert.Null(layout.StateDb);
        Assert.Empty(layout.AgentDbs);
        Assert.Empty(layout.LegacyJsonFiles);
        Assert.Equal(Path.Combine(MainDir, "openclaw-agent.sqlite"), layout.MainAgentDbPath);
        Assert.Empty(Directory.GetFileSystemEntries(_fx.StateDir));
    }

    [Fact]
    public void MissingStateDir_IsNone()
    {
        Assert.Equal(StoreEra.None, Detect().Era);
        Assert.False(Directory.Exists(_fx.StateDir));
    }

    [Fact]
    public void AuthProfilesJsonOnly_IsJsonSingleFile()
    {
        var store = _fx.WriteStore("main", "{\"version\":1,\"profiles\":{}}");
        var layout = Detect();
        Assert.Equal(StoreEra.JsonSingleFile, layout.Era);
        Assert.False(layout.IsSqlite);
        Assert.Equal(SharedStoreOwner.None, layout.SharedOwner);
        Assert.Equal(new[] { store }, layout.LegacyJsonFiles);
    }

    [Fact]
    public void AuthStateJsonInAnyAgentDir_IsJsonStateFile()
    {
        _fx.WriteStore("main", "{\"version\":1,\"profiles\":{}}");
        _fx.Tmp.File(Path.Combine("state", "agents", "work", "agent", "auth-state.json"), "{\"version\":1}");
        Assert.Equal(StoreEra.JsonSingleFile, Detect().Era); // work not given
        var layout = Detect("work");
        Assert.Equal(StoreEra.JsonStateFile, layout.Era);
        Assert.Equal(2, layout.LegacyJsonFiles.Count);
    }

    // ---- SQLite eras --------------------------------------------------------------------------------------------

    [Fact]
    public void EraC_SharedStoreIsMainAgentDb()
    {
        var fx = SqliteFixtures.CreateC(_fx.StateDir, "main");
        var layout = Detect();
        Assert.Equal(StoreEra.SqliteC, layout.Era);
        Assert.True(layout.IsSqlite);
        Assert.Equal(SharedStoreOwner.MainAgentDb, layout.SharedOwner);
        Assert.Equal(fx.AgentDbPath("main"), layout.SharedStorePath);
        Assert.Equal(fx.AgentDbPath("main"), layout.MainAgentDbPath);
        var state = Assert.IsType<SqliteDbInfo>(layout.StateDb);
        Assert.Equal(Info(StateDbPath, 1, "global", null, null, false), state);
        var agent = Assert.Single(layout.AgentDbs);
        Assert.Equal(Info(fx.AgentDbPath("main"), 1, "agent", "main", null, true), agent);
        Assert.Equal(1, agent.SchemaVersion);
        Assert.Empty(layout.Notes);
        Assert.Empty(layout.LegacyJsonFiles);
    }

    [Fact]
    public void EraC_StateDbOnly_IsC()
    {
        SqliteFixtures.CreateC(_fx.StateDir, agentId: null);
        var layout = Detect();
        Assert.Equal(StoreEra.SqliteC, layout.Era);
        Assert.Equal(SharedStoreOwner.MainAgentDb, layout.SharedOwner);
        Assert.Equal(layout.MainAgentDbPath, layout.SharedStorePath);
        Assert.Empty(layout.AgentDbs);
        Assert.Contains(layout.Notes, n => n.Contains("does not exist yet"));
    }

    [Fact]
    public void EraC_WithoutStateDb_AndAConfiguredAgentDir()
    {
        var fx = SqliteFixtures.CreateC(_fx.StateDir, "main", withStateDb: false);
        var custom = _fx.Tmp.Combine("custom-agent");
        fx.AddAgentDb(custom, "work");
        var layout = StoreLayout.Detect(Paths, MainDir, new[] { custom, MainDir });
        Assert.Equal(StoreEra.SqliteC, layout.Era);
        Assert.Null(layout.StateDb);
        Assert.Equal(new[] { "main", "work" }, layout.AgentDbs.Select(a => a.AgentId));
    }

    [Theory]
    [InlineData(false, "legacy-main", StoreEra.SqliteD1, SharedStoreOwner.MainAgentDb)]
    [InlineData(false, "state-db", StoreEra.SqliteD1, SharedStoreOwner.StateDb)]
    [InlineData(true, "legacy-main", StoreEra.SqliteD2, SharedStoreOwner.MainAgentDb)]
    [InlineData(true, "state-db", StoreEra.SqliteD2, SharedStoreOwner.StateDb)]
    public void EraD_OwnershipDecidesTheSharedStore(bool d2, string ownership, StoreEra era, SharedStoreOwner owner)
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2, ownership);
        fx.AddAgent("work");
        var layout = Detect("work");
        Assert.Equal(era, layout.Era);
        Assert.True(layout.IsSqlite);
        Assert.Equal(owner, layout.SharedOwner);
        Assert.Equal(owner == SharedStoreOwner.StateDb ? StateDbPath : fx.AgentDbPath("main"), layout.SharedStorePath);
        var appVersion = d2 ? "2026.9.6" : null;
        Assert.Equal(Info(StateDbPath, d2 ? 18 : 15, "global", null, appVersion, true), layout.StateDb);
        Assert.Equal(new[]
        {
            Info(fx.AgentDbPath("main"), d2 ? 23 : 19, "agent", "main", appVersion, true),
            Info(fx.AgentDbPath("work"), d2 ? 23 : 19, "agent", "work", appVersion, true),
        }, layout.AgentDbs);
        Assert.Empty(layout.Notes);
    }

    [Fact]
    public void OwnershipWithARepeatedKey_KeepsTheLastValue_AsJsonParse()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        fx.SetOwnership("{\"location\":\"elsewhere\",\"location\":\"legacy-main\"}");
        Assert.Equal(SharedStoreOwner.MainAgentDb, Detect().SharedOwner);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EraD_MissingOwnershipRow_IsLegacyMain(bool d2)
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2, ownership: null);
        var layout = Detect();
        Assert.Equal(d2 ? StoreEra.SqliteD2 : StoreEra.SqliteD1, layout.Era);
        Assert.Equal(SharedStoreOwner.MainAgentDb, layout.SharedOwner);
        Assert.Equal(fx.AgentDbPath("main"), layout.SharedStorePath);
        Assert.Contains(layout.Notes, n => n.Contains("auth.sharedStore"));
    }

    [Fact]
    public void EraD2_FreshInstall_StateDbOnly()
    {
        SqliteFixtures.CreateD(_fx.StateDir, agentId: null, d2: true, ownership: "state-db");
        var layout = Detect();
        Assert.Equal(StoreEra.SqliteD2, layout.Era);
        Assert.Equal(SharedStoreOwner.StateDb, layout.SharedOwner);
        Assert.Equal(StateDbPath, layout.SharedStorePath);
        Assert.Empty(layout.AgentDbs);
    }

    [Fact]
    public void EraD_LegacyMainWithoutMainDb_NotesIt()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, agentId: null, d2: true, ownership: "legacy-main");
        fx.AddAgent("work");
        var layout = Detect("work");
        Assert.Equal(SharedStoreOwner.MainAgentDb, layout.SharedOwner);
        Assert.Equal(layout.MainAgentDbPath, layout.SharedStorePath);
        Assert.Contains(layout.Notes, n => n.Contains("does not exist yet"));
    }

    [Fact]
    public void OwnershipWithWhitespace_IsStillValid()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        fx.SetOwnership("{ \"location\" : \"state-db\" }");
        Assert.Equal(SharedStoreOwner.StateDb, Detect().SharedOwner);
    }

    [Theory]
    [InlineData(21, 15, StoreEra.SqliteD1)]
    [InlineData(19, 17, StoreEra.SqliteD1)]
    [InlineData(22, 16, StoreEra.SqliteD1)]
    public void VersionsBetweenKnownOnes_MapToD1_WithANote(long agentVersion, long stateVersion, StoreEra era)
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: false, ownership: "state-db");
        fx.SetUserVersion(fx.AgentDbPath("main"), agentVersion);
        fx.SetUserVersion(fx.StateDbPath, stateVersion);
        var layout = Detect();
        Assert.Equal(era, layout.Era);
        Assert.Contains(layout.Notes, n => n.Contains("unverified"));
    }

    // ---- damaged ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("agent")]
    [InlineData("state")]
    public void ZeroByteDb_IsUnreadable_AndStaysZeroBytes(string which)
    {
        var path = which == "agent" ? Path.Combine(MainDir, "openclaw-agent.sqlite") : StateDbPath;
        _fx.Tmp.File(Path.GetRelativePath(_fx.Tmp.Path, path), "");
        var ex = DetectFails(ErrorIds.StoreUnreadable);
        Assert.Equal(path, ex.Target);
        Assert.Contains(path, ex.Message);
        Assert.Equal(0, new FileInfo(path).Length);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("state")]
    public void GarbageDb_IsUnreadable_AndUntouched(string which)
    {
        var path = which == "agent" ? Path.Combine(MainDir, "openclaw-agent.sqlite") : StateDbPath;
        var garbage = string.Concat(Enumerable.Repeat("this is not a sqlite database, just text. ", 200));
        _fx.Tmp.File(Path.GetRelativePath(_fx.Tmp.Path, path), garbage);
        var ex = DetectFails(ErrorIds.StoreUnreadable);
        Assert.Equal(path, ex.Target);
        Assert.Contains(path, ex.Message);
        Assert.Equal(garbage, File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("state")]
    public void DirectoryInPlaceOfDb_IsUnreadable(string which)
    {
        var path = which == "agent" ? Path.Combine(MainDir, "openclaw-agent.sqlite") : StateDbPath;
        Directory.CreateDirectory(path);
        var ex = DetectFails(ErrorIds.StoreUnreadable);
        Assert.Equal(path, ex.Target);
        Assert.Contains("directory", ex.Message);
    }

    [Theory]
    [InlineData("d-agent", "auth_profile_state")]
    [InlineData("d-agent", "auth_profile_store")]
    [InlineData("d-agent", "schema_meta")]
    [InlineData("d-state", "config_machine_state")]
    [InlineData("c-agent", "auth_profile_store")]
    public void MissingTables_AreTypedErrors(string where, string table)
    {
        var fx = where.StartsWith("c", StringComparison.Ordinal)
            ? SqliteFixtures.CreateC(_fx.StateDir, "main")
            : SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true, ownership: "legacy-main");
        var path = where.EndsWith("state", StringComparison.Ordinal) ? fx.StateDbPath : fx.AgentDbPath("main");
        fx.Exec(path, $"DROP TABLE {table}");
        var ex = DetectFails(ErrorIds.StoreTablesMissing);
        Assert.Equal(path, ex.Target);
        Assert.Contains(table, ex.Message);
    }

    [Theory]
    [InlineData("{\"location\":\"elsewhere\"}")]
    [InlineData("{\"location\":\"state-db\",\"extra\":true}")]
    [InlineData("{\"location\":\"state-db\",\"location\":\"elsewhere\"}")]
    [InlineData("{\"location\":1}")]
    [InlineData("{}")]
    [InlineData("\"state-db\"")]
    [InlineData("state-db")]
    [InlineData("{\"location\":\"state-db\"")]
    public void InvalidOwnership_IsTyped_AndNamesDoctorFix(string json)
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true, ownership: null);
        fx.SetOwnership(json);
        var ex = DetectFails(ErrorIds.SharedStoreOwnershipInvalid);
        Assert.Contains("openclaw doctor --fix", ex.Message);
        Assert.Contains("openclaw doctor --fix", ex.RecommendedAction);
        Assert.Equal(StateDbPath, ex.Target);
    }

    [Theory]
    [InlineData("agent", 99L)]
    [InlineData("agent", 24L)]
    [InlineData("state", 40L)]
    [InlineData("state", 19L)]
    public void SchemaAboveTheNewestKnown_IsTooNew(string which, long version)
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        var path = which == "agent" ? fx.AgentDbPath("main") : fx.StateDbPath;
        fx.SetUserVersion(path, version);
        var ex = DetectFails(ErrorIds.SchemaTooNew);
        Assert.Equal(path, ex.Target);
        Assert.Contains(path, ex.Message);
        Assert.Contains($"user_version {version}", ex.Message);
        Assert.Contains("2026.9.6", ex.Message);
        Assert.Contains("update Moltbot", ex.Message);
        Assert.Contains("Update Moltbot", ex.RecommendedAction);
    }

    [Theory]
    [InlineData("agent", 7L)]
    [InlineData("agent", 2L)]
    [InlineData("agent", 18L)]
    [InlineData("agent", 0L)]
    [InlineData("state", 3L)]
    [InlineData("state", 13L)]
    public void SchemaBetweenFamilies_IsUnknown(string which, long version)
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        var path = which == "agent" ? fx.AgentDbPath("main") : fx.StateDbPath;
        fx.SetUserVersion(path, version);
        var ex = DetectFails(ErrorIds.SchemaUnknown);
        Assert.Equal(path, ex.Target);
        Assert.Contains($"user_version {version}", ex.Message);
    }

    [Fact]
    public void TooNew_IsReportedBeforeUnknown()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        fx.SetUserVersion(fx.StateDbPath, 3);
        fx.SetUserVersion(fx.AgentDbPath("main"), 30);
        var ex = DetectFails(ErrorIds.SchemaTooNew);
        Assert.Equal(fx.AgentDbPath("main"), ex.Target);
    }

    [Fact]
    public void AgentSeven_InEraC_IsUnknown()
    {
        var fx = SqliteFixtures.CreateC(_fx.StateDir, "main");
        fx.SetUserVersion(fx.AgentDbPath("main"), 7);
        DetectFails(ErrorIds.SchemaUnknown);
    }

    // ---- inconsistent and upgraded ------------------------------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AgentDbsOfDifferentFamilies_AreInconsistent(bool withStateDb)
    {
        var fx = SqliteFixtures.CreateC(_fx.StateDir, "main", withStateDb);
        fx.AddAgent("work", SqliteShape.D2);
        var ex = DetectFails(ErrorIds.StoreLayoutInconsistent, "work");
        Assert.Contains("user_version 1", ex.Message);
        Assert.Contains("user_version 23", ex.Message);
        // Without the work dir, main alone is a consistent era C.
        Assert.Equal(StoreEra.SqliteC, Detect().Era);
    }

    [Fact]
    public void DAgentBesideCStateDb_IsInconsistent()
    {
        var fx = SqliteFixtures.CreateC(_fx.StateDir, agentId: null);
        fx.AddAgent("main", SqliteShape.D1);
        DetectFails(ErrorIds.StoreLayoutInconsistent);
    }

    [Fact]
    public void D2AgentBesideD1StateDb_IsInconsistent()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: false);
        fx.AddAgent("work", SqliteShape.D2);
        DetectFails(ErrorIds.StoreLayoutInconsistent, "work");
    }

    [Fact]
    public void DAgentsWithoutStateDb_AreD_LegacyMain_WithANote()
    {
        var fx = SqliteFixtures.CreateC(_fx.StateDir, agentId: null, withStateDb: false);
        fx.AddAgent("main", SqliteShape.D2);
        var layout = Detect();
        Assert.Equal(StoreEra.SqliteD2, layout.Era);
        Assert.Equal(SharedStoreOwner.MainAgentDb, layout.SharedOwner);
        Assert.Null(layout.StateDb);
        Assert.Contains(layout.Notes, n => n.Contains("does not exist"));
    }

    [Fact]
    public void WrongRole_IsInconsistent()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        fx.Exec(fx.AgentDbPath("main"), "UPDATE schema_meta SET role='global' WHERE meta_key='primary'");
        DetectFails(ErrorIds.StoreLayoutInconsistent);
    }

    [Fact]
    public void UpgradedNotMigrated_StateV18BesideAgentV1_IsD2WithADoctorNote()
    {
        // 9.6 migrates the state DB on any CLI call; agent DBs only through doctor.
        var fx = SqliteFixtures.CreateD(_fx.StateDir, agentId: null, d2: true, ownership: null);
        fx.AddAgent("main", SqliteShape.C);
        fx.AddAgent("work", SqliteShape.D2); // an agent added by 9.6 after the upgrade
        var layout = Detect("work");
        Assert.Equal(StoreEra.SqliteD2, layout.Era);
        Assert.Equal(SharedStoreOwner.MainAgentDb, layout.SharedOwner);
        Assert.Equal(fx.AgentDbPath("main"), layout.SharedStorePath);
        Assert.Equal(new long[] { 1, 23 }, layout.AgentDbs.Select(a => a.UserVersion));
        var note = Assert.Single(layout.Notes, n => n.Contains("openclaw doctor --fix"));
        Assert.Contains(fx.AgentDbPath("main"), note);
    }

    [Fact]
    public void D1AgentBesideD2StateDb_IsD2WithANote()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        fx.AddAgent("work", SqliteShape.D1);
        var layout = Detect("work");
        Assert.Equal(StoreEra.SqliteD2, layout.Era);
        Assert.Contains(layout.Notes, n => n.Contains(fx.AgentDbPath("work")));
    }

    // ---- legacy JSON next to SQLite -----------------------------------------------------------------------------

    [Fact]
    public void LegacyJsonBesideSqlite_IsListed_AndDoesNotChangeTheEra()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        var work = fx.AddAgent("work");
        var expected = new[]
        {
            _fx.WriteStore("main", "{\"version\":1,\"profiles\":{}}"),
            _fx.Tmp.File(Path.Combine("state", "agents", "main", "agent", "auth-state.json"), "{\"version\":1}"),
            _fx.Tmp.File(Path.Combine("state", "agents", "work", "agent", "auth.json"), "{}"),
            _fx.Tmp.File(Path.Combine("state", "credentials", "oauth.json"), "{}"),
        };
        var layout = Detect("work");
        Assert.Equal(StoreEra.SqliteD2, layout.Era);
        Assert.Equal(SharedStoreOwner.StateDb, layout.SharedOwner);
        Assert.Equal(expected, layout.LegacyJsonFiles);
        Assert.True(Directory.Exists(work));
    }

    [Fact]
    public void LegacyOAuthJson_FollowsOpenClawOAuthDir()
    {
        var oauthDir = _fx.Tmp.Dir("oauth-elsewhere");
        var oauth = _fx.Tmp.File(Path.Combine("oauth-elsewhere", "oauth.json"), "{}");
        _fx.Tmp.File(Path.Combine("state", "credentials", "oauth.json"), "{}");
        var env = FakeEnv.Create(_fx.Home, ("HOME", _fx.Home), ("OPENCLAW_STATE_DIR", _fx.StateDir), ("OPENCLAW_OAUTH_DIR", oauthDir));
        var paths = StatePaths.Resolve(env);
        var layout = StoreLayout.Detect(paths, paths.DefaultAgentDir("main"));
        Assert.Equal(StoreEra.None, layout.Era);
        Assert.Equal(new[] { oauth }, layout.LegacyJsonFiles);
    }

    // ---- ProbeDb ------------------------------------------------------------------------------------------------

    [Fact]
    public void ProbeDb_MissingFile_IsNull_AndCreatesNothing()
    {
        var dir = _fx.Tmp.Dir("empty");
        Assert.Null(StoreLayout.ProbeDb(Path.Combine(dir, "openclaw-agent.sqlite")));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void ProbeDb_SelectsThePrimaryRow()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "work", d2: true);
        var info = StoreLayout.ProbeDb(fx.AgentDbPath("work"))!;
        Assert.Equal("work", info.AgentId);
        Assert.Equal(23, info.SchemaVersion);
        Assert.True(info.HasSchemaMeta);
        Assert.Equal(StoreLayout.AgentDbPath(fx.AgentDir("work")), info.Path);
    }

    [Fact]
    public void ProbeDb_SeesCommitsStillInTheWal()
    {
        // A second process may hold the db open: its latest commit lives in the -wal only.
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true);
        var path = fx.AgentDbPath("main");
        using var writer = new SqliteConnection($"Data Source={path};Mode=ReadWrite;Pooling=False");
        writer.Open();
        using (var cmd = writer.CreateCommand())
        {
            cmd.CommandText = "PRAGMA wal_autocheckpoint=0; UPDATE schema_meta SET agent_id='renamed' WHERE meta_key='primary'";
            cmd.ExecuteNonQuery();
        }
        Assert.True(new FileInfo(path + "-wal").Length > 0);
        Assert.Equal("renamed", StoreLayout.ProbeDb(path)!.AgentId);
    }

    // ---- read-only proof ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("wal-openclaw-sidecars")]
    [InlineData("wal-no-sidecars")]
    [InlineData("delete-journal")]
    public void Detect_LeavesEveryFileUnchanged_AndCreatesNone(string journal)
    {
        var wal = journal != "delete-journal";
        var sidecars = journal == "wal-openclaw-sidecars";
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true, ownership: "state-db", wal: wal, openClawSidecars: sidecars);
        var work = fx.AddAgent("work");
        fx.PutAgentStore(work, "{\"version\":1,\"profiles\":{\"anthropic:work\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"fake\"}}}");
        fx.PutShared("authProfiles.store", "{\"version\":1,\"profiles\":{}}");
        _fx.WriteStore("main", "{\"version\":1,\"profiles\":{}}");
        var dbFiles = Directory.GetFiles(_fx.StateDir, "*.sqlite*", SearchOption.AllDirectories);
        Assert.Equal(sidecars ? 9 : 3, dbFiles.Length);
        Assert.Equal(sidecars, File.Exists(fx.StateDbPath + "-shm"));

        var before = Snapshot(_fx.Tmp.Path);
        var layout = Detect("work");
        StoreLayout.ProbeDb(fx.AgentDbPath("work"));
        Assert.Equal(StoreEra.SqliteD2, layout.Era);
        var after = Snapshot(_fx.Tmp.Path);

        Assert.Equal(before.Keys.OrderBy(k => k, StringComparer.Ordinal), after.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (path, entry) in before)
        {
            Assert.True(entry == after[path], $"{path} changed: {entry} -> {after[path]}");
        }
    }

    [Fact]
    public void Detect_OnAnError_LeavesTheTreeUnchanged()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true, ownership: null);
        fx.SetOwnership("{\"location\":\"elsewhere\"}");
        var before = Snapshot(_fx.Tmp.Path);
        DetectFails(ErrorIds.SharedStoreOwnershipInvalid);
        var after = Snapshot(_fx.Tmp.Path);
        Assert.Equal(before, after);
    }

    // ---- the fixture itself -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("C")]
    [InlineData("D1")]
    [InlineData("D2")]
    public void Fixture_MatchesTheSpec(string era)
    {
        var fx = era == "C"
            ? SqliteFixtures.CreateC(_fx.StateDir, "main")
            : SqliteFixtures.CreateD(_fx.StateDir, "main", d2: era == "D2", ownership: "state-db");
        var strict = era == "C" ? "" : " STRICT";
        var agentSql = TableSql(fx.AgentDbPath("main"));
        Assert.Equal(SqliteStateDir.SchemaMetaDdl(strict), agentSql["schema_meta"]);
        Assert.Equal(SqliteStateDir.AuthProfileStoreDdl(strict), agentSql["auth_profile_store"]);
        Assert.Equal(SqliteStateDir.AuthProfileStateDdl(strict), agentSql["auth_profile_state"]);
        var stateSql = TableSql(fx.StateDbPath);
        if (era == "C")
        {
            Assert.DoesNotContain("config_machine_state", stateSql.Keys);
        }
        else
        {
            Assert.Equal(SqliteStateDir.ConfigMachineStateDdl, stateSql["config_machine_state"]);
            Assert.Contains("agent_databases", stateSql.Keys);
            Assert.Equal("agents/main/agent/openclaw-agent.sqlite",
                SqliteStateDir.ReadCell(fx.StateDbPath, "SELECT path FROM agent_databases WHERE agent_id='main'"));
            Assert.Equal("{\"location\":\"state-db\"}",
                SqliteStateDir.ReadCell(fx.StateDbPath, "SELECT value_json FROM config_machine_state WHERE state_key='auth.sharedStore'"));
        }
        Assert.Equal("wal", SqliteStateDir.ReadCell(fx.AgentDbPath("main"), "PRAGMA journal_mode"));
        Assert.Equal("{\"version\":1,\"profiles\":{}}",
            SqliteStateDir.ReadCell(fx.AgentDbPath("main"), "SELECT store_json FROM auth_profile_store WHERE store_key='primary'"));

        // OpenClaw's clean-close state: 0-byte -wal, 32 KiB -shm, all 0600 in 0700 folders.
        Assert.Equal(0, new FileInfo(fx.AgentDbPath("main") + "-wal").Length);
        Assert.Equal(32768, new FileInfo(fx.AgentDbPath("main") + "-shm").Length);
        foreach (var file in Directory.GetFiles(_fx.StateDir, "*", SearchOption.AllDirectories))
        {
            Modes.AssertMode(Modes.File600, file);
        }
        foreach (var dir in Directory.GetDirectories(_fx.StateDir, "*", SearchOption.AllDirectories).Append(_fx.StateDir))
        {
            Modes.AssertMode(Modes.Dir700, dir);
        }
    }

    [Fact]
    public void Fixture_PutHelpers_WriteTheCells()
    {
        var fx = SqliteFixtures.CreateD(_fx.StateDir, "main", d2: true, ownership: "legacy-main");
        var main = fx.AgentDir("main");
        fx.PutAgentStore(main, "{\"version\":1,\"profiles\":{\"a:b\":{\"type\":\"api_key\",\"provider\":\"a\",\"key\":\"k\"}}}");
        fx.PutAgentState(main, "{\"version\":1,\"order\":{\"a\":[\"a:b\"]}}");
        fx.PutShared("authProfiles.store", "{\"version\":1,\"profiles\":{}}");
        fx.SetOwnership("{\"location\":\"state-db\"}");
        var db = fx.AgentDbPath("main");
        Assert.Contains("a:b", SqliteStateDir.ReadCell(db, "SELECT store_json FROM auth_profile_store WHERE store_key='primary'"));
        Assert.Equal("{\"version\":1,\"order\":{\"a\":[\"a:b\"]}}", SqliteStateDir.ReadCell(db, "SELECT state_json FROM auth_profile_state WHERE state_key='primary'"));
        Assert.Equal("{\"version\":1,\"profiles\":{}}",
            SqliteStateDir.ReadCell(fx.StateDbPath, "SELECT value_json FROM config_machine_state WHERE state_key=$k", ("$k", "authProfiles.store")));
        Assert.Equal(SharedStoreOwner.StateDb, Detect().SharedOwner);
        fx.SetOwnership(null);
        Assert.Equal(SharedStoreOwner.MainAgentDb, Detect().SharedOwner);
    }

    /// <summary>A probe result as the fixture writes it: schema_meta row primary with schema_version = user_version.</summary>
    private static SqliteDbInfo Info(string path, long userVersion, string? role, string? agentId, string? appVersion, bool hasAuthTables) =>
        new(path, userVersion, role, agentId, appVersion, hasAuthTables) { SchemaVersion = userVersion, HasSchemaMeta = true };

    private static Dictionary<string, string> TableSql(string dbPath)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var conn = new SqliteConnection($"Data Source={dbPath};Mode=ReadOnly;Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT name, sql FROM sqlite_master WHERE type='table'";
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = reader.GetString(1);
        }
        return result;
    }

    /// <summary>
    /// Every file and folder under <paramref name="root"/>: length, SHA-256 and mtime for files. For a <c>-shm</c> file only
    /// length and bytes: the first SQLite connection to open a wal-index that no other process has open (any reader, OpenClaw's
    /// too) truncates and rebuilds it, which changes its mtime but not its bytes. OpenClaw's change detection looks at the db,
    /// <c>-wal</c> and <c>-journal</c> only (openclaw-sqlite.md 7.1), and its split-brain check at dev/inode, which stay the same.
    /// </summary>
    private static Dictionary<string, string> Snapshot(string root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Directory.GetDirectories(root, "*", SearchOption.AllDirectories))
        {
            result[dir] = "dir " + Directory.GetLastWriteTimeUtc(dir).Ticks;
        }
        foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            var mtime = file.EndsWith("-shm", StringComparison.Ordinal) ? "" : " " + File.GetLastWriteTimeUtc(file).Ticks;
            result[file] = $"{bytes.Length} {Convert.ToHexString(SHA256.HashData(bytes))}{mtime}";
        }
        return result;
    }
}
