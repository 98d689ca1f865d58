using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Moltbot.Core.IO;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests;

/// <summary>Atomic replacement and OpenClaw's permissions (spec 6): temp file 0600 in the same folder, renamed over.</summary>
public sealed class SecureFileTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly ITestOutputHelper _output;

    public SecureFileTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void WriteAtomic_AConcurrentReaderNeverSeesAPartialFile()
    {
        var path = _tmp.Combine("big.json");
        var a = Enumerable.Repeat((byte)'a', 3 * 1024 * 1024 + 17).ToArray();
        var b = Enumerable.Repeat((byte)'b', 2 * 1024 * 1024 + 5).ToArray();
        SecureFile.WriteAtomic(path, a);

        var stop = 0;
        var reads = 0;
        string? failure = null;
        var reader = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                byte[] seen;
                try
                {
                    seen = File.ReadAllBytes(path);
                }
                catch (Exception ex)
                {
                    failure = "read failed: " + ex.Message;
                    return;
                }
                reads++;
                var ok = (seen.Length == a.Length && seen.AsSpan().IndexOfAnyExcept((byte)'a') < 0)
                         || (seen.Length == b.Length && seen.AsSpan().IndexOfAnyExcept((byte)'b') < 0);
                if (!ok)
                {
                    failure = $"saw a torn file of {seen.Length} bytes";
                    return;
                }
            }
        })
        { IsBackground = true };
        reader.Start();

        var writes = 0;
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 1500 && failure is null)
        {
            SecureFile.WriteAtomic(path, writes % 2 == 0 ? b : a);
            writes++;
        }
        Volatile.Write(ref stop, 1);
        reader.Join();
        _output.WriteLine($"{writes} writes, {reads} reads in {sw.ElapsedMilliseconds} ms");

        Assert.Null(failure);
        Assert.True(writes >= 4, $"only {writes} writes");
        Assert.True(reads >= 4, $"only {reads} reads");
        Assert.Equal(new[] { path }, Directory.GetFiles(_tmp.Path)); // no temp file left
    }

    [Fact]
    public void WriteAtomic_ResultIs0600_EvenOverA0644File()
    {
        var path = _tmp.File("store.json", "old");
        if (Modes.Unix)
        {
            File.SetUnixFileMode(path, Modes.File644);
        }
        SecureFile.WriteAtomic(path, new byte[] { (byte)'n' });
        Assert.Equal("n", File.ReadAllText(path));
        Modes.AssertMode(Modes.File600, path);
    }

    [Fact]
    public void WriteAtomic_NewFile_Is0600()
    {
        var path = _tmp.Combine("new.json");
        SecureFile.WriteAtomic(path, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Modes.AssertMode(Modes.File600, path);
    }

    [Fact]
    public void WriteAtomic_CreatesMissingParents_0700_AndLeavesExistingOnesAlone()
    {
        if (Modes.Unix)
        {
            File.SetUnixFileMode(_tmp.Path, Modes.Dir700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }
        var path = _tmp.Combine("a", "b", "c", "file.json");
        SecureFile.WriteAtomic(path, new byte[] { 1 });
        Modes.AssertMode(Modes.Dir700, _tmp.Combine("a"));
        Modes.AssertMode(Modes.Dir700, _tmp.Combine("a", "b"));
        Modes.AssertMode(Modes.Dir700, _tmp.Combine("a", "b", "c"));
        Modes.AssertMode(Modes.File600, path);
        // An existing folder is not re-moded.
        Modes.AssertMode(Modes.Dir700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, _tmp.Path);
    }

    [Fact]
    public void WriteAtomic_ReplacesTheContentCompletely()
    {
        var path = _tmp.File("f.json", new string('x', 10_000));
        SecureFile.WriteAtomic(path, new byte[] { (byte)'y' });
        Assert.Equal("y", File.ReadAllText(path));
    }

    [Fact]
    public void WriteAtomic_ThroughASymlink_WritesTheTarget()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var real = _tmp.File("real/store.json", "old");
        var link = _tmp.Combine("link.json");
        File.CreateSymbolicLink(link, real);
        SecureFile.WriteAtomic(link, new byte[] { (byte)'n', (byte)'e', (byte)'w' });
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(real));
        Assert.Empty(Directory.GetFiles(_tmp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void WriteAtomic_ThroughALinkChain_WritesTheFinalTarget()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var real = _tmp.File("real/store.json", "old");
        var link1 = _tmp.Combine("link1.json");
        var link2 = _tmp.Combine("link2.json");
        File.CreateSymbolicLink(link1, real);
        File.CreateSymbolicLink(link2, link1);
        SecureFile.WriteAtomic(link2, new byte[] { (byte)'z' });
        Assert.Equal("z", File.ReadAllText(real));
        Assert.NotNull(new FileInfo(link1).LinkTarget);
        Assert.NotNull(new FileInfo(link2).LinkTarget);
    }

    [Fact]
    public void CreateNew_FailsWhenThePathExists_AsFileOrFolder()
    {
        var file = _tmp.File("x", "1");
        Assert.ThrowsAny<IOException>(() => SecureFile.CreateNew(file).Dispose());
        var dir = _tmp.Dir("d");
        Assert.ThrowsAny<IOException>(() => SecureFile.CreateNew(dir).Dispose()); // FileLock relies on this for lock directories
        Assert.Equal("1", File.ReadAllText(file));
    }

    [Fact]
    public void CreateNew_Is0600()
    {
        var path = _tmp.Combine("n");
        using (var fs = SecureFile.CreateNew(path))
        {
            fs.WriteByte(1);
        }
        Modes.AssertMode(Modes.File600, path);
    }

    [Fact]
    public void ReadAllBytesOrNull_MissingFileOrFolder_IsNull()
    {
        Assert.Null(SecureFile.ReadAllBytesOrNull(_tmp.Combine("missing")));
        Assert.Null(SecureFile.ReadAllBytesOrNull(_tmp.Combine("no", "such", "dir", "file")));
        var path = _tmp.File("present", "abc");
        Assert.Equal(new byte[] { (byte)'a', (byte)'b', (byte)'c' }, SecureFile.ReadAllBytesOrNull(path));
        Assert.Equal(Array.Empty<byte>(), SecureFile.ReadAllBytesOrNull(_tmp.File("empty", "")));
    }

    [Fact]
    public void EnsureDirectory_IsIdempotent()
    {
        var dir = _tmp.Combine("x", "y");
        SecureFile.EnsureDirectory(dir);
        SecureFile.EnsureDirectory(dir);
        Assert.True(Directory.Exists(dir));
        Modes.AssertMode(Modes.Dir700, dir);
    }

    [Fact]
    public void CanonicalDirectoryOf_ResolvesALinkedFolder()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var real = _tmp.Dir("realdir");
        var link = _tmp.Combine("linkdir");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(Path.Combine(real, "auth-profiles.json"), SecureFile.CanonicalDirectoryOf(Path.Combine(link, "auth-profiles.json")));
        Assert.Equal(Path.Combine(real, "auth-profiles.json"), SecureFile.CanonicalDirectoryOf(Path.Combine(real, "auth-profiles.json")));
    }

    [Fact]
    public void WriteAtomic_DeletesTheTempFilesOfDeadWritersOnly()
    {
        // The first write of this (fresh) target in this process sweeps (TempSweeper: once per target per interval).
        var path = _tmp.Combine("auth-profiles.json");
        var deadPid = DeadPid();
        var orphan = $"{path}.moltbot-{deadPid}-{Guid.NewGuid():N}.tmp";
        var live = $"{path}.moltbot-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";
        var foreign = path + ".12345.tmp";            // not ours (OpenClaw's or anybody's): never touched
        var otherFile = _tmp.Combine("auth-state.json") + $".moltbot-{deadPid}-{Guid.NewGuid():N}.tmp"; // another target's
        foreach (var file in new[] { orphan, live, foreign, otherFile })
        {
            File.WriteAllText(file, "partial");
        }

        SecureFile.WriteAtomic(path, "{\"version\":1}"u8.ToArray());

        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(foreign));
        Assert.True(File.Exists(otherFile));
        Assert.Equal("{\"version\":1}", File.ReadAllText(path));
        Assert.Equal(new[] { live }, Directory.GetFiles(_tmp.Path, "auth-profiles.json.moltbot-*"));
    }

    [Fact]
    public void TryCreateWithContent_DeletesNothingButPublishesTheFileWhole()
    {
        var path = _tmp.Combine("x.lock");
        Assert.True(SecureFile.TryCreateWithContent(path, "{\"pid\":1}"u8.ToArray()));
        Assert.False(SecureFile.TryCreateWithContent(path, "{\"pid\":2}"u8.ToArray()));
        Assert.Equal("{\"pid\":1}", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_tmp.Path)); // its temp file is gone either way
    }

    /// <summary>The pid of a process that has exited (and been reaped).</summary>
    /// <summary>A temp file of <paramref name="target"/> as a writer killed before its rename leaves it (a dead pid); its path.</summary>
    internal static string WriteOrphanTemp(string target)
    {
        var orphan = $"{target}.moltbot-{DeadPid()}-{Guid.NewGuid():N}.tmp";
        File.WriteAllText(orphan, "partial");
        return orphan;
    }

    private static int DeadPid()
    {
        var start = OperatingSystem.IsWindows() ? new ProcessStartInfo("cmd.exe", "/c exit") : new ProcessStartInfo("true");
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.Id;
    }
}
