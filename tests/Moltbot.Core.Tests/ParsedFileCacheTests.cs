using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.Config;
using Moltbot.Core.Json;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>
/// The parsed-file memo (issue 16): a re-read of exactly the bytes this process last wrote takes a copy of their tree
/// instead of a parse; the copy reads as a parse would, a changed byte is always parsed afresh, and a copy handed out
/// never changes what the next read gets.
/// </summary>
public sealed class ParsedFileCacheTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string StorePath => _tmp.Combine("agent", "auth-profiles.json");

    private static AuthProfileStore SampleStore()
    {
        var store = AuthProfileStore.CreateEmpty();
        store.Set("openai-codex:default", new JsonObject
        {
            ["type"] = "oauth",
            ["provider"] = "openai-codex",
            ["access"] = "acc-CACHEsample",
            ["refresh"] = "ref-CACHEsample",
            ["expires"] = JsonValue.Create(1_900_000_000_000L), // a long put by code, not a parsed number
            ["ratio"] = JsonValue.Create(0.25d),
            ["seen"] = JsonValue.Create(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)),
            ["ok"] = true,
        });
        return store;
    }

    [Fact]
    public void A_store_read_back_after_its_write_is_a_copy_that_reads_as_a_parse_of_the_file()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        AuthStoreFile.Save(StorePath, SampleStore());
        var hits = ParsedFileCache.Hits;

        var loaded = AuthStoreFile.TryLoad(StorePath)!;

        Assert.True(ParsedFileCache.Hits > hits, "the read after the write was parsed again");
        var parsed = AuthProfileStore.Parse(File.ReadAllText(StorePath), StorePath);
        Assert.True(JsonNode.DeepEquals(parsed.Root, loaded.Root));
        var profile = (JsonObject)loaded.Root["profiles"]!["openai-codex:default"]!;
        // Every number reads as the parser gives it (an element), whatever code had put there.
        Assert.True(profile["expires"]!.AsValue().TryGetValue<JsonElement>(out var expires));
        Assert.Equal(1_900_000_000_000L, expires.GetInt64());
        Assert.True(profile["ratio"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.Equal(parsed.Root["profiles"]!["openai-codex:default"]!["seen"]!.GetValue<string>(), profile["seen"]!.GetValue<string>());
        Assert.Equal(JsonFile.Serialize(parsed.Root), JsonFile.Serialize(loaded.Root));
    }

    [Fact]
    public void One_byte_changed_in_place_is_parsed_afresh()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        AuthStoreFile.Save(StorePath, SampleStore());
        var bytes = File.ReadAllBytes(StorePath);
        var at = Encoding.UTF8.GetString(bytes).IndexOf("acc-CACHEsample", StringComparison.Ordinal);
        bytes[at] = (byte)'x'; // same length, same everything a stat would show but the content
        File.WriteAllBytes(StorePath, bytes);

        var loaded = AuthStoreFile.TryLoad(StorePath)!;

        Assert.Equal("xcc-CACHEsample", loaded.Root["profiles"]!["openai-codex:default"]!["access"]!.GetValue<string>());
    }

    [Fact]
    public void A_copy_changed_by_its_reader_does_not_change_the_next_read()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        AuthStoreFile.Save(StorePath, SampleStore());
        var first = AuthStoreFile.TryLoad(StorePath)!;
        first.Set("openrouter:default", new JsonObject { ["type"] = "api_key", ["provider"] = "openrouter", ["key"] = "sk-or-CACHE" });
        ((JsonObject)first.Root["profiles"]!["openai-codex:default"]!)["access"] = "changed";

        var second = AuthStoreFile.TryLoad(StorePath)!;

        Assert.Null(second.Get("openrouter:default"));
        Assert.Equal("acc-CACHEsample", second.Root["profiles"]!["openai-codex:default"]!["access"]!.GetValue<string>());
    }

    [Fact]
    public void The_config_read_after_its_write_is_a_copy_and_an_unreadable_file_is_still_refused()
    {
        var path = _tmp.File("openclaw.json", "{\"auth\": {\"profiles\": {}}}\n");
        OpenClawConfig.Update(path, c => c.UpsertAuthProfile("openrouter:default", "openrouter", CredentialType.ApiKey, null), changed => changed);
        var hits = ParsedFileCache.Hits;

        var config = OpenClawConfig.Load(path);

        Assert.True(ParsedFileCache.Hits > hits);
        Assert.True(config.HasAuthProfile("openrouter:default", "openrouter", CredentialType.ApiKey, null));
        Assert.True(JsonNode.DeepEquals(Json5.Parse(File.ReadAllText(path)), config.Root));

        File.WriteAllText(path, "{\"auth\": ");
        Assert.Throws<MoltbotException>(() => OpenClawConfig.Load(path));
    }

    [Fact]
    public void CopyAsParsed_gives_the_node_kinds_a_parse_gives()
    {
        var tree = new JsonObject
        {
            ["n"] = JsonValue.Create(42L),
            ["d"] = JsonValue.Create(1.5m),
            ["t"] = JsonValue.Create(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero)),
            ["s"] = "x",
            ["b"] = false,
            ["a"] = new JsonArray(1, "two", null),
            ["z"] = null,
            ["inf"] = JsonValue.Create(double.PositiveInfinity), // JSON5 reads it; the writer writes null
        };

        var copy = (JsonObject)JsonFile.CopyAsParsed(tree)!;
        var parsed = (JsonObject)JsonFile.ParseStrict(JsonFile.Serialize(tree))!;

        Assert.True(JsonNode.DeepEquals(parsed, copy));
        foreach (var (key, value) in parsed)
        {
            Assert.Equal(value?.GetValueKind(), copy[key]?.GetValueKind());
            if (value is JsonValue v)
            {
                Assert.Equal(v.TryGetValue<JsonElement>(out _), copy[key]!.AsValue().TryGetValue<JsonElement>(out _));
            }
        }
        Assert.NotSame(tree["a"], copy["a"]);
    }
}
