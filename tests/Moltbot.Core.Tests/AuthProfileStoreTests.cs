using System;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>The document of auth-profiles.json (spec 3.1 - 3.3), in memory.</summary>
public sealed class AuthProfileStoreTests
{
    private const string Path = "/virtual/agents/main/agent/auth-profiles.json";

    private static AuthProfileStore Load(string text = Samples.NodeStore) => AuthProfileStore.Parse(text, Path);

    private static JsonObject Doc(AuthProfileStore store) => Json.Parse(store.Serialize()).AsObject();

    // ---- round trip --------------------------------------------------------------------------------------------

    [Fact]
    public void RoundTrip_OfANodeWrittenStore_IsByteIdentical()
    {
        Assert.Equal(Samples.NodeStore, Load().Serialize());
    }

    [Fact]
    public void Set_AppendsTheProfile_AndChangesNothingElse()
    {
        var store = Load();
        store.Set("openrouter:manual", new JsonObject { ["type"] = "token", ["provider"] = "openrouter", ["token"] = "sk-or-v1-new" });
        Assert.Equal(Samples.NodeStoreWithOpenRouter(), store.Serialize());
    }

    [Fact]
    public void Set_ReplacesAnExistingProfileInPlace()
    {
        var store = Load();
        store.Set("openai-codex:default", new JsonObject { ["type"] = "token", ["provider"] = "openai-codex", ["token"] = "t" });
        var doc = Doc(store);
        Assert.Equal(new[] { "anthropic:default", "openai-codex:default", "anthropic:work" }, Json.Keys(doc["profiles"]));
        Json.AssertDeepEqual("{\"type\":\"token\",\"provider\":\"openai-codex\",\"token\":\"t\"}", doc["profiles"]!["openai-codex:default"]);
    }

    [Fact]
    public void Set_ANodeOwnedByAnotherTree_IsCopied()
    {
        var other = new JsonObject { ["p"] = new JsonObject { ["type"] = "token", ["provider"] = "x", ["token"] = "y" } };
        var store = AuthProfileStore.CreateEmpty();
        store.Set("x:1", other["p"]!.AsObject());
        Assert.NotNull(other["p"]); // not stolen from its parent
        Assert.Equal("y", store.Get("x:1")!.GetString("token"));
    }

    [Fact]
    public void CreateEmpty_IsWhatNodeCreatesForAMissingStore()
    {
        // ensureAuthStoreFile writes {"version":1,"profiles":{}} (spec 5.1).
        Assert.Equal("{\n  \"version\": 1,\n  \"profiles\": {}\n}\n", AuthProfileStore.CreateEmpty().Serialize());
    }

    [Fact]
    public void Set_OnADocumentWithoutVersion_AddsVersion1()
    {
        var store = Load("{\"profiles\": {}}");
        store.Set("a:b", new JsonObject { ["type"] = "api_key", ["provider"] = "a", ["key"] = "k" });
        Assert.Equal(1, (int)Doc(store)["version"]!);
    }

    [Fact]
    public void Set_KeepsAnExistingVersion()
    {
        var store = Load("{\"version\": 2, \"profiles\": {}}");
        store.Set("a:b", new JsonObject { ["type"] = "api_key", ["provider"] = "a", ["key"] = "k" });
        Assert.Equal(2, (int)Doc(store)["version"]!);
    }

    // ---- reading -----------------------------------------------------------------------------------------------

