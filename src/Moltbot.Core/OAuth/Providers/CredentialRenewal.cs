using Moltbot.Core.Store;

namespace Moltbot.Core.OAuth;

/// <summary>
/// How a stored credential that has expired, or cannot be refreshed, is renewed, by what the provider registry knows
/// of its provider (issue 15, point 12): a provider with a login signs in again with Connect-MoltbotProvider (an
/// expired github-copilot token is renewed by its device login, not by pasting a token); an Anthropic token comes
/// from <c>claude setup-token</c>; any other token or key is pasted again.
/// </summary>
public static class CredentialRenewal
{
    /// <summary>The RecommendedAction for profile <paramref name="profileId"/> of <paramref name="agentId"/>.</summary>
    public static string Advice(string? provider, string profileId, string agentId, CredentialType type)
    {
        var agent = $" -Agent {agentId}";
        var id = $" -ProfileId {profileId}";
        if (provider == "anthropic" && type != CredentialType.OAuth)
        {
            return $"Create a new setup token with 'claude setup-token' and store it with 'Set-MoltbotSetupToken{agent}{id}'.";
        }
        var login = ProviderRegistry.ForStoredProvider(provider);
        if (login is not null && login.Flows.Count > 0)
        {
            return $"Sign in again with 'Connect-MoltbotProvider {login.Id}{agent}{id}', or store an API key with 'Set-MoltbotApiKey {provider}{agent}'.";
        }
        return type == CredentialType.ApiKey
            ? $"Store a new key with 'Set-MoltbotApiKey {provider}{agent}{id}'."
            : $"Store a new token with 'Set-MoltbotSetupToken -Provider {provider}{agent}{id}', or an API key with 'Set-MoltbotApiKey {provider}{agent}'.";
    }
}
