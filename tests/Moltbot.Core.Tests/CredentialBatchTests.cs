using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>
/// The batch operations of issue 16 (SaveMany, SetAgentOrders, RemoveMany): one locked write of the store and one of
/// the config per batch, a refused item failing alone, and the removal rules of RemoveProfile kept.
/// </summary>
[Collection(nameof(CredentialBatchTests))] // BatchCounters is process-wide; only this class calls the batch operations
public sealed class CredentialBatchTests : IDisposable
{
    private readonly StateFixture _f = new();

    public void Dispose() => _f.Dispose();

    private (CredentialService Service, MoltbotState State) New()
    {
        var state = _f.NewState();
        return (new CredentialService(state, StateFixture.Locks), state);
    }

    private JsonObject StoreOf(string agentId) => Json.ParseFile(_f.StorePathOf(agentId));

    private JsonObject Config() => Json.ParseFile(_f.ConfigPath);

    [Fact]
    public void SaveMany_WritesEveryItemInOneStoreWriteAndOneConfigWrite_KeepingFieldsOfAnEntryItReplaces()
    {
        _f.WriteStore("main", "{\"version\":1,\"profiles\":{\"openai:a\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"sk-old\",\"displayName\":\"Team A\"}}}");
        var (service, state) = New();
        var items = Enumerable.Range(0, 300).Select(i => SaveRequest.ApiKey("openai", i == 0 ? "openai:a" : $"openai:k{i:d3}", $"sk-batch-{i:d3}", null)).ToList();
        var stores = BatchCounters.StoreWrites;
        var configs = BatchCounters.ConfigWrites;

        var outcomes = service.SaveMany(state.GetAgent(null), items);

        Assert.Equal(1, BatchCounters.StoreWrites - stores);
        Assert.Equal(1, BatchCounters.ConfigWrites - configs);
        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.Equal(items.Select(i => i.ProfileId), outcomes.Select(o => o.Value.ProfileId));
        var profiles = StoreOf("main")["profiles"]!.AsObject();
        Assert.Equal(300, profiles.Count);
        Assert.Equal("sk-batch-000", (string)profiles["openai:a"]!["key"]!);
        Assert.Equal("Team A", (string)profiles["openai:a"]!["displayName"]!); // as Save keeps it
        Assert.Equal("sk-batch-299", (string)profiles["openai:k299"]!["key"]!);
        var config = Config()["auth"]!["profiles"]!.AsObject();
        Assert.All(items, i => Json.AssertDeepEqual("{\"provider\":\"openai\",\"mode\":\"api_key\"}", config[i.ProfileId]));
        Assert.Empty(Files.Leftovers(_f.StateDir, "*.lock"));
    }

    [Fact]
    public void SaveMany_OnAStoreThatCannotBeParsed_Throws_AndWritesNeitherFile()
    {
        var path = _f.WriteStore("main", "{\"version\":1,\"profiles\":{\"x\":");
        var (service, state) = New();
        Assert.Throws<MoltbotException>(() => service.SaveMany(state.GetAgent(null), new[] { SaveRequest.ApiKey("openai", "openai:a", "sk-a", null) }));
        Assert.Equal("{\"version\":1,\"profiles\":{\"x\":", File.ReadAllText(path));
        Assert.False(File.Exists(_f.ConfigPath));
        Assert.Empty(Files.Leftovers(_f.StateDir, "*.lock"));
    }

