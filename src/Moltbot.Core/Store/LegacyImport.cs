using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.IO;
using Moltbot.Core.Json;

namespace Moltbot.Core.Store;

/// <summary>Where an agent's legacy credentials may be (openclaw-compat.md section 4).</summary>
/// <param name="OAuthJsonPath"><c>&lt;state&gt;/credentials/oauth.json</c> (or under OPENCLAW_OAUTH_DIR): imported, never changed.</param>
/// <param name="AuthJsonPath"><c>&lt;agentDir&gt;/auth.json</c> in its legacy flat shape: imported, then deleted once the store is written.</param>
public sealed record LegacySources(string? OAuthJsonPath, string? AuthJsonPath);

/// <summary>What happened to one legacy entry.</summary>
public sealed record LegacyImportItem(string Source, string? Provider, string? ProfileId, bool Imported, string Reason);

/// <summary>The result of importing legacy files into a store.</summary>
public sealed class LegacyImportResult
{
    public List<LegacyImportItem> Items { get; } = new();

    /// <summary>Whether auth.json contributed to the store, so that it may be deleted once the store is written.</summary>
    public bool AuthJsonConsumed { get; set; }

    public int ImportedCount => Items.FindAll(i => i.Imported).Count;
}

/// <summary>
/// Imports <c>auth.json</c> (flat provider-to-credential map) and <c>credentials/oauth.json</c> (provider to OAuth
/// credentials) into a store, as OpenClaw does when an agent has no <c>auth-profiles.json</c>: each entry becomes
/// <c>&lt;provider&gt;:default</c>, an existing profile is never overwritten, a bad entry is reported and skipped.
/// </summary>
public static class LegacyImporter
{
    private static readonly Dictionary<CredentialType, string[]> AuthJsonFields = new()
    {
        [CredentialType.ApiKey] = new[] { "key", "email" },
        [CredentialType.Token] = new[] { "token", "expires", "email" },
        [CredentialType.OAuth] = new[] { "access", "refresh", "expires", "enterpriseUrl", "projectId", "accountId", "email" },
    };

    public static LegacyImportResult Import(AuthProfileStore store, LegacySources sources)
    {
        var result = new LegacyImportResult();
        if (sources.AuthJsonPath is { } authJson)
        {
            ImportAuthJson(store, authJson, result);
        }
        if (sources.OAuthJsonPath is { } oauthJson)
        {
            ImportOAuthJson(store, oauthJson, result);
        }
        return result;
    }

    private static void ImportAuthJson(AuthProfileStore store, string path, LegacyImportResult result)
    {
        var root = ReadObject(path, result, out var wrapped);
        if (root is null)
        {
            return;
        }
        if (wrapped)
        {
            result.Items.Add(new LegacyImportItem(path, null, null, false, "it holds a \"profiles\" object: it is not the legacy flat shape"));
            return;
        }
        foreach (var (provider, profileId, entry) in Entries(root, path, result))
        {
            var type = CredentialTypes.Parse(Str(entry["type"]) ?? Str(entry["mode"]));
            if (type == CredentialType.Unknown)
            {
                result.Items.Add(new LegacyImportItem(path, provider, profileId, false, "the entry has no known type (api_key, token or oauth)"));
                continue;
            }
            var credential = new JsonObject { ["type"] = type.ToWireName(), ["provider"] = provider };
            foreach (var field in AuthJsonFields[type])
            {
                if (entry[field] is { } fieldValue)
                {
                    credential[field] = fieldValue.DeepClone();
                }
            }
            if (type == CredentialType.ApiKey && credential["key"] is null && Str(entry["apiKey"]) is { } apiKey)
            {
                credential["key"] = apiKey;
            }
            AddIfValid(store, path, provider, profileId, credential, result, consumesAuthJson: true);
        }
    }

    private static void ImportOAuthJson(AuthProfileStore store, string path, LegacyImportResult result)
    {
        var root = ReadObject(path, result, out _);
        if (root is null)
        {
            return;
        }
        foreach (var (provider, profileId, creds) in Entries(root, path, result))
        {
            var credential = new JsonObject { ["type"] = CredentialTypes.OAuth, ["provider"] = provider };
            foreach (var (field, fieldValue) in creds)
            {
                if (field is not "type" and not "provider")
                {
                    credential[field] = fieldValue?.DeepClone();
                }
            }
            AddIfValid(store, path, provider, profileId, credential, result, consumesAuthJson: false);
        }
    }

    /// <summary>The provider entries of a legacy file as (provider, <c>provider:default</c>, entry); malformed ones are reported and skipped.</summary>
    private static IEnumerable<(string Provider, string ProfileId, JsonObject Entry)> Entries(JsonObject root, string path, LegacyImportResult result)
    {
        foreach (var (rawProvider, value) in root)
        {
            var provider = rawProvider.Trim().ToLowerInvariant();
            var profileId = provider + ":default";
            if (provider.Length == 0)
            {
                result.Items.Add(new LegacyImportItem(path, rawProvider, null, false, "the provider name is empty"));
            }
            else if (value is not JsonObject entry)
            {
                result.Items.Add(new LegacyImportItem(path, provider, profileId, false, "the entry is not an object"));
            }
            else
            {
                yield return (provider, profileId, entry);
            }
        }
    }

    private static void AddIfValid(AuthProfileStore store, string source, string provider, string profileId, JsonObject credential, LegacyImportResult result, bool consumesAuthJson)
    {
        if (store.Contains(profileId))
        {
            result.Items.Add(new LegacyImportItem(source, provider, profileId, false, "a profile with that id exists already"));
            return;
        }
        var probe = new StoredProfile(profileId, credential);
        if (!probe.HasSecret)
        {
            result.Items.Add(new LegacyImportItem(source, provider, profileId, false, $"the {probe.Type.ToWireName()} entry holds no secret"));
            return;
        }
        if (credential["expires"] is { } expires && (expires is not JsonValue v || v.GetValueKind() != JsonValueKind.Number))
        {
            result.Items.Add(new LegacyImportItem(source, provider, profileId, false, "its \"expires\" is not a number"));
            return;
        }
        store.Set(profileId, credential);
        result.Items.Add(new LegacyImportItem(source, provider, profileId, true, "imported"));
        if (consumesAuthJson)
        {
            result.AuthJsonConsumed = true;
        }
    }

    private static JsonObject? ReadObject(string path, LegacyImportResult result, out bool wrapped)
    {
        wrapped = false;
        byte[]? bytes;
        try
        {
            bytes = SecureFile.ReadAllBytesOrNull(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            result.Items.Add(new LegacyImportItem(path, null, null, false, "the file cannot be read: " + ex.GetType().Name));
            return null;
        }
        catch (MoltbotException ex) when (ex.ErrorId is ErrorIds.NotRegularFile or ErrorIds.FileTooLarge)
        {
            result.Items.Add(new LegacyImportItem(path, null, null, false, ex.Message));
            return null;
        }
        if (bytes is null)
        {
            return null;
        }
        JsonNode? node;
        try
        {
            node = JsonFile.ParseStrict(JsonFile.DecodeUtf8(bytes));
        }
        catch (Exception ex) when (ex is JsonException or System.Text.DecoderFallbackException)
        {
            result.Items.Add(new LegacyImportItem(path, null, null, false, "the file is not valid JSON"));
            return null;
        }
        if (node is not JsonObject obj)
        {
            result.Items.Add(new LegacyImportItem(path, null, null, false, "the file is not a JSON object"));
            return null;
        }
        wrapped = obj["profiles"] is JsonObject;
        return obj;
    }

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
