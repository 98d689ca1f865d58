using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>Who holds a refresh token: agents' stores (a linked store counted once) and the external CLIs.</summary>
public sealed class CredentialHoldersTests : IDisposable
{
    private const string Shared = "rt_SECRET-shared-chain-0001";
    private const string Other = "rt_SECRET-other-chain-0002";
    private readonly StateFixture _f = new();
    private readonly ITestOutputHelper _out;

    public CredentialHoldersTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _f.Dispose();

    private static string Store(params (string Id, string Refresh)[] profiles)
    {
        var root = new JsonObject { ["version"] = 1, ["profiles"] = new JsonObject() };
        foreach (var (id, refresh) in profiles)
        {
            root["profiles"]![id] = new JsonObject
            {
                ["type"] = "oauth",
                ["provider"] = id.Split(':')[0],
                ["access"] = "at-SECRET-" + id,
                ["refresh"] = refresh,
                ["expires"] = 1796212800000,
            };
        }
        root["profiles"]!["anthropic:setup"] = new JsonObject { ["type"] = "token", ["provider"] = "anthropic", ["token"] = Shared };
        root["profiles"]!["openrouter:default"] = new JsonObject { ["type"] = "api_key", ["provider"] = "openrouter", ["key"] = Shared };
        return root.ToJsonString();
    }

    private ExternalCredentialReader Reader() => new(_f.Environment, keychain: null, useDefaultKeychain: false);

    private (AgentLocation Agent, AuthProfileStore Store, StoredProfile Profile) Row(MoltbotState state, string agentId, string profileId)
    {
        var agent = state.GetAgent(agentId);
        var store = agent.LoadStore()!;
        return (agent, store, store.Get(profileId)!);
    }

    private void Print(CredentialHolders holders, string refresh) =>
        _out.WriteLine($"{holders.HoldersOf(refresh).Count} holder(s): {string.Join("; ", holders.HoldersOf(refresh))}");

    [Fact]
    public void Two_agents_holding_one_refresh_token_see_each_other_and_not_themselves()
    {
        _f.WriteConfig("{agents: {list: [{id: 'main', default: true}, {id: 'ops'}]}}");
        _f.WriteStore("main", Store(("openai-codex:default", Shared), ("qwen-portal:default", Other)));
        _f.WriteStore("ops", Store(("openai-codex:work", Shared)));
        var state = _f.NewState();
        var holders = CredentialHolders.Collect(state, Reader());
        Print(holders, Shared);

        var all = holders.HoldersOf(Shared);
        Assert.Equal(new[] { ("main", "openai-codex:default"), ("ops", "openai-codex:work") }, all.Select(h => (h.Name, h.ProfileId ?? "")).OrderBy(x => x.Name));
        Assert.All(all, h => Assert.Equal(CredentialHolderKind.Agent, h.Kind));
        Assert.Single(holders.HoldersOf(Other));
        Assert.Empty(holders.HoldersOf("rt_SECRET-nobody"));
        Assert.Empty(holders.HoldersOf(null));
        Assert.Empty(holders.Warnings);

        var (agent, store, profile) = Row(state, "main", "openai-codex:default");
        var shared = holders.SharedWith(agent, store, profile);
        Assert.Equal("ops", Assert.Single(shared).Name);
        Assert.Equal(_f.StorePathOf("ops"), shared[0].Location);
        (agent, store, profile) = Row(state, "ops", "openai-codex:work");
        Assert.Equal("main", Assert.Single(holders.SharedWith(agent, store, profile)).Name);
        (agent, store, profile) = Row(state, "main", "qwen-portal:default");
        Assert.Empty(holders.SharedWith(agent, store, profile));
        // A token or key profile holds no refresh chain, whatever its text.
        (agent, store, profile) = Row(state, "main", "anthropic:setup");
        Assert.Empty(holders.SharedWith(agent, store, profile));
    }

