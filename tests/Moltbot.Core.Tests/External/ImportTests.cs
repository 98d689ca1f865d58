using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.Store;
using Moltbot.Core.Store.Sqlite;
using Moltbot.Core.Tests.OAuth;
using Moltbot.Core.Tests.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>ExternalImporter: the mirror rules (identity, fresher wins, no-op) and the era's profile id.</summary>
public sealed class ImportTests : IDisposable
{
    private readonly StateFixture _fx = new();
    private readonly ITestOutputHelper _out;
    private readonly CodexCli _codex = new();

    public ImportTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _fx.Dispose();

    private MoltbotState State()
    {
        var state = _fx.NewState();
        state.SqliteHooks = new SqliteStoreHooks { OAuthLockOptions = StateFixture.Locks with { StaleAfter = TimeSpan.FromSeconds(180) } };
        return state;
    }

    private ExternalImporter Importer(MoltbotState state) => new(state, lockOptions: StateFixture.Locks, time: new FixedClock(ImportSupport.Now));

    private ExternalCredential Codex(DateTimeOffset expires, string refresh, string accountId = "acct-111", string? email = "user@example.com", string salt = "a")
    {
        ImportSupport.WriteCodex(_fx.Home, ImportSupport.CodexDocument(ImportSupport.CodexAccess(expires, accountId, email, salt), refresh, accountId));
        return ImportSupport.Read(_codex, _fx.Environment);
    }

    private void StoreProfile(string id, string provider, string access, string refresh, DateTimeOffset expires, string? accountId = "acct-111", string? email = "user@example.com")
    {
        var profile = new JsonObject { ["type"] = "oauth", ["provider"] = provider, ["access"] = access, ["refresh"] = refresh, ["expires"] = expires.ToUnixTimeMilliseconds() };
        if (accountId is not null)
        {
            profile["accountId"] = accountId;
        }
        if (email is not null)
        {
            profile["email"] = email;
        }
        _fx.WriteStore("main", new JsonObject { ["version"] = 1, ["profiles"] = new JsonObject { [id] = profile } }.ToJsonString());
    }

    private ExternalImportPlan Run(ExternalCredential credential, ExternalImportOptions? options = null)
    {
        var state = State();
        var importer = Importer(state);
        var plan = importer.Plan(state.GetAgent("main"), credential, options);
        _out.WriteLine($"plan: {plan.Action} ({plan.Reason})");
        var done = importer.Apply(plan);
        _out.WriteLine($"applied: {done.Action}");
        return done;
    }

    [Fact]
    public void A_missing_profile_is_imported_as_OpenClaws_mirror_and_recorded_in_the_config()
    {
        var refresh = ImportSupport.Secret("rt-");
        var credential = Codex(ImportSupport.Now.AddDays(5), refresh);

        var done = Run(credential);

        Assert.Equal(ExternalImportAction.Imported, done.Action);
        Assert.Equal("openai-codex:codex-cli", done.ProfileId);
        var stored = Json.ParseFile(_fx.StorePathOf("main"))["profiles"]!["openai-codex:codex-cli"]!;
        Assert.Equal("oauth", (string?)stored["type"]);
        Assert.Equal("openai-codex", (string?)stored["provider"]);
        Assert.Equal(credential.Access, (string?)stored["access"]);
        Assert.Equal(refresh, (string?)stored["refresh"]);
        Assert.Equal(credential.ExpiresMs, (long?)stored["expires"]);
        Assert.Equal("acct-111", (string?)stored["accountId"]);
        Assert.Equal("user@example.com", (string?)stored["email"]);
        Assert.Equal("openai-codex", (string?)Json.ParseFile(_fx.ConfigPath)["auth"]!["profiles"]!["openai-codex:codex-cli"]!["provider"]);
        if (Modes.Unix)
        {
            Modes.AssertMode(Modes.File600, _fx.StorePathOf("main"));
        }
    }

