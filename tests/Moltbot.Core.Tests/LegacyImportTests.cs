using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>Legacy files (openclaw-compat.md section 4): every shape, partial and invalid entries.</summary>
public sealed class LegacyImportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "moltbot-legacy-" + Guid.NewGuid().ToString("N"));

    public LegacyImportTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StorePath => Path.Combine(_dir, "agent", "auth-profiles.json");
    private string AuthJson => Path.Combine(_dir, "agent", "auth.json");
    private string OAuthJson => Path.Combine(_dir, "credentials", "oauth.json");
    private LegacySources Sources => new(OAuthJson, AuthJson);

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public static TheoryData<string, string, string?, string> AuthJsonRows => new()
    {
        { "api_key keeps key and email only", "{\"type\":\"api_key\",\"key\":\"k\",\"email\":\"e@x\",\"junk\":1}", "{\"type\":\"api_key\",\"provider\":\"p\",\"key\":\"k\",\"email\":\"e@x\"}", "imported" },
        { "apiKey spelling of the type", "{\"type\":\"apiKey\",\"key\":\"k\"}", "{\"type\":\"api_key\",\"provider\":\"p\",\"key\":\"k\"}", "imported" },
        { "token keeps token, expires, email", "{\"type\":\"token\",\"token\":\"t\",\"expires\":5,\"x\":2}", "{\"type\":\"token\",\"provider\":\"p\",\"token\":\"t\",\"expires\":5}", "imported" },
        { "oauth keeps its known fields", "{\"type\":\"oauth\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":9,\"projectId\":\"g\",\"accountId\":\"c\",\"enterpriseUrl\":\"u\",\"email\":\"e\",\"idToken\":\"dropped\"}",
            "{\"type\":\"oauth\",\"provider\":\"p\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":9,\"enterpriseUrl\":\"u\",\"projectId\":\"g\",\"accountId\":\"c\",\"email\":\"e\"}", "imported" },
        { "unknown type is skipped", "{\"type\":\"aws-sdk\",\"key\":\"k\"}", null, "no known type" },
        { "not an object is skipped", "\"sk-123\"", null, "not an object" },
        { "api_key without key is skipped", "{\"type\":\"api_key\",\"key\":\"\"}", null, "holds no secret" },
        { "oauth without tokens is skipped", "{\"type\":\"oauth\",\"expires\":1}", null, "holds no secret" },
        { "non-numeric expires is skipped", "{\"type\":\"token\",\"token\":\"t\",\"expires\":\"soon\"}", null, "not a number" },
    };

    [Theory]
    [MemberData(nameof(AuthJsonRows))]
    public void Auth_json_entries_become_provider_default_profiles(string rule, string entry, string? expected, string reason)
    {
        Write(AuthJson, "{\"P\":" + entry + "}");
        var store = AuthProfileStore.CreateEmpty();
        var result = LegacyImporter.Import(store, new LegacySources(null, AuthJson));
        var item = Assert.Single(result.Items);
        Assert.Equal("p:default", item.ProfileId);
        Assert.Contains(reason, item.Reason, StringComparison.Ordinal);
        Assert.Equal(expected is not null, item.Imported);
        if (expected is not null)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), store.Get("p:default")!.Node), rule);
        }
        else
        {
            Assert.Null(store.Get("p:default"));
        }
    }

    [Fact]
    public void Oauth_json_entries_are_imported_with_every_field_and_never_overwrite()
    {
        Write(OAuthJson, "{\"anthropic\":{\"access\":\"a\",\"refresh\":\"r\",\"expires\":1767000000000,\"extra\":true},\"openai-codex\":{\"refresh\":\"r2\",\"expires\":1}, \"broken\": 3, \"\": {}}");
        var store = AuthProfileStore.CreateEmpty();
        store.Set("openai-codex:default", new JsonObject { ["type"] = "oauth", ["provider"] = "openai-codex", ["access"] = "mine", ["refresh"] = "mine", ["expires"] = 5 });
        var result = LegacyImporter.Import(store, new LegacySources(OAuthJson, null));

        Assert.Equal(1, result.ImportedCount);
        Assert.Equal(4, result.Items.Count);
        var imported = store.Get("anthropic:default")!;
        Assert.Equal(CredentialType.OAuth, imported.Type);
        Assert.True((bool)imported.Node["extra"]!);
        Assert.Equal("mine", (string?)store.Get("openai-codex:default")!.Node["access"]);
        Assert.Contains(result.Items, i => i.ProfileId == "openai-codex:default" && !i.Imported && i.Reason.Contains("exists", StringComparison.Ordinal));
        Assert.Contains(result.Items, i => i.ProfileId == "broken:default" && !i.Imported);
        Assert.False(result.AuthJsonConsumed);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public void An_unreadable_legacy_file_is_reported_and_the_other_is_still_imported(string content)
    {
        Write(AuthJson, content);
        Write(OAuthJson, "{\"anthropic\":{\"access\":\"a\",\"refresh\":\"r\",\"expires\":1}}");
        var store = AuthProfileStore.CreateEmpty();
        var result = LegacyImporter.Import(store, Sources);
        Assert.Equal(1, result.ImportedCount);
        Assert.Contains(result.Items, i => i.Source == AuthJson && !i.Imported);
        Assert.NotNull(store.Get("anthropic:default"));
    }

    [Fact]
    public void First_use_imports_writes_the_store_then_deletes_auth_json_but_keeps_oauth_json()
    {
        Write(AuthJson, "{\"openrouter\":{\"type\":\"api_key\",\"key\":\"k\"}}");
        Write(OAuthJson, "{\"anthropic\":{\"access\":\"a\",\"refresh\":\"r\",\"expires\":1}}");

        // Reading shows what would be imported and writes nothing.
        var preview = AuthStoreFile.TryLoad(StorePath, Sources, out var previewResult);
        Assert.Equal(2, preview!.Count);
        Assert.Equal(2, previewResult!.ImportedCount);
        Assert.False(File.Exists(StorePath));
        Assert.True(File.Exists(AuthJson));

        AuthStoreFile.Update(StorePath, Sources, store => store.Count, out var imported);
        Assert.Equal(2, imported!.ImportedCount);
        Assert.True(File.Exists(StorePath));
        Assert.False(File.Exists(AuthJson));
        Assert.True(File.Exists(OAuthJson));
        Assert.Equal(2, AuthStoreFile.TryLoad(StorePath)!.Count);

        // Second use: the store exists, nothing is imported again.
        var before = File.ReadAllText(StorePath);
        AuthStoreFile.Update(StorePath, Sources, store => 0, out var second);
        Assert.Null(second);
        Assert.Equal(before, File.ReadAllText(StorePath));
    }

    [Fact]
    public void Auth_json_whose_entries_were_all_invalid_is_not_deleted()
    {
        Write(AuthJson, "{\"x\":{\"type\":\"nope\"}}");
        AuthStoreFile.Update(StorePath, Sources, store => { store.Set("a:b", new JsonObject { ["type"] = "token", ["provider"] = "a", ["token"] = "t" }); return 0; }, out var imported);
        Assert.Equal(0, imported!.ImportedCount);
        Assert.True(File.Exists(AuthJson));
    }

    [Fact]
    public void Auth_json_in_the_wrapped_shape_is_not_the_legacy_format()
    {
        Write(AuthJson, "{\"version\":1,\"profiles\":{}}");
        var result = LegacyImporter.Import(AuthProfileStore.CreateEmpty(), new LegacySources(null, AuthJson));
        Assert.Equal(0, result.ImportedCount);
        Assert.Contains("not the legacy flat shape", Assert.Single(result.Items).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auth_state_json_wins_key_by_key_and_receives_the_state_keys_on_write()
    {
        Write(StorePath, "{\"version\":1,\"profiles\":{\"a:x\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"t\"},\"a:y\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"t\"}},\"order\":{\"a\":[\"a:y\"],\"b\":[\"b:1\"]},\"keep\":1}");
        var statePath = AuthStoreFile.StatePathFor(StorePath);
        Write(statePath, "{\"version\":1,\"order\":{\"a\":[\"a:x\",\"a:y\"]},\"lastGood\":{\"a\":\"a:x\"},\"future\":{\"z\":1}}");

        var store = AuthStoreFile.TryLoad(StorePath)!;
        Assert.True(store.UsesStateFile);
        Assert.Equal(new[] { "a:x", "a:y" }, store.GetOrder("a"));
        Assert.Equal(new[] { "b:1" }, store.GetOrder("b"));
        Assert.Equal("a:x", store.GetLastGood("a"));

        AuthStoreFile.Update(StorePath, s => { s.SetOrder("a", new[] { "a:y" }); return 0; });
        var profiles = JsonNode.Parse(File.ReadAllText(StorePath))!.AsObject();
        var state = JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        Assert.Null(profiles["order"]);
        Assert.Equal(1, (int)profiles["keep"]!);
        Assert.Equal(2, profiles["profiles"]!.AsObject().Count);
        Assert.Equal("a:y", (string?)state["order"]!["a"]![0]);
        Assert.Equal("b:1", (string?)state["order"]!["b"]![0]);
        Assert.Equal("a:x", (string?)state["lastGood"]!["a"]);
        Assert.Equal(1, (int)state["future"]!["z"]!);
        Assert.Equal(1, (int)state["version"]!);
    }

    [Fact]
    public void A_corrupt_auth_state_json_stops_writes_and_is_named()
    {
        Write(StorePath, "{\"version\":1,\"profiles\":{}}");
        var statePath = AuthStoreFile.StatePathFor(StorePath);
        Write(statePath, "{\"version\":1,\"order\":");
        var ex = Assert.Throws<MoltbotException>(() => AuthStoreFile.Update(StorePath, s => { s.SetOrder("a", new[] { "a:x" }); return 0; }));
        Assert.Equal(ErrorIds.StoreUnreadable, ex.ErrorId);
        Assert.Contains(statePath, ex.Message, StringComparison.Ordinal);
        Assert.Equal("{\"version\":1,\"order\":", File.ReadAllText(statePath));
        Assert.Equal("{\"version\":1,\"profiles\":{}}", File.ReadAllText(StorePath));
    }
}
