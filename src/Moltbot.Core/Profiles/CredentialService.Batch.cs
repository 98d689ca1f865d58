using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.Config;
using Moltbot.Core.Store;

namespace Moltbot.Core.Profiles;

/// <summary>
/// The bounds of a batch of piped writes (issue 16): a batch is written when it holds <see cref="MaxItems"/> items,
/// when its oldest item has waited <see cref="MaxWaitMilliseconds"/> (checked as each item arrives), and at the end of
/// the pipe. The lock is taken only for the write itself: only in-memory changes run under it, never a prompt.
/// </summary>
public static class WriteBatchLimits
{
    /// <summary>The most items one locked write applies.</summary>
    public const int MaxItems = 256;

    /// <summary>How long the oldest queued item may wait before its batch is written.</summary>
    public const int MaxWaitMilliseconds = 200;
}

/// <summary>One credential of a batch for <see cref="CredentialService.SaveMany"/>.</summary>
public sealed record SaveRequest(string Provider, string ProfileId, CredentialType Type, JsonObject SecretFields, string? Email)
{
    /// <summary>An API key (<c>type: api_key</c>).</summary>
    public static SaveRequest ApiKey(string provider, string profileId, string key, string? email) =>
        new(provider, profileId, CredentialType.ApiKey, new JsonObject { ["key"] = key }, email);

    /// <summary>A static bearer token (<c>type: token</c>, never refreshed); <c>expires</c> only when given.</summary>
    public static SaveRequest Token(string provider, string profileId, string token, DateTimeOffset? expires)
    {
        var fields = new JsonObject { ["token"] = token };
        if (expires is { } e)
        {
            fields["expires"] = e.ToUnixTimeMilliseconds();
        }
        return new(provider, profileId, CredentialType.Token, fields, null);
    }
}

/// <summary>One order of a batch for <see cref="CredentialService.SetAgentOrders"/> (no ids: clear it).</summary>
public sealed record OrderRequest(string Provider, IReadOnlyList<string> ProfileIds);

/// <summary>What became of one item of a batch: <see cref="Error"/> is null when it was written.</summary>
public sealed record BatchOutcome<T>(T Value, MoltbotException? Error)
{
    public bool Succeeded => Error is null;
}

public sealed partial class CredentialService
{
    /// <summary>
    /// <see cref="Save"/> for many credentials of one agent: one locked update of the store (re-read once inside the lock,
    /// every item applied, written once), then one update of openclaw.json recording the <c>auth.profiles</c> entries of
    /// the items stored. An item that is refused inside the lock fails alone (its outcome carries the error); a failure
    /// of the whole write (lock timeout, unreadable store or config) throws, and then nothing of the batch is stored
    /// (or, when the config failed, the store holds them without their <c>auth.profiles</c> entries, as a single save would).
    /// </summary>
    public IReadOnlyList<BatchOutcome<SaveRequest>> SaveMany(AgentLocation agent, IReadOnlyList<SaveRequest> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(items);
        _ = _state.Config; // a config that cannot be parsed stops the batch before any file is written
        var outcomes = agent.Store.Update(store =>
        {
            // Built afresh on every run: a SQLite update may run the change again.
            var run = new List<BatchOutcome<SaveRequest>>(items.Count);
            foreach (var item in items)
            {
                try
                {
                    store.Set(item.ProfileId, Credential(store.Get(item.ProfileId), item.Provider, item.Type, item.SecretFields, item.Email));
                    run.Add(new(item, null));
                }
                catch (MoltbotException ex)
                {
                    run.Add(new(item, ex));
                }
            }
            return run;
        }, UpdateOptions, cancellationToken);
        BatchCounters.CountStoreWrite();
        var stored = outcomes.Where(o => o.Succeeded).Select(o => o.Value).ToList();
        if (RecordInConfig(stored.Select(i => new ConfigEntry(i.ProfileId, i.Provider, i.Type, i.Email)).ToList(), cancellationToken))
        {
            BatchCounters.CountConfigWrite();
        }
        return outcomes;
    }

    /// <summary>
    /// <see cref="SetAgentOrder"/> for many orders of one agent: one locked update of its store. Each order is checked
    /// (every id a profile of that provider in the store) and set inside the lock; one that fails the check fails alone.
    /// </summary>
    public IReadOnlyList<BatchOutcome<OrderRequest>> SetAgentOrders(AgentLocation agent, IReadOnlyList<OrderRequest> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(items);
        _ = _state.Config;
        var outcomes = agent.Store.Update(store =>
        {
            var run = new List<BatchOutcome<OrderRequest>>(items.Count);
            foreach (var item in items)
            {
                var ids = AuthProfileStore.NormalizeIdList(item.ProfileIds);
                try
                {
                    CheckOrder(store, agent, item.Provider, ids);
                    store.SetOrder(item.Provider, ids);
                    run.Add(new(item with { ProfileIds = ids }, null));
                }
                catch (MoltbotException ex)
                {
                    run.Add(new(item, ex));
                }
            }
            return run;
        }, UpdateOptions, cancellationToken);
        BatchCounters.CountStoreWrite();
        return outcomes;
    }

