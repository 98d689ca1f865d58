using System;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.Store;

namespace Moltbot.Core.OAuth;

// Tokens/: what a token endpoint answers and what is stored from it; the one client every token request goes through.

/// <summary>
/// The credential a login or a refresh produced, in the shape OpenClaw stores: <c>access</c>, <c>refresh</c>,
/// <c>expires</c> (ms epoch), the email when the provider names one, and the provider's extra fields
/// (<c>accountId</c>, <c>projectId</c>, <c>clientId</c>, <c>enterpriseUrl</c>, ...). A <see cref="CredentialType.Token"/>
/// credential (GitHub Copilot's GitHub token) stores <c>token</c> instead. Holds secrets: never log it.
/// </summary>
public sealed class OAuthCredential
{
    public OAuthCredential(string access, string? refresh, long? expiresMs, string? email = null, JsonObject? fields = null, CredentialType type = CredentialType.OAuth)
    {
        ArgumentException.ThrowIfNullOrEmpty(access);
        Access = access;
        Refresh = refresh;
        ExpiresMs = expiresMs;
        Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim();
        Fields = fields ?? new JsonObject();
        Type = type;
    }

    public string Access { get; }

    public string? Refresh { get; }

    public long? ExpiresMs { get; }

    public string? Email { get; }

    /// <summary>Extra stored fields (never access, refresh, expires, email, type or provider).</summary>
    public JsonObject Fields { get; }

    public CredentialType Type { get; }

    /// <summary>
    /// Settings a login writes to openclaw.json's <c>models.providers.&lt;provider&gt;</c> (MiniMax's <c>baseUrl</c>, which
    /// also tells a later refresh the region); never stored in the profile, not kept by copies. Null: none.
    /// </summary>
    public JsonObject? ProviderConfig { get; init; }

    public DateTimeOffset? Expires => ExpiresMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>The provider's account id (<c>accountId</c>), or null.</summary>
    public string? AccountId => GetField("accountId");

    /// <summary>What tells two accounts of one provider apart: the account id, else the email, else null.</summary>
    public string? Identity => AccountId ?? Email;

    public string? GetField(string name) =>
        Fields[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } s ? s : null;

    /// <summary>A copy with one extra field set (null removes it).</summary>
    public OAuthCredential With(string field, JsonNode? value, string? email = null)
    {
        var fields = (JsonObject)Fields.DeepClone();
        if (value is null)
        {
            fields.Remove(field);
        }
        else
        {
            fields[field] = value.DeepClone();
        }
        return new OAuthCredential(Access, Refresh, ExpiresMs, email ?? Email, fields, Type);
    }

    /// <summary>A copy with another email.</summary>
    public OAuthCredential WithEmail(string? email) => new(Access, Refresh, ExpiresMs, email, (JsonObject)Fields.DeepClone(), Type);

    /// <summary>The secret fields for <c>CredentialService.Save(..., Type, fields, Email)</c>.</summary>
    public JsonObject ToSecretFields()
    {
        var node = new JsonObject();
        if (Type == CredentialType.Token)
        {
            node["token"] = Access;
            if (ExpiresMs is { } tokenExpires)
            {
                node["expires"] = tokenExpires;
            }
        }
        else
        {
            node["access"] = Access;
            if (Refresh is not null)
            {
                node["refresh"] = Refresh;
            }
            if (ExpiresMs is { } expires)
            {
                node["expires"] = expires;
            }
        }
        foreach (var (name, value) in Fields)
        {
            node[name] = value?.DeepClone();
        }
        return node;
    }

    /// <summary>
    /// <c>{...old, ...new, type}</c> into a stored profile: access, refresh and expires replaced, the extra fields set,
    /// every other field (email, fields this module does not know) kept in place.
    /// </summary>
    public void MergeInto(JsonObject node)
    {
        foreach (var (name, value) in ToSecretFields())
        {
            node[name] = value?.DeepClone();
        }
        if (Email is not null && node["email"] is null)
        {
            node["email"] = Email;
        }
        node["type"] = Type.ToWireName();
    }

    /// <summary>The credential a stored oauth profile holds (its extra fields included).</summary>
    public static OAuthCredential FromStored(StoredProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var fields = new JsonObject();
        foreach (var (name, value) in profile.Node)
        {
            if (name is "type" or "provider" or "access" or "refresh" or "expires" or "email" or "token")
            {
                continue;
            }
            fields[name] = value?.DeepClone();
        }
        var access = profile.GetString("access") ?? profile.GetString("token") ?? "-";
        return new OAuthCredential(access, profile.GetString("refresh"), profile.ExpiresMs, profile.GetString("email"), fields,
            profile.Type == CredentialType.Token ? CredentialType.Token : CredentialType.OAuth);
    }

    /// <summary>Never prints a token.</summary>
    public override string ToString() =>
        $"OAuthCredential {{ Type = {Type.ToWireName()}, Identity = {Identity}, Expires = {Expires?.ToString("O") ?? "none"} }}";
}
