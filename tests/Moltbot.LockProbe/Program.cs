using System;
using System.Globalization;
using System.IO;
using System.Threading;
using Moltbot.Core.Locking;

namespace Moltbot.LockProbe;

/// <summary>
/// Usage:
///   hold &lt;targetFile&gt; &lt;ms&gt;   take the lock of targetFile, print "locked &lt;pid&gt;", hold it for ms or until stdin closes,
///                           release, print "released &lt;unix ms just before the release&gt;", exit 0.
///   hold-increment &lt;targetFile&gt; &lt;ms&gt; [staleAfterMs]   take the lock (stale period staleAfterMs, default 30 s), read the
///                           integer in "&lt;targetFile&gt;.counter", print "locked &lt;pid&gt; &lt;value read&gt;", hold the lock for
///                           ms (a writer that is slow between its read and its write), write the value plus one, release,
///                           print "released &lt;unix ms&gt; &lt;heartbeats&gt;", exit 0. Run in another pid namespace by the
///                           namespace test (issue 12, finding 1).
///   count &lt;targetFile&gt; &lt;n&gt;   n times: take the lock, read the integer in "&lt;targetFile&gt;.counter", write it plus one
///                           (deliberately not atomically), release. Print "done" and exit 0.
///   upsert &lt;stateDir&gt; &lt;agent&gt; &lt;prefix&gt; &lt;n&gt; [staleAfterMs]   n times: store a credential in the agent's store through
///                           CredentialService (the code path of Set-MoltbotApiKey / Set-MoltbotSetupToken: store lock,
///                           re-read, atomic write, then auth.profiles in openclaw.json), print "ok &lt;profileId&gt;" once
///                           the call has returned; then print "done" and wait until stdin closes. See <see cref="UpsertWorker"/>.
/// Exit code 2 for bad usage, 3 for a failure, 4 for a typed Moltbot error (stderr then starts with
/// "moltbot-error &lt;ErrorId&gt; &lt;Kind&gt;").
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length is 5 or 6 && args[0] == "upsert")
        {
            if (!int.TryParse(args[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var writes) || writes < 0)
            {
                return Usage();
            }
            int? staleAfterMs = null;
            if (args.Length == 6)
            {
                if (!int.TryParse(args[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out var stale) || stale <= 0)
                {
                    return Usage();
                }
                staleAfterMs = stale;
            }
            try
            {
                return UpsertWorker.Run(args[1], args[2], args[3], writes, staleAfterMs);
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine(ex.ToString());
                return 3;
            }
        }
        if (args.Length is 3 or 4 && args[0] == "hold-increment")
        {
            if (!int.TryParse(args[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var holdMs) || holdMs < 0)
            {
                return Usage();
            }
            var stale = 30_000;
            if (args.Length == 4 && (!int.TryParse(args[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out stale) || stale <= 0))
            {
                return Usage();
            }
            try
            {
                return HoldIncrement(args[1], holdMs, TimeSpan.FromMilliseconds(stale));
            }
            catch (Exception ex)
            {
                return Failed(ex);
            }
        }
        if (args.Length != 3 || !int.TryParse(args[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return Usage();
        }
        try
        {
            return args[0] switch
            {
                "hold" => Hold(args[1], number),
                "count" => Count(args[1], number),
                _ => Usage(),
            };
        }
        catch (Exception ex)
        {
            return Failed(ex);
        }
    }

    private static int Failed(Exception ex)
    {
        if (ex is Moltbot.Core.MoltbotException typed)
        {
            Console.Error.WriteLine("moltbot-error " + typed.ErrorId + " " + typed.Kind + ": " + typed.Message);
            return 4;
        }
        Console.Error.WriteLine(ex.ToString());
        return 3;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Moltbot.LockProbe hold <targetFile> <ms> | hold-increment <targetFile> <ms> [staleAfterMs] | count <targetFile> <n> | upsert <stateDir> <agent> <prefix> <n> [staleAfterMs]");
        return 2;
    }

    private static int Hold(string target, int ms)
    {
        using var stdinClosed = new ManualResetEventSlim(false);
        var reader = new Thread(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
            stdinClosed.Set();
        })
        { IsBackground = true };

        var releasingAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(); // warm up what the release timestamp needs
        var fileLock = FileLock.Acquire(target);
        try
        {
            Console.Out.WriteLine("locked " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
            reader.Start();
            stdinClosed.Wait(ms);
        }
        finally
        {
            // The moment just before the lock file is deleted: a waiter cannot get the lock earlier than this.
            releasingAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            fileLock.Dispose();
        }
        Console.Out.WriteLine("released " + releasingAt.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        return 0;
    }

    private static int HoldIncrement(string target, int ms, TimeSpan staleAfter)
    {
        var counter = target + ".counter";
        var fileLock = FileLock.Acquire(target, new FileLockOptions { StaleAfter = staleAfter, Timeout = TimeSpan.FromSeconds(60) });
        long releasingAt;
        try
        {
            var text = File.Exists(counter) ? File.ReadAllText(counter).Trim() : "0";
            var value = text.Length == 0 ? 0 : long.Parse(text, CultureInfo.InvariantCulture);
            Console.Out.WriteLine("locked " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + " " + value.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
            Thread.Sleep(ms);
            File.WriteAllText(counter, (value + 1).ToString(CultureInfo.InvariantCulture));
        }
        finally
        {
            releasingAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            fileLock.Dispose();
        }
        Console.Out.WriteLine("released " + releasingAt.ToString(CultureInfo.InvariantCulture) + " " + fileLock.Heartbeats.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        return 0;
    }

    private static int Count(string target, int n)
    {
        var counter = target + ".counter";
        for (var i = 0; i < n; i++)
        {
            using (FileLock.Acquire(target))
            {
                var text = File.Exists(counter) ? File.ReadAllText(counter).Trim() : "0";
                var value = text.Length == 0 ? 0 : long.Parse(text, CultureInfo.InvariantCulture);
                // Truncate, then write: without mutual exclusion another process reads a stale or empty value.
                File.WriteAllText(counter, (value + 1).ToString(CultureInfo.InvariantCulture));
            }
        }
        Console.Out.WriteLine("done");
        Console.Out.Flush();
        return 0;
    }
}
