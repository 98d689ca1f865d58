using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Nodes;
using Moltbot.Core.IO;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

// External/: the credential files (and macOS Keychain entries) of the CLIs that sign in to the same providers as
// OpenClaw (Claude Code, Codex CLI, Qwen Code, MiniMax, Gemini CLI): reading them, mirroring one into an agent's store,
// finding who else holds a refresh token, and handing a refresh chain to one owner (oauth-providers.md §11).

/// <summary>Where an external CLI keeps a credential.</summary>
public enum ExternalSource
{
    /// <summary>A JSON file in the user's home (or the folder its variable names).</summary>
    File,

    /// <summary>A macOS Keychain generic password (read with <c>security find-generic-password -w</c>).</summary>
    Keychain,
}

/// <summary>A macOS Keychain generic password: its service and, when the CLI sets one, its account.</summary>
public sealed record KeychainEntry(string Service, string? Account)
{
    public override string ToString() => Account is null ? Service : Service + " (" + Account + ")";
}

/// <summary>
/// One external CLI: where it keeps its credential, how that file is shaped, which OpenClaw profile mirrors it, and how
/// its token fields are written back (the rest of its file is kept as it is). One subclass per CLI; the list is
/// <see cref="ExternalCliRegistry.All"/>.
/// </summary>
public abstract class ExternalCli
{
    /// <summary>The id used on the command line (<c>codex</c>, <c>claude-code</c>, ...).</summary>
    public abstract string Id { get; }

    /// <summary>Other names that find it (<c>Get-MoltbotExternalCredential claude</c>).</summary>
    public virtual IReadOnlyList<string> Aliases => Array.Empty<string>();

    /// <summary>For messages: <c>Codex CLI</c>.</summary>
    public abstract string DisplayName { get; }

    /// <summary>The OpenClaw provider id of the mirror profile in a JSON-era store (<c>openai-codex</c>).</summary>
    public abstract string Provider { get; }

    /// <summary>The name part of OpenClaw's mirror profile id (<c>codex-cli</c> in <c>openai-codex:codex-cli</c>).</summary>
    public abstract string MirrorName { get; }

    /// <summary>What the user runs to sign the CLI in again (<c>codex login</c>).</summary>
    public abstract string SignInCommand { get; }

    /// <summary>
    /// The provider id the mirror is stored under in <paramref name="store"/>: <see cref="Provider"/> unless a later
    /// OpenClaw renamed it (Codex: <c>openai</c> in the SQLite eras).
    /// </summary>
    public virtual string ProviderFor(StoreKind store) => Provider;

    /// <summary>OpenClaw's mirror profile id in a store of that kind: <c>&lt;provider&gt;:&lt;MirrorName&gt;</c>.</summary>
    public string MirrorProfileId(StoreKind store) => ProviderFor(store) + ":" + MirrorName;

    /// <summary>The provider definition of the mirror (refresh, rotation), or null when the registry has none.</summary>
    public OAuthProvider? OAuthProvider => ProviderRegistry.ForStoredProvider(Provider);

    /// <summary>Whether a refresh invalidates the refresh token the CLI holds (the provider rotates it).</summary>
    public bool Rotates => OAuthProvider?.RotatesRefreshToken ?? true;

    /// <summary>The credential file, after the CLI's own variables (<c>CODEX_HOME</c>, ...) and the home folder.</summary>
    public abstract string CredentialPath(MoltbotEnvironment environment);

    /// <summary>The CLI's own lock beside the file, which a writer must hold (Qwen Code: <c>oauth_creds.lock</c>); null: none.</summary>
    public virtual string? LockPath(string credentialPath) => null;

    /// <summary>The macOS Keychain entry the CLI uses instead of the file, when it has one; null: files only.</summary>
    public virtual KeychainEntry? Keychain(MoltbotEnvironment environment) => null;

    /// <summary>
    /// Reads the CLI's document. Throws <see cref="MoltbotException"/> (<see cref="ExternalErrorIds.CredentialInvalid"/>)
    /// when it is not in the CLI's shape; the message never quotes a secret.
    /// </summary>
    public abstract ExternalCredential Parse(JsonObject document, ExternalSource source, string location, DateTimeOffset? lastModified);

