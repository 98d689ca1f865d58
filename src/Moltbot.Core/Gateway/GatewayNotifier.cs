using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using Moltbot.Core.Config;
using Moltbot.Core.OpenClaw;
using Moltbot.Core.State;

namespace Moltbot.Core.Gateway;

/// <summary>Limits of <see cref="GatewayNotifier"/>.</summary>
public sealed class GatewayNotifierOptions
{
    /// <summary>How long the TCP probe of 127.0.0.1:&lt;port&gt; waits for a connection.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The whole refresh, every RPC attempt included. One <c>gateway call</c> of 9.6 took 3 s on a quiet machine and
    /// 7 - 12 s at load 10 (2 cores), so the fallback's second call needs the room.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Tells a running OpenClaw gateway to reload its credential snapshot after this module wrote credentials
/// (openclaw-sqlite.md 7.1, 7.2 step 6): the gateway's "model auth" snapshot does not see outside writes by itself.
/// <list type="number">
/// <item>Port: <c>OPENCLAW_GATEWAY_PORT</c>, else <c>gateway.port</c>, else 18789 (OpenClaw's order). A TCP connect to
/// 127.0.0.1:&lt;port&gt; decides whether a gateway runs; when nothing listens the outcome is NoGateway, at once.</item>
/// <item>Else, through the openclaw CLI: <c>gateway call models.authRefresh --params {"operation":…,"agentId":…} --json</c>
/// (9.6); when the gateway says "unknown method", <c>gateway call models.authStatus --params {"refresh":true,"agentId":…} --json</c>
/// (older gateways). A gateway that does not know the agent yet ("unknown agent id", e.g. it predates the agent) is
/// asked once more without <c>agentId</c>, which rebuilds its shared snapshots.</item>
/// </list>
/// The gateway token is never put on a command line. In local mode (the usual case) the CLI finds port and token in the
/// same config itself (also a token given as a secret reference or as <c>OPENCLAW_GATEWAY_TOKEN</c>); the child gets
/// <c>OPENCLAW_GATEWAY_PORT</c> and no <c>OPENCLAW_GATEWAY_URL</c>. With <c>gateway.mode=remote</c> the loopback target is
/// forced through <c>OPENCLAW_GATEWAY_URL</c> with the config's token in <c>OPENCLAW_GATEWAY_TOKEN</c> (both 6.11 and 9.6
/// take credentials from the environment when the URL comes from the environment, and only then).
/// <c>MOLTBOT_NO_GATEWAY_REFRESH=1</c> turns the whole thing off (outcome Skipped).
/// </summary>
public sealed class GatewayNotifier
{
    public const string DisableVariable = "MOLTBOT_NO_GATEWAY_REFRESH";

    /// <summary>OpenClaw's default gateway port (docs: <c>--port</c> → <c>OPENCLAW_GATEWAY_PORT</c> → <c>gateway.port</c> → 18789).</summary>
    public const int DefaultPort = 18789;

    public const string PortVariable = "OPENCLAW_GATEWAY_PORT";
    public const string RefreshMethod = "models.authRefresh";
    public const string StatusMethod = "models.authStatus";

    private static readonly string[] Operations = { "login", "logout", "update" };
    private static readonly Regex Ansi = new(@"\x1B\[[0-9;?]*[ -/]*[@-~]", RegexOptions.CultureInvariant);

    private readonly MoltbotEnvironment _environment;
    private readonly GatewayNotifierOptions _options;

    public GatewayNotifier(MoltbotEnvironment? environment = null, GatewayNotifierOptions? options = null)
    {
        _environment = environment ?? MoltbotEnvironment.Process;
        _options = options ?? new GatewayNotifierOptions();
    }

