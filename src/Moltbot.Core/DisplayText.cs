using System;
using System.Globalization;
using System.Text;

namespace Moltbot.Core;

/// <summary>
/// The one rule for text the module shows a person (issue 12, finding 11): a store, a config, a database or a CLI can
/// hold any string, and a terminal obeys the control characters in what it is given (<c>ESC [2J</c> clears the
/// screen, <c>ESC ] 0;... BEL</c> sets the window title, U+009B is a one-character CSI, U+202E reverses what follows).
/// Every character that a terminal could act on is replaced by a visible escape: <c>\x1B</c> for U+0000-U+00FF,
/// <c>\u202E</c> above. The objects the cmdlets emit keep the true value; only what is formatted or written to a host
/// stream goes through here (the cmdlet base's Write*/ShouldProcess wrappers, <see cref="MoltbotException"/>'s
/// message, the error builder, the format views' display properties, the argument completers).
/// </summary>
public static class DisplayText
{
    /// <summary>
    /// A value shown on its own (a table cell, a tooltip, a ToString): every control character is escaped, line
    /// breaks and tabs included, so one value always stays one line.
    /// </summary>
    public static string Escape(string? value) => Apply(value, keepLayout: false);

    /// <summary>
    /// A whole message the module wrote (verbose, warning, error, ShouldProcess text): the same rule as
    /// <see cref="Escape"/>, except that a line feed and a tab are kept, so a message of several lines stays readable.
    /// A carriage return is escaped (it lets text overwrite the start of the line).
    /// </summary>
    public static string EscapeMessage(string? message) => Apply(message, keepLayout: true);

    /// <summary>Whether a terminal could act on this character (what <see cref="Escape"/> replaces).</summary>
    public static bool IsUnsafe(char c) =>
        c < 0x20 || (c >= 0x7F && c <= 0x9F) // C0, DEL, C1 (U+009B is CSI, U+009D OSC)
        || c == '\u061C' || c == '\u200E' || c == '\u200F' // Arabic letter mark, LRM, RLM
        || (c >= '\u202A' && c <= '\u202E') // bidi embeddings and overrides
        || (c >= '\u2066' && c <= '\u2069') // bidi isolates
        || c == '\u2028' || c == '\u2029'; // line and paragraph separators

    /// <summary>Whether <paramref name="value"/> holds a character <see cref="Escape"/> would replace.</summary>
    public static bool ContainsUnsafe(string? value)
    {
        if (value is null)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (IsUnsafe(c))
            {
                return true;
            }
        }
        return false;
    }

    private static string Apply(string? value, bool keepLayout)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value ?? string.Empty;
        }
        var first = -1;
        for (var i = 0; i < value.Length; i++)
        {
            if (IsUnsafe(value[i]) && !(keepLayout && (value[i] == '\n' || value[i] == '\t')))
            {
                first = i;
                break;
            }
        }
        if (first < 0)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 16);
        sb.Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            if (!IsUnsafe(c) || (keepLayout && (c == '\n' || c == '\t')))
            {
                sb.Append(c);
            }
            else if (c <= 0xFF)
            {
                sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }
}
