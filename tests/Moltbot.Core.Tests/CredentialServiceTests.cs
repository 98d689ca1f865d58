using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests;

/// <summary>Storing tokens and API keys, orders and removal, with the config's auth.profiles kept in step (spec 3.2, 8.2, 9).</summary>
public sealed class CredentialServiceTests : IDisposable
{
    private readonly StateFixture _f = new();
    private readonly ITestOutputHelper _output;

    public CredentialServiceTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _f.Dispose();

    private (CredentialService Service, MoltbotState State) New()
    {
        var state = _f.NewState();
        return (new CredentialService(state, StateFixture.Locks), state);
    }

    private JsonObject StoreOf(string agentId) => Json.ParseFile(_f.StorePathOf(agentId));

    private JsonObject Config() => Json.ParseFile(_f.ConfigPath);

    // ---- SaveToken / SaveApiKey ---------------------------------------------------------------------------------

    [Fact]
    public void SaveToken_WithoutExpiry_HasNoExpiresKeyAtAll()
    {
        var (service, state) = New();
        service.SaveToken(state.GetAgent(null), "anthropic", "anthropic:default", Samples.SetupToken, expires: null);

        var profile = StoreOf("main")["profiles"]!["anthropic:default"]!;
        Assert.Equal(new[] { "type", "provider", "token" }, Json.Keys(profile));
        Json.AssertDeepEqual("{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"" + Samples.SetupToken + "\"}", profile);
        Assert.Equal(1, (int)StoreOf("main")["version"]!);
        Json.AssertDeepEqual("{\"provider\":\"anthropic\",\"mode\":\"token\"}", Config()["auth"]!["profiles"]!["anthropic:default"]);
        Modes.AssertMode(Modes.File600, _f.StorePathOf("main"));
        Modes.AssertMode(Modes.File600, _f.ConfigPath);
        Modes.AssertMode(Modes.Dir700, Path.GetDirectoryName(_f.StorePathOf("main"))!);
        Assert.Empty(Files.Leftovers(_f.StateDir, "*.tmp"));
        Assert.Empty(Files.Leftovers(_f.StateDir, "*.lock"));
    }

