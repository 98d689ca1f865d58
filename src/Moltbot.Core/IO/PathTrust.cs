using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Moltbot.Core.IO;

/// <summary>
/// What a path is (lstat/stat/fstat through .NET's own native layer, which gives the file type and owner that the
/// managed API does not) and whether it can be trusted with secrets, as OpenSSH's StrictModes decides: every folder on
/// the way to the file is owned by root or the current user and is not writable by group or others, unless it is a
/// sticky shared folder such as /tmp. Unix only; on Windows every check passes (ACLs are not judged here).
/// </summary>
public static class PathTrust
{
    private const int S_IFMT = 0xF000;
    private const int S_IFDIR = 0x4000;
    private const int S_IFREG = 0x8000;
    private const int S_IFLNK = 0xA000;
    private const int S_ISVTX = 0x200; // 01000: sticky
    private const int GroupOtherWrite = 0x12; // 022

    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int EACCES = 13;
    private const int EPERM = 1;

    /// <summary>One lstat/stat answer: the type bits and permission bits of st_mode, the owner and the size.</summary>
    public readonly record struct Status(int Mode, uint Uid, long Size)
    {
        public int Type => Mode & S_IFMT;
        public int Permissions => Mode & 0xFFF;
        public bool IsRegular => Type == S_IFREG;
        public bool IsDirectory => Type == S_IFDIR;
        public bool IsSymlink => Type == S_IFLNK;
        public string ModeText => Convert.ToString(Permissions, 8).PadLeft(4, '0');
    }

    /// <summary>lstat(2): the path itself, a symlink not followed. Null when it does not exist.</summary>
    public static Status? LStat(string path) => Query(path, follow: false);

    /// <summary>stat(2): the path with symlinks followed. Null when it (or a link's target) does not exist.</summary>
    public static Status? Stat(string path) => Query(path, follow: true);

    /// <summary>What a non-regular file is, for messages: "a FIFO (named pipe)", "a directory", ...</summary>
    public static string DescribeType(Status status) => FileKind.Describe(FileKind.FromType(status.Type));

    /// <summary>The typed error for a path that is there but is not a regular file (a FIFO, a directory, a device...).</summary>
    public static MoltbotException NotRegularFile(string path, Status status) =>
        new(ErrorIds.NotRegularFile, MoltbotErrorKind.InvalidData,
            $"{path} is {DescribeType(status)}, not a regular file; Moltbot reads and writes only regular files there. It was left untouched.", path)
        {
            RecommendedAction = $"Remove or rename {path}; Moltbot (and OpenClaw) expect a regular file or nothing at that path.",
        };

    /// <summary>
    /// Refuses a path that exists but is not a regular file (stat(2), a symlink followed), for files a library opens
    /// itself: SQLite's open(2) of a FIFO would wait for a writer for ever.
    /// </summary>
    /// <exception cref="MoltbotException">InvalidData (<see cref="ErrorIds.NotRegularFile"/>).</exception>
    public static void RequireRegularIfExists(string path)
    {
        if (Stat(path) is { IsRegular: false } special)
        {
            throw NotRegularFile(Path.GetFullPath(path), special);
        }
    }

