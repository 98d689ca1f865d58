using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Nodes;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

/// <summary>
/// Gemini CLI: <c>~/.gemini/oauth_creds.json</c>, google-auth-library's credentials as Gemini CLI caches them:
/// <c>{access_token, refresh_token, scope, token_type, id_token, expiry_date (ms, may be fractional)}</c>.
/// <c>GEMINI_CLI_HOME</c> replaces the home folder (not the <c>.gemini</c> folder): the file is then
/// <c>$GEMINI_CLI_HOME/.gemini/oauth_creds.json</c> (google-gemini/gemini-cli packages/core/src/utils/paths.ts
/// <c>homedir()</c>, config/storage.ts <c>getOAuthCredsPath</c>). With <c>GEMINI_FORCE_ENCRYPTED_FILE_STORAGE=true</c>
/// the CLI keeps its login encrypted instead and this file is absent (not read). The account: <c>email</c> and
/// <c>sub</c> (as the account id, like OpenClaw's reader) of the id_token, else the <c>active</c> email of
/// <c>google_accounts.json</c> beside it. Google does not rotate refresh tokens (the provider definition says so), so a
/// refresh here does not sign the CLI out. Mirror: <c>google-gemini-cli:gemini-cli</c>; the Code Assist project is not in
/// the CLI's files (Gemini CLI asks loadCodeAssist at each start).
/// </summary>
public sealed class GeminiCli : ExternalCli
{
    public override string Id => "gemini-cli";

    public override IReadOnlyList<string> Aliases { get; } = new[] { "gemini" };

    public override string DisplayName => "Gemini CLI";

    public override string Provider => "google-gemini-cli";

    public override string MirrorName => "gemini-cli";

    public override string SignInCommand => "gemini (then /auth)";

    /// <summary><c>$GEMINI_CLI_HOME/.gemini</c>, else <c>~/.gemini</c>.</summary>
    public static string GeminiDir(MoltbotEnvironment environment) =>
        Path.Combine(FolderFromVariable(environment, "GEMINI_CLI_HOME", () => Home(environment)), ".gemini");

    public override string CredentialPath(MoltbotEnvironment environment) => Path.Combine(GeminiDir(environment), "oauth_creds.json");

    public override ExternalCredential Parse(JsonObject document, ExternalSource source, string location, DateTimeOffset? lastModified)
    {
        var access = RequireString(document, "access_token", location);
        var refresh = OptionalString(document, "refresh_token");
        var expires = OptionalMs(document, "expiry_date")
            ?? throw Invalid(location, "its 'expiry_date' is not a finite, positive number (ms since 1970)");
        var claims = JwtClaims.TryDecodePayload(OptionalString(document, "id_token"));
        return new ExternalCredential(this, source, location, document, refresh is null ? CredentialType.Token : CredentialType.OAuth,
            access, refresh, expires, "file", lastModified)
        {
            AccountId = OptionalString(claims, "sub"),
            Email = OptionalString(claims, "email"),
        };
    }

    /// <summary>Without an email in the id_token: the <c>active</c> account of <c>google_accounts.json</c>.</summary>
    public override ExternalCredential Complete(ExternalCredential credential, MoltbotEnvironment environment)
    {
        if (credential.Email is not null || credential.Source != ExternalSource.File)
        {
            return credential;
        }
        var folder = Path.GetDirectoryName(credential.Location);
        var active = folder is null ? null : OptionalString(TryReadSideFile(Path.Combine(folder, "google_accounts.json")), "active");
        return active is null ? credential : credential.WithIdentity(null, active);
    }

    public override JsonObject WithTokens(JsonObject document, OAuthCredential tokens)
    {
        var copy = (JsonObject)document.DeepClone();
        copy["access_token"] = tokens.Access;
        copy["refresh_token"] = tokens.Refresh ?? string.Empty;
        if (tokens.ExpiresMs is { } expires)
        {
            copy["expiry_date"] = expires;
        }
        if (tokens.GetField("idToken") is { } idToken)
        {
            copy["id_token"] = idToken;
        }
        return copy;
    }

    public override JsonObject WithoutRefreshToken(JsonObject document)
    {
        var copy = (JsonObject)document.DeepClone();
        copy["refresh_token"] = string.Empty;
        return copy;
    }
}
