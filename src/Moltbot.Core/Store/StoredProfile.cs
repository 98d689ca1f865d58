using System;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moltbot.Core.Store;

/// <summary>
/// A read view over one entry of <c>profiles</c>. The JSON object stays the source of truth, so fields this module
/// does not know survive every write.
/// </summary>
public sealed class StoredProfile
{
    internal StoredProfile(string id, JsonObject node)
    {
        Id = id;
        Node = node;
    }

    public string Id { get; }

    /// <summary>The stored object itself. Holds secrets: never hand it to output.</summary>
    internal JsonObject Node { get; }

    /// <summary>The type, normalised as OpenClaw does (<c>apiKey</c> means api_key; a missing type falls back to <c>mode</c>).</summary>
    public CredentialType Type => CredentialTypes.Parse(GetString("type") ?? GetString("mode"));

    /// <summary>The <c>type</c> as written (or <c>mode</c> when there is no type).</summary>
    public string? RawType => GetString("type") ?? GetString("mode");

    /// <summary>The provider id, lowercased.</summary>
    public string? Provider => GetString("provider")?.Trim().ToLowerInvariant();

    public string? Email => GetString("email");

    public string? AccountId => GetString("accountId");

    public string? ProjectId => GetString("projectId");

    public string? DisplayName => GetString("displayName");

    /// <summary><c>expires</c> in ms since the epoch when it is a finite positive number; otherwise null.</summary>
    public long? ExpiresMs
    {
        get
        {
            if (Node["expires"] is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
            {
                if (value.TryGetValue<long>(out var l))
                {
                    return l > 0 ? l : null;
                }
                if (value.TryGetValue<double>(out var d) && double.IsFinite(d) && d > 0 && d <= 8.64e15)
                {
                    return (long)d;
                }
            }
            return null;
        }
    }

    /// <summary>Whether the credential holds the secret its type needs (key, token, or access/refresh).</summary>
    public bool HasSecret => Type switch
    {
        CredentialType.ApiKey => HasText("key") || HasText("apiKey") || Node["keyRef"] is JsonObject,
        CredentialType.Token => HasText("token") || Node["tokenRef"] is JsonObject,
        CredentialType.OAuth => HasText("access") || HasText("refresh") || Node["oauthRef"] is JsonObject,
        _ => false,
    };

    public bool HasRefreshToken => HasText("refresh");

    /// <summary>
    /// The entry's <c>copyToAgents</c> (OpenClaw 6.x <c>agents add</c>: false keeps an api_key or token from being
    /// copied, true lets an oauth profile be copied); null when it has none.
    /// </summary>
    public bool? CopyToAgents => Node["copyToAgents"] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    /// <summary>True for credentials that never expire: api keys, and tokens without a positive <c>expires</c>.</summary>
    public bool IsNonExpiring => Type == CredentialType.ApiKey || (Type == CredentialType.Token && ExpiresMs is null);

    internal string? GetString(string name) =>
        Node[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private bool HasText(string name) => !string.IsNullOrWhiteSpace(GetString(name));
}
