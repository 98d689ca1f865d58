using System;
using System.Collections.Generic;
using System.Threading;
using Moltbot.Core.Locking;

namespace Moltbot.Core.Store;

// The seam between every caller (cmdlets, resolver, listing, refresher) and where an agent's credentials live.
// Json/ holds the auth-profiles.json backend (OpenClaw <= 2026.6.1), Sqlite/ the openclaw-agent.sqlite one (6.5+).

/// <summary>Which kind of backend holds a store.</summary>
public enum StoreKind
{
    /// <summary><c>auth-profiles.json</c> (+ <c>auth-state.json</c>), OpenClaw up to 2026.6.1.</summary>
    JsonFile,

    /// <summary>SQLite cells: <c>openclaw-agent.sqlite</c> and the shared store of OpenClaw 2026.6.5+.</summary>
    Sqlite,
}

/// <summary>Where one profile (or one store layer) lives.</summary>
/// <param name="Kind">A short name of the place: <c>json</c>, <c>agent-db</c>, <c>shared-agent-db</c>, <c>shared-state-db</c>, <c>legacy</c>.</param>
/// <param name="Path">The file.</param>
/// <param name="Inherited">True when the agent reads the profile from the shared store rather than its own.</param>
public sealed record StoreSource(string Kind, string Path, bool Inherited)
{
    public const string Json = "json";
    public const string AgentDb = "agent-db";
    public const string SharedAgentDb = "shared-agent-db";
    public const string SharedStateDb = "shared-state-db";
    public const string Legacy = "legacy";

    /// <summary>The text a listing shows: the kind and the file (for the state DB, the cell it uses).</summary>
    public override string ToString() => Kind + ":" + Path;
}

/// <summary>How an update is run.</summary>
public sealed record StoreUpdateOptions
{
    /// <summary>The JSON backend's store lock (null: the default).</summary>
    public FileLockOptions? LockOptions { get; init; }

    /// <summary>
    /// Import the legacy credential files on first use (OpenClaw's JSON eras do; the SQLite eras leave it to
    /// <c>openclaw doctor --fix</c>, so the SQLite backend ignores it).
    /// </summary>
    public bool ImportLegacy { get; init; } = true;

    public static StoreUpdateOptions Default { get; } = new();
}

/// <summary>
/// One agent's credential store, whichever era holds it. <see cref="Load"/> gives the effective view OpenClaw
/// computes for the agent; <see cref="Update{T}"/> runs a change on a fresh read under the backend's own concurrency
/// rule (the JSON sidecar lock, or a SQLite <c>BEGIN IMMEDIATE</c> transaction) and writes only what changed.
/// </summary>
public interface ICredentialStore
{
    StoreKind Kind { get; }

    /// <summary>The agent whose store this is.</summary>
    string AgentId { get; }

    /// <summary>Where a new profile of this agent is written (a file path; shown by -WhatIf and verbose lines).</summary>
    string Location { get; }

    /// <summary>Whether the agent has a store of its own on disk.</summary>
    bool Exists { get; }

    /// <summary>
    /// Whether <see cref="Update{T}"/> may run a long change (a network call) while holding the store's lock. True for
    /// the JSON sidecar lock (OpenClaw 2026.1.30 does so); false for SQLite, whose transactions must stay short.
    /// </summary>
    bool HoldsLockAcrossNetwork { get; }

    /// <summary>
    /// The targets of the cross-agent OAuth refresh/profile lock of a profile, in the order they are taken: one name
    /// per OpenClaw generation that may run against this store (<c>sha256-...</c> up to 2026.6.9, <c>lock-...</c> from 6.10).
    /// </summary>
    IReadOnlyList<string> OAuthLockTargets(string provider, string profileId);

    /// <summary>The effective view (null when the agent has no store and nothing to inherit). Throws for an unreadable store.</summary>
    AuthProfileStore? Load();

    /// <summary>
    /// Runs <paramref name="change"/> on the current view and saves what it changed, re-read inside the lock or
    /// transaction; returns what the change returned. Callers use <see cref="CredentialStoreExtensions.Update{T}"/>.
    /// The change may run more than once (a SQLite update starts again when it needs another lock): it must only
    /// touch the store it is given.
    /// </summary>
    /// <remarks>
    /// Not generic on purpose: a generic interface method instantiated over a value type (<c>bool</c>) cannot be
    /// precompiled (ReadyToRun) and was jitted on every first write of a session.
    /// </remarks>
    object? Apply(Func<AuthProfileStore, object?> change, StoreUpdateOptions? options, CancellationToken cancellationToken);

    /// <summary>The legacy credentials imported on first use by the last <see cref="Update{T}"/>, if any (JSON eras).</summary>
    LegacyImportResult? LastLegacyImport { get; }
}

/// <summary>The typed form of <see cref="ICredentialStore.Apply"/>.</summary>
public static class CredentialStoreExtensions
{
    public static T Update<T>(this ICredentialStore store, Func<AuthProfileStore, T> change, StoreUpdateOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        return (T)store.Apply(s => change(s), options, cancellationToken)!;
    }
}
