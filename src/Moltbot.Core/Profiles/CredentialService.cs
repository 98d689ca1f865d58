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
    /// What <see cref="RemoveProfile"/> would take away, read without writing: the agent's own entries, the dangling
    /// mentions in the orders of agents that do not hold the id, and the config's <c>auth.profiles</c> and
    /// <c>auth.order</c> entries, which stay (kept, with the reason) while another agent still holds that id. Null when
    /// the agent has no such profile.
    /// </summary>
    public ProfileRemoval? PlanRemoval(AgentLocation agent, string profileId)
    {
        var config = _state.Config;
        var store = agent.Store.Load();
        if (store?.Get(profileId) is null)
        {
            return null;
        }
        var references = store.References(profileId)
            .Select(place => new ProfileReference(agent.Id, place, agent.Store.Location))
            .ToList();
        var holders = new List<string>();
        var dangling = new List<AgentLocation>();
        foreach (var other in _state.ListAgents().Where(a => a.AgentDir != agent.AgentDir && a.StoreExists))
        {
            AuthProfileStore? otherStore;
            try
            {
                otherStore = other.Store.Load();
            }
            catch (MoltbotException)
            {
                holders.Add($"agent '{other.Id}' (its store cannot be read, so it may hold it)");
                continue;
            }
            if (otherStore is null)
            {
                continue;
            }
            if (HoldsOwn(otherStore, profileId))
            {
                holders.Add($"agent '{other.Id}' still holds it");
                continue;
            }
            // An inherited copy goes with the shared store's entry; what the agent's own store names beside it dangles.
            var places = otherStore.References(profileId).Where(p => p != "profiles").ToList();
            if (places.Count > 0)
            {
                dangling.Add(other);
                references.AddRange(places.Select(place => new ProfileReference(other.Id, place, other.Store.Location)));
            }
        }
        var reason = holders.Count == 0 ? null : string.Join("; ", holders);
        references.AddRange(config.AuthReferences(profileId)
            .Select(place => new ProfileReference(null, place, _state.Paths.ConfigPath, Kept: reason is not null, Reason: reason)));
        return new ProfileRemoval(agent.Id, profileId, references)
        {
            RemovesConfigEntries = reason is null,
            DanglingIn = dangling,
        };
    }

    /// <summary>
    /// Removes a profile from an agent's store (and its order, lastGood and usage entries), the mentions of it left in
    /// the orders of agents that do not hold it, and the config's <c>auth.profiles</c> entry and <c>auth.order</c>
    /// mentions unless another agent still holds that id: the <see cref="PlanRemoval"/>, carried out, each store under
    /// its own lock and the config under the config lock. Null when the agent had no such profile.
    /// </summary>
    public ProfileRemoval? RemoveProfile(AgentLocation agent, string profileId, CancellationToken cancellationToken = default)
    {
        var plan = PlanRemoval(agent, profileId);
        if (plan is null || !agent.Store.Update(store => store.Remove(profileId), UpdateOptions, cancellationToken))
        {
            return null;
        }
        foreach (var other in plan.DanglingIn)
        {
            // Decided again inside the lock: a profile stored there since the plan is a holder's, and stays named.
            other.Store.Update(store => store.Contains(profileId) ? false : store.RemoveReferences(profileId), UpdateOptions, cancellationToken);
        }
        if (plan.RemovesConfigEntries)
        {
            OpenClawConfig.Update(_state.Paths.ConfigPath, config => config.RemoveAuthProfile(profileId), changed => changed, _lockOptions, cancellationToken);
        }
        _state.Refresh();
        return plan;
    }

    /// <summary>
    /// The agents holding a profile of their own (an inherited copy is the shared store's, so not counted), for a
    /// removal without -Agent. An agent whose store cannot be read is skipped.
    /// </summary>
    public IReadOnlyList<AgentLocation> HoldersOf(string profileId) =>
        _state.ListAgents().Where(a => a.StoreExists && Holds(a, profileId) == true).ToList();

    /// <summary>
    /// The full id a short one (<c>team</c>) stands for among the ids <paramref name="agents"/> hold, as
    /// <see cref="ProviderId.ResolveProfileId"/> would make it for some provider; a full id is returned as given.
    /// Several providers match: typed <c>MoltbotProfileIdAmbiguous</c> naming the candidates. None: the input.
    /// </summary>
    public static string ResolveShortId(string input, IEnumerable<AuthProfileStore> stores)
    {
        var value = input.Trim();
        if (value.Contains(':'))
        {
            return value;
        }
        var suffix = ":" + ProviderId.Slug(value);
        var matches = stores.SelectMany(s => s.Profiles).Select(p => p.Id)
            .Where(id => id.EndsWith(suffix, StringComparison.Ordinal) && id.IndexOf(':') == id.Length - suffix.Length)
            .Distinct(StringComparer.Ordinal).OrderBy(id => id, StringComparer.Ordinal).ToList();
        return matches.Count switch
        {
            0 => value,
            1 => matches[0],
            _ => throw new MoltbotException(ErrorIds.ProfileIdAmbiguous, MoltbotErrorKind.InvalidArgument,
                $"'{value}' could mean {string.Join(", ", matches.Select(m => $"'{m}'"))}.", value)
            {
                RecommendedAction = "Give the full profile id (provider:name).",
            },
        };
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

    /// <summary>Whether the agent holds a profile of its own: null when its store cannot be read.</summary>
    private static bool? Holds(AgentLocation agent, string profileId)
    {
        try
        {
            return agent.Store.Load() is { } store && HoldsOwn(store, profileId);
        }
        catch (MoltbotException)
        {
            return null;
        }
    }

    /// <summary>Whether a store holds a profile of its own: an inherited copy is the shared store's entry, not another holder.</summary>
    private static bool HoldsOwn(AuthProfileStore store, string profileId) =>
        store.Get(profileId) is not null && store.SourceOf(profileId) is not { Inherited: true };

    private static MoltbotException UnknownProfile(string id, string where) =>
        new(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound, $"There is no profile '{id}' in {where}.", id)
        {
            RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
        };
}
