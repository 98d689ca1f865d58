using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.Json;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>
/// The writer must produce what Node's <c>JSON.stringify(data, null, 2) + "\n"</c> produces (spec 3.5, 6): 2-space indent,
/// LF only, a trailing newline, UTF-8 without BOM, and no HTML-safe escaping ('+', '&lt;', non-ASCII as themselves).
/// </summary>
public sealed class JsonFileTests
{
    [Fact]
    public void Serialize_NodeLayout()
    {
        var doc = new JsonObject
        {
            ["version"] = 1,
            ["profiles"] = new JsonObject
            {
                ["anthropic:default"] = new JsonObject { ["type"] = "token", ["provider"] = "anthropic", ["token"] = "x" },
            },
            ["order"] = new JsonObject { ["anthropic"] = new JsonArray("a", "b") },
            ["empty"] = new JsonObject(),
            ["none"] = new JsonArray(),
            ["flags"] = new JsonArray(true, false, null, 1.5, 1767225600000L),
        };
        // Written out by hand from JSON.stringify's rules (arrays one element per line, "{}" and "[]" when empty).
        const string expected =
            "{\n" +
            "  \"version\": 1,\n" +
            "  \"profiles\": {\n" +
            "    \"anthropic:default\": {\n" +
            "      \"type\": \"token\",\n" +
            "      \"provider\": \"anthropic\",\n" +
            "      \"token\": \"x\"\n" +
            "    }\n" +
            "  },\n" +
            "  \"order\": {\n" +
            "    \"anthropic\": [\n" +
            "      \"a\",\n" +
            "      \"b\"\n" +
            "    ]\n" +
            "  },\n" +
            "  \"empty\": {},\n" +
            "  \"none\": [],\n" +
            "  \"flags\": [\n" +
            "    true,\n" +
            "    false,\n" +
            "    null,\n" +
            "    1.5,\n" +
            "    1767225600000\n" +
            "  ]\n" +
            "}\n";
        Assert.Equal(expected, JsonFile.Serialize(doc));
    }

    [Fact]
    public void Serialize_Null_IsTheNullLiteral()
    {
        Assert.Equal("null\n", JsonFile.Serialize(null));
    }

    [Fact]
    public void Serialize_LfOnly_TrailingNewline_NoBom()
    {
        var doc = new JsonObject { ["a"] = new JsonObject { ["b"] = new JsonArray(1, 2) }, ["c"] = "line1\r\nline2" };
        var bytes = JsonFile.SerializeToUtf8(doc);
        Assert.Equal((byte)'{', bytes[0]); // no EF BB BF
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.Equal((byte)'\n', bytes[^1]);
        Assert.NotEqual((byte)'\n', bytes[^2]); // exactly one trailing newline
        // The CR LF inside the string value survives as escapes.
        Assert.Contains("\"line1\\r\\nline2\"", Encoding.UTF8.GetString(bytes));
    }

