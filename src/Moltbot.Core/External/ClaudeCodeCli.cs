using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Nodes;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

/// <summary>
/// Claude Code: <c>$CLAUDE_CONFIG_DIR/.credentials.json</c> (default <c>~/.claude</c>), or on macOS the Keychain
/// generic password <c>Claude Code-credentials</c> (a non-default config folder: <c>Claude Code-credentials-&lt;8 hex&gt;</c>),
/// which wins over the file. <c>claudeAiOauth.{accessToken, refreshToken, expiresAt (ms), scopes, subscriptionType,
/// rateLimitTier}</c>, sometimes <c>mcpOAuth</c> beside it. With a refresh token the mirror is oauth, without one a token
/// with <c>expires</c>. OpenClaw ignores CLAUDE_CONFIG_DIR; Claude Code honours it, and so does this reader.
/// The signed-in account is not in the credential: Claude Code keeps it in its config <c>.claude.json</c>
/// (<c>oauthAccount.{accountUuid, emailAddress}</c>), read here for the identity only. Mirror: <c>anthropic:claude-cli</c>.
/// </summary>
public sealed class ClaudeCodeCli : ExternalCli
{
    /// <summary>The Keychain service of the default config folder.</summary>
    public const string KeychainService = "Claude Code-credentials";

    public override string Id => "claude-code";

    public override IReadOnlyList<string> Aliases { get; } = new[] { "claude", "claude-cli" };

    public override string DisplayName => "Claude Code";

    public override string Provider => "anthropic";

    public override string MirrorName => "claude-cli";

    public override string SignInCommand => "claude /login";

    /// <summary>The default config folder: <c>~/.claude</c>.</summary>
    public static string DefaultConfigDir(MoltbotEnvironment environment) => Path.Combine(Home(environment), ".claude");

    /// <summary>CLAUDE_CONFIG_DIR (a leading ~ expanded), else <c>~/.claude</c>. Not realpath'd: Claude Code uses the text.</summary>
    public static string ConfigDir(MoltbotEnvironment environment) =>
        FolderFromVariable(environment, "CLAUDE_CONFIG_DIR", () => DefaultConfigDir(environment));

    public override string CredentialPath(MoltbotEnvironment environment) => Path.Combine(ConfigDir(environment), ".credentials.json");

    /// <summary>
    /// <c>Claude Code-credentials</c> for the default folder; for another CLAUDE_CONFIG_DIR the service gets
    /// <c>-&lt;first 8 hex of SHA-256(config dir)&gt;</c>. UNCONFIRMED: community-documented (tools that read several
    /// Claude Code accounts), not from Anthropic; Claude Code's source is not public. Also UNCONFIRMED: whether Claude Code
    /// keys the suffix on the folder differing from <c>~/.claude</c> (done here, as those tools do) or on CLAUDE_CONFIG_DIR
    /// being set at all (then <c>CLAUDE_CONFIG_DIR=~/.claude</c> would be suffixed). No account: Claude Code uses the OS
    /// user name, and <c>security find-generic-password</c> without <c>-a</c> finds the entry whatever it is (as OpenClaw).
    /// </summary>
    public override KeychainEntry? Keychain(MoltbotEnvironment environment)
    {
        var dir = Path.TrimEndingDirectorySeparator(ConfigDir(environment));
        var isDefault = string.Equals(dir, Path.TrimEndingDirectorySeparator(DefaultConfigDir(environment)), StringComparison.Ordinal);
        return new KeychainEntry(isDefault ? KeychainService : KeychainService + "-" + HexSha256(dir, 8), null);
    }

    /// <summary>
    /// Claude Code's global config: <c>$CLAUDE_CONFIG_DIR/.claude.json</c> when the variable is set, else
    /// <c>~/.claude.json</c> (beside the folder, not in it). Community-documented (UNCONFIRMED); a config that is missing
    /// or unreadable only leaves the account unnamed.
    /// </summary>
    public static string ConfigFilePath(MoltbotEnvironment environment) =>
        environment.Get("CLAUDE_CONFIG_DIR") is null
            ? Path.Combine(Home(environment), ".claude.json")
            : Path.Combine(ConfigDir(environment), ".claude.json");

    public override ExternalCredential Parse(JsonObject document, ExternalSource source, string location, DateTimeOffset? lastModified)
    {
        if (document["claudeAiOauth"] is not JsonObject oauth)
        {
            throw Invalid(location, "it has no 'claudeAiOauth' object");
        }
        var access = RequireString(oauth, "accessToken", location, "claudeAiOauth");
        var refresh = OptionalString(oauth, "refreshToken");
        var expires = OptionalMs(oauth, "expiresAt")
            ?? throw Invalid(location, "its 'claudeAiOauth.expiresAt' is not a positive number (ms since 1970)");
        return new ExternalCredential(this, source, location, document, refresh is null ? CredentialType.Token : CredentialType.OAuth,
            access, refresh, expires, "file", lastModified);
    }

    /// <summary>The account of <c>.claude.json</c>'s <c>oauthAccount</c>, when the config names one (nothing else of it is read).</summary>
    public override ExternalCredential Complete(ExternalCredential credential, MoltbotEnvironment environment)
    {
        if (credential.AccountId is not null && credential.Email is not null)
        {
            return credential;
        }
        var account = TryReadSideFile(ConfigFilePath(environment))?["oauthAccount"] as JsonObject;
        var accountId = OptionalString(account, "accountUuid");
        var email = OptionalString(account, "emailAddress");
        return accountId is null && email is null
            ? credential
            : credential.WithIdentity(credential.AccountId ?? accountId, credential.Email ?? email);
    }

    public override JsonObject WithTokens(JsonObject document, OAuthCredential tokens)
    {
        var copy = (JsonObject)document.DeepClone();
        if (copy["claudeAiOauth"] is not JsonObject oauth)
        {
            oauth = new JsonObject();
            copy["claudeAiOauth"] = oauth;
        }
        oauth["accessToken"] = tokens.Access;
        oauth["refreshToken"] = tokens.Refresh ?? string.Empty;
        if (tokens.ExpiresMs is { } expires)
        {
            oauth["expiresAt"] = expires;
        }
        return copy;
    }

    public override JsonObject WithoutRefreshToken(JsonObject document)
    {
        var copy = (JsonObject)document.DeepClone();
        if (copy["claudeAiOauth"] is JsonObject oauth)
        {
            oauth["refreshToken"] = string.Empty;
        }
        return copy;
    }
}