    /// <summary>Whether <c>MOLTBOT_NO_GATEWAY_REFRESH</c> is 1, true, yes or on.</summary>
    public static bool IsDisabled(MoltbotEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var value = environment.Get(DisableVariable);
        return value is not null && new[] { "1", "true", "yes", "on" }.Contains(value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary><c>OPENCLAW_GATEWAY_PORT</c> when it is a valid port, else <c>gateway.port</c>, else <see cref="DefaultPort"/>.</summary>
    public static int ResolvePort(GatewaySettings settings, MoltbotEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.Get(PortVariable) is { } fromEnv
            && int.TryParse(fromEnv, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535)
        {
            return port;
        }
        return settings.Port ?? DefaultPort;
    }

    /// <summary>
    /// Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/>. A refused connection answers at
    /// once; a connection that neither completes nor is refused within <paramref name="timeout"/> (a starved machine)
    /// is tried once more with a longer wait before it counts as "nothing listens".
    /// </summary>
    public static bool IsListening(int port, TimeSpan timeout)
    {
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port));
        }
        var first = TryConnect(port, timeout);
        return first ?? TryConnect(port, TimeSpan.FromTicks(Math.Max(timeout.Ticks * 5, TimeSpan.FromSeconds(1).Ticks))) ?? false;
    }

    /// <summary>true: connected; false: refused or failed; null: no answer within the timeout.</summary>
    private static bool? TryConnect(int port, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.AlreadyInProgress)
        {
        }
        catch (SocketException)
        {
            return false;
        }
        var micro = (int)Math.Clamp(timeout.TotalMilliseconds * 1000, 1, int.MaxValue);
        try
        {
            if (socket.Poll(micro, SelectMode.SelectWrite))
            {
                return socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error && error == 0;
            }
            return socket.Poll(0, SelectMode.SelectError) ? false : null;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The command a user can run to refresh by hand.</summary>
    public static string ManualRefreshCommand(string? agentId, string operation = "update") =>
        $"Refresh it by hand with: openclaw gateway call {RefreshMethod} --params '{RefreshParams(operation, agentId)}' --json "
        + $"(gateways before 2026.9.6: openclaw gateway call {StatusMethod} --params '{StatusParams(agentId)}' --json), "
        + "or restart the gateway (openclaw gateway restart).";

    /// <summary>
    /// Asks a running gateway to reload the credentials of <paramref name="agentId"/> (null: no agent scope) after a
    /// write. <paramref name="operation"/> is <c>update</c>, <c>login</c> or <c>logout</c> (the <c>models.authRefresh</c>
    /// operation). <paramref name="config"/> defaults to the config of the environment's state dir. Never throws for a
    /// gateway or CLI problem (see the outcome); bounded by <see cref="GatewayNotifierOptions.Timeout"/>.
    /// </summary>
    public GatewayRefreshOutcome Refresh(string? agentId, string operation = "update", OpenClawConfig? config = null, CancellationToken cancellationToken = default)
    {
        if (!Operations.Contains(operation, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The refresh operation must be one of {string.Join(", ", Operations)}.", nameof(operation));
        }
        var agent = agentId is null ? null : AgentId.Normalize(agentId);
        var watch = Stopwatch.StartNew();
        if (IsDisabled(_environment))
        {
            return GatewayRefreshOutcome.Skipped($"{DisableVariable} is set");
        }

        var settings = GatewaySettings.Empty;
        try
        {
            settings = GatewaySettings.From(config ?? OpenClawConfig.Load(StatePaths.Resolve(_environment).ConfigPath));
        }
        catch (MoltbotException)
        {
            // An unreadable config: OpenClaw's defaults (a gateway cannot start on it either, but a running one may predate the damage).
        }
        var port = ResolvePort(settings, _environment);
        if (!IsListening(port, _options.ProbeTimeout))
        {
            return GatewayRefreshOutcome.NoGateway(port, watch.Elapsed);
        }

        var manual = ManualRefreshCommand(agent, operation);
        OpenClawCli? cli;
        try
        {
            cli = OpenClawCli.Locate(_environment);
        }
        catch (MoltbotException ex)
        {
            return GatewayRefreshOutcome.NoCli(port, ex.Message, manual, watch.Elapsed);
        }
        if (cli is null)
        {
            return GatewayRefreshOutcome.NoCli(port, $"no openclaw CLI was found ({OpenClawCli.CliVariable} is unset and there is no openclaw on PATH)", manual, watch.Elapsed);
        }

        var secrets = Secrets(settings);
        var childEnv = ChildEnvironment(settings, port);
        var first = Call(cli, RefreshMethod, RefreshParams(operation, agent), childEnv, secrets, watch, cancellationToken);
        if (first.UnknownAgent && agent is not null)
        {
            first = Call(cli, RefreshMethod, RefreshParams(operation, null), childEnv, secrets, watch, cancellationToken);
        }
        if (first.Confirmed)
        {
            return GatewayRefreshOutcome.Refreshed(port, RefreshMethod, watch.Elapsed);
        }
        if (!first.UnknownMethod)
        {
            return GatewayRefreshOutcome.Failed(port, RefreshMethod, first.Reason, manual, watch.Elapsed);
        }
        var second = Call(cli, StatusMethod, StatusParams(agent), childEnv, secrets, watch, cancellationToken);
        if (second.UnknownAgent && agent is not null)
        {
            second = Call(cli, StatusMethod, StatusParams(null), childEnv, secrets, watch, cancellationToken);
        }
        if (second.Confirmed)
        {
            return GatewayRefreshOutcome.Refreshed(port, StatusMethod, watch.Elapsed);
        }
        var reason = second.UnknownMethod
            ? $"the gateway knows neither {RefreshMethod} nor {StatusMethod}"
            : second.Reason;
        return GatewayRefreshOutcome.Failed(port, StatusMethod, reason, manual, watch.Elapsed);
    }

    internal static string RefreshParams(string operation, string? agentId)
    {
        var p = new JsonObject { ["operation"] = operation };
        if (agentId is not null)
        {
            p["agentId"] = agentId;
        }
        return p.ToJsonString();
    }

    internal static string StatusParams(string? agentId)
    {
        var p = new JsonObject { ["refresh"] = true };
        if (agentId is not null)
        {
            p["agentId"] = agentId;
        }
        return p.ToJsonString();
    }

    private Dictionary<string, string?> ChildEnvironment(GatewaySettings settings, int port)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [PortVariable] = port.ToString(CultureInfo.InvariantCulture),
        };
        if (!settings.IsRemoteMode)
        {
            // The CLI's own target for a local gateway is 127.0.0.1:<port> with the configured credentials; an inherited
            // URL override would point it elsewhere and switch it to environment-only credentials.
            env["OPENCLAW_GATEWAY_URL"] = null;
            return env;
        }
        env["OPENCLAW_GATEWAY_URL"] = $"{(settings.TlsEnabled ? "wss" : "ws")}://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        if (settings.Token is not null && !string.Equals(settings.AuthMode, "password", StringComparison.OrdinalIgnoreCase))
        {
            env["OPENCLAW_GATEWAY_TOKEN"] = settings.Token;
        }
        if (settings.Password is not null && !string.Equals(settings.AuthMode, "token", StringComparison.OrdinalIgnoreCase))
        {
            env["OPENCLAW_GATEWAY_PASSWORD"] = settings.Password;
        }
        return env;
    }