    [Fact]
    public void Profiles_InFileOrder_WithTypesAndFields()
    {
        var store = Load();
        var profiles = store.Profiles.ToList();
        Assert.Equal(new[] { "anthropic:default", "openai-codex:default", "anthropic:work" }, profiles.Select(p => p.Id));
        Assert.Equal(new[] { CredentialType.Token, CredentialType.OAuth, CredentialType.ApiKey }, profiles.Select(p => p.Type));
        Assert.Equal(3, store.Count);
        var codex = store.Get("openai-codex:default")!;
        Assert.Equal("openai-codex", codex.Provider);
        Assert.Equal(1767225600000, codex.ExpiresMs);
        Assert.Equal("7a1c9e0b-1111-2222-3333-444455556666", codex.AccountId);
        Assert.True(codex.HasRefreshToken);
        Assert.Equal("me@example.com", store.Get("anthropic:work")!.Email);
        Assert.Equal("Work Claude", store.Get("anthropic:default")!.DisplayName);
        Assert.Null(store.Get("nope:x"));
        Assert.False(store.Contains("nope:x"));
        Assert.True(store.Contains("anthropic:work"));
    }

    [Fact]
    public void Profiles_SkipsEntriesThatAreNotObjects()
    {
        var store = Load("{\"version\":1,\"profiles\":{\"a:1\":\"junk\",\"a:2\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"t\"},\"a:3\":null}}");
        Assert.Equal(new[] { "a:2" }, store.Profiles.Select(p => p.Id));
        Assert.Null(store.Get("a:1"));
    }

    [Fact]
    public void OrderLastGoodAndUsage()
    {
        var store = Load();
        Assert.Equal(new[] { "anthropic:default", "anthropic:work" }, store.GetOrder("anthropic"));
        Assert.Null(store.GetOrder("openai-codex"));
        Assert.Equal("anthropic:work", store.GetLastGood("anthropic"));
        Assert.Null(store.GetLastGood("openrouter"));
        var usage = store.GetUsage("anthropic:work")!;
        Assert.Equal(1767100000000, usage.LastUsed);
        Assert.Equal(1767100560000, usage.CooldownUntil);
        Assert.Equal(1, usage.ErrorCount);
        Assert.Equal("billing", usage.DisabledReason);
        Assert.Null(usage.DisabledUntil);
        Assert.Null(store.GetUsage("anthropic:default"));
        Assert.Equal(new[] { "anthropic" }, store.Orders.Keys);
    }

    [Fact]
    public void HasProfilesObject()
    {
        Assert.True(Load().HasProfilesObject);
        Assert.False(Load("{\"version\": 1}").HasProfilesObject);
    }

    // ---- remove ------------------------------------------------------------------------------------------------

    [Fact]
    public void Remove_CleansOrderLastGoodAndUsage()
    {
        var store = Load();
        Assert.True(store.Remove("anthropic:work"));
        var doc = Doc(store);
        Assert.Equal(new[] { "anthropic:default", "openai-codex:default" }, Json.Keys(doc["profiles"]));
        Json.AssertDeepEqual("[\"anthropic:default\"]", doc["order"]!["anthropic"]);
        Json.AssertDeepEqual("{\"openai-codex\":\"openai-codex:default\"}", doc["lastGood"]);
        Json.AssertDeepEqual("{\"openai-codex:default\":{\"lastUsed\":1767000000000}}", doc["usageStats"]);
        // Unknown keys untouched, in place.
        Assert.Equal(new[] { "version", "futureTopLevel", "profiles", "order", "lastGood", "usageStats", "trailingUnknown" }, Json.Keys(doc));
        Json.AssertDeepEqual("{\"nested\":[1,\"two\"]}", doc["futureTopLevel"]);
    }

    [Fact]
    public void Remove_ALastOrderEntry_RemovesTheProviderList()
    {
        var store = Load();
        store.Remove("anthropic:default");
        store.Remove("anthropic:work");
        var doc = Doc(store);
        Assert.Null(doc["order"]?["anthropic"]);
        Assert.Null(store.GetOrder("anthropic"));
    }

