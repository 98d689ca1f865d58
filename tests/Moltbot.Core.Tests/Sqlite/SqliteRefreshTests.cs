using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.Locking;
using Moltbot.Core.OAuth;
using Moltbot.Core.Refresh;
using Moltbot.Core.Store;
using Moltbot.Core.Tests.Refresh;
using Xunit;

namespace Moltbot.Core.Tests.Sqlite;

/// <summary>The locked refresher on SQLite-era stores: lock names, no network inside a transaction, fences.</summary>
public sealed class SqliteRefreshTests : IDisposable
{
    private const string Profile = "openai:me@example.com";
    private const string OldRefresh = "rt_OLD_SECRET_REFRESH_0001";
    private readonly StateFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string Store(string access, string refresh, long expires) =>
        "{\"version\":1,\"profiles\":{\"" + Profile + "\":{\"type\":\"oauth\",\"provider\":\"openai\",\"access\":\"" + access +
        "\",\"refresh\":\"" + refresh + "\",\"expires\":" + expires + ",\"accountId\":\"acct-old\",\"email\":\"me@example.com\",\"futureField\":{\"keep\":true}}}}";

    private (TokenRefresher Refresher, MoltbotState State) Create(RotatingEndpoint endpoint)
    {
        var state = _fx.NewState();
        var client = new TokenEndpointClient(new HttpClient(endpoint));
        var options = new TokenRefreshOptions { StoreLockOptions = StateFixture.Locks, RefreshLockOptions = StateFixture.Locks with { StaleAfter = TimeSpan.FromSeconds(180) } };
        // The external CLIs are read from the fixture's home, never the real one.
        return (new TokenRefresher(state, client, options) { ExternalReader = new ExternalCredentialReader(_fx.Environment, useDefaultKeychain: false) }, state);
    }

    private static string Cell(SqliteStateDir dir) =>
        SqliteStateDir.ReadCell(dir.AgentDbPath("main"), "SELECT store_json FROM auth_profile_store WHERE store_key='primary'")!;

    [Fact]
    public void An_expired_profile_is_refreshed_under_the_lock_name_of_its_era_and_stored_in_its_cell()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        dir.PutAgentStore(dir.AgentDir("main"), Store("OLDACCESS", OldRefresh, NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var lockFile = OAuthProfileLock.HashedTarget(_fx.StateDir, "openai", Profile) + ".lock";
        var sawLock = false;
        var sawTransaction = true;
        endpoint.OnRequest = () =>
        {
            sawLock = File.Exists(lockFile);
            // No SQLite write transaction spans the request: a writer gets through at once.
            try
            {
                dir.Exec(dir.AgentDbPath("main"), "BEGIN IMMEDIATE; COMMIT;");
                sawTransaction = false;
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
            }
        };
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Equal(1, endpoint.Calls);
        Assert.True(sawLock, "the lock-<32 hex> OAuth lock is held during the request");
        Assert.False(sawTransaction, "no transaction is held across the network call");
        Assert.False(File.Exists(lockFile));
        var cell = JsonNode.Parse(Cell(dir))!["profiles"]![Profile]!;
        Assert.Equal(endpoint.Valid, (string)cell["refresh"]!);
        Assert.True((bool)cell["futureField"]!["keep"]!);
        Assert.Empty(Directory.EnumerateFiles(_fx.StateDir, "auth-*.json*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_storm_of_refreshers_in_one_process_makes_exactly_one_refresh_request()
    {
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.PutAgentStore(dir.AgentDir("main"), Store("OLDACCESS", OldRefresh, NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var results = new ConcurrentBag<string>();
        Parallel.For(0, 12, new ParallelOptions { MaxDegreeOfParallelism = 12 }, _ =>
        {
            var (refresher, state) = Create(endpoint);
            results.Add(refresher.GetAccessToken(state.GetAgent("main"), Profile).Token);
        });
        Assert.Equal(1, endpoint.Calls);
        Assert.False(endpoint.Revoked);
        Assert.Single(results.Distinct());
    }

    [Fact]
    public async Task A_pending_fence_is_waited_for_and_the_owner_s_result_used_without_a_request()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        var fence = RefreshFence.Prefix + "00112233445566778899aabbccddeeff";
        dir.PutAgentStore(dir.AgentDir("main"), Store(fence + ":access:" + new string('a', 64), fence + ":refresh:" + new string('b', 64), 1));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var owner = Task.Run(async () =>
        {
            await Task.Delay(400);
            dir.PutAgentStore(dir.AgentDir("main"), Store("FRESHACCESS", "rt_FRESH", NowMs + 3_600_000));
        });

        var result = await Task.Run(() => refresher.GetAccessToken(state.GetAgent("main"), Profile));

        await owner;
        Assert.Equal("FRESHACCESS", result.Token);
        Assert.Equal(0, endpoint.Calls);
        Assert.Contains("rt_FRESH", Cell(dir));
    }

    [Fact]
    public void A_failed_fence_says_sign_in_again_and_sends_nothing()
    {
        var dir = SqliteFixtures.CreateD(_fx.StateDir, agentId: "main", d2: true, ownership: "legacy-main");
        var fence = RefreshFence.Prefix + "00112233445566778899aabbccddeeff:failed";
        dir.PutAgentStore(dir.AgentDir("main"), Store(fence + ":access:x", fence + ":refresh:y", 1));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var ex = Throws.Moltbot(RefreshErrorIds.RefreshFailed, MoltbotErrorKind.AuthenticationError, () => refresher.GetAccessToken(state.GetAgent("main"), Profile));
        Assert.Contains("Connect-MoltbotProvider", ex.RecommendedAction);
        Assert.Equal(0, endpoint.Calls);
    }
}
