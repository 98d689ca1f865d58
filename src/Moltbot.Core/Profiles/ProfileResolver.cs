using System;
using System.Collections.Generic;
using System.Linq;
using Moltbot.Core.Config;
using Moltbot.Core.Store;

namespace Moltbot.Core.Profiles;

/// <summary>One profile the runtime would consider for a provider, in the order it would try them.</summary>
/// <param name="Rank">1 for the profile it would use; the unusable ones come after the usable ones.</param>
public sealed record ProfileCandidate(string ProfileId, int Rank, bool Usable, string Reason, bool Pinned, bool InCooldown, DateTimeOffset? CooldownUntil);

/// <summary>
/// The order in which OpenClaw 2026.1.30 tries a provider's profiles (openclaw-compat.md section 7):
/// the explicit order (the agent's <c>order</c> beats config <c>auth.order</c>), else the config's <c>auth.profiles</c>
/// ids, else every stored profile of the provider; unusable entries filtered out; without an explicit order oauth
/// before token before api_key, round-robin by oldest <c>lastUsed</c>; profiles in cooldown (or disabled) last; a
/// pinned profile first.
/// </summary>
public static class ProfileResolver
{
    public static IReadOnlyList<ProfileCandidate> Resolve(AuthProfileStore store, OpenClawConfig config, string provider, DateTimeOffset now, string? pinnedProfileId = null) =>
        Resolve(store, config, config.AuthProfiles, provider, now, pinnedProfileId);

