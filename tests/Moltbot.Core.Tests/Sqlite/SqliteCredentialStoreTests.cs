using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Agents;
using Moltbot.Core.Locking;
using Moltbot.Core.Profiles;
using Moltbot.Core.State;
using Moltbot.Core.Store;
using Moltbot.Core.Store.Sqlite;
using Xunit;

namespace Moltbot.Core.Tests.Sqlite;

/// <summary>The SQLite backend through the seam, on fixture databases of each era (openclaw-sqlite.md 5 - 7).</summary>
public sealed class SqliteCredentialStoreTests : IDisposable
{
    private const string Fence = RefreshFence.Prefix;
    private readonly StateFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private MoltbotState State(SqliteStoreHooks? hooks = null)
    {
        var state = _fx.NewState();
        state.SqliteHooks = hooks ?? new SqliteStoreHooks { OAuthLockOptions = StateFixture.Locks with { StaleAfter = TimeSpan.FromSeconds(180) } };
        return state;
    }

    private CredentialService Service(MoltbotState state) => new(state, StateFixture.Locks);

    private static string StoreCell(string agentDb) =>
        SqliteStateDir.ReadCell(agentDb, "SELECT store_json FROM auth_profile_store WHERE store_key='primary'")!;

    private static string? StateCell(string agentDb) =>
        SqliteStateDir.ReadCell(agentDb, "SELECT state_json FROM auth_profile_state WHERE state_key='primary'");

    private static string? Shared(SqliteStateDir dir, string key) =>
        SqliteStateDir.ReadCell(dir.StateDbPath, "SELECT value_json FROM config_machine_state WHERE state_key=$k", ("$k", key));

    private void AssertNoJson() =>
        Assert.Empty(Directory.EnumerateFiles(_fx.StateDir, "auth-*.json*", SearchOption.AllDirectories));

    [Fact]
    public void EraC_main_lists_its_profiles_and_a_sub_agent_inherits_them_read_through()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.PutAgentStore(dir.AgentDir("main"), "{\"version\":1,\"profiles\":{\"anthropic:manual\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"sk-ant-oat01-FAKE\"}}}");
        dir.AddAgent("work");
        dir.PutAgentStore(dir.AgentDir("work"), "{\"version\":1,\"profiles\":{\"openai:work\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"sk-FAKE\"}}}");

        var state = State();
        Assert.Equal(StoreEra.SqliteC, state.Layout.Era);
        var main = state.GetAgent("main").LoadStore()!;
        Assert.Equal(new[] { "anthropic:manual" }, main.Profiles.Select(p => p.Id));
        Assert.Equal(StoreSource.AgentDb, main.SourceOf("anthropic:manual")!.Kind);

