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

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public CodexLoginFlowTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        _endpoint = new FakeTokenEndpoint((_, body) =>
        {
            var form = RedirectPaste.ParseQuery(body);
            return form["code"] == "good-code"
                ? FakeTokenEndpoint.Json(HttpStatusCode.OK, $"{{\"access_token\":\"{_access}\",\"refresh_token\":\"rt\",\"expires_in\":60}}")
                : FakeTokenEndpoint.Json(HttpStatusCode.BadRequest, "{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}");
        });
    }

    public void Dispose() => _browserHttp.Dispose();

    private AuthorizationCodeFlow Flow(IBrowserLauncher browser) =>
        new(OpenAICodexProvider.Instance, OAuthTest.CodexEnv(_port), browser, new HttpClient(_endpoint), new FixedClock(Now));

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

    private static Task<OAuthCredential> RunAsync(AuthorizationCodeFlow flow, LoginSettings settings, ILoginUi ui, CancellationToken ct = default) =>
        Task.Run(() => flow.Run(settings, ui, ct), CancellationToken.None);

    [Fact]
    public async Task A_browser_login_returns_the_credential()
    {
        var ui = new RecordingUi();
        var browser = Browser("good-code");
        var tokens = await RunAsync(Flow(browser), new LoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20) }, ui);

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
            new LoginSettings { Timeout = TimeSpan.FromSeconds(2), ProgressInterval = TimeSpan.FromMilliseconds(50) }, ui));
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
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(Flow(Browser("x", error: "access_denied")), new LoginSettings(), new RecordingUi()));
        Assert.Equal(OAuthErrorIds.AuthorizationDenied, ex.ErrorId);
        Assert.Contains("access_denied", ex.Message);
        Assert.Empty(_endpoint.Requests);
    }

    [Fact]
    public async Task A_refused_code_is_an_authentication_error()
    {
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(Flow(Browser("bad-code")), new LoginSettings(), new RecordingUi()));
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
        var tokens = await RunAsync(Flow(browser), new LoginSettings { Manual = true }, ui);
        Assert.Equal("acct-flow", tokens.AccountId);
        Assert.True(ui.ManualShown);
        Assert.Equal(0, ui.Ticks);

        ui.Paste = () => "good-code#ffffffffffffffffffffffffffffffff";
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(Flow(browser), new LoginSettings { Manual = true, NoBrowser = true }, ui));
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
            var tokens = await RunAsync(Flow(browser), new LoginSettings { NoBrowser = true }, ui);
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
        var run = RunAsync(Flow(new FakeBrowser()), new LoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20) }, ui, cts.Token);
        await Task.Delay(300);
        Assert.False(run.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(ui.Done);
        AssertPortFree();
    }

    /// <summary>What the browser got back from the callback, and when.</summary>
    private sealed class BrowserPage
    {
        public int? Status;
        public string? Body;
        public readonly System.Diagnostics.Stopwatch SinceCallback = new();
        public long AnsweredMs;
    }

    /// <summary>A browser that lands on the callback with the given code and the right state, and keeps the page it gets.</summary>
    private FakeBrowser PageBrowser(string code, BrowserPage page) => new(async url =>
    {
        var state = OAuthTest.Query(url)["state"];
        page.SinceCallback.Start();
        using var response = await _browserHttp.GetAsync(OAuthTest.Query(url)["redirect_uri"] + $"?code={code}&state={state}");
        var body = await response.Content.ReadAsStringAsync();
        page.AnsweredMs = page.SinceCallback.ElapsedMilliseconds;
        page.Status = (int)response.StatusCode;
        Volatile.Write(ref page.Body, body);
    });

    [Fact]
    public async Task The_browser_page_comes_after_the_code_exchange_and_says_when_it_failed()
    {
        // Issue 12 finding 10: the old listener answered "Signed in" before the code was exchanged.
        bool? answeredBeforeExchange = null;
        var page = new BrowserPage();
        var endpoint = new FakeTokenEndpoint((_, _) =>
        {
            answeredBeforeExchange = Volatile.Read(ref page.Body) is not null;
            return FakeTokenEndpoint.Json(HttpStatusCode.BadRequest, "{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}");
        });
        var browser = PageBrowser("bad-code", page);
        var flow = new AuthorizationCodeFlow(OpenAICodexProvider.Instance, OAuthTest.CodexEnv(_port), browser, new HttpClient(endpoint), new FixedClock(Now));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(flow, new LoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20) }, new RecordingUi()));
        await browser.Running!;

        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.False(answeredBeforeExchange, "the browser had its page before the code exchange");
        Assert.DoesNotContain("Signed in", page.Body);
        Assert.Contains("Sign-in failed", page.Body);
        Assert.Contains("invalid_grant", page.Body);
        Assert.DoesNotContain("bad-code", page.Body);
        _output.WriteLine($"Refused code: the browser got HTTP {page.Status} \"Sign-in failed ... invalid_grant\" {page.AnsweredMs} ms after its callback, after the exchange.");
        AssertPortFree();
    }

    [Fact]
    public async Task The_browser_page_says_signed_in_only_after_a_successful_exchange()
    {
        bool? answeredBeforeExchange = null;
        var page = new BrowserPage();
        var endpoint = new FakeTokenEndpoint((_, _) =>
        {
            answeredBeforeExchange = Volatile.Read(ref page.Body) is not null;
            return FakeTokenEndpoint.Json(HttpStatusCode.OK, $"{{\"access_token\":\"{_access}\",\"refresh_token\":\"rt\",\"expires_in\":60}}");
        });
        var browser = PageBrowser("good-code", page);
        var flow = new AuthorizationCodeFlow(OpenAICodexProvider.Instance, OAuthTest.CodexEnv(_port), browser, new HttpClient(endpoint), new FixedClock(Now));
        var tokens = await RunAsync(flow, new LoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20) }, new RecordingUi());
        await browser.Running!;
        Assert.Equal("acct-flow", tokens.AccountId);
        Assert.False(answeredBeforeExchange);
        Assert.Equal(200, page.Status);
        Assert.Contains("Signed in", page.Body);
        Assert.DoesNotContain(_access, page.Body);
    }

    [Fact]
    public async Task A_hung_token_endpoint_holds_the_browser_only_as_long_as_the_exchange_may_take()
    {
        var page = new BrowserPage();
        var hung = new HangingHandler();
        var browser = PageBrowser("good-code", page);
        var flow = new AuthorizationCodeFlow(OpenAICodexProvider.Instance, OAuthTest.CodexEnv(_port), browser, new HttpClient(hung), new FixedClock(Now));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => RunAsync(flow, new LoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20), TokenRequestTimeout = TimeSpan.FromSeconds(1) }, new RecordingUi()));
        await browser.Running!;
        Assert.Equal(OAuthErrorIds.TokenEndpointUnreachable, ex.ErrorId);
        Assert.Contains("Sign-in failed", page.Body);
        Assert.Contains("did not answer within 1 s", page.Body);
        _output.WriteLine($"Hung token endpoint (exchange limit 1 s): the browser got HTTP {page.Status} \"Sign-in failed\" {page.AnsweredMs} ms after its callback.");
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Fact]
    public async Task A_flood_of_refused_callback_requests_gives_one_summary_warning()
    {
        // Issue 12 finding 12: the old flow wrote one warning per refused request, so a local process could flood the console.
        const int Refused = 200;
        var ui = new RecordingUi();
        var browser = new FakeBrowser(async url =>
        {
            var redirect = OAuthTest.Query(url)["redirect_uri"];
            for (var i = 0; i < Refused; i++)
            {
                using var _ = await _browserHttp.GetAsync(redirect + (i % 2 == 0 ? "?code=x&state=forged" : "/../favicon.ico"));
            }
            using var ok = await _browserHttp.GetAsync(redirect + $"?code=good-code&state={OAuthTest.Query(url)["state"]}");
        });
        var tokens = await RunAsync(Flow(browser), new LoginSettings { ProgressInterval = TimeSpan.FromMilliseconds(20) }, ui);
        Assert.Equal("acct-flow", tokens.AccountId);
        _output.WriteLine($"{Refused} refused requests gave {ui.Warnings.Count} warning lines:");
        foreach (var warning in ui.Warnings)
        {
            _output.WriteLine("  " + warning);
        }
        Assert.Equal(2, ui.Warnings.Count);
        Assert.Contains("400 (State mismatch)", ui.Warnings[0]);
        Assert.Contains($"refused {Refused - 1} more requests", ui.Warnings[1]);
    }

    [Fact]
    public async Task A_port_taken_by_another_sign_in_is_described_as_what_it_answers()
    {
        // Issue 12 finding 12: the fallback text said the page "does not answer" though another login answers "State mismatch".
        using var other = CallbackListener.TryStart(OAuthTest.Redirect(_port), "the-other-sign-in-state-0123456789", out var why);
        Assert.True(other is not null, why);
        var otherWait = other!.WaitAsync(CancellationToken.None);
        var ui = new RecordingUi();
        ui.Paste = () => "good-code";
        var tokens = await RunAsync(Flow(new FakeBrowser()), new LoginSettings { NoBrowser = true }, ui);
        Assert.Equal("acct-flow", tokens.AccountId);
        Assert.True(ui.ManualShown);
        _output.WriteLine("warning: " + ui.Warnings[0]);
        _output.WriteLine("landing: " + ui.Landing);
        Assert.Contains("State mismatch", ui.Landing);
        Assert.DoesNotContain("does not answer", ui.Landing);
        Assert.Contains(ui.Warnings, w => w.Contains("HTTP 400", StringComparison.Ordinal) && w.Contains("State mismatch", StringComparison.Ordinal));
        Assert.False(otherWait.IsCompleted);
    }

    [Fact]
    public async Task A_port_held_by_a_plain_text_sign_in_like_pi_ai_is_described_by_its_answer()
    {
        // pi-ai (OpenClaw's Codex login) answers a wrong state with a plain-text "State mismatch".
        var taken = new TcpListener(IPAddress.Loopback, _port);
        taken.Start();
        var serve = Task.Run(async () =>
        {
            using var client = await taken.AcceptTcpClientAsync();
            var stream = client.GetStream();
            Assert.True(await stream.ReadAsync(new byte[4096]) > 0);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 14\r\nConnection: close\r\n\r\nState mismatch"));
        });
        try
        {
            var ui = new RecordingUi();
            ui.Paste = () => "good-code";
            await RunAsync(Flow(new FakeBrowser()), new LoginSettings { NoBrowser = true }, ui);
            await serve;
            _output.WriteLine("landing: " + ui.Landing);
            Assert.Contains("HTTP 400 \"State mismatch\"", ui.Landing);
            Assert.Contains("another sign-in in progress", ui.Warnings[0]);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task A_port_held_by_a_silent_program_is_described_as_such()
    {
        var taken = new TcpListener(IPAddress.Loopback, _port);
        taken.Start();
        try
        {
            var ui = new RecordingUi();
            ui.Paste = () => "good-code";
            await RunAsync(Flow(new FakeBrowser()), new LoginSettings { NoBrowser = true }, ui);
            Assert.Contains("does not answer HTTP", ui.Warnings[0]);
            Assert.Contains("does not load", ui.Landing);
        }
        finally
        {
            taken.Stop();
        }
    }

    private void AssertPortFree()
    {
        var probe = new TcpListener(IPAddress.Loopback, _port);
        probe.Start();
        probe.Stop();
    }
}
