using System;
using System.Collections.Generic;
using System.Linq;
using Moltbot.Core.Profiles;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Every OAuth provider the module knows, one definition each. Logins, refreshes, completion and
/// <c>Get-MoltbotProvider</c> all look providers up here; nothing else lists them.
/// </summary>
public static class ProviderRegistry
{
    /// <summary>The definitions, in the order Get-MoltbotProvider lists them.</summary>
    public static IReadOnlyList<OAuthProvider> All { get; } = new OAuthProvider[]
    {
        OpenAICodexProvider.Instance,
        GitHubCopilotProvider.Instance,
        QwenPortalProvider.Instance,
        MiniMaxPortalProvider.Instance,
        GoogleGeminiCliProvider.Instance,
        GoogleAntigravityProvider.Instance,
        ChutesProvider.Instance,
        AnthropicProvider.Instance,
    };

    /// <summary>The definition whose id or alias is <paramref name="name"/> (case-insensitive, trimmed), or null.</summary>
    public static OAuthProvider? Find(string? name)
    {
        var value = name?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return All.FirstOrDefault(p => p.Id == value) ?? All.FirstOrDefault(p => p.Aliases.Contains(value, StringComparer.Ordinal));
    }

    /// <summary>
    /// The definition that refreshes stored oauth profiles of provider <paramref name="storedProvider"/> (the id in the
    /// store: <c>openai</c> is the ChatGPT login from OpenClaw 2026.6.1), or null when none does.
    /// </summary>
    public static OAuthProvider? ForStoredProvider(string? storedProvider)
    {
        var value = storedProvider?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return All.FirstOrDefault(p => p.Id == value) ?? All.FirstOrDefault(p => p.StoredProviderIds.Contains(value, StringComparer.Ordinal));
    }

    /// <summary>The definition for a login: by id or alias; anything else is a clear error that says what is offered.</summary>
    public static OAuthProvider ForLogin(string name)
    {
        var normalized = ProviderId.Normalize(name);
        var provider = Find(normalized) ?? Find(name);
        if (provider is not null && provider.Flows.Count > 0)
        {
            return provider;
        }
        var offered = string.Join(", ", All.Where(p => p.Flows.Count > 0).Select(p => p.Id));
        throw new MoltbotException(OAuthErrorIds.ProviderNotSupported, MoltbotErrorKind.NotImplemented,
            provider?.LoginRefusal ?? $"Connect-MoltbotProvider has no login for '{normalized}'. It signs in to: {offered}.", normalized)
        {
            RecommendedAction = provider?.LoginRefusalAdvice ?? "For an Anthropic setup token use Set-MoltbotSetupToken; for an API key use Set-MoltbotApiKey. Get-MoltbotProvider lists the providers.",
        };
    }
}
