using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public sealed class CodexLoginFlowTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly int _port = OAuthTest.FreePort();
    private readonly HttpClient _browserHttp = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly FakeTokenEndpoint _endpoint;
    private readonly string _access = OAuthTest.CodexAccessToken("acct-flow", "flow@example.com");

    public CodexLoginFlowTests()
    {
        _endpoint = new FakeTokenEndpoint((_, body) =>
        {
            var form = RedirectPaste.ParseQuery(body);
            return form["code"] == "good-code"
                ? FakeTokenEndpoint.Json(HttpStatusCode.OK, $"{{\"access_token\":\"{_access}\",\"refresh_token\":\"rt\",\"expires_in\":60}}")
                : FakeTokenEndpoint.Json(HttpStatusCode.BadRequest, "{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}");
        });
    }

    public void Dispose() => _browserHttp.Dispose();

    private CodexLoginFlow Flow(IBrowserLauncher browser) =>
        new(new CodexOAuthOptions(redirectUri: OAuthTest.Redirect(_port)), browser, new HttpClient(_endpoint), new FixedClock(Now));

    /// <summary>A browser that lands on the callback with the given code, and the state of the authorize URL (or a tampered one).</summary>
    private FakeBrowser Browser(string code, bool tamper = false, string? error = null) => new(async url =>
    {
        var state = OAuthTest.Query(url)["state"];
        if (tamper)
        {
            state = state.Substring(0, state.Length - 1) + (state[^1] == '0' ? '1' : '0');
        }
        var query = error is null ? $"code={code}&state={state}" : $"error={error}&state={state}";
        using var _ = await _browserHttp.GetAsync(OAuthTest.Query(url)["redirect_uri"] + "?" + query + "&iss=http%3A%2F%2Fissuer");
    });

    private static Task<CodexTokens> RunAsync(CodexLoginFlow flow, CodexLoginSettings settings, ICodexLoginUi ui, CancellationToken ct = default) =>
        Task.Run(() => flow.Run(settings, ui, ct), CancellationToken.None);

    [Fact]
    public async Task A_browser_login_returns_the_credential()
    {
        var ui = new RecordingUi();
        var browser = Browser("good-code");
        var tokens = await RunAsync(Flow(browser), new CodexLoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20) }, ui);

        Assert.Equal("acct-flow", tokens.AccountId);
        Assert.Equal("flow@example.com", tokens.Email);
        Assert.Equal(Now.ToUnixTimeMilliseconds() + 60_000, tokens.ExpiresMs);
        Assert.Equal(ui.Urls, browser.Opened);
        Assert.False(ui.ManualShown);
        Assert.True(ui.Done);
        Assert.Empty(ui.Warnings);
        Assert.Single(_endpoint.Requests);
        Assert.All(ui.Verbose, m => Assert.DoesNotContain("good-code", m));
        Assert.All(ui.Verbose, m => Assert.DoesNotContain(_access, m));
        AssertPortFree();
    }

    [Fact]
    public async Task A_tampered_state_is_refused_and_the_wait_ends_in_a_timeout()
    {
        var ui = new RecordingUi();
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(Flow(Browser("good-code", tamper: true)),
            new CodexLoginSettings { Timeout = TimeSpan.FromSeconds(2), ProgressInterval = TimeSpan.FromMilliseconds(50) }, ui));
        Assert.Equal(OAuthErrorIds.LoginTimeout, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.OperationTimeout, ex.Kind);
        Assert.Contains(ui.Warnings, w => w.Contains("400", StringComparison.Ordinal) && w.Contains("State mismatch", StringComparison.Ordinal));
        Assert.Empty(_endpoint.Requests);
        Assert.True(ui.Ticks > 0);
        AssertPortFree();
    }

    [Fact]
    public async Task An_error_callback_ends_the_login_with_that_error()
    {
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(Flow(Browser("x", error: "access_denied")), new CodexLoginSettings(), new RecordingUi()));
        Assert.Equal(OAuthErrorIds.AuthorizationDenied, ex.ErrorId);
        Assert.Contains("access_denied", ex.Message);
        Assert.Empty(_endpoint.Requests);
    }

    [Fact]
    public async Task A_refused_code_is_an_authentication_error()
    {
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(Flow(Browser("bad-code")), new CodexLoginSettings(), new RecordingUi()));
        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.Contains("invalid_grant", ex.Message);
        Assert.DoesNotContain("bad-code", ex.Message);
    }

    [Fact]
    public async Task Manual_mode_reads_the_pasted_redirect_and_checks_its_state()
    {
        string? authorizeUrl = null;
        var ui = new RecordingUi();
        ui.Paste = () => $"http://localhost:{_port}/auth/callback?code=good-code&state={OAuthTest.Query(ui.Urls[0])["state"]}";
        var browser = new FakeBrowser(url =>
        {
            authorizeUrl = url;
            return Task.CompletedTask;
        });
        var tokens = await RunAsync(Flow(browser), new CodexLoginSettings { Manual = true }, ui);
        Assert.Equal("acct-flow", tokens.AccountId);
        Assert.True(ui.ManualShown);
        Assert.Equal(0, ui.Ticks);

        ui.Paste = () => "good-code#ffffffffffffffffffffffffffffffff";
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(Flow(browser), new CodexLoginSettings { Manual = true, NoBrowser = true }, ui));
        Assert.Equal(OAuthErrorIds.StateMismatch, ex.ErrorId);
        Assert.Single(_endpoint.Requests);
    }

    [Fact]
    public async Task A_taken_port_falls_back_to_the_paste_prompt()
    {
        var taken = new TcpListener(IPAddress.Loopback, _port);
        taken.Start();
        try
        {
            var ui = new RecordingUi();
            ui.Paste = () => "good-code";
            var browser = new FakeBrowser();
            var tokens = await RunAsync(Flow(browser), new CodexLoginSettings { NoBrowser = true }, ui);
            Assert.Equal("acct-flow", tokens.AccountId);
            Assert.True(ui.ManualShown);
            Assert.Empty(browser.Opened);
            Assert.Contains(ui.Warnings, w => w.Contains($"localhost:{_port}", StringComparison.Ordinal));
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task Cancelling_the_wait_frees_the_port()
    {
        using var cts = new CancellationTokenSource();
        var ui = new RecordingUi();
        var run = RunAsync(Flow(new FakeBrowser()), new CodexLoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20) }, ui, cts.Token);
        await Task.Delay(300);
        Assert.False(run.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(ui.Done);
        AssertPortFree();
    }

    private void AssertPortFree()
    {
        var probe = new TcpListener(IPAddress.Loopback, _port);
        probe.Start();
        probe.Stop();
    }
}
