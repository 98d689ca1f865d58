using System;
using System.Diagnostics;
using System.IO;

namespace Moltbot.Core.Locking;

/// <summary>Whether a process id is alive on this machine (a zombie counts as dead), and when it started.</summary>
internal static class ProcessProbe
{
    private static readonly Lazy<long?> OwnStartTime = new(() => StartTime(Environment.ProcessId));

    private static readonly Lazy<string?> OwnPidNamespace = new(ReadPidNamespace);
    private static readonly Lazy<string?> OwnBootId = new(ReadBootId);

    /// <summary>This process's start time as <see cref="StartTime"/> gives it (cached).</summary>
    public static long? CurrentStartTime => OwnStartTime.Value;

    /// <summary>
    /// This process's pid namespace: on Linux the target of <c>/proc/self/ns/pid</c> (<c>pid:[4026531836]</c>, its inode).
    /// A pid read from a lock means this process's pid only when the lock names the same namespace (and boot). Elsewhere
    /// (no pid namespaces) the machine name stands for it. Null when it cannot be read.
    /// </summary>
    public static string? CurrentPidNamespace => OwnPidNamespace.Value;

    /// <summary>
    /// This boot: on Linux <c>/proc/sys/kernel/random/boot_id</c>; elsewhere the boot time to the minute (an estimate:
    /// a mismatch only makes a reader fall back to the lock's freshness). Null when it cannot be read.
    /// </summary>
    public static string? CurrentBootId => OwnBootId.Value;

    private static string? ReadPidNamespace()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "host:" + Environment.MachineName;
        }
        try
        {
            return new FileInfo("/proc/self/ns/pid").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadBootId()
    {
        if (!OperatingSystem.IsLinux())
        {
            var boot = DateTime.UtcNow - TimeSpan.FromMilliseconds(Environment.TickCount64);
            return "boot:" + boot.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        }
        try
        {
            var id = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            return id.Length == 0 ? null : id;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The start time of a process as OpenClaw records it in its lock files (<c>starttime</c>): on Linux field 22 of
    /// <c>/proc/&lt;pid&gt;/stat</c>, in clock ticks since boot. Null elsewhere or when the process cannot be read.
    /// </summary>
    public static long? StartTime(int pid)
    {
        if (!OperatingSystem.IsLinux() || pid <= 0)
        {
            return null;
        }
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close < 0)
            {
                return null;
            }
            // After ") " come field 3 (state) onwards: starttime is field 22, the 20th of those.
            var fields = stat.Substring(close + 2).Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }
        if (pid == Environment.ProcessId)
        {
            return true;
        }
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                // The state follows the parenthesised command name, which may itself contain ')'.
                var close = stat.LastIndexOf(')');
                return !(close > 0 && close + 2 < stat.Length && (stat[close + 2] == 'Z' || stat[close + 2] == 'X'));
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // exists but we may not inspect it
        }
    }
}
