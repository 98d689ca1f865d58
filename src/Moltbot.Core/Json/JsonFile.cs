using System;
using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moltbot.Core.Json;

/// <summary>
/// Serialises documents the way Node's <c>JSON.stringify(data, null, 2) + "\n"</c> does: 2-space indent, LF line
/// ends, no BOM, non-ASCII characters and '+' written as themselves.
/// </summary>
public static class JsonFile
{
    /// <summary>The deepest document the readers accept (<see cref="ParseStrict"/> and <see cref="Json5"/>).</summary>
    public const int MaxDepth = 256;

    private static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Whatever was read can be written back (the writer's default stops at 64 levels).
        MaxDepth = MaxDepth + 1,
    };

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Encoding Encoding => Utf8NoBom;

    public static string Serialize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = Pretty.Encoder, MaxDepth = Pretty.MaxDepth }))
        {
            Write(writer, node);
        }
        var text = Utf8NoBom.GetString(buffer.WrittenSpan);
        // Indentation uses Environment.NewLine on .NET 8; JSON strings never hold a raw line break, so this is safe.
        return text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>
    /// Compact <c>JSON.stringify(value)</c> output (no whitespace, no trailing newline, no BOM): the form of the SQLite
    /// cells of OpenClaw 2026.6.5+.
    /// </summary>
    public static string SerializeCompact(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = Pretty.Encoder, MaxDepth = Pretty.MaxDepth }))
        {
            Write(writer, node);
        }
        return Utf8NoBom.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes a tree as <c>JSON.stringify</c> does: Infinity and NaN (which JSON5 reads) become <c>null</c>, where
    /// System.Text.Json would throw.
    /// </summary>
    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj)
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            case JsonValue value when !value.TryGetValue<JsonElement>(out _) && value.TryGetValue<double>(out var number) && !double.IsFinite(number):
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer, Pretty);
                break;
        }
    }

    public static byte[] SerializeToUtf8(JsonNode? node)
    {
        if (Environment.NewLine != "\n")
        {
            return Utf8NoBom.GetBytes(Serialize(node)); // Windows: the writer's CRLF indentation is turned into LF
        }
        // One pass: the writer's UTF-8 plus the final newline, without a round trip through a string (issue 16).
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = Pretty.Encoder, MaxDepth = Pretty.MaxDepth }))
        {
            Write(writer, node);
        }
        var bytes = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(bytes);
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Decodes UTF-8 bytes strictly, dropping a leading BOM if a hand edit added one.</summary>
    public static string DecodeUtf8(byte[] bytes)
    {
        var offset = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        return Utf8NoBom.GetString(bytes, offset, bytes.Length - offset);
    }

    /// <summary>Strict JSON (what Node's JSON.parse accepts, plus a tolerated BOM). A repeated key keeps its last value, as in JSON.parse.</summary>
    /// <remarks>
    /// A <see cref="JsonException"/> it throws holds the position only: System.Text.Json's own message can quote the
    /// rest of the text from the bad byte on (an invalid literal), and a credential file's text holds secrets.
    /// </remarks>
    public static JsonNode? ParseStrict(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw WithoutContent(ex);
        }
        using var _ = document;
        try
        {
            return ToNode(document.RootElement);
        }
        catch (InvalidOperationException)
        {
            // A \u escape naming half a surrogate pair: not UTF-16 that could be read, nor written back.
            throw new JsonException("a \\u escape names half a surrogate pair");
        }
    }

    /// <summary>
    /// The same parse error with nothing of the text in it: the line and byte position (as the reader counts them) and
    /// no inner exception.
    /// </summary>
    public static JsonException WithoutContent(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var where = ex.LineNumber is { } line
            ? $"invalid JSON at line {line + 1}, byte {ex.BytePositionInLine.GetValueOrDefault() + 1}"
            : "invalid JSON";
        return new JsonException(where, null, ex.LineNumber, ex.BytePositionInLine);
    }

    /// <summary>
    /// A deep copy of <paramref name="node"/> made of the node kinds <see cref="ToNode"/> makes (strings, booleans and
    /// element-backed numbers), so that the copy reads exactly as a parse of its serialised bytes would: a number or other
    /// value that code put in the tree (a long, a double, a DateTime) comes back as the parser would give it.
    /// </summary>
    internal static JsonNode? CopyAsParsed(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = CopyAsParsed(value);
                }
                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                {
                    items.Add(CopyAsParsed(item));
                }
                return items;
            case JsonValue value when value.TryGetValue<JsonElement>(out var element):
                return ToNode(element);
            case JsonValue value when value.TryGetValue<string>(out var text):
                return JsonValue.Create(text);
            case JsonValue value when value.TryGetValue<bool>(out var flag):
                return JsonValue.Create(flag);
            default:
                // Through the writer's own rules (Infinity and NaN become null, as in the file), then the parser's.
                using (var document = JsonDocument.Parse(SerializeCompact(node)))
                {
                    return ToNode(document.RootElement);
                }
        }
    }

    /// <summary>
    /// Builds a mutable tree from a parsed element, eagerly. (JsonNode.Parse builds objects lazily and throws an
    /// ArgumentException on a repeated key only when that object is first touched; JSON.parse and JSON5.parse keep the
    /// last value, at the place of the first.)
    /// </summary>
    internal static JsonNode? ToNode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[property.Name] = ToNode(property.Value);
                }
                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item));
                }
                return array;
            case JsonValueKind.String:
                return JsonValue.Create(element.GetString());
            case JsonValueKind.True:
                return JsonValue.Create(true);
            case JsonValueKind.False:
                return JsonValue.Create(false);
            case JsonValueKind.Number:
                return JsonValue.Create(element.Clone()); // keeps the number's exact text
            default:
                return null;
        }
    }
}