    /// <summary>
    /// Opens an existing regular file for reading without ever blocking: O_NONBLOCK makes open(2) of a FIFO return at
    /// once (a FIFO without a writer would otherwise block it for ever, beyond the reach of Ctrl+C), and fstat(2) of the
    /// open descriptor then refuses anything that is not a regular file. Null when the path does not exist.
    /// </summary>
    /// <exception cref="MoltbotException">InvalidData (<see cref="ErrorIds.NotRegularFile"/>) for a FIFO, directory, device or socket.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static SafeFileHandle? OpenRegularForRead(string path)
    {
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            if (Directory.Exists(full))
            {
                throw NotRegularFile(full, new Status(S_IFDIR, 0, 0));
            }
            try
            {
                return File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
        }
        var flags = OperatingSystem.IsMacOS() ? 0x4 | 0x1000000 : 0x800 | 0x80000; // O_NONBLOCK | O_CLOEXEC (macOS; Linux)
        var fd = Native.open(full, flags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }
            throw ErrnoException(full, errno);
        }
        var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        try
        {
            if (Native.FStat(handle, out var raw) != 0)
            {
                throw ErrnoException(full, Marshal.GetLastPInvokeError());
            }
            var status = new Status(raw.Mode, raw.Uid, raw.Size);
            if (!status.IsRegular)
            {
                throw NotRegularFile(full, status);
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static readonly ConcurrentDictionary<string, bool> WarnedLoose = new(StringComparer.Ordinal);

    /// <summary>
    /// A warning, once per file per process (a PowerShell session), when a secrets file is readable or writable by group
    /// or others (for example 0644), as ssh warns about a private key; null otherwise or when already warned.
    /// </summary>
    public static string? LooseModeWarningOnce(string path, string what)
    {
        if (OperatingSystem.IsWindows() || Stat(path) is not { IsRegular: true } status || (status.Permissions & 0x3F) == 0)
        {
            return null;
        }
        var key = SecureFile.CanonicalDirectoryOf(path);
        if (!WarnedLoose.TryAdd(key, true))
        {
            return null;
        }
        return $"The {what} {path} has mode {status.ModeText}: other users on this machine can read it (OpenClaw and Moltbot write 0600). " +
               $"Run 'chmod 600 {key}'; the next write by Moltbot also sets 0600.";
    }

    /// <summary>
    /// Refuses to write secrets to <paramref name="path"/> unless every folder on the way is trusted: owned by root or
    /// the current user and not writable by group or others (a sticky folder such as /tmp aside). Both the path as given
    /// and, for a symlinked file or folder, the real path it resolves to are walked up to /; a symlinked store must
    /// itself be owned by the user or root, and must point at something that exists (a dangling link is refused, so
    /// that no folder is ever created at its target).
    /// </summary>
    /// <exception cref="MoltbotException">SecurityError (<see cref="ErrorIds.UntrustedPath"/>); ObjectNotFound (<see cref="ErrorIds.DanglingLink"/>);
    /// InvalidData (<see cref="ErrorIds.NotRegularFile"/>).</exception>
    public static void EnsureTrustedForWrite(string path, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var full = Path.GetFullPath(path);
        try
        {
            CheckTrusted(full, what);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder on the way cannot even be looked at (not searchable, a symlink loop): the write could not succeed.
            throw new MoltbotException(ErrorIds.WriteFailed, MoltbotErrorKind.PermissionDenied,
                $"The {what} {full} cannot be written: its folders cannot be checked ({ex.Message}).", full, ex);
        }
    }

    private static void CheckTrusted(string full, string what)
    {
        var me = Native.geteuid();
        var checkedDirs = new HashSet<string>(StringComparer.Ordinal);
        var self = LStat(full);
        if (self is { IsSymlink: true } link)
        {
            RequireOwner(full, link, me, what, "symbolic link");
            if (Stat(full) is not { } target)
            {
                var dest = SecureFile.ResolveFinalTarget(full);
                throw new MoltbotException(ErrorIds.DanglingLink, MoltbotErrorKind.ObjectNotFound,
                    $"The {what} {full} is a symbolic link to {dest}, which does not exist. Moltbot does not create files or folders through a dangling link; nothing was written.", full)
                {
                    RecommendedAction = $"Create the file the link points at, or remove the link {full} to let Moltbot create a plain file.",
                };
            }
            if (!target.IsRegular)
            {
                throw NotRegularFile(full, target);
            }
            var real = SecureFile.CanonicalDirectoryOf(full);
            WalkUp(Path.GetDirectoryName(real)!, me, what, full, checkedDirs);
        }
        else if (self is { IsRegular: false } other)
        {
            throw NotRegularFile(full, other);
        }
        var dir = Path.GetDirectoryName(full)!;
        WalkUp(dir, me, what, full, checkedDirs);
        WalkUp(SecureFile.CanonicalPath(dir), me, what, full, checkedDirs);
    }

    /// <summary>Checks <paramref name="dir"/> and each parent up to / (missing ones are skipped: Moltbot creates them 0700).</summary>
    private static void WalkUp(string dir, uint me, string what, string file, HashSet<string> seen)
    {
        for (var current = dir; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (!seen.Add(current))
            {
                continue;
            }
            if (LStat(current) is not { } status)
            {
                continue;
            }
            if (status.IsSymlink)
            {
                RequireOwner(current, status, me, what, "symbolic link", file); // its target is walked as the real path
                continue;
            }
            RequireOwner(current, status, me, what, "folder", file);
            if ((status.Permissions & GroupOtherWrite) != 0 && (status.Permissions & S_ISVTX) == 0)
            {
                throw Untrusted(file, what, current, status,
                    $"the folder {current} (owner uid {status.Uid}, mode {status.ModeText}) is writable by {((status.Permissions & 0x2) != 0 ? "all users" : "its group")} and not sticky, so another user could replace what is in it");
            }
        }
    }

    private static void RequireOwner(string path, Status status, uint me, string what, string kind, string? file = null)
    {
        if (status.Uid != 0 && status.Uid != me)
        {
            throw Untrusted(file ?? path, what, path, status,
                $"the {kind} {path} (mode {status.ModeText}) is owned by uid {status.Uid}, neither you (uid {me}) nor root");
        }
    }

    private static MoltbotException Untrusted(string file, string what, string offender, Status status, string reason) =>
        new(ErrorIds.UntrustedPath, MoltbotErrorKind.SecurityError,
            $"Refusing to write the {what} {file}: {reason}. Nothing was written.", offender)
        {
            RecommendedAction = $"Make {offender} yours and not writable by others (for example chown {Environment.UserName} and chmod 700), or move the state dir (OPENCLAW_STATE_DIR) to a folder only you control.",
        };

    private static Status? Query(string path, bool follow)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var result = follow ? Native.Stat(path, out var raw) : Native.LStat(path, out raw);
        if (result == 0)
        {
            return new Status(raw.Mode, raw.Uid, raw.Size);
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ENOENT or ENOTDIR)
        {
            return null;
        }
        throw ErrnoException(path, errno);
    }

    private static Exception ErrnoException(string path, int errno)
    {
        var message = $"{path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno.ToString(CultureInfo.InvariantCulture)})";
        return errno is EACCES or EPERM ? new UnauthorizedAccessException(message) : new IOException(message);
    }

    private static class Native
    {
        /// <summary>The head of System.Native's FileStatus (Flags, Mode, Uid, Gid, Size), padded past its full size.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 512)]
        internal struct FileStatus
        {
            public int Flags;
            public int Mode;
            public uint Uid;
            public uint Gid;
            public long Size;
        }

        // .NET's own PAL (libSystem.Native, shipped with every runtime): one stat layout on Linux and macOS alike, with
        // st_mode's type bits normalised to the values above.
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        internal static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
        internal static extern int LStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
        internal static extern int FStat(SafeFileHandle fd, out FileStatus output);

        // Two arguments only: without O_CREAT open(2) reads no mode, so the variadic tail is never used.
        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc")]
        internal static extern uint geteuid();
    }
}
