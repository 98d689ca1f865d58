using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Config;
using Moltbot.Core.Json;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests.Routing;

/// <summary>The ordering rules of openclaw-compat.md section 7, one row per rule.</summary>
public sealed class ProfileResolverTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private static readonly long NowMs = Now.ToUnixTimeMilliseconds();

    private static string P(string id, string type, string extra = "") => type switch
    {
        "oauth" => $"\"{id}\": {{\"type\":\"oauth\",\"provider\":\"{id.Split(':')[0]}\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":{NowMs + 3_600_000}{extra}}}",
        "token" => $"\"{id}\": {{\"type\":\"token\",\"provider\":\"{id.Split(':')[0]}\",\"token\":\"t\"{extra}}}",
        "api_key" => $"\"{id}\": {{\"type\":\"api_key\",\"provider\":\"{id.Split(':')[0]}\",\"key\":\"k\"{extra}}}",
        _ => throw new ArgumentException(type),
    };

    private static AuthProfileStore Store(string profiles, string rest = "") =>
        AuthProfileStore.Parse("{\"version\":1,\"profiles\":{" + profiles + "}" + (rest.Length > 0 ? "," + rest : "") + "}", "test.json");

    private static OpenClawConfig Config(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), "moltbot-resolver-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        try
        {
            return OpenClawConfig.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string[] Usable(AuthProfileStore store, OpenClawConfig? config = null, string provider = "anthropic", string? pin = null) =>
        ProfileResolver.Resolve(store, config ?? OpenClawConfig.Empty("none.json"), provider, Now, pin)
            .Where(c => c.Usable).Select(c => c.ProfileId).ToArray();

    public static TheoryData<string, string, string, string[]> Rows => new()
    {
        {
            "without an order: oauth, then token, then api_key",
            string.Join(",", P("anthropic:key", "api_key"), P("anthropic:tok", "token"), P("anthropic:oa", "oauth")),
            "",
            new[] { "anthropic:oa", "anthropic:tok", "anthropic:key" }
        },
        {
            "within a type: round-robin by oldest lastUsed (never used first)",
            string.Join(",", P("anthropic:a", "token"), P("anthropic:b", "token"), P("anthropic:c", "token")),
            $"\"usageStats\":{{\"anthropic:a\":{{\"lastUsed\":{NowMs - 10}}},\"anthropic:b\":{{\"lastUsed\":{NowMs - 1000}}}}}",
            new[] { "anthropic:c", "anthropic:b", "anthropic:a" }
        },
        {
            "the agent's explicit order is kept as written, even api_key before oauth",
            string.Join(",", P("anthropic:key", "api_key"), P("anthropic:oa", "oauth")),
            "\"order\":{\"anthropic\":[\"anthropic:key\",\"anthropic:oa\"]}",
            new[] { "anthropic:key", "anthropic:oa" }
        },
        {
            "explicit order: profiles in cooldown move to the end, earliest expiry first",
            string.Join(",", P("anthropic:a", "token"), P("anthropic:b", "token"), P("anthropic:c", "token")),
            $"\"order\":{{\"anthropic\":[\"anthropic:a\",\"anthropic:b\",\"anthropic:c\"]}},\"usageStats\":{{\"anthropic:a\":{{\"cooldownUntil\":{NowMs + 60_000}}},\"anthropic:b\":{{\"disabledUntil\":{NowMs + 30_000}}}}}",
            new[] { "anthropic:c", "anthropic:b", "anthropic:a" }
        },
        {
            "a cooldown that has passed does not count",
            string.Join(",", P("anthropic:a", "token"), P("anthropic:b", "token")),
            $"\"order\":{{\"anthropic\":[\"anthropic:a\",\"anthropic:b\"]}},\"usageStats\":{{\"anthropic:a\":{{\"cooldownUntil\":{NowMs - 1}}}}}",
            new[] { "anthropic:a", "anthropic:b" }
        },
        {
            "expired tokens, empty keys and oauth without tokens are skipped",
            string.Join(",", P("anthropic:old", "token", $",\"expires\":{NowMs - 1}"),
                "\"anthropic:empty\":{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"\"}",
                "\"anthropic:none\":{\"type\":\"oauth\",\"provider\":\"anthropic\",\"expires\":1}",
                P("anthropic:ok", "token", $",\"expires\":{NowMs + 1000}")),
            "",
            new[] { "anthropic:ok" }
        },
        {
            "an expired oauth access token with a refresh token stays usable",
            "\"anthropic:oa\":{\"type\":\"oauth\",\"provider\":\"anthropic\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":1}",
            "",
            new[] { "anthropic:oa" }
        },
        {
            "ids in the order that are missing or of another provider are skipped",
            string.Join(",", P("anthropic:a", "token"), P("openai:x", "api_key")),
            "\"order\":{\"anthropic\":[\"anthropic:ghost\",\"openai:x\",\"anthropic:a\"]}",
            new[] { "anthropic:a" }
        },
        {
            "provider match is case-insensitive",
            "\"anthropic:a\":{\"type\":\"token\",\"provider\":\"Anthropic\",\"token\":\"t\"}",
            "",
            new[] { "anthropic:a" }
        },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Orders_candidates_as_the_runtime_does(string rule, string profiles, string rest, string[] expected)
    {
        Assert.True(expected.Length > 0, rule);
        Assert.Equal(expected, Usable(Store(profiles, rest)));
    }

    [Fact]
    public void The_agents_order_beats_auth_order_which_beats_auth_profiles()
    {
        var profiles = string.Join(",", P("anthropic:a", "token"), P("anthropic:b", "token"), P("anthropic:c", "token"));
        var config = Config("{ auth: { order: { anthropic: ['anthropic:b', 'anthropic:a'] }, profiles: { 'anthropic:c': { provider: 'anthropic', mode: 'token' } } } }");
        Assert.Equal(new[] { "anthropic:b", "anthropic:a" }, Usable(Store(profiles), config));
        Assert.Equal(new[] { "anthropic:c" }, Usable(Store(profiles, "\"order\":{\"anthropic\":[\"anthropic:c\"]}"), config));

        var profilesOnly = Config("{ auth: { profiles: { 'anthropic:c': { provider: 'anthropic', mode: 'token' }, 'anthropic:a': { provider: 'anthropic', mode: 'token' } } } }");
        Assert.Equal(new[] { "anthropic:c", "anthropic:a" }.OrderBy(x => x), Usable(Store(profiles), profilesOnly).OrderBy(x => x));
        Assert.DoesNotContain("anthropic:b", Usable(Store(profiles), profilesOnly));
    }

    [Fact]
    public void A_config_mode_that_contradicts_the_stored_type_excludes_the_profile_except_oauth_mode_for_a_token()
    {
        var profiles = string.Join(",", P("anthropic:a", "api_key"), P("anthropic:b", "token"));
        var config = Config("{ auth: { profiles: { 'anthropic:a': { provider: 'anthropic', mode: 'token' }, 'anthropic:b': { provider: 'anthropic', mode: 'oauth' } } } }");
        var all = ProfileResolver.Resolve(Store(profiles), config, "anthropic", Now);
        Assert.False(all.Single(c => c.ProfileId == "anthropic:a").Usable);
        Assert.True(all.Single(c => c.ProfileId == "anthropic:b").Usable);
    }

    [Fact]
    public void Profiles_left_out_of_an_explicit_order_are_reported_unusable_after_the_usable_ones()
    {
        var store = Store(string.Join(",", P("anthropic:a", "token"), P("anthropic:b", "token")), "\"order\":{\"anthropic\":[\"anthropic:b\"]}");
        var all = ProfileResolver.Resolve(store, OpenClawConfig.Empty("none.json"), "anthropic", Now);
        Assert.Equal(new[] { "anthropic:b", "anthropic:a" }, all.Select(c => c.ProfileId));
        Assert.Equal(new[] { 1, 2 }, all.Select(c => c.Rank));
        Assert.False(all[1].Usable);
        Assert.Contains("not in", all[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pinned_profile_goes_first_and_an_unusable_pin_changes_nothing()
    {
        var store = Store(string.Join(",", P("anthropic:a", "oauth"), P("anthropic:b", "token"), P("anthropic:old", "token", ",\"expires\":5")));
        Assert.Equal(new[] { "anthropic:b", "anthropic:a" }, Usable(store, pin: "anthropic:b"));
        Assert.Equal(new[] { "anthropic:a", "anthropic:b" }, Usable(store, pin: "anthropic:old"));
        Assert.True(ProfileResolver.Resolve(store, OpenClawConfig.Empty("x"), "anthropic", Now, "anthropic:b")[0].Pinned);
    }

    [Theory]
    [InlineData("anthropic/claude-sonnet-4-5@anthropic:work", "anthropic/claude-sonnet-4-5", "anthropic:work")]
    [InlineData("openai/gpt-5@openai:me@example.com", "openai/gpt-5", "openai:me@example.com")]
    [InlineData("anthropic/claude-3-opus@20240229", "anthropic/claude-3-opus@20240229", null)]
    [InlineData("anthropic/claude-3-opus@20240229@anthropic:work", "anthropic/claude-3-opus@20240229", "anthropic:work")]
    [InlineData("ollama/llama3@q4_K_M", "ollama/llama3@q4_K_M", null)]
    [InlineData("mlx/qwen@8bit@mlx:local", "mlx/qwen@8bit", "mlx:local")]
    [InlineData("claude-sonnet-4-5", "claude-sonnet-4-5", null)]
    [InlineData("org@corp/team/model@anthropic:x", "org@corp/team/model", "anthropic:x")]
    [InlineData("  anthropic/claude@  ", "anthropic/claude", null)]
    public void Model_override_splits_at_the_first_at_sign_after_the_last_slash(string input, string model, string? profile)
    {
        var parsed = ModelRef.Parse(input);
        Assert.Equal(model, parsed.Model);
        Assert.Equal(profile, parsed.ProfileId);
    }

    [Fact]
    public void Model_provider_is_the_part_before_the_first_slash()
    {
        Assert.Equal("anthropic", ModelRef.Parse("Anthropic/claude@x:y").Provider);
        Assert.Null(ModelRef.Parse("claude").Provider);
    }
}