        var work = state.GetAgent("work").LoadStore()!;
        Assert.Equal(new[] { "anthropic:manual", "openai:work" }, work.Profiles.Select(p => p.Id).OrderBy(x => x));
        Assert.True(work.SourceOf("anthropic:manual")!.Inherited);
        Assert.Equal(StoreSource.SharedAgentDb, work.SourceOf("anthropic:manual")!.Kind);
        Assert.False(work.SourceOf("openai:work")!.Inherited);
        Assert.Equal(dir.AgentDbPath("work"), work.SourceOf("openai:work")!.Path);
    }

    [Fact]
    public void StateDb_ownership_inherits_only_portable_profiles_into_other_agents()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: null, d2: true);
        dir.PutShared("authProfiles.store", "{\"version\":1,\"profiles\":{" +
            "\"openai:default\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"sk-FAKE\"}," +
            "\"openai-codex:me\":{\"type\":\"oauth\",\"provider\":\"openai-codex\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":1}," +
            "\"anthropic:private\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"t\",\"copyToAgents\":false}}}");
        dir.AddAgent("work");

        var state = State();
        Assert.Equal(StoreEra.SqliteD2, state.Layout.Era);
        Assert.Equal(SharedStoreOwner.StateDb, state.Layout.SharedOwner);
        var main = state.GetAgent("main").LoadStore()!;
        Assert.Equal(3, main.Count);
        Assert.Equal(StoreSource.SharedStateDb, main.SourceOf("openai:default")!.Kind);
        Assert.False(main.SourceOf("openai:default")!.Inherited);
        var work = state.GetAgent("work").LoadStore()!;
        Assert.Equal(new[] { "openai:default" }, work.Profiles.Select(p => p.Id));
        Assert.True(work.SourceOf("openai:default")!.Inherited);
    }

    [Fact]
    public void A_write_of_the_main_agent_goes_to_the_shared_cell_compact_keeping_other_rows_and_unknown_fields()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: null, d2: true);
        dir.PutShared("plugins.installedIndex", "{\"big\":true}");
        dir.PutShared("authProfiles.store", "{\"version\":1,\"profiles\":{\"openai:old\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k1\",\"futureField\":{\"x\":1}}},\"futureTop\":7}");
        var before = File.ReadAllBytes(dir.StateDbPath).Length;

        var state = State();
        Service(state).SaveApiKey(state.GetAgent("main"), "anthropic", "anthropic:manual", "sk-ant-api03-FAKE", email: null);

        var cell = Shared(dir, "authProfiles.store")!;
        Assert.DoesNotContain(" ", cell);
        Assert.DoesNotContain("\n", cell);
        var root = JsonNode.Parse(cell)!.AsObject();
        Assert.Equal(7, (int)root["futureTop"]!);
        Assert.Equal(1, (int)root["profiles"]!["openai:old"]!["futureField"]!["x"]!);
        Assert.Equal("api_key", (string)root["profiles"]!["anthropic:manual"]!["type"]!);
        Assert.Equal("{\"big\":true}", Shared(dir, "plugins.installedIndex"));
        Assert.Equal("{\"location\":\"state-db\"}", Shared(dir, "auth.sharedStore"));
        Assert.False(File.Exists(dir.AgentDbPath("main")), "no agent DB is created for main");
        AssertNoJson();
        Assert.True(before > 0);
    }

    [Fact]
    public void Under_state_db_ownership_the_main_agent_s_order_goes_to_its_own_db_created_through_the_cli()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: null, d2: true);
        dir.PutShared("authProfiles.store", "{\"version\":1,\"profiles\":{\"anthropic:manual\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"t\"}}}");
        var asked = 0;
        var state = State(new SqliteStoreHooks
        {
            EnsureAgentDatabase = (id, agentDir, _) =>
            {
                asked++;
                // As `openclaw models auth order clear --agent main` leaves it: the schema, no auth rows.
                var db = dir.AddAgentDb(agentDir, id);
                dir.Exec(db, "DELETE FROM auth_profile_store");
                return true;
            },
        });
        Service(state).SetAgentOrder(state.GetAgent("main"), "anthropic", new[] { "anthropic:manual" });
        Assert.Equal(1, asked);
        Json.AssertDeepEqual("{\"version\":1,\"order\":{\"anthropic\":[\"anthropic:manual\"]}}", JsonNode.Parse(StateCell(dir.AgentDbPath("main"))!));
        Assert.Null(Shared(dir, "authProfiles.state"));
        // With its store row, as OpenClaw writes it: without one, 2026.8+ reads the shared store for this agent instead.
        Json.AssertDeepEqual("{\"version\":1,\"profiles\":{}}", JsonNode.Parse(StoreCell(dir.AgentDbPath("main"))));
        Assert.Equal(new[] { "anthropic:manual" }, State().GetAgent("main").LoadStore()!.GetOrder("anthropic"));
    }

    [Fact]
    public void A_sub_agent_writes_its_own_db_and_its_order_lands_in_its_state_cell()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.PutAgentStore(dir.AgentDir("main"), "{\"version\":1,\"profiles\":{\"anthropic:manual\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"t\"}}}");
        dir.AddAgent("work");
        var mainCell = StoreCell(dir.AgentDbPath("main"));

        var state = State();
        var work = state.GetAgent("work");
        Service(state).SaveToken(work, "anthropic", "anthropic:work", "sk-ant-oat01-FAKE", expires: null);
        Service(state).SetAgentOrder(work, "anthropic", new[] { "anthropic:work", "anthropic:manual" });

        Assert.Equal(mainCell, StoreCell(dir.AgentDbPath("main")));
        Assert.Contains("anthropic:work", StoreCell(dir.AgentDbPath("work")));
        Json.AssertDeepEqual("{\"version\":1,\"order\":{\"anthropic\":[\"anthropic:work\",\"anthropic:manual\"]}}", JsonNode.Parse(StateCell(dir.AgentDbPath("work"))!));
        Assert.Null(StateCell(dir.AgentDbPath("main")));
        AssertNoJson();
    }

    [Fact]
    public void A_static_credential_set_in_a_sub_agent_shadows_the_inherited_one_instead_of_changing_main()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.PutAgentStore(dir.AgentDir("main"), "{\"version\":1,\"profiles\":{\"openai:default\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"main-key\"}}}");
        dir.AddAgent("work");
        var state = State();
        Service(state).SaveApiKey(state.GetAgent("work"), "openai", "openai:default", "work-key", email: null);
        Assert.Contains("main-key", StoreCell(dir.AgentDbPath("main")));
        Assert.Contains("work-key", StoreCell(dir.AgentDbPath("work")));
        Assert.False(state.GetAgent("work").LoadStore()!.SourceOf("openai:default")!.Inherited);
    }

    [Fact]
    public void Removing_an_agent_of_a_sqlite_state_dir_without_an_openclaw_cli_is_refused_and_writes_nothing()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.AddAgent("work");
        dir.PutAgentStore(dir.AgentDir("work"), "{\"version\":1,\"profiles\":{\"openai:work\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k2\"}}}");
        var before = StoreCell(dir.AgentDbPath("work"));
        var state = State();
        var service = new AgentService(state, StateFixture.Locks);

        var error = Throws.Moltbot(ErrorIds.AgentRemovalUnsupported, MoltbotErrorKind.NotImplemented, () => service.Remove("work"));
        Assert.Contains("no openclaw CLI was found", error.Message);
        Assert.Contains("openclaw agents delete work --force", error.RecommendedAction);
        Assert.Equal(before, StoreCell(dir.AgentDbPath("work")));
        Assert.NotNull(state.FindAgent("work"));
    }

    /// <summary>A fake <c>openclaw</c> on PATH that says it is <paramref name="version"/> and answers <c>agents ...</c> with <paramref name="stdout"/> and <paramref name="exitCode"/>.</summary>
    private static OpenClaw.OpenClawCli FakeOpenClaw(Gateway.FakeCli fake, string version, string stdout, int exitCode)
    {
        fake.OpenClaw("case \"$1\" in --version) echo 'OpenClaw " + version + "';; agents) cat <<'EOF'\n" + stdout + "\nEOF\nexit " + exitCode + ";; esac");
        return OpenClaw.OpenClawCli.Locate(fake.Env())!;
    }

    [Gateway.UnixFact]
    public void Removing_an_agent_of_a_sqlite_state_dir_with_an_openclaw_older_than_its_era_is_refused()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.AddAgent("work");
        var state = State();
        using var fake = new Gateway.FakeCli();
        var cli = FakeOpenClaw(fake, "2026.6.1", "{}", 0);
        state.LocateCli = () => cli;

        var error = Throws.Moltbot(ErrorIds.AgentRemovalUnsupported, MoltbotErrorKind.NotImplemented, () => new AgentService(state, StateFixture.Locks).PlanRemove("work"));
        Assert.Contains("2026.6.1, older than the 2026.6.5", error.Message);
        Assert.DoesNotContain(Enumerable.Range(1, fake.Calls), call => fake.Argv(call).FirstOrDefault() == "agents");
    }

    [Gateway.UnixFact]
    public void A_failing_openclaw_agents_delete_gives_its_exit_code_without_the_agents_secret_and_changes_nothing()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.AddAgent("work");
        dir.PutAgentStore(dir.AgentDir("work"), "{\"version\":1,\"profiles\":{\"openai:work\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"sk-FAKE-work-secret-4711\"}}}");
        var before = StoreCell(dir.AgentDbPath("work"));
        var state = State();
        using var fake = new Gateway.FakeCli();
        var cli = FakeOpenClaw(fake, "2026.6.11", "{\"ok\":false,\"error\":{\"type\":\"cli_error\",\"message\":\"boom near sk-FAKE-work-secret-4711\"}}", 3);
        state.LocateCli = () => cli;

        var error = Assert.Throws<OpenClaw.OpenClawCliFailedException>(() => new AgentService(state, StateFixture.Locks).Remove("work"));
        Assert.Equal(ErrorIds.OpenClawAgentDeleteFailed, error.ErrorId);
        Assert.Equal(3, error.ExitCode);
        Assert.Equal(new[] { "agents", "delete", "work", "--force", "--json" }, fake.Argv(fake.Calls));
        Assert.Contains("exited with code 3: boom near ***", error.Message);
        Assert.DoesNotContain("sk-FAKE-work-secret-4711", error.Message);
        Assert.Equal(before, StoreCell(dir.AgentDbPath("work")));
        Assert.NotNull(state.FindAgent("work"));
    }

    [Fact]
    public void Removing_an_inherited_profile_from_a_sub_agent_is_refused_and_an_own_one_goes()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.PutAgentStore(dir.AgentDir("main"), "{\"version\":1,\"profiles\":{\"openai:default\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k\"}}}");
        dir.AddAgent("work");
        dir.PutAgentStore(dir.AgentDir("work"), "{\"version\":1,\"profiles\":{\"openai:work\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k2\"}}}");
        dir.PutAgentState(dir.AgentDir("work"), "{\"version\":1,\"order\":{\"openai\":[\"openai:work\"]},\"usageStats\":{\"openai:work\":{\"lastUsed\":1}}}");
        var state = State();
        var service = Service(state);

        Throws.Moltbot(ErrorIds.ProfileInherited, MoltbotErrorKind.InvalidArgument, () => service.RemoveProfile(state.GetAgent("work"), "openai:default"));
        Assert.Contains("openai:default", StoreCell(dir.AgentDbPath("main")));

        Assert.NotNull(service.RemoveProfile(state.GetAgent("work"), "openai:work"));
        Assert.DoesNotContain("openai:work", StoreCell(dir.AgentDbPath("work")));
        Json.AssertDeepEqual("{\"version\":1}", JsonNode.Parse(StateCell(dir.AgentDbPath("work"))!));
    }

    [Fact]
    public void A_pending_fence_is_never_overwritten_and_shows_as_pending_a_failed_one_says_login()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        var pending = "{\"type\":\"oauth\",\"provider\":\"openai\",\"expires\":1,\"access\":\"" + Fence + "0123:access:ab\",\"refresh\":\"" + Fence + "0123:refresh:cd\"}";
        var failed = "{\"type\":\"oauth\",\"provider\":\"openai\",\"expires\":1,\"access\":\"" + Fence + "0456:failed:access:ab\",\"refresh\":\"" + Fence + "0456:failed:refresh:cd\"}";
        dir.PutAgentStore(dir.AgentDir("main"), "{\"version\":1,\"profiles\":{\"openai:pending\":" + pending + ",\"openai:failed\":" + failed + "}}");
        var state = State();
        var store = state.GetAgent("main").LoadStore()!;
        Assert.Equal(AuthProfileStatus.RefreshPending, ProfileStatusRules.Evaluate(store.Get("openai:pending")!, DateTimeOffset.UtcNow));
        Assert.Equal(AuthProfileStatus.LoginRequired, ProfileStatusRules.Evaluate(store.Get("openai:failed")!, DateTimeOffset.UtcNow));

        var before = StoreCell(dir.AgentDbPath("main"));
        Throws.Moltbot(ErrorIds.RefreshInProgress, MoltbotErrorKind.ResourceBusy,
            () => Service(state).SaveApiKey(state.GetAgent("main"), "openai", "openai:pending", "sk-FAKE", null));
        Throws.Moltbot(ErrorIds.RefreshInProgress, MoltbotErrorKind.ResourceBusy,
            () => Service(state).RemoveProfile(state.GetAgent("main"), "openai:pending"));
        Assert.Equal(before, StoreCell(dir.AgentDbPath("main")));

        // A fresh login replaces a failed fence (that is what re-login is for).
        Service(state).Save(state.GetAgent("main"), "openai", "openai:failed", CredentialType.OAuth,
            new JsonObject { ["access"] = "new-access", ["refresh"] = "new-refresh", ["expires"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() }, null);
        Assert.Equal(AuthProfileStatus.Ok, ProfileStatusRules.Evaluate(state.GetAgent("main").LoadStore()!.Get("openai:failed")!, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task An_oauth_write_waits_for_the_cross_agent_oauth_profile_lock_of_its_era()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        var state = State();
        var target = OAuthProfileLock.HashedTarget(_fx.StateDir, "openai", "openai:me@example.com");
        Assert.Equal(new[] { target }, state.GetAgent("main").Store.OAuthLockTargets("openai", "openai:me@example.com"));
        var held = FileLock.Acquire(target, StateFixture.Locks);
        var save = Task.Run(() => Service(State()).Save(State().GetAgent("main"), "openai", "openai:me@example.com", CredentialType.OAuth,
            new JsonObject { ["access"] = "a", ["refresh"] = "r", ["expires"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() }, null));
        await Task.Delay(400);
        Assert.False(save.IsCompleted, "the oauth write must wait for the OAuth profile lock");
        Assert.DoesNotContain("openai:me@example.com", StoreCell(dir.AgentDbPath("main")));
        held.Dispose();
        Assert.True(await Files.CompletesWithin(save, 20000));
        await save;
        Assert.Contains("openai:me@example.com", StoreCell(dir.AgentDbPath("main")));
        Assert.False(File.Exists(target + ".lock"));

        // A static credential needs no OAuth lock.
        using (FileLock.Acquire(OAuthProfileLock.HashedTarget(_fx.StateDir, "openai", "openai:key"), StateFixture.Locks))
        {
            Service(State()).SaveApiKey(State().GetAgent("main"), "openai", "openai:key", "sk-FAKE", null);
        }
    }

    [Fact]
    public void Era_C_takes_both_lock_names_and_the_lock_names_match_openclaw()
    {
        SqliteFixtures.CreateC(_fx.StateDir);
        var targets = State().GetAgent("main").Store.OAuthLockTargets("anthropic", "anthropic:default");
        Assert.Equal(2, targets.Count);
        Assert.EndsWith("lock-d86ff71f0416cea6738a705bf801262d", targets[0]);
        Assert.Contains("sha256-", targets[1]);
        Assert.Equal("lock-98b549f98aa9ad78cf535d85c44baf72", OAuthProfileLock.HashedId("openai", "openai:me@example.com"));
        Assert.Equal("lock-d86ff71f0416cea6738a705bf801262d", OAuthProfileLock.HashedId("anthropic", "anthropic:default"));
    }

    [Fact]
    public void A_missing_agent_db_is_never_made_by_hand_but_through_the_hook()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "state-db");
        Directory.CreateDirectory(dir.AgentDir("work"));
        var state = State();
        var ex = Throws.Moltbot(ErrorIds.AgentDatabaseMissing, MoltbotErrorKind.ObjectNotFound,
            () => Service(state).SaveApiKey(state.GetAgent("work"), "openai", "openai:work", "sk-FAKE", null));
        Assert.Contains("openclaw", ex.RecommendedAction);
        Assert.False(File.Exists(dir.AgentDbPath("work")));

        var asked = new List<string>();
        var withHook = State(new SqliteStoreHooks
        {
            EnsureAgentDatabase = (id, agentDir, _) =>
            {
                asked.Add(id);
                dir.AddAgentDb(agentDir, id);
                return true;
            },
        });
        Service(withHook).SaveApiKey(withHook.GetAgent("work"), "openai", "openai:work", "sk-FAKE", null);
        Assert.Equal(new[] { "work" }, asked);
        Assert.Contains("openai:work", StoreCell(dir.AgentDbPath("work")));
    }

    [Fact]
    public void An_empty_d_era_store_beside_legacy_json_warns_on_read_and_refuses_a_write()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        dir.AddAgent("work");
        var legacy = Path.Combine(dir.AgentDir("work"), "auth-profiles.json");
        File.WriteAllText(legacy, "{\"version\":1,\"profiles\":{\"openai:x\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k\"}}}");
        var bytes = File.ReadAllBytes(legacy);
        var state = State();
        var view = state.GetAgent("work").LoadStore()!;
        Assert.Contains(view.Warnings, w => w.Contains("openclaw doctor --fix", StringComparison.Ordinal));
        Throws.Moltbot(ErrorIds.MigrationRequired, MoltbotErrorKind.InvalidData,
            () => Service(state).SaveApiKey(state.GetAgent("work"), "openai", "openai:y", "sk-FAKE", null));
        Assert.Equal(bytes, File.ReadAllBytes(legacy));
        Assert.DoesNotContain("openai:y", StoreCell(dir.AgentDbPath("work")));
    }

    [Fact]
    public void The_database_files_keep_their_inodes_and_modes_and_no_sidecar_is_touched()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        var db = dir.AgentDbPath("main");
        Assert.True(File.Exists(db + "-wal") && File.Exists(db + "-shm"), "the fixture leaves the sidecars as OpenClaw's clean close does");
        var inodes = new[] { Inode(db), Inode(db + "-wal"), Inode(db + "-shm") };
        var state = State();
        for (var i = 0; i < 5; i++)
        {
            Service(state).SaveApiKey(state.GetAgent("main"), "openai", "openai:k" + i, "sk-FAKE-" + i, null);
        }
        // Moltbot's connection was the last to close each time: SQLite would have deleted -wal and -shm without
        // SQLITE_FCNTL_PERSIST_WAL.
        Assert.Equal(inodes, new[] { Inode(db), Inode(db + "-wal"), Inode(db + "-shm") });
        Modes.AssertMode(Modes.File600, db + "-wal");
        Modes.AssertMode(Modes.File600, db);
        Assert.Equal(5, state.GetAgent("main").LoadStore()!.Count);
        AssertNoJson();
    }

    [Theory]
    [InlineData(99, ErrorIds.SchemaTooNew)]
    [InlineData(7, ErrorIds.StoreLayoutInconsistent)]
    public void An_agent_db_whose_schema_does_not_fit_the_era_is_refused_when_its_store_is_opened(long userVersion, string errorId)
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        dir.AddAgent("odd");
        dir.SetUserVersion(dir.AgentDbPath("odd"), userVersion);
        var before = File.ReadAllBytes(dir.AgentDbPath("odd"));
        var state = State();
        Assert.Equal(StoreEra.SqliteD2, state.Layout.Era); // detection opened only the state and main databases
        Assert.NotNull(state.GetAgent("main").LoadStore());
        Throws.Moltbot(errorId, MoltbotErrorKind.InvalidData, () => state.GetAgent("odd").LoadStore());
        Throws.Moltbot(errorId, MoltbotErrorKind.InvalidData, () => Service(state).SaveApiKey(state.GetAgent("odd"), "openai", "openai:x", "sk-FAKE", null));
        Assert.Equal(before, File.ReadAllBytes(dir.AgentDbPath("odd")));
    }

    [Fact]
    public async Task A_repeated_read_sees_every_outside_commit_at_once_and_after_the_racy_window()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        dir.AddAgent("work");
        string Profiles(int n) => "{\"version\":1,\"profiles\":{" + string.Join(",", Enumerable.Range(0, n).Select(i => $"\"openai:p{i}\":{{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k{i}\"}}")) + "}}";
        dir.PutAgentStore(dir.AgentDir("work"), Profiles(1));
        Assert.Equal(1, State().GetAgent("work").LoadStore()!.Count);
        dir.PutAgentStore(dir.AgentDir("work"), Profiles(2)); // within the same second as the first read
        Assert.Equal(2, State().GetAgent("work").LoadStore()!.Count);
        await Task.Delay(2300);
        Assert.Equal(2, State().GetAgent("work").LoadStore()!.Count); // served from the cache now: files unchanged
        dir.PutAgentStore(dir.AgentDir("work"), Profiles(3));
        Assert.Equal(3, State().GetAgent("work").LoadStore()!.Count);
        await Task.Delay(2300);
        Assert.Equal(3, State().GetAgent("work").LoadStore()!.Count);
        dir.PutAgentStore(dir.AgentDir("work"), Profiles(3).Replace("\"k0\"", "\"k9\"", StringComparison.Ordinal)); // same size
        Assert.Equal("k9", State().GetAgent("work").LoadStore()!.Get("openai:p0")!.GetString("key"));
    }

    [Fact]
    public void An_openclaw_2026_6_1_dir_with_its_v1_state_db_and_json_stores_stays_in_the_json_era()
    {
        // openclaw 2026.6.1 makes state/openclaw.sqlite (user_version 1) but keeps credentials in JSON.
        SqliteFixtures.CreateC(_fx.StateDir, agentId: null, withStateDb: true);
        _fx.WriteStore("main", "{\"version\":1,\"profiles\":{\"openai:k\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k\"}}}");
        File.WriteAllText(Path.Combine(_fx.StateDir, "agents", "main", "agent", "auth-state.json"), "{\"version\":1,\"order\":{\"openai\":[\"openai:k\"]}}");
        var state = State();
        Assert.Equal(StoreEra.JsonStateFile, state.Layout.Era);
        var main = state.GetAgent("main");
        Assert.IsType<JsonCredentialStore>(main.Store);
        Assert.Equal(new[] { "openai:k" }, main.LoadStore()!.GetOrder("openai"));
        Service(state).SaveApiKey(main, "openai", "openai:k2", "sk-FAKE", null);
        Assert.Contains("openai:k2", File.ReadAllText(_fx.StorePathOf("main")));
    }

    [Fact]
    public void Reading_a_database_that_has_no_sidecar_files_creates_none()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main", openClawSidecars: false);
        dir.PutAgentStore(dir.AgentDir("main"), "{\"version\":1,\"profiles\":{\"openai:k\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"k\"}}}");
        var before = Directory.EnumerateFiles(_fx.StateDir, "*", SearchOption.AllDirectories).OrderBy(f => f).ToList();
        Assert.DoesNotContain(before, f => f.EndsWith("-wal", StringComparison.Ordinal) || f.EndsWith("-shm", StringComparison.Ordinal));
        var state = State();
        Assert.Equal(1, state.GetAgent("main").LoadStore()!.Count);
        Assert.Equal(before, Directory.EnumerateFiles(_fx.StateDir, "*", SearchOption.AllDirectories).OrderBy(f => f).ToList());
    }

    [Fact]
    public void Concurrent_writers_through_separate_state_objects_lose_nothing()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        const int threads = 6, each = 25;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (var i = 0; i < each; i++)
            {
                var state = State();
                Service(state).SaveApiKey(state.GetAgent("main"), "openai", $"openai:t{t}-{i}", "sk-FAKE", null);
            }
        });
        Assert.Equal(threads * each, State().GetAgent("main").LoadStore()!.Count);
    }

    [Fact]
    public void An_empty_state_dir_with_a_sqlite_era_openclaw_gets_its_database_from_the_cli_never_a_json_file()
    {
        var state = _fx.NewState();
        SqliteStateDir? made = null;
        state.NewStateLayout = empty => StoreLayout.ForPendingSqlite(empty);
        state.SqliteHooks = new SqliteStoreHooks
        {
            EnsureAgentDatabase = (id, agentDir, _) =>
            {
                made = SqliteFixtures.CreateD(_fx.StateDir, agentId: id, d2: true, ownership: null);
                return true;
            },
        };
        var main = state.GetAgent("main");
        Assert.Null(main.LoadStore());
        Assert.False(main.Store.Exists);
        Service(state).SaveApiKey(main, "openai", "openai:default", "sk-FAKE", null);
        Assert.NotNull(made);
        Assert.Contains("openai:default", StoreCell(made!.AgentDbPath("main")));
        AssertNoJson();
        var again = _fx.NewState();
        Assert.Equal(StoreEra.SqliteD2, again.Layout.Era);
        Assert.Equal(StoreSource.AgentDb, again.GetAgent("main").LoadStore()!.SourceOf("openai:default")!.Kind);
    }

    [Fact]
    public void An_empty_state_dir_whose_cli_cannot_create_the_database_gets_a_clear_error_and_no_file()
    {
        var state = _fx.NewState();
        state.NewStateLayout = empty => StoreLayout.ForPendingSqlite(empty);
        state.SqliteHooks = new SqliteStoreHooks { EnsureAgentDatabase = (_, _, _) => false };
        var ex = Throws.Moltbot(ErrorIds.AgentDatabaseMissing, MoltbotErrorKind.ObjectNotFound,
            () => Service(state).SaveApiKey(state.GetAgent("main"), "openai", "openai:default", "sk-FAKE", null));
        Assert.Contains("openclaw models auth order clear", ex.RecommendedAction);
        Assert.False(Directory.Exists(Path.Combine(_fx.StateDir, "agents")));
    }

    private static string Inode(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return string.Empty;
        }
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", new[] { "-c", "%d:%i", path }) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return text;
    }
}
