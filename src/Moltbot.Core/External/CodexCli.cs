using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Moltbot.Core.IO;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

/// <summary>
/// Codex CLI: <c>$CODEX_HOME/auth.json</c> (default <c>~/.codex</c>, realpath'd), or on macOS the Keychain service
/// <c>Codex Auth</c> with account <c>cli|&lt;first 16 hex of SHA-256(realpath CODEX_HOME)&gt;</c>.
/// <c>tokens.{id_token, access_token, refresh_token, account_id}</c>, <c>last_refresh</c>, <c>OPENAI_API_KEY</c>,
/// later <c>auth_mode</c>. The file has no expiry: the access token's <c>exp</c> tells it (OpenClaw 2026.4.x), else the
/// file's mtime + 1 h (2026.1.30). Mirror: <c>openai-codex:codex-cli</c>, <c>openai:codex-cli</c> from 2026.6.1.
/// </summary>
public sealed class CodexCli : ExternalCli
{
    public override string Id => "codex";

    public override System.Collections.Generic.IReadOnlyList<string> Aliases { get; } = new[] { "codex-cli", "openai-codex" };

    public override string DisplayName => "Codex CLI";

    public override string Provider => "openai-codex";

    public override string MirrorName => "codex-cli";

    public override string SignInCommand => "codex login";

    public override string ProviderFor(StoreKind store) => store == StoreKind.Sqlite ? "openai" : Provider;

    /// <summary>CODEX_HOME (realpath'd, as Codex does), else <c>~/.codex</c>.</summary>
    public static string CodexHome(MoltbotEnvironment environment)
    {
        var home = FolderFromVariable(environment, "CODEX_HOME", () => Path.Combine(Home(environment), ".codex"));
        try
        {
            return Directory.Exists(home) ? SecureFile.CanonicalPath(home) : home;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return home;
        }
    }

    public override string CredentialPath(MoltbotEnvironment environment) => Path.Combine(CodexHome(environment), "auth.json");

    public override KeychainEntry? Keychain(MoltbotEnvironment environment)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(CodexHome(environment)));
        return new KeychainEntry("Codex Auth", "cli|" + Convert.ToHexString(hash, 0, 8).ToLowerInvariant());
    }

    public override ExternalCredential Parse(JsonObject document, ExternalSource source, string location, DateTimeOffset? lastModified)
    {
        if (document["tokens"] is JsonObject tokens)
        {
            var access = RequireString(tokens, "access_token", location, "tokens");
            var refresh = OptionalString(tokens, "refresh_token");
            var idToken = OptionalString(tokens, "id_token");
            string expirySource;
            long? expires = null;
            if (JwtClaims.TryDecodePayload(access)?["exp"] is JsonValue exp && exp.TryGetValue<double>(out var seconds) && double.IsFinite(seconds) && seconds > 0)
            {
                expires = (long)(seconds * 1000);
                expirySource = "exp claim";
            }
            else if (OptionalString(document, "last_refresh") is { } last
                && DateTimeOffset.TryParse(last, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var lastRefresh))
            {
                expires = lastRefresh.AddHours(1).ToUnixTimeMilliseconds();
                expirySource = "last_refresh + 1 h";
            }
            else if (lastModified is { } modified)
            {
                expires = modified.AddHours(1).ToUnixTimeMilliseconds();
                expirySource = "modified + 1 h";
            }
            else
            {
                expirySource = "unknown";
            }
            var idClaims = JwtClaims.TryDecodePayload(idToken);
            var email = OptionalString(idClaims, "email") ?? JwtClaims.GetEmail(access);
            var accountId = OptionalString(tokens, "account_id") ?? JwtClaims.GetChatGptAccountId(access) ?? JwtClaims.GetChatGptAccountId(idToken);
            return new ExternalCredential(this, source, location, document, refresh is null ? CredentialType.Token : CredentialType.OAuth,
                access, refresh, expires, expirySource, lastModified)
            {
                AccountId = accountId,
                Email = email,
            };
        }
        if (OptionalString(document, "OPENAI_API_KEY") is { } key)
        {
            return new ExternalCredential(this, source, location, document, CredentialType.ApiKey, key, null, null, "never", lastModified);
        }
        throw Invalid(location, "it has no 'tokens' object and no OPENAI_API_KEY");
    }

    public override JsonObject WithTokens(JsonObject document, OAuthCredential tokens)
    {
        var copy = (JsonObject)document.DeepClone();
        if (copy["tokens"] is not JsonObject t)
        {
            t = new JsonObject();
            copy["tokens"] = t;
        }
        t["access_token"] = tokens.Access;
        t["refresh_token"] = tokens.Refresh ?? string.Empty;
        if (tokens.GetField("idToken") is { } idToken)
        {
            t["id_token"] = idToken;
        }
        if (tokens.AccountId is { } accountId)
        {
            t["account_id"] = accountId;
        }
        copy["last_refresh"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        return copy;
    }

    public override JsonObject WithoutRefreshToken(JsonObject document)
    {
        var copy = (JsonObject)document.DeepClone();
        if (copy["tokens"] is JsonObject t)
        {
            t["refresh_token"] = string.Empty;
        }
        return copy;
    }
}
