using System;
using System.Text;

namespace Moltbot.Core.OAuth;

/// <summary>Base64url (RFC 4648 section 5) without padding, and a decoder that accepts missing padding.</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var text = Convert.ToBase64String(data);
        var end = text.Length;
        while (end > 0 && text[end - 1] == '=')
        {
            end--;
        }
        var sb = new StringBuilder(end);
        for (var i = 0; i < end; i++)
        {
            var ch = text[i];
            sb.Append(ch switch { '+' => '-', '/' => '_', _ => ch });
        }
        return sb.ToString();
    }

    /// <summary>
    /// Decodes base64url with or without '=' padding (standard '+' and '/' are tolerated too). Returns null for text
    /// that is not base64url (bad characters, or a length that leaves a single dangling character).
    /// </summary>
    public static byte[]? TryDecode(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var trimmed = text.TrimEnd('=');
        if (trimmed.Length % 4 == 1)
        {
            return null;
        }
        var sb = new StringBuilder(trimmed.Length + 3);
        foreach (var ch in trimmed)
        {
            switch (ch)
            {
                case '-':
                    sb.Append('+');
                    break;
                case '_':
                    sb.Append('/');
                    break;
                default:
                    if (!(char.IsAsciiLetterOrDigit(ch) || ch == '+' || ch == '/'))
                    {
                        return null;
                    }
                    sb.Append(ch);
                    break;
            }
        }
        while (sb.Length % 4 != 0)
        {
            sb.Append('=');
        }
        try
        {
            return Convert.FromBase64String(sb.ToString());
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
