using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.Json;

namespace Moltbot.Core.Store;

/// <summary>
/// The document of <c>auth-profiles.json</c>: <c>version</c>, <c>profiles</c>, <c>order</c>, <c>lastGood</c>,
/// <c>usageStats</c>, and any key this module does not know, all kept in the order they were read.
/// </summary>
public sealed class AuthProfileStore
{
    public const int Version = 1;

    private AuthProfileStore(JsonObject root)
    {
        Root = root;
    }

    internal JsonObject Root { get; }

    // The change flag (issue 16): every member that writes the document says which part it changed, so that an update
    // writes only when something changed, and in era B only the file whose part changed, without serialising the whole
    // store before and after. Code that writes a profile's node in place (a token refresh merging its answer) says so
    // through MarkChanged(StoredProfile).
    private bool _profilesChanged;
    private bool _stateChanged;

    /// <summary>Era B: the <c>auth-profiles.json</c> as read held order/lastGood/usageStats of its own (moved to the state file by the next write of it).</summary>
    private bool _profilesFileHasStateKeys;

    /// <summary>Whether the document was changed since it was read (or since <see cref="AcceptChanges"/>).</summary>
    internal bool Changed => _profilesChanged || _stateChanged;

    /// <summary>Whether <c>profiles</c> or another key of the store file (not order/lastGood/usageStats) was changed.</summary>
    internal bool ProfilesChanged => _profilesChanged;

    /// <summary>Whether order, lastGood or usageStats was changed.</summary>
    internal bool StateChanged => _stateChanged;

    /// <summary>Era B: whether the store file must be written too when only the state changed (it still holds state keys).</summary>
    internal bool ProfilesFileHoldsState => _profilesFileHasStateKeys;

    /// <summary>Says that a profile's node was written in place (<see cref="StoredProfile.Node"/>), outside <see cref="Set"/>.</summary>
    internal void MarkChanged(StoredProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _profilesChanged = true;
    }

    /// <summary>Forgets the change flags (the document as it is now is what the files hold).</summary>
    internal void AcceptChanges()
    {
        _profilesChanged = false;
        _stateChanged = false;
        _profilesFileHasStateKeys = false;
    }

    private void MarkChanged(string key)
    {
        if (Array.IndexOf(StateKeys, key) >= 0)
        {
            _stateChanged = true;
        }
        else
        {
            _profilesChanged = true;
        }
    }

    private Dictionary<string, StoreSource>? _sources;
    private StoreSource? _defaultSource;
    private List<string>? _warnings;

    /// <summary>Where a profile of this view lives (the agent's own file or DB, or the shared store it inherits).</summary>
    public StoreSource? SourceOf(string profileId) =>
        _sources is not null && _sources.TryGetValue(profileId, out var source) ? source : _defaultSource;

    internal void SetSourceForAll(StoreSource source) => _defaultSource = source;

    internal void SetSource(string profileId, StoreSource source) => (_sources ??= new(StringComparer.Ordinal))[profileId] = source;

    /// <summary>What the backend noticed while loading (for example retired JSON files OpenClaw will not read). No secrets.</summary>
    public IReadOnlyList<string> Warnings => (IReadOnlyList<string>?)_warnings ?? Array.Empty<string>();

    internal void AddWarning(string warning) => (_warnings ??= new()).Add(warning);

    /// <summary>The keys that openclaw 2026.4.5+ keeps in <c>auth-state.json</c> instead of the store.</summary>
    internal static readonly string[] StateKeys = { "order", "lastGood", "usageStats" };

    /// <summary>
    /// The <c>auth-state.json</c> document beside the store (era B), without its order/lastGood/usageStats (those are
    /// merged into <see cref="Root"/> while the store is in memory); null in the single-file layout.
    /// </summary>
    internal JsonObject? StateDocument { get; private set; }

    /// <summary>Whether this store uses the two-file layout (openclaw 2026.4.5 - 2026.6.1).</summary>
    public bool UsesStateFile => StateDocument is not null;