    [Fact]
    public void SetAgentOrders_ChecksEachOrderInsideTheLock_ARefusedOneFailsAlone()
    {
        var (service, state) = New();
        var main = state.GetAgent(null);
        service.SaveMany(main, new[] { SaveRequest.ApiKey("openai", "openai:a", "sk-a", null), SaveRequest.ApiKey("openrouter", "openrouter:b", "sk-b", null) });
        var stores = BatchCounters.StoreWrites;

        var outcomes = service.SetAgentOrders(main, new[]
        {
            new OrderRequest("openai", new[] { " openai:a ", "openai:a" }),
            new OrderRequest("openai", new[] { "openrouter:b" }),
            new OrderRequest("openrouter", new[] { "openrouter:b" }),
            new OrderRequest("mistral", new[] { "mistral:none" }),
        });

        Assert.Equal(1, BatchCounters.StoreWrites - stores);
        Assert.True(outcomes[0].Succeeded);
        Assert.Equal(new[] { "openai:a" }, outcomes[0].Value.ProfileIds);
        Assert.Equal(ErrorIds.ProviderMismatch, outcomes[1].Error!.ErrorId);
        Assert.True(outcomes[2].Succeeded);
        Assert.Equal(ErrorIds.ProfileNotFound, outcomes[3].Error!.ErrorId);
        var order = StoreOf("main")["order"]!.AsObject();
        Json.AssertDeepEqual("[\"openai:a\"]", order["openai"]);
        Json.AssertDeepEqual("[\"openrouter:b\"]", order["openrouter"]);
        Assert.False(order.ContainsKey("mistral"));
    }

    [Fact]
    public void RemoveMany_KeepsTheRulesOfRemoveProfile_ConfigEntryGoesWithTheLastHolder_DanglingMentionsCleaned()
    {
        _f.WriteConfig("{agents: {list: [{id: 'main'}, {id: 'work'}, {id: 'ops'}]}}");
        var (service, state) = New();
        foreach (var agent in new[] { "main", "work" })
        {
            service.SaveMany(state.GetAgent(agent), new[] { SaveRequest.ApiKey("openrouter", "openrouter:team", "sk-t", null), SaveRequest.ApiKey("openrouter", "openrouter:solo-" + agent, "sk-s", null) });
        }
        service.SaveMany(state.GetAgent("ops"), new[] { SaveRequest.ApiKey("openrouter", "openrouter:default", "sk-d", null) });
        service.SetAgentOrders(state.GetAgent("ops"), new[] { new OrderRequest("openrouter", new[] { "openrouter:default" }) });
        // ops names team and solo-main in its order without holding them.
        var ops = StoreOf("ops");
        ops["order"] = new JsonObject { ["openrouter"] = new JsonArray("openrouter:team", "openrouter:solo-main", "openrouter:default") };
        File.WriteAllText(_f.StorePathOf("ops"), ops.ToJsonString());
        service.SetGlobalOrder("openrouter", new[] { "openrouter:team", "openrouter:solo-main" });

        var first = service.RemoveMany(state.GetAgent("main"), new[] { "openrouter:team", "openrouter:solo-main", "openrouter:ghost", "openrouter:team" });
        Assert.NotNull(first[0].Value);
        Assert.NotNull(first[1].Value);
        Assert.Null(first[2].Value); // not held
        Assert.Null(first[3].Value); // already gone within the batch
        // work still holds team: its config entries stay, with the reason; solo-main's go.
        Assert.Contains(first[0].Value!.Kept, r => r.Place == "auth.profiles" && r.Reason!.Contains("work", StringComparison.Ordinal));
        Assert.Contains(first[1].Value!.Removed, r => r.Place == "auth.profiles");
        Assert.Contains(first[1].Value!.Removed, r => r.Agent == "ops" && r.Place == "order.openrouter");
        var config = Config()["auth"]!.AsObject();
        Assert.NotNull(config["profiles"]!["openrouter:team"]);
        Assert.Null(config["profiles"]!["openrouter:solo-main"]);
        // ops' own order loses both mentions (it holds neither id), as RemoveProfile does it.
        Json.AssertDeepEqual("[\"openrouter:default\"]", StoreOf("ops")["order"]!["openrouter"]);

        var second = service.RemoveMany(state.GetAgent("work"), new[] { "openrouter:team" });
        Assert.NotNull(second[0].Value);
        Assert.Null(Config()["auth"]!["profiles"]!["openrouter:team"]);
        Assert.Null(Config()["auth"]!["order"]?["openrouter"]);
        Json.AssertDeepEqual("[\"openrouter:default\"]", StoreOf("ops")["order"]!["openrouter"]);
        Assert.False(StoreOf("main")["profiles"]!.AsObject().ContainsKey("openrouter:team"));
        Assert.True(StoreOf("work")["profiles"]!.AsObject().ContainsKey("openrouter:solo-work"));
    }
}