    /// <summary>A string value -> how JSON.stringify writes it.</summary>
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a+b", "\"a+b\"")]
    [InlineData("<script>&'", "\"<script>&'\"")]
    [InlineData("quote\"back\\slash", "\"quote\\\"back\\\\slash\"")]
    [InlineData("nl\ncr\rtab\tbs\bff\f", "\"nl\\ncr\\rtab\\tbs\\bff\\f\"")]
    [InlineData("\u0001", "\"\\u0001\"")]
    [InlineData("é", "\"é\"")]
    [InlineData("日本語 Ωmega ñ", "\"日本語 Ωmega ñ\"")]
    [InlineData("sk-ant-oat01-AbC+/=_-", "\"sk-ant-oat01-AbC+/=_-\"")]
    [InlineData("me@example.com", "\"me@example.com\"")]
    public void Serialize_StringsAsNodeWritesThem(string value, string expectedLiteral)
    {
        var text = JsonFile.Serialize(new JsonObject { ["v"] = value });
        Assert.Equal("{\n  \"v\": " + expectedLiteral + "\n}\n", text);
    }

    [Fact]
    public void Serialize_NonBmpCharacters_RoundTrip()
    {
        // JSON.stringify writes an emoji as itself; whatever the writer does, the value must read back unchanged.
        var text = JsonFile.Serialize(new JsonObject { ["v"] = "😀 𝄞" });
        Assert.Equal("😀 𝄞", JsonNode.Parse(text)!["v"]!.GetValue<string>());
    }

    [Fact]
    public void Serialize_KeysAreWrittenLikeValues()
    {
        var text = JsonFile.Serialize(new JsonObject { ["é+<key>"] = 1 });
        Assert.Equal("{\n  \"é+<key>\": 1\n}\n", text);
    }

    [Fact]
    public void ParsedEscapes_AreWrittenBackAsCharacters()
    {
        // A file written by another tool with \u escapes comes back in Node's style once rewritten.
        var node = JsonFile.ParseStrict("{\"v\": \"\\u00e9\\u002b\\u003c\\u0041\", \"n\": 1767225600000}");
        Assert.Equal("{\n  \"v\": \"é+<A\",\n  \"n\": 1767225600000\n}\n", JsonFile.Serialize(node));
    }

    [Fact]
    public void ParseStrict_KeepsKeyOrder()
    {
        var node = JsonFile.ParseStrict("{\"z\": 1, \"a\": 2, \"m\": {\"y\": 1, \"b\": 2}}")!;
        Assert.Equal(new[] { "z", "a", "m" }, Json.Keys(node));
        Assert.Equal(new[] { "y", "b" }, Json.Keys(node["m"]));
    }

    [Fact]
    public void ParseStrict_RepeatedKeys_LastWins_LikeJsonParse()
    {
        // JSON.parse accepts repeated keys and keeps the last value; the reader must not fail later on them.
        var node = JsonFile.ParseStrict("{\"a\": 1, \"p\": {\"x\": 1, \"x\": 2}, \"a\": 3}")!;
        Assert.Equal(3, (int)node["a"]!);
        Assert.Equal(2, (int)node["p"]!["x"]!);
        Assert.Equal(new[] { "a", "p" }, Json.Keys(node));
    }

    [Theory]
    [InlineData("{\"a\": 1,}")]     // trailing comma
    [InlineData("{a: 1}")]          // unquoted key
    [InlineData("// c\n{}")]        // comment
    [InlineData("{'a': 1}")]        // single quotes
    [InlineData("{\"a\": 01}")]     // leading zero
    [InlineData("")]
    public void ParseStrict_RejectsWhatJsonParseRejects(string text)
    {
        Assert.ThrowsAny<JsonException>(() => JsonFile.ParseStrict(text));
    }

    [Fact]
    public void DecodeUtf8_ToleratesALeadingBom()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("{\"a\":\"é\"}")).ToArray();
        Assert.Equal("{\"a\":\"é\"}", JsonFile.DecodeUtf8(bytes));
    }

    [Fact]
    public void DecodeUtf8_KeepsAnInnerBom()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"a\":\"x\uFEFFy\"}");
        Assert.Equal("{\"a\":\"x\uFEFFy\"}", JsonFile.DecodeUtf8(bytes));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'"', 0xFF, (byte)'"' })]
    [InlineData(new byte[] { (byte)'"', 0xC3, (byte)'"' })]             // truncated 2-byte sequence
    [InlineData(new byte[] { (byte)'"', 0xED, 0xA0, 0x80, (byte)'"' })] // encoded surrogate
    public void DecodeUtf8_InvalidBytesThrow(byte[] bytes)
    {
        Assert.Throws<DecoderFallbackException>(() => JsonFile.DecodeUtf8(bytes));
    }

    [Fact]
    public void Encoding_HasNoPreamble()
    {
        Assert.Empty(JsonFile.Encoding.GetPreamble());
    }
}
