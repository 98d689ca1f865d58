using System;
using System.Collections.Generic;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Anthropic (Claude Pro/Max) OAuth, refresh only (oauth-providers.md §3): OpenClaw 2026.1.30 offers no OAuth login
/// (Anthropic allows only its setup token in third-party tools), but refreshes <c>type:"oauth"</c> profiles that already
/// exist (imported from <c>credentials/oauth.json</c> or pi's <c>auth.json</c>) as pi-ai 0.50.7 does: a JSON body
/// <c>{grant_type, client_id, refresh_token}</c> at <c>https://console.anthropic.com/v1/oauth/token</c>
/// (<c>MOLTBOT_ANTHROPIC_AUTHORITY</c> moves it). Refresh tokens are single-use: every answer brings a new one, and
/// presenting an old one twice revokes the grant. <c>expires = now + expires_in − 5 min</c>.
/// </summary>
public sealed class AnthropicProvider : OAuthProvider
{
    public const string ProviderId = "anthropic";
    public const string DefaultClientId = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
    public const string DefaultAuthority = "https://console.anthropic.com";
    public const string AuthorityVariable = "MOLTBOT_ANTHROPIC_AUTHORITY";

    public static AnthropicProvider Instance { get; } = new();

    public override string Id => ProviderId;

    public override string DisplayName => "Anthropic (Claude Pro/Max OAuth)";

    /// <summary>No login: Anthropic allows only its setup token for third-party tools.</summary>
    public override IReadOnlyList<LoginFlowKind> Flows { get; } = Array.Empty<LoginFlowKind>();

    public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
    {
        new OAuthEndpoint("token", DefaultAuthority, "/v1/oauth/token", AuthorityVariable, "token: refresh of existing oauth profiles (JSON body)"),
    };

    public override string ClientId => DefaultClientId;

    public override TokenBodyEncoding TokenEncoding => TokenBodyEncoding.Json;

    public override TimeSpan ExpirySkew => TimeSpan.FromMinutes(5);

    public override bool RotatesRefreshToken => true;

    public override string ProfileIdRule => $"no login; existing oauth profiles (usually {Id}:default) are refreshed";

    public override string LoginRefusal =>
        "Anthropic offers no OAuth login to third-party tools: it allows only its setup token outside Claude Code (subscription OAuth tokens are refused elsewhere since January 2026). Connect-MoltbotProvider does not sign in to Anthropic.";

    public override string LoginRefusalAdvice =>
        "Run 'claude setup-token' (Claude Code), then store the token with Set-MoltbotSetupToken. Existing Anthropic oauth profiles are still refreshed.";

    public override string RefreshFailedAdvice(string agentId, string profileId) =>
        $"Anthropic refused the refresh token (single-use: another client may have used it first). There is no OAuth login to redo: run 'claude setup-token' and store it with 'Set-MoltbotSetupToken -Agent {agentId}'.";
}
