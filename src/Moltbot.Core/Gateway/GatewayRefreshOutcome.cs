using System;

namespace Moltbot.Core.Gateway;

/// <summary>What <see cref="GatewayNotifier.Refresh"/> found and did.</summary>
public enum GatewayRefreshStatus
{
    /// <summary>A gateway answered and confirmed the reload.</summary>
    Refreshed,

    /// <summary>Nothing listens on the gateway port: nothing to do (a gateway started later reads the store).</summary>
    NoGateway,

    /// <summary>A gateway listens but the refresh was not confirmed (error, timeout, refused). The caller warns.</summary>
    Failed,

    /// <summary>A gateway listens but no openclaw CLI was found to ask it. The caller warns.</summary>
    NoCli,

    /// <summary>Not attempted: disabled by <c>MOLTBOT_NO_GATEWAY_REFRESH</c> or by the caller (<c>-NoGatewayRefresh</c>).</summary>
    Skipped,
}

/// <summary>
/// The result of a gateway refresh. Every text here is free of secrets: the gateway token never reaches this module's
/// command lines, and the CLI's output is scrubbed of known secrets before it is quoted.
/// </summary>
public sealed class GatewayRefreshOutcome
{
    private GatewayRefreshOutcome(GatewayRefreshStatus status, string message)
    {
        Status = status;
        Message = message;
    }

    public GatewayRefreshStatus Status { get; }

    /// <summary>One or two sentences for -Verbose or, when <see cref="ShouldWarn"/>, for the warning.</summary>
    public string Message { get; }

    /// <summary>The port that was probed, or null when nothing was probed (Skipped).</summary>
    public int? Port { get; init; }

    /// <summary>The RPC that confirmed (Refreshed) or was tried last (Failed): <c>models.authRefresh</c> or <c>models.authStatus</c>.</summary>
    public string? Method { get; init; }

    /// <summary>Why it failed or was skipped (no secret), or null.</summary>
    public string? Reason { get; init; }

    /// <summary>How to refresh by hand (Failed, NoCli): the <c>openclaw gateway call</c> command, or a restart.</summary>
    public string? ManualRefresh { get; init; }

    /// <summary><see cref="ErrorIds.GatewayRefreshFailed"/> or <see cref="ErrorIds.GatewayRefreshNoCli"/>, else null.</summary>
    public string? ErrorId { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>Failed or NoCli: the caller turns these into a warning (never an error: the credentials were written).</summary>
    public bool ShouldWarn => Status is GatewayRefreshStatus.Failed or GatewayRefreshStatus.NoCli;

    public override string ToString() => Message;

    /// <summary>The outcome for a caller that was told not to refresh (<c>-NoGatewayRefresh</c>).</summary>
    public static GatewayRefreshOutcome Skipped(string reason) =>
        new(GatewayRefreshStatus.Skipped, $"The gateway refresh was skipped ({reason}).") { Reason = reason };

    internal static GatewayRefreshOutcome Refreshed(int port, string method, TimeSpan elapsed) =>
        new(GatewayRefreshStatus.Refreshed, $"The OpenClaw gateway on port {port} reloaded its credentials ({method}).")
        {
            Port = port,
            Method = method,
            Elapsed = elapsed,
        };

    internal static GatewayRefreshOutcome NoGateway(int port, TimeSpan elapsed) =>
        new(GatewayRefreshStatus.NoGateway, $"No OpenClaw gateway listens on 127.0.0.1:{port}; nothing to refresh (a gateway reads the store when it starts).")
        {
            Port = port,
            Elapsed = elapsed,
        };

    internal static GatewayRefreshOutcome NoCli(int port, string reason, string manual, TimeSpan elapsed) =>
        new(GatewayRefreshStatus.NoCli,
            $"An OpenClaw gateway listens on port {port}, but it was not told to reload the credentials: {reason}. It keeps serving the old ones until then. {manual}")
        {
            Port = port,
            Reason = reason,
            ManualRefresh = manual,
            ErrorId = ErrorIds.GatewayRefreshNoCli,
            Elapsed = elapsed,
        };

    internal static GatewayRefreshOutcome Failed(int port, string? method, string reason, string manual, TimeSpan elapsed) =>
        new(GatewayRefreshStatus.Failed,
            $"The OpenClaw gateway on port {port} did not confirm that it reloaded the credentials: {reason}. It may serve the old ones until then. {manual}")
        {
            Port = port,
            Method = method,
            Reason = reason,
            ManualRefresh = manual,
            ErrorId = ErrorIds.GatewayRefreshFailed,
            Elapsed = elapsed,
        };
}
