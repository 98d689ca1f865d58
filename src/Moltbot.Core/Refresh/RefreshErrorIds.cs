namespace Moltbot.Core.Refresh;

/// <summary>Stable error ids of the token refresher (the first part of the PowerShell FullyQualifiedErrorId).</summary>
public static class RefreshErrorIds
{
    /// <summary>
    /// The provider refused the refresh (or could not be reached) and no peer had refreshed meanwhile. The stored profile
    /// is kept unchanged. AuthenticationError (ConnectionError when the endpoint was unreachable). The message names the
    /// provider's error code (<c>invalid_grant</c>, <c>refresh_token_reused</c>, ...).
    /// </summary>
    public const string RefreshFailed = "MoltbotRefreshFailed";

    /// <summary>An OAuth profile of a provider this module cannot refresh yet. NotImplemented.</summary>
    public const string RefreshNotSupported = "MoltbotRefreshNotSupported";

    /// <summary>A forced refresh of a token or api_key profile (static credentials). InvalidArgument.</summary>
    public const string ProfileNotRefreshable = "MoltbotProfileNotRefreshable";

    /// <summary>A static <c>token</c> profile whose <c>expires</c> has passed. AuthenticationError.</summary>
    public const string TokenExpired = "MoltbotTokenExpired";

    /// <summary>The secret is a reference (<c>keyRef</c>, <c>tokenRef</c>, <c>oauthRef</c>) this module cannot resolve. NotImplemented.</summary>
    public const string SecretReference = "MoltbotSecretReferenceNotSupported";
}
