using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.Profiles;

/// <summary>Provider ids and profile ids as OpenClaw writes them (openclaw-compat.md 3.4).</summary>
public static class ProviderId
{
    // OpenClaw's own aliases of providers that have no OAuth definition here (normalizeProviderId). The aliases of the
    // OAuth providers (qwen, codex, gemini-cli, ...) come from their definitions in the registry.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["z.ai"] = "zai",
        ["z-ai"] = "zai",
        ["opencode-zen"] = "opencode",
        ["kimi-code"] = "kimi-coding",
    };

    // Providers commonly seen in OpenClaw stores that are not OAuth definitions (API keys, setup tokens). An alias of an
    // OAuth definition never replaces one of these ids.
    private static readonly string[] OtherProviders =
    {
        "anthropic", "openai", "google", "openrouter", "minimax", "moonshot", "kimi-coding", "zai", "opencode",
        "xai", "mistral", "groq", "deepseek", "venice", "synthetic",
    };

    /// <summary>Providers commonly seen in OpenClaw stores, offered by tab completion: the OAuth registry's ids, then the others.</summary>
    public static IReadOnlyList<string> Known =>
        ProviderRegistry.All.Select(p => p.Id).Concat(OtherProviders).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The id <paramref name="alias"/> stands for: OpenClaw's alias table, then the aliases of the OAuth definitions; else null.</summary>
    public static string? Canonical(string alias)
    {
        if (Aliases.TryGetValue(alias, out var canonical))
        {
            return canonical;
        }
        if (Array.IndexOf(OtherProviders, alias) >= 0)
        {
            return null;
        }
        var definition = ProviderRegistry.Find(alias);
        return definition is not null && definition.Id != alias ? definition.Id : null;
    }

    /// <summary>Trimmed, lowercased, with OpenClaw's aliases applied. Throws for an empty or malformed id.</summary>
    public static string Normalize(string? provider)
    {
        var value = provider?.Trim().ToLowerInvariant() ?? string.Empty;
        if (Canonical(value) is { } canonical)
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

    /// <summary>
    /// The profile id a pasted credential is stored under when no <c>-ProfileId</c> is given (issue 15, point 6), as
    /// OpenClaw names the same action (openclaw-compat.md 3.4 and 9; openclaw-sqlite.md 9.6):
    /// <list type="bullet">
    /// <item>a token (Set-MoltbotSetupToken = <c>models auth paste-token</c>): <c>&lt;provider&gt;:manual</c> in every
    /// version (2026.1.30's <c>setup-token</c> too; only onboarding and 6.x's TTY-only <c>setup-token</c> use
    /// <c>:default</c>);</item>
    /// <item>an API key (Set-MoltbotApiKey): <c>&lt;provider&gt;:manual</c> where OpenClaw has <c>models auth
    /// paste-api-key</c> (the era-B state files of 2026.4.5 - 6.1, and the SQLite eras), <c>&lt;provider&gt;:default</c>
    /// in the single-file era (and an empty state dir that will be written in it), whose only API-key writer is
    /// onboarding.</item>
    /// </list>
    /// A store that holds <c>&lt;provider&gt;:default</c> of the same type and no <c>:manual</c> (written by an older
    /// Moltbot, or by onboarding) has that profile replaced: re-running the command renews the credential rather than
    /// leaving the old one beside the new, where the resolver could still pick it. Existing ids are never renamed.
    /// </summary>
    public static string DefaultPastedProfileId(string provider, CredentialType type, StoreLayout layout, AuthProfileStore? store)
    {
        var hasPasteCommand = type != CredentialType.ApiKey || layout.IsSqlite || layout.PendingSqlite || layout.Era == StoreEra.JsonStateFile;
        var id = provider + (hasPasteCommand ? ":manual" : ":default");
        var older = provider + ":default";
        if (id != older && store?.Get(id) is null && store?.Get(older) is { } held && held.Type == type)
        {
            return older;
        }
        return id;
    }

    /// <summary>
    /// What the user should be told when <see cref="ResolveProfileId"/> stored <paramref name="given"/> under another
    /// spelling (<c>'bad id!'</c> as <c>anthropic:bad-id</c>, <c>Anthropic:Work</c> as <c>anthropic:Work</c>); null when
    /// the id is what was typed, or just the bare name with its provider prefix (<c>team</c> as <c>anthropic:team</c>).
    /// </summary>
    public static string? NormalizationNote(string provider, string given, string resolved)
    {
        var typed = given.Trim();
        if (resolved == typed || resolved == provider + ":" + typed)
        {
            return null;
        }
        var why = typed.Contains(':', StringComparison.Ordinal)
            ? "the provider part of a profile id is lowercased"
            : "a bare name is slugged as OpenClaw slugs token names: lowercase, each run of characters outside a-z 0-9 . _ - becomes '-'";
        return $"-ProfileId '{given}' is stored as '{resolved}' ({why}). Use '{resolved}' to name it from now on.";
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
