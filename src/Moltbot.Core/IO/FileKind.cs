using System;
using System.IO;

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
/// looks at the kind first. On Unix this is <see cref="PathTrust.LStat"/> (the runtime's own lstat); on Windows, or when
/// the path cannot be examined, the managed view (regular file, folder or link).
/// </summary>
public static class FileKind
{
    private const int S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFDIR = 0x4000, S_IFBLK = 0x6000,
        S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFSOCK = 0xC000;

    public static FileKindValue Of(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                return PathTrust.LStat(path) is { } status ? FromType(status.Type) : FileKindValue.Missing;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
            {
                // Not examinable (a folder on the way denies search, say): what the managed API can tell.
            }
        }
        return Managed(path);
    }

    /// <summary>The kind of st_mode's type bits.</summary>
    public static FileKindValue FromType(int type) => type switch
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

    /// <summary>How a kind reads in a message: "a FIFO (named pipe)", "a directory", ...</summary>
    public static string Describe(FileKindValue kind) => kind switch
    {
        FileKindValue.Missing => "missing",
        FileKindValue.Regular => "a regular file",
        FileKindValue.Directory => "a directory",
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
        if (info.LinkTarget is not null)
        {
            return FileKindValue.Symlink;
        }
        if (!info.Exists && !Directory.Exists(path))
        {
            return FileKindValue.Missing;
        }
        return (info.Attributes & FileAttributes.Directory) != 0 ? FileKindValue.Directory : FileKindValue.Regular;
    }
}
