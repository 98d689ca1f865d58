namespace Moltbot.Core.OAuth;

/// <summary>
/// Stable error ids of the OAuth login (they become the first part of the PowerShell FullyQualifiedErrorId).
/// Kept next to the OAuth code; the shared <see cref="ErrorIds"/> may absorb them later without changing the values.
/// </summary>
public static class OAuthErrorIds
{
    /// <summary>The token endpoint refused the request (invalid_grant, invalid_client, ...). AuthenticationError.</summary>
    public const string AuthenticationFailed = "MoltbotAuthenticationFailed";

    /// <summary>The token endpoint answered 2xx without access_token, refresh_token or a numeric expires_in. AuthenticationError.</summary>
    public const string InvalidTokenResponse = "MoltbotInvalidTokenResponse";

    /// <summary>The access token carries no https://api.openai.com/auth chatgpt_account_id claim. AuthenticationError.</summary>
    public const string AccountIdMissing = "MoltbotAccountIdMissing";

    /// <summary>The callback (or the pasted redirect URL) carried error=... . AuthenticationError.</summary>
    public const string AuthorizationDenied = "MoltbotAuthorizationDenied";

    /// <summary>The pasted state does not match the one this login sent. SecurityError.</summary>
    public const string StateMismatch = "MoltbotOAuthStateMismatch";

    /// <summary>The pasted text holds no authorization code. InvalidArgument.</summary>
    public const string InvalidRedirectInput = "MoltbotInvalidRedirectInput";

    /// <summary>No valid callback arrived within the timeout. OperationTimeout.</summary>
    public const string LoginTimeout = "MoltbotLoginTimeout";

    /// <summary>A device or user code expired before the sign-in was approved (expired_token, or its lifetime ran out). OperationTimeout.</summary>
    public const string DeviceCodeExpired = "MoltbotDeviceCodeExpired";

    /// <summary>The Copilot token endpoint refused the stored GitHub token (401 bad token, 403 personal access token or no Copilot seat). AuthenticationError / PermissionDenied.</summary>
    public const string CopilotTokenRefused = "MoltbotCopilotTokenRefused";

    /// <summary>The token endpoint could not be reached or did not answer in time. ConnectionError.</summary>
    public const string TokenEndpointUnreachable = "MoltbotTokenEndpointUnreachable";

    /// <summary>An endpoint or redirect variable (MOLTBOT_OPENAI_CODEX_AUTHORITY, ...) or a login client is not usable. InvalidArgument.</summary>
    public const string InvalidOAuthSetting = "MoltbotInvalidOAuthSetting";

    /// <summary>The provider has no interactive login in this module yet. NotImplemented.</summary>
    public const string ProviderNotSupported = "MoltbotProviderNotSupported";

    /// <summary>Get-MoltbotProvider -Name names (without wildcards) no provider of the registry. ObjectNotFound.</summary>
    public const string ProviderNotFound = "MoltbotProviderNotFound";

    /// <summary>The provider has no login of the kind asked for (-DeviceCode for a browser-only provider). InvalidArgument.</summary>
    public const string LoginFlowNotSupported = "MoltbotLoginFlowNotSupported";

    /// <summary>The profile id a login would store under holds another account of the provider. ResourceExists.</summary>
    public const string ProfileHoldsAnotherAccount = "MoltbotProfileHoldsAnotherAccount";

    /// <summary>Google Code Assist project discovery (loadCodeAssist, onboardUser and its operation) was refused or did not finish. AuthenticationError, or OperationTimeout when the onboarding operation outlasted its polls.</summary>
    public const string ProjectDiscoveryFailed = "MoltbotProjectDiscoveryFailed";

    /// <summary>Code Assist names no project for this account and none was given (-ProjectId, GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_PROJECT_ID). InvalidArgument.</summary>
    public const string ProjectIdRequired = "MoltbotProjectIdRequired";

    /// <summary>A login parameter (-ClientId, -ClientSecret, -ProjectId, ...) was given to a provider that does not take it. InvalidArgument.</summary>
    public const string LoginParameterNotSupported = "MoltbotLoginParameterNotSupported";
}