    private List<string> Secrets(GatewaySettings settings)
    {
        var list = new List<string>();
        foreach (var value in new[]
                 {
                     settings.Token, settings.Password, _environment.Get("OPENCLAW_GATEWAY_TOKEN"), _environment.Get("OPENCLAW_GATEWAY_PASSWORD"),
                     _environment.Get("CLAWDBOT_GATEWAY_TOKEN"), _environment.Get("CLAWDBOT_GATEWAY_PASSWORD"),
                 })
        {
            if (!string.IsNullOrEmpty(value) && value.Length >= 4 && !list.Contains(value))
            {
                list.Add(value);
            }
        }
        return list;
    }

    private CallResult Call(OpenClawCli cli, string method, string parameters, IReadOnlyDictionary<string, string?> env,
        IReadOnlyList<string> secrets, Stopwatch watch, CancellationToken cancellationToken)
    {
        var remaining = _options.Timeout - watch.Elapsed;
        if (remaining < TimeSpan.FromMilliseconds(500))
        {
            return CallResult.Fail($"no time was left for {method} within {Seconds(_options.Timeout)} s");
        }
        OpenClawCliResult result;
        try
        {
            // The CLI's own wait for the answer defaults to 10 s, which a busy machine exceeds: give it what is left.
            var waitMs = ((long)Math.Max(1000, remaining.TotalMilliseconds - 500)).ToString(CultureInfo.InvariantCulture);
            result = cli.Run(new[] { "gateway", "call", method, "--params", parameters, "--json", "--timeout", waitMs },
                standardInput: null, environment: env, timeout: remaining, cancellationToken: cancellationToken);
        }
        catch (MoltbotException ex) when (ex.ErrorId == ErrorIds.OpenClawCliTimeout)
        {
            return CallResult.Fail($"'openclaw gateway call {method}' did not answer within {Seconds(_options.Timeout)} s and was stopped");
        }
        catch (MoltbotException ex)
        {
            return CallResult.Fail(Scrub(ex.Message, secrets));
        }

        var stdout = Ansi.Replace(result.StandardOutput, string.Empty);
        var stderr = Ansi.Replace(result.StandardError, string.Empty);
        var answer = ParseJson(stdout);
        var errorText = ErrorText(answer);
        if (result.Succeeded && errorText is null && answer is not null)
        {
            if (method == RefreshMethod && answer is JsonObject o && o["refreshed"] is JsonValue r && r.GetValueKind() == JsonValueKind.False)
            {
                return CallResult.Fail($"the gateway answered {{\"refreshed\":false}} to {method}");
            }
            return CallResult.Ok();
        }
        if (Contains(errorText ?? string.Empty, "unknown method") || Contains(stdout, "unknown method") || Contains(stderr, "unknown method"))
        {
            return CallResult.Unknown();
        }
        var detail = errorText ?? LastLine(stderr) ?? LastLine(stdout);
        var unknownAgent = Contains(detail ?? string.Empty, "unknown agent");
        var why = result.Succeeded
            ? $"'openclaw gateway call {method}' printed no JSON answer"
            : $"'openclaw gateway call {method}' exited with code {result.ExitCode.ToString(CultureInfo.InvariantCulture)}";
        return CallResult.Fail(Scrub(detail is null ? why : $"{why}: {detail}", secrets), unknownAgent);
    }

