using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.Config;
using Moltbot.Core.Locking;
using Moltbot.Core.Store;

namespace Moltbot.Core.Profiles;

/// <summary>
/// The write operations on stores and config that the cmdlets offer. Each store change is a locked
/// read-modify-write; the config's <c>auth.profiles</c> follows each stored profile as OpenClaw keeps it.
/// </summary>
public sealed class CredentialService
{
    private static readonly string[] SecretAndExpiryFields =
    {
        "key", "apiKey", "keyRef", "token", "tokenRef", "expires", "access", "refresh", "oauthRef", "idToken",
    };

    private readonly MoltbotState _state;
    private readonly FileLockOptions? _lockOptions;

    public CredentialService(MoltbotState state, FileLockOptions? lockOptions = null)
    {
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _lockOptions = lockOptions;
    }

    private StoreUpdateOptions UpdateOptions => new() { LockOptions = _lockOptions };

    /// <summary>Stores a static bearer token (<c>type: token</c>, never refreshed). <c>expires</c> only when given.</summary>
    public void SaveToken(AgentLocation agent, string provider, string profileId, string token, DateTimeOffset? expires, CancellationToken cancellationToken = default)
    {
        var fields = new JsonObject { ["token"] = token };
        if (expires is { } e)
        {
            fields["expires"] = e.ToUnixTimeMilliseconds();
        }
        Save(agent, provider, profileId, CredentialType.Token, fields, email: null, cancellationToken);
    }

    /// <summary>Stores an API key (<c>type: api_key</c>).</summary>
    public void SaveApiKey(AgentLocation agent, string provider, string profileId, string key, string? email, CancellationToken cancellationToken = default)
    {
        Save(agent, provider, profileId, CredentialType.ApiKey, new JsonObject { ["key"] = key }, email, cancellationToken);
    }

    /// <summary>
    /// Puts a credential into an agent's store under the store lock, then records <c>auth.profiles[id]</c> in the config.
    /// An existing entry of the same type keeps its other fields (display name, metadata, unknown fields); its old secret
    /// and expiry are replaced.
    /// </summary>
    public void Save(AgentLocation agent, string provider, string profileId, CredentialType type, JsonObject secretFields, string? email, CancellationToken cancellationToken = default) =>
        SaveIf(agent, provider, profileId, type, secretFields, email, precondition: null, cancellationToken);

    /// <summary>
    /// <see cref="Save"/>, when <paramref name="precondition"/> (asked inside the store lock or transaction, with the
    /// profile as it is stored right then, or null) agrees; otherwise nothing is written and false is returned. An
    /// import decides on a read made before the lock: this makes it decide again on what it is about to replace.
    /// </summary>
    public bool SaveIf(AgentLocation agent, string provider, string profileId, CredentialType type, JsonObject secretFields, string? email,
        Func<StoredProfile?, bool>? precondition, CancellationToken cancellationToken = default)
    {
        // Read the config first: a config that cannot be parsed stops the command before any file is written.
        _ = _state.Config;
        var saved = agent.Store.Update(store =>
        {
            var existing = store.Get(profileId);
            if (precondition is not null && !precondition(existing))
            {
                return false;
            }
            var credential = new JsonObject
            {
                ["type"] = type.ToWireName(),
                ["provider"] = provider,
            };
            foreach (var (name, value) in secretFields)
            {
                credential[name] = value?.DeepClone();
            }
            if (existing is not null && existing.Type == type)
            {
                foreach (var (name, value) in existing.Node)
                {
                    if (!credential.ContainsKey(name) && Array.IndexOf(SecretAndExpiryFields, name) < 0)
                    {
                        credential[name] = value?.DeepClone();
                    }
                }
            }
            if (!string.IsNullOrEmpty(email))
            {
                credential["email"] = email;
            }
            store.Set(profileId, credential);
            return true;
        }, UpdateOptions, cancellationToken);
        if (!saved)
        {
            return false;
        }

        RecordInConfig(profileId, provider, type, email, cancellationToken);
        return true;
    }

