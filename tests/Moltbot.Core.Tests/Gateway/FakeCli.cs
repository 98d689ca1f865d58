using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using Moltbot.Core.State;
using Xunit;

namespace Moltbot.Core.Tests.Gateway;

/// <summary>A fact that needs a POSIX shell (the fake CLIs are /bin/sh scripts).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "the fake openclaw CLIs are POSIX shell scripts";
        }
    }
}

/// <summary>
/// A throw-away home, state dir and bin folder, with fake <c>openclaw</c> / <c>node</c> shell scripts that record each
/// call (<c>call-N.argv</c>: one argument a line; <c>call-N.stdin</c>; <c>call-N.env</c>: selected variables) and then
/// run a test-specific body. Nothing touches the real HOME.
/// </summary>
public sealed class FakeCli : IDisposable
{
    public FakeCli()
    {
        Tmp = new TempDir("moltbot-gw-");
        Home = Tmp.Dir("home");
        StateDir = Tmp.Dir("state");
        Bin = Tmp.Dir("bin");
        Log = Tmp.Dir("log");
    }

    public TempDir Tmp { get; }

    public string Home { get; }

    public string StateDir { get; }

    public string Bin { get; }

    public string Log { get; }

    public string ConfigPath => Path.Combine(StateDir, "openclaw.json");

    public static readonly string[] RecordedVariables =
    {
        "HOME", "OPENCLAW_STATE_DIR", "OPENCLAW_CONFIG_PATH", "OPENCLAW_GATEWAY_PORT", "OPENCLAW_GATEWAY_URL",
        "OPENCLAW_GATEWAY_TOKEN", "NO_COLOR", "EXTRA",
    };

    /// <summary>An environment with this home and state dir, PATH = bin + the system folders, and extra variables.</summary>
    public MoltbotEnvironment Env(params (string Name, string? Value)[] extra) =>
        FakeEnv.Create(Home, new[] { ("HOME", (string?)Home), ("OPENCLAW_STATE_DIR", StateDir), ("PATH", Bin + ":/usr/bin:/bin") }
            .Concat(extra).ToArray());

    /// <summary>Writes an executable script at <paramref name="path"/>: the recording prelude, then <paramref name="body"/>.</summary>
    public string Script(string path, string body)
    {
        var env = string.Join(string.Empty, RecordedVariables.Select(v => $"printf '%s=%s\\n' {v} \"${v}\"; "));
        var text = "#!/bin/sh\n"
            + $"D='{Log}'\n"
            + "n=$(ls \"$D\" | grep -c '\\.argv$'); n=$((n+1))\n"
            + "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$D/call-$n.argv.tmp\"\n"
            + $"{{ {env}}} > \"$D/call-$n.env\"\n"
            + "mv \"$D/call-$n.argv.tmp\" \"$D/call-$n.argv\"\n"
            + "cat > \"$D/call-$n.stdin\"\n"
            + body + "\n";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    /// <summary>A fake <c>openclaw</c> in <see cref="Bin"/>.</summary>
    public string OpenClaw(string body) => Script(Path.Combine(Bin, "openclaw"), body);

    public int Calls => Directory.GetFiles(Log, "*.argv").Length;

    public IReadOnlyList<string> Argv(int call) => File.ReadAllLines(Path.Combine(Log, $"call-{call}.argv"));

    public string Stdin(int call) => File.ReadAllText(Path.Combine(Log, $"call-{call}.stdin"));

    public IReadOnlyDictionary<string, string> ChildEnv(int call) =>
        File.ReadAllLines(Path.Combine(Log, $"call-{call}.env"))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty);

    /// <summary>Everything the fake CLIs recorded (argv, stdin, env) in one string.</summary>
    public string AllRecorded() =>
        string.Join("\n", Directory.GetFiles(Log).OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllText));

    public void WriteConfig(string json) => File.WriteAllText(ConfigPath, json);

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose() => Tmp.Dispose();
}
