using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace Moltbot.Core.Tests.Faults;

/// <summary>
/// <c>dotnet Moltbot.LockProbe.dll upsert &lt;stateDir&gt; &lt;agent&gt; &lt;prefix&gt; &lt;n&gt; [staleAfterMs]</c> as a child process whose
/// stdout lines ("ok &lt;profileId&gt;", "done") are collected as they arrive, and which the test kills with SIGKILL.
/// </summary>
internal sealed class WriterProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly StringBuilder _stderr = new();

    private WriterProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

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

    public static WriterProcess StartUpsert(string stateDir, string agent, string prefix, int writes, int staleAfterMs)
    {
        var dll = LockProbeProcess.ProbeDll;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Moltbot.LockProbe.dll is not in the test output; is the ProjectReference missing?", dll);
        }
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[]
                 {
                     dll, "upsert", stateDir, agent, prefix,
                     writes.ToString(CultureInfo.InvariantCulture), staleAfterMs.ToString(CultureInfo.InvariantCulture),
                 })
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["OPENCLAW_STATE_DIR"] = stateDir;
        psi.Environment.Remove("OPENCLAW_CONFIG_PATH");
        psi.Environment.Remove("OPENCLAW_OAUTH_DIR");

        var process = new Process { StartInfo = psi };
        var writer = new WriterProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                writer._lines.CompleteAdding();
            }
            else
            {
                writer._lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (writer._stderr)
                {
                    writer._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return writer;
    }

    /// <summary>The next stdout line, or null at the end of the stream or after the timeout.</summary>
    public string? ReadLine(TimeSpan timeout)
    {
        try
        {
            return _lines.TryTake(out var line, timeout) ? line : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL (on Unix), then waits for the exit and for the rest of stdout; returns the lines not read yet.</summary>
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

    public int ExitCode => _process.ExitCode;

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
        _lines.Dispose();
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
