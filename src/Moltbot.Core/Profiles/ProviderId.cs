using System;
using System.Collections.Generic;
using System.Text;

namespace Moltbot.Core.Profiles;

/// <summary>Provider ids and profile ids as OpenClaw writes them (openclaw-compat.md 3.4).</summary>
public static class ProviderId
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["z.ai"] = "zai",
        ["z-ai"] = "zai",
        ["opencode-zen"] = "opencode",
        ["qwen"] = "qwen-portal",
        ["kimi-code"] = "kimi-coding",
    };

    /// <summary>Providers commonly seen in OpenClaw stores, offered by tab completion.</summary>
    public static readonly IReadOnlyList<string> Known = new[]
    {
        "anthropic", "openai-codex", "openai", "google", "google-gemini-cli", "google-antigravity", "github-copilot",
        "openrouter", "minimax", "minimax-portal", "moonshot", "kimi-coding", "qwen-portal", "zai", "opencode",
        "xai", "mistral", "groq", "deepseek", "chutes", "venice", "synthetic",
    };

    /// <summary>Trimmed, lowercased, with OpenClaw's aliases applied. Throws for an empty or malformed id.</summary>
    public static string Normalize(string? provider)
    {
        var value = provider?.Trim().ToLowerInvariant() ?? string.Empty;
        if (Aliases.TryGetValue(value, out var canonical))
        {
            value = canonical;
        }
        if (value.Length == 0 || value.Length > 64)
        {
            throw new MoltbotException(ErrorIds.InvalidProvider, MoltbotErrorKind.InvalidArgument,
                "A provider id must be between 1 and 64 characters.", provider);
        }
        foreach (var ch in value)
        {
            if (!(char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-' || ch == '_' || ch == '.'))
            {
                throw new MoltbotException(ErrorIds.InvalidProvider, MoltbotErrorKind.InvalidArgument,
                    $"The provider id '{value}' may only hold a-z, 0-9, '-', '_' and '.'.", provider);
            }
        }
        return value;
    }

    /// <summary>
    /// The profile id to store under: <c>&lt;provider&gt;:default</c> when none is given; a bare name becomes
    /// <c>&lt;provider&gt;:&lt;slug&gt;</c>; a full id must start with the provider.
    /// </summary>
    public static string ResolveProfileId(string provider, string? profileId)
    {
        var value = profileId?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return provider + ":default";
        }
        var colon = value.IndexOf(':');
        if (colon < 0)
        {
            // A bare name is slugged, as OpenClaw names tokens: "My Work" becomes provider:my-work.
            return provider + ":" + Slug(value);
        }
        foreach (var ch in value)
        {
            if (char.IsControl(ch) || char.IsWhiteSpace(ch))
            {
                throw new MoltbotException(ErrorIds.InvalidProfileId, MoltbotErrorKind.InvalidArgument,
                    "A profile id may not contain white space or control characters.", value);
            }
        }
        var prefix = value.Substring(0, colon).ToLowerInvariant();
        if (prefix != provider || colon == value.Length - 1)
        {
            throw new MoltbotException(ErrorIds.InvalidProfileId, MoltbotErrorKind.InvalidArgument,
                $"The profile id '{value}' must have the form '{provider}:<name>'.", value);
        }
        return provider + value.Substring(colon);
    }

    /// <summary>OpenClaw's slug for token names: lowercase, runs outside [a-z0-9._-] become '-', trimmed, else "default".</summary>
    public static string Slug(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name.Trim().ToLowerInvariant())
        {
            var ok = char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '.' || ch == '_' || ch == '-';
            if (ok)
            {
                sb.Append(ch);
            }
            else if (sb.Length == 0 || sb[^1] != '-')
            {
                sb.Append('-');
            }
        }
        var collapsed = sb.ToString();
        while (collapsed.Contains("--", StringComparison.Ordinal))
        {
            collapsed = collapsed.Replace("--", "-", StringComparison.Ordinal);
        }
        collapsed = collapsed.Trim('-');
        return collapsed.Length == 0 ? "default" : collapsed;
    }

    /// <summary>The provider part of a profile id (before the first ':'), or null.</summary>
    public static string? ProviderOf(string profileId)
    {
        var colon = profileId.IndexOf(':');
        return colon > 0 ? profileId.Substring(0, colon).ToLowerInvariant() : null;
    }
}
