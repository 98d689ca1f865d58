using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Moltbot.Core.Locking;

// Usage: worker <targetFile> <startFile> <rounds> <holdMs> <gapMs> <mode> <out.jsonl>
//   mode: fixed   = poll every 4-8 ms and read/parse/probe the lock on every poll (the wait before issue 16);
//         backoff = FileLockOptions' defaults (4-8 ms for 100 ms, then up to 20 ms; one lstat per poll);
//         watch   = backoff plus a FileSystemWatcher wake-up on the lock's delete (WakeOnRelease).
// Forty warm-up acquisitions, then the start file is awaited; each round takes the lock, stamps "acquired", holds it for
// holdMs (a sleep: the holder's own work), stamps "released" just before the release, then stays away gapMs so that
// the peers are the waiters. Prints one JSON line per round, then {"cpuMs": user+sys CPU since the start file, "wallMs"}.
var culture = CultureInfo.InvariantCulture;
if (args.Length != 8 || args[0] != "worker")
{
    Console.Error.WriteLine("usage: worker <targetFile> <startFile> <rounds> <holdMs> <gapMs> <fixed|backoff|watch> <out.jsonl>");
    return 2;
}
var (target, start, rounds, holdMs, gapMs, mode, output) =
    (args[1], args[2], int.Parse(args[3], culture), int.Parse(args[4], culture), int.Parse(args[5], culture), args[6], args[7]);
var options = mode switch
{
    "fixed" => new FileLockOptions { PollInterval = TimeSpan.FromMilliseconds(8), MaxPollInterval = TimeSpan.FromMilliseconds(8), InspectInterval = TimeSpan.Zero },
    "backoff" => new FileLockOptions(),
    "watch" => new FileLockOptions { WakeOnRelease = true },
    _ => throw new ArgumentException("mode"),
};
options = options with { Timeout = TimeSpan.FromMinutes(5) };
static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

// Warm-up: enough acquisitions for the runtime to tier the lock code up, so that the CPU measured after the start file
// is the waiting, not the JIT.
for (var i = 0; i < 40; i++)
{
    using (FileLock.Acquire(target, options))
    {
    }
}
Thread.Sleep(500);
while (!File.Exists(start))
{
    Thread.Sleep(2);
}
var self = Process.GetCurrentProcess();
self.Refresh();
var cpu0 = self.TotalProcessorTime;
var wall = Stopwatch.StartNew();
var log = new StringBuilder();
var waitedMs = 0.0;
for (var i = 0; i < rounds; i++)
{
    double acquired, released, waited;
    using (var held = FileLock.Acquire(target, options))
    {
        acquired = Now();
        waited = held.Waited.TotalMilliseconds;
        Thread.Sleep(holdMs);
        released = Now();
    }
    waitedMs += waited;
    log.Append(string.Create(culture, $"{{\"pid\":{Environment.ProcessId},\"acquired\":{acquired:0.000},\"released\":{released:0.000},\"waitedMs\":{waited:0.000}}}\n"));
    Thread.Sleep(gapMs);
}
self.Refresh();
var cpu = (self.TotalProcessorTime - cpu0).TotalMilliseconds;
log.Append(string.Create(culture, $"{{\"pid\":{Environment.ProcessId},\"cpuMs\":{cpu:0.0},\"wallMs\":{wall.Elapsed.TotalMilliseconds:0.0},\"waitedTotalMs\":{waitedMs:0.0}}}\n"));
File.WriteAllText(output, log.ToString());
return 0;
