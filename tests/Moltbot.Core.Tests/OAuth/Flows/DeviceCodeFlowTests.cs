using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.OAuth.Flows;

public sealed class DeviceCodeFlowTests
{
    private const string GitHubBase = "http://127.0.0.1:9/gh";
    private const string ApiBase = "http://127.0.0.1:9/api";
    private const string QwenBase = "http://127.0.0.1:9/qwen";
    private const string CodexBase = "http://127.0.0.1:9/codex";
    private readonly ITestOutputHelper _output;
    private readonly StepClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public DeviceCodeFlowTests(ITestOutputHelper output) => _output = output;

    private static MoltbotEnvironment Env() => OAuthTest.Env(
        (GitHubCopilotProvider.GitHubVariable, GitHubBase), (GitHubCopilotProvider.ApiVariable, ApiBase),
        (QwenPortalProvider.BaseVariable, QwenBase), (OpenAICodexProvider.AuthorityVariable, CodexBase));

    private const string GitHubDevice = "{\"device_code\":\"dc-secret-1\",\"user_code\":\"ABCD-1234\",\"verification_uri\":\"https://github.com/login/device\",\"expires_in\":900,\"interval\":5}";
    private const string GitHubToken = "{\"access_token\":\"ghu_testtoken1\",\"token_type\":\"bearer\",\"scope\":\"read:user\"}";

    private static (int, string) Err(string error, int status = 200, string extra = "") => (status, $"{{\"error\":\"{error}\"{extra}}}");

    private OAuthCredential Run(OAuthProvider provider, ScriptedProvider server, DeviceUi ui, LoginSettings? settings = null, CancellationToken cancellationToken = default, MoltbotEnvironment? env = null)
    {
        var flow = new DeviceCodeFlow(provider, env ?? Env(), new HttpMessageInvoker(server), _clock, _clock.Delay);
        try
        {
            return flow.Run(settings ?? new LoginSettings { DeviceCode = true }, ui, cancellationToken);
        }
        finally
        {
            _output.WriteLine($"{provider.Id}: {flow.Polls} polls, {server.Requests.Count} requests, waited {_clock.Waits.Sum(w => w.TotalSeconds):0.###} s (fake clock) in {_clock.Waits.Count} steps");
        }
    }

    private ScriptedProvider GitHub(params (int, string)[] polls) =>
        new ScriptedProvider(_clock).On("/gh/login/device/code", (200, GitHubDevice)).On("/gh/login/oauth/access_token", polls)
            .On("/api/user", (200, "{\"login\":\"octocat\",\"id\":583231,\"email\":null}"));

