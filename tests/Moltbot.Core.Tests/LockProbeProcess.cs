using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace Moltbot.Core.Tests;

/// <summary>
/// A child process running tests/Moltbot.LockProbe (copied into this test project's output by its ProjectReference):
/// <c>dotnet Moltbot.LockProbe.dll hold|count &lt;target&gt; &lt;number&gt;</c>, or <c>upsert</c> for the kill -9 fault test.
/// </summary>
public sealed class LockProbeProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly System.Text.StringBuilder _stderr = new();

    private LockProbeProcess(Process process)
    {
        _process = process;
    }

    public static string ProbeDll => Path.Combine(AppContext.BaseDirectory, "Moltbot.LockProbe.dll");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>hold target ms</c> and waits until the child reports that it holds the lock.</summary>
    public static LockProbeProcess Hold(string target, int ms = 60_000)
    {
        var probe = Start("hold", target, ms);
        var line = probe.ReadLine(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("locked", StringComparison.Ordinal))
        {
            var err = probe.StandardError;
            probe.Dispose();
            throw new InvalidOperationException($"the lock probe did not report 'locked' (got '{line}'): {err}");
        }
        return probe;
    }

    public static LockProbeProcess Start(string mode, string target, int number) =>
        Start(new[] { mode, target, number.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>
    /// Starts the probe with these arguments (its mode first). <paramref name="environment"/> sets variables for the
    /// child, or removes those whose value is null.
    /// </summary>
    /// <param name="wrapper">A command that runs the probe, e.g. <c>unshare --pid --fork --mount-proc --kill-child</c>: the
    /// dotnet host and the probe's arguments follow it.</param>
    public static LockProbeProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, IReadOnlyList<string>? wrapper = null)
    {
        if (!File.Exists(ProbeDll))
        {
            throw new FileNotFoundException("Moltbot.LockProbe.dll is not in the test output; is the ProjectReference missing?", ProbeDll);
        }
        var psi = new ProcessStartInfo(wrapper is { Count: > 0 } ? wrapper[0] : DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (wrapper is { Count: > 0 })
        {
            for (var i = 1; i < wrapper.Count; i++)
            {
                psi.ArgumentList.Add(wrapper[i]);
            }
            psi.ArgumentList.Add(DotnetHost());
        }
        psi.ArgumentList.Add(ProbeDll);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var probe = new LockProbeProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                probe._lines.CompleteAdding();
            }
            else
            {
                probe._lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (probe._stderr)
                {
                    probe._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return probe;
    }

    /// <summary>The next line of standard output, or null at its end or after the timeout.</summary>
    public string? ReadLine(TimeSpan timeout)
    {
        try
        {
            return _lines.TryTake(out var line, timeout) ? line : null;
        }
        catch (InvalidOperationException)
        {
            return null; // completed
        }
    }

    /// <summary>Closes the child's standard input: a holder releases its lock and exits.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>SIGKILL on Unix: the child gets no chance to release anything.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGKILL (on Unix) if still running, then waits for the exit and the end of stdout; adds the lines not read yet to <paramref name="rest"/>.</summary>
    /// <returns>Whether the process was still running when the signal was sent.</returns>
    public bool KillAndDrain(List<string> rest)
    {
        var wasRunning = !_process.HasExited;
        if (wasRunning)
        {
            try
            {
                _process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                wasRunning = false; // exited between the check and the kill
            }
        }
        _process.WaitForExit(); // also waits until the redirected streams reach their end
        foreach (var line in _lines.GetConsumingEnumerable())
        {
            rest.Add(line);
        }
        return wasRunning;
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            return false;
        }
        _process.WaitForExit(); // flush the redirected streams
        return true;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    /// <summary>The dotnet host running this test (the CLI passes it down as DOTNET_HOST_PATH), else "dotnet" from PATH.</summary>
    private static string DotnetHost()
    {
        var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli))
        {
            return fromCli;
        }
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }
        return "dotnet";
    }
}

/// <summary>A plain OS child process that is alive while a test needs a live pid that is not ours (e.g. <c>sleep</c>).</summary>
public sealed class SleepProcess : IDisposable
{
    private readonly Process _process;

    public SleepProcess(int seconds = 60)
    {
        _process = Process.Start(new ProcessStartInfo("sleep", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            UseShellExecute = false,
        })!;
    }

    public int Id => _process.Id;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    /// <summary>A pid that was alive a moment ago and is now dead (and reaped).</summary>
    public static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }
}
