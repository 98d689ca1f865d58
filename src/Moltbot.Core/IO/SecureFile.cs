using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace Moltbot.Core.IO;

/// <summary>
/// File primitives with OpenClaw's permissions: folders 0700, files 0600 from the moment they exist, and
/// atomic replacement (temp file in the same folder, flushed to disk, renamed over the target).
/// </summary>
public static class SecureFile
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a folder and any missing parents, each created one with mode 0700.</summary>
    /// <exception cref="MoltbotException">
    /// <see cref="ErrorIds.NotADirectory"/> when the path or a parent is a file (or anything but a folder);
    /// <see cref="ErrorIds.DirectoryNotWritable"/> when a folder cannot be created there (read-only file system,
    /// no write permission); <see cref="ErrorIds.WriteFailed"/> for any other failure (a full disk, say).
    /// </exception>
    public static void EnsureDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return;
        }
        if (FileKind.Of(full) is not (FileKindValue.Missing or FileKindValue.Directory) and var kind)
        {
            // Without this, CreateDirectory fails with an untyped "file exists" (or, one level up, ENOTDIR).
            throw new MoltbotException(ErrorIds.NotADirectory, MoltbotErrorKind.InvalidData,
                $"{full} must be a folder but is {FileKind.Describe(kind)}.", full)
            {
                RecommendedAction = "Move that file out of the way; the module creates the folder itself.",
            };
        }
        var parent = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(parent) && parent != full)
        {
            EnsureDirectory(parent);
        }
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, DirectoryMode);
                // The process umask cannot widen 0700, but make the mode exact all the same.
                File.SetUnixFileMode(full, DirectoryMode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(full))
            {
                return; // a peer created it meanwhile
            }
            throw WriteError(full, parent ?? full, ex);
        }
    }

    private const int EACCES = 13, EPERM = 1, EROFS = 30, ENOENT = 2;

    /// <summary>
    /// The typed error for a write in <paramref name="directory"/> that failed with <paramref name="ex"/>:
    /// <see cref="ErrorIds.DirectoryNotWritable"/> (PermissionDenied) when the folder cannot be written at all (read-only
    /// file system, or no write permission), else <see cref="ErrorIds.WriteFailed"/> (WriteError), e.g. for a full disk.
    /// </summary>
    internal static MoltbotException WriteError(string path, string directory, Exception ex)
    {
        var errno = ex is IOException && !OperatingSystem.IsWindows() ? ex.HResult : 0;
        if (ex is UnauthorizedAccessException || errno is EROFS or EACCES or EPERM || IsReadOnlyMount(directory))
        {
            var why = errno == EROFS || IsReadOnlyMount(directory) ? "it is on a read-only file system" : "this user may not write in it";
            return new MoltbotException(ErrorIds.DirectoryNotWritable, MoltbotErrorKind.PermissionDenied,
                $"The folder {directory} is not writable: {why}. Nothing was changed.", directory, ex)
            {
                RecommendedAction = "Run as the user who owns the OpenClaw state folder, or make the folder writable (a read-only mount cannot hold the lock or the store).",
            };
        }
        return new MoltbotException(ErrorIds.WriteFailed, MoltbotErrorKind.WriteError,
            $"{path} could not be written: {ex.Message}. Nothing was left behind.", path, ex);
    }

    /// <summary>Whether the folder sits on a file system mounted read-only (access(2) W_OK says EROFS even for root).</summary>
    private static bool IsReadOnlyMount(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        try
        {
            return access(directory, 2 /* W_OK */) != 0 && Marshal.GetLastPInvokeError() == EROFS;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int access(string path, int mode);

    /// <summary>Opens a new file exclusively (fails if the path exists), created 0600 on Unix.</summary>
    /// <remarks>
    /// The exclusivity comes from <see cref="FileMode.CreateNew"/> (O_CREAT|O_EXCL), not from FileShare. On Unix .NET
    /// emulates FileShare.None with flock(LOCK_EX): when another process reads the file between the create and the
    /// flock, the constructor throws a sharing violation and leaves the empty file it has just created behind. For the
    /// lock file that is an orphan lock every waiter respects for 30 s, so readers are allowed.
    /// </remarks>
    public static FileStream CreateNew(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode600;
        }
        return new FileStream(path, options);
    }

    /// <summary>
    /// Creates <paramref name="path"/> (0600 on Unix) holding <paramref name="content"/>, or returns false when the path
    /// exists (as a file or a folder) or its folder vanished meanwhile (the caller tries again). The file appears whole:
    /// nobody ever sees it empty or half written, even if this process is killed meanwhile. The content goes to a
    /// private temp file beside it first, which is then hard-linked to the path (link(2) fails when the path exists)
    /// or, on Windows, moved there without replacing.
    /// </summary>
    /// <remarks>
    /// A process killed between the two steps leaves only the temp file, which nothing reads. Where hard links are not
    /// supported the file is created exclusively and then written, which is not atomic. A failure leaves nothing: no
    /// temp file and no (empty) file at <paramref name="path"/>; a full disk must not publish a pid-less lock that every
    /// later writer respects for 30 s.
    /// </remarks>
    /// <exception cref="MoltbotException">
    /// <see cref="ErrorIds.DirectoryNotWritable"/> (read-only file system, no write permission) or
    /// <see cref="ErrorIds.WriteFailed"/> (a full disk, say): at once, never as a "busy" wait.
    /// </exception>
    public static bool TryCreateWithContent(string path, byte[] content)
    {
        var temp = TempPathFor(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
        try
        {
            try
            {
                using var stream = CreateNew(temp);
                stream.Write(content, 0, content.Length);
                stream.Flush(flushToDisk: false);
            }
            catch (DirectoryNotFoundException)
            {
                return false; // a peer removed the (empty) folder: the caller recreates it and tries again
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw WriteError(path, dir, ex); // the folder is not writable, or the disk is full
            }
            if (OperatingSystem.IsWindows())
            {
                try
                {
                    File.Move(temp, path, overwrite: false); // MoveFileEx without REPLACE_EXISTING: atomic
                    return true;
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException) when (Directory.Exists(path))
                {
                    return false;
                }
            }
            if (HardLink.TryLink(temp, path, out var exists, out var errno))
            {
                return true;
            }
            if (exists)
            {
                return false;
            }
            if (errno == ENOENT)
            {
                return false;
            }
            if (errno is EROFS or EACCES or 28 /* ENOSPC */ or 122 /* EDQUOT (Linux) */ or 69 /* EDQUOT (macOS) */)
            {
                throw WriteError(path, dir, new IOException($"link(2) failed with errno {errno}", errno));
            }
            // EPERM, ENOTSUP, EMLINK ...: no hard links here; the plain way below.
        }
        finally
        {
            TryDelete(temp);
        }
        return CreateThenWrite(path, content);
    }

    private static bool CreateThenWrite(string path, byte[] content)
    {
        FileStream stream;
        try
        {
            stream = CreateNew(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(path) || Directory.Exists(path) || ex is DirectoryNotFoundException)
            {
                return false; // exists (file or directory; on Windows a directory in the way reports access denied)
            }
            throw WriteError(path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? path, ex);
        }
        try
        {
            using (stream)
            {
                stream.Write(content, 0, content.Length);
                stream.Flush(flushToDisk: false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(path); // never leave an empty or partial file behind (ours: just created exclusively)
            throw WriteError(path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? path, ex);
        }
        return true;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>link(2), which creates the new name only when it does not exist.</summary>
    private static class HardLink
    {
        private const int EEXIST = 17; // Linux and macOS alike

        /// <returns>True when linked; otherwise <paramref name="exists"/> tells whether the new name was taken, <paramref name="errno"/> why not.</returns>
        public static bool TryLink(string existing, string newPath, out bool exists, out int errno)
        {
            exists = false;
            errno = 0;
            try
            {
                if (link(existing, newPath) == 0)
                {
                    return true;
                }
                errno = Marshal.GetLastPInvokeError();
                exists = errno == EEXIST;
                return false;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int link(string existing, string newPath);
    }

    /// <summary>The largest file <see cref="ReadAllBytesOrNull"/> reads (a store is a few KB; OpenClaw writes nothing near this).</summary>
    public const long MaxReadBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Reads a whole regular file with sharing that lets other writers rename over it meanwhile; null when it does not
    /// exist. Never blocks on a FIFO and never reads a directory, device or socket (<see cref="PathTrust.OpenRegularForRead"/>).
    /// </summary>
    /// <exception cref="MoltbotException">InvalidData: <see cref="ErrorIds.NotRegularFile"/>, or <see cref="ErrorIds.FileTooLarge"/>
    /// for a file over <see cref="MaxReadBytes"/> (refused before anything is read).</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static byte[]? ReadAllBytesOrNull(string path)
    {
        using var handle = PathTrust.OpenRegularForRead(path);
        if (handle is null)
        {
            return null;
        }
        var length = RandomAccess.GetLength(handle);
        if (length > MaxReadBytes)
        {
            throw new MoltbotException(ErrorIds.FileTooLarge, MoltbotErrorKind.InvalidData,
                $"{Path.GetFullPath(path)} is {length / (1024.0 * 1024):0.#} MiB, larger than the {MaxReadBytes / (1024 * 1024)} MiB Moltbot reads; it was not read and was left untouched.", path)
            {
                RecommendedAction = "A credential store or config is a few KB: restore the file from a backup or remove what does not belong in it.",
            };
        }
        var buffer = new byte[length];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        if (read != buffer.Length)
        {
            Array.Resize(ref buffer, read);
        }
        return buffer;
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically. A symlinked target is written through
    /// to the file it points at. The folder is created 0700 when missing, the result is 0600.
    /// </summary>
    public static void WriteAtomic(string path, byte[] content)
    {
        var target = ResolveFinalTarget(path);
        var dir = Path.GetDirectoryName(target) ?? throw new IOException($"{path} has no folder");
        EnsureDirectory(dir);
        SweepOrphanedTempsIfDue(target);
        var temp = TempPathFor(target);
        try
        {
            using (var fs = CreateNew(temp))
            {
                fs.Write(content, 0, content.Length);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                // A file renamed over keeps the temp file's 0600; repair a target someone widened before us.
                File.SetUnixFileMode(target, FileMode600);
            }
            AtomicWriteObserver?.Invoke(target);
        }
        finally
        {
            try
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
            catch (IOException)
            {
                // best effort: a stray temp file is harmless and never read
            }
        }
    }

    /// <summary>Test hook: told the target of every completed <see cref="WriteAtomic"/> (tests count the writes of their own files).</summary>
    internal static event Action<string>? AtomicWriteObserver;

    private const string TempMarker = ".moltbot-";

    /// <summary>
    /// A private temp file beside <paramref name="path"/>: <c>&lt;name&gt;.moltbot-&lt;pid&gt;-&lt;guid&gt;.tmp</c>. The pid lets a later
    /// writer tell a temp file whose process was killed (and will never finish it) from one still being written.
    /// </summary>
    internal static string TempPathFor(string path) =>
        path + TempMarker + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N") + ".tmp";

    /// <summary>
    /// The one rule for when a writer sweeps (<see cref="SweepOrphanedTemps"/>): once per target file per process per
    /// <see cref="TempSweeper.DefaultInterval"/>, at its first write (or lock) there, not on every write: a killed writer's
    /// temp file is harmless and never read, so it need not go at once, and a directory enumeration per write is not free.
    /// </summary>
    internal static TempSweeper Sweeper { get; } = new(TempSweeper.DefaultInterval);

    /// <summary><see cref="SweepOrphanedTemps"/> when <see cref="Sweeper"/> says it is due for <paramref name="path"/>; else 0 at once.</summary>
    public static int SweepOrphanedTempsIfDue(string path) => Sweeper.SweepIfDue(path);

    /// <summary>
    /// Deletes the temp files of <paramref name="path"/> (<see cref="TempPathFor"/>) whose process is gone: what a writer
    /// killed between creating its temp file and renaming or linking it leaves behind. A live process's temp file, and any
    /// file not named that way (OpenClaw's own, say), is left alone. Best effort; returns how many were deleted.
    /// </summary>
    public static int SweepOrphanedTemps(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        var prefix = Path.GetFileName(path) + TempMarker;
        if (string.IsNullOrEmpty(dir))
        {
            return 0;
        }
        var deleted = 0;
        try
        {
            foreach (var candidate in Directory.EnumerateFiles(dir, prefix + "*.tmp"))
            {
                var name = Path.GetFileName(candidate);
                if (!name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                var rest = name.AsSpan(prefix.Length);
                var dash = rest.IndexOf('-');
                if (dash <= 0
                    || !int.TryParse(rest[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                    || Locking.ProcessProbe.IsAlive(pid))
                {
                    continue;
                }
                TryDelete(candidate);
                deleted++;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return deleted;
    }

    /// <summary>The path a symlink chain ends at (the path itself when it is not a link or does not exist).</summary>
    public static string ResolveFinalTarget(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not null)
            {
                var final = info.ResolveLinkTarget(returnFinalTarget: true);
                if (final is not null)
                {
                    return final.FullName;
                }
            }
        }
        catch (IOException)
        {
            // unresolvable link: write the path itself
        }
        return full;
    }

    /// <summary>The canonical folder path of a file path (symlinks in the folder part resolved), as Node's realpath gives.</summary>
    public static string CanonicalDirectoryOf(string filePath)
    {
        var full = ResolveFinalTarget(filePath);
        var dir = Path.GetDirectoryName(full)!;
        return Path.Combine(CanonicalPath(dir), Path.GetFileName(full));
    }

    /// <summary>A folder path with every symlink in it resolved (components that do not exist are kept as they are).</summary>
    internal static string CanonicalPath(string dir)
    {
        // Resolve each existing component from the root so that a link anywhere in the chain is followed.
        var root = Path.GetPathRoot(dir) ?? "/";
        var parts = dir.Substring(root.Length).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        foreach (var part in parts)
        {
            var next = Path.Combine(current, part);
            try
            {
                var info = new DirectoryInfo(next);
                if (info.LinkTarget is not null)
                {
                    var resolved = info.ResolveLinkTarget(returnFinalTarget: true);
                    if (resolved is not null)
                    {
                        next = Path.GetFullPath(resolved.FullName);
                    }
                }
            }
            catch (IOException)
            {
            }
            current = next;
        }
        return current;
    }
}

/// <summary>
/// Decides when the temp files of a target are swept: the first time a process writes (or locks) it, then at most once
/// per interval. Keyed by the target's full path, so each target's own temp files are swept by the same rule as before.
/// </summary>
internal sealed class TempSweeper
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(60);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _last = new(StringComparer.Ordinal);
    private readonly long _intervalTicks;
    private readonly Func<long> _clock;
    private readonly Func<string, int> _sweep;

    /// <param name="interval">How long after a sweep of a target the next one is due.</param>
    /// <param name="clock">
    /// Monotonic time: <see cref="System.Diagnostics.Stopwatch"/> ticks by default; an injected clock (tests) counts
    /// <see cref="TimeSpan"/> ticks.
    /// </param>
    /// <param name="sweep">The sweep itself (<see cref="SecureFile.SweepOrphanedTemps"/> by default).</param>
    public TempSweeper(TimeSpan interval, Func<long>? clock = null, Func<string, int>? sweep = null)
    {
        _clock = clock ?? System.Diagnostics.Stopwatch.GetTimestamp;
        _intervalTicks = clock is null ? (long)(interval.TotalSeconds * System.Diagnostics.Stopwatch.Frequency) : interval.Ticks;
        _sweep = sweep ?? SecureFile.SweepOrphanedTemps;
    }

    /// <summary>How many sweeps this sweeper has run (each one enumerates a folder).</summary>
    public int Sweeps => Volatile.Read(ref _sweeps);

    private int _sweeps;

    /// <summary>Sweeps the temp files of <paramref name="path"/> when due; returns how many were deleted (0 when not due).</summary>
    public int SweepIfDue(string path)
    {
        var key = Path.GetFullPath(path);
        var now = _clock();
        while (true)
        {
            if (_last.TryGetValue(key, out var last))
            {
                if (now - last < _intervalTicks || !_last.TryUpdate(key, now, last))
                {
                    return 0; // swept lately, or another thread of this process sweeps it right now
                }
            }
            else if (!_last.TryAdd(key, now))
            {
                continue;
            }
            Interlocked.Increment(ref _sweeps);
            return _sweep(path);
        }
    }
}
