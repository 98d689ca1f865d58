using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.Faults;

/// <summary>
/// Issue 12 (adversarial review), the lock findings: 1 (a holder in another pid namespace), 4 (a FIFO as the lock),
/// 5 (a full disk), 6 (a read-only file system), 8 (no write permission, <c>$STATE/locks</c> a file) and 9 (a lock
/// folder with content). Real mounts, namespaces and capabilities; each test skips with the reason where refused.
/// </summary>
public sealed class LockHardeningTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly ITestOutputHelper _output;

    public LockHardeningTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => _tmp.Dispose();

    // ---- 1. a holder in another pid namespace ------------------------------------------------------------------

    [PidNamespaceFact]
    public void A_holder_in_another_pid_namespace_keeps_its_lock_and_no_update_is_lost()
    {
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        File.WriteAllText(target + ".counter", "0");
        // A 2 s stale period and a 5 s hold: the holder's pid means nothing here (in its namespace it is pid 1, on the
        // host pid 1 is init, with another start time), so only its heartbeat can keep the host writer out.
        const int holdMs = 5000, staleMs = 2000;
        var unshare = new[] { "unshare", "--pid", "--fork", "--mount-proc", "--kill-child" };
        using var holder = LockProbeProcess.Start(new[] { "hold-increment", target, holdMs.ToString(CultureInfo.InvariantCulture), staleMs.ToString(CultureInfo.InvariantCulture) }, wrapper: unshare);
        var locked = holder.ReadLine(TimeSpan.FromSeconds(60));
        Assert.True(locked is not null && locked.StartsWith("locked ", StringComparison.Ordinal), $"the namespaced holder did not lock (got '{locked}'): {holder.StandardError}");
        var nsPid = int.Parse(locked!.Split(' ')[1], CultureInfo.InvariantCulture);
        var lockText = File.ReadAllText(target + ".lock");

        long acquiredAt;
        TimeSpan waited;
        using (var host = FileLock.Acquire(target, new FileLockOptions { StaleAfter = TimeSpan.FromMilliseconds(staleMs), Timeout = TimeSpan.FromSeconds(60) }))
        {
            acquiredAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            waited = host.Waited;
            var value = long.Parse(File.ReadAllText(target + ".counter").Trim(), CultureInfo.InvariantCulture);
            File.WriteAllText(target + ".counter", (value + 1).ToString(CultureInfo.InvariantCulture));
        }

        var released = holder.ReadLine(TimeSpan.FromSeconds(60));
        Assert.True(holder.WaitForExit(TimeSpan.FromSeconds(30)), "the holder did not exit");
        Assert.True(released is not null && released.StartsWith("released ", StringComparison.Ordinal), $"the holder did not release (got '{released}', exit {holder.ExitCode}): {holder.StandardError}");
        var parts = released!.Split(' ');
        var releasedAt = long.Parse(parts[1], CultureInfo.InvariantCulture);
        var heartbeats = int.Parse(parts[2], CultureInfo.InvariantCulture);
        var counter = File.ReadAllText(target + ".counter").Trim();
        _output.WriteLine($"pid namespace: holder pid {nsPid} in its namespace (host pid of unshare {holder.Id}); " +
                          $"host writer waited {waited.TotalMilliseconds:0} ms for a {holdMs} ms hold (stale period {staleMs} ms), " +
                          $"holder heartbeats {heartbeats}; counter {counter} of 2 (lost updates {2 - int.Parse(counter, CultureInfo.InvariantCulture)})");
        Assert.Equal("2", counter);
        Assert.Contains("\"pidNamespace\"", lockText);
        Assert.True(acquiredAt >= releasedAt, $"the host took the lock at {acquiredAt}, before the holder released it at {releasedAt}");
        Assert.True(heartbeats > 0, "the holder never refreshed its lock");
    }

    [Fact]
    public void A_lock_from_another_pid_namespace_with_a_dead_pid_is_respected_while_fresh()
    {
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        var content = "{\n  \"pid\": " + SleepProcess.DeadPid() + ",\n  \"createdAt\": \"" + Iso(DateTime.UtcNow) +
                      "\",\n  \"pidNamespace\": \"pid:[1]\",\n  \"bootId\": \"" + ProcessProbe.CurrentBootId + "\"\n}";
        File.WriteAllText(target + ".lock", content);
        var ex = Throws.Moltbot(ErrorIds.LockTimeout, MoltbotErrorKind.ResourceBusy,
            () => FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(300) }).Dispose());
        Assert.Contains("another pid namespace", ex.Message);
        Assert.Equal(content, File.ReadAllText(target + ".lock"));

        // Not kept fresh for the stale period: abandoned after all.
        File.SetLastWriteTimeUtc(target + ".lock", DateTime.UtcNow.AddSeconds(-40));
        using var taken = FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromSeconds(20) });
        Assert.Contains("\"pid\": " + Environment.ProcessId, File.ReadAllText(target + ".lock"));
    }

    [Fact]
    public void A_lock_of_our_own_namespace_with_a_dead_pid_is_taken_at_once()
    {
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        File.WriteAllText(target + ".lock", "{\n  \"pid\": " + SleepProcess.DeadPid() + ",\n  \"createdAt\": \"" + Iso(DateTime.UtcNow) +
                                            "\",\n  \"pidNamespace\": \"" + ProcessProbe.CurrentPidNamespace + "\",\n  \"bootId\": \"" + ProcessProbe.CurrentBootId + "\"\n}");
        // A 300 ms timeout against a 30 s stale period: only the dead-pid rule can let us in.
        using var taken = FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Contains("\"pid\": " + Environment.ProcessId, File.ReadAllText(target + ".lock"));
    }

    [Fact]
    public void An_OpenClaw_6_lock_whose_pid_is_alive_with_its_starttime_is_held_whatever_its_age()
    {
        using var sleeper = new SleepProcess();
        var start = ProcessProbe.StartTime(sleeper.Id);
        Assert.NotNull(start);
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        File.WriteAllText(target + ".lock", "{\n  \"pid\": " + sleeper.Id + ",\n  \"createdAt\": \"" + Iso(DateTime.UtcNow.AddMinutes(-5)) + "\",\n  \"starttime\": " + start + "\n}");
        File.SetLastWriteTimeUtc(target + ".lock", DateTime.UtcNow.AddMinutes(-5));
        Throws.Moltbot(ErrorIds.LockTimeout, MoltbotErrorKind.ResourceBusy,
            () => FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(300) }).Dispose());
    }

    [Fact]
    public void A_holder_keeps_the_mtime_of_its_lock_fresh()
    {
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        using var held = FileLock.Acquire(target, new FileLockOptions { StaleAfter = TimeSpan.FromMilliseconds(400) });
        File.SetLastWriteTimeUtc(held.LockPath, DateTime.UtcNow.AddHours(-1));
        var sw = Stopwatch.StartNew();
        while (DateTime.UtcNow - File.GetLastWriteTimeUtc(held.LockPath) > TimeSpan.FromMinutes(1) && sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(20);
        }
        _output.WriteLine($"heartbeat: period {held.HeartbeatPeriod.TotalMilliseconds:0} ms, the hour-old mtime was refreshed after {sw.ElapsedMilliseconds} ms ({held.Heartbeats} heartbeats)");
        Assert.True(DateTime.UtcNow - File.GetLastWriteTimeUtc(held.LockPath) < TimeSpan.FromMinutes(1), "the heartbeat never refreshed the lock's mtime");
    }

    // ---- 4. a FIFO as the lock ---------------------------------------------------------------------------------

    [Fact]
    public async Task A_FIFO_as_the_lock_is_refused_at_once_and_never_opened()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // no FIFOs
        }
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        var fifo = target + ".lock";
        Assert.Null(SystemProbe.Run("mkfifo", fifo));
        var sw = Stopwatch.StartNew();
        var attempt = Task.Run(() => FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromSeconds(2) }).Dispose());
        var finished = await Task.WhenAny(attempt, Task.Delay(TimeSpan.FromSeconds(15))) == attempt;
        if (!finished)
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) // unblock the reader stuck in open(2)
            {
            }
            await Task.WhenAny(attempt, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        _output.WriteLine($"FIFO as the lock: {(finished ? "answered" : "hung")} after {sw.ElapsedMilliseconds} ms");
        Assert.True(finished, "FileLock.Acquire hung on a FIFO");
        var ex = Assert.IsType<MoltbotException>(attempt.Exception!.InnerException);
        Assert.Equal(ErrorIds.LockInvalid, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.InvalidData, ex.Kind);
        Assert.Contains("FIFO", ex.Message);
        Assert.Equal(FileKindValue.Fifo, FileKind.Of(fifo)); // left alone
    }

    // ---- 5. a full disk ----------------------------------------------------------------------------------------

    [MountFact]
    public void A_full_disk_fails_the_lock_publication_with_a_typed_error_and_leaves_nothing()
    {
        using var mount = new TmpfsMount(_tmp.Dir("full"), "size=64k");
        var agent = Directory.CreateDirectory(Path.Combine(mount.Path, "agent")).FullName;
        var filler = Path.Combine(agent, "filler");
        Fill(filler);
        var before = Directory.GetFileSystemEntries(agent).OrderBy(x => x, StringComparer.Ordinal).ToArray();
        var target = Path.Combine(agent, "auth-profiles.json");

        var ex = Assert.Throws<MoltbotException>(() => FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromSeconds(3) }).Dispose());
        var left = Directory.GetFileSystemEntries(agent).Except(before).ToArray();
        _output.WriteLine($"full disk: {ex.ErrorId} ({ex.Kind}); files left behind {left.Length} [{string.Join(", ", left.Select(Path.GetFileName))}]");
        Assert.Equal(ErrorIds.WriteFailed, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.WriteError, ex.Kind);
        Assert.Empty(left); // no lock (empty or not), no temp file
    }

    [MountFact]
    public void A_full_disk_while_the_store_itself_is_written_gives_the_same_typed_write_error_and_keeps_the_store()
    {
        // Room for the lock (one page) but not for the new store: the store's own write must fail like the lock's.
        using var mount = new TmpfsMount(_tmp.Dir("full-store"), "size=64k");
        var agent = Directory.CreateDirectory(Path.Combine(mount.Path, "agent")).FullName;
        var target = Path.Combine(agent, "auth-profiles.json");
        var small = AuthProfileStore.CreateEmpty();
        small.Set("openrouter:a", new System.Text.Json.Nodes.JsonObject { ["type"] = "api_key", ["provider"] = "openrouter", ["key"] = "sk-or-small" });
        AuthStoreFile.Save(target, small);
        var original = File.ReadAllBytes(target);
        var spare = Path.Combine(agent, "spare");
        File.WriteAllBytes(spare, new byte[4096]);
        Fill(Path.Combine(agent, "filler"));
        File.Delete(spare);
        var before = Directory.GetFileSystemEntries(agent).OrderBy(x => x, StringComparer.Ordinal).ToArray();

        var ex = Assert.Throws<MoltbotException>(() => AuthStoreFile.Update(target, store =>
        {
            store.Set("openrouter:big", new System.Text.Json.Nodes.JsonObject { ["type"] = "api_key", ["provider"] = "openrouter", ["key"] = new string('k', 40_000) });
            return true;
        }, new FileLockOptions { Timeout = TimeSpan.FromSeconds(3) }));
        var entries = Directory.GetFileSystemEntries(agent).OrderBy(x => x, StringComparer.Ordinal).ToArray();
        _output.WriteLine($"full disk during the store write: {ex.ErrorId} ({ex.Kind}); store unchanged {File.ReadAllBytes(target).AsSpan().SequenceEqual(original)}; entries left beyond the store and filler {entries.Except(before).Count()}");
        Assert.Equal(ErrorIds.WriteFailed, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.WriteError, ex.Kind); // not PermissionDenied: nothing is wrong with the permissions
        Assert.Equal(original, File.ReadAllBytes(target));
        Assert.Equal(before, entries); // no temp file, no lock
    }

    // ---- 6. a read-only file system ----------------------------------------------------------------------------

    [MountFact]
    public void A_read_only_file_system_fails_at_once_saying_the_folder_is_not_writable()
    {
        using var mount = new TmpfsMount(_tmp.Dir("ro"), "size=1m");
        var agent = Directory.CreateDirectory(Path.Combine(mount.Path, "agent")).FullName;
        mount.RemountReadOnly();
        var options = new FileLockOptions { Timeout = TimeSpan.FromSeconds(5) };

        var sw = Stopwatch.StartNew();
        var existing = Assert.Throws<MoltbotException>(() => FileLock.Acquire(Path.Combine(agent, "auth-profiles.json"), options).Dispose());
        var first = sw.ElapsedMilliseconds;
        sw.Restart();
        var missing = Assert.Throws<MoltbotException>(() => FileLock.Acquire(Path.Combine(mount.Path, "new-agent", "agent", "auth-profiles.json"), options).Dispose());
        _output.WriteLine($"read-only mount: {existing.ErrorId} after {first} ms (existing agent folder), {missing.ErrorId} after {sw.ElapsedMilliseconds} ms (missing one); lock timeout {options.Timeout.TotalSeconds} s");
        foreach (var ex in new[] { existing, missing })
        {
            Assert.Equal(ErrorIds.DirectoryNotWritable, ex.ErrorId);
            Assert.Equal(MoltbotErrorKind.PermissionDenied, ex.Kind);
            Assert.Contains("read-only", ex.Message);
        }
        Assert.Empty(Directory.GetFileSystemEntries(agent));
    }

    // ---- 8. no write permission; $STATE/locks a file ------------------------------------------------------------

    [NoDacOverrideFact]
    public void An_agent_folder_without_write_permission_gives_a_typed_error()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // NoDacOverrideFact skips elsewhere
        }
        var agent = _tmp.Dir("agent");
        var target = Path.Combine(agent, "auth-profiles.json");
        File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserExecute); // 0500
        try
        {
            // root without CAP_DAC_OVERRIDE is bound by the folder's mode, as any other user.
            using var probe = LockProbeProcess.Start(new[] { "hold", target, "100" }, wrapper: new[] { "setpriv", "--bounding-set=-dac_override,-dac_read_search" });
            Assert.True(probe.WaitForExit(TimeSpan.FromSeconds(60)), "the probe did not finish");
            var err = probe.StandardError;
            _output.WriteLine($"no write permission: exit {probe.ExitCode}; {err.Split('\n')[0].Trim()}");
            Assert.Equal(4, probe.ExitCode); // a typed Moltbot error, not an UnauthorizedAccessException
            Assert.StartsWith("moltbot-error " + ErrorIds.DirectoryNotWritable + " PermissionDenied", err);
            Assert.Empty(Directory.GetFileSystemEntries(agent));
        }
        finally
        {
            File.SetUnixFileMode(agent, SecureFile.DirectoryMode);
        }
    }

    [Fact]
    public void State_locks_being_a_file_gives_a_typed_error_when_the_OAuth_lock_is_needed()
    {
        var state = _tmp.Dir("state");
        File.WriteAllText(Path.Combine(state, "locks"), "not a folder");
        var target = OAuthProfileLock.HashedTarget(state, "openai", "openai:me@example.com");
        var ex = Throws.Moltbot(ErrorIds.NotADirectory, MoltbotErrorKind.InvalidData,
            () => OAuthProfileLock.AcquireAll(new[] { target }, new FileLockOptions { Timeout = TimeSpan.FromSeconds(3) }, CancellationToken.None).Dispose());
        _output.WriteLine($"$STATE/locks a file: {ex.ErrorId}: {ex.Message}");
        Assert.Contains(Path.Combine(state, "locks"), ex.Message);
        Assert.Equal("not a folder", File.ReadAllText(Path.Combine(state, "locks")));
    }

    // ---- 9. a stale lock folder with content ----------------------------------------------------------------------

    [Fact]
    public void A_stale_lock_folder_with_content_is_not_removed()
    {
        var target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        var lockDir = Directory.CreateDirectory(target + ".lock").FullName;
        File.WriteAllText(Path.Combine(lockDir, "precious.txt"), "not a lock");
        Directory.SetLastWriteTimeUtc(lockDir, DateTime.UtcNow.AddMinutes(-10));

        var ex = Throws.Moltbot(ErrorIds.LockTimeout, MoltbotErrorKind.ResourceBusy,
            () => FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(300) }).Dispose());
        var kept = Directory.GetFileSystemEntries(lockDir).Length;
        _output.WriteLine($"stale lock folder with content: {ex.ErrorId}; entries kept {kept} of 1");
        Assert.Contains("with content", ex.Message);
        Assert.Equal("not a lock", File.ReadAllText(Path.Combine(lockDir, "precious.txt")));

        // proper-lockfile's own (empty) folder, stale, is still removed and taken.
        File.Delete(Path.Combine(lockDir, "precious.txt"));
        Directory.SetLastWriteTimeUtc(lockDir, DateTime.UtcNow.AddMinutes(-10));
        using var taken = FileLock.Acquire(target, new FileLockOptions { Timeout = TimeSpan.FromSeconds(20) });
        Assert.True(File.Exists(target + ".lock"));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void Fill(string path)
    {
        var chunk = new byte[4096];
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                fs.Write(chunk, 0, chunk.Length);
            }
        }
        catch (IOException)
        {
            // full
        }
        try
        {
            fs.Write(chunk, 0, 1);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A tmpfs mounted on a folder for the test's lifetime.</summary>
    private sealed class TmpfsMount : IDisposable
    {
        public TmpfsMount(string dir, string options)
        {
            Path = dir;
            Assert.Null(SystemProbe.Run("mount", "-t", "tmpfs", "-o", options + ",mode=0700", "tmpfs", dir));
        }

        public string Path { get; }

        public void RemountReadOnly() => Assert.Null(SystemProbe.Run("mount", "-o", "remount,ro", Path));

        public void Dispose() => SystemProbe.Run("umount", "-l", Path);
    }
}