    [Fact]
    public void SaveToken_WithExpiry_WritesMillisecondsSinceTheEpoch()
    {
        var (service, state) = New();
        // 2030-01-01T00:00:00Z is 1893456000 s after the epoch.
        service.SaveToken(state.GetAgent(null), "openrouter", "openrouter:manual", "sk-or-v1-x", new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var profile = StoreOf("main")["profiles"]!["openrouter:manual"]!;
        Assert.Equal(1893456000000L, profile["expires"]!.GetValue<long>());
        Assert.Equal(new[] { "type", "provider", "token", "expires" }, Json.Keys(profile));

        // A non-UTC offset is the same instant.
        service.SaveToken(state.GetAgent(null), "openrouter", "openrouter:manual", "sk-or-v1-x", new DateTimeOffset(2030, 1, 1, 2, 0, 0, TimeSpan.FromHours(2)));
        Assert.Equal(1893456000000L, StoreOf("main")["profiles"]!["openrouter:manual"]!["expires"]!.GetValue<long>());
    }

    [Fact]
    public void SaveToken_IntoANodeStore_ChangesOnlyThatProfile()
    {
        _f.WriteStore("main", Samples.NodeStore);
        var (service, state) = New();
        service.SaveToken(state.GetAgent("main"), "openrouter", "openrouter:manual", "sk-or-v1-new", null);
        Assert.Equal(Samples.NodeStoreWithOpenRouter(), File.ReadAllText(_f.StorePathOf("main")));
    }

    [Fact]
    public void SaveApiKey_WithEmail()
    {
        var (service, state) = New();
        service.SaveApiKey(state.GetAgent(null), "anthropic", "anthropic:work", "sk-ant-api03-k", "me@example.com");
        Json.AssertDeepEqual("{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"sk-ant-api03-k\",\"email\":\"me@example.com\"}",
            StoreOf("main")["profiles"]!["anthropic:work"]);
        Json.AssertDeepEqual("{\"provider\":\"anthropic\",\"mode\":\"api_key\",\"email\":\"me@example.com\"}", Config()["auth"]!["profiles"]!["anthropic:work"]);
    }

    [Fact]
    public void SaveApiKey_WithoutEmail_HasNoEmailKey()
    {
        var (service, state) = New();
        service.SaveApiKey(state.GetAgent(null), "openai", "openai:default", "sk-k", null);
        Assert.Equal(new[] { "type", "provider", "key" }, Json.Keys(StoreOf("main")["profiles"]!["openai:default"]));
    }

    [Fact]
    public void Save_SameType_KeepsUnknownFields_ButReplacesSecretAndExpiry()
    {
        _f.WriteStore("main", """
            {
              "version": 1,
              "profiles": {
                "openrouter:manual": {
                  "type": "token",
                  "provider": "openrouter",
                  "token": "old-token",
                  "expires": 1767225600000,
                  "displayName": "Router",
                  "metadata": { "team": "a" },
                  "copyToAgents": true,
                  "tokenRef": { "source": "env", "provider": "default", "id": "OLD" }
                }
              }
            }
            """);
        var (service, state) = New();
        service.SaveToken(state.GetAgent("main"), "openrouter", "openrouter:manual", "new-token", null);

        var profile = StoreOf("main")["profiles"]!["openrouter:manual"]!;
        Json.AssertDeepEqual(
            "{\"type\":\"token\",\"provider\":\"openrouter\",\"token\":\"new-token\",\"displayName\":\"Router\",\"metadata\":{\"team\":\"a\"},\"copyToAgents\":true}",
            profile);

        service.SaveToken(state.GetAgent("main"), "openrouter", "openrouter:manual", "newer", DateTimeOffset.FromUnixTimeMilliseconds(1900000000000));
        profile = StoreOf("main")["profiles"]!["openrouter:manual"]!;
        Assert.Equal(1900000000000L, profile["expires"]!.GetValue<long>());
        Assert.Equal("newer", (string)profile["token"]!);
        Assert.Equal("Router", (string)profile["displayName"]!);
    }

    [Fact]
    public void Save_OtherType_ReplacesTheWholeEntry()
    {
        _f.WriteStore("main", "{\"version\":1,\"profiles\":{\"anthropic:x\":{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"old-key\",\"displayName\":\"K\"}}}");
        var (service, state) = New();
        service.SaveToken(state.GetAgent("main"), "anthropic", "anthropic:x", Samples.SetupToken, null);
        Json.AssertDeepEqual("{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"" + Samples.SetupToken + "\"}", StoreOf("main")["profiles"]!["anthropic:x"]);
        Assert.DoesNotContain("old-key", File.ReadAllText(_f.StorePathOf("main")));
        Assert.Equal("token", (string)Config()["auth"]!["profiles"]!["anthropic:x"]!["mode"]!);
    }

    [Fact]
    public void Save_KeepsEverythingElseInTheConfig()
    {
        _f.WriteConfig("{\n  // comment\n  gateway: { port: 18789 },\n  auth: { profiles: { 'a:b': { provider: 'a', mode: 'api_key', extra: 1 } } },\n}\n");
        var (service, state) = New();
        service.SaveToken(state.GetAgent(null), "anthropic", "anthropic:default", Samples.SetupToken, null);
        Json.AssertDeepEqual(
            "{\"gateway\":{\"port\":18789},\"auth\":{\"profiles\":{\"a:b\":{\"provider\":\"a\",\"mode\":\"api_key\",\"extra\":1},\"anthropic:default\":{\"provider\":\"anthropic\",\"mode\":\"token\"}}}}",
            Config());
    }

    [Fact]
    public void Save_ToAnotherAgent_UsesItsConfiguredAgentDir()
    {
        _f.WriteConfig("{agents: {list: [{id: 'main'}, {id: 'ops', agentDir: '~/ops-agent'}]}}");
        var (service, state) = New();
        service.SaveApiKey(state.GetAgent("ops"), "openai", "openai:default", "k", null);
        var store = Path.Combine(_f.Home, "ops-agent", "auth-profiles.json");
        Assert.True(File.Exists(store));
        Assert.False(File.Exists(_f.StorePathOf("ops")));
        Assert.False(File.Exists(_f.StorePathOf("main")));
    }

    [Fact]
    public void Save_IntoACorruptStore_IsRefused_AndTheConfigIsNotTouched()
    {
        var path = _f.WriteStore("main", "{\"version\":1,\"profiles\":{\"anthropic:default\":{\"token\":\"sk-SECRET\"");
        var (service, state) = New();
        var ex = Throws.Moltbot("MoltbotStoreUnreadable", MoltbotErrorKind.InvalidData,
            () => service.SaveToken(state.GetAgent(null), "anthropic", "anthropic:default", Samples.SetupToken, null));
        Assert.DoesNotContain("SECRET", ex.Message);
        Assert.Equal("{\"version\":1,\"profiles\":{\"anthropic:default\":{\"token\":\"sk-SECRET\"", File.ReadAllText(path));
        Assert.False(File.Exists(_f.ConfigPath));
    }

    [Fact]
    public void Save_WithACorruptConfig_IsRefusedBeforeTheStoreIsWritten()
    {
        _f.WriteConfig("{ auth: ");
        var (service, state) = New();
        Throws.Moltbot("MoltbotConfigUnreadable", MoltbotErrorKind.InvalidData,
            () => service.SaveToken(state.GetAgent("main"), "anthropic", "anthropic:default", Samples.SetupToken, null));
        Assert.False(File.Exists(_f.StorePathOf("main")));
        Assert.Equal("{ auth: ", File.ReadAllText(_f.ConfigPath));
    }

    [Fact]
    public async Task Save_ConcurrentThreads_LoseNoProfile()
    {
        const int threads = 10;
        const int each = 50;
        var (_, state0) = New();
        var agent = state0.GetAgent(null);
        using var start = new Barrier(threads);
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var (service, _) = New(); // each thread its own state, as each cmdlet invocation has
            start.SignalAndWait();
            for (var i = 0; i < each; i++)
            {
                service.SaveToken(agent, "openrouter", $"openrouter:t{t}-{i}", $"token-{t}-{i}", null);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(tasks);
        _output.WriteLine($"{threads * each} SaveToken calls from {threads} threads in {sw.ElapsedMilliseconds} ms");

        var store = AuthStoreFile.TryLoad(_f.StorePathOf("main"))!;
        Assert.Equal(threads * each, store.Count);
        for (var t = 0; t < threads; t++)
        {
            for (var i = 0; i < each; i++)
            {
                Assert.Equal($"token-{t}-{i}", store.Get($"openrouter:t{t}-{i}")!.GetString("token"));
            }
        }
        Assert.Equal(threads * each, Config()["auth"]!["profiles"]!.AsObject().Count);
        Assert.Empty(Files.Leftovers(_f.StateDir, "*.tmp"));
        Assert.Empty(Files.Leftovers(_f.StateDir, "*.lock"));
    }

    // ---- orders -------------------------------------------------------------------------------------------------

    [Fact]
    public void SetAgentOrder_SetsAndClears()
    {
        _f.WriteStore("main", Samples.NodeStore);
        var (service, state) = New();
        var result = service.SetAgentOrder(state.GetAgent("main"), "anthropic", new[] { " anthropic:work ", "anthropic:default", "anthropic:work" });
        Assert.Equal(new[] { "anthropic:work", "anthropic:default" }, result);
        Json.AssertDeepEqual("[\"anthropic:work\",\"anthropic:default\"]", StoreOf("main")["order"]!["anthropic"]);

        service.SetAgentOrder(state.GetAgent("main"), "anthropic", Array.Empty<string>());
        Assert.Null(StoreOf("main")["order"]?["anthropic"]);
        // Orders live in the store, not in the config.
        Assert.False(File.Exists(_f.ConfigPath));
    }

    [Fact]
    public void SetAgentOrder_UnknownId_IsRefused_AndWritesNothing()
    {
        var path = _f.WriteStore("main", Samples.NodeStore);
        var (service, state) = New();
        var ex = Throws.Moltbot("MoltbotProfileNotFound", MoltbotErrorKind.ObjectNotFound,
            () => service.SetAgentOrder(state.GetAgent("main"), "anthropic", new[] { "anthropic:default", "anthropic:nope" }));
        Assert.Equal("anthropic:nope", ex.Target);
        Assert.Equal(Samples.NodeStore, File.ReadAllText(path));
    }

    [Fact]
    public void SetAgentOrder_IdOfAnotherProvider_IsRefused_AndWritesNothing()
    {
        var path = _f.WriteStore("main", Samples.NodeStore);
        var (service, state) = New();
        Throws.Moltbot("MoltbotProviderMismatch", MoltbotErrorKind.InvalidArgument,
            () => service.SetAgentOrder(state.GetAgent("main"), "anthropic", new[] { "openai-codex:default" }));
        Assert.Equal(Samples.NodeStore, File.ReadAllText(path));
    }

    [Fact]
    public void SetAgentOrder_OnAnAgentWithoutStore_IsProfileNotFound_AndCreatesNoStore()
    {
        var (service, state) = New();
        Throws.Moltbot("MoltbotProfileNotFound", MoltbotErrorKind.ObjectNotFound,
            () => service.SetAgentOrder(state.GetAgent("main"), "anthropic", new[] { "anthropic:default" }));
        Assert.False(File.Exists(_f.StorePathOf("main")));
    }

    [Fact]
    public void SetGlobalOrder_AcceptsIdsKnownFromConfigOrAnyStore()
    {
        _f.WriteConfig("{auth: {profiles: {'anthropic:cfg': {provider: 'anthropic', mode: 'token'}, 'openai:cfg': {provider: 'openai', mode: 'api_key'}}}}");
        _f.WriteStore("ops", "{\"version\":1,\"profiles\":{\"anthropic:ops\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"t\"}}}");
        var (service, _) = New();

        var result = service.SetGlobalOrder("anthropic", new[] { "anthropic:ops", "anthropic:cfg" });
        Assert.Equal(new[] { "anthropic:ops", "anthropic:cfg" }, result);
        Json.AssertDeepEqual("[\"anthropic:ops\",\"anthropic:cfg\"]", Config()["auth"]!["order"]!["anthropic"]);
        Assert.False(File.ReadAllText(_f.StorePathOf("ops")).Contains("\"order\""), "a global order does not touch stores");

        var before = File.ReadAllBytes(_f.ConfigPath);
        Throws.Moltbot("MoltbotProfileNotFound", MoltbotErrorKind.ObjectNotFound, () => service.SetGlobalOrder("anthropic", new[] { "anthropic:nope" }));
        Throws.Moltbot("MoltbotProfileNotFound", MoltbotErrorKind.ObjectNotFound, () => service.SetGlobalOrder("anthropic", new[] { "openai:cfg" }));
        Assert.Equal(before, File.ReadAllBytes(_f.ConfigPath));

        service.SetGlobalOrder("anthropic", null);
        Assert.Null(Config()["auth"]!["order"]?["anthropic"]);
        Assert.NotNull(Config()["auth"]!["profiles"]!["anthropic:cfg"]);
    }

    // ---- removal ------------------------------------------------------------------------------------------------

    [Fact]
    public void RemoveProfile_KeepsTheConfigEntryWhileAnotherAgentHoldsTheId()
    {
        _f.WriteConfig("{agents: {list: [{id: 'main'}, {id: 'ops'}]}}");
        var (service, state) = New();
        service.SaveToken(state.GetAgent("main"), "anthropic", "anthropic:default", Samples.SetupToken, null);
        service.SaveToken(state.GetAgent("ops"), "anthropic", "anthropic:default", Samples.SetupToken, null);
        service.SetGlobalOrder("anthropic", new[] { "anthropic:default" });

        Assert.NotNull(service.RemoveProfile(state.GetAgent("ops"), "anthropic:default"));
        Assert.False(StoreOf("ops")["profiles"]!.AsObject().ContainsKey("anthropic:default"));
        Assert.True(StoreOf("main")["profiles"]!.AsObject().ContainsKey("anthropic:default"));
        Assert.NotNull(Config()["auth"]!["profiles"]!["anthropic:default"]);
        Assert.NotNull(Config()["auth"]!["order"]!["anthropic"]);

        Assert.NotNull(service.RemoveProfile(state.GetAgent("main"), "anthropic:default"));
        Assert.Null(Config()["auth"]!["profiles"]!["anthropic:default"]);
        Assert.Null(Config()["auth"]!["order"]?["anthropic"]);
    }

    [Fact]
    public void RemoveProfile_CleansTheStoresOrderLastGoodAndUsage()
    {
        _f.WriteStore("main", Samples.NodeStore);
        var (service, state) = New();
        Assert.NotNull(service.RemoveProfile(state.GetAgent("main"), "anthropic:work"));
        var store = StoreOf("main");
        Assert.Null(store["profiles"]!["anthropic:work"]);
        Json.AssertDeepEqual("[\"anthropic:default\"]", store["order"]!["anthropic"]);
        Assert.Null(store["lastGood"]!["anthropic"]);
        Assert.Null(store["usageStats"]!["anthropic:work"]);
        Assert.Equal("x", (string)store["trailingUnknown"]!);
    }

    [Fact]
    public void RemoveProfile_Missing_ReturnsFalse_AndWritesNothing()
    {
        var path = _f.WriteStore("main", Samples.NodeStore);
        _f.WriteConfig("{auth: {profiles: {'anthropic:nope': {provider: 'anthropic', mode: 'token'}}}}");
        var configBefore = File.ReadAllBytes(_f.ConfigPath);
        var (service, state) = New();
        Assert.Null(service.RemoveProfile(state.GetAgent("main"), "anthropic:nope"));
        Assert.Equal(Samples.NodeStore, File.ReadAllText(path));
        Assert.Equal(configBefore, File.ReadAllBytes(_f.ConfigPath));
        Assert.Null(service.RemoveProfile(state.GetAgent("ghost"), "anthropic:nope"));
        Assert.False(File.Exists(_f.StorePathOf("ghost")));
    }
}
