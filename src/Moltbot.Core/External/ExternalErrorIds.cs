namespace Moltbot.Core.External;

/// <summary>Stable error ids of the external CLI credentials (the first part of the PowerShell FullyQualifiedErrorId).</summary>
public static class ExternalErrorIds
{
    /// <summary>No external CLI has that name. ObjectNotFound.</summary>
    public const string CliNotFound = "MoltbotExternalCliNotFound";

    /// <summary>The CLI has no credential on this machine (no file, no Keychain entry). ObjectNotFound.</summary>
    public const string CredentialNotFound = "MoltbotExternalCredentialNotFound";

    /// <summary>The CLI's file (or Keychain entry) is not JSON in the CLI's shape. InvalidData. The file is left untouched.</summary>
    public const string CredentialInvalid = "MoltbotExternalCredentialInvalid";

    /// <summary>The CLI's file could not be read (permissions, I/O). PermissionDenied / ReadError.</summary>
    public const string CredentialUnreadable = "MoltbotExternalCredentialUnreadable";

    /// <summary>The agent's profile holds another account than the CLI's credential: the import is refused. ResourceExists.</summary>
    public const string IdentityMismatch = "MoltbotExternalIdentityMismatch";

    /// <summary>
    /// The CLI holds a credential that cannot be mirrored: an API key. InvalidArgument. (A token without a refresh token
    /// is imported as a <c>token</c> profile; -TakeOwnership then has nothing to take, which the result's reason says:
    /// not an error.)
    /// </summary>
    public const string NotImportable = "MoltbotExternalCredentialNotImportable";

    /// <summary>The CLI's file could not be written back (its lock, permissions, a Keychain source). WriteError / ResourceBusy.</summary>
    public const string WriteFailed = "MoltbotExternalWriteFailed";

    /// <summary>
    /// A refresh would rotate a refresh token that an external CLI also holds, and signing that CLI out was not asked
    /// for (-Force). InvalidOperation-like: ResourceBusy. Nothing was presented to the provider.
    /// </summary>
    public const string SharedRefreshToken = "MoltbotSharedRefreshToken";
}
