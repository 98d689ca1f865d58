using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace Moltbot.Core.Locking;

/// <summary>
/// The cross-agent OAuth refresh/profile lock <c>$STATE/locks/oauth-refresh/&lt;id&gt;.lock</c> (openclaw-compat.md 5.2,
/// openclaw-sqlite.md 8): the names each OpenClaw generation gives it, and a holder that knows which of them this
/// flow already holds, so that a store update nested inside a refresh does not wait for its own lock.
/// </summary>
public static class OAuthProfileLock
{
    private static readonly AsyncLocal<ImmutableHashSet<string>?> HeldHere = new();

    /// <summary>
    /// The 2026.4.2x – 2026.6.9 name: <c>sha256-</c> + hex SHA-256 of the UTF-8 <c>provider + "\0" + profileId</c>.
    /// </summary>
    public static string Sha256Target(string stateDir, string provider, string profileId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(provider + "\0" + profileId));
        return Path.Combine(stateDir, "locks", "oauth-refresh", "sha256-" + Convert.ToHexString(hash).ToLowerInvariant());
    }

    /// <summary>The 2026.6.10+ name: <c>lock-</c> + 32 hex of two FNV-1a-style lanes over the JSON <c>[provider, profileId]</c>.</summary>
    public static string HashedTarget(string stateDir, string provider, string profileId) =>
        Path.Combine(stateDir, "locks", "oauth-refresh", HashedId(provider, profileId));

    /// <summary><c>lock-</c> + 32 hex: the id of <see cref="HashedTarget"/> (test vectors in openclaw-sqlite.md 8).</summary>
    public static string HashedId(string provider, string profileId)
    {
        var bytes = Encoding.UTF8.GetBytes("[" + JsString(provider) + "," + JsString(profileId) + "]");
        unchecked
        {
            ulong a = 14695981039346656037UL, b = 11160318154034397263UL;
            foreach (var x in bytes)
            {
                a = (a ^ x) * 1099511628211UL;
                b = (b ^ (x + 11400714819323198485UL)) * 1099511628211UL;
            }
            return "lock-" + a.ToString("x16", CultureInfo.InvariantCulture) + b.ToString("x16", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Whether this flow (thread or async flow) holds the lock of <paramref name="target"/>.</summary>
    public static bool IsHeld(string target) => HeldHere.Value?.Contains(Key(target)) ?? false;

    /// <summary>
    /// Takes the locks of <paramref name="targets"/> that this flow does not hold yet, in a fixed order (so two
    /// holders of overlapping sets cannot deadlock), and releases them on dispose.
    /// </summary>
    public static IDisposable AcquireAll(IEnumerable<string> targets, FileLockOptions options, CancellationToken cancellationToken)
    {
        var wanted = targets.Select(Key).Distinct(StringComparer.Ordinal).Where(t => !IsHeld(t)).OrderBy(t => t, StringComparer.Ordinal).ToList();
        var taken = new List<FileLock>();
        try
        {
            foreach (var target in wanted)
            {
                taken.Add(FileLock.Acquire(target, options, cancellationToken));
            }
        }
        catch
        {
            foreach (var l in taken)
            {
                l.Dispose();
            }
            throw;
        }
        return Hold(wanted, taken);
    }

    /// <summary>Records that this flow holds <paramref name="locks"/> (taken by the caller) for <paramref name="targets"/>.</summary>
    public static IDisposable Hold(IReadOnlyCollection<string> targets, IReadOnlyList<IDisposable> locks)
    {
        var before = HeldHere.Value;
        HeldHere.Value = (before ?? ImmutableHashSet.Create<string>(StringComparer.Ordinal)).Union(targets.Select(Key));
        return new Release(before, locks);
    }

    private static string Key(string target) => Path.GetFullPath(target);

    private sealed class Release : IDisposable
    {
        private readonly ImmutableHashSet<string>? _before;
        private readonly IReadOnlyList<IDisposable> _locks;
        private bool _done;

        public Release(ImmutableHashSet<string>? before, IReadOnlyList<IDisposable> locks)
        {
            _before = before;
            _locks = locks;
        }

        public void Dispose()
        {
            if (_done)
            {
                return;
            }
            _done = true;
            HeldHere.Value = _before;
            for (var i = _locks.Count - 1; i >= 0; i--)
            {
                _locks[i].Dispose();
            }
        }
    }

    /// <summary>A string as JavaScript's <c>JSON.stringify</c> writes it (non-ASCII kept, lone surrogates escaped).</summary>
    internal static string JsString(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        sb.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
