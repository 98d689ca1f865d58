using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public sealed class CallbackListenerTests : IDisposable
{
    private const string State = "0123456789abcdef0123456789abcdef";
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly int _port = OAuthTest.FreePort();
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public CallbackListenerTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    public void Dispose() => _http.Dispose();

    private CallbackListener Start()
    {
        var listener = CallbackListener.TryStart(OAuthTest.Redirect(_port), State, out var why);
        Assert.True(listener is not null, why);
        return listener!;
    }

    private string Url(string pathAndQuery) => $"http://localhost:{_port}{pathAndQuery}";

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string pathAndQuery)
    {
        using var response = await _http.GetAsync(Url(pathAndQuery));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Wrong_missing_state_other_paths_and_posts_are_refused_and_the_wait_goes_on_until_a_valid_code()
    {
        using var listener = Start();
        var rejected = new System.Collections.Concurrent.ConcurrentQueue<int>();
        listener.RequestRejected += (status, _) => rejected.Enqueue(status);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var wait = listener.WaitAsync(cts.Token);

        var other = await GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.NotFound, other.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/auth/callbackx?code=c&state=" + State)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/auth/callback/more?code=c&state=" + State)).Status);

        var missing = await GetAsync("/auth/callback?code=c");
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("Missing state", missing.Body);

        var wrong = await GetAsync("/auth/callback?code=c&state=" + State.Substring(0, 31) + "0");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Contains("State mismatch", wrong.Body);

        var wrongError = await GetAsync("/auth/callback?error=access_denied&state=tampered");
        Assert.Equal(HttpStatusCode.BadRequest, wrongError.Status);

        var noCode = await GetAsync("/auth/callback?state=" + State);
        Assert.Equal(HttpStatusCode.BadRequest, noCode.Status);

        using (var post = await _http.PostAsync(Url("/auth/callback?code=c&state=" + State), new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        }
        Assert.False(wait.IsCompleted);

        var browser = GetAsync("/auth/callback?code=ac_the-code&state=" + State + "&iss=http%3A%2F%2F127.0.0.1%3A1");
        var result = await wait;
        // The browser's request is held until the caller reports the outcome of the code exchange.
        Assert.False(browser.IsCompleted);
        listener.Answer(true, "Signed in", "The exchange worked.");
        var ok = await browser;
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Contains("Signed in", ok.Body);
        Assert.DoesNotContain("ac_the-code", ok.Body);

        Assert.False(result.IsError);
        Assert.Equal("ac_the-code", result.Code);
        Assert.DoesNotContain("ac_the-code", result.ToString());
        Assert.Equal(new[] { 404, 404, 404, 400, 400, 400, 400, 405 }, rejected.ToArray());
    }

    [Fact]
    public async Task An_error_callback_with_the_right_state_ends_the_wait_with_that_error()
    {
        using var listener = Start();
        var wait = listener.WaitAsync(CancellationToken.None);
        var page = await GetAsync("/auth/callback?error=access_denied&error_description=End-User+aborted+%3Cinteraction%3E&state=" + State + "&iss=x");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("access_denied", page.Body);
        Assert.Contains("End-User aborted &lt;interaction&gt;", page.Body); // HTML-encoded

        var result = await wait;
        Assert.True(result.IsError);
        Assert.Equal("access_denied", result.Error);
        Assert.Equal("End-User aborted <interaction>", result.ErrorDescription);
        Assert.Null(result.Code);
    }

    [Fact]
    public async Task Disposing_after_success_frees_the_port()
    {
        using (var listener = Start())
        {
            var wait = listener.WaitAsync(CancellationToken.None);
            var browser = GetAsync("/auth/callback?code=c&state=" + State);
            await wait;
            listener.Answer(false, "Sign-in failed", "The exchange failed.");
            Assert.Contains("Sign-in failed", (await browser).Body);
        }
        AssertPortFree();
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_and_frees_the_port()
    {
        using var listener = Start();
        using var cts = new CancellationTokenSource();
        var wait = listener.WaitAsync(cts.Token);
        await Task.Delay(100);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        AssertPortFree();
    }

    [Fact]
    public void A_taken_port_gives_null_and_a_reason()
    {
        var taken = new TcpListener(IPAddress.Loopback, _port);
        taken.Start();
        try
        {
            var listener = CallbackListener.TryStart(OAuthTest.Redirect(_port), State, out var why);
            Assert.Null(listener);
            Assert.False(string.IsNullOrEmpty(why));
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task It_listens_on_loopback_only()
    {
        using var listener = Start();
        var wait = listener.WaitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        // Reachable on 127.0.0.1 ...
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/nothing")).Status);
        // ... but not on a non-loopback address of this machine (if it has one).
        foreach (var address in await Dns.GetHostAddressesAsync(Dns.GetHostName()))
        {
            if (IPAddress.IsLoopback(address) || address.AddressFamily != AddressFamily.InterNetwork)
            {
                continue;
            }
            using var client = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(address, _port));
        }
        listener.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task Clients_that_trickle_their_request_do_not_delay_the_real_callback()
    {
        // Issue 12 finding 3: the old listener answered one request at a time and, closing the answer to a request
        // with a body, waited for that body; a client sending 1 byte every 0.8 s held it until the login timed out.
        using var listener = Start();
        listener.RequestReadTimeout = TimeSpan.FromSeconds(3);
        var rejected = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var firstRejection = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.RequestRejected += (status, _) =>
        {
            rejected.Enqueue(status);
            firstRejection.TrySetResult();
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var wait = listener.WaitAsync(cts.Token);
        var interval = TimeSpan.FromMilliseconds(800);
        var host = $"Host: localhost:{_port}\r\n";
        // A POST with a body it never finishes, a GET with a body (never read: the callback is a GET), and a request
        // whose head never ends.
        await using var post = await TricklingClient.StartAsync(_port,
            $"POST /auth/callback?code=c&state={State} HTTP/1.1\r\n{host}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n", interval);
        await firstRejection.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await using var getWithBody = await TricklingClient.StartAsync(_port,
            $"GET /auth/callback?code=c&state=wrong HTTP/1.1\r\n{host}Content-Length: 100000\r\n\r\n", interval);
        await using var endlessHead = await TricklingClient.StartAsync(_port, $"GET /auth/callback?code=c&state={State} HTTP/1.1\r\n{host}X-Slow: ", interval);
        await Task.Delay(TimeSpan.FromSeconds(1)); // let them trickle a byte or two

        var sent = System.Diagnostics.Stopwatch.StartNew();
        var browser = GetAsync("/auth/callback?code=the-real-code&state=" + State);
        var result = await wait.WaitAsync(TimeSpan.FromSeconds(20));
        var receivedMs = sent.ElapsedMilliseconds;
        listener.Answer(true, "Signed in", "The exchange worked.");
        var page = await browser;
        var answeredMs = sent.ElapsedMilliseconds;
        Assert.Equal("the-real-code", result.Code);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Signed in", page.Body);

        // The per-request read deadline closes the connection whose head never ends, with a 408.
        var headClosed = System.Diagnostics.Stopwatch.StartNew();
        await endlessHead.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.StartsWith("HTTP/1.1 408", endlessHead.Received);
        Assert.StartsWith("HTTP/1.1 405", post.Received);
        Assert.StartsWith("HTTP/1.1 400", getWithBody.Received);
        Assert.Contains(405, rejected);
        Assert.Contains(400, rejected);
        Assert.Contains(408, rejected);
        _output.WriteLine($"3 trickling clients (1 byte / {interval.TotalMilliseconds:0} ms) connected before the callback: the real callback was received " +
                          $"{receivedMs} ms and answered {answeredMs} ms after it was sent; the endless head got 408 {headClosed.ElapsedMilliseconds} ms later " +
                          $"(read deadline {listener.RequestReadTimeout.TotalSeconds:0} s).");
    }

    private void AssertPortFree()
    {
        var again = CallbackListener.TryStart(OAuthTest.Redirect(_port), State, out var why);
        Assert.True(again is not null, why);
        again!.Dispose();
    }
}
