using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.Config;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests.Faults;

/// <summary>Cases the mutation fault test (tests/Moltbot.PowerShell.Tests/Faults) found, one by one.</summary>
public sealed class MutationRegressionTests : IDisposable
{
    private readonly StateFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    [Fact]
    public void A_store_nested_deeper_than_64_levels_is_written_back_whole()
    {
        // Read (up to 256 levels), but the writer stopped at 64: every change failed with an InvalidOperationException.
        _f.WriteStore("main", "{\"version\":1,\"profiles\":{},\"deep\":" + Nested(200) + "}");
        var state = _f.NewState();
        new CredentialService(state, StateFixture.Locks).SaveApiKey(state.GetAgent("main"), "openrouter", "openrouter:default", "sk-or-v1-regression", email: null);

        var store = JsonNode.Parse(System.IO.File.ReadAllText(_f.StorePathOf("main")), documentOptions: new JsonDocumentOptions { MaxDepth = 256 })!;
        Assert.Equal("sk-or-v1-regression", (string?)store["profiles"]!["openrouter:default"]!["key"]);
        Assert.Equal(Nested(200), store["deep"]!.ToJsonString(new JsonSerializerOptions { MaxDepth = 256 }));
    }

    [Fact]
    public void A_config_nested_deeper_than_64_levels_is_written_back_whole()
    {
        _f.WriteConfig("{ // JSON5\n auth: { profiles: { 'openrouter:default': { provider: 'openrouter', mode: 'api_key', deep: " + Nested(100) + " } } } }");
        var state = _f.NewState();
        new CredentialService(state, StateFixture.Locks).SaveApiKey(state.GetAgent("main"), "openrouter", "openrouter:default", "sk-or-v1-regression", email: "ops@example.com");

        var config = JsonNode.Parse(System.IO.File.ReadAllText(_f.ConfigPath), documentOptions: new JsonDocumentOptions { MaxDepth = 256 })!;
        var entry = config["auth"]!["profiles"]!["openrouter:default"]!;
        Assert.Equal("ops@example.com", (string?)entry["email"]);
        Assert.Equal(Nested(100), entry["deep"]!.ToJsonString(new JsonSerializerOptions { MaxDepth = 256 }));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"bogus\"")]
    [InlineData("null")]
    public void A_profile_of_unknown_type_that_auth_profiles_gives_a_mode_is_unusable_not_a_crash(string type)
    {
        // The mode check named the stored type with ToWireName(), which throws for an unknown type.
        var store = AuthProfileStore.Parse(
            "{\"version\":1,\"profiles\":{\"anthropic:work\":{\"type\":" + type + ",\"provider\":\"anthropic\",\"key\":\"k\"}}}", "test.json");
        _f.WriteConfig("{\"auth\":{\"profiles\":{\"anthropic:work\":{\"provider\":\"anthropic\",\"mode\":\"api_key\"}}}}");
        var config = OpenClawConfig.Load(_f.ConfigPath);

        var candidate = Assert.Single(ProfileResolver.Resolve(store, config, "anthropic", DateTimeOffset.UtcNow));
        Assert.False(candidate.Usable);
        Assert.StartsWith("unknown credential type", candidate.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"x\\udc00\"")]
    [InlineData("\"\\udbff\\udbff\"")]
    public void A_lone_surrogate_escape_makes_the_store_and_the_config_unreadable_not_a_crash(string value)
    {
        // System.Text.Json reads such a string only when asked for it, with an InvalidOperationException.
        _f.WriteStore("main", "{\"version\":1,\"profiles\":{\"openrouter:default\":{\"type\":\"api_key\",\"provider\":\"openrouter\",\"key\":" + value + "}}}");
        Throws.Moltbot(ErrorIds.StoreUnreadable, MoltbotErrorKind.InvalidData, () => AuthStoreFile.TryLoad(_f.StorePathOf("main")));

        _f.WriteConfig("{\"gateway\":{\"mode\":" + value + "}}");
        Throws.Moltbot(ErrorIds.ConfigUnreadable, MoltbotErrorKind.InvalidData, () => OpenClawConfig.Load(_f.ConfigPath));
        _f.WriteConfig("// JSON5\n{ gateway: { mode: " + value + " } }");
        Throws.Moltbot(ErrorIds.ConfigUnreadable, MoltbotErrorKind.InvalidData, () => OpenClawConfig.Load(_f.ConfigPath));
        _f.WriteConfig("{ gateway: { mode: '\\ud83d\\ude00' } }"); // a proper pair is fine
        Assert.Equal("\ud83d\ude00", OpenClawConfig.Load(_f.ConfigPath).Root["gateway"]!["mode"]!.GetValue<string>());
    }

    [Fact]
    public void Infinity_and_NaN_in_a_JSON5_config_are_written_as_null_like_JSON_stringify_does()
    {
        // System.Text.Json refuses to write them: every change to such a config failed with an ArgumentException.
        _f.WriteConfig("{ gateway: { port: Infinity, low: -Infinity, ratio: NaN, huge: 1e400, mode: 'local' } }");
        var state = _f.NewState();
        new CredentialService(state, StateFixture.Locks).SaveApiKey(state.GetAgent("main"), "openrouter", "openrouter:default", "sk-or-v1-regression", email: null);

        var gateway = Json.ParseFile(_f.ConfigPath)["gateway"]!.AsObject();
        Assert.Equal(new[] { "port", "low", "ratio", "huge", "mode" }, gateway.Select(kv => kv.Key));
        Assert.All(new[] { "port", "low", "ratio", "huge" }, key => Assert.Null(gateway[key]));
        Assert.Equal("local", (string?)gateway["mode"]);
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("9000000000000000000")]
    [InlineData("-1e300")]
    public void Usage_times_beyond_the_year_9999_mean_for_ever_instead_of_a_crash(string number)
    {
        // DateTimeOffset.FromUnixTimeMilliseconds threw ArgumentOutOfRangeException for them in every listing.
        var store = AuthProfileStore.Parse(
            "{\"version\":1,\"profiles\":{\"anthropic:work\":{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"k\"}}," +
            "\"usageStats\":{\"anthropic:work\":{\"cooldownUntil\":" + number + ",\"disabledUntil\":" + number + ",\"lastUsed\":" + number + "}}}", "test.json");
        var usage = store.GetUsage("anthropic:work")!;
        foreach (var ms in new[] { usage.CooldownUntil, usage.DisabledUntil, usage.LastUsed })
        {
            _ = DateTimeOffset.FromUnixTimeMilliseconds(ms!.Value);
        }

        var candidate = Assert.Single(ProfileResolver.Resolve(store, OpenClawConfig.Empty("none.json"), "anthropic", DateTimeOffset.UtcNow));
        Assert.True(candidate.Usable);
        Assert.Equal(!number.StartsWith('-'), candidate.InCooldown);
    }

    [Fact]
    public void A_store_change_that_fails_or_changes_nothing_leaves_no_agent_folder_behind()
    {
        // The lock created agents/<id>/agent before the change ran: a refused order for a mistyped agent left an empty
        // folder behind, which made that agent show up in every listing from then on.
        var state = _f.NewState();
        var service = new CredentialService(state, StateFixture.Locks);
        var typo = state.GetAgent("wrok");
        Throws.Moltbot(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound,
            () => service.SetAgentOrder(typo, "anthropic", new[] { "anthropic:default" }));
        service.SetAgentOrder(typo, "anthropic", Array.Empty<string>()); // clearing a missing order writes nothing
        Assert.False(System.IO.Directory.Exists(System.IO.Path.Combine(_f.StateDir, "agents")), "a folder was left behind");
        Assert.DoesNotContain(_f.NewState().ListAgents(), a => a.Id == "wrok");

        service.SaveApiKey(typo, "openrouter", "openrouter:default", "sk-or-v1-regression", email: null); // a write keeps its folder
        Assert.True(System.IO.File.Exists(_f.StorePathOf("wrok")));
    }
}