    /// <summary>
    /// Merges an <c>auth-state.json</c> document in, as OpenClaw loads it: its order/lastGood/usageStats win key by key
    /// over those found inside the store; its other keys are kept for the next write.
    /// </summary>
    internal void AttachState(JsonObject state)
    {
        _profilesFileHasStateKeys = Array.Exists(StateKeys, Root.ContainsKey);
        var rest = new JsonObject();
        foreach (var (key, value) in state)
        {
            if (Array.IndexOf(StateKeys, key) < 0)
            {
                rest[key] = value?.DeepClone();
                continue;
            }
            if (value is not JsonObject fromState)
            {
                continue;
            }
            var target = Root[key] as JsonObject;
            if (target is null)
            {
                target = new JsonObject();
                Root[key] = target;
            }
            foreach (var (entry, entryValue) in fromState)
            {
                target[entry] = entryValue?.DeepClone();
            }
        }
        StateDocument = rest;
    }

    /// <summary>
    /// Splits the in-memory document into the store file and the state file (era B). Without
    /// <paramref name="includeState"/> the state document is not built (null: the caller writes only the store file).
    /// </summary>
    internal (JsonObject Profiles, JsonObject? State) SplitForWrite(bool includeState = true)
    {
        if (StateDocument is null)
        {
            return (Root, null);
        }
        var profiles = new JsonObject();
        foreach (var (key, value) in Root)
        {
            if (Array.IndexOf(StateKeys, key) < 0)
            {
                profiles[key] = value?.DeepClone();
            }
        }
        if (!includeState)
        {
            return (profiles, null);
        }
        var state = new JsonObject { ["version"] = StateDocument["version"]?.DeepClone() ?? Version };
        foreach (var (key, value) in StateDocument)
        {
            if (key != "version")
            {
                state[key] = value?.DeepClone();
            }
        }
        var empty = true;
        foreach (var key in StateKeys)
        {
            if (Root[key] is JsonObject obj && obj.Count > 0)
            {
                state[key] = obj.DeepClone();
                empty = false;
            }
        }
        // OpenClaw deletes auth-state.json when all three are empty; keep it when it holds keys of its own.
        return (profiles, empty && state.Count == 1 ? null : state);
    }

    public static AuthProfileStore CreateEmpty() => new(new JsonObject
    {
        ["version"] = Version,
        ["profiles"] = new JsonObject(),
    });

    /// <summary>
    /// Parses the text of a store. Throws <see cref="MoltbotException"/> (InvalidData, <see cref="ErrorIds.StoreUnreadable"/>)
    /// when it is not a JSON object whose <c>profiles</c>, <c>order</c>, <c>lastGood</c> and <c>usageStats</c> are
    /// objects. The message names the file and the problem, never the content.
    /// </summary>
    public static AuthProfileStore Parse(string text, string path)
    {
        JsonNode? node;
        try
        {
            node = JsonFile.ParseStrict(text);
        }
        catch (JsonException ex)
        {
            throw Unreadable(path, $"it is not valid JSON ({DescribePosition(ex)})", ex);
        }
        if (node is not JsonObject root)
        {
            throw Unreadable(path, "its top level is not a JSON object");
        }
        foreach (var key in new[] { "profiles", "order", "lastGood", "usageStats" })
        {
            if (root.ContainsKey(key) && root[key] is not JsonObject)
            {
                throw Unreadable(path, $"its \"{key}\" is not a JSON object");
            }
        }
        return new AuthProfileStore(root);
    }

    /// <summary>A document built from an object already parsed (for example from a legacy file).</summary>
    internal static AuthProfileStore FromRoot(JsonObject root) => new(root);

    /// <summary>Whether the document has a <c>profiles</c> object (without it OpenClaw treats the file as legacy).</summary>
    public bool HasProfilesObject => Root["profiles"] is JsonObject;

    private JsonObject ProfilesNode => GetOrCreateObject("profiles");

    public IEnumerable<StoredProfile> Profiles
    {
        get
        {
            if (Root["profiles"] is not JsonObject profiles)
            {
                yield break;
            }
            foreach (var (id, node) in profiles)
            {
                if (node is JsonObject obj)
                {
                    yield return new StoredProfile(id, obj);
                }
            }
        }
    }

    public int Count => Profiles.Count();

    public StoredProfile? Get(string profileId) =>
        Root["profiles"] is JsonObject p && p[profileId] is JsonObject obj ? new StoredProfile(profileId, obj) : null;

    public bool Contains(string profileId) => Get(profileId) is not null;

