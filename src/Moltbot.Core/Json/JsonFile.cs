using System;
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
    private static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Encoding Encoding => Utf8NoBom;

    public static string Serialize(JsonNode? node)
    {
        var text = node is null ? "null" : node.ToJsonString(Pretty);
        // Indentation uses Environment.NewLine on .NET 8; JSON strings never hold a raw line break, so this is safe.
        return text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    public static byte[] SerializeToUtf8(JsonNode? node) => Utf8NoBom.GetBytes(Serialize(node));

    /// <summary>Decodes UTF-8 bytes strictly, dropping a leading BOM if a hand edit added one.</summary>
    public static string DecodeUtf8(byte[] bytes)
    {
        var offset = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        return Utf8NoBom.GetString(bytes, offset, bytes.Length - offset);
    }

    /// <summary>Strict JSON (what Node's JSON.parse accepts, plus a tolerated BOM).</summary>
    public static JsonNode? ParseStrict(string text) => JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
}
