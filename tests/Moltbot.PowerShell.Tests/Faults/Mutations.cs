using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moltbot.PowerShell.Tests.Faults;

/// <summary>Which file of the state dir a mutation replaces.</summary>
public enum FaultTarget
{
    Store,
    StateFile,
    Config,
}

/// <summary>One damaged file: where it goes, what was done to it (no content: it may hold sample secrets), and its bytes.</summary>
public sealed record Mutation(int Index, FaultTarget Target, bool TwoFileStore, string Kind, byte[] Bytes);

/// <summary>
/// Valid sample files and a seeded generator of damaged copies: truncations, byte flips, deleted and duplicated ranges,
/// junk bytes (NUL, invalid UTF-8, lone surrogates), BOMs, empty files, huge numbers, deep nesting, and fields of the
/// wrong JSON type. The secrets in the samples are fake and never printed.
/// </summary>
public static class Mutations
{
    public const string AnthropicToken = "sk-ant-oat01-FAULTsampleTOKEN0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    public const string OpenRouterKey = "sk-or-v1-FAULTsampleKEY0123456789";

    private static readonly string[] ProfileIds = { "anthropic:default", "anthropic:work", "openrouter:default", "openai-codex:default" };

    /// <summary>The single-file store (openclaw 2026.1.x): profiles, order, lastGood and usageStats in auth-profiles.json.</summary>
    public static JsonObject Store(bool withState = true)
    {
        var store = new JsonObject
        {
            ["version"] = 1,
            ["profiles"] = new JsonObject
            {
                ["anthropic:default"] = new JsonObject { ["type"] = "token", ["provider"] = "anthropic", ["token"] = AnthropicToken },
                ["anthropic:work"] = new JsonObject { ["type"] = "api_key", ["provider"] = "anthropic", ["key"] = "sk-ant-api03-FAULTsampleKEY", ["email"] = "ops@example.com" },
                ["openrouter:default"] = new JsonObject { ["type"] = "api_key", ["provider"] = "openrouter", ["key"] = OpenRouterKey },
                ["openai-codex:default"] = new JsonObject
                {
                    ["type"] = "oauth", ["provider"] = "openai-codex", ["access"] = "eyFAULTaccess", ["refresh"] = "rtFAULTrefresh",
                    ["expires"] = 4102444800000, ["accountId"] = "acct-fault",
                },
            },
        };
        if (withState)
        {
            foreach (var (key, value) in State())
            {
                if (key != "version")
                {
                    store[key] = value?.DeepClone();
                }
            }
        }
        return store;
    }

    /// <summary>auth-state.json (openclaw 2026.4.5+), beside a store without order/lastGood/usageStats.</summary>
    public static JsonObject State() => new()
    {
        ["version"] = 1,
        ["order"] = new JsonObject { ["anthropic"] = new JsonArray("anthropic:default", "anthropic:work") },
        ["lastGood"] = new JsonObject { ["anthropic"] = "anthropic:default" },
        ["usageStats"] = new JsonObject
        {
            ["anthropic:work"] = new JsonObject { ["lastUsed"] = 1700000000000, ["errorCount"] = 0 },
            ["openrouter:default"] = new JsonObject { ["cooldownUntil"] = 1700000000000 },
        },
    };

    public static JsonObject Config() => new()
    {
        ["agents"] = new JsonObject
        {
            ["list"] = new JsonArray(
                new JsonObject { ["id"] = "main", ["default"] = true },
                new JsonObject { ["id"] = "work", ["name"] = "Work", ["model"] = "anthropic/claude-sonnet-4-5" }),
        },
        ["auth"] = new JsonObject
        {
            ["profiles"] = new JsonObject
            {
                ["anthropic:default"] = new JsonObject { ["provider"] = "anthropic", ["mode"] = "token" },
                ["anthropic:work"] = new JsonObject { ["provider"] = "anthropic", ["mode"] = "api_key" },
                ["openrouter:default"] = new JsonObject { ["provider"] = "openrouter", ["mode"] = "api_key" },
            },
            ["order"] = new JsonObject { ["anthropic"] = new JsonArray("anthropic:default", "anthropic:work") },
        },
        ["gateway"] = new JsonObject { ["port"] = 18789, ["mode"] = "local" },
    };

