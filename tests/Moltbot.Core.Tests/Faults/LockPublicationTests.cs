using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Threading;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.Faults;

/// <summary>
/// Regression for the kill -9 fault test: a writer killed between creating its lock file and writing its pid into it
/// left an empty lock, which nobody can tell from a live one except by its age, so every writer (Moltbot's and
/// OpenClaw's) waited 30 s. The lock must appear on disk with its pid already in it.
/// </summary>
public sealed class LockPublicationTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly ITestOutputHelper _output;

    public LockPublicationTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void A_lock_file_is_never_visible_without_its_pid()
    {
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        var lockPath = target + ".lock";
        var stop = 0;
        var reads = 0;
        var withoutPid = 0;
        var reader = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                byte[]? bytes;
                try
                {
                    bytes = SecureFile.ReadAllBytesOrNull(lockPath);
                }
                catch (IOException)
                {
                    continue;
                }
                if (bytes is null)
                {
                    continue;
                }
                reads++;
                if (!HasPid(bytes))
                {
                    withoutPid++;
                }
            }
        })
        { IsBackground = true };
        reader.Start();
        var cycles = 0;
        try
        {
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 1500)
            {
                using (FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromSeconds(5) }))
                {
                    cycles++;
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            reader.Join();
        }
        _output.WriteLine($"{cycles} lock cycles; the lock file was read {reads} times, {withoutPid} of them without a pid");
        Assert.True(reads > 0, "the reader never saw the lock file");
        Assert.Equal(0, withoutPid);
        Assert.False(File.Exists(lockPath));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(target)!)); // no temp file left behind either
    }

    [Fact]
    public void A_lock_held_by_someone_else_is_not_replaced_and_no_temp_file_is_left()
    {
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        var lockPath = target + ".lock";
        const string foreign = "{\n  \"pid\": 1,\n  \"createdAt\": \"2999-01-01T00:00:00.000Z\"\n}";
        File.WriteAllText(lockPath, foreign); // pid 1 is alive, createdAt is in the future: never stale
        var ex = Assert.Throws<MoltbotException>(() => FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(200) }).Dispose());
        Assert.Equal(ErrorIds.LockTimeout, ex.ErrorId);
        Assert.Equal(foreign, File.ReadAllText(lockPath));
        Assert.Equal(new[] { lockPath }, Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    private static bool HasPid(byte[] bytes)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
