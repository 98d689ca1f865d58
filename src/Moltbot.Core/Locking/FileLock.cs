using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using Moltbot.Core.IO;

namespace Moltbot.Core.Locking;

/// <summary>How long to wait for a lock and when a lock left behind counts as abandoned.</summary>
public sealed record FileLockOptions
{
    /// <summary>
    /// How long to wait before giving up. OpenClaw's own schedule waits at least about 42.7 s in all, so 45 s outlasts
    /// any holder OpenClaw itself would wait for.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>A lock older than this is abandoned (OpenClaw's <c>stale</c>: 30 s).</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest pause between two attempts at first: for the first <see cref="BackoffAfter"/> of a wait each pause is
    /// drawn between half of it and all of it (4-8 ms by default).
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(8);

    /// <summary>How long a waiter polls at <see cref="PollInterval"/> before it backs off (issue 16).</summary>
    public TimeSpan BackoffAfter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest pause once backed off: the pause ceiling grows from <see cref="PollInterval"/> to this one (over the
    /// next 120 ms) and each pause is drawn between half the ceiling and the ceiling. A waiter then notices a release
    /// at most this long after it (the residual of a pause drawn in [c/2, c] exceeds 0.9 c only 1 % of the time), so
    /// 20 ms keeps the first waiter's wake-up within 25 ms at p99 while costing half the polls of a fixed 8 ms.
    /// Never below <see cref="PollInterval"/>.
    /// </summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How often a waiter reads and judges a held lock again (its content, pid and age) while the lock file keeps its
    /// kind and size; in between a poll costs one lstat. Staleness is therefore noticed at most this much later.
    /// </summary>
    public TimeSpan InspectInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Also wake a waiter through a file-system notification (a <see cref="FileSystemWatcher"/> on the lock's folder)
    /// when the lock is deleted or renamed, polling all the same. Off by default: measured against the backoff alone in
    /// bench/lock-wakeup (docs/benchmarks.md), it adds an inotify instance and a thread per waiter.
    /// </summary>
    public bool WakeOnRelease { get; init; }

    public static FileLockOptions Default { get; } = new();
}

/// <summary>
/// The sidecar lock OpenClaw uses for <c>auth-profiles.json</c> (openclaw-compat.md 5.1), interoperable with both
/// flavours: the lock is a regular file <c>&lt;target&gt;.lock</c> created exclusively and holding
/// <c>{"pid", "createdAt"}</c> (2026.2.19+); a directory of that name (proper-lockfile, up to 2026.2.9) is waited for
/// the same way. Anything else at the lock path (a FIFO, socket, device, symlink) is refused with
/// <see cref="ErrorIds.LockInvalid"/>, never opened.
/// <para>
/// Staleness (issue 12, finding 1). A pid means something only in the pid namespace it was written in: a Moltbot or
/// OpenClaw in a container that shares the state folder writes a pid that looks dead (or like another process) here.
/// So Moltbot's lock also records its pid namespace and boot id, and a holder keeps the lock's mtime fresh (every
/// quarter of the stale period) for as long as it holds it. A reader then judges a lock so:
/// <list type="bullet">
/// <item>from its own namespace and boot (both recorded and equal to the reader's): stale at once when the pid is dead
/// or has another start time (a reused pid);</item>
/// <item>without namespace information (OpenClaw's <c>{pid, createdAt[, starttime]}</c>, an older Moltbot) whose pid is
/// alive here with the recorded <c>starttime</c>: held, whatever its age, as OpenClaw 6.x judges it;</item>
/// <item>otherwise (another namespace, or no way to tell): stale only when its mtime is older than the stale period.
/// <c>createdAt</c> is not used: a heartbeated lock held longer than 30 s is alive.</item>
/// </list>
/// A lock directory is stale when its mtime is older than the stale period and it is empty (proper-lockfile's own is);
/// it is removed with rmdir, never recursively. Release deletes the file, unless someone else took it over meanwhile.
/// </para>
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly byte[] _content;
    private readonly Stopwatch _held;
    private readonly Timer _heartbeat;
    private bool _released;

    private FileLock(string lockPath, byte[] content, TimeSpan waited, TimeSpan staleAfter)
    {
        LockPath = lockPath;
        _content = content;
        Waited = waited;
        _held = Stopwatch.StartNew();
        // Keep the mtime fresh while held: a reader in another pid namespace cannot see our pid and goes by it.
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, staleAfter.Ticks / 4));
        HeartbeatPeriod = period;
        _heartbeat = new Timer(_ => Touch(), null, period, period);
    }

    /// <summary>How often the holder refreshes the lock's mtime (a quarter of the stale period).</summary>
    public TimeSpan HeartbeatPeriod { get; }

    /// <summary>How many times the heartbeat has refreshed the lock's mtime so far.</summary>
    public int Heartbeats => Volatile.Read(ref _heartbeats);

    private int _heartbeats;

    public string LockPath { get; }

    /// <summary>How long the caller waited before getting the lock.</summary>
    public TimeSpan Waited { get; }

    /// <summary>How long the lock has been held so far.</summary>
    public TimeSpan Held => _held.Elapsed;

    /// <summary>The lock file of a target file: <c>&lt;realpath of target&gt;.lock</c>, as proper-lockfile and OpenClaw name it.</summary>
    public static string LockPathFor(string targetFile) => SecureFile.CanonicalDirectoryOf(targetFile) + ".lock";

    /// <summary>Takes the lock of <paramref name="targetFile"/>, waiting while someone else holds it.</summary>
    /// <exception cref="MoltbotException">ResourceBusy (<see cref="ErrorIds.LockTimeout"/>) when the wait times out.</exception>
    public static FileLock Acquire(string targetFile, FileLockOptions? options = null, CancellationToken cancellationToken = default) =>
        AcquireCore(LockPathFor(targetFile), options, null, cancellationToken)!;

    /// <summary>
    /// Takes the lock, unless <paramref name="satisfied"/> says, while waiting, that the caller no longer needs it (for
    /// example because the holder has just written the result the caller was going to compute). Returns null then.
    /// The predicate is asked before the first wait, then about every 25 ms, and once more when the lock is seen free
    /// after a wait (before taking it: the holder has most likely just written the result); never while holding the lock.
    /// </summary>
    public static FileLock? AcquireUnless(string targetFile, Func<bool> satisfied, FileLockOptions? options = null, CancellationToken cancellationToken = default) =>
        AcquireCore(LockPathFor(targetFile), options, satisfied ?? throw new ArgumentNullException(nameof(satisfied)), cancellationToken);

    /// <summary>
    /// Takes a lock file another program names itself rather than <c>&lt;target&gt;.lock</c> (Qwen Code's
    /// <c>oauth_creds.lock</c> beside <c>oauth_creds.json</c>), with the same exclusive create, staleness and release.
    /// A lock whose content is not this module's (Qwen Code writes a UUID) is judged by its mtime alone.
    /// </summary>
    /// <exception cref="MoltbotException">ResourceBusy (<see cref="ErrorIds.LockTimeout"/>) when the wait times out.</exception>
    public static FileLock AcquireAt(string lockPath, FileLockOptions? options = null, CancellationToken cancellationToken = default) =>
        // Only the folder is resolved: a lock path that is itself a link is refused (LockInvalid), never followed.
        AcquireCore(Path.Combine(SecureFile.CanonicalPath(Path.GetDirectoryName(Path.GetFullPath(lockPath))!), Path.GetFileName(lockPath)), options, null, cancellationToken)!;

    private static FileLock? AcquireCore(string lockPath, FileLockOptions? options, Func<bool>? satisfied, CancellationToken cancellationToken)
    {
        options ??= FileLockOptions.Default;
        TimeSpan? lastAsked = null;
        var dir = Path.GetDirectoryName(lockPath)!;

        var waited = Stopwatch.StartNew();
        var random = new Random(Environment.ProcessId ^ Environment.CurrentManagedThreadId ^ (int)DateTime.UtcNow.Ticks);
        LockState? lastHeld = null;
        // The folder is made sure of on the first attempt, and again only after a create failed on a lock that looked
        // free (a peer that gave up may have removed the (empty) folder it had created meanwhile).
        var ensureDirectory = true;
        // The lock as the last Inspect saw it (kind and size from lstat) and when: while it stays so, a poll is one lstat.
        (FileKindValue Kind, long Size)? inspected = null;
        var inspectedAt = TimeSpan.Zero;
        using var watch = options.WakeOnRelease ? new ReleaseWatch(lockPath) : null;
        var pausedForHolder = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ensureDirectory)
            {
                SecureFile.EnsureDirectory(dir);
                ensureDirectory = false;
            }
            // Publishing a lock costs a temp file, a write, a link and a delete: a waiter first looks whether the lock
            // is still there (one lstat) and only tries to take it when it seems free; the link decides any race.
            var (kind, size) = KindAndSize(lockPath);
            ThrowIfNotALock(lockPath, kind);
            if (kind == FileKindValue.Missing && satisfied is not null && pausedForHolder)
            {
                // Released after this caller waited for it: the holder has most likely just written what the caller
                // needs, and a look costs less than taking and publishing the lock only to find that out inside it.
                pausedForHolder = false;
                lastAsked = waited.Elapsed;
                if (satisfied())
                {
                    return null;
                }
            }
            var content = kind == FileKindValue.Missing ? BuildContent() : null;
            if (content is not null)
            {
                if (TryCreate(lockPath, content))
                {
                    // A holder killed while publishing its lock leaves its temp file, never the lock: clear those of dead pids
                    // (by the one sweep rule: once per lock per process per interval, not after every acquisition).
                    SecureFile.SweepOrphanedTempsIfDue(lockPath);
                    return new FileLock(lockPath, content, waited.Elapsed, options.StaleAfter);
                }
                ensureDirectory = true;
                inspected = null;
            }

            // Reading, parsing and judging the lock (content, pid, start time) is done when it is new or changed, and
            // otherwise every InspectInterval; in between the lock is held by the same holder as far as lstat can tell.
            if (inspected is null || inspected.Value != (kind, size) || waited.Elapsed - inspectedAt >= options.InspectInterval)
            {
                var state = Inspect(lockPath, options.StaleAfter);
                if (state.Stale)
                {
                    RemoveStale(lockPath, state, options.StaleAfter);
                    inspected = null;
                    continue;
                }
                if (state.Description is not null)
                {
                    lastHeld = state;
                    inspected = (kind, size);
                    inspectedAt = waited.Elapsed;
                }
                else
                {
                    inspected = null; // released or replaced meanwhile: look again next time
                }
            }

            if (satisfied is not null && (lastAsked is null || waited.Elapsed - lastAsked.Value >= TimeSpan.FromMilliseconds(25)))
            {
                lastAsked = waited.Elapsed;
                if (satisfied())
                {
                    return null;
                }
            }

            if (waited.Elapsed >= options.Timeout)
            {
                throw new MoltbotException(
                    ErrorIds.LockTimeout,
                    MoltbotErrorKind.ResourceBusy,
                    $"Timed out after {options.Timeout.TotalSeconds:0.###} s waiting for the lock {lockPath}" +
                    (lastHeld is { } held ? $" ({held.Description})." : "."),
                    lockPath)
                {
                    RecommendedAction = lastHeld is { HasContent: true }
                        ? "The lock folder holds files, so it is not a lock of OpenClaw or Moltbot and is not removed. Look at what it holds and move it away."
                        : "Another process (OpenClaw or Moltbot) is writing these credentials. Try again; if no such process runs, delete the lock file.",
                };
            }

            pausedForHolder = true;
            var pause = NextPause(options, waited.Elapsed, random);
            if (satisfied is not null && lastAsked is { } asked)
            {
                // Wake up in time for the next question: the predicate's cadence (25 ms) does not stretch with the backoff.
                pause = Math.Max(1, Math.Min(pause, (int)Math.Ceiling(25 - (waited.Elapsed - asked).TotalMilliseconds)));
            }
            if (watch is not null)
            {
                watch.Start();
                if (WaitHandle.WaitAny(new[] { cancellationToken.WaitHandle, watch.Released }, pause) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            else if (cancellationToken.WaitHandle.WaitOne(pause))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>A watcher of the lock's folder that signals when the lock file is deleted or renamed away (opt-in).</summary>
    private sealed class ReleaseWatch : IDisposable
    {
        private readonly string _dir;
        private readonly string _name;
        private FileSystemWatcher? _watcher;

        public ReleaseWatch(string lockPath)
        {
            _dir = Path.GetDirectoryName(lockPath)!;
            _name = Path.GetFileName(lockPath);
        }

        public AutoResetEvent Released { get; } = new(false);

        /// <summary>Starts watching once the lock was found held (never for a lock taken at once).</summary>
        public void Start()
        {
            if (_watcher is not null)
            {
                return;
            }
            try
            {
                _watcher = new FileSystemWatcher(_dir, _name) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName };
                _watcher.Deleted += (_, _) => Released.Set();
                _watcher.Renamed += (_, _) => Released.Set();
                _watcher.Error += (_, _) => Released.Set();
                _watcher.EnableRaisingEvents = true;
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                // No notification here (inotify limits, a network folder): polling alone.
                _watcher?.Dispose();
                _watcher = new FileSystemWatcher();
            }
        }

        public void Dispose()
        {
            _watcher?.Dispose();
            Released.Dispose();
        }
    }

    /// <summary>
    /// The pause before the next attempt after <paramref name="waited"/> of waiting, in ms: drawn in [c/2, c] where the
    /// ceiling c is <see cref="FileLockOptions.PollInterval"/> for the first <see cref="FileLockOptions.BackoffAfter"/>,
    /// then grows linearly to <see cref="FileLockOptions.MaxPollInterval"/> over 120 ms. The jitter keeps the waiters of
    /// many processes from polling in step; the half-ceiling floor keeps a waiter from polling in a burst.
    /// </summary>
    internal static int NextPause(FileLockOptions options, TimeSpan waited, Random random)
    {
        var first = Math.Max(1, options.PollInterval.TotalMilliseconds);
        var max = Math.Max(first, options.MaxPollInterval.TotalMilliseconds);
        var past = (waited - options.BackoffAfter).TotalMilliseconds;
        var ceiling = past <= 0 ? first : Math.Min(max, first + (max - first) * past / 120.0);
        return (int)Math.Max(1, Math.Round(ceiling * (0.5 + 0.5 * random.NextDouble())));
    }

    /// <summary>The kind of the lock path and, where lstat tells it, its size (-1 otherwise): one system call.</summary>
    private static (FileKindValue Kind, long Size) KindAndSize(string lockPath)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                return PathTrust.LStat(lockPath) is { } status ? (FileKind.FromType(status.Type), status.Size) : (FileKindValue.Missing, -1);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
            {
                // Not examinable: what FileKind can tell, without a size.
            }
        }
        return (FileKind.Of(lockPath), -1);
    }

    /// <summary>Releases the lock: deletes the lock file if it is still the one this holder wrote.</summary>
    public void Dispose()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        using (var stopped = new ManualResetEvent(false))
        {
            if (_heartbeat.Dispose(stopped))
            {
                stopped.WaitOne(TimeSpan.FromSeconds(5)); // no touch after the release
            }
        }
        try
        {
            var current = FileKind.Of(LockPath) == FileKindValue.Regular ? ReadWithMtime(LockPath, out _) : null;
            if (current is not null && current.AsSpan().SequenceEqual(_content))
            {
                File.Delete(LockPath);
            }
        }
        catch (IOException)
        {
            // The file vanished or cannot be read: nothing of ours to release.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Refreshes the lock's mtime, through a handle whose content is checked to be still ours.</summary>
    private void Touch()
    {
        try
        {
            if (_released || FileKind.Of(LockPath) != FileKindValue.Regular)
            {
                return;
            }
            // futimens needs ownership only; Windows needs FILE_WRITE_ATTRIBUTES, which a read handle lacks.
            var access = OperatingSystem.IsWindows() ? FileAccess.ReadWrite : FileAccess.Read;
            using var fs = new FileStream(LockPath, FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[_content.Length + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = fs.Read(buffer, read, buffer.Length - read)) > 0)
            {
                read += n;
            }
            if (read == _content.Length && buffer.AsSpan(0, read).SequenceEqual(_content))
            {
                File.SetLastWriteTimeUtc(fs.SafeFileHandle, DateTime.UtcNow);
                Interlocked.Increment(ref _heartbeats);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // Released or replaced meanwhile: nothing of ours to refresh.
        }
    }

    /// <summary>A lock path holding a FIFO, socket, device or symlink: refuse before anything opens (and blocks on) it.</summary>
    private static void ThrowIfNotALock(string lockPath, FileKindValue kind)
    {
        if (kind is FileKindValue.Missing or FileKindValue.Regular or FileKindValue.Directory)
        {
            return;
        }
        throw new MoltbotException(ErrorIds.LockInvalid, MoltbotErrorKind.InvalidData,
            $"The lock {lockPath} is {FileKind.Describe(kind)}, not a lock file or lock folder; it was not opened.", lockPath)
        {
            RecommendedAction = "Neither OpenClaw nor Moltbot creates such a lock: find out who put it there, then remove it.",
        };
    }

    private static byte[] BuildContent()
    {
        var created = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        // The same shape as OpenClaw's sidecar: pretty JSON with pid and createdAt.
        // starttime as OpenClaw 2026.6+ records it: a reader can tell a reused pid from the holder.
        var start = ProcessProbe.CurrentStartTime is { } st ? ",\n  \"starttime\": " + st.ToString(CultureInfo.InvariantCulture) : string.Empty;
        // The pid namespace and boot: a reader can tell whether the pid is one it can look up (issue 12, finding 1).
        var ns = ProcessProbe.CurrentPidNamespace is { } pidNs ? ",\n  \"pidNamespace\": " + JsonSerializer.Serialize(pidNs) : string.Empty;
        var boot = ProcessProbe.CurrentBootId is { } bootId ? ",\n  \"bootId\": " + JsonSerializer.Serialize(bootId) : string.Empty;
        var text = "{\n  \"pid\": " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) +
                   ",\n  \"createdAt\": \"" + created + "\"" + start + ns + boot + ",\n  \"owner\": \"moltbot-" + Guid.NewGuid().ToString("N") + "\"\n}";
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>
    /// Creates the lock file with its pid already in it. A lock file created empty and written afterwards is, for a
    /// holder killed in between, an orphan that only its age (30 s) can clear, since it names no pid.
    /// </summary>
    private static bool TryCreate(string lockPath, byte[] content) => SecureFile.TryCreateWithContent(lockPath, content);

    /// <param name="AgeOnly">Stale only because of the file's mtime (not its pid or createdAt).</param>
    /// <param name="HasContent">A lock folder that holds entries: not a lock of OpenClaw or Moltbot, never removed.</param>
    private readonly record struct LockState(bool Stale, bool IsDirectory, byte[]? Content, string? Description, bool AgeOnly = false, bool HasContent = false);

    private static LockState Inspect(string lockPath, TimeSpan staleAfter)
    {
        var now = DateTime.UtcNow;
        try
        {
            var kind = FileKind.Of(lockPath);
            ThrowIfNotALock(lockPath, kind);
            if (kind == FileKindValue.Missing)
            {
                return new LockState(false, false, null, null); // released meanwhile: try again at once
            }
            if (kind == FileKindValue.Directory)
            {
                var age = now - Directory.GetLastWriteTimeUtc(lockPath);
                if (age > staleAfter && Directory.EnumerateFileSystemEntries(lockPath).Any())
                {
                    // proper-lockfile's lock folder is empty: one with content is not a lock of ours to remove.
                    return new LockState(false, true, null, $"a lock directory with content, not refreshed for {age.TotalSeconds:0.0} s, left alone", HasContent: true);
                }
                return new LockState(age > staleAfter, true, null, $"a lock directory, refreshed {age.TotalSeconds:0.0} s ago");
            }

            // Content and mtime from one handle: File.GetLastWriteTimeUtc(path) of a file released meanwhile gives 1601,
            // which would make the next holder's fresh (possibly still empty) lock look abandoned.
            var bytes = ReadWithMtime(lockPath, out var mtime);
            if (bytes is null)
            {
                return new LockState(false, false, null, null); // released meanwhile: try again at once
            }
            var fileAge = now - mtime;
            int? pid = null;
            long? startTime = null;
            string? pidNamespace = null, bootId = null;
            try
            {
                using var doc = JsonDocument.Parse(bytes);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var pv))
                    {
                        pid = pv;
                    }
                    if (doc.RootElement.TryGetProperty("starttime", out var st) && st.ValueKind == JsonValueKind.Number && st.TryGetInt64(out var sv))
                    {
                        startTime = sv;
                    }
                    if (doc.RootElement.TryGetProperty("pidNamespace", out var ns) && ns.ValueKind == JsonValueKind.String)
                    {
                        pidNamespace = ns.GetString();
                    }
                    if (doc.RootElement.TryGetProperty("bootId", out var bi) && bi.ValueKind == JsonValueKind.String)
                    {
                        bootId = bi.GetString();
                    }
                }
            }
            catch (JsonException)
            {
                // Being written right now, or garbage: judged by its age alone.
            }

            // The pid is one this reader can look up only when the lock provably comes from its own pid namespace and boot.
            var ownNamespace = pidNamespace is not null && bootId is not null
                               && pidNamespace == ProcessProbe.CurrentPidNamespace && bootId == ProcessProbe.CurrentBootId;
            var foreignNamespace = !ownNamespace && (pidNamespace is not null || bootId is not null);
            var staleByContent = ownNamespace && pid is { } holder
                                 && (!ProcessProbe.IsAlive(holder)
                                     // a live pid with another start time is a reused pid, not the holder
                                     || (startTime is { } recorded && ProcessProbe.StartTime(holder) is { } actual && actual != recorded));
            // OpenClaw 6.x's rule for a lock without namespace information: a pid alive here with the recorded start time
            // is the holder (the chance that a process of another namespace has both the same pid and start tick is nil).
            var visiblyHeld = !foreignNamespace && pid is { } live && startTime is { } start
                              && ProcessProbe.IsAlive(live) && ProcessProbe.StartTime(live) == start;
            var stale = staleByContent || (!visiblyHeld && fileAge > staleAfter);
            var description = (pid is { } who ? $"held by pid {who}" : "held by an unknown process")
                              + (foreignNamespace ? " of another pid namespace or boot" : ownNamespace ? string.Empty : " (no pid namespace recorded)")
                              + $", refreshed {fileAge.TotalSeconds:0.0} s ago";
            return new LockState(stale, false, bytes, description, AgeOnly: !staleByContent);
        }
        catch (IOException)
        {
            return new LockState(false, false, null, null);
        }
        catch (UnauthorizedAccessException)
        {
            return new LockState(false, false, null, null); // turned into a directory meanwhile: look again
        }
    }

    /// <summary>A small file's bytes and its mtime, read through one handle; null when the file does not exist.</summary>
    private static byte[]? ReadWithMtime(string path, out DateTime mtimeUtc)
    {
        mtimeUtc = default;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            mtimeUtc = File.GetLastWriteTimeUtc(fs.SafeFileHandle);
            using var buffer = new MemoryStream();
            fs.CopyTo(buffer);
            return buffer.ToArray();
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

    private static void RemoveStale(string lockPath, LockState state, TimeSpan staleAfter)
    {
        try
        {
            if (state.IsDirectory)
            {
                // Look again right before removing: a peer may have released it and taken a fresh one meanwhile.
                // rmdir, never recursive: it fails on a folder that gained content meanwhile, which is then not ours.
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(lockPath) > staleAfter)
                {
                    Directory.Delete(lockPath, recursive: false);
                }
                return;
            }
            // Delete only what was judged stale: a lock taken afresh by a peer in between must survive. Equal bytes are
            // not enough when the verdict came from the age alone (two fresh locks can both still be empty): the file
            // there now must be old too.
            var current = ReadWithMtime(lockPath, out var mtime);
            if (current is not null && state.Content is not null && current.AsSpan().SequenceEqual(state.Content)
                && (!state.AgeOnly || DateTime.UtcNow - mtime > staleAfter))
            {
                File.Delete(lockPath);
            }
        }
        catch (IOException)
        {
            // A peer removed or replaced it first: the next attempt sorts it out.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
