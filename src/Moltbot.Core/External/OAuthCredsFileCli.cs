using System;
using System.Text.Json.Nodes;
using Moltbot.Core.OAuth;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

/// <summary>
/// The <c>oauth_creds.json</c> shape that Qwen Code writes (and MiniMax's file follows):
/// <c>{access_token, refresh_token, token_type, resource_url, expiry_date (ms), id_token?}</c>, flat. The access and
/// refresh tokens and <c>expiry_date</c> (a finite number) are required as OpenClaw requires them; an empty
/// <c>refresh_token</c> is a chain handed over to Moltbot (a token with its expiry). Write-backs change the three token
/// fields only and keep <c>token_type</c>, <c>resource_url</c> and everything else (Qwen Code rejects a file without
/// <c>token_type</c>).
/// </summary>
public abstract class OAuthCredsFileCli : ExternalCli
{
    /// <summary>Whether the document must name its <c>token_type</c> (Qwen Code refuses a file without one).</summary>
    protected virtual bool RequiresTokenType => true;

    public override ExternalCredential Parse(JsonObject document, ExternalSource source, string location, DateTimeOffset? lastModified)
    {
        var access = RequireString(document, "access_token", location);
        if (document["refresh_token"] is not JsonValue refreshValue || !refreshValue.TryGetValue<string>(out var refresh))
        {
            throw Invalid(location, "it has no 'refresh_token' string");
        }
        if (RequiresTokenType)
        {
            RequireString(document, "token_type", location);
        }
        var expires = OptionalMs(document, "expiry_date")
            ?? throw Invalid(location, "its 'expiry_date' is not a finite, positive number (ms since 1970)");
        var hasRefresh = !string.IsNullOrWhiteSpace(refresh);
        return new ExternalCredential(this, source, location, document, hasRefresh ? CredentialType.OAuth : CredentialType.Token,
            access, hasRefresh ? refresh : null, expires, "file", lastModified);
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
        return copy;
    }

    public override JsonObject WithoutRefreshToken(JsonObject document)
    {
        var copy = (JsonObject)document.DeepClone();
        copy["refresh_token"] = string.Empty;
        return copy;
    }
}
