using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

internal static class OAuthTest
{
    public static MoltbotEnvironment Env(params (string Name, string? Value)[] variables)
    {
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            map[name] = value;
        }
        return new MoltbotEnvironment(n => map.TryGetValue(n, out var v) ? v : null, () => "/nonexistent-home");
    }

    /// <summary>A port that was free a moment ago (bound on loopback, then released).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public static Uri Redirect(int port, string host = "localhost") => new($"http://{host}:{port}/auth/callback");

    public static Dictionary<string, string> Query(string url) => RedirectPaste.ParseQuery(new Uri(url).Query);

    /// <summary>The Codex login's environment with its redirect on <paramref name="port"/> (and more variables).</summary>
    public static MoltbotEnvironment CodexEnv(int port, params (string Name, string? Value)[] more)
    {
        var all = new List<(string, string?)> { (OpenAICodexProvider.RedirectVariable, Redirect(port).AbsoluteUri) };
        all.AddRange(more);
        return Env(all.ToArray());
    }

    public static string Jwt(JsonObject payload)
    {
        var header = Base64Url.Encode(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}"));
        var body = Base64Url.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return $"{header}.{body}.c2lnbmF0dXJl";
    }

    public static string CodexAccessToken(string accountId = "acct-123", string? email = "tester@example.com")
    {
        var payload = new JsonObject
        {
            ["sub"] = "tester",
            [JwtClaims.AuthClaim] = new JsonObject { ["chatgpt_account_id"] = accountId, ["chatgpt_plan_type"] = "plus" },
        };
        if (email is not null)
        {
            payload[JwtClaims.ProfileClaim] = new JsonObject { ["email"] = email, ["email_verified"] = true };
        }
        return Jwt(payload);
    }

    public static MoltbotException Throws(string errorId, MoltbotErrorKind kind, Action action)
    {
        var ex = Assert.Throws<MoltbotException>(action);
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        return ex;
    }
}

/// <summary>A clock that stands still unless told otherwise.</summary>
internal sealed class FixedClock : TimeProvider
{
    public FixedClock(DateTimeOffset now) => Now = now;

    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A token endpoint in memory: records each request and answers with the given function.</summary>
internal sealed class FakeTokenEndpoint : HttpMessageHandler
{
    private readonly Func<HttpRequestMessage, string, HttpResponseMessage> _answer;

    public FakeTokenEndpoint(Func<HttpRequestMessage, string, HttpResponseMessage> answer) => _answer = answer;

    public List<(HttpRequestMessage Request, string Body)> Requests { get; } = new();

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request, body));
        return _answer(request, body);
    }
}

/// <summary>Records the login's calls to its host; answers the paste prompt with a function.</summary>
internal sealed class RecordingUi : ILoginUi
{
    public Func<string?>? Paste { get; set; }

    public List<string> Urls { get; } = new();

    public List<string> Verbose { get; } = new();

    public List<string> Warnings { get; } = new();

    public int Ticks { get; private set; }

    public bool Done { get; private set; }

    public bool? ManualShown { get; private set; }

    public string? Landing { get; private set; }

    public void ShowUrl(OAuthProvider provider, string url, bool manual, string? landing)
    {
        Urls.Add(url);
        ManualShown = manual;
        Landing = landing;
    }

    void ILoginUi.Verbose(string message) => Verbose.Add(message);

    public void Warning(string message) => Warnings.Add(message);

    public void Waiting(TimeSpan elapsed, TimeSpan timeout, string redirectUri) => Ticks++;

    public void WaitingDone() => Done = true;

    public string? PromptForPaste(string redirectUri) => Paste?.Invoke();
}

/// <summary>A browser that does what the test says with the URL (on a background task, like a real browser).</summary>
internal sealed class FakeBrowser : IBrowserLauncher
{
    private readonly Func<string, Task>? _behaviour;

    public FakeBrowser(Func<string, Task>? behaviour = null) => _behaviour = behaviour;

    public List<string> Opened { get; } = new();

    public Task? Running { get; private set; }

    public bool TryOpen(string url, out string description)
    {
        Opened.Add(url);
        description = "the fake browser";
        if (_behaviour is not null)
        {
            Running = Task.Run(() => _behaviour(url));
        }
        return true;
    }
}

/// <summary>
/// A local client that sends a request head (or only the start of one) and then trickles one byte every
/// <c>interval</c>, the way a slow or hostile local process can hold a connection to the callback.
/// </summary>
internal sealed class TricklingClient : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _received = new();
    private Task _trickle = Task.CompletedTask;

    private TricklingClient()
    {
    }

    /// <summary>Completes when the server has closed the connection (or reset it).</summary>
    public Task Closed { get; private set; } = Task.CompletedTask;

    /// <summary>What the server sent back so far.</summary>
    public string Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToString();
            }
        }
    }

    public static async Task<TricklingClient> StartAsync(int port, string head, TimeSpan interval)
    {
        var trickler = new TricklingClient();
        await trickler._client.ConnectAsync(IPAddress.Loopback, port);
        var stream = trickler._client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        trickler._trickle = Task.Run(async () =>
        {
            try
            {
                while (!trickler._stop.IsCancellationRequested)
                {
                    await Task.Delay(interval, trickler._stop.Token);
                    await stream.WriteAsync(new[] { (byte)'a' }, trickler._stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.IO.IOException or SocketException or ObjectDisposedException)
            {
            }
        });
        trickler.Closed = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, trickler._stop.Token)) > 0)
                {
                    lock (trickler._received)
                    {
                        trickler._received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.IO.IOException or SocketException or ObjectDisposedException)
            {
            }
        });
        return trickler;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _client.Dispose();
        await Task.WhenAll(_trickle, Closed);
        _stop.Dispose();
    }
}

/// <summary>The Codex provider's token calls, as the tests make them (the flow and the refresher make the same calls).</summary>
internal static class CodexCalls
{
    public static Task<OAuthCredential> ExchangeCodeAsync(this TokenEndpointClient client, string code, string verifier, CancellationToken cancellationToken, MoltbotEnvironment? environment = null)
    {
        var env = environment ?? OAuthTest.Env();
        var codex = OpenAICodexProvider.Instance;
        return codex.ExchangeCodeAsync(client, code, Pkce.FromVerifier(verifier), "state", codex.RedirectUri(env), new LoginClient(codex.ClientId, null), env, cancellationToken);
    }

    public static Task<OAuthCredential> RefreshAsync(this TokenEndpointClient client, string refresh, CancellationToken cancellationToken, TimeSpan? timeout = null, MoltbotEnvironment? environment = null)
    {
        var profile = new Moltbot.Core.Store.StoredProfile("openai-codex:default", new JsonObject
        {
            ["type"] = "oauth", ["provider"] = "openai-codex", ["access"] = "old", ["refresh"] = refresh, ["expires"] = 0,
        });
        return OpenAICodexProvider.Instance.RefreshAsync(client, new StoredCredentialView(profile), environment ?? OAuthTest.Env(), timeout ?? TimeSpan.FromSeconds(20), cancellationToken);
    }
}
