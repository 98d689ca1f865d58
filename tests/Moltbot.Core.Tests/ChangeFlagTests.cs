using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Config;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>
/// Less work per write (issue 16): the change flag of the store and the config decides whether (and in era B which
/// file) is written; a re-upsert of what the config already holds takes no config lock and writes nothing; the
/// temp-file sweep runs once per target per interval. A file that is not rewritten keeps the old mtime set here on
/// purpose (a fixed date in 2001, so nothing here depends on how long a test takes).
/// </summary>
public sealed class ChangeFlagTests : IDisposable
{
    private static readonly DateTime Sentinel = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);

    private readonly StateFixture _f = new();
    private readonly List<string> _writes = new();

    public ChangeFlagTests() => SecureFile.AtomicWriteObserver += OnWrite;

    public void Dispose()
    {
        SecureFile.AtomicWriteObserver -= OnWrite;
        _f.Dispose();
    }

    private void OnWrite(string target)
    {
        if (target.StartsWith(_f.Tmp.Path, StringComparison.Ordinal))
        {
            lock (_writes)
            {
                _writes.Add(Path.GetFileName(target));
            }
        }
    }

    private string[] Writes()
    {
        lock (_writes)
        {
            return _writes.ToArray();
        }
    }

    private string StorePath => _f.StorePathOf("main");

    private string StatePath => AuthStoreFile.StatePathFor(StorePath);

    private static void Age(params string[] files)
    {
        foreach (var file in files)
        {
            File.SetLastWriteTimeUtc(file, Sentinel);
        }
    }

    private static bool Rewritten(string file) => File.GetLastWriteTimeUtc(file) != Sentinel;

    private static JsonObject Token(string token) => new() { ["type"] = "token", ["provider"] = "anthropic", ["token"] = token };

    private const string OneProfile = "{\n  \"version\": 1,\n  \"profiles\": {\n    \"anthropic:work\": {\n      \"type\": \"token\",\n      \"provider\": \"anthropic\",\n      \"token\": \"sk-ant-oat01-one\"\n    }\n  }\n}\n";

    // ---- the store ----------------------------------------------------------------------------------------------

    [Fact]
    public void Update_PuttingWhatIsThere_WritesNothing_NotEvenInAnotherKeyOrder()
    {
        _f.WriteStore("main", OneProfile);
        Age(StorePath);
        var before = File.ReadAllBytes(StorePath);

        AuthStoreFile.Update(StorePath, store =>
        {
            store.Set("anthropic:work", new JsonObject { ["token"] = "sk-ant-oat01-one", ["provider"] = "anthropic", ["type"] = "token" });
            store.SetOrder("anthropic", Array.Empty<string>()); // no order to clear
            return store.Remove("anthropic:absent");
        }, StateFixture.Locks);

        Assert.False(Rewritten(StorePath));
        Assert.Equal(before, File.ReadAllBytes(StorePath));
        Assert.Empty(Writes());
    }

    [Fact]
    public void Update_ChangingOneProfile_WritesTheStoreOnce()
    {
        _f.WriteStore("main", OneProfile);
        Age(StorePath);

        AuthStoreFile.Update(StorePath, store =>
        {
            store.Set("anthropic:work", Token("sk-ant-oat01-two"));
            store.Set("anthropic:other", Token("sk-ant-oat01-three"));
            return true;
        }, StateFixture.Locks);

        Assert.True(Rewritten(StorePath));
        Assert.Equal(new[] { AuthStoreFile.FileName }, Writes());
        var store = AuthStoreFile.TryLoad(StorePath)!;
        Assert.Equal("sk-ant-oat01-two", store.Get("anthropic:work")!.GetString("token"));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void Update_OfAMissingStoreThatStaysEmpty_CreatesNothing()
    {
        var result = AuthStoreFile.Update(StorePath, store => store.Remove("anthropic:work"), StateFixture.Locks);

        Assert.False(result);
        Assert.False(File.Exists(StorePath));
        Assert.False(Directory.Exists(Path.GetDirectoryName(StorePath)));
        Assert.Empty(Writes());
    }

    [Fact]
    public void Update_OfAStoreThatDoesNotParse_ThrowsAndLeavesItAsItWas()
    {
        var text = "{\"version\":1,\"profiles\":{\"anthropic:work\":{\"type\":\"token\",\"token\":\"SECRET-x\"}";
        _f.WriteStore("main", text);

        var ex = Assert.Throws<MoltbotException>(() => AuthStoreFile.Update(StorePath, store =>
        {
            store.Set("anthropic:new", Token("sk-ant-oat01-new"));
            return true;
        }, StateFixture.Locks));

        Assert.Equal(ErrorIds.StoreUnreadable, ex.ErrorId);
        Assert.Equal(text, File.ReadAllText(StorePath));
        Assert.Empty(Writes());
    }

    [Fact]
    public void EraB_AnOrderChange_WritesOnlyTheStateFile_AndAProfileChangeOnlyTheStore()
    {
        _f.WriteStore("main", OneProfile);
        _f.Tmp.File(Path.Combine("state", "agents", "main", "agent", AuthStoreFile.StateFileName),
            "{\n  \"version\": 1,\n  \"lastGood\": {\n    \"anthropic\": \"anthropic:work\"\n  }\n}\n");
        Age(StorePath, StatePath);

        AuthStoreFile.Update(StorePath, store =>
        {
            store.SetOrder("anthropic", new[] { "anthropic:work" });
            return true;
        }, StateFixture.Locks);

        Assert.False(Rewritten(StorePath));
        Assert.True(Rewritten(StatePath));
        Assert.Equal(new[] { AuthStoreFile.StateFileName }, Writes());
        var state = Json.ParseFile(StatePath);
        Json.AssertDeepEqual("[\"anthropic:work\"]", state["order"]!["anthropic"]);
        Assert.Equal("anthropic:work", (string?)state["lastGood"]!["anthropic"]);

        Age(StorePath, StatePath);
        AuthStoreFile.Update(StorePath, store =>
        {
            store.Set("anthropic:work", Token("sk-ant-oat01-two"));
            return true;
        }, StateFixture.Locks);

        Assert.True(Rewritten(StorePath));
        Assert.False(Rewritten(StatePath));
        Assert.Equal(new[] { AuthStoreFile.StateFileName, AuthStoreFile.FileName }, Writes());
        Assert.Null(Json.ParseFile(StorePath)["order"]);
        Assert.Equal("sk-ant-oat01-two", AuthStoreFile.TryLoad(StorePath)!.Get("anthropic:work")!.GetString("token"));
    }

    [Fact]
    public void EraB_AStateChange_AlsoRewritesAStoreFileThatStillHoldsStateKeys()
    {
        // An order left inside auth-profiles.json would win again once the state file no longer names it.
        _f.WriteStore("main", "{\"version\":1,\"profiles\":{},\"order\":{\"anthropic\":[\"anthropic:old\"]}}");
        _f.Tmp.File(Path.Combine("state", "agents", "main", "agent", AuthStoreFile.StateFileName), "{\"version\":1,\"order\":{\"anthropic\":[\"anthropic:old\"]}}");
        Age(StorePath, StatePath);

        AuthStoreFile.Update(StorePath, store =>
        {
            store.SetOrder("anthropic", null);
            return true;
        }, StateFixture.Locks);

        Assert.True(Rewritten(StorePath));
        Assert.Null(Json.ParseFile(StorePath)["order"]);
        Assert.Null(AuthStoreFile.TryLoad(StorePath)!.GetOrder("anthropic"));
    }

    [Fact]
    public void Update_WithoutTheFlag_ForAnInPlaceWrite_IsCaughtByTheTestAudit()
    {
        // The audit the test assembly turns on (ChangeTrackingVerification): a node written in place without
        // MarkChanged would be lost silently in production; here it fails loudly.
        _f.WriteStore("main", OneProfile);
        Assert.True(AuthStoreFile.VerifyChangeTracking);

        Assert.Throws<InvalidOperationException>(() => AuthStoreFile.Update(StorePath, store =>
        {
            store.Get("anthropic:work")!.Node["token"] = "sk-ant-oat01-in-place";
            return true;
        }, StateFixture.Locks));
        Assert.Equal(OneProfile, File.ReadAllText(StorePath));

        AuthStoreFile.Update(StorePath, store =>
        {
            var profile = store.Get("anthropic:work")!;
            profile.Node["token"] = "sk-ant-oat01-in-place";
            store.MarkChanged(profile);
            return true;
        }, StateFixture.Locks);
        Assert.Equal("sk-ant-oat01-in-place", AuthStoreFile.TryLoad(StorePath)!.Get("anthropic:work")!.GetString("token"));
    }

    // ---- the config ---------------------------------------------------------------------------------------------

    [Fact]
    public void ConfigUpdate_ThatChangesNothing_WritesNothing()
    {
        _f.WriteConfig("{\"auth\":{\"profiles\":{\"anthropic:work\":{\"provider\":\"anthropic\",\"mode\":\"token\"}},\"order\":{\"anthropic\":[\"anthropic:work\"]}}}");
        Age(_f.ConfigPath);

        OpenClawConfig.Update(_f.ConfigPath, config =>
        {
            config.SetAuthOrder("anthropic", new[] { "anthropic:work" });
            config.SetAuthProfileEmail("anthropic:absent", "a@example.com");
            return config.UpsertAuthProfile("anthropic:work", "anthropic", CredentialType.Token) | config.RemoveAuthProfile("x:y") | true;
        }, changed => changed, StateFixture.Locks);

        Assert.False(Rewritten(_f.ConfigPath));
        Assert.Empty(Writes());
    }

    [Fact]
    public void RecordInConfig_OfAnEntryTheConfigHolds_WritesNothing_AndADifferentOneIsWritten()
    {
        var state = _f.NewState();
        var service = new CredentialService(state, StateFixture.Locks);
        service.SaveApiKey(state.GetAgent(null), "openai", "openai:work", "sk-test-one", email: "a@example.com");
        Age(_f.ConfigPath, StorePath);
        var configBytes = File.ReadAllBytes(_f.ConfigPath);
        _writes.Clear();

        // The same key again: the store is unchanged and auth.profiles already holds the entry. The config lock is held
        // meanwhile (as by a busy peer): taking it would time out, so the call shows that it takes no config lock.
        var impatient = new CredentialService(state, new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        using (FileLock.Acquire(_f.ConfigPath, StateFixture.Locks))
        {
            impatient.SaveApiKey(state.GetAgent(null), "openai", "openai:work", "sk-test-one", email: "a@example.com");
            var other = _f.NewState(); // a new command reads the config and skips the same way
            new CredentialService(other, new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(300) })
                .SaveApiKey(other.GetAgent(null), "openai", "openai:work", "sk-test-one", email: "a@example.com");
        }
        Assert.False(Rewritten(_f.ConfigPath));
        Assert.False(Rewritten(StorePath));
        Assert.Equal(configBytes, File.ReadAllBytes(_f.ConfigPath));
        Assert.Empty(Writes());

        // A fresh state (a new command) reads the config and skips the same way; a rotated key rewrites the store only.
        var next = _f.NewState();
        new CredentialService(next, StateFixture.Locks).SaveApiKey(next.GetAgent(null), "openai", "openai:work", "sk-test-two", email: "a@example.com");
        Assert.False(Rewritten(_f.ConfigPath));
        Assert.True(Rewritten(StorePath));
        Assert.Equal(new[] { AuthStoreFile.FileName }, Writes());

        // Another email: the entry differs, so openclaw.json is rewritten.
        service.SaveApiKey(state.GetAgent(null), "openai", "openai:work", "sk-test-two", email: "b@example.com");
        Assert.True(Rewritten(_f.ConfigPath));
        Assert.Equal("b@example.com", OpenClawConfig.Load(_f.ConfigPath).AuthProfiles["openai:work"].Email);
    }

    [Fact]
    public void RecordInConfig_AfterSomeoneElseRewroteTheConfig_DecidesOnTheFile_NotOnWhatItReadBefore()
    {
        var state = _f.NewState();
        var service = new CredentialService(state, StateFixture.Locks);
        service.RecordInConfig("openai:work", "openai", CredentialType.ApiKey, email: null);
        Assert.True(OpenClawConfig.Load(_f.ConfigPath).AuthProfiles.ContainsKey("openai:work"));

        // Another process removes the entry; this state still holds the config it wrote.
        _f.WriteConfig("{\"auth\":{\"profiles\":{}}}");
        service.RecordInConfig("openai:work", "openai", CredentialType.ApiKey, email: null);

        Assert.True(OpenClawConfig.Load(_f.ConfigPath).AuthProfiles.ContainsKey("openai:work"));
    }

    // ---- the temp-file sweep ------------------------------------------------------------------------------------

    [Fact]
    public void TempSweeper_SweepsAtTheFirstWrite_ThenNotAgainWithinTheInterval()
    {
        var target = _f.Tmp.Combine("auth-profiles.json");
        var now = 0L;
        var sweeper = new TempSweeper(TimeSpan.FromSeconds(60), () => now);
        string Orphan() => SecureFileTests.WriteOrphanTemp(target);

        var first = Orphan();
        Assert.Equal(1, sweeper.SweepIfDue(target));
        Assert.False(File.Exists(first));
        Assert.Equal(1, sweeper.Sweeps);

        var second = Orphan();
        now += TimeSpan.FromSeconds(59).Ticks;
        Assert.Equal(0, sweeper.SweepIfDue(target));
        Assert.True(File.Exists(second)); // not enumerated again
        Assert.Equal(1, sweeper.Sweeps);

        // Another target in the same folder has a first time of its own.
        var other = _f.Tmp.Combine("openclaw.json");
        var otherOrphan = SecureFileTests.WriteOrphanTemp(other);
        Assert.Equal(1, sweeper.SweepIfDue(other));
        Assert.False(File.Exists(otherOrphan));
        Assert.True(File.Exists(second));

        now += TimeSpan.FromSeconds(2).Ticks;
        Assert.Equal(1, sweeper.SweepIfDue(target));
        Assert.False(File.Exists(second));
        Assert.Equal(3, sweeper.Sweeps);
    }
}
