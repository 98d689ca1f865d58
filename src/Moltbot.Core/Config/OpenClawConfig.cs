using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.IO;
using Moltbot.Core.Json;
using Moltbot.Core.Locking;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.Config;

/// <summary>One entry of <c>agents.list</c>.</summary>
public sealed record AgentEntry(string Id, string? Name, bool IsDefault, string? AgentDir, string? Workspace, string? Model);

/// <summary>
/// <c>openclaw.json</c> (JSON5). Only the parts this module needs are interpreted: <c>agents.list</c>,
/// <c>auth.profiles</c> and <c>auth.order</c>; everything else is kept as read. Like OpenClaw, a write produces plain
/// JSON, so comments in a hand-edited file do not survive a change made through this module.
/// </summary>
public sealed class OpenClawConfig
{
    private OpenClawConfig(string path, JsonObject root, bool exists, bool hadComments, byte[]? bytes = null)
    {
        Path = path;
        Root = root;
        Exists = exists;
        HadComments = hadComments;
        _bytes = bytes;
    }

    /// <summary>The file's bytes as read or last written by this object (null: there was no file).</summary>
    private byte[]? _bytes;

    /// <summary>
    /// The change flag (issue 16): every member that writes the document sets it when it changed something, so that
    /// <see cref="Update{T}"/> writes only then, without serialising the config before and after.
    /// </summary>
    internal bool Changed { get; private set; }

    /// <summary>Says that the document was changed (for code that writes <see cref="Root"/> itself).</summary>
    internal void MarkChanged() => Changed = true;

