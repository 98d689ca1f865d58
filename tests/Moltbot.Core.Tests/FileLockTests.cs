using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Locking;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests;

/// <summary>
/// The store lock (spec 5.1, issue 2 "Lock"): <c>auth-profiles.json.lock</c> created exclusively as a regular file holding
/// <c>{"pid","createdAt"}</c> (Moltbot adds its pid namespace and boot id); a lock directory (proper-lockfile) is waited
/// for too; a file lock is stale when it comes from our own pid namespace and its pid is dead, or when its mtime is over
/// 30 s old (a holder keeps it fresh); a directory lock when its mtime is over 30 s old. Exercised with real child processes.
/// </summary>
public sealed class FileLockTests : IDisposable
{
    private static readonly FileLockOptions Short = new() { Timeout = TimeSpan.FromMilliseconds(300) };
    private static readonly FileLockOptions Patient = new() { Timeout = TimeSpan.FromSeconds(20) };

    private readonly TempDir _tmp = new();
    private readonly ITestOutputHelper _output;
    private readonly string _target;
    private readonly string _lockPath;

    public FileLockTests(ITestOutputHelper output)
    {
        _output = output;
        _target = Path.Combine(_tmp.Dir("agent"), "auth-profiles.json");
        _lockPath = _target + ".lock";
    }

    public void Dispose() => _tmp.Dispose();

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private void WriteForeignLock(int pid, DateTime createdAtUtc)
    {
        File.WriteAllText(_lockPath, "{\n  \"pid\": " + pid + ",\n  \"createdAt\": \"" + Iso(createdAtUtc) + "\"\n}");
    }

    private void AssertHeldByUs(FileLock held)
    {
        Assert.True(File.Exists(_lockPath), "the lock must be a regular file");
        var doc = Json.ParseFile(_lockPath);
        Assert.Equal(Environment.ProcessId, (int)doc["pid"]!);
        Assert.Equal(_lockPath, held.LockPath);
    }

    // ---- the lock file itself -----------------------------------------------------------------------------------

    [Fact]
    public void LockFile_IsPrettyJsonWithOurPidAndAnIsoUtcCreatedAt_0600()
    {
        var before = DateTime.UtcNow;
        using (var held = FileLock.Acquire(_target))
        {
            Assert.Equal(_target + ".lock", held.LockPath);
            var text = File.ReadAllText(_lockPath);
            Assert.StartsWith("{\n  \"pid\": ", text);
            var doc = JsonNode.Parse(text)!.AsObject();
            Assert.Equal(JsonValueKind.Number, doc["pid"]!.GetValueKind());
            Assert.Equal(Environment.ProcessId, doc["pid"]!.GetValue<int>());
            var created = doc["createdAt"]!.GetValue<string>();
            Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"), created);
            var parsed = DateTime.Parse(created, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
            Assert.InRange(parsed, before.AddSeconds(-2), DateTime.UtcNow.AddSeconds(2));
            Modes.AssertMode(Modes.File600, _lockPath);
            Assert.False(File.Exists(_target), "taking the lock must not create the target");
        }
        Assert.False(File.Exists(_lockPath), "release deletes the lock file");
    }

    [Fact]
    public void Acquire_CreatesAMissingFolder_0700()
    {
        var target = _tmp.Combine("new", "agent", "auth-profiles.json");
        using (FileLock.Acquire(target))
        {
            Assert.True(File.Exists(target + ".lock"));
        }
        Modes.AssertMode(Modes.Dir700, _tmp.Combine("new", "agent"));
    }

    [Fact]
    public void LockPath_IsBesideTheRealPathOfTheTarget()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var real = _tmp.Dir("real");
        var link = _tmp.Combine("link");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(Path.Combine(real, "auth-profiles.json.lock"), FileLock.LockPathFor(Path.Combine(link, "auth-profiles.json")));
        using var held = FileLock.Acquire(Path.Combine(link, "auth-profiles.json"));
        Assert.True(File.Exists(Path.Combine(real, "auth-profiles.json.lock")));
    }

    [Fact]
    public void Dispose_DeletesOnlyOurOwnLock()
    {
        var held = FileLock.Acquire(_target);
        const string foreign = "{\n  \"pid\": 1,\n  \"createdAt\": \"2030-01-01T00:00:00.000Z\"\n}";
        File.WriteAllText(_lockPath, foreign); // someone judged ours stale and took over
        held.Dispose();
        Assert.Equal(foreign, File.ReadAllText(_lockPath));
    }

