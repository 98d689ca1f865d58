using System;
using System.Collections.Generic;
using System.Linq;
using Moltbot.Core.Agents;
using Moltbot.Core.Config;
using Moltbot.Core.Store;

namespace Moltbot.Core.Profiles;

/// <summary>
/// One line of the summary <c>openclaw models status</c> prints per agent and provider: the profile the runtime would
/// use (the first usable candidate of <see cref="ProfileResolver"/>), or why there is none.
/// </summary>
/// <param name="Profile">The profile it would use, or null when it has none ("missing auth").</param>
/// <param name="Candidates">Every candidate the resolver ranked.</param>
/// <param name="Sources">Why the provider is listed: <c>store</c> (it has profiles), <c>order</c> (the agent's order),
/// <c>auth.order</c>, <c>auth.profiles</c> (the config names it), <c>models.providers</c> (configured without an apiKey of
/// its own), <c>model</c> (the agent's model uses it).</param>
/// <param name="Model">The agent's model (its own, else <c>agents.defaults.model</c>) when it is of this provider.</param>
public sealed record AuthStatusEntry(string Agent, string Provider, StoredProfile? Profile, ProfileCandidate? Used,
    IReadOnlyList<ProfileCandidate> Candidates, IReadOnlyList<string> Sources, string? Model, string Reason);

public static class AuthStatus
{
    public const string FromStore = "store";
    public const string FromAgentOrder = "order";
    public const string FromConfigOrder = "auth.order";
    public const string FromConfigProfiles = "auth.profiles";
    public const string FromModel = "model";
    public const string FromModelProviders = "models.providers";

    /// <summary>The summary of one agent: one entry per provider it has profiles for, orders for, a config entry or a model of.</summary>
    public static IReadOnlyList<AuthStatusEntry> Summarize(AgentLocation agent, AuthProfileStore? store, OpenClawConfig config, DateTimeOffset now)
    {
        store ??= AuthProfileStore.CreateEmpty();
        var sources = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        void Add(string? provider, string source)
        {
            if (string.IsNullOrWhiteSpace(provider))
            {
                return;
            }
            var key = ProviderId.Normalize(provider);
            if (!sources.TryGetValue(key, out var list))
            {
                sources[key] = list = new List<string>();
            }
            if (!list.Contains(source))
            {
                list.Add(source);
            }
        }
        foreach (var profile in store.Profiles)
        {
            Add(profile.Provider, FromStore);
        }
        foreach (var provider in store.Orders.Keys)
        {
            Add(provider, FromAgentOrder);
        }
        foreach (var provider in config.AuthOrders.Keys)
        {
            Add(provider, FromConfigOrder);
        }
        foreach (var (_, meta) in config.AuthProfiles)
        {
            Add(meta.Provider, FromConfigProfiles);
        }
        foreach (var provider in config.ModelProvidersWithoutKey)
        {
            Add(provider, FromModelProviders);
        }
        var model = agent.Model ?? config.DefaultModel;
        var modelProvider = string.IsNullOrWhiteSpace(model) ? null : ModelRef.Parse(model).Provider;
        Add(modelProvider, FromModel);

        var result = new List<AuthStatusEntry>();
        foreach (var (provider, from) in sources.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var candidates = ProfileResolver.Resolve(store, config, provider, now);
            var used = candidates.FirstOrDefault(c => c.Usable);
            var usesModel = modelProvider is not null && string.Equals(ProviderId.Normalize(modelProvider), provider, StringComparison.OrdinalIgnoreCase);
            string reason;
            if (used is not null)
            {
                reason = used.Reason;
            }
            else if (candidates.Count == 0)
            {
                reason = usesModel ? $"no credential, but the model '{model}' needs one" : $"no profile in this agent (listed by {string.Join(", ", from)})";
            }
            else
            {
                reason = "no usable profile: " + string.Join("; ", candidates.Select(c => $"{c.ProfileId} {c.Reason}"));
            }
            result.Add(new AuthStatusEntry(agent.Id, provider, used is null ? null : store.Get(used.ProfileId), used, candidates, from,
                usesModel ? model : null, reason));
        }
        return result;
    }
}
