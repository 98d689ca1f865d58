using System;
using System.IO;

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

    /// <summary>Reads a whole file with sharing that lets other writers rename over it meanwhile.</summary>
    public static byte[]? ReadAllBytesOrNull(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = fs.Length;
            if (length > 64L * 1024 * 1024)
            {
                throw new IOException($"{path} is larger than 64 MiB");
            }
            var buffer = new byte[length];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = fs.Read(buffer, read, buffer.Length - read);
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
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
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
        var temp = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
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

    private static string CanonicalPath(string dir)
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