    [Fact]
    public void Remove_CleansEveryListThatMentionsTheId()
    {
        var store = Load("{\"version\":1,\"profiles\":{\"a:x\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"t\"},\"a:y\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"t\"}}," +
                         "\"order\":{\"a\":[\"a:x\",\"a:y\",\"a:x\"],\"b\":[\"a:x\"],\"c\":[\"c:z\"]},\"lastGood\":{\"a\":\"a:x\",\"b\":\"a:x\",\"c\":\"c:z\"}}");
        store.Remove("a:x");
        var doc = Doc(store);
        Json.AssertDeepEqual("{\"a\":[\"a:y\"],\"c\":[\"c:z\"]}", doc["order"]);
        Json.AssertDeepEqual("{\"c\":\"c:z\"}", doc["lastGood"]);
    }

    [Fact]
    public void Remove_Unknown_ReturnsFalse_AndChangesNothing()
    {
        var store = Load();
        Assert.False(store.Remove("anthropic:nope"));
        Assert.Equal(Samples.NodeStore, store.Serialize());
        Assert.False(Load("{\"version\":1}").Remove("a:b"));
    }

    // ---- order -------------------------------------------------------------------------------------------------

    [Fact]
    public void SetOrder_TrimsAndDedupes_KeepingFirstOccurrence()
    {
        var store = Load();
        store.SetOrder("anthropic", new[] { " anthropic:work ", "anthropic:default", "anthropic:work", "", "   ", "anthropic:default\t" });
        Json.AssertDeepEqual("[\"anthropic:work\",\"anthropic:default\"]", Doc(store)["order"]!["anthropic"]);
    }

    [Fact]
    public void SetOrder_Empty_ClearsTheProvider()
    {
        var store = Load();
        store.SetOrder("anthropic", Array.Empty<string>());
        Assert.Null(Doc(store)["order"]?["anthropic"]);
        Assert.Null(store.GetOrder("anthropic"));

        store = Load();
        store.SetOrder("anthropic", null);
        Assert.Null(store.GetOrder("anthropic"));

        store = Load();
        store.SetOrder("anthropic", new[] { " ", "" }); // nothing left after trimming
        Assert.Null(store.GetOrder("anthropic"));
    }

    [Fact]
    public void SetOrder_Empty_OnAStoreWithoutOrder_AddsNothing()
    {
        var store = AuthProfileStore.CreateEmpty();
        store.SetOrder("anthropic", Array.Empty<string>());
        Assert.Equal(AuthProfileStore.CreateEmpty().Serialize(), store.Serialize());
    }

    [Fact]
    public void SetOrder_NewProvider_KeepsOtherProviders()
    {
        var store = Load();
        store.SetOrder("openai-codex", new[] { "openai-codex:default" });
        var order = Doc(store)["order"]!;
        Json.AssertDeepEqual("{\"anthropic\":[\"anthropic:default\",\"anthropic:work\"],\"openai-codex\":[\"openai-codex:default\"]}", order);
    }

    [Fact]
    public void SetOrder_CreatesOrderWhenMissing()
    {
        var store = AuthProfileStore.CreateEmpty();
        store.SetOrder("anthropic", new[] { "anthropic:a" });
        Json.AssertDeepEqual("{\"version\":1,\"profiles\":{},\"order\":{\"anthropic\":[\"anthropic:a\"]}}", Doc(store));
    }

    [Fact]
    public void SetOrder_DoesNotTouchLastGoodOrUsage()
    {
        var store = Load();
        store.SetOrder("anthropic", new[] { "anthropic:work" });
        var doc = Doc(store);
        var original = Json.Parse(Samples.NodeStore);
        Assert.True(JsonNode.DeepEquals(original["lastGood"], doc["lastGood"]));
        Assert.True(JsonNode.DeepEquals(original["usageStats"], doc["usageStats"]));
        Assert.True(JsonNode.DeepEquals(original["profiles"], doc["profiles"]));
    }

    [Fact]
    public void Clone_IsIndependent()
    {
        var store = Load();
        var clone = store.Clone();
        clone.Remove("anthropic:work");
        Assert.True(store.Contains("anthropic:work"));
        Assert.Equal(Samples.NodeStore, store.Serialize());
    }

    // ---- profile fields ----------------------------------------------------------------------------------------

