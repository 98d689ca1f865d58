using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;

namespace Moltbot.PowerShell.Tests;

/// <summary>
/// Hosts the cmdlets in-process (Microsoft.PowerShell.SDK 7.6.9) against a throw-away state dir. Every test gets a
/// fresh state dir through OPENCLAW_STATE_DIR, so the tests of this assembly run one at a time.
/// Every run is checked by the secret scan (<see cref="SecretScanner"/>): a test fails when anything a run emitted holds
/// a secret the test used (from the script, the variables, <see cref="RegisterSecret"/> or the state dir).
/// </summary>
public sealed class MoltbotHost : IDisposable
{
    private readonly Runspace _runspace;
    private int _runs;

    public MoltbotHost()
    {
        StateDir = Path.Combine(Path.GetTempPath(), "moltbot-ps-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(StateDir);
        Environment.SetEnvironmentVariable("OPENCLAW_STATE_DIR", StateDir);
        Environment.SetEnvironmentVariable("OPENCLAW_CONFIG_PATH", null);
        Environment.SetEnvironmentVariable("OPENCLAW_OAUTH_DIR", null);

        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { typeof(Moltbot.Commands.MoltbotCmdlet).Assembly.Location });
        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
    }

    public string StateDir { get; }

    public string MainStore => Path.Combine(StateDir, "agents", "main", "agent", "auth-profiles.json");

    public string ConfigPath => Path.Combine(StateDir, "openclaw.json");

    /// <summary>The secret scan of this test's runs.</summary>
    public SecretScanner Secrets { get; } = new();

    /// <summary>Adds a secret the scan must never find in what the runs emit (values shorter than 12 characters are ignored).</summary>
    public void RegisterSecret(string value) => Secrets.Add(value);

    /// <summary>Runs a script; returns its output and every other stream's records.</summary>
    public RunResult Run(string script, Dictionary<string, object?>? variables = null)
    {
        Secrets.AddFromScript(script, variables);
        Secrets.Harvest(StateDir);
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        if (variables is not null)
        {
            foreach (var (name, value) in variables)
            {
                _runspace.SessionStateProxy.SetVariable(name, value);
            }
        }
        ps.AddScript(script);
        Collection<PSObject> output;
        Exception? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            output = new Collection<PSObject>();
            terminating = ex;
        }
        // The secret scan: everything this run emitted, against every secret known now (the store may hold new ones).
        Secrets.Harvest(StateDir);
        Secrets.Record($"run #{++_runs}", output, ps.Streams, terminating);
        Secrets.AssertClean();
        return new RunResult(
            output.Select(o => o?.BaseObject).ToList(),
            ps.Streams.Error.ToList(),
            ps.Streams.Verbose.Select(v => v.Message).Concat(ps.Streams.Debug.Select(d => d.Message)).Concat(ps.Streams.Warning.Select(w => w.Message)).ToList(),
            ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(),
            terminating);
    }

    /// <summary>
    /// Starts a script, waits for <paramref name="untilStop"/>, then stops it with PowerShell.Stop() (what Ctrl+C does);
    /// returns the exception the stopped invocation reported and how long Stop() took to return.
    /// </summary>
    public (Exception? Reported, TimeSpan StopToReturn, PSInvocationState State) RunAndStop(string script, Action untilStop)
    {
        Secrets.AddFromScript(script, null);
        Secrets.Harvest(StateDir);
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        var pending = ps.BeginInvoke();
        untilStop();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ps.Stop();
        var elapsed = clock.Elapsed;
        Exception? reported = null;
        try
        {
            ps.EndInvoke(pending);
        }
        catch (Exception ex)
        {
            reported = ex;
        }
        Secrets.Harvest(StateDir);
        Secrets.Record($"run #{++_runs} (stopped)", Array.Empty<object?>(), ps.Streams, reported);
        Secrets.AssertClean();
        return (reported, elapsed, ps.InvocationStateInfo.State);
    }

    public void Dispose()
    {
        try
        {
            // Whatever the test wrote last: a secret first seen now still fails an earlier run that showed it.
            Secrets.Harvest(StateDir);
        }
        finally
        {
            _runspace.Dispose();
            Environment.SetEnvironmentVariable("OPENCLAW_STATE_DIR", null);
            try
            {
                Directory.Delete(StateDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        Secrets.AssertClean();
    }
}

public sealed record RunResult(List<object?> Output, List<ErrorRecord> Errors, List<string> Messages, List<string> Information, Exception? Terminating)
{
    /// <summary>Everything a user could see, as text: output, errors (with their details), verbose, debug, warnings.</summary>
    public string AllText() => string.Join("\n",
        Output.Select(o => o?.ToString() ?? string.Empty)
            .Concat(Errors.Select(e => e.ToString() + " " + e.ErrorDetails?.Message + " " + e.Exception))
            .Concat(Messages)
            .Concat(Information)
            .Append(Terminating?.ToString() ?? string.Empty));

    /// <summary>The one error the run produced, whether it stopped the script or only the statement.</summary>
    public ErrorRecord SingleError()
    {
        if (Terminating is IContainsErrorRecord containsError)
        {
            Assert.Empty(Errors);
            return containsError.ErrorRecord;
        }
        return Assert.Single(Errors);
    }

    public void ShouldSucceed()
    {
        Assert.True(Terminating is null, "terminating error: " + Terminating);
        Assert.True(Errors.Count == 0, "errors: " + string.Join("; ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
    }
}

[CollectionDefinition("powershell", DisableParallelization = true)]
public sealed class PowerShellCollection
{
}