    [Fact]
    public void Dispose_IsIdempotent_AndToleratesAVanishedFile()
    {
        var held = FileLock.Acquire(_target);
        File.Delete(_lockPath);
        held.Dispose();
        held.Dispose();
        using var again = FileLock.Acquire(_target, Short);
        AssertHeldByUs(again);
    }

    [Fact]
    public void Release_ThenReacquire_IsImmediate()
    {
        for (var i = 0; i < 20; i++)
        {
            // Short's 300 ms timeout is the bound: a lock left behind by the previous release would make this throw.
            using var held = FileLock.Acquire(_target, Short);
            AssertHeldByUs(held);
        }
    }

    [Fact]
    public void Acquire_WhileAnotherProcessReadsTheLockFile_NeverLeavesAnOrphan()
    {
        // Waiters (ours and Node's) read the lock file while its creator is still writing it. On Unix .NET emulates
        // FileShare with flock, so a creator opening with FileShare.None failed whenever a reader held the file at that
        // moment, and left the empty file it had just created behind: an orphan lock everyone waited 30 s for.
        var stop = 0;
        var reads = 0;
        var reader = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                try
                {
                    if (Moltbot.Core.IO.SecureFile.ReadAllBytesOrNull(_lockPath) is not null)
                    {
                        reads++;
                    }
                }
                catch (IOException)
                {
                }
            }
        })
        { IsBackground = true };
        reader.Start();
        var cycles = 0;
        try
        {
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 2000)
            {
                using (FileLock.Acquire(_target, Short))
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
        _output.WriteLine($"{cycles} lock cycles while a reader read the lock file {reads} times");
        Assert.True(reads > 0, "the reader never saw the lock file");
        Assert.False(File.Exists(_lockPath));
    }

    // ---- blocking and staleness of file locks -------------------------------------------------------------------

    [Fact]
    public void FreshLock_OfALiveOtherProcess_IsNotStolen_AndTimesOut()
    {
        using var sleeper = new SleepProcess();
        WriteForeignLock(sleeper.Id, DateTime.UtcNow);
        var before = File.ReadAllBytes(_lockPath);

        var sw = Stopwatch.StartNew();
        var ex = Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
        sw.Stop();

        Assert.Contains(_lockPath, ex.Message);
        Assert.Equal(_lockPath, ex.Target);
        Assert.Equal(before, File.ReadAllBytes(_lockPath));
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void FreshLock_OfThisProcess_IsNotStolen()
    {
        using var first = FileLock.Acquire(_target);
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
        AssertHeldByUs(first);
    }

    [Fact]
    public void LockWithALivePid_CreatedAt40sAgo_ButFreshMtime_IsNotStale()
    {
        // Issue 12, finding 1: a holder keeps its lock's mtime fresh (heartbeat); createdAt is when it took it, so a
        // lock held longer than 30 s is judged by its mtime, not its createdAt.
        using var sleeper = new SleepProcess();
        WriteForeignLock(sleeper.Id, DateTime.UtcNow.AddSeconds(-40));
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
        Assert.Contains("\"pid\": " + sleeper.Id, File.ReadAllText(_lockPath));
    }

    [Fact]
    public void LockWithALivePid_ButCreatedAt20sAgo_IsNotStale()
    {
        using var sleeper = new SleepProcess();
        WriteForeignLock(sleeper.Id, DateTime.UtcNow.AddSeconds(-20));
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
    }

    [Fact]
    public void LockWithALivePid_ButMtime40sOld_IsStale()
    {
        // 2026.2.x - 5.x also judge a sidecar lock by its mtime.
        using var sleeper = new SleepProcess();
        WriteForeignLock(sleeper.Id, DateTime.UtcNow);
        File.SetLastWriteTimeUtc(_lockPath, DateTime.UtcNow.AddSeconds(-40));
        using var held = FileLock.Acquire(_target, Patient);
        AssertHeldByUs(held);
    }

    [Fact]
    public void FreshLock_OfADeadPid_WithoutPidNamespace_IsRespectedUntilItsMtimeIsStale()
    {
        // Issue 12, finding 1: OpenClaw's {pid, createdAt} does not say in which pid namespace the pid lives; a pid that
        // is dead here may be a live holder in a container sharing the folder. Only its freshness can tell.
        WriteForeignLock(SleepProcess.DeadPid(), DateTime.UtcNow);
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
        File.SetLastWriteTimeUtc(_lockPath, DateTime.UtcNow.AddSeconds(-40));
        using var held = FileLock.Acquire(_target, Patient);
        AssertHeldByUs(held);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("garbage")]
    [InlineData("{\"pid\": \"not a number\"}")]
    public void UnparseableLock_YoungerThan30s_Blocks(string content)
    {
        File.WriteAllText(_lockPath, content);
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
        Assert.Equal(content, File.ReadAllText(_lockPath));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    public void UnparseableLock_OlderThan30s_IsTaken(string content)
    {
        File.WriteAllText(_lockPath, content);
        File.SetLastWriteTimeUtc(_lockPath, DateTime.UtcNow.AddSeconds(-40));
        using var held = FileLock.Acquire(_target, Patient);
        AssertHeldByUs(held);
    }

    // ---- directory locks (proper-lockfile, up to 2026.2.9) ------------------------------------------------------

    [Fact]
    public void FreshLockDirectory_Blocks()
    {
        Directory.CreateDirectory(_lockPath);
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
        Assert.True(Directory.Exists(_lockPath), "a live directory lock must be left alone");
    }

    [Fact]
    public void LockDirectory_WithMtime40sOld_IsRemovedAndTaken()
    {
        Directory.CreateDirectory(_lockPath);
        Directory.SetLastWriteTimeUtc(_lockPath, DateTime.UtcNow.AddSeconds(-40));
        using (var held = FileLock.Acquire(_target, Patient))
        {
            Assert.False(Directory.Exists(_lockPath));
            AssertHeldByUs(held);
        }
        Assert.False(File.Exists(_lockPath));
        Assert.False(Directory.Exists(_lockPath));
    }

    [Fact]
    public async Task LockDirectory_Released_LetsTheWaiterIn()
    {
        Directory.CreateDirectory(_lockPath);
        var waiter = Task.Run(() => FileLock.Acquire(_target, Patient));
        Assert.False(await Files.CompletesWithin(waiter, 300), "the waiter must block while the lock directory exists");
        Directory.Delete(_lockPath); // the proper-lockfile holder releases: rmdir
        Assert.True(await Files.CompletesWithin(waiter, 5000));
        using var held = await waiter;
        AssertHeldByUs(held);
    }

    // ---- cancellation -------------------------------------------------------------------------------------------

    [Fact]
    public void Cancellation_StopsTheWait()
    {
        using var first = FileLock.Acquire(_target);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var sw = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => FileLock.Acquire(_target, Patient, cts.Token).Dispose());
        // Far below Patient's timeout, far above a loaded machine's scheduling delays.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {sw.Elapsed}");
        AssertHeldByUs(first);
    }

    [Fact]
    public void Cancellation_BeforeTheFirstAttempt_CreatesNothing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => FileLock.Acquire(_target, Patient, cts.Token).Dispose());
        Assert.False(File.Exists(_lockPath));
    }

    // ---- real child processes -----------------------------------------------------------------------------------

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void ChildProcesses_IncrementingACounter_AreMutuallyExclusive(int children)
    {
        const int each = 200;
        File.WriteAllText(_target + ".counter", "0");
        var sw = Stopwatch.StartNew();
        var probes = Enumerable.Range(0, children).Select(_ => LockProbeProcess.Start("count", _target, each)).ToList();
        try
        {
            foreach (var probe in probes)
            {
                Assert.True(probe.WaitForExit(TimeSpan.FromSeconds(60)), "a counting child did not finish");
                Assert.True(probe.ExitCode == 0, probe.StandardError);
            }
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }
        _output.WriteLine($"{children} children x {each} locked increments in {sw.ElapsedMilliseconds} ms");
        Assert.Equal((children * each).ToString(CultureInfo.InvariantCulture), File.ReadAllText(_target + ".counter").Trim());
        Assert.False(File.Exists(_lockPath));
    }

    [Fact]
    public void ChildHolder_TheLockFileNamesTheChild()
    {
        using var holder = LockProbeProcess.Hold(_target);
        var doc = Json.ParseFile(_lockPath);
        Assert.Equal(holder.Id, (int)doc["pid"]!);
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => FileLock.Acquire(_target, Short).Dispose());
        holder.CloseInput();
        Assert.True(holder.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, holder.ExitCode);
        Assert.False(File.Exists(_lockPath), "the child deletes its lock on release");
    }

    [Fact]
    public async Task Waiter_GetsTheLockSoonAfterTheChildReleases()
    {
        using var holder = LockProbeProcess.Hold(_target);
        long acquiredAtMs = 0;
        var waiter = Task.Run(() =>
        {
            var held = FileLock.Acquire(_target, Patient);
            acquiredAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return held;
        });
        Assert.False(await Files.CompletesWithin(waiter, 300), "the waiter must block while the child holds the lock");

        holder.CloseInput();
        var released = holder.ReadLine(TimeSpan.FromSeconds(10));
        Assert.NotNull(released);
        Assert.StartsWith("released ", released);
        var releasedAtMs = long.Parse(released!.Substring("released ".Length), CultureInfo.InvariantCulture);

        Assert.True(await Files.CompletesWithin(waiter, 10_000), "the waiter never got the lock");
        using var held = await waiter;
        AssertHeldByUs(held);
        var latency = acquiredAtMs - releasedAtMs;
        _output.WriteLine($"waiter got the lock {latency} ms after the child released it (waited {held.Waited.TotalMilliseconds:0} ms in all)");
        // Far below Patient's 20 s timeout: the release is noticed by the wait loop, not by giving up (the figure above is
        // what the loop really takes; bench/ measures it).
        Assert.True(latency < 5000, $"the waiter noticed the release only after {latency} ms");
    }

    [Fact]
    public void KilledHolder_LeavesALockThatIsRecoveredQuickly()
    {
        var holder = LockProbeProcess.Hold(_target);
        var pid = holder.Id;
        holder.Kill(); // SIGKILL: no release
        holder.Dispose();

        Assert.True(File.Exists(_lockPath), "a killed holder leaves its lock file behind");
        Assert.Equal(pid, (int)Json.ParseFile(_lockPath)["pid"]!);

        var sw = Stopwatch.StartNew();
        using var held = FileLock.Acquire(_target, Patient);
        sw.Stop();
        _output.WriteLine($"recovered the lock of killed pid {pid} in {sw.ElapsedMilliseconds} ms");
        AssertHeldByUs(held);
        // A third of the 30 s stale period: the dead pid is recognised, the lock is not merely waited out.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"recovery took {sw.Elapsed}");
    }

    [Fact]
    public void StoreUpdate_WaitsForAChildHolder_AndTimesOutWithoutWriting()
    {
        var store = _tmp.File("agent/auth-profiles.json", Samples.NodeStore);
        using var holder = LockProbeProcess.Hold(store);
        Throws.Moltbot("MoltbotLockTimeout", MoltbotErrorKind.ResourceBusy, () => AuthStoreFile.Update(store, s => s.Remove("anthropic:work"), Short));
        Assert.Equal(Samples.NodeStore, File.ReadAllText(store));

        holder.CloseInput();
        Assert.True(AuthStoreFile.Update(store, s => s.Remove("anthropic:work"), Patient));
        Assert.False(AuthStoreFile.TryLoad(store)!.Contains("anthropic:work"));
    }

    [Fact]
    public void StoreUpdate_RunsOnceAChildHolderTimesOutByItself()
    {
        var store = _tmp.File("agent/auth-profiles.json", Samples.NodeStore);
        using var holder = LockProbeProcess.Hold(store, ms: 400);
        var sw = Stopwatch.StartNew();
        var removed = AuthStoreFile.Update(store, s => s.Remove("anthropic:work"), Patient);
        _output.WriteLine($"update waited {sw.ElapsedMilliseconds} ms for a 400 ms holder");
        Assert.True(removed);
        Assert.True(holder.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, holder.ExitCode);
        var text = File.ReadAllText(store);
        Assert.DoesNotContain("anthropic:work", text);
        Assert.Contains("anthropic:default", text);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), new FileInfo(store).Length);
    }
}