    /// <summary><c>expires</c> (spec 3.2): ms since the epoch; absent, 0, negative or non-number means "no usable expiry".</summary>
    [Theory]
    [InlineData("1767225600000", 1767225600000L)]
    [InlineData("1", 1L)]
    [InlineData("1767225600000.75", 1767225600000L)]
    [InlineData("1.7672256E12", 1767225600000L)]
    [InlineData("0", null)]
    [InlineData("-1", null)]
    [InlineData("-1767225600000", null)]
    [InlineData("0.0", null)]
    [InlineData("\"1767225600000\"", null)]
    [InlineData("true", null)]
    [InlineData("null", null)]
    [InlineData("{}", null)]
    [InlineData("1e300", null)]
    public void ExpiresMs(string expiresJson, long? expected)
    {
        var store = Load("{\"version\":1,\"profiles\":{\"p:x\":{\"type\":\"oauth\",\"provider\":\"p\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":" + expiresJson + "}}}");
        Assert.Equal(expected, store.Get("p:x")!.ExpiresMs);
    }

    [Fact]
    public void ExpiresMs_Absent_IsNull()
    {
        var store = Load("{\"version\":1,\"profiles\":{\"p:x\":{\"type\":\"token\",\"provider\":\"p\",\"token\":\"t\"}}}");
        Assert.Null(store.Get("p:x")!.ExpiresMs);
    }

    /// <summary>2026.1.30: a token without expires, or with expires &lt;= 0, is non-expiring; api keys never expire.</summary>
    [Theory]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"token\":\"t\"}", true)]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"token\":\"t\",\"expires\":0}", true)]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"token\":\"t\",\"expires\":-5}", true)]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"token\":\"t\",\"expires\":1767225600000}", false)]
    [InlineData("{\"type\":\"api_key\",\"provider\":\"p\",\"key\":\"k\"}", true)]
    [InlineData("{\"type\":\"api_key\",\"provider\":\"p\",\"key\":\"k\",\"expires\":1767225600000}", true)]
    [InlineData("{\"type\":\"oauth\",\"provider\":\"p\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":1767225600000}", false)]
    [InlineData("{\"type\":\"oauth\",\"provider\":\"p\",\"access\":\"a\",\"refresh\":\"r\"}", false)]
    public void IsNonExpiring(string profileJson, bool expected)
    {
        var store = Load("{\"version\":1,\"profiles\":{\"p:x\":" + profileJson + "}}");
        Assert.Equal(expected, store.Get("p:x")!.IsNonExpiring);
    }

    /// <summary>Type normalisation (spec 3.2): apiKey means api_key; a missing type falls back to mode.</summary>
    [Theory]
    [InlineData("{\"type\":\"api_key\"}", CredentialType.ApiKey)]
    [InlineData("{\"type\":\"apiKey\"}", CredentialType.ApiKey)]
    [InlineData("{\"type\":\"token\"}", CredentialType.Token)]
    [InlineData("{\"type\":\"oauth\"}", CredentialType.OAuth)]
    [InlineData("{\"mode\":\"token\"}", CredentialType.Token)]
    [InlineData("{\"type\":\"oauth\",\"mode\":\"token\"}", CredentialType.OAuth)]
    [InlineData("{\"type\":\"aws-sdk\"}", CredentialType.Unknown)]
    [InlineData("{\"type\":5}", CredentialType.Unknown)]
    [InlineData("{}", CredentialType.Unknown)]
    public void Type(string profileJson, CredentialType expected)
    {
        var store = Load("{\"version\":1,\"profiles\":{\"p:x\":" + profileJson + "}}");
        Assert.Equal(expected, store.Get("p:x")!.Type);
    }

    [Fact]
    public void Provider_IsLowercased()
    {
        var store = Load("{\"version\":1,\"profiles\":{\"p:x\":{\"type\":\"token\",\"provider\":\"Anthropic\",\"token\":\"t\"}}}");
        Assert.Equal("anthropic", store.Get("p:x")!.Provider);
    }

    [Theory]
    [InlineData("{\"type\":\"api_key\",\"provider\":\"p\",\"key\":\"k\"}", true)]
    [InlineData("{\"type\":\"api_key\",\"provider\":\"p\",\"key\":\"  \"}", false)]
    [InlineData("{\"type\":\"api_key\",\"provider\":\"p\",\"apiKey\":\"k\"}", true)]
    [InlineData("{\"type\":\"api_key\",\"provider\":\"p\",\"keyRef\":{\"source\":\"env\",\"provider\":\"default\",\"id\":\"K\"}}", true)]
    [InlineData("{\"type\":\"api_key\",\"provider\":\"p\"}", false)]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"token\":\"t\"}", true)]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"token\":\"\"}", false)]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"tokenRef\":{\"source\":\"env\",\"provider\":\"default\",\"id\":\"T\"}}", true)]
    [InlineData("{\"type\":\"token\",\"provider\":\"p\",\"key\":\"k\"}", false)]
    [InlineData("{\"type\":\"oauth\",\"provider\":\"p\",\"access\":\"a\"}", true)]
    [InlineData("{\"type\":\"oauth\",\"provider\":\"p\",\"refresh\":\"r\"}", true)]
    [InlineData("{\"type\":\"oauth\",\"provider\":\"p\"}", false)]
    [InlineData("{\"type\":\"weird\",\"provider\":\"p\",\"token\":\"t\"}", false)]
    public void HasSecret(string profileJson, bool expected)
    {
        var store = Load("{\"version\":1,\"profiles\":{\"p:x\":" + profileJson + "}}");
        Assert.Equal(expected, store.Get("p:x")!.HasSecret);
    }

    // ---- refusal -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("1")]
    [InlineData("null")]
    [InlineData("{\"profiles\": []}")]
    [InlineData("{\"profiles\": \"x\"}")]
    [InlineData("{\"profiles\": null}")]
    [InlineData("{\"profiles\": {}, \"order\": []}")]
    [InlineData("{\"profiles\": {}, \"lastGood\": \"x\"}")]
    [InlineData("{\"profiles\": {}, \"usageStats\": 5}")]
    [InlineData("{\"profiles\": {},}")]
    [InlineData("// c\n{\"profiles\": {}}")]
    public void Parse_RefusesWhatIsNotAStore(string text)
    {
        var ex = Throws.Moltbot("MoltbotStoreUnreadable", Core.MoltbotErrorKind.InvalidData, () => AuthProfileStore.Parse(text, Path));
        Assert.Contains(Path, ex.Message);
        Assert.Equal(Path, ex.Target);
        Assert.False(string.IsNullOrEmpty(ex.RecommendedAction));
    }

    [Theory]
    // System.Text.Json quotes everything from a bad literal to the end of the text in its message: a damaged "true"
    // before a profile, a stray letter, a cut-off "null" (found by the fault suite's secret scan, seed 2).
    [InlineData("{\"profiles\": {\"a:b\": {\"ok\": tXue, \"key\": \"sk-SECRETsecretSECRET123\"}}}")]
    [InlineData("{\"profiles\": {\"a:b\": {\"type\": x\"api_key\", \"key\": \"sk-SECRETsecretSECRET123\"}}}")]
    [InlineData("{\"profiles\": {\"a:b\": {\"email\": nul, \"key\": \"sk-SECRETsecretSECRET123\"}}}")]
    public void Parse_error_quotes_nothing_of_the_text_anywhere_in_its_chain(string text)
    {
        var ex = Throws.Moltbot("MoltbotStoreUnreadable", Core.MoltbotErrorKind.InvalidData, () => AuthProfileStore.Parse(text, Path));
        Assert.Contains("line 1, byte ", ex.Message);
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain("SECRET", e.Message);
            Assert.DoesNotContain("SECRET", e.ToString());
        }
    }
}
