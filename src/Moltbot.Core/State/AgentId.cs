using System;
using System.Text;
using System.Text.RegularExpressions;

namespace Moltbot.Core.State;

/// <summary>Agent id rules as OpenClaw applies them (openclaw-compat.md 2.3).</summary>
public static class AgentId
{
    public const string Default = "main";
    public const int MaxLength = 64;

    private static readonly Regex Valid = new("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>
    /// Trim (empty gives <c>main</c>); a valid id is lowercased; otherwise lowercase, turn each run of characters
    /// outside [a-z0-9_-] into '-', strip leading and trailing '-', cut to 64 characters, and fall back to <c>main</c>.
    /// </summary>
    public static string Normalize(string? value)
    {
        var trimmed = (value ?? string.Empty).Trim();
        if (trimmed.Length == 0)
        {
            return Default;
        }
        if (Valid.IsMatch(trimmed))
        {
            return trimmed.ToLowerInvariant();
        }
        var lower = trimmed.ToLowerInvariant();
        var sb = new StringBuilder(lower.Length);
        var inRun = false;
        foreach (var ch in lower)
        {
            var ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
            if (ok)
            {
                sb.Append(ch);
                inRun = false;
            }
            else if (!inRun)
            {
                sb.Append('-');
                inRun = true;
            }
        }
        var result = sb.ToString().Trim('-');
        if (result.Length > MaxLength)
        {
            result = result.Substring(0, MaxLength);
        }
        return result.Length == 0 ? Default : result;
    }

    public static bool IsDefault(string agentId) => string.Equals(agentId, Default, StringComparison.Ordinal);
}