    [Fact]
    public void A_strictly_older_local_copy_is_updated_and_its_other_fields_kept()
    {
        StoreProfile("openai-codex:codex-cli", "openai-codex", "old-access", ImportSupport.Secret("rt-old-"), ImportSupport.Now.AddHours(1));
        var store = Json.ParseFile(_fx.StorePathOf("main"));
        store["profiles"]!["openai-codex:codex-cli"]!["displayName"] = "Work laptop";
        File.WriteAllText(_fx.StorePathOf("main"), store.ToJsonString());
        var refresh = ImportSupport.Secret("rt-new-");
        var credential = Codex(ImportSupport.Now.AddDays(3), refresh);

        var done = Run(credential);

        Assert.Equal(ExternalImportAction.Updated, done.Action);
        Assert.Contains("fresher", done.Reason, StringComparison.Ordinal);
        var stored = Json.ParseFile(_fx.StorePathOf("main"))["profiles"]!["openai-codex:codex-cli"]!;
        Assert.Equal(refresh, (string?)stored["refresh"]);
        Assert.Equal(credential.Access, (string?)stored["access"]);
        Assert.Equal("Work laptop", (string?)stored["displayName"]);
    }

    [Fact]
    public void An_equal_credential_is_a_no_op_that_leaves_every_file_byte_for_byte()
    {
        var refresh = ImportSupport.Secret("rt-");
        var credential = Codex(ImportSupport.Now.AddDays(2), refresh);
        StoreProfile("openai-codex:codex-cli", "openai-codex", credential.Access, refresh, credential.Expires!.Value);
        _fx.WriteConfig("{\"auth\":{\"profiles\":{\"openai-codex:codex-cli\":{\"provider\":\"openai-codex\",\"mode\":\"oauth\"}}}}");
        var before = ImportSupport.Snapshot(_fx.StateDir, _fx.Home);

        var done = Run(credential);

        Assert.Equal(ExternalImportAction.Unchanged, done.Action);
        Assert.Equal(before, ImportSupport.Snapshot(_fx.StateDir, _fx.Home));
        _out.WriteLine($"files compared: {before.Count}");
    }

    [Fact]
    public void A_fresher_local_copy_is_kept_unless_Force_and_nothing_is_written()
    {
        var localRefresh = ImportSupport.Secret("rt-local-");
        StoreProfile("openai-codex:codex-cli", "openai-codex", "local-access", localRefresh, ImportSupport.Now.AddDays(9));
        var credential = Codex(ImportSupport.Now.AddDays(1), ImportSupport.Secret("rt-cli-"));
        var before = ImportSupport.Snapshot(_fx.StateDir);

        var kept = Run(credential);

        Assert.Equal(ExternalImportAction.KeptLocal, kept.Action);
        Assert.StartsWith("local is fresher", kept.Reason, StringComparison.Ordinal);
        Assert.Equal(before, ImportSupport.Snapshot(_fx.StateDir));

        var forced = Run(credential, new ExternalImportOptions(Force: true));
        Assert.Equal(ExternalImportAction.Updated, forced.Action);
        Assert.Equal(credential.Access, (string?)Json.ParseFile(_fx.StorePathOf("main"))["profiles"]!["openai-codex:codex-cli"]!["access"]);
    }

