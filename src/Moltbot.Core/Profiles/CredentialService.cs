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
public sealed partial class CredentialService
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
        var request = SaveRequest.Token(provider, profileId, token, expires);
        Save(agent, provider, profileId, CredentialType.Token, request.SecretFields, email: null, cancellationToken);
    }

    /// <summary>Stores an API key (<c>type: api_key</c>).</summary>
    public void SaveApiKey(AgentLocation agent, string provider, string profileId, string key, string? email, CancellationToken cancellationToken = default)
    {
        Save(agent, provider, profileId, CredentialType.ApiKey, SaveRequest.ApiKey(provider, profileId, key, email).SecretFields, email, cancellationToken);
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
            store.Set(profileId, Credential(existing, provider, type, secretFields, email));
            return true;
        }, UpdateOptions, cancellationToken);
        if (!saved)
        {
            return false;
        }

        RecordInConfig(profileId, provider, type, email, cancellationToken);
        return true;
    }

    /// <summary>
    /// The entry a saved credential becomes: type, provider and the secret fields; an existing entry of the same type
    /// keeps its other fields (display name, metadata, unknown fields), its old secret and expiry are replaced.
    /// </summary>
    private static JsonObject Credential(StoredProfile? existing, string provider, CredentialType type, JsonObject secretFields, string? email)
    {
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
        return credential;
    }

    /// <summary>Adds or updates <c>auth.profiles[id]</c> in openclaw.json (OpenClaw's <c>applyAuthProfileConfig</c>).</summary>
    /// <remarks>
    /// No lock and no write when the config this state has already read holds the entry as it would be written and the
    /// file still holds exactly those bytes (a re-upsert of a key). Otherwise the locked update decides again on the file
    /// as it is inside the lock, and the config it leaves (written or not) becomes this state's, so the next call need not
    /// parse the file again.
    /// </remarks>
    public void RecordInConfig(string profileId, string provider, CredentialType type, string? email, CancellationToken cancellationToken = default)
        => RecordInConfig(new[] { new ConfigEntry(profileId, provider, type, email) }, cancellationToken);

    /// <summary>An <c>auth.profiles</c> entry as <see cref="RecordInConfig(IReadOnlyList{ConfigEntry}, CancellationToken)"/> writes it.</summary>
    private sealed record ConfigEntry(string ProfileId, string Provider, CredentialType Type, string? Email);

    /// <summary>
    /// The one rule of <see cref="RecordInConfig(string, string, CredentialType, string?, CancellationToken)"/> for any
    /// number of entries (a batch): no lock and no write when every entry is already held by unchanged bytes; otherwise
    /// one locked update that upserts them all. Returns whether a locked update ran.
    /// </summary>
    private bool RecordInConfig(IReadOnlyList<ConfigEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0
            || (_state.CachedConfig is { } known
                && entries.All(e => known.HasAuthProfile(e.ProfileId, e.Provider, e.Type, e.Email))
                && known.MatchesFile()))
        {
            return false;
        }
        OpenClawConfig? latest = null;
        OpenClawConfig.Update(_state.Paths.ConfigPath,
            config =>
            {
                latest = config;
                var changed = false;
                foreach (var e in entries)
                {
                    changed |= config.UpsertAuthProfile(e.ProfileId, e.Provider, e.Type, e.Email);
                }
                return changed;
            },
            changed => changed, _lockOptions, cancellationToken);
        _state.Refresh(latest);
        return true;
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
        return Plan(agent, profileId, store.References(profileId), config, other => other.Store.Load());
    }

    /// <summary>
    /// The rule of <see cref="PlanRemoval"/>, from what is already read: the places of the agent's own store that name
    /// the id (<paramref name="ownPlaces"/>), the config, and the other agents' stores as <paramref name="loadOther"/>
    /// reads them (throwing <see cref="MoltbotException"/> for one that cannot be read).
    /// </summary>
    private ProfileRemoval Plan(AgentLocation agent, string profileId, IReadOnlyList<string> ownPlaces, OpenClawConfig config, Func<AgentLocation, AuthProfileStore?> loadOther)
    {
        var references = ownPlaces
            .Select(place => new ProfileReference(agent.Id, place, agent.Store.Location))
            .ToList();
        var holders = new List<string>();
        var dangling = new List<AgentLocation>();
        foreach (var other in _state.ListAgents().Where(a => a.AgentDir != agent.AgentDir && a.StoreExists))
        {
            AuthProfileStore? otherStore;
            try
            {
                otherStore = loadOther(other);
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
        RemoveReferencesElsewhere(plan, cancellationToken);
        return plan;
    }

    /// <summary>
    /// The part of a <see cref="PlanRemoval"/> outside the agent's own store: the mentions left in the orders of agents
    /// that do not hold the id (each store under its lock) and the config's <c>auth.profiles</c> entry and
    /// <c>auth.order</c> mentions unless another agent still holds that id (config lock). Used by
    /// <see cref="RemoveProfile"/> after the own store, and after <c>openclaw agents delete</c> took the agent's store away.
    /// </summary>
    public void RemoveReferencesElsewhere(ProfileRemoval plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var profileId = plan.ProfileId;
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
    /// Changes the email, display name or expiry of a stored profile under the store lock, keeping its secret and every
    /// other field as they are; then the email of <c>auth.profiles[id]</c> when the config records that id. Only a token
    /// has an expiry the user sets (an api_key never expires; an oauth expiry is the provider's): for the others it is
    /// refused with <see cref="ErrorIds.ExpiryNotSettable"/>. Returns the profile as stored afterwards.
    /// </summary>
    public StoredProfile UpdateDetails(AgentLocation agent, string profileId, ProfileDetails details, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(details);
        _ = _state.Config;
        var updated = agent.Store.Update(store =>
        {
            var existing = store.Get(profileId) ?? throw UnknownProfile(profileId, $"agent '{agent.Id}'");
            if (details.ChangesExpiry && existing.Type != CredentialType.Token)
            {
                throw ExpiryNotSettable(existing);
            }
            var node = (JsonObject)existing.Node.DeepClone();
            SetOrRemove(node, "email", details.Email);
            SetOrRemove(node, "displayName", details.DisplayName);
            if (details.ClearExpiry)
            {
                node.Remove("expires");
            }
            else if (details.Expires is { } expires)
            {
                node["expires"] = expires.ToUnixTimeMilliseconds();
            }
            store.Set(profileId, node);
            return store.Get(profileId)!;
        }, UpdateOptions, cancellationToken);
        if (details.Email is not null)
        {
            OpenClawConfig.Update(_state.Paths.ConfigPath,
                config => config.SetAuthProfileEmail(profileId, details.Email.Length == 0 ? null : details.Email),
                changed => changed, _lockOptions, cancellationToken);
            _state.Refresh();
        }
        return updated;
    }

    /// <summary>The refusal of an expiry for a profile whose type has none the user sets.</summary>
    public static MoltbotException ExpiryNotSettable(StoredProfile profile)
    {
        var why = profile.Type switch
        {
            CredentialType.ApiKey => "an api_key never expires",
            CredentialType.OAuth => "an oauth expiry is the provider's (each refresh sets it; Update-MoltbotAuthProfile refreshes now)",
            _ => $"it is a '{profile.RawType ?? "unknown"}' entry, not a token",
        };
        return new(ErrorIds.ExpiryNotSettable, MoltbotErrorKind.InvalidArgument,
            $"The expiry of profile '{profile.Id}' cannot be set: {why}. Only token profiles take -ExpiresIn/-Expires.", profile.Id)
        {
            RecommendedAction = "Leave -ExpiresIn/-Expires out, or store the credential as a token with Set-MoltbotSetupToken -ExpiresIn.",
        };
    }

    /// <summary>
    /// Copies a portable profile (<see cref="RequirePortable"/>) from one agent's store to another's, as
    /// <c>openclaw agents add</c> copies the default agent's portable profiles. Another is refused with
    /// <see cref="ErrorIds.ProfileNotPortable"/> unless <paramref name="force"/>: an oauth copy gives its rotating
    /// refresh chain a second owner. A profile the destination already has is refused with <see cref="ErrorIds.ProfileExists"/>
    /// unless <paramref name="replace"/>. Returns whether the destination had one before.
    /// </summary>
    public bool CopyProfile(AgentLocation source, AgentLocation destination, string profileId, bool force, bool replace, CancellationToken cancellationToken = default)
    {
        RequireDistinct(source, destination);
        _ = _state.Config;
        var profile = source.LoadStore()?.Get(profileId) ?? throw UnknownProfile(profileId, $"agent '{source.Id}'");
        RequirePortable(profile, force);
        var credential = (JsonObject)profile.Node.DeepClone();
        var replaced = destination.Store.Update(store =>
        {
            var existing = store.Get(profileId);
            if (existing is not null && !replace)
            {
                throw AlreadyHas(destination.Id, profileId);
            }
            store.Set(profileId, credential);
            return existing is not null;
        }, UpdateOptions, cancellationToken);
        if (profile.Provider is { Length: > 0 } provider && profile.Type != CredentialType.Unknown)
        {
            RecordInConfig(profileId, provider, profile.Type, profile.Email, cancellationToken);
        }
        return replaced;
    }

    /// <summary>Refuses a copy whose source and destination are the same agent.</summary>
    public static void RequireDistinct(AgentLocation source, AgentLocation destination)
    {
        if (source.AgentDir == destination.AgentDir)
        {
            throw new MoltbotException(ErrorIds.CopySameAgent, MoltbotErrorKind.InvalidArgument,
                $"Source and destination are the same agent '{source.Id}'.", destination.Id)
            {
                RecommendedAction = "Name another agent with -Destination (Get-MoltbotAgent lists them).",
            };
        }
    }

    /// <summary>The refusal of a copy onto a profile the destination already has.</summary>
    public static MoltbotException AlreadyHas(string agentId, string profileId) =>
        new(ErrorIds.ProfileExists, MoltbotErrorKind.ResourceExists, $"Agent '{agentId}' already has a profile '{profileId}'; nothing was copied.", profileId)
        {
            RecommendedAction = "Add -Force to replace it, or remove it first with Remove-MoltbotAuthProfile.",
        };

    /// <summary>
    /// Whether a profile may be copied to another agent, by the rule of <c>openclaw agents add</c> (6.x): api_key and
    /// token unless the entry says <c>copyToAgents: false</c>, oauth only when it says <c>copyToAgents: true</c>;
    /// <paramref name="force"/> copies any of the three. An entry of an unknown type is never copied.
    /// </summary>
    public static void RequirePortable(StoredProfile profile, bool force)
    {
        var portable = profile.Type switch
        {
            CredentialType.ApiKey or CredentialType.Token => force || profile.CopyToAgents != false,
            CredentialType.OAuth => force || profile.CopyToAgents == true,
            _ => false,
        };
        if (portable)
        {
            return;
        }
        var message = profile.Type switch
        {
            CredentialType.OAuth => $"Profile '{profile.Id}' is an oauth login, which is not portable: a copy gives its refresh token two owners, and the provider rotates it, so the first refresh by one leaves the other holding a dead token (presenting it again revokes the whole chain).",
            CredentialType.ApiKey or CredentialType.Token => $"Profile '{profile.Id}' says copyToAgents: false, so OpenClaw keeps it to its agent.",
            _ => $"Profile '{profile.Id}' is a '{profile.RawType ?? "unknown"}' entry; only api_key, token and oauth profiles are copied.",
        };
        throw new MoltbotException(ErrorIds.ProfileNotPortable, MoltbotErrorKind.InvalidArgument, message, profile.Id)
        {
            RecommendedAction = profile.Type switch
            {
                CredentialType.OAuth => "Sign the other agent in with its own login (Connect-MoltbotProvider -Agent), or copy anyway with -Force.",
                CredentialType.ApiKey or CredentialType.Token => "Copy it anyway with -Force.",
                _ => "Store the credential in the other agent with Set-MoltbotApiKey or Set-MoltbotSetupToken.",
            },
        };
    }

    /// <summary>The warning a forced oauth copy gives (the refresh chain now has two owners).</summary>
    public static string SharedChainWarning(string profileId, string source, string destination) =>
        $"Agents '{source}' and '{destination}' now hold the same refresh token of profile '{profileId}': a chain with two owners. " +
        "The provider rotates it on every refresh; Moltbot's refresh updates every agent's copy, but a refresh by anything else leaves one copy dead, and presenting it revokes the chain. " +
        "Get-MoltbotAuthProfile -Shared lists such profiles; a separate login per agent (Connect-MoltbotProvider -Agent) avoids it.";

    private static void SetOrRemove(JsonObject node, string name, string? value)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length == 0)
        {
            node.Remove(name);
        }
        else
        {
            node[name] = value;
        }
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
            CheckOrder(store, agent, provider, ids);
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
    public static bool HoldsOwn(AuthProfileStore store, string profileId) =>
        store.Get(profileId) is not null && store.SourceOf(profileId) is not { Inherited: true };

    /// <summary>The typed error for a profile id that <paramref name="where"/> (<c>agent 'x'</c>, ...) does not hold.</summary>
    public static MoltbotException UnknownProfile(string id, string where) =>
        new(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound, $"There is no profile '{id}' in {where}.", id)
        {
            RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
        };
}

/// <summary>
/// What Set-MoltbotAuthProfile changes. Null leaves a field as it is; an empty string removes it. <see cref="Expires"/>
/// sets a token's expiry, <see cref="ClearExpiry"/> removes it (the token then never expires).
/// </summary>
public sealed record ProfileDetails(string? Email = null, string? DisplayName = null, DateTimeOffset? Expires = null, bool ClearExpiry = false)
{
    public bool ChangesExpiry => Expires is not null || ClearExpiry;

    public bool IsEmpty => Email is null && DisplayName is null && !ChangesExpiry;
}