    /// <summary>Puts a credential under <paramref name="profileId"/>, replacing what was there (as OpenClaw's upsert does).</summary>
    /// <remarks>Putting what is there already (equal JSON) changes nothing: the store is then not written.</remarks>
    public void Set(string profileId, JsonObject credential)
    {
        var profiles = ProfilesNode;
        if (!(profiles[profileId] is JsonObject existing && JsonNode.DeepEquals(existing, credential)))
        {
            if (credential.Parent is not null)
            {
                credential = (JsonObject)credential.DeepClone();
            }
            profiles[profileId] = credential;
            _profilesChanged = true;
        }
        if (Root["version"] is null)
        {
            Root["version"] = Version;
            _profilesChanged = true;
        }
    }

    /// <summary>
    /// Removes a profile and every reference to it in this store: order lists (a list left empty is removed),
    /// lastGood entries and its usage stats.
    /// </summary>
    public bool Remove(string profileId)
    {
        if (Root["profiles"] is not JsonObject profiles || !profiles.Remove(profileId))
        {
            return false;
        }
        _profilesChanged = true;
        RemoveReferences(profileId);
        return true;
    }

    /// <summary>
    /// Where this store names a profile, one entry per place (<c>profiles</c>, <c>order.&lt;provider&gt;</c>,
    /// <c>lastGood.&lt;provider&gt;</c>, <c>usageStats</c>): what <see cref="Remove"/> takes away.
    /// </summary>
    public IReadOnlyList<string> References(string profileId)
    {
        var places = new List<string>();
        if (Root["profiles"] is JsonObject profiles && profiles.ContainsKey(profileId))
        {
            places.Add("profiles");
        }
        if (Root["order"] is JsonObject order)
        {
            places.AddRange(order.Where(kv => kv.Value is JsonArray list && list.Any(n => IsString(n, profileId))).Select(kv => "order." + kv.Key));
        }
        if (Root["lastGood"] is JsonObject lastGood)
        {
            places.AddRange(lastGood.Where(kv => IsString(kv.Value, profileId)).Select(kv => "lastGood." + kv.Key));
        }
        if (Root["usageStats"] is JsonObject usage && usage.ContainsKey(profileId))
        {
            places.Add("usageStats");
        }
        return places;
    }

    /// <summary>
    /// Removes every mention of a profile id outside <c>profiles</c>: order lists (a list left empty is removed),
    /// lastGood entries and usage stats. Returns true when something went.
    /// </summary>
    public bool RemoveReferences(string profileId)
    {
        var changed = false;
        if (Root["order"] is JsonObject order)
        {
            foreach (var provider in order.Select(kv => kv.Key).ToList())
            {
                if (order[provider] is JsonArray list)
                {
                    var kept = list.Where(n => !IsString(n, profileId)).Select(n => n?.DeepClone()).ToArray();
                    if (kept.Length == 0)
                    {
                        order.Remove(provider);
                        changed = true;
                    }
                    else if (kept.Length != list.Count)
                    {
                        order[provider] = new JsonArray(kept);
                        changed = true;
                    }
                }
            }
        }
        if (Root["lastGood"] is JsonObject lastGood)
        {
            foreach (var provider in lastGood.Where(kv => IsString(kv.Value, profileId)).Select(kv => kv.Key).ToList())
            {
                lastGood.Remove(provider);
                changed = true;
            }
        }
        if (Root["usageStats"] is JsonObject usage && usage.Remove(profileId))
        {
            changed = true;
        }
        _stateChanged |= changed;
        return changed;
    }

    /// <summary>The per-agent order of a provider, or null when the store has none.</summary>
    public IReadOnlyList<string>? GetOrder(string provider)
    {
        if (Root["order"] is JsonObject order)
        {
            foreach (var (key, value) in order)
            {
                if (string.Equals(key, provider, StringComparison.OrdinalIgnoreCase) && value is JsonArray list)
                {
                    return list.Select(AsString).Where(s => s is not null).Select(s => s!).ToList();
                }
            }
        }
        return null;
    }

    /// <summary>Every provider that has a per-agent order, with its list.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Orders
    {
        get
        {
            var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
            if (Root["order"] is JsonObject order)
            {
                foreach (var (key, value) in order)
                {
                    if (value is JsonArray list)
                    {
                        result[key] = list.Select(AsString).Where(s => s is not null).Select(s => s!).ToList();
                    }
                }
            }
            return result;
        }
    }

    /// <summary>
    /// Sets the per-agent order of a provider. Ids are trimmed and de-duplicated; an empty list removes the key
    /// (and an <c>order</c> object left empty), as <c>openclaw models auth order set/clear</c> does.
    /// </summary>
    public void SetOrder(string provider, IEnumerable<string>? profileIds)
    {
        var ids = NormalizeIdList(profileIds);
        var before = Root["order"]?.DeepClone(); // a few short lists: what tells a real change from setting the same order
        SetOrderCore(provider, ids);
        if (!JsonNode.DeepEquals(before, Root["order"]))
        {
            _stateChanged = true;
        }
    }