    /// <summary>
    /// The rank of every usable profile among its provider's candidates (<see cref="Resolve(AuthProfileStore, OpenClawConfig, string, DateTimeOffset, string?)"/>
    /// for each provider of the store), keyed by profile id; profiles the runtime would skip are absent.
    /// </summary>
    public static Dictionary<string, int> UsableRanks(AuthProfileStore store, OpenClawConfig config, DateTimeOffset now)
    {
        var authProfiles = config.AuthProfiles; // read once for all providers, not once per provider
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var provider in store.Profiles.Select(p => p.Provider).Where(p => !string.IsNullOrEmpty(p)).Distinct())
        {
            foreach (var candidate in Resolve(store, config, authProfiles, provider!, now, null))
            {
                if (candidate.Usable)
                {
                    ranks[candidate.ProfileId] = candidate.Rank;
                }
            }
        }
        return ranks;
    }

    private static IReadOnlyList<ProfileCandidate> Resolve(AuthProfileStore store, OpenClawConfig config,
        IReadOnlyDictionary<string, (string? Provider, string? Mode, string? Email)> authProfiles, string provider, DateTimeOffset now, string? pinnedProfileId)
    {
        var storeOrder = store.GetOrder(provider);
        var configOrder = config.GetAuthOrder(provider);
        var explicitOrder = storeOrder ?? configOrder;
        var source = storeOrder is not null ? "the agent's order" : configOrder is not null ? "auth.order" : null;

        List<string> baseList;
        if (explicitOrder is not null)
        {
            baseList = explicitOrder.ToList();
        }
        else
        {
            var fromConfig = authProfiles.Where(kv => kv.Value.Provider == provider).Select(kv => kv.Key).ToList();
            baseList = fromConfig.Count > 0
                ? fromConfig
                : store.Profiles.Where(p => string.Equals(p.Provider, provider, StringComparison.OrdinalIgnoreCase)).Select(p => p.Id).ToList();
        }
        baseList = baseList.Distinct(StringComparer.Ordinal).ToList();

        var usable = new List<UsableProfile>();
        var unusable = new List<(string Id, string Reason)>();
        var modes = authProfiles;
        var nowMs = now.ToUnixTimeMilliseconds();

        foreach (var id in baseList)
        {
            var profile = store.Get(id);
            var why = Unusable(profile, provider, modes.TryGetValue(id, out var meta) ? meta.Mode : null, nowMs);
            if (why is not null)
            {
                unusable.Add((id, why));
                continue;
            }
            var cooldown = CooldownUntil(store.GetUsage(id), nowMs);
            var reason = source is not null ? $"position {baseList.IndexOf(id) + 1} in {source}" : $"{profile!.Type.ToWireName()} profile";
            usable.Add(new UsableProfile(id, profile!, cooldown, reason));
        }

        // Profiles of the provider that an explicit order leaves out are never tried.
        if (explicitOrder is not null)
        {
            foreach (var p in store.Profiles.Where(p => string.Equals(p.Provider, provider, StringComparison.OrdinalIgnoreCase) && !baseList.Contains(p.Id)))
            {
                unusable.Add((p.Id, $"not in {source}"));
            }
        }

        IEnumerable<UsableProfile> ordered;
        var ready = usable.Where(u => u.Cooldown is null);
        var cooling = usable.Where(u => u.Cooldown is not null).OrderBy(u => u.Cooldown);
        if (explicitOrder is not null)
        {
            ordered = ready.Concat(cooling);
        }
        else
        {
            ordered = ready
                .OrderBy(u => TypeRank(u.Profile.Type))
                .ThenBy(u => store.GetUsage(u.Id)?.LastUsed ?? 0)
                .Select(u => u with { Reason = u.Reason + (store.GetUsage(u.Id)?.LastUsed is { } last ? ", least recently used first" : string.Empty) })
                .Concat(cooling);
        }

        var list = ordered.ToList();
        string? pinReason = null;
        if (!string.IsNullOrEmpty(pinnedProfileId))
        {
            var pinnedIndex = list.FindIndex(u => u.Id == pinnedProfileId);
            if (pinnedIndex > 0)
            {
                var pinned = list[pinnedIndex];
                list.RemoveAt(pinnedIndex);
                list.Insert(0, pinned);
            }
            pinReason = "pinned by the session override";
        }

        var result = new List<ProfileCandidate>();
        var rank = 1;
        foreach (var u in list)
        {
            var pinned = u.Id == pinnedProfileId;
            var reason = pinned ? pinReason! : u.Cooldown is { } until ? $"in cooldown until {until:u}" : u.Reason;
            result.Add(new ProfileCandidate(u.Id, rank++, true, reason, pinned, u.Cooldown is not null, u.Cooldown));
        }
        foreach (var (id, why) in unusable)
        {
            result.Add(new ProfileCandidate(id, rank++, false, why, id == pinnedProfileId, false, null));
        }
        return result;
    }

    /// <summary>
    /// A usable candidate while the order is worked out. A class, not a value tuple: LINQ and List code over a value type
    /// made only of framework types (ValueTuple of Nullable&lt;DateTimeOffset&gt;) is in no ReadyToRun image and was jitted
    /// on every first listing of a process (some 80 methods); over a reference type it runs the framework's shared code.
    /// </summary>
    private sealed record UsableProfile(string Id, StoredProfile Profile, DateTimeOffset? Cooldown, string Reason);

    private static int TypeRank(CredentialType type) => type switch
    {
        CredentialType.OAuth => 0,
        CredentialType.Token => 1,
        CredentialType.ApiKey => 2,
        _ => 3,
    };

    /// <summary>
    /// Why the runtime would skip <paramref name="profile"/> for <paramref name="provider"/> (null: it would try it).
    /// Test-MoltbotAuthProfile asks the same rule.
    /// </summary>
    internal static string? Unusable(StoredProfile? profile, string provider, string? configMode, long nowMs)
    {
        if (profile is null)
        {
            return "not in the store";
        }
        if (!string.Equals(profile.Provider, provider, StringComparison.OrdinalIgnoreCase))
        {
            return $"belongs to provider '{profile.Provider}'";
        }
        if (profile.Type == CredentialType.Unknown)
        {
            return $"unknown credential type '{profile.RawType}'";
        }
        if (configMode is not null)
        {
            var mode = CredentialTypes.Parse(configMode);
            var compatible = mode == profile.Type || (mode == CredentialType.OAuth && profile.Type == CredentialType.Token);
            if (!compatible)
            {
                return $"auth.profiles says mode '{configMode}' but the store holds {Text.Article.With(profile.Type.ToWireName())} credential";
            }
        }
        switch (profile.Type)
        {
            case CredentialType.ApiKey when !profile.HasSecret:
                return "the api_key profile has no key";
            case CredentialType.Token when !profile.HasSecret:
                return "the token is empty";
            case CredentialType.Token when profile.ExpiresMs is { } e && e <= nowMs:
                return "the token has expired";
            case CredentialType.OAuth when !profile.HasSecret:
                return "the oauth profile has neither access nor refresh token";
            case CredentialType.Unknown:
                return $"unknown credential type '{profile.RawType}'";
        }
        return null;
    }

    internal static DateTimeOffset? CooldownUntil(UsageStats? usage, long nowMs)
    {
        if (usage is null)
        {
            return null;
        }
        var until = Math.Max(usage.CooldownUntil ?? 0, usage.DisabledUntil ?? 0);
        return until > nowMs ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null;
    }
}