    private static JsonNode? ParseJson(string text)
    {
        var trimmed = text.Trim();
        var start = trimmed.IndexOfAny(new[] { '{', '[' });
        if (start < 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(trimmed.Substring(start));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The message of an error answer (<c>{"ok":false,"error":{"message":…}}</c> or <c>{"error":"…"}</c>), or null.</summary>
    private static string? ErrorText(JsonNode? answer)
    {
        if (answer is not JsonObject o)
        {
            return null;
        }
        var failed = o["ok"] is JsonValue ok && ok.GetValueKind() == JsonValueKind.False;
        switch (o["error"])
        {
            case JsonObject e:
                return OpenClawConfig.Str(e["message"]) ?? OpenClawConfig.Str(e["code"]) ?? "the gateway answered with an error";
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return v.GetValue<string>();
            default:
                return failed ? "the gateway answered ok:false" : null;
        }
    }

    /// <summary>
    /// The line that says what went wrong: the last one mentioning "failed" or "error" (joined with the next line when it
    /// ends with ':', as in "Gateway call failed: Error: Invalid config at …:"), else the last line; at most 300 characters.
    /// </summary>
    private static string? LastLine(string text)
    {
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            return null;
        }
        var index = lines.FindLastIndex(l => Contains(l, "failed") || Contains(l, "error"));
        if (index < 0)
        {
            index = lines.Count - 1;
        }
        var line = lines[index];
        if (line.EndsWith(':') && index + 1 < lines.Count)
        {
            line += " " + lines[index + 1];
        }
        return line.Length > 300 ? line.Substring(0, 300) + "..." : line;
    }

    private static string Scrub(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        return text;
    }

    private static bool Contains(string text, string what) => text.Contains(what, StringComparison.OrdinalIgnoreCase);

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    private readonly record struct CallResult(bool Confirmed, bool UnknownMethod, bool UnknownAgent, string Reason)
    {
        public static CallResult Ok() => new(true, false, false, string.Empty);

        public static CallResult Unknown() => new(false, true, false, string.Empty);

        public static CallResult Fail(string reason, bool unknownAgent = false) => new(false, false, unknownAgent, reason);
    }
}
