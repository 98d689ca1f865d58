using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.OAuth.Flows;

public sealed class UserCodeFlowTests
{
    private const string Global = "http://127.0.0.1:9/mm";
    private const string Cn = "http://127.0.0.1:9/mmcn";
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private readonly ITestOutputHelper _output;
    private readonly StepClock _clock = new(Start);

    public UserCodeFlowTests(ITestOutputHelper output) => _output = output;

    private static MoltbotEnvironment Env() => OAuthTest.Env((MiniMaxPortalProvider.GlobalVariable, Global), (MiniMaxPortalProvider.CnVariable, Cn));

    private static long Ms(double seconds) => Start.ToUnixTimeMilliseconds() + (long)(seconds * 1000);

    /// <summary>The code endpoint echoing the request's state (or another one).</summary>
    private static Func<SeenRequest, HttpResponseMessage> Code(long deadlineMs, int intervalMs, string? state = null) => r =>
        ScriptedProvider.Json(200, $"{{\"user_code\":\"MM-77\",\"verification_uri\":\"https://www.minimax.io/oauth-authorize?user_code=MM-77\",\"expired_in\":{deadlineMs},\"interval\":{intervalMs},\"state\":\"{state ?? r.Form["state"]}\"}}");

    private static (int, string) Pending => (200, "{\"status\":\"pending\"}");

    private static (int, string) Success(long expiresMs) =>
        (200, $"{{\"status\":\"success\",\"access_token\":\"mat-1\",\"refresh_token\":\"mrt-1\",\"expired_in\":{expiresMs},\"resource_url\":\"https://api.minimax.io/anthropic\",\"notification_message\":\"Welcome to the Coding Plan\"}}");

    private OAuthCredential Run(ScriptedProvider server, DeviceUi ui, LoginSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var flow = new UserCodeFlow(MiniMaxPortalProvider.Instance, Env(), new HttpMessageInvoker(server), _clock, _clock.Delay);
        try
        {
            var tokens = flow.Run(settings ?? new LoginSettings { DeviceCode = true }, ui, cancellationToken);
            return tokens;
        }
        finally
        {
            _output.WriteLine($"minimax: {flow.Polls} polls, {server.Requests.Count} requests, waited {_clock.Waits.Sum(w => w.TotalMilliseconds):0} ms (fake clock); poll gaps {string.Join(", ", server.GapsSeconds("/mm/oauth/token").Concat(server.GapsSeconds("/mmcn/oauth/token")))} s");
        }
    }

