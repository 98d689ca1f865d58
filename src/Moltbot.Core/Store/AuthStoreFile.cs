using System;
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

    /// <summary>The store, or null when the file does not exist. A file that cannot be parsed throws (InvalidData).</summary>
    public static AuthProfileStore? TryLoad(string path)
    {
        byte[]? bytes;
        try
        {
            bytes = SecureFile.ReadAllBytesOrNull(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new MoltbotException(ErrorIds.StoreUnreadable, MoltbotErrorKind.PermissionDenied,
                $"The credential store {path} cannot be opened: permission denied.", path, ex);
        }
        if (bytes is null)
        {
            return null;
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

    /// <summary>The store, or an empty one when the file does not exist.</summary>
    public static AuthProfileStore LoadOrEmpty(string path) => TryLoad(path) ?? AuthProfileStore.CreateEmpty();

    /// <summary>Writes the store atomically (0600, folder 0700). Callers hold the store lock.</summary>
    public static void Save(string path, AuthProfileStore store)
    {
        try
        {
            SecureFile.WriteAtomic(path, JsonFile.SerializeToUtf8(store.Root));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MoltbotException(ErrorIds.WriteFailed, MoltbotErrorKind.PermissionDenied,
                $"The credential store {path} could not be written: {ex.Message}", path, ex);
        }
    }

    /// <summary>
    /// Runs <paramref name="change"/> on the current store under the store lock and saves the result when it changed
    /// the document. The change sees the file as it is inside the lock, never a copy read earlier. A store that
    /// cannot be parsed is not touched: the exception propagates before anything is written.
    /// </summary>
    public static T Update<T>(string path, Func<AuthProfileStore, T> change, FileLockOptions? lockOptions = null, CancellationToken cancellationToken = default)
    {
        using var storeLock = FileLock.Acquire(path, lockOptions, cancellationToken);
        var store = TryLoad(path);
        store ??= AuthProfileStore.CreateEmpty();
        var before = store.Serialize(); // a missing store that stays empty is not created
        var result = change(store);
        var after = store.Serialize();
        if (!string.Equals(before, after, StringComparison.Ordinal))
        {
            Save(path, store);
        }
        return result;
    }
}
