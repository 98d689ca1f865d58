using System;
using System.IO;
using System.Runtime.InteropServices;

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
    public static void EnsureDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return;
        }
        var parent = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(parent) && parent != full)
        {
            EnsureDirectory(parent);
        }
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
    /// exists (as a file or a folder). The file appears whole: nobody ever sees it empty or half written, even if this
    /// process is killed meanwhile. The content goes to a private temp file beside it first, which is then hard-linked
    /// to the path (link(2) fails when the path exists) or, on Windows, moved there without replacing.
    /// </summary>
    /// <remarks>
    /// A process killed between the two steps leaves only the temp file, which nothing reads. Where hard links are not
    /// supported the file is created exclusively and then written, which is not atomic.
    /// </remarks>
    public static bool TryCreateWithContent(string path, byte[] content)
    {
        var temp = TempPathFor(path);
        try
        {
            using (var stream = CreateNew(temp))
            {
                stream.Write(content, 0, content.Length);
                stream.Flush(flushToDisk: false);
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
            if (HardLink.TryLink(temp, path, out var exists))
            {
                return true;
            }
            if (exists)
            {
                return false;
            }
        }
        catch (IOException)
        {
            // The temp file could not be made (the folder vanished, or the disk is full): try the plain way below.
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
        catch (IOException)
        {
            return false; // exists (file or directory)
        }
        catch (UnauthorizedAccessException)
        {
            if (Directory.Exists(path))
            {
                return false; // on Windows a directory in the way reports access denied
            }
            throw;
        }
        using (stream)
        {
            stream.Write(content, 0, content.Length);
            stream.Flush(flushToDisk: false);
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

        /// <returns>True when linked; otherwise <paramref name="exists"/> tells whether the new name was taken.</returns>
        public static bool TryLink(string existing, string newPath, out bool exists)
        {
            exists = false;
            try
            {
                if (link(existing, newPath) == 0)
                {
                    return true;
                }
                exists = Marshal.GetLastPInvokeError() == EEXIST;
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
        SweepOrphanedTemps(target);
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

    private const string TempMarker = ".moltbot-";

    /// <summary>
    /// A private temp file beside <paramref name="path"/>: <c>&lt;name&gt;.moltbot-&lt;pid&gt;-&lt;guid&gt;.tmp</c>. The pid lets a later
    /// writer tell a temp file whose process was killed (and will never finish it) from one still being written.
    /// </summary>
    internal static string TempPathFor(string path) =>
        path + TempMarker + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N") + ".tmp";

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