    /// <summary>
    /// Whether the file still holds exactly what this object was read from or last wrote (its bytes, compared: no stat
    /// heuristics). Lets a caller trust a config read earlier without parsing the file again. False when it cannot be read.
    /// </summary>
    internal bool MatchesFile()
    {
        try
        {
            var now = SecureFile.ReadAllBytesOrNull(Path);
            return _bytes is null ? now is null && !Exists : now is not null && now.AsSpan().SequenceEqual(_bytes);
        }
        catch (Exception ex) when (ex is MoltbotException or System.IO.IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Test hook: also serialise before and after each change and fail when the change flag missed one. Set by the test assembly only.</summary>
    internal static bool VerifyChangeTracking { get; set; }

    public string Path { get; }

    internal JsonObject Root { get; }

    public bool Exists { get; }

    /// <summary>Whether the file as read had comments (they are dropped by a write, as OpenClaw's own writes do).</summary>
    public bool HadComments { get; }

    public static OpenClawConfig Empty(string path) => new(path, new JsonObject(), exists: false, hadComments: false);

    /// <summary>Loads the config; a missing file gives an empty one. A file that cannot be parsed throws (InvalidData).</summary>
    public static OpenClawConfig Load(string path)
    {
        byte[]? bytes;
        try
        {
            bytes = SecureFile.ReadAllBytesOrNull(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new MoltbotException(ErrorIds.ConfigUnreadable, MoltbotErrorKind.PermissionDenied,
                $"The OpenClaw config {path} cannot be opened: permission denied.", path, ex);
        }
        if (bytes is null)
        {
            return Empty(path);
        }
        if (ParsedFileCache.TryCopy(path, bytes) is { } known)
        {
            // The bytes this process last wrote (and so read back without comments): their tree, copied, not parsed again.
            return new OpenClawConfig(path, known, exists: true, hadComments: false, bytes);
        }
        string text;
        JsonNode? node;
        try
        {
            text = JsonFile.DecodeUtf8(bytes);
            node = Json5.Parse(text);
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            throw Unreadable(path, $"it is not valid JSON5 ({ex.Message})", ex);
        }
        if (node is not JsonObject root)
        {
            throw Unreadable(path, "its top level is not an object");
        }
        if (root["agents"] is { } agents && agents is not JsonObject)
        {
            throw Unreadable(path, "its \"agents\" is not an object");
        }
        if (root["agents"] is JsonObject a && a["list"] is { } list && list is not JsonArray)
        {
            throw Unreadable(path, "its \"agents.list\" is not an array");
        }
        if (root["auth"] is { } auth && auth is not JsonObject)
        {
            throw Unreadable(path, "its \"auth\" is not an object");
        }
        return new OpenClawConfig(path, root, exists: true, hadComments: text.Contains("//", StringComparison.Ordinal) || text.Contains("/*", StringComparison.Ordinal), bytes);
    }

    /// <summary>
    /// Runs <paramref name="change"/> on the config as it is now, under a lock (<c>openclaw.json.lock</c>, honoured by
    /// Moltbot processes), and writes it back atomically when the change returns true and changed the document (its
    /// change flag: one parse and at most one serialisation per update).
    /// </summary>
    public static T Update<T>(string path, Func<OpenClawConfig, T> change, Func<T, bool> changed, FileLockOptions? lockOptions = null, CancellationToken cancellationToken = default)
    {
        // openclaw.json can hold secrets too (env, gateway tokens): its folders are judged as a store's are (issue 12, 7).
        PathTrust.EnsureTrustedForWrite(path, "OpenClaw config");
        using var configLock = FileLock.Acquire(path, lockOptions, cancellationToken);
        var config = Load(path);
        var before = VerifyChangeTracking ? JsonFile.Serialize(config.Root) : null;
        var result = change(config);
        if (before is not null && !config.Changed && !string.Equals(before, JsonFile.Serialize(config.Root), StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"A change to {path} was made without the config's change flag.");
        }
        if (changed(result) && config.Changed)
        {
            config.Save();
        }
        return result;
    }

    public void Save()
    {
        try
        {
            var bytes = JsonFile.SerializeToUtf8(Root);
            SecureFile.WriteAtomic(Path, bytes);
            _bytes = bytes;
            Changed = false;
            ParsedFileCache.Remember(Path, bytes, Root);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
        {
            throw SecureFile.WriteError(Path, System.IO.Path.GetDirectoryName(Path)!, ex);
        }
    }

    /// <summary>
    /// The agents of the config (ids normalised): the entries of <c>agents.list</c> that have an id, then those of
    /// <c>agents.entries</c> (an object keyed by id, where OpenClaw 2026.9.6's <c>agents add</c> records an agent) that
    /// the list does not name. An agent added by the real CLI is thereby an agent here too, before it has a database.
    /// </summary>
    public IReadOnlyList<AgentEntry> Agents
    {
        get
        {
            var result = ListedAgents();
            if (Root["agents"] is JsonObject agents && agents["entries"] is JsonObject entries)
            {
                foreach (var (key, node) in entries)
                {
                    if (node is JsonObject entry && key.Trim().Length > 0 && result.All(a => a.Id != AgentId.Normalize(key)))
                    {
                        result.Add(Entry(AgentId.Normalize(key), entry));
                    }
                }
            }
            return result;
        }
    }

    private List<AgentEntry> ListedAgents()
    {
        var result = new List<AgentEntry>();
        if (Root["agents"] is JsonObject agents && agents["list"] is JsonArray list)
        {
            foreach (var item in list)
            {
                if (item is JsonObject entry && Str(entry["id"]) is { } id && id.Trim().Length > 0)
                {
                    result.Add(Entry(AgentId.Normalize(id), entry));
                }
            }
        }
        return result;
    }

    private static AgentEntry Entry(string id, JsonObject entry) => new(
        id,
        Str(entry["name"]),
        entry["default"] is JsonValue d && d.GetValueKind() == JsonValueKind.True,
        Str(entry["agentDir"]),
        Str(entry["workspace"]),
        Str(entry["model"]) ?? (entry["model"] is JsonObject m ? Str(m["primary"]) : null));

    /// <summary>
    /// The configured default agent: the first entry of <c>agents.list</c> with <c>default: true</c>, else its first
    /// entry, else an <c>agents.entries</c> entry with <c>default: true</c>, else <c>main</c> (the order of an object's
    /// keys says nothing about a default).
    /// </summary>
    public string DefaultAgentId
    {
        get
        {
            var listed = ListedAgents();
            return listed.FirstOrDefault(a => a.IsDefault)?.Id ?? listed.FirstOrDefault()?.Id
                ?? Agents.FirstOrDefault(a => a.IsDefault)?.Id ?? AgentId.Default;
        }
    }

    public AgentEntry? FindAgent(string agentId) => Agents.FirstOrDefault(a => a.Id == agentId);

    /// <summary>Adds an entry to <c>agents.list</c> (creating the list).</summary>
    public void AddAgent(JsonObject entry)
    {
        var agents = Root["agents"] as JsonObject;
        if (agents is null)
        {
            agents = new JsonObject();
            Root["agents"] = agents;
        }
        var list = agents["list"] as JsonArray;
        if (list is null)
        {
            list = new JsonArray();
            agents["list"] = list;
        }
        list.Add(entry);
        Changed = true;
    }

    /// <summary>Replaces the <c>agents.list</c> entry of an id; returns false when there is none.</summary>
    public bool ReplaceAgent(string agentId, JsonObject entry)
    {
        if (Root["agents"] is JsonObject agents && agents["list"] is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is JsonObject existing && Str(existing["id"]) is { } id && AgentId.Normalize(id) == agentId)
                {
                    if (!JsonNode.DeepEquals(existing, entry))
                    {
                        list[i] = entry;
                        Changed = true;
                    }
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Removes every <c>agents.list</c> entry of an id; returns false when there is none.</summary>
    public bool RemoveAgent(string agentId)
    {
        if (Root["agents"] is not JsonObject agents || agents["list"] is not JsonArray list)
        {
            return false;
        }
        var removed = false;
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (list[i] is JsonObject existing && Str(existing["id"]) is { } id && AgentId.Normalize(id) == agentId)
            {
                list.RemoveAt(i);
                removed = true;
            }
        }
        Changed |= removed;
        return removed;
    }

    /// <summary><c>auth.profiles</c>: profile id to (provider, mode).</summary>
    public IReadOnlyDictionary<string, (string? Provider, string? Mode, string? Email)> AuthProfiles
    {
        get
        {
            var result = new Dictionary<string, (string?, string?, string?)>(StringComparer.Ordinal);
            if (AuthNode(create: false)?["profiles"] is JsonObject profiles)
            {
                foreach (var (id, value) in profiles)
                {
                    if (value is JsonObject p)
                    {
                        result[id] = (Str(p["provider"])?.ToLowerInvariant(), Str(p["mode"]), Str(p["email"]));
                    }
                }
            }
            return result;
        }
    }

    /// <summary>
    /// Adds or updates <c>auth.profiles[id] = {provider, mode}</c> (and <c>email</c> when known), keeping any other field
    /// of an existing entry, as OpenClaw's <c>applyAuthProfileConfig</c> does. Returns true when something changed.
    /// </summary>
    public bool UpsertAuthProfile(string profileId, string provider, CredentialType mode, string? email = null)
    {
        if (HasAuthProfile(profileId, provider, mode, email))
        {
            return false;
        }
        var auth = AuthNode(create: true)!;
        var profiles = auth["profiles"] as JsonObject;
        if (profiles is null)
        {
            profiles = new JsonObject();
            auth["profiles"] = profiles;
        }
        var before = profiles[profileId]?.DeepClone();
        var entry = profiles[profileId] as JsonObject ?? new JsonObject();
        entry["provider"] = provider;
        entry["mode"] = mode.ToWireName();
        if (!string.IsNullOrEmpty(email))
        {
            entry["email"] = email;
        }
        if (entry.Parent is null)
        {
            profiles[profileId] = entry;
        }
        var changed = !JsonNode.DeepEquals(before, entry);
        Changed |= changed;
        return changed;
    }

    /// <summary>
    /// Whether <c>auth.profiles[id]</c> already holds what <see cref="UpsertAuthProfile"/> would write (the one rule
    /// both use): an object with that <c>provider</c> and <c>mode</c>, and that <c>email</c> when one is given.
    /// </summary>
    public bool HasAuthProfile(string profileId, string provider, CredentialType mode, string? email = null) =>
        AuthNode(create: false)?["profiles"] is JsonObject profiles && profiles[profileId] is JsonObject entry
        && IsString(entry["provider"], provider) && IsString(entry["mode"], mode.ToWireName())
        && (string.IsNullOrEmpty(email) || IsString(entry["email"], email));

    private static bool IsString(JsonNode? node, string value) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String && string.Equals(v.GetValue<string>(), value, StringComparison.Ordinal);

    /// <summary>
    /// Merges a login's settings into <c>models.providers[provider]</c>: <c>baseUrl</c> is replaced, every other key is
    /// set only when the entry lacks it (so a user's models and overrides stay). Returns true when something changed.
    /// </summary>
    public bool MergeProviderConfig(string provider, JsonObject values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Root["models"] is { } m && m is not JsonObject)
        {
            return false;
        }
        var models = Root["models"] as JsonObject;
        if (models is null)
        {
            models = new JsonObject();
            Root["models"] = models;
            Changed = true;
        }
        if (models["providers"] is { } p && p is not JsonObject)
        {
            return false;
        }
        var providers = models["providers"] as JsonObject;
        if (providers is null)
        {
            providers = new JsonObject();
            models["providers"] = providers;
            Changed = true;
        }
        var before = providers[provider]?.DeepClone();
        if (before is not null && before is not JsonObject)
        {
            return false;
        }
        var entry = providers[provider] as JsonObject ?? new JsonObject();
        foreach (var (key, value) in values)
        {
            if (key == "baseUrl" || entry[key] is null)
            {
                entry[key] = value?.DeepClone();
            }
        }
        if (entry.Parent is null)
        {
            providers[provider] = entry;
        }
        var changed = !JsonNode.DeepEquals(before, entry);
        Changed |= changed;
        return changed;
    }

    /// <summary>
    /// Sets (or, with null, removes) the <c>email</c> of an existing <c>auth.profiles[id]</c> entry; an id the config
    /// does not record is left alone. Returns true when something changed.
    /// </summary>
    public bool SetAuthProfileEmail(string profileId, string? email)
    {
        if (AuthNode(create: false)?["profiles"] is not JsonObject profiles || profiles[profileId] is not JsonObject entry)
        {
            return false;
        }
        var before = entry["email"];
        if (string.IsNullOrEmpty(email))
        {
            var removed = entry.Remove("email");
            Changed |= removed;
            return removed;
        }
        if (IsString(before, email))
        {
            return false;
        }
        entry["email"] = email;
        Changed = true;
        return true;
    }

    /// <summary>
    /// The providers <c>models.providers</c> configures without a key of their own (<c>apiKey</c>): those need a stored
    /// credential. Ids lowercased.
    /// </summary>
    public IReadOnlyList<string> ModelProvidersWithoutKey =>
        Root["models"] is JsonObject models && models["providers"] is JsonObject providers
            ? providers.Where(kv => kv.Value is JsonObject entry && string.IsNullOrWhiteSpace(Str(entry["apiKey"]))).Select(kv => kv.Key.ToLowerInvariant()).ToList()
            : Array.Empty<string>();

    /// <summary><c>agents.defaults.model</c> (a string, or its <c>primary</c>), the model of an agent without its own; or null.</summary>
    public string? DefaultModel =>
        Root["agents"] is JsonObject agents && agents["defaults"] is JsonObject defaults
            ? Str(defaults["model"]) ?? (defaults["model"] is JsonObject m ? Str(m["primary"]) : null)
            : null;

    /// <summary><c>models.providers[provider].baseUrl</c>, or null.</summary>
    public string? ProviderBaseUrl(string provider) =>
        Root["models"] is JsonObject models && models["providers"] is JsonObject providers && providers[provider] is JsonObject entry ? Str(entry["baseUrl"]) : null;

    /// <summary>Where the config names a profile: <c>auth.profiles</c> and each <c>auth.order.&lt;provider&gt;</c> listing it.</summary>
    public IReadOnlyList<string> AuthReferences(string profileId)
    {
        var places = new List<string>();
        var auth = AuthNode(create: false);
        if (auth?["profiles"] is JsonObject profiles && profiles.ContainsKey(profileId))
        {
            places.Add("auth.profiles");
        }
        if (auth?["order"] is JsonObject order)
        {
            places.AddRange(order.Where(kv => kv.Value is JsonArray list && list.Any(n => Str(n) == profileId)).Select(kv => "auth.order." + kv.Key));
        }
        return places;
    }

    /// <summary>Removes <c>auth.profiles[id]</c> and the id from every <c>auth.order</c> list.</summary>
    public bool RemoveAuthProfile(string profileId)
    {
        var auth = AuthNode(create: false);
        if (auth is null)
        {
            return false;
        }
        var changed = auth["profiles"] is JsonObject profiles && profiles.Remove(profileId);
        if (auth["order"] is JsonObject order)
        {
            foreach (var provider in order.Select(kv => kv.Key).ToList())
            {
                if (order[provider] is JsonArray list && list.Any(n => Str(n) == profileId))
                {
                    var kept = list.Where(n => Str(n) != profileId).Select(n => n?.DeepClone()).ToArray();
                    if (kept.Length == 0)
                    {
                        order.Remove(provider);
                    }
                    else
                    {
                        order[provider] = new JsonArray(kept);
                    }
                    changed = true;
                }
            }
        }
        Changed |= changed;
        return changed;
    }

    /// <summary><c>auth.order[provider]</c>, or null.</summary>
    public IReadOnlyList<string>? GetAuthOrder(string provider)
    {
        if (AuthNode(create: false)?["order"] is JsonObject order)
        {
            foreach (var (key, value) in order)
            {
                if (string.Equals(key, provider, StringComparison.OrdinalIgnoreCase) && value is JsonArray list)
                {
                    return list.Select(Str).Where(s => s is not null).Select(s => s!).ToList();
                }
            }
        }
        return null;
    }

    /// <summary>Every provider with an <c>auth.order</c> list.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AuthOrders
    {
        get
        {
            var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
            if (AuthNode(create: false)?["order"] is JsonObject order)
            {
                foreach (var (key, value) in order)
                {
                    if (value is JsonArray list)
                    {
                        result[key] = list.Select(Str).Where(s => s is not null).Select(s => s!).ToList();
                    }
                }
            }
            return result;
        }
    }

    /// <summary>Sets or (with an empty list) removes <c>auth.order[provider]</c>.</summary>
    public void SetAuthOrder(string provider, IEnumerable<string>? profileIds)
    {
        var before = AuthNode(create: false)?["order"]?.DeepClone(); // a few short lists
        SetAuthOrderCore(provider, AuthProfileStore.NormalizeIdList(profileIds));
        if (!JsonNode.DeepEquals(before, AuthNode(create: false)?["order"]))
        {
            Changed = true;
        }
    }

    private void SetAuthOrderCore(string provider, List<string> ids)
    {
        var auth = AuthNode(create: ids.Count > 0);
        if (auth is null)
        {
            return;
        }
        var order = auth["order"] as JsonObject;
        if (order is not null)
        {
            foreach (var key in order.Where(kv => string.Equals(kv.Key, provider, StringComparison.OrdinalIgnoreCase) && kv.Key != provider).Select(kv => kv.Key).ToList())
            {
                order.Remove(key);
            }
        }
        if (ids.Count == 0)
        {
            order?.Remove(provider);
            if (order is not null && order.Count == 0)
            {
                auth.Remove("order");
            }
            return;
        }
        if (order is null)
        {
            order = new JsonObject();
            auth["order"] = order;
        }
        order[provider] = new JsonArray(ids.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray());
    }

    private JsonObject? AuthNode(bool create)
    {
        if (Root["auth"] is JsonObject auth)
        {
            return auth;
        }
        if (!create)
        {
            return null;
        }
        auth = new JsonObject();
        Root["auth"] = auth;
        Changed = true;
        return auth;
    }

    internal static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static MoltbotException Unreadable(string path, string why, Exception? inner = null) =>
        new(ErrorIds.ConfigUnreadable, MoltbotErrorKind.InvalidData,
            $"The OpenClaw config {path} cannot be read: {why}. It was left untouched.", path, inner)
        {
            RecommendedAction = "Fix the file (it is JSON5) or move it aside; Moltbot never overwrites a config it cannot read.",
        };
}
