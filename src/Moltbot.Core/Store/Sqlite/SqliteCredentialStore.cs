using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.Data.Sqlite;
using Moltbot.Core.Json;
using Moltbot.Core.Locking;
using Moltbot.Core.State;

namespace Moltbot.Core.Store.Sqlite;

/// <summary>What the SQLite backend asks of its surroundings.</summary>
public sealed class SqliteStoreHooks
{
    /// <summary>
    /// Asked when an agent's <c>openclaw-agent.sqlite</c> is missing and a write needs it: create it (through the
    /// installed openclaw CLI) and return true, or return false. Null: never created, a typed error says how.
    /// </summary>
    public Func<string, string, CancellationToken, bool>? EnsureAgentDatabase { get; init; }

    /// <summary>Told after each committed write, with the agent id (for example to refresh a running gateway).</summary>
    public Action<string>? Written { get; init; }

    /// <summary>The OAuth profile lock (OpenClaw: stale after 180 s, 120 s observation deadline).</summary>
    public FileLockOptions OAuthLockOptions { get; init; } = new() { Timeout = TimeSpan.FromSeconds(120), StaleAfter = TimeSpan.FromSeconds(180) };
}

/// <summary>
/// An agent's credentials in the SQLite eras (OpenClaw 2026.6.5 – 2026.9.6, openclaw-sqlite.md): the agent's own
/// <c>openclaw-agent.sqlite</c> over the shared store (the main agent's DB, or the <c>config_machine_state</c> rows of
/// <c>state/openclaw.sqlite</c> when <c>auth.sharedStore</c> says <c>state-db</c>, where other agents inherit only
/// portable api_key/token profiles). Reads take one transaction per database; an update runs the change on a view read
/// inside <c>BEGIN IMMEDIATE</c>, routes what it changed to the layer that owns it, and upserts only those cells.
/// OAuth mutations hold the cross-agent OAuth profile lock; a pending 9.6 refresh fence is never overwritten.
/// </summary>
public sealed class SqliteCredentialStore : ICredentialStore
{
    private const string MainAgentId = Moltbot.Core.State.AgentId.Default;
    private readonly string _agentDir;
    private readonly string _stateDir;
    private readonly StoreLayout _layout;
    private readonly LegacySources? _legacy;
    private readonly SqliteStoreHooks _hooks;
    private readonly Layer[] _layers;
    private readonly Layer _profileTarget;
    private readonly Layer _stateTarget;

    public SqliteCredentialStore(string agentId, string agentDir, string stateDir, StoreLayout layout, LegacySources? legacy, SqliteStoreHooks? hooks = null)
    {
        AgentId = agentId;
        _agentDir = agentDir;
        _stateDir = stateDir;
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        _legacy = legacy;
        _hooks = hooks ?? new SqliteStoreHooks();
        var ownDb = StoreLayout.AgentDbPath(agentDir);
        var isMain = string.Equals(agentId, MainAgentId, StringComparison.Ordinal);
        if (layout.SharedOwner == SharedStoreOwner.StateDb)
        {
            var shared = new Layer(StoreSource.SharedStateDb, layout.SharedStorePath!, SqliteCell.SharedStore, SqliteCell.SharedState, Inherited: !isMain, PortableOnly: !isMain, IsOwn: false);
            var own = new Layer(StoreSource.AgentDb, ownDb, SqliteCell.AgentStore, SqliteCell.AgentState, Inherited: false, PortableOnly: false, IsOwn: true);
            _layers = new[] { shared, own };
            // The main agent owns the shared store: its new profiles go there (as `paste-token` without --agent does);
            // its order goes to its own DB, as `order set --agent main` of 2026.8.2/9.6 writes it (creating that DB).
            _profileTarget = isMain ? shared : own;
            _stateTarget = own;
        }
        else if (isMain || string.Equals(Path.GetFullPath(ownDb), Path.GetFullPath(layout.MainAgentDbPath), StringComparison.Ordinal))
        {
            var own = new Layer(StoreSource.AgentDb, ownDb, SqliteCell.AgentStore, SqliteCell.AgentState, Inherited: false, PortableOnly: false, IsOwn: true);
            _layers = new[] { own };
            _profileTarget = _stateTarget = own;
        }
        else
        {
            var shared = new Layer(StoreSource.SharedAgentDb, layout.MainAgentDbPath, SqliteCell.AgentStore, SqliteCell.AgentState, Inherited: true, PortableOnly: false, IsOwn: false);
            var own = new Layer(StoreSource.AgentDb, ownDb, SqliteCell.AgentStore, SqliteCell.AgentState, Inherited: false, PortableOnly: false, IsOwn: true);
            _layers = new[] { shared, own };
            _profileTarget = _stateTarget = own;
        }
    }

