using System;
using System.Collections.Generic;
using System.Linq;

namespace Moltbot.Core.Text;

/// <summary>
/// The names closest to a mistyped one (Damerau-Levenshtein distance, case-insensitive), for "did you mean" hints in
/// not-found errors: an agent id, a profile id, a provider.
/// </summary>
public static class ClosestNames
{
    /// <summary>
    /// Up to <paramref name="max"/> candidates within a distance of a third of the longer name (at least 2), nearest
    /// first, then by name; a candidate that starts with or contains the typed text counts as near.
    /// </summary>
    public static IReadOnlyList<string> Find(string typed, IEnumerable<string> candidates, int max = 3)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var text = (typed ?? string.Empty).Trim().ToLowerInvariant();
        if (text.Length == 0)
        {
            return Array.Empty<string>();
        }
        return candidates
            .Where(c => !string.IsNullOrEmpty(c))
            .Distinct(StringComparer.Ordinal)
            .Select(c =>
            {
                var lower = c.ToLowerInvariant();
                var exact = Distance(text, lower);
                var distance = lower.Contains(text, StringComparison.Ordinal) || text.Contains(lower, StringComparison.Ordinal)
                    ? Math.Min(1, exact)
                    : exact;
                return (Name: c, Distance: distance, Exact: exact, Limit: Math.Max(2, Math.Max(text.Length, lower.Length) / 3));
            })
            .Where(x => x.Distance <= x.Limit)
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Exact)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.Name)
            .ToList();
    }

    /// <summary>"Did you mean 'a' or 'b'?" for the closest names, or an empty string when none is close.</summary>
    public static string Hint(string typed, IEnumerable<string> candidates)
    {
        var close = Find(typed, candidates);
        return close.Count switch
        {
            0 => string.Empty,
            1 => $" Did you mean '{close[0]}'?",
            _ => $" Did you mean {string.Join(", ", close.Take(close.Count - 1).Select(n => $"'{n}'"))} or '{close[^1]}'?",
        };
    }

    /// <summary>The optimal string alignment distance (insertions, deletions, substitutions, adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
