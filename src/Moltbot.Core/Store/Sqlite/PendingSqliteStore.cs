using System;
using System.Collections.Generic;
using System.Threading;
using Moltbot.Core.Locking;
using Moltbot.Core.State;

namespace Moltbot.Core.Store.Sqlite;

/// <summary>
/// The store of a state dir that holds nothing yet while the installed openclaw keeps credentials in SQLite: there is
/// nothing to read, and the first write has the CLI create the agent's database (never a JSON file, never a database
/// made by hand), then goes to the real SQLite store the state dir now has.
/// </summary>
internal sealed class PendingSqliteStore : ICredentialStore
{
    private readonly string _agentDir;
    private readonly string _stateDir;
    private readonly SqliteStoreHooks _hooks;
    private readonly Func<ICredentialStore> _afterCreation;

    public PendingSqliteStore(string agentId, string agentDir, string stateDir, SqliteStoreHooks hooks, Func<ICredentialStore> afterCreation)
    {
        AgentId = agentId;
        _agentDir = agentDir;
        _stateDir = stateDir;
        _hooks = hooks;
        _afterCreation = afterCreation;
    }

    public StoreKind Kind => StoreKind.Sqlite;

    public string AgentId { get; }

    public string Location => StoreLayout.AgentDbPath(_agentDir);

    public bool Exists => false;

    public bool HoldsLockAcrossNetwork => false;

    public LegacyImportResult? LastLegacyImport => null;

    public IReadOnlyList<string> OAuthLockTargets(string provider, string profileId) =>
        new[] { OAuthProfileLock.HashedTarget(_stateDir, provider, profileId) };

    public AuthProfileStore? Load() => null;

    public object? Apply(Func<AuthProfileStore, object?> change, StoreUpdateOptions? options, CancellationToken cancellationToken)
    {
        if (_hooks.EnsureAgentDatabase is not { } ensure || !ensure(AgentId, _agentDir, cancellationToken))
        {
            throw new MoltbotException(ErrorIds.AgentDatabaseMissing, MoltbotErrorKind.ObjectNotFound,
                $"This state dir holds no credential store yet, and the installed openclaw keeps credentials in SQLite; it could not create the database of agent '{AgentId}' ({Location}).", Location)
            {
                RecommendedAction = $"Run '{OpenClaw.OpenClawStores.CreateAgentDatabaseCommand(AgentId)}' once, then try again.",
            };
        }
        var real = _afterCreation();
        if (real is PendingSqliteStore)
        {
            throw new MoltbotException(ErrorIds.AgentDatabaseMissing, MoltbotErrorKind.ObjectNotFound,
                $"openclaw ran but left no SQLite store in this state dir (expected {Location}).", Location);
        }
        return real.Apply(change, options, cancellationToken);
    }
}
