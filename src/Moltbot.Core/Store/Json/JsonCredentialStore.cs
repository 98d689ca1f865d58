using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Moltbot.Core.Locking;

namespace Moltbot.Core.Store;

/// <summary>
/// The JSON-era backend (OpenClaw up to 2026.6.1): the agent's own <c>auth-profiles.json</c> (+ <c>auth-state.json</c>
/// in era B) under the sidecar lock, with the legacy files imported on first use as OpenClaw does.
/// </summary>
public sealed class JsonCredentialStore : ICredentialStore
{
    private readonly string _stateDir;

    public JsonCredentialStore(string agentId, string agentDir, string stateDir, LegacySources? legacy)
    {
        AgentId = agentId;
        Path = System.IO.Path.Combine(agentDir, AuthStoreFile.FileName);
        _stateDir = stateDir;
        Legacy = legacy;
    }

    public StoreKind Kind => StoreKind.JsonFile;

    public string AgentId { get; }

    /// <summary>The agent's <c>auth-profiles.json</c>.</summary>
    public string Path { get; }

    public LegacySources? Legacy { get; }

    public string Location => Path;

    public bool Exists => File.Exists(Path);

    public bool HoldsLockAcrossNetwork => true;

    public LegacyImportResult? LastLegacyImport { get; private set; }

    /// <summary>JSON eras up to 2026.6.1 name the refresh lock <c>sha256-...</c> (openclaw-compat.md 5.2).</summary>
    public IReadOnlyList<string> OAuthLockTargets(string provider, string profileId) =>
        new[] { OAuthProfileLock.Sha256Target(_stateDir, provider, profileId) };

    public AuthProfileStore? Load()
    {
        var store = AuthStoreFile.TryLoad(Path, Legacy, out _);
        store?.SetSourceForAll(new StoreSource(StoreSource.Json, Path, Inherited: false));
        return store;
    }

    public object? Apply(Func<AuthProfileStore, object?> change, StoreUpdateOptions? options, CancellationToken cancellationToken)
    {
        options ??= StoreUpdateOptions.Default;
        var result = AuthStoreFile.Update(Path, options.ImportLegacy ? Legacy : null, change, out var imported, options.LockOptions, cancellationToken);
        LastLegacyImport = imported;
        return result;
    }
}