    [Fact]
    public void Pending_then_success_grows_the_wait_1_5x_and_stores_expired_in_verbatim()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(600), 1000))
            .On("/mm/oauth/token", Pending, Pending, Pending, Success(1_900_000_123_456));
        var ui = new DeviceUi();
        var credential = Run(server, ui);

        Assert.Equal(new[] { 1.0, 1.5, 2.25, 3.375 }, server.GapsSeconds("/mm/oauth/token"));
        Assert.Equal(1_900_000_123_456, credential.ExpiresMs);
        Assert.Equal("mat-1", credential.Access);
        Assert.Equal("mrt-1", credential.Refresh);
        Assert.Contains(ui.Notices, n => n.Contains("Welcome to the Coding Plan"));
        var code = server.To("/mm/oauth/code").Single();
        Assert.Equal("code", code.Form["response_type"]);
        Assert.Equal("78257093-7e40-4613-99e0-527b14b39113", code.Form["client_id"]);
        Assert.Equal("group_id profile model.completion", code.Form["scope"]);
        Assert.Equal(22, code.Form["state"].Length);
        Assert.True(code.Headers.ContainsKey("x-request-id"));
        var poll = server.To("/mm/oauth/token")[0].Form;
        Assert.Equal(UserCodeFlow.Grant, poll["grant_type"]);
        Assert.Equal("MM-77", poll["user_code"]);
        Assert.Equal(code.Form["code_challenge"], Pkce.ComputeChallenge(poll["code_verifier"]));
        var prompt = ui.Prompts.Single();
        Assert.Equal("MM-77", prompt.UserCode);
        Assert.Equal(TimeSpan.FromSeconds(1), prompt.Interval);
    }

    [Fact]
    public void The_wait_is_capped_at_10_s()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(600), 8000))
            .On("/mm/oauth/token", Pending, Pending, Pending, Success(Ms(7200)));
        Run(server, new DeviceUi());
        Assert.Equal(new[] { 8.0, 10, 10, 10 }, server.GapsSeconds("/mm/oauth/token"));
    }

    [Fact]
    public void A_wrong_state_aborts_before_any_poll()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(600), 1000, state: "someone-elses-state"));
        OAuthTest.Throws(OAuthErrorIds.StateMismatch, MoltbotErrorKind.SecurityError, () => Run(server, new DeviceUi()));
        Assert.Empty(server.To("/mm/oauth/token"));
    }

    [Fact]
    public void Status_error_fails()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(600), 1000))
            .On("/mm/oauth/token", Pending, (200, "{\"status\":\"error\"}"));
        var ex = OAuthTest.Throws(OAuthErrorIds.AuthenticationFailed, MoltbotErrorKind.AuthenticationError, () => Run(server, new DeviceUi()));
        _output.WriteLine(ex.Message);
        Assert.Equal(2, server.To("/mm/oauth/token").Count);
    }

    [Fact]
    public void A_non_2xx_answer_fails_with_its_base_resp()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(600), 1000))
            .On("/mm/oauth/token", (400, "{\"base_resp\":{\"status_code\":1004,\"status_msg\":\"invalid_grant: bad verifier\"}}"));
        var ex = OAuthTest.Throws(OAuthErrorIds.AuthenticationFailed, MoltbotErrorKind.AuthenticationError, () => Run(server, new DeviceUi()));
        _output.WriteLine(ex.Message);
        Assert.Contains("invalid_grant: bad verifier", ex.Message);
        Assert.Equal("status_code 1004", ex.Data[TokenEndpointClient.ProviderErrorKey]);
    }

    [Fact]
    public void A_failing_code_request_reports_its_base_resp()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", (400, "{\"base_resp\":{\"status_code\":2013,\"status_msg\":\"invalid client\"}}"));
        var ex = OAuthTest.Throws(OAuthErrorIds.AuthenticationFailed, MoltbotErrorKind.AuthenticationError, () => Run(server, new DeviceUi()));
        Assert.Contains("invalid client", ex.Message);
    }

    [Fact]
    public void The_absolute_deadline_ends_the_loop()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(5), 2000)).On("/mm/oauth/token", Pending);
        OAuthTest.Throws(OAuthErrorIds.DeviceCodeExpired, MoltbotErrorKind.OperationTimeout, () => Run(server, new DeviceUi()));
        // polls at 2 s and (2 + 3 =) 5 s would be the deadline itself: one poll, the clock stops at the deadline.
        Assert.Single(server.To("/mm/oauth/token"));
        Assert.Equal(Ms(5), _clock.Now.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void TimeoutSec_comes_before_a_later_deadline()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(600), 2000)).On("/mm/oauth/token", Pending);
        OAuthTest.Throws(OAuthErrorIds.LoginTimeout, MoltbotErrorKind.OperationTimeout,
            () => Run(server, new DeviceUi(), new LoginSettings { DeviceCode = true, Timeout = TimeSpan.FromSeconds(4) }));
        Assert.Single(server.To("/mm/oauth/token"));
    }

    [Fact]
    public void Ctrl_C_stops_the_polling()
    {
        var server = new ScriptedProvider(_clock).On("/mm/oauth/code", Code(Ms(600), 1000)).On("/mm/oauth/token", Pending);
        using var stop = new CancellationTokenSource();
        _clock.BeforeWait = _ =>
        {
            if (server.To("/mm/oauth/token").Count == 3)
            {
                stop.Cancel();
            }
        };
        Assert.ThrowsAny<OperationCanceledException>(() => Run(server, new DeviceUi(), cancellationToken: stop.Token));
        Assert.Equal(3, server.To("/mm/oauth/token").Count);
    }

    [Fact]
    public void Region_CN_uses_the_CN_endpoints_and_writes_the_CN_base_url_by_default()
    {
        var server = new ScriptedProvider(_clock).On("/mmcn/oauth/code", Code(Ms(600), 1000))
            .On("/mmcn/oauth/token", (200, $"{{\"status\":\"success\",\"access_token\":\"mat-cn\",\"refresh_token\":\"mrt-cn\",\"expired_in\":{Ms(7200)}}}"));
        var settings = new LoginSettings { DeviceCode = true, Parameters = new System.Collections.Generic.Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Region"] = "cn" } };
        var credential = Run(server, new DeviceUi(), settings);
        Assert.All(server.Requests, r => Assert.StartsWith(Cn + "/", r.Url.AbsoluteUri));
        Assert.Equal(MiniMaxPortalProvider.CnApiBase, credential.ProviderConfig!["baseUrl"]!.GetValue<string>());
        Assert.Equal("minimax-oauth", credential.ProviderConfig["apiKey"]!.GetValue<string>());
    }

    [Fact]
    public void An_unknown_region_is_refused()
    {
        var server = new ScriptedProvider(_clock);
        var settings = new LoginSettings { DeviceCode = true, Parameters = new System.Collections.Generic.Dictionary<string, string> { ["Region"] = "Mars" } };
        OAuthTest.Throws(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument, () => Run(server, new DeviceUi(), settings));
        Assert.Empty(server.Requests);
    }
}