    /// <summary>One place a part of the agent's view comes from.</summary>
    /// <param name="Inherited">The agent reads this layer but does not own it (the shared store of a non-main agent).</param>
    /// <param name="PortableOnly">Only api_key/token profiles are inherited from it (state-db ownership, 2026.8+).</param>
    private sealed record Layer(string Kind, string DbPath, SqliteCell StoreCell, SqliteCell StateCell, bool Inherited, bool PortableOnly, bool IsOwn)
    {
        public StoreSource Source => new(Kind, DbPath, Inherited);
    }

    /// <summary>The parsed cells of one layer.</summary>
    private sealed class LayerDoc
    {
        public LayerDoc(Layer layer, JsonObject store, JsonObject state, bool storeRow)
        {
            Layer = layer;
            Store = store;
            State = state;
            StoreRow = storeRow;
        }

        public Layer Layer { get; }
        public JsonObject Store { get; }
        public JsonObject State { get; }
        public bool StoreRow { get; }
        public bool StoreDirty { get; set; }
        public bool StateDirty { get; set; }
        public JsonObject Profiles => Store["profiles"] as JsonObject ?? (JsonObject)(Store["profiles"] = new JsonObject());
    }

    public StoreKind Kind => StoreKind.Sqlite;

    public string AgentId { get; }

    public StoreEra Era => _layout.Era;

    public string Location => _profileTarget.DbPath;

    public bool Exists => File.Exists(StoreLayout.AgentDbPath(_agentDir)) || (_profileTarget.Kind == StoreSource.SharedStateDb && File.Exists(_profileTarget.DbPath));

    public bool HoldsLockAcrossNetwork => false;

    public LegacyImportResult? LastLegacyImport => null;

    /// <summary>
    /// 2026.6.10+ name the lock <c>lock-...</c>; 6.5 – 6.9 <c>sha256-...</c>. Their databases look the same, so in era C
    /// both are taken; from 2026.8 only <c>lock-...</c>.
    /// </summary>
    public IReadOnlyList<string> OAuthLockTargets(string provider, string profileId) =>
        _layout.Era == StoreEra.SqliteC
            ? new[] { OAuthProfileLock.HashedTarget(_stateDir, provider, profileId), OAuthProfileLock.Sha256Target(_stateDir, provider, profileId) }
            : new[] { OAuthProfileLock.HashedTarget(_stateDir, provider, profileId) };

    /// <summary>
    /// Each layer as last read, per database and cell, with the file identity it was read at (size and mtime of the db,
    /// <c>-wal</c> and <c>-journal</c>): a listing of a hundred agents reads the shared store once, a repeated listing
    /// opens no database whose files did not change, and any commit (it grows or touches the <c>-wal</c>, or the db)
    /// makes the next read go to the file again, as OpenClaw 2026.9.6's own rows cache does. Reads only; updates always
    /// re-read inside their transaction.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Identity, LayerDoc Doc)> LayerReads = new(StringComparer.Ordinal);