    [Fact]
    public void GitHub_pending_then_success_polls_at_the_interval_and_returns_a_static_token()
    {
        var server = GitHub(Err("authorization_pending"), Err("authorization_pending"), Err("authorization_pending"), (200, GitHubToken));
        var ui = new DeviceUi();
        var credential = Run(GitHubCopilotProvider.Instance, server, ui);

        Assert.Equal(CredentialType.Token, credential.Type);
        Assert.Equal("ghu_testtoken1", credential.Access);
        Assert.Null(credential.ExpiresMs);
        Assert.Null(credential.Refresh);
        Assert.Equal("583231+octocat@users.noreply.github.com", credential.Email);
        Assert.Equal(new[] { 5.0, 5, 5, 5 }, server.GapsSeconds("/gh/login/oauth/access_token"));
        var device = server.To("/gh/login/device/code").Single();
        Assert.Equal("Iv1.b507a08c87ecfe98", device.Form["client_id"]);
        Assert.Equal("read:user", device.Form["scope"]);
        Assert.Contains("json", device.Headers["Accept"]);
        var poll = server.To("/gh/login/oauth/access_token")[0].Form;
        Assert.Equal("urn:ietf:params:oauth:grant-type:device_code", poll["grant_type"]);
        Assert.Equal("dc-secret-1", poll["device_code"]);
        var prompt = Assert.Single(ui.Prompts);
        Assert.Equal("ABCD-1234", prompt.UserCode);
        Assert.Equal("https://github.com/login/device", prompt.VerificationUri);
        // expires_in is 900 s; the default -TimeoutSec (300 s) comes first.
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 + 300), prompt.ExpiresAt);
        Assert.True(ui.Ticks >= 4);
        Assert.DoesNotContain(ui.Verbose, v => v.Contains("dc-secret-1") || v.Contains("ghu_testtoken1"));
        Assert.Equal("Bearer ghu_testtoken1", server.To("/api/user").Single().Headers["Authorization"]);
    }

    [Fact]
    public void GitHub_slow_down_with_a_server_interval_is_honoured_for_every_later_poll()
    {
        var server = GitHub(Err("authorization_pending"), Err("slow_down", extra: ",\"interval\":12"), Err("authorization_pending"), (200, GitHubToken));
        Run(GitHubCopilotProvider.Instance, server, new DeviceUi());
        var gaps = server.GapsSeconds("/gh/login/oauth/access_token");
        _output.WriteLine("gaps: " + string.Join(", ", gaps));
        Assert.Equal(new[] { 5.0, 5, 12, 12 }, gaps);
    }

    [Fact]
    public void GitHub_slow_down_without_an_interval_adds_five_seconds_for_good()
    {
        var server = GitHub(Err("slow_down"), Err("slow_down"), Err("authorization_pending"), (200, GitHubToken));
        Run(GitHubCopilotProvider.Instance, server, new DeviceUi());
        var gaps = server.GapsSeconds("/gh/login/oauth/access_token");
        _output.WriteLine("gaps: " + string.Join(", ", gaps));
        Assert.Equal(new[] { 5.0, 10, 15, 15 }, gaps);
    }

    [Theory]
    [InlineData("expired_token", OAuthErrorIds.DeviceCodeExpired, MoltbotErrorKind.OperationTimeout)]
    [InlineData("access_denied", OAuthErrorIds.AuthorizationDenied, MoltbotErrorKind.AuthenticationError)]
    [InlineData("incorrect_device_code", OAuthErrorIds.AuthenticationFailed, MoltbotErrorKind.AuthenticationError)]
    public void GitHub_error_answers_end_the_login_with_a_clear_error(string error, string id, MoltbotErrorKind kind)
    {
        var server = GitHub(Err("authorization_pending"), Err(error));
        var ex = OAuthTest.Throws(id, kind, () => Run(GitHubCopilotProvider.Instance, server, new DeviceUi()));
        _output.WriteLine($"{error}: {ex.ErrorId}: {ex.Message}");
        Assert.Contains(error, ex.Message);
        Assert.DoesNotContain("dc-secret-1", ex.Message);
        Assert.Equal(2, server.To("/gh/login/oauth/access_token").Count);
        if (id == OAuthErrorIds.AuthenticationFailed)
        {
            Assert.Equal(error, ex.Data[TokenEndpointClient.ProviderErrorKey]);
        }
    }

    [Fact]
    public void The_codes_lifetime_ends_the_polling()
    {
        var server = new ScriptedProvider(_clock)
            .On("/gh/login/device/code", (200, "{\"device_code\":\"dc-secret-1\",\"user_code\":\"ABCD-1234\",\"verification_uri\":\"https://github.com/login/device\",\"expires_in\":12,\"interval\":5}"))
            .On("/gh/login/oauth/access_token", Err("authorization_pending"));
        var ex = OAuthTest.Throws(OAuthErrorIds.DeviceCodeExpired, MoltbotErrorKind.OperationTimeout, () => Run(GitHubCopilotProvider.Instance, server, new DeviceUi()));
        Assert.Equal(2, server.To("/gh/login/oauth/access_token").Count);
        Assert.Equal(TimeSpan.FromSeconds(12), _clock.Now - DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        _output.WriteLine(ex.Message);
    }

    [Fact]
    public void TimeoutSec_ends_the_polling_before_the_codes_lifetime()
    {
        var server = GitHub(Err("authorization_pending"));
        var ui = new DeviceUi();
        var ex = OAuthTest.Throws(OAuthErrorIds.LoginTimeout, MoltbotErrorKind.OperationTimeout,
            () => Run(GitHubCopilotProvider.Instance, server, ui, new LoginSettings { DeviceCode = true, Timeout = TimeSpan.FromSeconds(7) }));
        Assert.Single(server.To("/gh/login/oauth/access_token"));
        Assert.Equal(TimeSpan.FromSeconds(7), _clock.Now - DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_800_000_007), ui.Prompts.Single().ExpiresAt);
        Assert.Contains("-TimeoutSec", ex.Message);
    }

    [Fact]
    public void Ctrl_C_during_a_wait_stops_at_once_without_another_poll()
    {
        var server = GitHub(Err("authorization_pending"));
        using var stop = new CancellationTokenSource();
        var waited = 0;
        _clock.BeforeWait = _ =>
        {
            if (++waited == 13)
            {
                stop.Cancel();
            }
        };
        Assert.ThrowsAny<OperationCanceledException>(() => Run(GitHubCopilotProvider.Instance, server, new DeviceUi(), cancellationToken: stop.Token));
        // 10 half-second steps per 5 s interval: the stop came in the second wait, after one poll.
        Assert.Single(server.To("/gh/login/oauth/access_token"));
        Assert.Equal(12, _clock.Waits.Count);
    }

    [Fact]
    public void Ctrl_C_while_the_granting_poll_is_written_keeps_the_grant()
    {
        using var stop = new CancellationTokenSource();
        var server = new ScriptedProvider(_clock).On("/gh/login/device/code", (200, GitHubDevice))
            .On("/gh/login/oauth/access_token", _ =>
            {
                stop.Cancel();
                return ScriptedProvider.Json(200, GitHubToken);
            });
        var credential = Run(GitHubCopilotProvider.Instance, server, new DeviceUi(), cancellationToken: stop.Token);
        Assert.Equal("ghu_testtoken1", credential.Access);
        Assert.Empty(server.To("/api/user"));
        Assert.True(stop.IsCancellationRequested);
    }

    [Fact]
    public void GitHub_enterprise_domain_moves_login_and_api()
    {
        var env = OAuthTest.Env();
        var server = new ScriptedProvider(_clock)
            .On("/login/device/code", (200, GitHubDevice)).On("/login/oauth/access_token", (200, GitHubToken))
            .On("/user", (200, "{\"login\":\"mona\",\"id\":7,\"email\":\"mona@company.example\"}"));
        var settings = new LoginSettings { DeviceCode = true, Parameters = new System.Collections.Generic.Dictionary<string, string> { ["EnterpriseDomain"] = "https://Company.GHE.com/" } };
        var credential = Run(GitHubCopilotProvider.Instance, server, new DeviceUi(), settings, env: env);
        Assert.Equal(new[] { "https://company.ghe.com/login/device/code", "https://company.ghe.com/login/oauth/access_token", "https://api.company.ghe.com/user" },
            server.Requests.Select(r => r.Url.AbsoluteUri));
        Assert.Equal("company.ghe.com", credential.GetField("enterpriseUrl"));
        Assert.Equal("mona@company.example", credential.Email);
    }

    [Fact]
    public void GitHub_user_endpoint_failure_leaves_the_account_unnamed_but_signs_in()
    {
        var server = new ScriptedProvider(_clock).On("/gh/login/device/code", (200, GitHubDevice))
            .On("/gh/login/oauth/access_token", (200, GitHubToken)).On("/api/user", (401, "{\"message\":\"Bad credentials\"}"));
        var credential = Run(GitHubCopilotProvider.Instance, server, new DeviceUi());
        Assert.Null(credential.Email);
        Assert.Equal("github-copilot:github", GitHubCopilotProvider.Instance.DefaultProfileId(credential));
    }

    private ScriptedProvider Qwen(params (int, string)[] polls)
    {
        var server = new ScriptedProvider(_clock)
            .On("/qwen/api/v1/oauth2/device/code", (200, "{\"device_code\":\"qdc-secret\",\"user_code\":\"QW-42\",\"verification_uri\":\"https://chat.qwen.ai/authorize\",\"verification_uri_complete\":\"https://chat.qwen.ai/authorize?user_code=QW-42\",\"expires_in\":600}"))
            .On("/qwen/api/v1/oauth2/token", polls);
        return server;
    }

    [Fact]
    public void Qwen_sends_PKCE_reads_400_pending_and_429_slow_down_with_a_1_5x_backoff_capped_at_10_s()
    {
        var server = Qwen(Err("authorization_pending", 400), Err("slow_down", 429), Err("slow_down", 429), Err("slow_down", 429),
            Err("slow_down", 429), Err("slow_down", 429), Err("authorization_pending", 400),
            (200, "{\"access_token\":\"qat-1\",\"refresh_token\":\"qrt-1\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"resource_url\":\"portal.qwen.ai\"}"));
        var ui = new DeviceUi();
        var credential = Run(QwenPortalProvider.Instance, server, ui);
        var gaps = server.GapsSeconds("/qwen/api/v1/oauth2/token");
        _output.WriteLine("gaps: " + string.Join(", ", gaps));
        Assert.Equal(new[] { 2.0, 2, 3, 4.5, 6.75, 10, 10, 10 }, gaps.Select(g => Math.Round(g, 3)));

        var device = server.To("/qwen/api/v1/oauth2/device/code").Single();
        Assert.Equal("f0304373b74a44d2b584a3fb70ca9e56", device.Form["client_id"]);
        Assert.Equal("S256", device.Form["code_challenge_method"]);
        Assert.True(Guid.TryParse(device.Headers["x-request-id"], out _));
        var verifiers = server.To("/qwen/api/v1/oauth2/token").Select(r => r.Form["code_verifier"]).Distinct().ToList();
        Assert.Equal(device.Form["code_challenge"], Pkce.ComputeChallenge(Assert.Single(verifiers)));
        Assert.Equal(43, verifiers[0].Length);

        Assert.Equal("qat-1", credential.Access);
        Assert.Equal("qrt-1", credential.Refresh);
        Assert.Equal(_clock.Now.ToUnixTimeMilliseconds() + 3_600_000, credential.ExpiresMs);
        Assert.Equal("https://chat.qwen.ai/authorize?user_code=QW-42", ui.Prompts.Single().VerificationUriComplete);
    }

    [Fact]
    public void Qwen_non_json_500_fails_with_the_status()
    {
        var server = new ScriptedProvider(_clock)
            .On("/qwen/api/v1/oauth2/device/code", (200, "{\"device_code\":\"qdc-secret\",\"user_code\":\"QW-42\",\"verification_uri\":\"https://chat.qwen.ai/authorize\",\"expires_in\":600}"))
            .On("/qwen/api/v1/oauth2/token", _ => new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError) { Content = new StringContent("<html>down</html>") });
        var ex = OAuthTest.Throws(OAuthErrorIds.AuthenticationFailed, MoltbotErrorKind.AuthenticationError, () => Run(QwenPortalProvider.Instance, server, new DeviceUi()));
        Assert.Contains("HTTP 500", ex.Message);
        Assert.Equal(500, ex.Data[TokenEndpointClient.HttpStatusKey]);
    }

    [Fact]
    public void Codex_device_login_polls_403_and_404_then_exchanges_the_code_with_the_servers_verifier()
    {
        var access = OAuthTest.CodexAccessToken("acct-dev-1");
        var server = new ScriptedProvider(_clock)
            .On("/codex/api/accounts/deviceauth/usercode", (200, "{\"device_auth_id\":\"dev-auth-secret\",\"user_code\":\"CODE-9\",\"interval\":\"5\"}"))
            .On("/codex/api/accounts/deviceauth/token", (403, ""), (404, ""), (200, "{\"authorization_code\":\"ac-secret\",\"code_challenge\":\"x\",\"code_verifier\":\"verifier-from-server\"}"))
            .On("/codex/oauth/token", (200, $"{{\"id_token\":\"x\",\"access_token\":\"{access}\",\"refresh_token\":\"rt_1\",\"expires_in\":864000}}"));
        var ui = new DeviceUi();
        var credential = Run(OpenAICodexProvider.Instance, server, ui);

        Assert.Equal("acct-dev-1", credential.AccountId);
        Assert.Equal("rt_1", credential.Refresh);
        Assert.Equal(new[] { 5.0, 5, 5 }, server.GapsSeconds("/codex/api/accounts/deviceauth/token"));
        Assert.Contains("\"client_id\":\"app_EMoamEEZ73f0CkXaXp7hrann\"", server.To("/codex/api/accounts/deviceauth/usercode").Single().Body);
        Assert.Contains("\"device_auth_id\":\"dev-auth-secret\"", server.To("/codex/api/accounts/deviceauth/token")[0].Body);
        var exchange = server.To("/codex/oauth/token").Single().Form;
        Assert.Equal("authorization_code", exchange["grant_type"]);
        Assert.Equal("ac-secret", exchange["code"]);
        Assert.Equal("verifier-from-server", exchange["code_verifier"]);
        Assert.Equal(CodexBase + "/deviceauth/callback", exchange["redirect_uri"]);
        Assert.Equal(CodexBase + "/codex/device", ui.Prompts.Single().VerificationUri);
        Assert.Equal("CODE-9", ui.Prompts.Single().UserCode);
    }

    [Fact]
    public void Codex_device_login_not_enabled_is_a_clear_error()
    {
        var server = new ScriptedProvider(_clock).On("/codex/api/accounts/deviceauth/usercode", (404, "{}"));
        OAuthTest.Throws(OAuthErrorIds.LoginFlowNotSupported, MoltbotErrorKind.InvalidArgument, () => Run(OpenAICodexProvider.Instance, server, new DeviceUi()));
    }

    [Fact]
    public void LoginService_picks_the_device_flow_for_each_provider()
    {
        var device = new LoginSettings { DeviceCode = true };
        var plain = new LoginSettings();
        Assert.Equal(LoginFlowKind.DeviceCode, LoginService.FlowFor(OpenAICodexProvider.Instance, device));
        Assert.Equal(LoginFlowKind.AuthorizationCode, LoginService.FlowFor(OpenAICodexProvider.Instance, plain));
        Assert.Equal(LoginFlowKind.DeviceCode, LoginService.FlowFor(GitHubCopilotProvider.Instance, plain));
        Assert.Equal(LoginFlowKind.DeviceCode, LoginService.FlowFor(QwenPortalProvider.Instance, plain));
        Assert.Equal(LoginFlowKind.UserCode, LoginService.FlowFor(MiniMaxPortalProvider.Instance, device));
        Assert.Same(GitHubCopilotProvider.Instance, ProviderRegistry.ForLogin("copilot"));
        Assert.Same(QwenPortalProvider.Instance, ProviderRegistry.ForLogin("qwen"));
        Assert.Same(MiniMaxPortalProvider.Instance, ProviderRegistry.ForLogin("minimax-portal"));
    }
}