    /// <summary>
    /// Adds what the CLI keeps beside its credential (Claude Code: the signed-in account in <c>.claude.json</c>) to a
    /// credential <see cref="Parse"/> read. Never throws: what cannot be read is left out. Default: nothing to add.
    /// </summary>
    public virtual ExternalCredential Complete(ExternalCredential credential, MoltbotEnvironment environment) => credential;

    /// <summary>
    /// The CLI's document with its token fields replaced by <paramref name="tokens"/> and every other field kept (Qwen Code
    /// rejects a file without <c>token_type</c>). A null <see cref="OAuthCredential.Refresh"/> empties the refresh token:
    /// that is how a chain handed to Moltbot is taken away from the CLI.
    /// </summary>
    public abstract JsonObject WithTokens(JsonObject document, OAuthCredential tokens);

    /// <summary>The document with its refresh token taken away (the access token kept until it expires).</summary>
    public abstract JsonObject WithoutRefreshToken(JsonObject document);

    /// <summary>Whether <paramref name="name"/> is this CLI's id or one of its aliases (case-insensitive).</summary>
    public bool IsNamed(string name)
    {
        if (string.Equals(name, Id, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (var alias in Aliases)
        {
            if (string.Equals(name, alias, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public override string ToString() => Id;

    /// <summary>A folder from a variable (a leading <c>~</c> expanded against the home), else <paramref name="fallback"/>.</summary>
    protected static string FolderFromVariable(MoltbotEnvironment environment, string variable, Func<string> fallback)
    {
        var value = environment.Get(variable);
        if (value is null)
        {
            return fallback();
        }
        if (value == "~" || value.StartsWith("~/", StringComparison.Ordinal))
        {
            value = Path.Combine(Home(environment), value.Length == 1 ? string.Empty : value[2..]);
        }
        return Path.GetFullPath(value);
    }

    /// <summary>The user's home as the CLIs see it: HOME, else USERPROFILE, else the OS home (never OPENCLAW_HOME).</summary>
    protected static string Home(MoltbotEnvironment environment) =>
        environment.Get("HOME") ?? environment.Get("USERPROFILE") ?? environment.OsHome();

    /// <summary>A required string field of the document, or an <see cref="ExternalErrorIds.CredentialInvalid"/> naming it.</summary>
    protected string RequireString(JsonObject obj, string field, string location, string? prefix = null)
    {
        if (obj[field] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s))
        {
            return s;
        }
        throw Invalid(location, $"it has no '{(prefix is null ? field : prefix + "." + field)}' string");
    }

    protected static string? OptionalString(JsonObject? obj, string field) =>
        obj?[field] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;

    /// <summary>A finite, positive number field (ms since the epoch), or null.</summary>
    protected static long? OptionalMs(JsonObject? obj, string field)
    {
        if (obj?[field] is not JsonValue v)
        {
            return null;
        }
        if (v.TryGetValue<double>(out var d) && double.IsFinite(d) && d > 0 && d < 8.64e15)
        {
            return (long)d;
        }
        return null;
    }

    /// <summary>
    /// A small JSON object file beside the credential (an account cache, a config), or null when it is missing, not a
    /// regular file, too large, unreadable or not a JSON object. Nothing of it is ever quoted (it may hold keys).
    /// </summary>
    protected static JsonObject? TryReadSideFile(string path)
    {
        try
        {
            var bytes = SecureFile.ReadAllBytesOrNull(path);
            return bytes is null ? null : JsonNode.Parse(Json.JsonFile.DecodeUtf8(bytes)) as JsonObject;
        }
        catch (Exception ex) when (ex is MoltbotException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The hex SHA-256 of <paramref name="text"/> (UTF-8), lower case, cut to <paramref name="hexChars"/>.</summary>
    protected static string HexSha256(string text, int hexChars) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)), 0, hexChars / 2).ToLowerInvariant();

    protected MoltbotException Invalid(string location, string why) =>
        new(ExternalErrorIds.CredentialInvalid, MoltbotErrorKind.InvalidData,
            $"The {DisplayName} credential in {location} is not in the shape {DisplayName} writes: {why}. It was not used and was left untouched.", location)
        {
            RecommendedAction = $"Sign the CLI in again ({SignInCommand}), or leave it out of the command.",
        };
}
