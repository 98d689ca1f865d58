using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Nodes;

namespace Moltbot.Core.Json;

/// <summary>
/// The last document this process parsed from, or wrote to, each JSON file, keyed by the file's exact bytes (issue 16):
/// a locked update re-reads its file inside the lock, and when the bytes are the ones this process last saw it takes a
/// copy of the tree instead of parsing them again (a copy costs a third of a parse; at 800 profiles a parse is the
/// largest step of an upsert). The bytes are always read and compared in full: no stat, no clock, no trust in a
/// file that changed by a single byte. The trees held here are never handed out, only copies of them.
/// </summary>
internal static class ParsedFileCache
{
    /// <summary>Files remembered at most (a process touches a few: each agent's store and state file, the config).</summary>
    private const int MaxFiles = 32;

    /// <summary>Files larger than this are not remembered (the copy would hold too much memory for too little gain).</summary>
    private const int MaxBytes = 8 * 1024 * 1024;

    private sealed record Entry(byte[] Bytes, JsonObject Root);

    private static readonly object Gate = new();
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);
    private static long _hits;

    /// <summary>Reads answered from here rather than parsed (for tests and benchmarks).</summary>
    internal static long Hits => System.Threading.Interlocked.Read(ref _hits);

    /// <summary>A copy of the tree last remembered for <paramref name="path"/> when it was made from exactly <paramref name="bytes"/>; else null.</summary>
    public static JsonObject? TryCopy(string path, ReadOnlySpan<byte> bytes)
    {
        var key = Key(path);
        lock (Gate)
        {
            if (!Entries.TryGetValue(key, out var entry) || !bytes.SequenceEqual(entry.Bytes))
            {
                return null;
            }
            _hits++;
            return (JsonObject)JsonFile.CopyAsParsed(entry.Root)!;
        }
    }

    /// <summary>
    /// Remembers that <paramref name="path"/> holds <paramref name="bytes"/>, which parse to <paramref name="root"/>
    /// (the tree just serialised to them). A copy is kept, made of what a parse would give (<see cref="JsonFile.CopyAsParsed"/>):
    /// a later copy of it then reads exactly as a parse of the bytes.
    /// </summary>
    public static void Remember(string path, byte[] bytes, JsonObject root)
    {
        var key = Key(path);
        if (bytes.Length > MaxBytes)
        {
            Forget(path);
            return;
        }
        var kept = (JsonObject)JsonFile.CopyAsParsed(root)!;
        lock (Gate)
        {
            if (Entries.Count >= MaxFiles && !Entries.ContainsKey(key))
            {
                Entries.Clear();
            }
            Entries[key] = new Entry(bytes, kept);
        }
    }

    /// <summary>Forgets <paramref name="path"/> (its file was deleted, or written by a path that does not remember).</summary>
    public static void Forget(string path)
    {
        var key = Key(path);
        lock (Gate)
        {
            Entries.Remove(key);
        }
    }

    /// <summary>Test hook: forgets every file.</summary>
    internal static void Clear()
    {
        lock (Gate)
        {
            Entries.Clear();
        }
    }

    private static string Key(string path) => Path.GetFullPath(path);
}
