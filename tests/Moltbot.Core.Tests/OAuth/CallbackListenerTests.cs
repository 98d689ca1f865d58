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

        var ok = await GetAsync("/auth/callback?code=ac_the-code&state=" + State + "&iss=http%3A%2F%2F127.0.0.1%3A1");
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Contains("Signed in", ok.Body);
        Assert.DoesNotContain("ac_the-code", ok.Body);

        var result = await wait;
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
            await GetAsync("/auth/callback?code=c&state=" + State);
            await wait;
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

    private void AssertPortFree()
    {
        var again = CallbackListener.TryStart(OAuthTest.Redirect(_port), State, out var why);
        Assert.True(again is not null, why);
        again!.Dispose();
    }
}
