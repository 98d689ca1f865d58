using System;
using System.Diagnostics;
using System.IO;

namespace Moltbot.Core.Locking;

/// <summary>Whether a process id is alive on this machine (a zombie counts as dead).</summary>
internal static class ProcessProbe
{
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
