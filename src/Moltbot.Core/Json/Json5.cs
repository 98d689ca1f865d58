using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moltbot.Core.Json;

/// <summary>
/// Reads JSON5 (the format of openclaw.json): comments, trailing commas, unquoted and single-quoted keys,
/// single-quoted strings, hexadecimal numbers, leading '+', leading or trailing decimal points, Infinity and NaN,
/// and line continuations in strings. Plain JSON takes the fast path through System.Text.Json.
/// </summary>
public static class Json5
{
    private static readonly JsonDocumentOptions LenientJson = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Parses JSON5 text. Throws <see cref="FormatException"/> with a line and column on bad input.</summary>
    public static JsonNode? Parse(string text)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }
        try
        {
            using var document = JsonDocument.Parse(text, LenientJson);
            return JsonFile.ToNode(document.RootElement);
        }
        catch (JsonException)
        {
            // Not plain JSON (with comments and trailing commas): try the full JSON5 grammar.
        }
        catch (InvalidOperationException)
        {
            throw new FormatException(LoneSurrogate); // a string that System.Text.Json cannot read (nor write back)
        }
        return new Parser(text).ParseDocument();
    }

    private const string LoneSurrogate = "a \\u escape names half a surrogate pair";

    private sealed class Parser
    {
        private readonly string _s;
        private int _i;
        private int _depth;

        public Parser(string s)
        {
            _s = s;
            if (_s.Length > 0 && _s[0] == '\uFEFF')
            {
                _i = 1;
            }
        }

        public JsonNode? ParseDocument()
        {
            SkipTrivia();
            var value = ParseValue();
            SkipTrivia();
            if (_i < _s.Length)
            {
                throw Error("unexpected text after the value");
            }
            return value;
        }

        private JsonNode? ParseValue()
        {
            if (++_depth > 256)
            {
                throw Error("nesting is too deep");
            }
            try
            {
                if (_i >= _s.Length)
                {
                    throw Error("unexpected end of input");
                }
                var c = _s[_i];
                switch (c)
                {
                    case '{':
                        return ParseObject();
                    case '[':
                        return ParseArray();
                    case '"':
                    case '\'':
                        return JsonValue.Create(ParseString());
                }
                if (IsIdentifierStart(c))
                {
                    var start = _i;
                    var word = ParseIdentifier();
                    switch (word)
                    {
                        case "true": return JsonValue.Create(true);
                        case "false": return JsonValue.Create(false);
                        case "null": return null;
                        case "Infinity": return JsonValue.Create(double.PositiveInfinity);
                        case "NaN": return JsonValue.Create(double.NaN);
                        default: throw ErrorAt(start, UnquotedText); // never echo the text: it may be a secret
                    }
                }
                if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))
                {
                    return ParseNumber();
                }
                throw Error($"unexpected character '{c}'");
            }
            finally
            {
                _depth--;
            }
        }

        private JsonObject ParseObject()
        {
            _i++; // {
            var obj = new JsonObject();
            SkipTrivia();
            while (true)
            {
                if (_i >= _s.Length)
                {
                    throw Error("unterminated object");
                }
                if (_s[_i] == '}')
                {
                    _i++;
                    return obj;
                }
                string key;
                var c = _s[_i];
                if (c == '"' || c == '\'')
                {
                    key = ParseString();
                }
                else if (IsIdentifierStart(c))
                {
                    key = ParseIdentifier();
                }
                else
                {
                    throw Error("expected a property name");
                }
                SkipTrivia();
                Expect(':');
                SkipTrivia();
                var value = ParseValue();
                obj[key] = value; // a repeated key keeps the last value, as JSON.parse does
                SkipTrivia();
                if (_i < _s.Length && _s[_i] == ',')
                {
                    _i++;
                    SkipTrivia();
                    continue;
                }
                SkipTrivia();
                if (_i < _s.Length && _s[_i] == '}')
                {
                    continue;
                }
                throw Error("expected ',' or '}'");
            }
        }

        private JsonArray ParseArray()
        {
            _i++; // [
            var arr = new JsonArray();
            SkipTrivia();
            while (true)
            {
                if (_i >= _s.Length)
                {
                    throw Error("unterminated array");
                }
                if (_s[_i] == ']')
                {
                    _i++;
                    return arr;
                }
                arr.Add(ParseValue());
                SkipTrivia();
                if (_i < _s.Length && _s[_i] == ',')
                {
                    _i++;
                    SkipTrivia();
                    continue;
                }
                if (_i < _s.Length && _s[_i] == ']')
                {
                    continue;
                }
                throw Error("expected ',' or ']'");
            }
        }

        private string ParseString()
        {
            var quote = _s[_i++];
            var sb = new StringBuilder();
            while (true)
            {
                if (_i >= _s.Length)
                {
                    throw Error("unterminated string");
                }
                var c = _s[_i++];
                if (c == quote)
                {
                    return sb.ToString();
                }
                if (c == '\n' || c == '\r')
                {
                    throw ErrorAt(_i - 1, "line break inside a string");
                }
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (_i >= _s.Length)
                {
                    throw Error("unterminated escape");
                }
                var e = _s[_i++];
                switch (e)
                {
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'v': sb.Append('\v'); break;
                    case '0' when _i >= _s.Length || !char.IsDigit(_s[_i]): sb.Append('\0'); break;
                    case 'x': sb.Append((char)ReadHex(2)); break;
                    case 'u':
                        var unit = (char)ReadHex(4);
                        if (char.IsHighSurrogate(unit) && _i + 6 <= _s.Length && _s[_i] == '\\' && _s[_i + 1] == 'u')
                        {
                            _i += 2;
                            var low = (char)ReadHex(4);
                            if (!char.IsLowSurrogate(low))
                            {
                                throw Error(LoneSurrogate);
                            }
                            sb.Append(unit).Append(low);
                        }
                        else if (char.IsSurrogate(unit))
                        {
                            throw Error(LoneSurrogate); // not valid UTF-16: it could not be written back
                        }
                        else
                        {
                            sb.Append(unit);
                        }
                        break;
                    case '\r':
                        if (_i < _s.Length && _s[_i] == '\n')
                        {
                            _i++;
                        }
                        break; // line continuation
                    case '\n':
                    case '\u2028':
                    case '\u2029':
                        break; // line continuation
                    default:
                        if (char.IsDigit(e))
                        {
                            throw Error("octal escapes are not allowed");
                        }
                        sb.Append(e);
                        break;
                }
            }
        }

        private int ReadHex(int digits)
        {
            if (_i + digits > _s.Length)
            {
                throw Error("bad escape");
            }
            if (!int.TryParse(_s.AsSpan(_i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
            {
                throw Error("bad escape");
            }
            _i += digits;
            return v;
        }

        private JsonNode ParseNumber()
        {
            var start = _i;
            var negative = false;
            if (_s[_i] == '+' || _s[_i] == '-')
            {
                negative = _s[_i] == '-';
                _i++;
            }
            if (_i < _s.Length && IsIdentifierStart(_s[_i]))
            {
                var word = ParseIdentifier();
                return word switch
                {
                    "Infinity" => JsonValue.Create(negative ? double.NegativeInfinity : double.PositiveInfinity),
                    "NaN" => JsonValue.Create(double.NaN),
                    _ => throw ErrorAt(start, UnquotedText),
                };
            }
            if (_i + 1 < _s.Length && _s[_i] == '0' && (_s[_i + 1] == 'x' || _s[_i + 1] == 'X'))
            {
                _i += 2;
                var hexStart = _i;
                while (_i < _s.Length && Uri.IsHexDigit(_s[_i]))
                {
                    _i++;
                }
                if (_i == hexStart)
                {
                    throw Error("bad hexadecimal number");
                }
                var digits = _s.AsSpan(hexStart, _i - hexStart);
                if (long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0)
                {
                    return JsonValue.Create(negative ? -hex : hex);
                }
                // Beyond Int64 (or read as a negative two's complement): a double, as JSON5 numbers are.
                var big = 0.0;
                foreach (var h in digits)
                {
                    big = (big * 16) + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                }
                return JsonValue.Create(negative ? -big : big);
            }
            while (_i < _s.Length && (char.IsDigit(_s[_i]) || _s[_i] == '.' || _s[_i] == 'e' || _s[_i] == 'E'
                       || ((_s[_i] == '+' || _s[_i] == '-') && (_s[_i - 1] == 'e' || _s[_i - 1] == 'E'))))
            {
                _i++;
            }
            var text = _s.Substring(start, _i - start);
            if (text.StartsWith('+'))
            {
                text = text.Substring(1);
            }
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                return JsonValue.Create(l);
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return JsonValue.Create(d);
            }
            throw ErrorAt(start, "bad number");
        }

        private string ParseIdentifier()
        {
            var start = _i;
            while (_i < _s.Length && IsIdentifierPart(_s[_i]))
            {
                _i++;
            }
            return _s.Substring(start, _i - start);
        }

        private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_' || c == '$';

        private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';

        private void Expect(char c)
        {
            if (_i >= _s.Length || _s[_i] != c)
            {
                throw Error($"expected '{c}'");
            }
            _i++;
        }

        private void SkipTrivia()
        {
            while (_i < _s.Length)
            {
                var c = _s[_i];
                if (char.IsWhiteSpace(c) || c == '\uFEFF')
                {
                    _i++;
                }
                else if (c == '/' && _i + 1 < _s.Length && _s[_i + 1] == '/')
                {
                    while (_i < _s.Length && _s[_i] != '\n')
                    {
                        _i++;
                    }
                }
                else if (c == '/' && _i + 1 < _s.Length && _s[_i + 1] == '*')
                {
                    var end = _s.IndexOf("*/", _i + 2, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        throw Error("unterminated comment");
                    }
                    _i = end + 2;
                }
                else
                {
                    break;
                }
            }
        }

        private const string UnquotedText = "unexpected unquoted text (strings need quotes)";

        private FormatException ErrorAt(int position, string what)
        {
            _i = position;
            return Error(what);
        }

        private FormatException Error(string what)
        {
            var line = 1;
            var col = 1;
            for (var k = 0; k < _i && k < _s.Length; k++)
            {
                if (_s[k] == '\n')
                {
                    line++;
                    col = 1;
                }
                else
                {
                    col++;
                }
            }
            return new FormatException($"{what} at line {line}, column {col}");
        }
    }
}
