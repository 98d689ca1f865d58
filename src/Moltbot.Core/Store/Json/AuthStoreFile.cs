using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Moltbot.Core.IO;
using Moltbot.Core.Json;
using Moltbot.Core.Locking;

namespace Moltbot.Core.Store;

/// <summary>
/// Reading and writing one agent's <c>auth-profiles.json</c>. Every change goes through <see cref="Update{T}"/>:
/// take the store lock, re-read the file inside it, apply the change, write atomically, release.
/// </summary>
public static class AuthStoreFile
{
    public const string FileName = "auth-profiles.json";

    /// <summary>The era-B state file beside a store (openclaw 2026.4.5+): order, lastGood and usageStats.</summary>
    public const string StateFileName = "auth-state.json";

    public static string StatePathFor(string storePath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storePath))!, StateFileName);

    /// <summary>
    /// The store, or null when neither <c>auth-profiles.json</c> nor <c>auth-state.json</c> exists. With an
    /// <c>auth-state.json</c> beside it (era B), its order/lastGood/usageStats are merged in, winning key by key.
    /// A file that cannot be parsed throws (InvalidData).
    /// </summary>
    public static AuthProfileStore? TryLoad(string path)
    {
        var store = ReadDocument(path, isState: false) is { } bytes ? ParseFile(bytes, path) : null;
        if (store is not null && PathTrust.LooseModeWarningOnce(path, "credential store") is { } loose)
        {
            store.AddWarning(loose);
        }
        var statePath = StatePathFor(path);
        // Most stores have no auth-state.json: ask first rather than pay for a FileNotFoundException on every read
        // (Path.Exists is true for a folder too, so a folder in its place still fails as unreadable, as before).
        if (Path.Exists(statePath) && ReadDocument(statePath, isState: true) is { } stateBytes)
        {
            var state = ParseFile(stateBytes, statePath);
            store ??= AuthProfileStore.CreateEmpty();
            store.AttachState(state.Root);
            if (PathTrust.LooseModeWarningOnce(statePath, "credential state file") is { } looseState)
            {
                store.AddWarning(looseState);
            }
        }
        return store;
    }

    /// <summary>
    /// The store with the legacy credentials OpenClaw would import when the agent has no usable store yet
    /// (<c>auth-profiles.json</c> missing or without a <c>profiles</c> object). Nothing is written.
    /// </summary>
    public static AuthProfileStore? TryLoad(string path, LegacySources? legacy, out LegacyImportResult? imported)
    {
        imported = null;
        var store = TryLoad(path);
        if (legacy is null || (store is not null && store.HasProfilesObject && File.Exists(path)))
        {
            return store;
        }
        var candidate = store ?? AuthProfileStore.CreateEmpty();
        imported = LegacyImporter.Import(candidate, legacy);
        return imported.ImportedCount > 0 || store is not null ? candidate : null;
    }

    /// <summary>The store, or an empty one when the file does not exist.</summary>
    public static AuthProfileStore LoadOrEmpty(string path) => TryLoad(path) ?? AuthProfileStore.CreateEmpty();

    /// <summary>
    /// Writes the store atomically (0600, folder 0700). In the two-file layout, order/lastGood/usageStats go to
    /// <c>auth-state.json</c> and the store keeps the rest. Callers hold the store lock.
    /// </summary>
    public static void Save(string path, AuthProfileStore store) => Save(path, store, onlyChangedParts: false);

    /// <summary>
    /// <see cref="Save(string, AuthProfileStore)"/>; with <paramref name="onlyChangedParts"/>, in the two-file layout only
    /// the file whose part changed is written (the store file also when it is missing or still holds state keys of its
    /// own, which the state file's write must not leave behind to win again). Each file written is serialised once.
    /// </summary>
    internal static void Save(string path, AuthProfileStore store, bool onlyChangedParts)
    {
        var statePath = StatePathFor(path);
        var writeState = !onlyChangedParts || store.StateChanged;
        var writeProfiles = !onlyChangedParts || !store.UsesStateFile || store.ProfilesChanged || store.ProfilesFileHoldsState || !File.Exists(path);
        var (profiles, state) = store.SplitForWrite(includeState: writeState);
        try
        {
            if (writeProfiles)
            {
                WriteFile(path, profiles);
            }
            if (!writeState)
            {
                return;
            }
            if (state is not null)
            {
                WriteFile(statePath, state);
            }
            else if (store.UsesStateFile && File.Exists(statePath))
            {
                ParsedFileCache.Forget(statePath);
                File.Delete(statePath); // order, lastGood and usageStats are all empty, as OpenClaw then does
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The one rule for a failed write: a folder that cannot be written at all, or any other failure (a full disk).
            throw SecureFile.WriteError(path, System.IO.Path.GetDirectoryName(path)!, ex);
        }
    }

    /// <summary>
    /// Test hook: also serialise the store before and after each change (as this module did before the change flag) and
    /// fail when a part changed that its flag does not report. Set by the test assembly, never in production.
    /// </summary>
    internal static bool VerifyChangeTracking { get; set; }

    /// <summary>
    /// Runs <paramref name="change"/> on the current store under the store lock and saves the result when it changed
    /// the document. The change sees the file as it is inside the lock, never a copy read earlier. A store that
    /// cannot be parsed is not touched: the exception propagates before anything is written.
    /// </summary>
    public static T Update<T>(string path, Func<AuthProfileStore, T> change, FileLockOptions? lockOptions = null, CancellationToken cancellationToken = default) =>
        Update(path, null, change, out _, lockOptions, cancellationToken);

    /// <summary>
    /// <see cref="Update{T}(string, Func{AuthProfileStore, T}, FileLockOptions?, CancellationToken)"/>, importing the
    /// legacy credentials first when the agent has no usable store yet ("first use"). <c>auth.json</c> is deleted only
    /// after the new store has been written, and only when it contributed a profile.
    /// </summary>
    public static T Update<T>(string path, LegacySources? legacy, Func<AuthProfileStore, T> change, out LegacyImportResult? imported,
        FileLockOptions? lockOptions = null, CancellationToken cancellationToken = default)
    {
        // Before the lock, which creates folders: a store whose folders another user controls, or a dangling link, is
        // refused here with nothing created or written (StrictModes, issue 12 finding 7).
        PathTrust.EnsureTrustedForWrite(path, "credential store");
        PathTrust.EnsureTrustedForWrite(StatePathFor(path), "credential state file");
        // The lock creates the agent's folder; a change that fails or writes nothing must not leave it behind (an empty
        // agents/<id>/agent would make a mistyped -Agent look like an agent from then on).
        var created = MissingFolders(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var saved = false;
        try
        {
            using var storeLock = FileLock.Acquire(path, lockOptions, cancellationToken);
            // One parse per file here, one serialisation per file written below: the change flag of the document says
            // whether (and in era B which file) to write. A missing store that stays empty is not created.
            var store = TryLoad(path);
            var verify = VerifyChangeTracking ? Parts(store ?? AuthProfileStore.CreateEmpty()) : default;
            imported = null;
            if (legacy is not null && (store is null || !store.HasProfilesObject || !File.Exists(path)))
            {
                store ??= AuthProfileStore.CreateEmpty();
                imported = LegacyImporter.Import(store, legacy);
            }
            store ??= AuthProfileStore.CreateEmpty();
            var result = change(store);
            if (VerifyChangeTracking)
            {
                Verify(verify, store, path);
            }
            if (store.Changed)
            {
                saved = true;
                Save(path, store, onlyChangedParts: true);
                store.AcceptChanges();
                if (imported is { AuthJsonConsumed: true } && legacy?.AuthJsonPath is { } authJson)
                {
                    TryDelete(authJson);
                }
            }
            return result;
        }
        finally
        {
            if (!saved)
            {
                RemoveIfEmpty(created);
            }
        }
    }

    private static (string Profiles, string State) Parts(AuthProfileStore store)
    {
        var (profiles, state) = store.SplitForWrite(includeState: true);
        return (JsonFile.Serialize(profiles), state is null ? string.Empty : JsonFile.Serialize(state));
    }

    private static void Verify((string Profiles, string State) before, AuthProfileStore store, string path)
    {
        var after = Parts(store);
        var profilesDiffer = !string.Equals(before.Profiles, after.Profiles, StringComparison.Ordinal);
        var stateDiffer = !string.Equals(before.State, after.State, StringComparison.Ordinal);
        if (store.UsesStateFile ? (profilesDiffer && !store.ProfilesChanged) || (stateDiffer && !store.StateChanged) : (profilesDiffer || stateDiffer) && !store.Changed)
        {
            throw new InvalidOperationException($"A change to {path} was made without the store's change flag (profiles {profilesDiffer}/{store.ProfilesChanged}, state {stateDiffer}/{store.StateChanged}).");
        }
    }

    /// <summary>The folders of <paramref name="dir"/> and its parents that do not exist yet, deepest first.</summary>
    private static List<string> MissingFolders(string dir)
    {
        var missing = new List<string>();
        for (var current = dir; !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Add(current);
        }
        return missing;
    }

    private static void RemoveIfEmpty(List<string> folders)
    {
        foreach (var folder in folders)
        {
            try
            {
                Directory.Delete(folder, recursive: false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return; // not empty (someone else uses it now) or already gone: leave it and its parents
            }
        }
    }

    /// <summary>
    /// A store or state file's bytes as a document: a copy of the tree this process last wrote there or read from there
    /// when the bytes are exactly those (<see cref="ParsedFileCache"/>), else parsed (and checked) afresh.
    /// </summary>
    private static AuthProfileStore ParseFile(byte[] bytes, string path)
    {
        if (ParsedFileCache.TryCopy(path, bytes) is { } known)
        {
            return AuthProfileStore.FromRoot(known);
        }
        string text;
        try
        {
            text = JsonFile.DecodeUtf8(bytes);
        }
        catch (System.Text.DecoderFallbackException ex)
        {
            throw AuthProfileStore.Unreadable(path, "it is not valid UTF-8", ex);
        }
        return AuthProfileStore.Parse(text, path);
    }

    /// <summary>Writes one file of the store (serialised once) and remembers its tree for the next read of those bytes.</summary>
    private static void WriteFile(string path, System.Text.Json.Nodes.JsonObject document)
    {
        var bytes = JsonFile.SerializeToUtf8(document);
        try
        {
            SecureFile.WriteAtomic(path, bytes);
        }
        catch
        {
            ParsedFileCache.Forget(path); // whatever the file holds now, the next read parses it
            throw;
        }
        ParsedFileCache.Remember(path, bytes, document);
    }

    private static byte[]? ReadDocument(string path, bool isState)
    {
        byte[]? bytes;
        try
        {
            bytes = SecureFile.ReadAllBytesOrNull(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new MoltbotException(ErrorIds.StoreUnreadable, MoltbotErrorKind.PermissionDenied,
                $"The credential {(isState ? "state file" : "store")} {path} cannot be opened: permission denied.", path, ex);
        }
        catch (IOException ex)
        {
            throw AuthProfileStore.Unreadable(path, ex.Message, ex);
        }
        return bytes;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The import is saved; a leftover auth.json is not imported again because the store now exists.
        }
    }
}
