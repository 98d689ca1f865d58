using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using Moltbot.Core.Config;
using Moltbot.Core.Gateway;
using Xunit;

namespace Moltbot.Core.Tests.Gateway;

public class GatewayNotifierTests
{
    private const string Token = "gw-tok-0123456789abcdef-SECRET";

    private static readonly GatewayNotifierOptions Quick = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>A fake gateway: something that accepts TCP connections on a free loopback port.</summary>
    private sealed class FakeGateway : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public FakeGateway()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        }

        public int Port { get; }

        public void Dispose() => _listener.Stop();
    }

    private static string Config(int port, string mode = "local") =>
        $"{{ \"gateway\": {{ \"mode\": \"{mode}\", \"port\": {port}, \"bind\": \"loopback\", \"auth\": {{ \"mode\": \"token\", \"token\": \"{Token}\" }} }} }}";

    /// <summary>A CLI that knows only models.authStatus, as a gateway before 9.6 answers.</summary>
    private const string OldGatewayCli = """
        case "$3" in
          models.authRefresh) echo "Gateway call failed: GatewayClientRequestError: unknown method: models.authRefresh" >&2; exit 1 ;;
          models.authStatus) echo '{"ts":1,"providers":[{"provider":"anthropic","profiles":[]}]}'; exit 0 ;;
        esac
        exit 9
        """;

    [UnixFact]
    public void NothingListeningGivesNoGatewayQuicklyAndRunsNoCli()
    {
        using var f = new FakeCli();
        f.OpenClaw("echo '{\"refreshed\":true}'");
        var port = FakeCli.FreePort();
        f.WriteConfig(Config(port));

        var watch = Stopwatch.StartNew();
        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("main");
        watch.Stop();

        Assert.Equal(GatewayRefreshStatus.NoGateway, outcome.Status);
        Assert.Equal(port, outcome.Port);
        Assert.False(outcome.ShouldWarn);
        Assert.Null(outcome.ErrorId);
        Assert.Equal(0, f.Calls);
        // Half the 20 s timeout: a refused connection ends the probe at once, a probe that waited would take the timeout.
        // (A tight bound here failed on a loaded 2-core CI machine.)
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [UnixFact]
    public void ARefreshOnA96GatewayUsesAuthRefreshWithoutTheTokenOnTheCommandLine()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        f.OpenClaw("echo '{\"refreshed\":true}'");

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("Work");

        Assert.Equal(GatewayRefreshStatus.Refreshed, outcome.Status);
        Assert.Equal(GatewayNotifier.RefreshMethod, outcome.Method);
        Assert.Equal(gateway.Port, outcome.Port);
        Assert.False(outcome.ShouldWarn);
        Assert.Equal(1, f.Calls);
        Assert.Equal(new[] { "gateway", "call", "models.authRefresh", "--params", "{\"operation\":\"update\",\"agentId\":\"work\"}", "--json", "--timeout" }, f.Argv(1).Take(7));
        Assert.True(int.Parse(f.Argv(1)[7], System.Globalization.CultureInfo.InvariantCulture) >= 1000);
        var env = f.ChildEnv(1);
        Assert.Equal(gateway.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), env["OPENCLAW_GATEWAY_PORT"]);
        Assert.Equal(string.Empty, env["OPENCLAW_GATEWAY_URL"]);
        Assert.Equal(f.StateDir, env["OPENCLAW_STATE_DIR"]);
        Assert.Equal(f.Home, env["HOME"]);
        Assert.DoesNotContain(Token, f.AllRecorded(), StringComparison.Ordinal); // local mode: the CLI reads the token itself
        Assert.DoesNotContain(Token, outcome.Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void UnknownMethodFallsBackToAuthStatusRefresh()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        f.OpenClaw(OldGatewayCli);

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("work", "login");

        Assert.Equal(GatewayRefreshStatus.Refreshed, outcome.Status);
        Assert.Equal(GatewayNotifier.StatusMethod, outcome.Method);
        Assert.Equal(2, f.Calls);
        Assert.Equal("{\"operation\":\"login\",\"agentId\":\"work\"}", f.Argv(1)[4]);
        Assert.Equal(new[] { "gateway", "call", "models.authStatus", "--params", "{\"refresh\":true,\"agentId\":\"work\"}", "--json", "--timeout" }, f.Argv(2).Take(7));
        Assert.DoesNotContain(Token, f.AllRecorded(), StringComparison.Ordinal);
    }

    [UnixFact]
    public void WithoutAnAgentTheParamsHaveNoAgentId()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        f.OpenClaw(OldGatewayCli);

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh(null);

        Assert.Equal(GatewayRefreshStatus.Refreshed, outcome.Status);
        Assert.Equal("{\"operation\":\"update\"}", f.Argv(1)[4]);
        Assert.Equal("{\"refresh\":true}", f.Argv(2)[4]);
    }

    [UnixFact]
    public void ANonZeroExitIsFailedWithAManualCommandAndNoTokenInAnyText()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        // A CLI that even echoes the token (from its environment, as some error paths might): it must be scrubbed.
        f.OpenClaw($"echo \"gateway closed (1008): unauthorized: gateway token mismatch ({Token})\" >&2; exit 1");

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.Failed, outcome.Status);
        Assert.True(outcome.ShouldWarn);
        Assert.Equal(ErrorIds.GatewayRefreshFailed, outcome.ErrorId);
        Assert.Equal(GatewayNotifier.RefreshMethod, outcome.Method);
        Assert.Equal(1, f.Calls); // not "unknown method": no fallback
        Assert.Contains("exited with code 1", outcome.Reason);
        Assert.Contains("token mismatch", outcome.Reason);
        Assert.Contains("openclaw gateway call models.authRefresh --params '{\"operation\":\"update\",\"agentId\":\"work\"}' --json", outcome.ManualRefresh);
        Assert.Contains("openclaw gateway restart", outcome.ManualRefresh);
        foreach (var text in new[] { outcome.Message, outcome.Reason!, outcome.ManualRefresh!, outcome.ToString() })
        {
            Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        }
    }

    [UnixFact]
    public void AnAgentTheGatewayDoesNotKnowIsRetriedWithoutAgentId()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        // The real 9.6 answer for an agent id it has not loaded: exit 1, 'unknown agent id "work"'.
        f.OpenClaw("case \"$5\" in *agentId*) echo 'Gateway call failed: Error: unknown agent id \"work\"' >&2; exit 1 ;; esac; echo '{\"refreshed\":true}'");

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.Refreshed, outcome.Status);
        Assert.Equal(GatewayNotifier.RefreshMethod, outcome.Method);
        Assert.Equal(2, f.Calls);
        Assert.Equal("{\"operation\":\"update\"}", f.Argv(2)[4]);
    }

    [UnixFact]
    public void TheReasonQuotesTheErrorLineOfTheCli()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        // What 6.11 prints for a config last written by 9.6.
        f.OpenClaw("""
            printf 'OpenClaw config is invalid\nProblem:\n  - meta: Invalid input\n\nFix: openclaw doctor --fix\nGateway call failed: Error: Invalid config at /x/openclaw.json:\n- meta: Invalid input\n' >&2
            exit 1
            """);

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("main");

        Assert.Equal(GatewayRefreshStatus.Failed, outcome.Status);
        Assert.EndsWith("exited with code 1: Gateway call failed: Error: Invalid config at /x/openclaw.json: - meta: Invalid input", outcome.Reason);
    }

    [UnixFact]
    public void AnErrorAnswerWithExitZeroIsFailed()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        f.OpenClaw("echo '{\"ok\":false,\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"missing scope: operator.admin\"}}'");

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.Failed, outcome.Status);
        Assert.Contains("missing scope: operator.admin", outcome.Reason);
    }

    [UnixFact]
    public void AGatewayThatKnowsNeitherMethodIsFailed()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        f.OpenClaw("echo \"unknown method: $3\" >&2; exit 1");

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.Failed, outcome.Status);
        Assert.Equal(2, f.Calls);
        Assert.Contains("neither", outcome.Reason);
    }

    [UnixFact]
    public void AHangingCliIsStoppedWithinTheBound()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        f.OpenClaw("sleep 60");

        var watch = Stopwatch.StartNew();
        var outcome = new GatewayNotifier(f.Env(), new GatewayNotifierOptions { Timeout = TimeSpan.FromSeconds(1.5) }).Refresh("work");
        watch.Stop();

        Assert.Equal(GatewayRefreshStatus.Failed, outcome.Status);
        Assert.Contains("did not answer within 1.5 s", outcome.Reason);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(12), $"took {watch.Elapsed}");
    }

    [UnixFact]
    public void AGatewayWithoutCliIsNoCli()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        var env = FakeEnv.Create(f.Home, ("HOME", f.Home), ("OPENCLAW_STATE_DIR", f.StateDir), ("PATH", f.Tmp.Dir("empty")));

        var outcome = new GatewayNotifier(env, Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.NoCli, outcome.Status);
        Assert.True(outcome.ShouldWarn);
        Assert.Equal(ErrorIds.GatewayRefreshNoCli, outcome.ErrorId);
        Assert.Contains("openclaw gateway call models.authRefresh", outcome.Message);
        Assert.DoesNotContain(Token, outcome.Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void ABrokenMoltbotOpenClawCliIsNoCliWithTheReason()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));

        var outcome = new GatewayNotifier(f.Env(("MOLTBOT_OPENCLAW_CLI", f.Tmp.Combine("missing"))), Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.NoCli, outcome.Status);
        Assert.Contains("MOLTBOT_OPENCLAW_CLI", outcome.Reason);
    }

    [UnixFact]
    public void MoltbotNoGatewayRefreshSkipsEverything()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port));
        f.OpenClaw("echo '{\"refreshed\":true}'");

        var outcome = new GatewayNotifier(f.Env(("MOLTBOT_NO_GATEWAY_REFRESH", "1")), Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.Skipped, outcome.Status);
        Assert.Contains(GatewayNotifier.DisableVariable, outcome.Reason);
        Assert.False(outcome.ShouldWarn);
        Assert.Null(outcome.Port);
        Assert.Equal(0, f.Calls);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void TheDisableVariable(string? value, bool disabled) =>
        Assert.Equal(disabled, GatewayNotifier.IsDisabled(FakeEnv.Create("/nohome", ("MOLTBOT_NO_GATEWAY_REFRESH", value))));

    [UnixFact]
    public void RemoteModeForcesTheLoopbackUrlAndPassesTheTokenOnlyThroughTheEnvironment()
    {
        using var f = new FakeCli();
        using var gateway = new FakeGateway();
        f.WriteConfig(Config(gateway.Port, mode: "remote"));
        f.OpenClaw("echo '{\"refreshed\":true}'");

        var outcome = new GatewayNotifier(f.Env(), Quick).Refresh("work");

        Assert.Equal(GatewayRefreshStatus.Refreshed, outcome.Status);
        var env = f.ChildEnv(1);
        Assert.Equal($"ws://127.0.0.1:{gateway.Port}", env["OPENCLAW_GATEWAY_URL"]);
        Assert.Equal(Token, env["OPENCLAW_GATEWAY_TOKEN"]);
        Assert.DoesNotContain(f.Argv(1), a => a.Contains(Token, StringComparison.Ordinal));
        Assert.DoesNotContain(Token, outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePortComesFromTheEnvironmentThenTheConfigThenTheDefault()
    {
        using var tmp = new TempDir();
        var withPort = OpenClawConfig.Load(tmp.File("a.json", "{ gateway: { port: 19001 } }"));
        var withStringPort = OpenClawConfig.Load(tmp.File("b.json", "{ \"gateway\": { \"port\": \"19002\" } }"));
        var withBadPort = OpenClawConfig.Load(tmp.File("c.json", "{ \"gateway\": { \"port\": 70000 } }"));
        var none = OpenClawConfig.Empty(tmp.Combine("missing.json"));
        var env = FakeEnv.Create(tmp.Path);
        var envPort = FakeEnv.Create(tmp.Path, ("OPENCLAW_GATEWAY_PORT", "19555"));

        Assert.Equal(19001, GatewayNotifier.ResolvePort(GatewaySettings.From(withPort), env));
        Assert.Equal(19002, GatewayNotifier.ResolvePort(GatewaySettings.From(withStringPort), env));
        Assert.Equal(GatewayNotifier.DefaultPort, GatewayNotifier.ResolvePort(GatewaySettings.From(withBadPort), env));
        Assert.Equal(18789, GatewayNotifier.ResolvePort(GatewaySettings.From(none), env));
        Assert.Equal(19555, GatewayNotifier.ResolvePort(GatewaySettings.From(withPort), envPort));
    }

    [Fact]
    public void SettingsHideTheSecret()
    {
        using var tmp = new TempDir();
        var config = OpenClawConfig.Load(tmp.File("a.json", Config(19001)));
        var reference = OpenClawConfig.Load(tmp.File("b.json", "{ \"gateway\": { \"auth\": { \"mode\": \"token\", \"token\": { \"source\": \"env\", \"id\": \"GW\" } } } }"));

        var settings = GatewaySettings.From(config);
        Assert.Equal(Token, settings.Token);
        Assert.True(settings.HasSecret);
        Assert.Equal("local", settings.Mode);
        Assert.Equal("loopback", settings.Bind);
        Assert.Equal("token", settings.AuthMode);
        Assert.DoesNotContain(Token, settings.ToString(), StringComparison.Ordinal);
        Assert.Contains("secret=(set)", settings.ToString());

        var byRef = GatewaySettings.From(reference);
        Assert.False(byRef.HasSecret);
        Assert.True(byRef.SecretIsReference);
    }

    [Fact]
    public void AnUnknownOperationIsRefused() =>
        Assert.Throws<ArgumentException>(() => new GatewayNotifier(FakeEnv.Create("/nohome")).Refresh("main", "reload"));

    [Fact]
    public void TheManualCommandQuotesItsParams() =>
        Assert.Equal(
            "Refresh it by hand with: openclaw gateway call models.authRefresh --params '{\"operation\":\"logout\",\"agentId\":\"work\"}' --json "
            + "(gateways before 2026.9.6: openclaw gateway call models.authStatus --params '{\"refresh\":true,\"agentId\":\"work\"}' --json), "
            + "or restart the gateway (openclaw gateway restart).",
            GatewayNotifier.ManualRefreshCommand("work", "logout"));

    [Fact]
    public void IsListeningSeesAListenerAndNotAFreePort()
    {
        var free = FakeCli.FreePort();
        Assert.False(GatewayNotifier.IsListening(free, TimeSpan.FromMilliseconds(200)));
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            Assert.True(GatewayNotifier.IsListening(((IPEndPoint)listener.LocalEndpoint).Port, TimeSpan.FromMilliseconds(200)));
        }
        finally
        {
            listener.Stop();
        }
    }
}