    /// <summary>
    /// <see cref="RemoveProfile"/> for many profiles of one agent: the agent's store in one locked update (every id
    /// removed with its order, lastGood and usage entries), then what each removal takes away elsewhere, decided on
    /// the stores as they are after that write: the dangling mentions in other agents' orders (one locked update per
    /// such agent for the whole batch) and the config's <c>auth.profiles</c>/<c>auth.order</c> entries of the ids no
    /// other agent holds (one config update). Each outcome's value is the removal as carried out (its references,
    /// kept ones with their reason), or null when the agent had no such profile by the time of the write.
    /// </summary>
    public IReadOnlyList<BatchOutcome<ProfileRemoval?>> RemoveMany(AgentLocation agent, IReadOnlyList<string> profileIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(profileIds);
        _ = _state.Config;
        var ownPlaces = agent.Store.Update(store =>
        {
            var run = new List<IReadOnlyList<string>?>(profileIds.Count);
            foreach (var id in profileIds)
            {
                var places = store.Get(id) is null ? null : store.References(id);
                run.Add(places is not null && store.Remove(id) ? places : null);
            }
            return run;
        }, UpdateOptions, cancellationToken);
        BatchCounters.CountStoreWrite();

        // The rest is planned on what is there now, each other store read once for the whole batch.
        _state.Refresh();
        var config = _state.Config;
        var loaded = new Dictionary<string, (AuthProfileStore? Store, MoltbotException? Error)>(StringComparer.Ordinal);
        AuthProfileStore? LoadOther(AgentLocation other)
        {
            if (!loaded.TryGetValue(other.AgentDir, out var entry))
            {
                try
                {
                    entry = (other.Store.Load(), null);
                }
                catch (MoltbotException ex)
                {
                    entry = (null, ex);
                }
                loaded[other.AgentDir] = entry;
            }
            return entry.Error is { } error ? throw error : entry.Store;
        }
        var plans = new List<ProfileRemoval?>(profileIds.Count);
        for (var i = 0; i < profileIds.Count; i++)
        {
            plans.Add(ownPlaces[i] is { } places ? Plan(agent, profileIds[i], places, config, LoadOther) : null);
        }

        var done = plans.Where(p => p is not null).Select(p => p!).ToList();
        foreach (var group in done.SelectMany(p => p.DanglingIn.Select(other => (Other: other, p.ProfileId)))
                     .GroupBy(x => x.Other.AgentDir, StringComparer.Ordinal))
        {
            var other = group.First().Other;
            var ids = group.Select(x => x.ProfileId).Distinct(StringComparer.Ordinal).ToList();
            // Decided again inside the lock: a profile stored there since the plan is a holder's, and stays named.
            other.Store.Update(store => ids.Aggregate(false, (changed, id) => (store.Contains(id) ? false : store.RemoveReferences(id)) | changed), UpdateOptions, cancellationToken);
            BatchCounters.CountStoreWrite();
        }
        var configIds = done.Where(p => p.RemovesConfigEntries).Select(p => p.ProfileId).Distinct(StringComparer.Ordinal).ToList();
        if (configIds.Count > 0)
        {
            OpenClawConfig.Update(_state.Paths.ConfigPath, c => configIds.Aggregate(false, (changed, id) => c.RemoveAuthProfile(id) | changed), changed => changed, _lockOptions, cancellationToken);
            BatchCounters.CountConfigWrite();
        }
        _state.Refresh();
        return plans.Select(p => new BatchOutcome<ProfileRemoval?>(p, null)).ToList();
    }

    /// <summary>The check of <see cref="SetAgentOrder"/>: every id a profile of <paramref name="provider"/> in the store.</summary>
    private static void CheckOrder(AuthProfileStore store, AgentLocation agent, string provider, IReadOnlyList<string> ids)
    {
        foreach (var id in ids)
        {
            var profile = store.Get(id);
            if (profile is null)
            {
                throw UnknownProfile(id, $"agent '{agent.Id}'");
            }
            if (profile.Provider != provider)
            {
                throw new MoltbotException(ErrorIds.ProviderMismatch, MoltbotErrorKind.InvalidArgument,
                    $"The profile '{id}' belongs to provider '{profile.Provider}', not '{provider}'.", id);
            }
        }
    }
}

/// <summary>
/// How many locked writes the batch operations of <see cref="CredentialService"/> made in this process: what a test
/// reads to see that a pipe of a thousand items was a handful of writes, not a thousand.
/// </summary>
public static class BatchCounters
{
    private static long _storeWrites;
    private static long _configWrites;

    /// <summary>Locked updates of agent stores made by the batch operations.</summary>
    public static long StoreWrites => Interlocked.Read(ref _storeWrites);

    /// <summary>Locked updates of openclaw.json made by the batch operations.</summary>
    public static long ConfigWrites => Interlocked.Read(ref _configWrites);

    internal static void CountStoreWrite() => Interlocked.Increment(ref _storeWrites);

    internal static void CountConfigWrite() => Interlocked.Increment(ref _configWrites);
}