    private void SetOrderCore(string provider, List<string> ids)
    {
        var order = Root["order"] as JsonObject;
        if (order is not null)
        {
            foreach (var existing in order.Where(kv => string.Equals(kv.Key, provider, StringComparison.OrdinalIgnoreCase)).Select(kv => kv.Key).ToList())
            {
                if (ids.Count > 0 && existing == provider)
                {
                    continue;
                }
                order.Remove(existing);
            }
        }
        if (ids.Count == 0)
        {
            if (order is not null && order.Count == 0)
            {
                Root.Remove("order");
            }
            return;
        }
        order ??= GetOrCreateObject("order");
        order[provider] = new JsonArray(ids.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray());
    }

    public string? GetLastGood(string provider) =>
        Root["lastGood"] is JsonObject lg ? AsString(lg[provider]) : null;

    /// <summary>A profile's usage stats, if any.</summary>
    public UsageStats? GetUsage(string profileId) =>
        Root["usageStats"] is JsonObject usage && usage[profileId] is JsonObject stats ? new UsageStats(stats) : null;

    public string Serialize() => JsonFile.Serialize(Root) + (StateDocument is null ? string.Empty : JsonFile.Serialize(StateDocument));

    public AuthProfileStore Clone() => new((JsonObject)Root.DeepClone())
    {
        _profilesChanged = _profilesChanged,
        _stateChanged = _stateChanged,
        _profilesFileHasStateKeys = _profilesFileHasStateKeys,
        StateDocument = (JsonObject?)StateDocument?.DeepClone(),
        _sources = _sources is null ? null : new Dictionary<string, StoreSource>(_sources, StringComparer.Ordinal),
        _defaultSource = _defaultSource,
        _warnings = _warnings is null ? null : new List<string>(_warnings),
    };

    internal static List<string> NormalizeIdList(IEnumerable<string>? ids)
    {
        var result = new List<string>();
        if (ids is null)
        {
            return result;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in ids)
        {
            var id = raw?.Trim();
            if (!string.IsNullOrEmpty(id) && seen.Add(id))
            {
                result.Add(id);
            }
        }
        return result;
    }

    private JsonObject GetOrCreateObject(string key)
    {
        if (Root[key] is JsonObject existing)
        {
            return existing;
        }
        var created = new JsonObject();
        Root[key] = created;
        MarkChanged(key);
        return created;
    }

    private static string? AsString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool IsString(JsonNode? node, string value) => AsString(node) == value;

    private static string DescribePosition(JsonException ex) =>
        ex.LineNumber is { } line ? $"line {line + 1}, byte {ex.BytePositionInLine.GetValueOrDefault() + 1}" : "unexpected content";

    internal static MoltbotException Unreadable(string path, string why, Exception? inner = null) =>
        new(ErrorIds.StoreUnreadable, MoltbotErrorKind.InvalidData,
            $"The credential store {path} cannot be read: {why}. It was left untouched.", path, inner)
        {
            RecommendedAction = "Repair the file by hand or restore it from a backup; Moltbot never overwrites a store it cannot read.",
        };
}

/// <summary>Usage stats of one profile (all optional, ms since the epoch).</summary>
public sealed class UsageStats
{
    private readonly JsonObject _node;

    internal UsageStats(JsonObject node) => _node = node;

    public long? LastUsed => Number("lastUsed");
    public long? CooldownUntil => Number("cooldownUntil");
    public long? DisabledUntil => Number("disabledUntil");
    public string? DisabledReason => _node["disabledReason"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
    public long? ErrorCount => Number("errorCount");

    /// <summary>The range of <see cref="DateTimeOffset"/> in ms since the epoch: a time beyond it means "for ever".</summary>
    private const long MinMs = -62135596800000, MaxMs = 253402300799999;

    private long? Number(string name)
    {
        if (_node[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            if (v.TryGetValue<long>(out var l))
            {
                return Math.Clamp(l, MinMs, MaxMs);
            }
            if (v.TryGetValue<double>(out var d) && double.IsFinite(d))
            {
                return (long)Math.Clamp(d, MinMs, MaxMs);
            }
        }
        return null;
    }
}