    /// <summary>The config as a person writes it: comments, unquoted keys, single quotes, trailing commas.</summary>
    public const string Json5Config = """
        // OpenClaw config, edited by hand
        {
          agents: {
            list: [
              { id: 'main', default: true, },
              { id: "work", name: 'Work', model: 'anthropic/claude-sonnet-4-5' },
            ],
          },
          /* credentials */
          auth: {
            profiles: {
              'anthropic:default': { provider: 'anthropic', mode: 'token' },
              'anthropic:work': { provider: 'anthropic', mode: 'api_key' },
              'openrouter:default': { provider: 'openrouter', mode: 'api_key', },
            },
            order: { anthropic: ['anthropic:default', 'anthropic:work'] },
          },
          gateway: { port: 0x4965, mode: 'local' },
        }

        """;

    public static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>The <paramref name="count"/> mutations of a seed: about half against the store (a quarter of those in the two-file layout, some against auth-state.json), half against openclaw.json.</summary>
    public static IEnumerable<Mutation> Generate(int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var target = i % 2 == 0 ? FaultTarget.Config : FaultTarget.Store;
            var twoFile = target == FaultTarget.Store && random.Next(4) == 0;
            if (twoFile && random.Next(2) == 0)
            {
                target = FaultTarget.StateFile;
            }
            JsonObject sample = target switch
            {
                FaultTarget.Store => Store(withState: !twoFile),
                FaultTarget.StateFile => State(),
                _ => Config(),
            };
            var json5 = target == FaultTarget.Config && random.Next(3) == 0;
            var text = json5 ? Encoding.UTF8.GetBytes(Json5Config) : Bytes(sample);
            var (kind, bytes) = random.Next(10) < 4 ? Semantic(random, target, sample) : Textual(random, text);
            yield return new Mutation(i, target, twoFile, (json5 ? "json5 " : string.Empty) + kind, bytes);
        }
    }

    // ---- byte-level damage ------------------------------------------------------------------------------------------

    private static (string, byte[]) Textual(Random random, byte[] text)
    {
        var n = text.Length;
        switch (random.Next(16))
        {
            case 0:
            case 1:
                {
                    var at = random.Next(n);
                    return ($"truncated at {at}/{n}", text[..at]);
                }
            case 2:
            case 3:
                {
                    var copy = (byte[])text.Clone();
                    var flips = 1 + random.Next(4);
                    for (var f = 0; f < flips; f++)
                    {
                        copy[random.Next(n)] ^= (byte)(1 << random.Next(8));
                    }
                    return ($"{flips} bit flip(s)", copy);
                }
            case 4:
                {
                    var at = random.Next(n);
                    var length = 1 + random.Next(Math.Min(12, n - at));
                    return ($"deleted {length} byte(s) at {at}", text[..at].Concat(text[(at + length)..]).ToArray());
                }
            case 5:
                {
                    var at = random.Next(n);
                    var length = 1 + random.Next(Math.Min(40, n - at));
                    return ($"duplicated {length} byte(s) at {at}", text[..(at + length)].Concat(text[at..]).ToArray());
                }
            case 6:
                {
                    byte[][] junk =
                    {
                        new byte[] { 0 }, new byte[] { 0, 0, 0 }, new byte[] { 0xFF }, new byte[] { 0xC0, 0x80 }, new byte[] { 0xED, 0xA0, 0x80 },
                        new byte[] { 0x80 }, new byte[] { 0xF4, 0x90, 0x80, 0x80 }, new byte[] { 0x1B, (byte)'[', (byte)'2', (byte)'J' }, new byte[] { 0x7F },
                    };
                    var pick = random.Next(junk.Length);
                    var at = random.Next(n + 1);
                    return ($"junk bytes #{pick} inserted at {at}", text[..at].Concat(junk[pick]).Concat(text[at..]).ToArray());
                }
            case 7:
                {
                    var boms = random.Next(1, 3);
                    var bom = Enumerable.Repeat(new byte[] { 0xEF, 0xBB, 0xBF }, boms).SelectMany(b => b);
                    return ($"{boms} BOM(s)", bom.Concat(text).ToArray());
                }
            case 8:
                {
                    string[] whole = { "", " \n", "null", "[]", "0", "\"text\"", "{", "}", "\0\0\0\0", "{}", "{\"profiles\":{}}", "true" };
                    var pick = random.Next(whole.Length);
                    return ($"whole file #{pick}", Encoding.UTF8.GetBytes(whole[pick]));
                }
            case 9:
                {
                    string[] huge = { "1e400", "-1e400", "123456789012345678901234567890", "1.7976931348623157e309", "-0", "1e-400", "9007199254740993", "0.0000000000000000001", "Infinity", "-Infinity", "NaN" };
                    var pick = huge[random.Next(huge.Length)];
                    return ($"numbers replaced by {pick}", ReplaceNumbers(text, pick, random));
                }
            case 10:
                {
                    int[] depths = { 63, 64, 65, 200, 255, 256, 257, 1000, 100_000 };
                    var depth = depths[random.Next(depths.Length)];
                    var array = random.Next(2) == 0;
                    var nested = array
                        ? new string('[', depth) + new string(']', depth)
                        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                    return ($"nesting {depth} deep ({(array ? "arrays" : "objects")})", InsertAfterFirstBrace(text, "\"deep\": " + nested + ","));
                }
            case 11:
                {
                    string[] escapes = { "\\ud800", "\\udc00x", "\\u0000", "\\uDBFF\\uDBFF", "\\x41", "\\u12", "\\" };
                    var pick = escapes[random.Next(escapes.Length)];
                    return ($"escape {pick} inserted into a string", InsertIntoString(text, pick, random));
                }
            case 12:
                return ("CRLF line ends", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(text).Replace("\n", "\r\n", StringComparison.Ordinal)));
            case 13:
                {
                    var at = random.Next(n);
                    var length = 1 + random.Next(Math.Min(8, n - at));
                    var copy = (byte[])text.Clone();
                    for (var k = at; k < at + length; k++)
                    {
                        copy[k] = (byte)random.Next(256);
                    }
                    return ($"{length} random byte(s) at {at}", copy);
                }
            case 14:
                {
                    // A key repeated: JSON.parse keeps the last value.
                    var s = Encoding.UTF8.GetString(text);
                    var at = s.IndexOf("\"version\"", StringComparison.Ordinal) is var v && v >= 0 ? v : s.IndexOf("\"gateway\"", StringComparison.Ordinal);
                    var comma = at < 0 ? -1 : s.IndexOf(',', at);
                    return comma < 0
                        ? ("duplicate key (none found)", text)
                        : ("duplicate key", Encoding.UTF8.GetBytes(s.Insert(at, s[at..(comma + 1)])));
                }
            default:
                {
                    var s = Encoding.UTF8.GetString(text);
                    var swaps = new[] { ("{", "["), ("}", "]"), (":", ","), ("\"", "'"), (",", ""), ("true", "True") };
                    var (from, to) = swaps[random.Next(swaps.Length)];
                    var at = s.IndexOf(from, random.Next(s.Length), StringComparison.Ordinal);
                    return at < 0
                        ? ($"swap {from} (none found)", text)
                        : ($"'{from}' at {at} replaced by '{to}'", Encoding.UTF8.GetBytes(s[..at] + to + s[(at + from.Length)..]));
                }
        }
    }

    private static byte[] ReplaceNumbers(byte[] text, string replacement, Random random)
    {
        var s = Encoding.UTF8.GetString(text);
        var sb = new StringBuilder();
        var inString = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '"' && (i == 0 || s[i - 1] != '\\'))
            {
                inString = !inString;
            }
            if (!inString && (char.IsAsciiDigit(c) || c == '-') && (i == 0 || !char.IsAsciiLetterOrDigit(s[i - 1])))
            {
                var end = i;
                while (end < s.Length && (char.IsAsciiHexDigit(s[end]) || s[end] is '-' or '+' or '.' or 'x' or 'e' or 'E'))
                {
                    end++;
                }
                sb.Append(random.Next(2) == 0 ? replacement : s[i..end]);
                i = end - 1;
                continue;
            }
            sb.Append(c);
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static byte[] InsertAfterFirstBrace(byte[] text, string insertion)
    {
        var s = Encoding.UTF8.GetString(text);
        var at = s.IndexOf('{');
        return Encoding.UTF8.GetBytes(at < 0 ? insertion + s : s.Insert(at + 1, insertion));
    }

    private static byte[] InsertIntoString(byte[] text, string insertion, Random random)
    {
        var s = Encoding.UTF8.GetString(text);
        var quotes = Enumerable.Range(0, s.Length).Where(i => s[i] == '"' || s[i] == '\'').ToList();
        if (quotes.Count == 0)
        {
            return text;
        }
        var at = quotes[random.Next(quotes.Count)] + 1;
        return Encoding.UTF8.GetBytes(s.Insert(Math.Min(at, s.Length), insertion));
    }

    // ---- wrong JSON types in known fields ----------------------------------------------------------------------------

    private static JsonNode? Wrong(Random random, params JsonNode?[] choices) => choices[random.Next(choices.Length)]?.DeepClone();

    private static JsonNode?[] AnyWrongType() =>
        new JsonNode?[] { null, 0, -1, 1.5, true, "text", "", new JsonArray(), new JsonArray(1, "x", null), new JsonObject(), new JsonObject { ["x"] = 1 } };

    private static (string, byte[]) Semantic(Random random, FaultTarget target, JsonObject sample)
    {
        var edits = target == FaultTarget.Config ? ConfigEdits(random) : StoreEdits(random, target == FaultTarget.StateFile);
        var (path, value) = edits[random.Next(edits.Count)];
        if (path.Length == 0)
        {
            return ($"root replaced by {Describe(value)}", Encoding.UTF8.GetBytes(value?.ToJsonString() ?? "null"));
        }
        JsonNode? parent = sample;
        foreach (var part in path[..^1])
        {
            parent = parent is JsonObject o ? o[part] : parent is JsonArray a && int.TryParse(part, out var idx) && idx < a.Count ? a[idx] : null;
        }
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray arr when int.TryParse(last, out var index) && index < arr.Count:
                arr[index] = value;
                break;
        }
        return ($"{string.Join('.', path)} = {Describe(value)}", Bytes(sample));
    }

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject o => o.Count == 0 ? "{}" : "an object",
        JsonArray a => a.Count == 0 ? "[]" : "an array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "a string",
        _ => value.GetValueKind().ToString().ToLowerInvariant() + " " + value.ToJsonString(),
    };

    private static List<(string[] Path, JsonNode? Value)> StoreEdits(Random random, bool stateFile)
    {
        var any = AnyWrongType();
        var edits = new List<(string[], JsonNode?)>
        {
            (Array.Empty<string>(), Wrong(random, new JsonArray(), "store", 1, null)),
            (new[] { "version" }, Wrong(random, "1", null, -1, 1e308, 2, new JsonObject(), 1.5)),
            (new[] { "order" }, Wrong(random, any)),
            (new[] { "order", "anthropic" }, Wrong(random, new JsonObject(), "anthropic:default", new JsonArray(1, null, new JsonObject()), new JsonArray(), new JsonArray("ghost:none"))),
            (new[] { "order", "Anthropic" }, Wrong(random, new JsonArray("anthropic:work"), new JsonArray())),
            (new[] { "lastGood" }, Wrong(random, any)),
            (new[] { "lastGood", "anthropic" }, Wrong(random, 1, new JsonObject(), "ghost:none")),
            (new[] { "usageStats" }, Wrong(random, any)),
            (new[] { "usageStats", "anthropic:work" }, Wrong(random, "x", new JsonArray(), 1)),
            (new[] { "usageStats", "anthropic:work", "lastUsed" }, Wrong(random, "yesterday", -1, 1e300, 9e18, 1.5, new JsonObject())),
            (new[] { "usageStats", "openrouter:default", "cooldownUntil" }, Wrong(random, "soon", 1e300, 8.64e15 + 1, 9.3e18, -5, 4102444800000)),
            (new[] { "usageStats", "anthropic:work", "disabledUntil" }, Wrong(random, 9.3e18, 1e300, "never", 4102444800000)),
            (new[] { "usageStats", "anthropic:work", "disabledReason" }, Wrong(random, 1, new JsonObject(), "billing")),
        };
        if (!stateFile)
        {
            edits.Add((new[] { "profiles" }, Wrong(random, any)));
            foreach (var id in ProfileIds)
            {
                edits.Add((new[] { "profiles", id }, Wrong(random, any)));
                edits.Add((new[] { "profiles", id, "type" }, Wrong(random, 1, null, "bogus", "API_KEY", "apiKey", "oauth", "token", "", new JsonArray())));
                edits.Add((new[] { "profiles", id, "provider" }, Wrong(random, 1, null, "", "OpenRouter", "openai-codex", " anthropic ", new JsonObject())));
                edits.Add((new[] { "profiles", id, "expires" }, Wrong(random, "tomorrow", "1e13", -1, 0, 1.5, 8.64e15, 8.64e15 + 1, 9.3e18, 1e300, true, new JsonArray())));
                edits.Add((new[] { "profiles", id, "email" }, Wrong(random, 1, new JsonObject(), "")));
            }
            foreach (var field in new[] { "key", "apiKey", "token", "access", "refresh", "keyRef", "tokenRef" })
            {
                var id = field is "access" or "refresh" ? "openai-codex:default" : field is "token" or "tokenRef" ? "anthropic:default" : "openrouter:default";
                edits.Add((new[] { "profiles", id, field }, Wrong(random, 123, null, "", "   ", "a b", new JsonObject(), new JsonArray("x"), new JsonObject { ["source"] = "env" })));
            }
        }
        return edits;
    }

    private static List<(string[] Path, JsonNode? Value)> ConfigEdits(Random random)
    {
        var any = AnyWrongType();
        return new List<(string[], JsonNode?)>
        {
            (Array.Empty<string>(), Wrong(random, new JsonArray(), "config", 1, null)),
            (new[] { "agents" }, Wrong(random, any)),
            (new[] { "agents", "list" }, Wrong(random, any)),
            (new[] { "agents", "list", "0" }, Wrong(random, any)),
            (new[] { "agents", "list", "1" }, Wrong(random, any)),
            (new[] { "agents", "list", "0", "id" }, Wrong(random, 1, null, "", "MAIN", " Main ", "../../evil", new string('a', 100), "ü-agent", "work", new JsonArray())),
            (new[] { "agents", "list", "1", "id" }, Wrong(random, 1, null, "", "main", "Work Bot", "../../evil", "con", "-", new JsonObject())),
            (new[] { "agents", "list", "0", "default" }, Wrong(random, "yes", 1, null, false)),
            (new[] { "agents", "list", "1", "default" }, Wrong(random, true, "true")),
            // Never a string: a path from a damaged config must not send a write outside the state dir.
            (new[] { "agents", "list", "1", "agentDir" }, Wrong(random, 1, new JsonArray(), new JsonObject(), true, null)),
            (new[] { "agents", "list", "0", "agentDir" }, Wrong(random, 1, new JsonArray(), new JsonObject(), false)),
            (new[] { "agents", "list", "1", "model" }, Wrong(random, 1, new JsonObject { ["primary"] = 1 }, new JsonObject(), new JsonObject { ["primary"] = "x/y" })),
            (new[] { "agents", "list", "1", "name" }, Wrong(random, 1, new JsonObject(), null)),
            (new[] { "auth" }, Wrong(random, any)),
            (new[] { "auth", "profiles" }, Wrong(random, any)),
            (new[] { "auth", "profiles", "anthropic:default" }, Wrong(random, any)),
            (new[] { "auth", "profiles", "anthropic:default", "mode" }, Wrong(random, 1, null, "bogus", "oauth", "api_key", new JsonArray())),
            (new[] { "auth", "profiles", "openrouter:default", "provider" }, Wrong(random, 1, null, "", "ANTHROPIC", new JsonObject())),
            (new[] { "auth", "order" }, Wrong(random, any)),
            (new[] { "auth", "order", "anthropic" }, Wrong(random, "anthropic:default", new JsonObject(), new JsonArray(1, null, "anthropic:work"), new JsonArray(), new JsonArray("ghost:none"))),
            (new[] { "gateway", "port" }, Wrong(random, "18789", 1e300, -1, new JsonObject())),
        };
    }
}
