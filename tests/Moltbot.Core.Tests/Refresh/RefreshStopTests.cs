using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Refresh;
using Moltbot.Core.Tests.OAuth;
using Moltbot.Core.Tests.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.Refresh;

/// <summary>
/// Issue 12, finding 2: a stop (Ctrl+C) that comes after the refresh request was sent must not throw the provider's
/// answer away, because the provider has rotated the refresh token by then. The endpoint rotates, then the stop comes
/// while the answer is on its way, and the endpoint aborts like a socket whose token was cancelled.
/// </summary>
public sealed class RefreshStopTests : IDisposable
{
    private const string Profile = "openai-codex:default";
    private const string OldRefresh = "rt_OLD_SECRET_REFRESH_0001";
    private readonly StateFixture _fx = new();
    private readonly ITestOutputHelper _out;

    public RefreshStopTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _fx.Dispose();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string StoreJson(string provider, string profile, long expires) =>
        "{\"version\":1,\"profiles\":{\"" + profile + "\":{\"type\":\"oauth\",\"provider\":\"" + provider + "\",\"access\":\"OLDACCESS\",\"refresh\":\"" + OldRefresh +
        "\",\"expires\":" + expires + ",\"accountId\":\"acct-old\",\"email\":\"me@example.com\"}}}";

    private (TokenRefresher Refresher, MoltbotState State) Create(RotatingEndpoint endpoint)
    {
        var state = _fx.NewState();
        var client = new TokenEndpointClient(new HttpClient(endpoint));
        var options = new TokenRefreshOptions { StoreLockOptions = StateFixture.Locks, RefreshLockOptions = StateFixture.Locks with { StaleAfter = TimeSpan.FromSeconds(180) } };
        // The external CLIs are read from the fixture's home, never the real one.
        return (new TokenRefresher(state, client, options) { ExternalReader = new ExternalCredentialReader(_fx.Environment, useDefaultKeychain: false) }, state);
    }

    /// <summary>Stops the caller once the endpoint has rotated the token, before the answer reaches it.</summary>
    private static CancellationTokenSource StopAfterRotation(RotatingEndpoint endpoint)
    {
        var stop = new CancellationTokenSource();
        endpoint.BeforeAnswer = requestToken =>
        {
            stop.Cancel();
            requestToken.ThrowIfCancellationRequested(); // a cancelled socket read: the answer is lost
        };
        return stop;
    }

    private int PresentedTwice(RotatingEndpoint endpoint)
    {
        var twice = endpoint.Presented.GroupBy(t => t, StringComparer.Ordinal).Count(g => g.Count() > 1);
        _out.WriteLine($"refresh requests: {endpoint.Calls}; refresh tokens presented twice: {twice}; grant revoked: {endpoint.Revoked}");
        return twice;
    }

