using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Moltbot.Core.OpenClaw;
using Xunit;

namespace Moltbot.Core.Tests.Gateway;

public class OpenClawCliTests
{
    private const string PackageJson = "{ \"name\": \"openclaw\", \"version\": \"2026.9.6\", \"bin\": { \"openclaw\": \"openclaw.mjs\" } }";

    [UnixFact]
    public void LocatesTheExecutableNamedByMoltbotOpenClawCli()
    {
        using var f = new FakeCli();
        var exe = f.Script(f.Tmp.Combine("elsewhere", "my-openclaw"), "echo ok");
        f.OpenClaw("echo path-one"); // also on PATH: the variable wins

        var cli = OpenClawCli.Locate(f.Env(("MOLTBOT_OPENCLAW_CLI", exe)));

        Assert.NotNull(cli);
        Assert.Equal(exe, cli!.EntryPath);
        Assert.Null(cli.NodePath);
        Assert.Equal(OpenClawCli.CliVariable, cli.Source);
        Assert.Equal("ok\n", cli.Run(Array.Empty<string>()).StandardOutput);
    }

    [UnixFact]
    public void AnMjsEntryRunsWithMoltbotNode()
    {
        using var f = new FakeCli();
        var pkg = f.Tmp.Dir("pkg", "node_modules", "openclaw");
        f.Tmp.File(Path.Combine("pkg", "node_modules", "openclaw", "package.json"), PackageJson);
        var entry = f.Tmp.File(Path.Combine("pkg", "node_modules", "openclaw", "openclaw.mjs"), "// not run");
        var node = f.Script(f.Tmp.Combine("node24", "bin", "node"), "echo from-fake-node");

        var cli = OpenClawCli.Locate(f.Env(("MOLTBOT_OPENCLAW_CLI", entry), ("MOLTBOT_NODE", node)))!;
        var result = cli.Run(new[] { "models", "status" });

        Assert.Equal(entry, cli.EntryPath);
        Assert.Equal(node, cli.NodePath);
        Assert.Equal(pkg, cli.PackageDirectory);
        Assert.Equal("from-fake-node\n", result.StandardOutput);
        Assert.Equal(new[] { entry, "models", "status" }, f.Argv(1));
    }

    [UnixFact]
    public void AFolderInMoltbotOpenClawCliMeansItsOpenClawMjs()
    {
        using var f = new FakeCli();
        var pkg = f.Tmp.Dir("pkg");
        f.Tmp.File(Path.Combine("pkg", "package.json"), PackageJson);
        var entry = f.Tmp.File(Path.Combine("pkg", "openclaw.mjs"), "// not run");
        f.Script(Path.Combine(f.Bin, "node"), "exit 0");

        var cli = OpenClawCli.Locate(f.Env(("MOLTBOT_OPENCLAW_CLI", pkg)))!;

        Assert.Equal(entry, cli.EntryPath);
        Assert.Equal(Path.Combine(f.Bin, "node"), cli.NodePath); // node from PATH
    }

