using System;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Moltbot.Core.Json;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>The JSON5 reader used for openclaw.json (spec 2.2: "The format is JSON5").</summary>
public sealed class Json5Tests
{
    /// <summary>JSON5 text -> the plain JSON it means (compared structurally, parsed by System.Text.Json).</summary>
    public static TheoryData<string, string> Valid => new()
    {
        // plain JSON (fast path)
        { "{\"a\": 1, \"b\": [true, false, null], \"c\": \"x\"}", "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\"}" },
        { "[]", "[]" },
        { "\"just a string\"", "\"just a string\"" },
        { "42", "42" },
        // comments
        { "// leading comment\n{\"a\": 1}", "{\"a\":1}" },
        { "{\"a\": 1} // trailing comment without newline", "{\"a\":1}" },
        { "{\n  // line comment\n  a: 1, // after a value\n  b: 2\n}", "{\"a\":1,\"b\":2}" },
        { "{/* block */ \"a\": /* inside */ 1 /* after */}", "{\"a\":1}" },
        { "/* multi\n line\n block */ {a: 1}", "{\"a\":1}" },
        { "{a: /* a ** star */ 1}", "{\"a\":1}" },
        // comment markers inside strings are text
        { "{url: \"http://example.com//x\"}", "{\"url\":\"http://example.com//x\"}" },
        { "{url: 'http://example.com/*x*/'}", "{\"url\":\"http://example.com/*x*/\"}" },
        // trailing commas
        { "{\"a\": 1,}", "{\"a\":1}" },
        { "[1, 2, 3,]", "[1,2,3]" },
        { "{a: [1,], b: {c: 1,},}", "{\"a\":[1],\"b\":{\"c\":1}}" },
        // keys
        { "{unquoted: 1, $dollar: 2, _under: 3, camelCase9: 4}", "{\"unquoted\":1,\"$dollar\":2,\"_under\":3,\"camelCase9\":4}" },
        { "{'single': 1}", "{\"single\":1}" },
        { "{'with space': 1, \"with:colon\": 2}", "{\"with space\":1,\"with:colon\":2}" },
        // single-quoted strings and escapes
        { "{a: 'text'}", "{\"a\":\"text\"}" },
        { "{a: 'it\\'s \"quoted\"'}", "{\"a\":\"it's \\\"quoted\\\"\"}" },
        { "{a: \"it's\"}", "{\"a\":\"it's\"}" },
        { "{a: 'tab\\tnl\\ncr\\rbs\\\\'}", "{\"a\":\"tab\\tnl\\ncr\\rbs\\\\\"}" },
        { "{a: '\\u00e9\\x41\\u0042'}", "{\"a\":\"\\u00e9AB\"}" },
        { "{a: '\\b\\f\\v\\0'}", "{\"a\":\"\\b\\f\\u000b\\u0000\"}" },
        { "{a: '\\q\\/'}", "{\"a\":\"q/\"}" },          // an unknown escape is the character itself
        { "{a: 'é日本😀'}", "{\"a\":\"é日本😀\"}" },
        // line continuation
        { "{a: 'line one \\\nline two'}", "{\"a\":\"line one line two\"}" },
        { "{a: 'crlf \\\r\ncontinued'}", "{\"a\":\"crlf continued\"}" },
        // numbers
        { "{a: 0x1F, b: 0XA, c: -0xff, d: 0x0}", "{\"a\":31,\"b\":10,\"c\":-255,\"d\":0}" },
        { "{a: +1, b: +1.5}", "{\"a\":1,\"b\":1.5}" },
        { "{a: .5, b: -.25, c: +.5}", "{\"a\":0.5,\"b\":-0.25,\"c\":0.5}" },
        { "{a: 5., b: -3.}", "{\"a\":5,\"b\":-3}" },
        { "{a: 1e3, b: 2E-2, c: 1.5e+2}", "{\"a\":1000,\"b\":0.02,\"c\":150}" },
        { "{a: 1767225600000}", "{\"a\":1767225600000}" },
        // literals
        { "{t: true, f: false, n: null}", "{\"t\":true,\"f\":false,\"n\":null}" },
        // nesting, the shape of a real openclaw.json
        {
            "// OpenClaw config\n{\n  agents: {\n    list: [\n      { id: 'main', default: true, },\n      { id: \"ops\", agentDir: '~/ops', },\n    ],\n  },\n  auth: { profiles: { 'anthropic:default': { provider: 'anthropic', mode: 'token' } } },\n}\n",
            "{\"agents\":{\"list\":[{\"id\":\"main\",\"default\":true},{\"id\":\"ops\",\"agentDir\":\"~/ops\"}]},\"auth\":{\"profiles\":{\"anthropic:default\":{\"provider\":\"anthropic\",\"mode\":\"token\"}}}}"
        },
        // white space of all kinds between tokens
        { "\uFEFF{\r\n\ta\u00A0:\u2003 1 }", "{\"a\":1}" },
        // a repeated key keeps the last value, as JSON.parse and JSON5.parse do
        { "{a: 1, a: 2}", "{\"a\":2}" },
        { "{\"a\": 1, \"a\": 2}", "{\"a\":2}" },
        { "{\"p\": {\"x\": 1, \"x\": 3}}", "{\"p\":{\"x\":3}}" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses(string json5, string expectedJson)
    {
        var parsed = Json5.Parse(json5);
        Json.AssertDeepEqual(expectedJson, parsed);
        // The tree is fully usable (no deferred parse errors): walk all of it.
        Assert.Equal(JsonNode.Parse(expectedJson)!.ToJsonString(), parsed!.ToJsonString());
    }

    [Fact]
    public void RepeatedKey_KeepsTheFirstPosition()
    {
        var parsed = Json5.Parse("{\"a\": 1, \"b\": 2, \"a\": 3}")!.AsObject();
        Assert.Equal(new[] { "a", "b" }, Json.Keys(parsed));
        Assert.Equal(3, (int)parsed["a"]!);
    }

    [Fact]
    public void InfinityAndNaN()
    {
        var parsed = Json5.Parse("{a: Infinity, b: -Infinity, c: +Infinity, d: NaN, e: -NaN}")!.AsObject();
        Assert.True(double.IsPositiveInfinity(parsed["a"]!.GetValue<double>()));
        Assert.True(double.IsNegativeInfinity(parsed["b"]!.GetValue<double>()));
        Assert.True(double.IsPositiveInfinity(parsed["c"]!.GetValue<double>()));
        Assert.True(double.IsNaN(parsed["d"]!.GetValue<double>()));
        Assert.True(double.IsNaN(parsed["e"]!.GetValue<double>()));
    }

    [Fact]
    public void HexBeyondInt64_IsANumber_NotACrash()
    {
        // JSON5 numbers are doubles; 0xFFFFFFFFFFFFFFFFFF is 2^72 - 1.
        var parsed = Json5.Parse("{a: 0xFFFFFFFFFFFFFFFFFF}")!.AsObject();
        Assert.Equal(Math.Pow(2, 72), parsed["a"]!.GetValue<double>(), 0);
    }

    [Fact]
    public void Nesting_OfAHundredLevels_IsFine_OnBothPaths()
    {
        // System.Text.Json's default depth limit is 64; the reader must still accept deeper documents.
        var plain = new string('[', 100) + new string(']', 100);
        var json5 = new string('[', 100) + "1," + new string(']', 100);
        Assert.NotNull(Json5.Parse(plain));
        Assert.NotNull(Json5.Parse(json5));
    }

    [Fact]
    public void Nesting_TooDeep_IsAFormatException_NotAStackOverflow()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var ex = Assert.Throws<FormatException>(() => Json5.Parse(deep));
        Assert.Contains("deep", ex.Message);
        var deepObjects = string.Concat(Enumerable.Repeat("{a:", 5_000)) + "1" + new string('}', 5_000);
        Assert.Throws<FormatException>(() => Json5.Parse(deepObjects));
    }

    [Fact]
    public void LargePlainJson_ParsesIdentically()
    {
        var sb = new StringBuilder("{\"profiles\": {");
        for (var i = 0; i < 2000; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append($"\"p:{i}\": {{\"type\": \"token\", \"provider\": \"p\", \"token\": \"t{i}\", \"expires\": {1767225600000 + i}}}");
        }
        sb.Append("}}");
        var text = sb.ToString();
        Json.AssertDeepEqual(text, Json5.Parse(text));
    }

    /// <summary>Malformed input -> FormatException whose message gives the line and column of the problem.</summary>
    [Theory]
    [InlineData("", 1, 1)]
    [InlineData("   ", 1, 4)]
    [InlineData("{a:}", 1, 4)]
    [InlineData("{a: 1 b: 2}", 1, 7)]
    [InlineData("[1,,2]", 1, 4)]
    [InlineData("{a: tru}", 1, 5)]
    [InlineData("{a: undefined}", 1, 5)]
    [InlineData("{a: 'unterminated}", 1, 19)]
    [InlineData("{a: 'line\nbreak'}", 1, 10)]
    [InlineData("/* never closed", 1, 1)]
    [InlineData("{} {}", 1, 4)]
    [InlineData("{\n  a: 1,\n  b: ?\n}", 3, 6)]
    [InlineData("{\n  a: 1,\n  b: [1, 2\n", 4, 1)]
    [InlineData("{\"a\" 1}", 1, 6)]
    [InlineData("{a: 0x}", 1, 6)]
    [InlineData("{a: 1.2.3}", 1, 5)]
    [InlineData("{a: 1e}", 1, 5)]
    [InlineData("{a: '\\x4'}", 1, 7)]
    [InlineData("{a: '\\u12'}", 1, 7)]
    [InlineData("{a: '\\1'}", 1, 7)]
    [InlineData("{-: 1}", 1, 2)]
    public void Malformed_ThrowsFormatExceptionWithLineAndColumn(string text, int line, int column)
    {
        var ex = Assert.Throws<FormatException>(() => Json5.Parse(text));
        var match = Regex.Match(ex.Message, @"line (\d+), column (\d+)");
        Assert.True(match.Success, ex.Message);
        Assert.Equal(line, int.Parse(match.Groups[1].Value));
        // The column points at the offending token; allow a character or two either side within it.
        var col = int.Parse(match.Groups[2].Value);
        Assert.InRange(col, Math.Max(1, column - 2), column + 2);
    }

    [Theory]
    [InlineData("{token: abcdSECRETvalue123}")]
    [InlineData("{token: 12345SECRET}")]
    [InlineData("{\"apiKey\": sk_SECRETvalue}")]
    [InlineData("{apiKey: 'sk-SECRET' 'second'}")]
    public void Malformed_MessageNeverEchoesTheValue(string text)
    {
        var ex = Assert.Throws<FormatException>(() => Json5.Parse(text));
        Assert.DoesNotContain("SECRET", ex.Message);
    }

    [Fact]
    public void Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Json5.Parse(null!));
    }
}