    /// <summary>Adds or updates <c>auth.profiles[id]</c> in openclaw.json (OpenClaw's <c>applyAuthProfileConfig</c>).</summary>
    public void RecordInConfig(string profileId, string provider, CredentialType type, string? email, CancellationToken cancellationToken = default)
    {
        OpenClawConfig.Update(_state.Paths.ConfigPath,
            config => config.UpsertAuthProfile(profileId, provider, type, email),
            changed => changed, _lockOptions, cancellationToken);
        _state.Refresh();
    }

    /// <summary>
    /// Removes a profile from an agent's store (and its order, lastGood and usage entries). The config's
    /// <c>auth.profiles</c> entry and <c>auth.order</c> mentions go too, unless another agent still holds that id.
    /// Returns false when the agent had no such profile.
    /// </summary>
    public bool RemoveProfile(AgentLocation agent, string profileId, CancellationToken cancellationToken = default)
    {
        _ = _state.Config;
        var removed = agent.Store.Update(store => store.Remove(profileId), UpdateOptions, cancellationToken);
        if (!removed)
        {
            return false;
        }
        var stillUsed = _state.ListAgents()
            .Where(a => a.AgentDir != agent.AgentDir && a.StoreExists)
            .Any(a => SafeContains(a, profileId));
        if (!stillUsed)
        {
            OpenClawConfig.Update(_state.Paths.ConfigPath, config => config.RemoveAuthProfile(profileId), changed => changed, _lockOptions, cancellationToken);
            _state.Refresh();
        }
        return true;
    }

    /// <summary>
    /// Sets (or, with no ids, clears) the per-agent order of a provider. Every id must be a profile of that provider in
    /// the agent's store; the check and the write happen inside the same lock.
    /// </summary>
    public IReadOnlyList<string> SetAgentOrder(AgentLocation agent, string provider, IEnumerable<string>? profileIds, CancellationToken cancellationToken = default)
    {
        var ids = AuthProfileStore.NormalizeIdList(profileIds);
        _ = _state.Config;
        return agent.Store.Update(store =>
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
            store.SetOrder(provider, ids);
            return (IReadOnlyList<string>)ids;
        }, UpdateOptions, cancellationToken);
    }

    /// <summary>
    /// Sets (or clears) <c>auth.order[provider]</c> in openclaw.json. Every id must be known: in <c>auth.profiles</c>
    /// with that provider, or in some agent's store for that provider.
    /// </summary>
    public IReadOnlyList<string> SetGlobalOrder(string provider, IEnumerable<string>? profileIds, CancellationToken cancellationToken = default)
    {
        var ids = AuthProfileStore.NormalizeIdList(profileIds);
        if (ids.Count > 0)
        {
            var known = KnownProfiles(provider);
            foreach (var id in ids)
            {
                if (!known.Contains(id))
                {
                    throw UnknownProfile(id, "openclaw.json or any agent's store");
                }
            }
        }
        OpenClawConfig.Update(_state.Paths.ConfigPath, config =>
        {
            config.SetAuthOrder(provider, ids);
            return true;
        }, changed => changed, _lockOptions, cancellationToken);
        _state.Refresh();
        return ids;
    }

    private HashSet<string> KnownProfiles(string provider)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, meta) in _state.Config.AuthProfiles)
        {
            if (meta.Provider == provider)
            {
                known.Add(id);
            }
        }
        foreach (var agent in _state.ListAgents())
        {
            var store = agent.Store.Load();
            if (store is null)
            {
                continue;
            }
            foreach (var profile in store.Profiles)
            {
                if (profile.Provider == provider)
                {
                    known.Add(profile.Id);
                }
            }
        }
        return known;
    }

    private static bool SafeContains(AgentLocation agent, string profileId)
    {
        try
        {
            var store = agent.Store.Load();
            // an inherited copy is the shared store's own entry, not another holder
            return store?.Get(profileId) is not null && store.SourceOf(profileId) is not { Inherited: true };
        }
        catch (MoltbotException)
        {
            return true; // cannot tell: keep the config entry
        }
    }

    private static MoltbotException UnknownProfile(string id, string where) =>
        new(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound, $"There is no profile '{id}' in {where}.", id)
        {
            RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
        };
}