    [Fact]
    public void Json_era_a_stop_after_the_request_was_sent_stores_the_rotated_token_in_every_copy_then_reports_the_stop()
    {
        var store = _fx.WriteStore("main", StoreJson("openai-codex", Profile, NowMs - 1000));
        var copy = _fx.WriteStore("work", StoreJson("openai-codex", Profile, NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        using var stop = StopAfterRotation(endpoint);

        Assert.ThrowsAny<OperationCanceledException>(() => refresher.GetAccessToken(state.GetAgent("main"), Profile, cancellationToken: stop.Token));

        var rotated = endpoint.Valid;
        Assert.NotNull(rotated);
        Assert.True(rotated == (string?)JsonNode.Parse(File.ReadAllText(store))!["profiles"]![Profile]!["refresh"], "the store holds the rotated token");
        Assert.True(rotated == (string?)JsonNode.Parse(File.ReadAllText(copy))!["profiles"]![Profile]!["refresh"], "the other agent's copy holds the rotated token");

        // The next call presents the rotated token, never the old one, and both agents go on working.
        endpoint.BeforeAnswer = null;
        var (next, nextState) = Create(endpoint);
        var result = next.GetAccessToken(nextState.GetAgent("work"), Profile, force: true);
        Assert.True(result.Refreshed);
        Assert.False(endpoint.Revoked);
        Assert.True(endpoint.Presented.SequenceEqual(new[] { OldRefresh, rotated! }), "the next refresh presented the rotated token");
        Assert.Equal(0, PresentedTwice(endpoint));
    }

    [Fact]
    public void Sqlite_era_a_stop_after_the_request_was_sent_stores_the_rotated_token_in_the_cell_then_reports_the_stop()
    {
        const string profile = "openai:me@example.com";
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        dir.PutAgentStore(dir.AgentDir("main"), StoreJson("openai", profile, NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        using var stop = StopAfterRotation(endpoint);

        Assert.ThrowsAny<OperationCanceledException>(() => refresher.GetAccessToken(state.GetAgent("main"), profile, cancellationToken: stop.Token));

        var rotated = endpoint.Valid;
        var cell = SqliteStateDir.ReadCell(dir.AgentDbPath("main"), "SELECT store_json FROM auth_profile_store WHERE store_key='primary'")!;
        Assert.True(rotated == (string?)JsonNode.Parse(cell)!["profiles"]![profile]!["refresh"], "the SQLite cell holds the rotated token");

        endpoint.BeforeAnswer = null;
        var (next, nextState) = Create(endpoint);
        Assert.True(next.GetAccessToken(nextState.GetAgent("main"), profile, force: true).Refreshed);
        Assert.False(endpoint.Revoked);
        Assert.True(endpoint.Presented.SequenceEqual(new[] { OldRefresh, rotated! }), "the next refresh presented the rotated token");
        Assert.Equal(0, PresentedTwice(endpoint));
    }

    [Fact]
    public async Task A_stop_before_the_request_is_sent_stops_at_once_and_sends_nothing()
    {
        var store = _fx.WriteStore("main", StoreJson("openai-codex", Profile, NowMs - 1000));
        var before = File.ReadAllBytes(store);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        using var stop = new CancellationTokenSource();
        // A connect that never completes: only the stop can end it.
        endpoint.BeforeSend = async requestToken =>
        {
            stop.Cancel();
            await Task.Delay(Timeout.Infinite, requestToken);
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => refresher.GetAccessToken(state.GetAgent("main"), Profile, cancellationToken: stop.Token)));

        Assert.Equal(0, endpoint.Calls);
        Assert.Empty(endpoint.Presented);
        Assert.Equal(before, File.ReadAllBytes(store));
        _out.WriteLine($"refresh requests sent after a stop before sending: {endpoint.Calls}");
    }

    [Fact]
    public async Task The_login_code_exchange_returns_its_tokens_when_the_stop_comes_after_the_code_was_sent()
    {
        var access = OAuthTest.CodexAccessToken("acct-42", "tester@example.com");
        using var stop = new CancellationTokenSource();
        var endpoint = new FakeTokenEndpoint((_, _) =>
        {
            stop.Cancel(); // the code is consumed now
            return FakeTokenEndpoint.Json(HttpStatusCode.OK,
                $"{{\"access_token\":\"{access}\",\"refresh_token\":\"rt_SECRETREFRESH\",\"expires_in\":3600,\"token_type\":\"Bearer\"}}");
        });
        var client = new TokenEndpointClient(new HttpClient(endpoint));

        var tokens = await client.ExchangeCodeAsync("ac_SECRETCODE_123456", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", stop.Token);

        Assert.True(tokens.Refresh == "rt_SECRETREFRESH", "the exchange returned the issued tokens");
        Assert.Single(endpoint.Requests);
    }

    [Fact]
    public async Task After_a_stop_the_answer_is_still_bounded_by_the_request_limit()
    {
        using var stop = new CancellationTokenSource();
        var endpoint = new RotatingEndpoint(OldRefresh)
        {
            BeforeAnswer = requestToken =>
            {
                stop.Cancel();
                // An answer that never comes: only the request limit ends the wait.
                requestToken.WaitHandle.WaitOne();
                requestToken.ThrowIfCancellationRequested();
            },
        };
        var client = new TokenEndpointClient(new HttpClient(endpoint));

        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.RefreshAsync(OldRefresh, stop.Token, TimeSpan.FromMilliseconds(300)));

        Assert.Equal(OAuthErrorIds.TokenEndpointUnreachable, ex.ErrorId);
        Assert.Contains("did not answer", ex.Message);
    }
}