    [UnixFact]
    public void OnPathTheSymlinkIsResolvedAndTheVersionComesFromPackageJsonWithoutStartingNode()
    {
        using var f = new FakeCli();
        // The npm layout: bin/openclaw -> ../lib/node_modules/openclaw/openclaw.mjs
        f.Tmp.File(Path.Combine("lib", "node_modules", "openclaw", "package.json"), PackageJson);
        f.Tmp.File(Path.Combine("lib", "node_modules", "openclaw", "dist", "package.json"), "{ \"type\": \"module\" }");
        var entry = f.Tmp.File(Path.Combine("lib", "node_modules", "openclaw", "openclaw.mjs"), "#!/usr/bin/env node\n");
        if (Modes.Unix)
        {
            File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.CreateSymbolicLink(Path.Combine(f.Bin, "openclaw"), Path.Combine("..", "lib", "node_modules", "openclaw", "openclaw.mjs"));
        f.Script(Path.Combine(f.Bin, "node"), "echo 2026.1.1"); // records a call if it is ever started

        var cli = OpenClawCli.Locate(f.Env())!;

        Assert.Equal("PATH", cli.Source);
        Assert.Equal(Path.GetFullPath(entry), cli.EntryPath);
        Assert.Equal(Path.Combine(f.Bin, "node"), cli.NodePath);
        Assert.Equal(OpenClawVersion.Parse("2026.9.6"), cli.GetVersion());
        Assert.True(cli.GetVersion()!.IsSqliteEra);
        Assert.Equal(0, f.Calls);
    }

    [UnixFact]
    public void WithoutPackageJsonTheVersionComesFromDashDashVersion()
    {
        using var f = new FakeCli();
        f.OpenClaw("echo 'OpenClaw 2026.6.11 (build 1a2b3c4)'");

        var cli = OpenClawCli.Locate(f.Env())!;

        Assert.Null(cli.PackageDirectory);
        Assert.Equal(OpenClawVersion.Parse("2026.6.11"), cli.GetVersion());
        Assert.Equal(OpenClawVersion.Parse("2026.6.11"), cli.GetVersion()); // cached
        Assert.Equal(1, f.Calls);
        Assert.Equal(new[] { "--version" }, f.Argv(1));
    }

    [UnixFact]
    public void NothingOnPathGivesNull()
    {
        using var f = new FakeCli();
        var empty = f.Tmp.Dir("empty");
        File.WriteAllText(Path.Combine(empty, "openclaw"), "not executable");

        Assert.Null(OpenClawCli.Locate(FakeEnv.Create(f.Home, ("HOME", f.Home), ("PATH", empty))));
        Assert.Null(OpenClawCli.Locate(FakeEnv.Create(f.Home, ("HOME", f.Home))));
    }

    [UnixFact]
    public void AMoltbotOpenClawCliThatNamesNothingThrows()
    {
        using var f = new FakeCli();
        f.OpenClaw("exit 0");
        var missing = f.Tmp.Combine("nope", "openclaw");

        var ex = Throws.Moltbot(ErrorIds.OpenClawCliNotFound, MoltbotErrorKind.ObjectNotFound,
            () => OpenClawCli.Locate(f.Env(("MOLTBOT_OPENCLAW_CLI", missing))));
        Assert.Contains(missing, ex.Message);
    }

    [UnixFact]
    public void AnMjsEntryWithoutNodeThrows()
    {
        using var f = new FakeCli();
        var entry = f.Tmp.File("openclaw.mjs", "//");
        var env = FakeEnv.Create(f.Home, ("HOME", f.Home), ("PATH", f.Tmp.Dir("empty")), ("MOLTBOT_OPENCLAW_CLI", entry));

        Throws.Moltbot(ErrorIds.OpenClawCliNotFound, MoltbotErrorKind.ObjectNotFound, () => OpenClawCli.Locate(env));
    }

    [UnixFact]
    public void ArgumentsArePassedVerbatimWithoutAShell()
    {
        using var f = new FakeCli();
        f.OpenClaw("exit 3");
        var args = new[] { "gateway", "call", "x", "--params", "{\"a\":\"b c\"}", "$(touch pwned)", "; rm -rf /", "'quoted'", "" };

        var result = OpenClawCli.Locate(f.Env())!.Run(args);

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal(args, f.Argv(1)); // one line per argument, the empty one included
        Assert.False(File.Exists(Path.Combine(f.Home, "pwned")));
    }

    [UnixFact]
    public void StdinIsPipedAndNeverOnTheCommandLine()
    {
        using var f = new FakeCli();
        f.OpenClaw("echo done; echo warn >&2");
        const string secret = "sk-ant-oat01-SECRET-ON-STDIN-ONLY";

        var result = OpenClawCli.Locate(f.Env())!.Run(new[] { "models", "auth", "paste-token", "--provider", "anthropic" }, standardInput: secret);

        Assert.Equal(secret, f.Stdin(1));
        Assert.DoesNotContain(f.Argv(1), a => a.Contains("SECRET", StringComparison.Ordinal));
        Assert.DoesNotContain("SECRET", File.ReadAllText(Path.Combine(f.Log, "call-1.env")), StringComparison.Ordinal);
        Assert.Equal("done\n", result.StandardOutput);
        Assert.Equal("warn\n", result.StandardError);
    }

    [UnixFact]
    public void WithoutStdinTheChildSeesEndOfInputAtOnce()
    {
        using var f = new FakeCli();
        f.OpenClaw("exit 0");

        var result = OpenClawCli.Locate(f.Env())!.Run(new[] { "x" }, timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, f.Stdin(1));
    }

    [UnixFact]
    public void TheStateVariablesComeFromTheGivenEnvironment()
    {
        using var f = new FakeCli();
        f.OpenClaw("exit 0");
        var cfg = f.Tmp.Combine("elsewhere.json");

        OpenClawCli.Locate(f.Env(("OPENCLAW_CONFIG_PATH", cfg)))!.Run(new[] { "x" },
            environment: new Dictionary<string, string?> { ["EXTRA"] = "given", ["OPENCLAW_GATEWAY_URL"] = null });

        var env = f.ChildEnv(1);
        Assert.Equal(f.Home, env["HOME"]);
        Assert.Equal(f.StateDir, env["OPENCLAW_STATE_DIR"]);
        Assert.Equal(cfg, env["OPENCLAW_CONFIG_PATH"]);
        Assert.Equal("1", env["NO_COLOR"]);
        Assert.Equal("given", env["EXTRA"]);
        Assert.Equal(string.Empty, env["OPENCLAW_GATEWAY_URL"]);
    }

    [UnixFact]
    public void ATimeoutKillsTheProcessTree()
    {
        using var f = new FakeCli();
        var pidFile = Path.Combine(f.Log, "grandchild.pid");
        f.OpenClaw($"sleep 60 & echo $! > '{pidFile}'; wait");
        var cli = OpenClawCli.Locate(f.Env())!;

        var watch = Stopwatch.StartNew();
        var ex = Throws.Moltbot(ErrorIds.OpenClawCliTimeout, MoltbotErrorKind.OperationTimeout,
            () => cli.Run(new[] { "gateway", "call", "models.authRefresh", "--token", "tok-NOT-IN-MESSAGE" }, timeout: TimeSpan.FromSeconds(3)));
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.Contains("gateway call models.authRefresh", ex.Message);
        Assert.DoesNotContain("tok-NOT-IN-MESSAGE", ex.Message);
        Assert.True(Files.WaitUntil(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, TimeSpan.FromSeconds(5)));
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Files.WaitUntil(() => !IsAlive(pid), TimeSpan.FromSeconds(5)), $"the grandchild {pid} (sleep 60) still runs");
    }

    [UnixFact]
    public void CancellationKillsTheChild()
    {
        using var f = new FakeCli();
        f.OpenClaw("sleep 60");
        using var cts = new System.Threading.CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var watch = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => OpenClawCli.Locate(f.Env())!.Run(new[] { "x" }, timeout: TimeSpan.FromSeconds(60), cancellationToken: cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
    }

    [UnixFact]
    public void AFileThatCannotBeStartedThrowsStartFailed()
    {
        using var f = new FakeCli();
        var notExecutable = f.Tmp.File("openclaw-data", "just text");

        var cli = OpenClawCli.Locate(f.Env(("MOLTBOT_OPENCLAW_CLI", notExecutable)))!;

        Throws.Moltbot(ErrorIds.OpenClawCliStartFailed, MoltbotErrorKind.InvalidData, () => cli.Run(new[] { "x" }));
    }

    private static bool IsAlive(int pid)
    {
        // /proc/<pid> of a zombie still exists; its state is 'Z'.
        var stat = $"/proc/{pid}/stat";
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var text = File.ReadAllText(stat);
                var state = text.Substring(text.LastIndexOf(')') + 2, 1);
                return state != "Z" && state != "X";
            }
            catch (IOException)
            {
                return false;
            }
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