    /// <summary>
    /// The identity of a database's files, or null while any of them changed within the last 2 s: a file system with a
    /// coarse mtime could otherwise hide a second commit of the same size in the same tick (git's "racy" rule).
    /// </summary>
    private static string? FileIdentity(string dbPath)
    {
        var recent = DateTime.UtcNow - TimeSpan.FromSeconds(2);
        var racy = false;
        string Of(string path)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return "-";
            }
            racy |= info.LastWriteTimeUtc > recent;
            return info.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "@" + info.LastWriteTimeUtc.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var identity = Of(dbPath) + "|" + Of(dbPath + "-wal") + "|" + Of(dbPath + "-journal");
        return racy ? null : identity;
    }

    public AuthProfileStore? Load()
    {
        var docs = new List<LayerDoc>();
        foreach (var group in _layers.GroupBy(l => l.DbPath))
        {
            if (!File.Exists(group.Key))
            {
                continue;
            }
            var layers = group.ToList();
            string? identity = null;
            if (layers.Count == 1)
            {
                identity = FileIdentity(group.Key);
                if (identity is not null && LayerReads.TryGetValue(group.Key + "#" + layers[0].StoreCell.Key, out var cached) && cached.Identity == identity)
                {
                    docs.Add(new LayerDoc(layers[0], (JsonObject)cached.Doc.Store.DeepClone(), (JsonObject)cached.Doc.State.DeepClone(), cached.Doc.StoreRow));
                    continue;
                }
            }
            using var connection = SqliteCells.Open(group.Key, write: false);
            try
            {
                using var transaction = connection.BeginTransaction(deferred: true);
                foreach (var layer in layers)
                {
                    var doc = ReadLayer(connection, transaction, layer);
                    docs.Add(doc);
                    if (identity is not null)
                    {
                        LayerReads[group.Key + "#" + layer.StoreCell.Key] = (identity, new LayerDoc(layer, (JsonObject)doc.Store.DeepClone(), (JsonObject)doc.State.DeepClone(), doc.StoreRow));
                    }
                }
                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                throw SqliteCells.Failure(group.Key, ex, write: false);
            }
        }
        if (docs.Count == 0)
        {
            return null;
        }
        var (view, _) = BuildView(docs);
        foreach (var warning in LegacyWarnings(docs))
        {
            view.AddWarning(warning);
        }
        return view;
    }

    public object? Apply(Func<AuthProfileStore, object?> change, StoreUpdateOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        EnsureDatabase(_profileTarget, cancellationToken);
        var writeSet = new SortedSet<string>(StringComparer.Ordinal) { _profileTarget.DbPath };
        var lockTargets = new SortedSet<string>(StringComparer.Ordinal);
        IDisposable? oauthLocks = null;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var step = SqliteCells.WithBusyRetry(_profileTarget.DbPath, () => TryApply(change, writeSet, lockTargets), cancellationToken);
                if (step.Done)
                {
                    if (step.Wrote)
                    {
                        _hooks.Written?.Invoke(AgentId);
                    }
                    return step.Result!;
                }
                if (attempt >= 4)
                {
                    throw new MoltbotException(ErrorIds.LockTimeout, MoltbotErrorKind.ResourceBusy,
                        $"The credentials of agent '{AgentId}' kept changing while Moltbot tried to update them; nothing was written.", _profileTarget.DbPath);
                }
                foreach (var layer in step.MissingDatabases)
                {
                    EnsureDatabase(layer, cancellationToken); // outside any transaction; the next attempt reads it
                    writeSet.Add(layer.DbPath);
                }
                foreach (var db in step.MoreDatabases)
                {
                    writeSet.Add(db);
                }
                if (step.MoreLocks.Count > 0)
                {
                    // Locks are taken before any transaction (never while holding SQLite's write lock), all in one order.
                    oauthLocks?.Dispose();
                    lockTargets.UnionWith(step.MoreLocks);
                    oauthLocks = OAuthProfileLock.AcquireAll(lockTargets, _hooks.OAuthLockOptions, cancellationToken);
                }
            }
        }
        finally
        {
            oauthLocks?.Dispose();
        }
    }

    private sealed class Step<T>
    {
        public bool Done { get; init; }
        public bool Wrote { get; init; }
        public T? Result { get; init; }
        public List<string> MoreDatabases { get; } = new();
        public List<string> MoreLocks { get; } = new();
        public List<Layer> MissingDatabases { get; } = new();
    }

    private Step<T> TryApply<T>(Func<AuthProfileStore, T> change, SortedSet<string> writeSet, SortedSet<string> heldLocks)
    {
        var connections = new List<(string Path, SqliteConnection Connection, SqliteTransaction Transaction)>();
        try
        {
            // Writers first, in path order, with BEGIN IMMEDIATE (the mode OpenClaw uses); the other layers are read in a
            // deferred transaction of their own (one snapshot each).
            var paths = _layers.Select(l => l.DbPath).Distinct(StringComparer.Ordinal).Where(File.Exists)
                .OrderBy(p => writeSet.Contains(p) ? 0 : 1).ThenBy(p => p, StringComparer.Ordinal).ToList();
            foreach (var path in paths)
            {
                var write = writeSet.Contains(path);
                var connection = SqliteCells.Open(path, write);
                SqliteTransaction transaction;
                try
                {
                    transaction = connection.BeginTransaction(deferred: !write);
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
                connections.Add((path, connection, transaction));
            }
            var docs = new List<LayerDoc>();
            foreach (var layer in _layers)
            {
                var open = connections.FirstOrDefault(c => c.Path == layer.DbPath);
                if (open.Connection is not null)
                {
                    docs.Add(ReadLayer(open.Connection, open.Transaction, layer));
                }
            }
            var (view, sources) = BuildView(docs);
            var before = view.Clone();
            var result = change(view);

            // The change flag (issue 16): a change that wrote nothing is done without comparing every profile.
            var step = new Step<T>();
            if (!view.Changed && !AuthStoreFile.VerifyChangeTracking)
            {
                return new Step<T> { Done = true, Result = result };
            }
            var touched = Route(before, view, sources, docs, step, writeSet, heldLocks);
            if (!view.Changed && (touched.Count > 0 || step.MoreDatabases.Count > 0 || step.MoreLocks.Count > 0 || step.MissingDatabases.Count > 0))
            {
                throw new InvalidOperationException($"A change to the SQLite store of agent '{AgentId}' was made without the store's change flag.");
            }
            if (step.MoreDatabases.Count > 0 || step.MoreLocks.Count > 0 || step.MissingDatabases.Count > 0)
            {
                return step; // the transactions roll back on dispose: nothing was written
            }
            if (touched.Count == 0)
            {
                return new Step<T> { Done = true, Result = result };
            }
            foreach (var doc in touched)
            {
                var open = connections.First(c => c.Path == doc.Layer.DbPath);
                // A state row without a store row is not read as the agent's store by OpenClaw 2026.8+ (it falls back to
                // the shared store): write the (empty) store row too, as `order set --agent` does.
                if (doc.StoreDirty || (doc.StateDirty && !doc.StoreRow))
                {
                    SqliteCells.Write(open.Connection, open.Transaction, doc.Layer.StoreCell, JsonFile.SerializeCompact(doc.Store));
                }
                if (doc.StateDirty)
                {
                    SqliteCells.Write(open.Connection, open.Transaction, doc.Layer.StateCell, JsonFile.SerializeCompact(doc.State));
                }
            }
            foreach (var (_, _, transaction) in connections)
            {
                transaction.Commit();
            }
            return new Step<T> { Done = true, Wrote = true, Result = result };
        }
        finally
        {
            foreach (var (_, connection, transaction) in connections)
            {
                transaction.Dispose();
                connection.Dispose();
            }
        }
    }

    private LayerDoc ReadLayer(SqliteConnection connection, SqliteTransaction transaction, Layer layer)
    {
        if (layer.IsOwn && layer.Kind == StoreSource.AgentDb)
        {
            CheckAgentSchema(connection, transaction, layer.DbPath);
        }
        var storeText = SqliteCells.Read(connection, transaction, layer.StoreCell);
        var stateText = SqliteCells.Read(connection, transaction, layer.StateCell);
        var store = storeText is null ? AuthProfileStore.CreateEmpty().Root : ParseCell(storeText, layer, layer.StoreCell);
        var state = stateText is null ? new JsonObject { ["version"] = AuthProfileStore.Version } : ParseCell(stateText, layer, layer.StateCell);
        if (store["profiles"] is null)
        {
            store["profiles"] = new JsonObject();
        }
        return new LayerDoc(layer, store, state, storeRow: storeText is not null);
    }

    /// <summary>
    /// The agent DB's schema version against the era of the state dir (detected without opening every agent DB): 1 in
    /// era C; 19 – 23 in era D (1 too: an upgraded dir whose agent DBs doctor has not migrated yet).
    /// </summary>
    private void CheckAgentSchema(SqliteConnection connection, SqliteTransaction transaction, string path)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > StoreLayout.NewestAgentUserVersion)
        {
            throw new MoltbotException(ErrorIds.SchemaTooNew, MoltbotErrorKind.InvalidData,
                $"The OpenClaw database {path} has schema version {version}; this Moltbot knows agent databases up to version {StoreLayout.NewestAgentUserVersion} (OpenClaw {StoreLayout.NewestKnownOpenClaw}). It was left untouched.", path)
            {
                RecommendedAction = "Update Moltbot.",
            };
        }
        var fits = _layout.Era == StoreEra.SqliteC ? version == 1 : version == 1 || version >= 19;
        if (!fits)
        {
            throw new MoltbotException(ErrorIds.StoreLayoutInconsistent, MoltbotErrorKind.InvalidData,
                $"The OpenClaw database {path} has schema version {version}, which does not belong to this state dir's era ({_layout.Era}). It was left untouched.", path)
            {
                RecommendedAction = "Run 'openclaw doctor' with the OpenClaw version that uses this state dir.",
            };
        }
    }

    private static JsonObject ParseCell(string text, Layer layer, SqliteCell cell) =>
        AuthProfileStore.Parse(text, $"{layer.DbPath} ({cell.Table} '{cell.Key}')").Root;

    /// <summary>The effective view: the layers merged bottom up (the agent's own entries win), and where each profile came from.</summary>
    private static (AuthProfileStore View, Dictionary<string, LayerDoc> Sources) BuildView(IReadOnlyList<LayerDoc> docs)
    {
        var root = new JsonObject { ["version"] = AuthProfileStore.Version, ["profiles"] = new JsonObject() };
        var profiles = (JsonObject)root["profiles"]!;
        var sources = new Dictionary<string, LayerDoc>(StringComparer.Ordinal);
        foreach (var doc in docs)
        {
            foreach (var (id, node) in doc.Profiles)
            {
                if (node is not JsonObject credential || (doc.Layer.PortableOnly && !IsPortable(credential)))
                {
                    continue;
                }
                profiles[id] = credential.DeepClone();
                sources[id] = doc;
            }
            foreach (var key in AuthProfileStore.StateKeys)
            {
                if (doc.State[key] is JsonObject map && (!doc.Layer.PortableOnly || key == "order"))
                {
                    var target = root[key] as JsonObject ?? (JsonObject)(root[key] = new JsonObject());
                    foreach (var (entry, value) in map)
                    {
                        target[entry] = value?.DeepClone();
                    }
                }
            }
        }
        var view = AuthProfileStore.FromRoot(root);
        foreach (var (id, doc) in sources)
        {
            view.SetSource(id, doc.Layer.Source);
        }
        return (view, sources);
    }

    /// <summary>A shared profile another agent may inherit under state-db ownership: api_key/token, unless <c>copyToAgents</c> is false.</summary>
    private static bool IsPortable(JsonObject credential)
    {
        var type = TypeOf(credential);
        var copy = credential["copyToAgents"];
        var refused = copy is JsonValue v && v.GetValueKind() == JsonValueKind.False;
        return (type == CredentialType.ApiKey || type == CredentialType.Token) && !refused;
    }

    /// <summary>
    /// Compares the view before and after the change and applies each difference to the layer that owns it; returns the
    /// layers changed. Asks for more write databases or OAuth locks (in <paramref name="step"/>) when the change needs
    /// them, before anything is applied.
    /// </summary>
    private List<LayerDoc> Route<T>(AuthProfileStore before, AuthProfileStore after, Dictionary<string, LayerDoc> sources, List<LayerDoc> docs, Step<T> step, SortedSet<string> writeSet, SortedSet<string> heldLocks)
    {
        var actions = new List<Action>();
        var touched = new HashSet<LayerDoc>();
        LayerDoc? DocOf(Layer layer)
        {
            var doc = docs.FirstOrDefault(d => d.Layer == layer);
            if (doc is null && !step.MissingDatabases.Contains(layer))
            {
                // The layer's database is missing (the main agent's own DB under state-db ownership before its first
                // order): the update has the CLI create it and runs again.
                step.MissingDatabases.Add(layer);
            }
            return doc;
        }
        void Need(LayerDoc doc)
        {
            if (!writeSet.Contains(doc.Layer.DbPath) && !step.MoreDatabases.Contains(doc.Layer.DbPath))
            {
                step.MoreDatabases.Add(doc.Layer.DbPath);
            }
            touched.Add(doc);
        }

        var beforeProfiles = (JsonObject)before.Root["profiles"]!;
        var afterProfiles = after.Root["profiles"] as JsonObject ?? new JsonObject();
        var ids = beforeProfiles.Select(kv => kv.Key).Union(afterProfiles.Select(kv => kv.Key), StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            var b = beforeProfiles[id] as JsonObject;
            var a = afterProfiles[id] as JsonObject;
            if (b is not null && a is not null && JsonNode.DeepEquals(a, b))
            {
                continue;
            }
            var oauth = IsOAuth(a) || IsOAuth(b);
            if (b is not null && RefreshFence.Of(new StoredProfile(id, b)) == RefreshFenceState.Pending)
            {
                throw new MoltbotException(ErrorIds.RefreshInProgress, MoltbotErrorKind.ResourceBusy,
                    $"Profile '{id}' of agent '{AgentId}' is being refreshed by OpenClaw right now (a pending refresh fence); it was not changed.", id)
                {
                    RecommendedAction = "Try again in a moment, once the refresh has finished.",
                };
            }
            if (oauth)
            {
                var provider = ProviderOf(a) ?? ProviderOf(b) ?? string.Empty;
                foreach (var target in OAuthLockTargets(provider, id))
                {
                    if (!heldLocks.Contains(target) && !OAuthProfileLock.IsHeld(target) && !step.MoreLocks.Contains(target))
                    {
                        step.MoreLocks.Add(target);
                    }
                }
            }
            if (a is not null)
            {
                LayerDoc target;
                if (b is not null && sources.TryGetValue(id, out var from) && (!from.Layer.Inherited || oauth))
                {
                    target = from; // kept where it lives; an inherited OAuth credential is refreshed in its owner's store
                }
                else if (DocOf(_profileTarget) is { } profileTarget)
                {
                    target = profileTarget;
                }
                else
                {
                    continue;
                }
                Need(target);
                var value = (JsonObject)a.DeepClone();
                actions.Add(() =>
                {
                    target.Profiles[id] = value;
                    target.StoreDirty = true;
                });
                continue;
            }
            var holders = docs.Where(d => d.Profiles[id] is JsonObject && !(d.Layer.PortableOnly && !IsPortable((JsonObject)d.Profiles[id]!))).ToList();
            var owned = holders.Where(d => !d.Layer.Inherited).ToList();
            if (owned.Count == 0 && holders.Count > 0)
            {
                throw new MoltbotException(ErrorIds.ProfileInherited, MoltbotErrorKind.InvalidArgument,
                    $"Agent '{AgentId}' inherits profile '{id}' from the shared store ({holders[0].Layer.DbPath}); it can only be removed there.", id)
                {
                    RecommendedAction = $"Remove it from the main agent (-Agent {MainAgentId}); every agent that inherits it loses it.",
                };
            }
            foreach (var holder in owned)
            {
                Need(holder);
                actions.Add(() =>
                {
                    holder.Profiles.Remove(id);
                    holder.StoreDirty = true;
                });
            }
        }

        foreach (var key in AuthProfileStore.StateKeys)
        {
            var bm = before.Root[key] as JsonObject ?? new JsonObject();
            var am = after.Root[key] as JsonObject ?? new JsonObject();
            var entries = bm.Select(kv => kv.Key).Union(am.Select(kv => kv.Key), StringComparer.Ordinal).ToList();
            foreach (var entry in entries)
            {
                var b = bm[entry];
                var a = am[entry];
                if (bm.ContainsKey(entry) == am.ContainsKey(entry) && JsonNode.DeepEquals(a, b))
                {
                    continue;
                }
                if (am.ContainsKey(entry))
                {
                    var target = docs.FirstOrDefault(d => !d.Layer.Inherited && d.State[key] is JsonObject m && m.ContainsKey(entry) && d.Layer == _stateTarget)
                                 ?? docs.FirstOrDefault(d => !d.Layer.Inherited && d.State[key] is JsonObject m && m.ContainsKey(entry))
                                 ?? DocOf(_stateTarget);
                    if (target is null)
                    {
                        continue;
                    }
                    Need(target);
                    var value = a?.DeepClone();
                    actions.Add(() =>
                    {
                        var map = target.State[key] as JsonObject ?? (JsonObject)(target.State[key] = new JsonObject());
                        map[entry] = value;
                        target.StateDirty = true;
                    });
                    continue;
                }
                foreach (var holder in docs.Where(d => !d.Layer.Inherited && d.State[key] is JsonObject m && m.ContainsKey(entry)).ToList())
                {
                    Need(holder);
                    actions.Add(() =>
                    {
                        var map = (JsonObject)holder.State[key]!;
                        map.Remove(entry);
                        if (map.Count == 0)
                        {
                            holder.State.Remove(key);
                        }
                        holder.StateDirty = true;
                    });
                }
            }
        }

        if (step.MoreDatabases.Count > 0 || step.MoreLocks.Count > 0 || step.MissingDatabases.Count > 0)
        {
            return new List<LayerDoc>();
        }
        GuardLegacy(touched); // on the cells as read, before the change lands in them
        foreach (var action in actions)
        {
            action();
        }
        return touched.ToList();
    }

    // The store model's own reading of a credential (type with OpenClaw's `mode` fallback, provider lowercased).
    private static CredentialType TypeOf(JsonObject credential) => new StoredProfile(string.Empty, credential).Type;

    private static bool IsOAuth(JsonObject? credential) => credential is not null && TypeOf(credential) == CredentialType.OAuth;

    private static string? ProviderOf(JsonObject? credential) => credential is null ? null : new StoredProfile(string.Empty, credential).Provider;

    /// <summary>
    /// Legacy credential files OpenClaw 2026.8+ would block on: in the dir of a store whose cell has no profiles, at
    /// least one of <c>auth-profiles.json</c>, <c>auth.json</c> (and for the shared main store <c>credentials/oauth.json</c>).
    /// </summary>
    private List<string> LegacyBlockers(LayerDoc doc)
    {
        var found = new List<string>();
        if (doc.Profiles.Count > 0 || _layout.Era is not (StoreEra.SqliteD1 or StoreEra.SqliteD2))
        {
            return found;
        }
        var dir = doc.Layer.IsOwn ? _agentDir : Path.GetDirectoryName(_layout.MainAgentDbPath)!;
        foreach (var name in new[] { AuthStoreFile.FileName, "auth.json" })
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                found.Add(path);
            }
        }
        var sharedMain = !doc.Layer.IsOwn || string.Equals(AgentId, MainAgentId, StringComparison.Ordinal);
        if (sharedMain && _legacy?.OAuthJsonPath is { } oauth && File.Exists(oauth))
        {
            found.Add(oauth);
        }
        return found;
    }

    private IEnumerable<string> LegacyWarnings(List<LayerDoc> docs)
    {
        foreach (var doc in docs.Where(d => !d.Layer.Inherited))
        {
            var files = LegacyBlockers(doc);
            if (files.Count > 0)
            {
                yield return $"Agent '{AgentId}': its SQLite store ({doc.Layer.DbPath}) is empty while legacy credential files wait for migration " +
                             $"({string.Join(", ", files)}); OpenClaw 2026.8+ refuses to use this agent's providers until 'openclaw doctor --fix' imports them.";
            }
        }
    }

    private void GuardLegacy(IEnumerable<LayerDoc> touched)
    {
        foreach (var doc in touched)
        {
            var files = LegacyBlockers(doc);
            if (files.Count > 0)
            {
                throw new MoltbotException(ErrorIds.MigrationRequired, MoltbotErrorKind.InvalidData,
                    $"The SQLite store of agent '{AgentId}' ({doc.Layer.DbPath}) is empty while legacy credential files wait for migration ({string.Join(", ", files)}). " +
                    "Writing now would strand them; nothing was written.", doc.Layer.DbPath)
                {
                    RecommendedAction = "Run 'openclaw doctor --fix' to import them into SQLite, then try again.",
                };
            }
        }
    }

    private void EnsureDatabase(Layer layer, CancellationToken cancellationToken)
    {
        if (File.Exists(layer.DbPath))
        {
            return;
        }
        if (layer.IsOwn && _hooks.EnsureAgentDatabase is { } ensure && ensure(AgentId, _agentDir, cancellationToken) && File.Exists(layer.DbPath))
        {
            return;
        }
        throw MissingDatabase(layer.DbPath);
    }

    private MoltbotException MissingDatabase(string path) =>
        new(ErrorIds.AgentDatabaseMissing, MoltbotErrorKind.ObjectNotFound,
            $"Agent '{AgentId}' has no OpenClaw database yet ({path}), and Moltbot never creates one itself (OpenClaw checks its full schema).", path)
        {
            RecommendedAction = $"Let OpenClaw create it: run '{OpenClaw.OpenClawStores.CreateAgentDatabaseCommand(AgentId)}' (or put openclaw on the PATH, or point MOLTBOT_OPENCLAW_CLI at it, so that Moltbot runs it), then try again.",
        };
}
