using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.Tests.OAuth;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>-TakeOwnership and the writer: only the refresh token goes, under the CLI's lock, and only if the file still holds it.</summary>
public sealed class ImportTakeoverTests : IDisposable
{
    private readonly StateFixture _fx = new();
    private readonly ITestOutputHelper _out;
    private readonly CodexCli _codex = new();

    public ImportTakeoverTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _fx.Dispose();

    private static readonly ExternalWriteOptions ShortWait = new() { LockTimeout = TimeSpan.FromMilliseconds(300), LockPollInterval = TimeSpan.FromMilliseconds(5) };

    private ExternalImporter Importer(MoltbotState state, ExternalWriteOptions? write = null) =>
        new(state, new ExternalCredentialWriter(write ?? ShortWait), StateFixture.Locks, new FixedClock(ImportSupport.Now));

    private (ExternalImportPlan Plan, ExternalImporter Importer) PlanTakeover(ExternalCredential credential, ExternalWriteOptions? write = null)
    {
        var state = _fx.NewState();
        var importer = Importer(state, write);
        var plan = importer.Plan(state.GetAgent("main"), credential, new ExternalImportOptions(TakeOwnership: true));
        _out.WriteLine($"plan: {plan.Describe()}");
        return (plan, importer);
    }

    [Fact]
    public void TakeOwnership_imports_then_empties_only_the_refresh_token_keeping_every_other_field_and_0600()
    {
        var refresh = ImportSupport.Secret("rt-");
        var access = ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3));
        var original = ImportSupport.CodexDocument(access, refresh);
        var path = ImportSupport.WriteCodex(_fx.Home, original, Modes.File644);
        var credential = ImportSupport.Read(_codex, _fx.Environment);

        var (plan, importer) = PlanTakeover(credential);
        Assert.Equal(ExternalImportAction.TookOwnership, plan.Action);
        Assert.Null(plan.Warning); // not applied yet
        var done = importer.Apply(plan);

        Assert.Equal(ExternalImportAction.TookOwnership, done.Action);
        Assert.Equal("codex login", done.SignInCommand);
        Assert.Contains("codex login", done.Warning, StringComparison.Ordinal);
        Assert.DoesNotContain(refresh, done.Warning + done.Reason + done.Describe(), StringComparison.Ordinal);
        Assert.Equal(refresh, (string?)Json.ParseFile(_fx.StorePathOf("main"))["profiles"]!["openai-codex:codex-cli"]!["refresh"]);

        var after = Json.ParseFile(path);
        Assert.Equal(string.Empty, (string?)after["tokens"]!["refresh_token"]);
        Assert.Equal(access, (string?)after["tokens"]!["access_token"]);
        var expected = (JsonObject)original.DeepClone();
        expected["tokens"]!["refresh_token"] = string.Empty;
        Assert.True(JsonNode.DeepEquals(expected, after), after.ToJsonString());
        Assert.Equal("3.50", after["agent_identity"]!["n"]!.ToJsonString()); // a number keeps its text
        if (Modes.Unix)
        {
            Modes.AssertMode(Modes.File600, path);
        }
        Assert.Empty(Files.Leftovers(Path.GetDirectoryName(path)!, "*.tmp"));

        // Run again: the CLI holds no refresh token now, so there is nothing to take; the profile is kept.
        var reread = ImportSupport.Read(_codex, _fx.Environment);
        Assert.False(reread.HasRefreshToken);
        var (second, importer2) = PlanTakeover(reread);
        var twice = importer2.Apply(second);
        Assert.Equal(ExternalImportAction.KeptLocal, twice.Action);
        Assert.Contains("nothing to take over", twice.Reason, StringComparison.Ordinal);
        Assert.Null(twice.SignInCommand);
        _out.WriteLine($"second run: {twice.Action} ({twice.Reason})");
    }

    [Fact]
    public void TakeOwnership_of_a_chain_the_profile_already_holds_writes_only_the_CLI_file()
    {
        var refresh = ImportSupport.Secret("rt-");
        var access = ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3));
        var path = ImportSupport.WriteCodex(_fx.Home, ImportSupport.CodexDocument(access, refresh));
        var credential = ImportSupport.Read(_codex, _fx.Environment);
        var state = _fx.NewState();
        Importer(state).Apply(Importer(state).Plan(state.GetAgent("main"), credential)); // a plain mirror first
        var store = ImportSupport.Hash(_fx.StorePathOf("main"));

        var (plan, importer) = PlanTakeover(credential);
        var done = importer.Apply(plan);

        Assert.Equal(ExternalImportAction.TookOwnership, done.Action);
        Assert.Equal("the profile holds that chain already", done.Reason);
        Assert.Equal(store, ImportSupport.Hash(_fx.StorePathOf("main")));
        Assert.Equal(string.Empty, (string?)Json.ParseFile(path)["tokens"]!["refresh_token"]);
    }

    [Fact]
    public void TakeOwnership_is_refused_with_nothing_written_when_the_CLI_refreshed_meanwhile()
    {
        var path = ImportSupport.WriteCodex(_fx.Home, ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3)), ImportSupport.Secret("rt-")));
        var credential = ImportSupport.Read(_codex, _fx.Environment);
        var (plan, importer) = PlanTakeover(credential);
        // The CLI refreshes between our read and the write: its file holds another refresh token now.
        ImportSupport.WriteCodex(_fx.Home, ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(4), salt: "b"), ImportSupport.Secret("rt-rotated-")));
        var before = ImportSupport.Snapshot(_fx.StateDir, _fx.Home);

        var ex = Assert.Throws<MoltbotException>(() => importer.Apply(plan));

        Assert.Equal(ExternalErrorIds.WriteFailed, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.ResourceBusy, ex.Kind);
        Assert.Contains("another refresh token", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, ImportSupport.Snapshot(_fx.StateDir, _fx.Home));
        Assert.False(File.Exists(_fx.StorePathOf("main")));
        _out.WriteLine(ex.Message);
    }

    /// <summary>The test CLI with a lock, and Qwen Code's own definition (same file and lock).</summary>
    private static ExternalCli LockingCli(string which) => which == "qwen-code" ? new QwenCodeCli() : new LockingTestCli();

    [Theory]
    [InlineData("locking-test")]
    [InlineData("qwen-code")]
    public void A_held_CLI_lock_is_honoured_the_write_waits_and_fails_typed_with_nothing_written(string which)
    {
        var cli = LockingCli(which);
        var path = LockingTestCli.Write(_fx.Home, "qwen-access", ImportSupport.Secret("rt-q-"), ImportSupport.Now.AddHours(3));
        var credential = ImportSupport.Read(cli, _fx.Environment);
        var lockPath = Path.Combine(Path.GetDirectoryName(path)!, "oauth_creds.lock");
        File.WriteAllText(lockPath, Guid.NewGuid().ToString()); // Qwen Code's lock: a UUID, fresh mtime
        var before = ImportSupport.Snapshot(_fx.StateDir, _fx.Home);
        var (plan, importer) = PlanTakeover(credential);
        Assert.Equal(ExternalImportAction.TookOwnership, plan.Action);

        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<MoltbotException>(() => importer.Apply(plan));
        _out.WriteLine($"gave up after {watch.ElapsedMilliseconds} ms: {ex.Message}");

        Assert.Equal(ExternalErrorIds.WriteFailed, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.ResourceBusy, ex.Kind);
        Assert.Equal(before, ImportSupport.Snapshot(_fx.StateDir, _fx.Home)); // the store was not written either
        Assert.True(File.Exists(lockPath)); // someone else's lock is left alone
    }

    [Theory]
    [InlineData("locking-test")]
    [InlineData("qwen-code")]
    public void The_CLI_lock_is_held_while_the_store_is_written_and_removed_after(string which)
    {
        var cli = LockingCli(which);
        var refresh = ImportSupport.Secret("rt-q-");
        var path = LockingTestCli.Write(_fx.Home, "qwen-access", refresh, ImportSupport.Now.AddHours(3));
        var credential = ImportSupport.Read(cli, _fx.Environment);
        var lockPath = Path.Combine(Path.GetDirectoryName(path)!, "oauth_creds.lock");
        var heldDuringWrite = false;

        var after = new ExternalCredentialWriter(ShortWait).RetireRefreshToken(credential, () => heldDuringWrite = File.Exists(lockPath));

        Assert.True(heldDuringWrite);
        Assert.False(File.Exists(lockPath));
        Assert.False(after.HasRefreshToken);
        var doc = Json.ParseFile(path);
        Assert.Equal("Bearer", (string?)doc["token_type"]);
        Assert.Equal("portal.qwen.ai", (string?)doc["resource_url"]);
        Assert.Equal("qwen-access", (string?)doc["access_token"]);
        Assert.Equal(string.Empty, (string?)doc["refresh_token"]);
        Assert.Equal(ImportSupport.Now.AddHours(3).ToUnixTimeMilliseconds(), (long?)doc["expiry_date"]);
    }

    [Theory]
    [InlineData("locking-test")]
    [InlineData("qwen-code")]
    public async Task A_stale_CLI_lock_is_taken_over_and_one_released_meanwhile_is_waited_for(string which)
    {
        var cli = LockingCli(which);
        var path = LockingTestCli.Write(_fx.Home, "qwen-access", ImportSupport.Secret("rt-q-"), ImportSupport.Now.AddHours(3));
        var lockPath = Path.Combine(Path.GetDirectoryName(path)!, "oauth_creds.lock");
        File.WriteAllText(lockPath, Guid.NewGuid().ToString());
        File.SetLastWriteTimeUtc(lockPath, DateTime.UtcNow.AddSeconds(-11)); // older than Qwen Code's 10 s

        new ExternalCredentialWriter(ShortWait).RetireRefreshToken(ImportSupport.Read(cli, _fx.Environment));
        Assert.Equal(string.Empty, (string?)Json.ParseFile(path)["refresh_token"]);
        Assert.False(File.Exists(lockPath));

        // A fresh lock that its holder releases while we wait: the write goes through after it.
        var path2 = LockingTestCli.Write(_fx.Home, "qwen-access-2", ImportSupport.Secret("rt-q-"), ImportSupport.Now.AddHours(3));
        var credential = ImportSupport.Read(cli, _fx.Environment);
        File.WriteAllText(lockPath, Guid.NewGuid().ToString());
        // Set just before the holder deletes its lock: the write's under-lock step must find it set (it never ran while
        // the holder held the lock). Set after the delete, the writer could take the lock in between and see it unset.
        using var released = new ManualResetEventSlim();
        var holder = Task.Run(async () =>
        {
            await Task.Delay(50);
            released.Set();
            File.Delete(lockPath);
        });
        var watch = Stopwatch.StartNew();
        new ExternalCredentialWriter(new ExternalWriteOptions { LockTimeout = TimeSpan.FromSeconds(20), LockPollInterval = TimeSpan.FromMilliseconds(5) })
            .RetireRefreshToken(credential, () => Assert.True(released.IsSet));
        await holder;
        _out.WriteLine($"waited {watch.ElapsedMilliseconds} ms for the holder");
        Assert.Equal(string.Empty, (string?)Json.ParseFile(path2)["refresh_token"]);
    }

    [Fact]
    public void A_CLI_lock_path_that_is_a_link_is_refused_never_followed()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var cli = new LockingTestCli();
        var path = LockingTestCli.Write(_fx.Home, "qwen-access", ImportSupport.Secret("rt-q-"), ImportSupport.Now.AddHours(3));
        var lockPath = Path.Combine(Path.GetDirectoryName(path)!, "oauth_creds.lock");
        var elsewhere = _fx.Tmp.Combine("elsewhere.txt");
        File.CreateSymbolicLink(lockPath, elsewhere);
        var before = ImportSupport.Hash(path);

        var ex = Assert.Throws<MoltbotException>(() => new ExternalCredentialWriter(ShortWait).RetireRefreshToken(ImportSupport.Read(cli, _fx.Environment)));

        Assert.Equal(ExternalErrorIds.WriteFailed, ex.ErrorId);
        Assert.Equal(ErrorIds.LockInvalid, ((MoltbotException)ex.InnerException!).ErrorId);
        Assert.False(File.Exists(elsewhere));
        Assert.Equal(before, ImportSupport.Hash(path));
        _out.WriteLine(ex.Message);
    }

    [Fact]
    public void A_Keychain_source_is_read_but_never_written_and_the_takeover_is_refused_before_the_import()
    {
        var entry = _codex.Keychain(_fx.Environment)!;
        var keychain = new FakeKeychain().With(entry.Service, entry.Account,
            ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3)), ImportSupport.Secret("rt-")).ToJsonString());
        var credential = ImportSupport.Read(_codex, _fx.Environment, keychain);
        Assert.Equal(ExternalSource.Keychain, credential.Source);

        var writeEx = Assert.Throws<MoltbotException>(() => new ExternalCredentialWriter().RetireRefreshToken(credential));
        Assert.Equal(ExternalErrorIds.WriteFailed, writeEx.ErrorId);
        Assert.Contains("without -TakeOwnership", writeEx.RecommendedAction, StringComparison.Ordinal);

        var (plan, importer) = PlanTakeover(credential);
        Assert.Equal(ExternalImportAction.Refused, plan.Action);
        var ex = Assert.Throws<MoltbotException>(() => importer.Apply(plan));
        Assert.Equal(ExternalErrorIds.WriteFailed, ex.ErrorId);
        Assert.False(File.Exists(_fx.StorePathOf("main")));
    }

    [Fact]
    public void TakeOwnership_of_a_token_only_credential_imports_it_and_says_there_is_nothing_to_take()
    {
        var path = ImportSupport.WriteCodex(_fx.Home, ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(3)), refresh: null));
        var cliHash = ImportSupport.Hash(path);
        var credential = ImportSupport.Read(_codex, _fx.Environment);

        var (plan, importer) = PlanTakeover(credential);
        var done = importer.Apply(plan);

        Assert.Equal(ExternalImportAction.Imported, done.Action);
        Assert.Contains("nothing to take over", done.Reason, StringComparison.Ordinal);
        Assert.Null(done.Warning);
        Assert.Equal(cliHash, ImportSupport.Hash(path));
        Assert.Equal("token", (string?)Json.ParseFile(_fx.StorePathOf("main"))["profiles"]!["openai-codex:codex-cli"]!["type"]);
    }

    [Fact]
    public void WriteTokens_changes_the_token_fields_and_keeps_the_rest()
    {
        var refresh = ImportSupport.Secret("rt-");
        var original = ImportSupport.CodexDocument(ImportSupport.CodexAccess(ImportSupport.Now.AddDays(1)), refresh);
        var path = ImportSupport.WriteCodex(_fx.Home, original);
        var credential = ImportSupport.Read(_codex, _fx.Environment);
        var newAccess = ImportSupport.CodexAccess(ImportSupport.Now.AddDays(10), salt: "z");
        var newRefresh = ImportSupport.Secret("rt-new-");

        var after = new ExternalCredentialWriter().WriteTokens(credential, new Moltbot.Core.OAuth.OAuthCredential(newAccess, newRefresh, null));

        Assert.Equal(newAccess, after.Access);
        Assert.Equal(newRefresh, after.Refresh);
        var doc = Json.ParseFile(path);
        Assert.True(JsonNode.DeepEquals(original["agent_identity"], doc["agent_identity"]));
        Assert.Equal("chatgpt", (string?)doc["auth_mode"]);
        Assert.Equal("acct-111", (string?)doc["tokens"]!["account_id"]);
    }
}