    [Fact]
    public void A_store_reached_through_a_link_counts_once()
    {
        var mainAgentDir = Path.Combine(_f.StateDir, "agents", "main", "agent");
        _f.WriteStore("main", Store(("openai-codex:default", Shared)));
        var link = _f.Tmp.Combine("ops-agent-link");
        Directory.CreateSymbolicLink(link, mainAgentDir);
        _f.WriteConfig("{agents: {list: [{id: 'main', default: true}, {id: 'ops', agentDir: '" + link + "'}]}}");
        var state = _f.NewState();
        Assert.Equal(new[] { "main", "ops" }, state.ListAgents().Select(a => a.Id));
        var holders = CredentialHolders.Collect(state, Reader());
        Print(holders, Shared);

        var holder = Assert.Single(holders.HoldersOf(Shared));
        Assert.Equal("main", holder.Name);
        Assert.Equal(_f.StorePathOf("main"), holder.Location);
        // Seen from the link, the row is the same row: not shared with itself.
        var (agent, store, profile) = Row(state, "ops", "openai-codex:default");
        Assert.Empty(holders.SharedWith(agent, store, profile));
    }

    [Fact]
    public void An_external_cli_holding_an_agents_token_is_listed_on_both_sides()
    {
        _f.WriteStore("main", Store(("openai-codex:codex-cli", Shared)));
        _f.Tmp.File(Path.Combine("home", ".codex", "auth.json"), new JsonObject
        {
            ["tokens"] = new JsonObject { ["access_token"] = "at-SECRET-codex", ["refresh_token"] = Shared, ["account_id"] = "acct-1" },
            ["last_refresh"] = "2026-12-02T07:00:00Z",
        }.ToJsonString());
        _f.Tmp.File(Path.Combine("home", ".qwen", "oauth_creds.json"),
            "{\"access_token\":\"at-SECRET-qwen\",\"refresh_token\":\"" + Other + "\",\"token_type\":\"Bearer\",\"expiry_date\":1796212800000}");
        var state = _f.NewState();
        var holders = CredentialHolders.Collect(state, Reader());
        Print(holders, Shared);
        Print(holders, Other);

        var both = holders.HoldersOf(Shared);
        Assert.Equal(2, both.Count);
        var cli = Assert.Single(both, h => h.Kind == CredentialHolderKind.ExternalCli);
        Assert.Equal("codex", cli.Name);
        Assert.Equal("openai-codex:codex-cli", cli.ProfileId);
        Assert.Equal(Path.Combine(_f.Home, ".codex", "auth.json"), cli.Location);
        Assert.Equal("Codex CLI", cli.DisplayName);

        var (agent, store, profile) = Row(state, "main", "openai-codex:codex-cli");
        Assert.Equal("codex", Assert.Single(holders.SharedWith(agent, store, profile)).Name);

        var codex = holders.External.Single(r => r.Cli.Id == "codex").Credential!;
        var agents = holders.SharedWith(codex);
        Assert.Equal("main", Assert.Single(agents).Name);
        Assert.Equal("openai-codex:codex-cli", agents[0].ProfileId);
        var qwen = holders.External.Single(r => r.Cli.Id == "qwen-code").Credential!;
        Assert.Empty(holders.SharedWith(qwen)); // only Qwen Code holds that one
        Assert.Single(holders.HoldersOf(Other));

        foreach (var text in both.Select(h => h.ToString()).Append(codex.ToString()))
        {
            Assert.DoesNotContain(Shared, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_fingerprint_is_the_hex_sha256_and_an_unreadable_store_is_a_warning()
    {
        Assert.Equal(ExternalTest.Sha256Hex(Shared).ToUpperInvariant(), CredentialHolders.Fingerprint(Shared));
        _f.WriteConfig("{agents: {list: [{id: 'main', default: true}, {id: 'broken'}, {id: 'ops'}]}}");
        _f.WriteStore("main", Store(("openai-codex:default", Shared)));
        _f.WriteStore("broken", "{ \"profiles\": { \"x\": \"" + Other + "\"");
        _f.WriteStore("ops", Store(("openai-codex:default", Shared)));
        var holders = CredentialHolders.Collect(_f.NewState(), Reader());
        _out.WriteLine(string.Join("\n", holders.Warnings));
        Assert.Equal(2, holders.HoldersOf(Shared).Count);
        Assert.Contains(holders.Warnings, w => w.Contains("'broken'", StringComparison.Ordinal));
        Assert.All(holders.Warnings, w => Assert.DoesNotContain(Other, w, StringComparison.Ordinal));
    }
}