    [Fact]
    public void A_local_refresh_token_is_not_replaced_by_a_token_only_credential()
    {
        StoreProfile("openai-codex:codex-cli", "openai-codex", "local-access", ImportSupport.Secret("rt-local-"), ImportSupport.Now.AddHours(1));
        ImportSupport.WriteCodex(_fx.Home, ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3)), refresh: ""));
        var credential = ImportSupport.Read(_codex, _fx.Environment);
        Assert.Equal(CredentialType.Token, credential.Type);

        var done = Run(credential);

        Assert.Equal(ExternalImportAction.KeptLocal, done.Action);
        Assert.Contains("refresh token", done.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_only_credential_is_imported_as_a_token_profile()
    {
        ImportSupport.WriteCodex(_fx.Home, ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3)), refresh: null));
        var credential = ImportSupport.Read(_codex, _fx.Environment);

        var done = Run(credential);

        Assert.Equal(ExternalImportAction.Imported, done.Action);
        var stored = Json.ParseFile(_fx.StorePathOf("main"))["profiles"]!["openai-codex:codex-cli"]!;
        Assert.Equal("token", (string?)stored["type"]);
        Assert.Equal(credential.Access, (string?)stored["token"]);
        Assert.Null(stored["refresh"]);
    }

    [Theory]
    [InlineData("acct-222", "user@example.com", "account id")]
    [InlineData(null, "other@example.com", "email")]
    public void Another_account_is_refused_even_with_Force_and_nothing_is_written(string? cliAccount, string cliEmail, string by)
    {
        StoreProfile("openai-codex:codex-cli", "openai-codex", "local-access", ImportSupport.Secret("rt-local-"), ImportSupport.Now.AddHours(1),
            accountId: cliAccount is null ? null : "acct-111", email: "user@example.com");
        var doc = ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3), cliAccount ?? "unused", cliEmail), ImportSupport.Secret("rt-other-"), cliAccount ?? "unused");
        if (cliAccount is null)
        {
            // Only the email tells: neither side names an account id.
            doc = ImportSupport.CodexDocument(OAuthTest.Jwt(new JsonObject
            {
                ["exp"] = ImportSupport.Now.AddDays(3).ToUnixTimeSeconds(),
                [Moltbot.Core.OAuth.JwtClaims.ProfileClaim] = new JsonObject { ["email"] = cliEmail },
            }), ImportSupport.Secret("rt-other-"));
            ((JsonObject)doc["tokens"]!).Remove("account_id");
            ((JsonObject)doc["tokens"]!).Remove("id_token");
        }
        ImportSupport.WriteCodex(_fx.Home, doc);
        var credential = ImportSupport.Read(_codex, _fx.Environment);
        var before = ImportSupport.Snapshot(_fx.StateDir, _fx.Home);

        foreach (var force in new[] { false, true })
        {
            var state = State();
            var importer = Importer(state);
            var plan = importer.Plan(state.GetAgent("main"), credential, new ExternalImportOptions(Force: force));
            Assert.Equal(ExternalImportAction.Refused, plan.Action);
            var ex = Assert.Throws<MoltbotException>(() => importer.Apply(plan));
            Assert.Equal(ExternalErrorIds.IdentityMismatch, ex.ErrorId);
            Assert.Equal(MoltbotErrorKind.ResourceExists, ex.Kind);
            Assert.Contains("-ProfileId", ex.RecommendedAction, StringComparison.Ordinal);
            _out.WriteLine($"refused by {by} (force={force}): {ex.Message}");
        }
        Assert.Equal(before, ImportSupport.Snapshot(_fx.StateDir, _fx.Home));

        // Beside it under another id, it is imported.
        var beside = Run(credential, new ExternalImportOptions(ProfileId: "work"));
        Assert.Equal(ExternalImportAction.Imported, beside.Action);
        Assert.Equal("openai-codex:work", beside.ProfileId);
        var profiles = Json.ParseFile(_fx.StorePathOf("main"))["profiles"]!.AsObject();
        Assert.Equal(new[] { "openai-codex:codex-cli", "openai-codex:work" }, profiles.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void An_API_key_is_not_importable()
    {
        ImportSupport.WriteCodex(_fx.Home, new JsonObject { ["OPENAI_API_KEY"] = ImportSupport.Secret("sk-") });
        var credential = ImportSupport.Read(_codex, _fx.Environment);
        var state = State();
        var plan = Importer(state).Plan(state.GetAgent("main"), credential);

        Assert.Equal(ExternalImportAction.Refused, plan.Action);
        var ex = Assert.Throws<MoltbotException>(() => Importer(state).Apply(plan));
        Assert.Equal(ExternalErrorIds.NotImportable, ex.ErrorId);
        Assert.Contains("Set-MoltbotApiKey", ex.RecommendedAction, StringComparison.Ordinal);
        Assert.False(File.Exists(_fx.StorePathOf("main")));
    }

    [Fact]
    public void A_profile_written_between_plan_and_apply_decides_again_inside_the_lock()
    {
        var credential = Codex(ImportSupport.Now.AddDays(2), ImportSupport.Secret("rt-cli-"));
        var state = State();
        var importer = Importer(state);
        var plan = importer.Plan(state.GetAgent("main"), credential);
        Assert.Equal(ExternalImportAction.Imported, plan.Action);
        // OpenClaw refreshes (or a login writes) the profile meanwhile, fresher than the CLI's copy.
        StoreProfile("openai-codex:codex-cli", "openai-codex", "peer-access", "rt-peer", ImportSupport.Now.AddDays(10));
        var before = ImportSupport.Hash(_fx.StorePathOf("main"));

        var done = importer.Apply(plan);

        Assert.Equal(ExternalImportAction.KeptLocal, done.Action);
        Assert.StartsWith("the profile changed meanwhile", done.Reason, StringComparison.Ordinal);
        Assert.Equal(before, ImportSupport.Hash(_fx.StorePathOf("main")));
    }

    [Fact]
    public void A_SQLite_era_store_gets_openai_codex_cli_and_an_existing_mirror_of_the_other_era_is_updated()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        var credential = Codex(ImportSupport.Now.AddDays(2), ImportSupport.Secret("rt-"));

        var done = Run(credential);

        Assert.Equal(StoreKind.Sqlite, State().GetAgent("main").Store.Kind);
        Assert.Equal(ExternalImportAction.Imported, done.Action);
        Assert.Equal("openai:codex-cli", done.ProfileId);
        var view = State().GetAgent("main").LoadStore()!;
        Assert.Equal("openai", view.Get("openai:codex-cli")!.Provider);

        // A store that already holds the JSON era's id (migrated) is updated there, not duplicated.
        var state = State();
        new Moltbot.Core.Profiles.CredentialService(state, StateFixture.Locks).RemoveProfile(state.GetAgent("main"), "openai:codex-cli");
        var old = new JsonObject { ["access"] = "old", ["refresh"] = "rt-old", ["expires"] = ImportSupport.Now.AddHours(1).ToUnixTimeMilliseconds(), ["accountId"] = "acct-111" };
        new Moltbot.Core.Profiles.CredentialService(state, StateFixture.Locks).Save(state.GetAgent("main"), "openai-codex", "openai-codex:codex-cli", CredentialType.OAuth, old, null);
        var fresher = Codex(ImportSupport.Now.AddDays(4), ImportSupport.Secret("rt-"), salt: "b");

        var again = Run(fresher);

        Assert.Equal(ExternalImportAction.Updated, again.Action);
        Assert.Equal("openai-codex:codex-cli", again.ProfileId);
        var after = State().GetAgent("main").LoadStore()!;
        Assert.Null(after.Get("openai:codex-cli"));
        Assert.Equal(fresher.Access, after.Get("openai-codex:codex-cli")!.GetString("access"));
        _out.WriteLine($"era: {dir.Shape}; profiles: {string.Join(", ", after.Profiles.Select(p => p.Id))}");
    }

    [Fact]
    public void The_decision_is_one_function_over_the_held_profile()
    {
        var credential = Codex(ImportSupport.Now.AddDays(2), "rt-same");
        var now = ImportSupport.Now;
        Assert.Equal(ExternalImportAction.Imported, ExternalImporter.Decide(credential, null, "p", false, now).Action);

        StoreProfile("openai-codex:codex-cli", "openai-codex", "x", "rt-other", ImportSupport.Now.AddDays(2));
        var equalExpiry = State().GetAgent("main").LoadStore()!.Get("openai-codex:codex-cli");
        Assert.Equal(ExternalImportAction.KeptLocal, ExternalImporter.Decide(credential, equalExpiry, "p", false, now).Action);

        StoreProfile("openai-codex:codex-cli", "openai-codex", "x", "rt-other", ImportSupport.Now.AddDays(-1));
        var expired = State().GetAgent("main").LoadStore()!.Get("openai-codex:codex-cli");
        var decision = ExternalImporter.Decide(credential, expired, "p", false, now);
        Assert.Equal(ExternalImportAction.Updated, decision.Action);
        Assert.Contains("(expired)", decision.Reason, StringComparison.Ordinal);

        StoreProfile("openai-codex:codex-cli", "anthropic", "x", "rt-other", ImportSupport.Now.AddDays(-1));
        var foreign = State().GetAgent("main").LoadStore()!.Get("openai-codex:codex-cli");
        Assert.Equal(ErrorIds.ProviderMismatch, ExternalImporter.Decide(credential, foreign, "p", true, now).Error!.ErrorId);
    }
}
