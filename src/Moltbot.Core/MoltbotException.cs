using System;

namespace Moltbot.Core;

/// <summary>What went wrong, in terms the cmdlet layer maps onto an ErrorCategory and a stable error id.</summary>
public enum MoltbotErrorKind
{
    InvalidArgument,
    InvalidData,
    ObjectNotFound,
    ResourceExists,
    ResourceBusy,
    AuthenticationError,
    SecurityError,
    PermissionDenied,
    OperationTimeout,
    ConnectionError,
    NotImplemented,
    /// <summary>A write failed for a reason other than permissions (a full disk, say): ErrorCategory.WriteError.</summary>
    WriteError,
}

/// <summary>
/// The one exception type the core throws for expected failures. <see cref="ErrorId"/> is stable and becomes the
/// first part of the PowerShell FullyQualifiedErrorId. Messages never contain secrets, and never a raw terminal control
/// character: the message goes through <see cref="DisplayText.EscapeMessage"/> (a profile id read from a store may hold
/// one); <see cref="Target"/> keeps the true value.
/// </summary>
public class MoltbotException : Exception
{
    public MoltbotException(string errorId, MoltbotErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(DisplayText.EscapeMessage(message), inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>Stable identifier such as <c>MoltbotStoreUnreadable</c>.</summary>
    public string ErrorId { get; }

    public MoltbotErrorKind Kind { get; }

    /// <summary>The file, profile id or agent the error is about (never a secret).</summary>
    public string? Target { get; }

    /// <summary>A suggestion for the user, shown as the ErrorRecord's RecommendedAction.</summary>
    public string? RecommendedAction { get; init; }
}

/// <summary>Stable error ids, in one place so the docs and tests can refer to them.</summary>
public static class ErrorIds
{
    public const string StoreUnreadable = "MoltbotStoreUnreadable";
    public const string ConfigUnreadable = "MoltbotConfigUnreadable";
    public const string LockTimeout = "MoltbotLockTimeout";
    public const string InvalidAgentId = "MoltbotInvalidAgentId";
    public const string AgentReserved = "MoltbotAgentReserved";
    public const string AgentExists = "MoltbotAgentExists";
    public const string AgentNotFound = "MoltbotAgentNotFound";
    public const string ProfileNotFound = "MoltbotProfileNotFound";
    public const string InvalidProfileId = "MoltbotInvalidProfileId";
    public const string InvalidSetupToken = "MoltbotInvalidSetupToken";
    public const string InvalidToken = "MoltbotInvalidToken";
    public const string InvalidApiKey = "MoltbotInvalidApiKey";
    public const string InvalidProvider = "MoltbotInvalidProvider";
    public const string InvalidExpiresIn = "MoltbotInvalidExpiresIn";
    /// <summary>A -Agent, -Name, -Provider or -ProfileId wildcard that is not a valid pattern (such as '['). InvalidArgument.</summary>
    public const string InvalidWildcard = "MoltbotInvalidWildcard";
    public const string ProviderMismatch = "MoltbotProviderMismatch";
    public const string WriteFailed = "MoltbotWriteFailed";

    // file system and locks (issue 12)
    /// <summary>A folder the module must write in (for the lock, say) is on a read-only file system or denies this user write access. PermissionDenied.</summary>
    public const string DirectoryNotWritable = "MoltbotDirectoryNotWritable";
    /// <summary>A path that must be a folder (such as <c>$STATE/locks</c>) is a file or something else. InvalidData.</summary>
    public const string NotADirectory = "MoltbotNotADirectory";
    /// <summary>The lock path is neither a regular file nor a lock folder (a FIFO, socket, device or symlink). InvalidData.</summary>
    public const string LockInvalid = "MoltbotLockInvalid";
    /// <summary>A store, state file, config, legacy file or database is a FIFO, directory, device or socket. InvalidData.</summary>
    public const string NotRegularFile = "MoltbotNotRegularFile";
    /// <summary>A file is larger than Moltbot reads (SecureFile.MaxReadBytes); refused before reading. InvalidData.</summary>
    public const string FileTooLarge = "MoltbotFileTooLarge";
    /// <summary>A folder on the way to a secrets file is owned by another user or writable by group/others. SecurityError.</summary>
    public const string UntrustedPath = "MoltbotUntrustedPath";
    /// <summary>The store is a symbolic link to nothing; nothing is created at its target. ObjectNotFound.</summary>
    public const string DanglingLink = "MoltbotDanglingLink";

    // SQLite-era stores (the store seam)
    public const string RefreshInProgress = "MoltbotRefreshInProgress";
    public const string ProfileInherited = "MoltbotProfileInherited";
    public const string MigrationRequired = "MoltbotMigrationRequired";
    public const string AgentDatabaseMissing = "MoltbotAgentDatabaseMissing";

    // SQLite-era layout
    public const string SharedStoreOwnershipInvalid = "MoltbotSharedStoreOwnershipInvalid";
    public const string SchemaTooNew = "MoltbotSchemaTooNew";
    public const string SchemaUnknown = "MoltbotSchemaUnknown";
    public const string StoreLayoutInconsistent = "MoltbotStoreLayoutInconsistent";
    public const string StoreTablesMissing = "MoltbotStoreTablesMissing";

    // openclaw CLI and gateway
    /// <summary>MOLTBOT_OPENCLAW_CLI or MOLTBOT_NODE names nothing usable, or an .mjs entry has no node. ObjectNotFound.</summary>
    public const string OpenClawCliNotFound = "MoltbotOpenClawCliNotFound";
    /// <summary>The openclaw CLI (or its node) could not be started. InvalidData.</summary>
    public const string OpenClawCliStartFailed = "MoltbotOpenClawCliStartFailed";
    /// <summary>A run of the openclaw CLI passed its timeout; its process tree was killed. OperationTimeout.</summary>
    public const string OpenClawCliTimeout = "MoltbotOpenClawCliTimeout";
    /// <summary>A gateway answers on its port but did not confirm the credential refresh (GatewayRefreshStatus.Failed).</summary>
    public const string GatewayRefreshFailed = "MoltbotGatewayRefreshFailed";
    /// <summary>A gateway answers on its port but no openclaw CLI was found to ask it to refresh (GatewayRefreshStatus.NoCli).</summary>
    public const string GatewayRefreshNoCli = "MoltbotGatewayRefreshNoCli";

    // issue 15: Test/Set/Copy-MoltbotAuthProfile, Get-MoltbotAuthStatus
    /// <summary>Set-MoltbotAuthProfile was given an expiry for an api_key or oauth profile (only a token's expiry is the user's to set). InvalidArgument.</summary>
    public const string ExpiryNotSettable = "MoltbotExpiryNotSettable";
    /// <summary>Set-MoltbotAuthProfile was given nothing to change. InvalidArgument.</summary>
    public const string NothingToSet = "MoltbotNothingToSet";
    /// <summary>Copy-MoltbotAuthProfile of an oauth profile (or one of an unknown type) without -Force: its refresh chain would get two owners. InvalidArgument.</summary>
    public const string ProfileNotPortable = "MoltbotProfileNotPortable";
    /// <summary>Copy-MoltbotAuthProfile onto a profile the destination agent already has, without -Force. ResourceExists.</summary>
    public const string ProfileExists = "MoltbotProfileExists";
    /// <summary>Copy-MoltbotAuthProfile with the same agent as source and destination. InvalidArgument.</summary>
    public const string CopySameAgent = "MoltbotCopySameAgent";
    // issue 15: remove
    /// <summary>A short profile id (<c>team</c>) matches profiles of several providers. InvalidArgument.</summary>
    public const string ProfileIdAmbiguous = "MoltbotProfileIdAmbiguous";
    /// <summary>Without -Agent, the profile is held by several agents; name one. InvalidArgument.</summary>
    public const string ProfileHeldByAgents = "MoltbotProfileHeldByAgents";
    /// <summary>Remove-MoltbotAgent was asked to remove the default agent (or <c>main</c>). InvalidArgument.</summary>
    public const string AgentIsDefault = "MoltbotAgentIsDefault";
    /// <summary>Remove-MoltbotAgent on a SQLite-era state dir: left to <c>openclaw agents delete</c>. NotImplemented.</summary>
    public const string AgentRemovalUnsupported = "MoltbotAgentRemovalUnsupported";
    /// <summary>The provider refused or failed a token revocation (RFC 7009); nothing was removed. ConnectionError.</summary>
    public const string RevocationFailed = "MoltbotRevocationFailed";
    // issue 15: agentdel
    /// <summary><c>openclaw agents delete</c> (run by Remove-MoltbotAgent in a SQLite-era state dir) failed; the exception carries its exit code. InvalidData.</summary>
    public const string OpenClawAgentDeleteFailed = "MoltbotOpenClawAgentDeleteFailed";
}
