using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Moltbot.Core.IO;

/// <summary>What a path names, as lstat(2) tells it (a symlink is not followed).</summary>
public enum FileKindValue
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Other,
}

/// <summary>
/// The kind of a path without opening it: opening a FIFO for reading blocks until a writer comes, for ever, so a reader
/// looks at the kind first. On Unix this asks the runtime's own lstat shim (libSystem.Native, shipped with every .NET);
/// on Windows, or should the shim be missing, it falls back to the managed view (regular file, folder or link).
/// </summary>
public static class FileKind
{
    private const int S_IFMT = 0xF000, S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFDIR = 0x4000, S_IFBLK = 0x6000,
        S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFSOCK = 0xC000;

    private static bool _nativeMissing;

    public static FileKindValue Of(string path)
    {
        if (!OperatingSystem.IsWindows() && !_nativeMissing)
        {
            try
            {
                // FileStatus of System.Native: int Flags, int Mode (the st_mode, type bits included), ... (< 256 bytes).
                var buffer = new byte[256];
                if (SystemNativeLStat(path, buffer) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    return errno is 2 or 20 ? FileKindValue.Missing : Managed(path); // ENOENT, ENOTDIR
                }
                var mode = BitConverter.ToInt32(buffer, 4) & S_IFMT;
                return mode switch
                {
                    S_IFREG => FileKindValue.Regular,
                    S_IFDIR => FileKindValue.Directory,
                    S_IFLNK => FileKindValue.Symlink,
                    S_IFIFO => FileKindValue.Fifo,
                    S_IFSOCK => FileKindValue.Socket,
                    S_IFCHR => FileKindValue.CharacterDevice,
                    S_IFBLK => FileKindValue.BlockDevice,
                    _ => FileKindValue.Other,
                };
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                _nativeMissing = true;
            }
        }
        return Managed(path);
    }

    /// <summary>How a kind reads in a message: "a FIFO", "a socket", ...</summary>
    public static string Describe(FileKindValue kind) => kind switch
    {
        FileKindValue.Missing => "missing",
        FileKindValue.Regular => "a regular file",
        FileKindValue.Directory => "a folder",
        FileKindValue.Symlink => "a symbolic link",
        FileKindValue.Fifo => "a FIFO (named pipe)",
        FileKindValue.Socket => "a socket",
        FileKindValue.CharacterDevice => "a character device",
        FileKindValue.BlockDevice => "a block device",
        _ => "not a regular file",
    };

    private static FileKindValue Managed(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists && !Directory.Exists(path) && info.LinkTarget is null)
        {
            return FileKindValue.Missing;
        }
        if (info.LinkTarget is not null)
        {
            return FileKindValue.Symlink;
        }
        return (info.Attributes & FileAttributes.Directory) != 0 ? FileKindValue.Directory : FileKindValue.Regular;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int SystemNativeLStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] output);
}
