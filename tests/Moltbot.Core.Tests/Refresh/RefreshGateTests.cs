using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Refresh;
using Moltbot.Core.State;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests.Refresh;

/// <summary>
/// The in-process gate in front of the refresh file locks (issue 16): callers of one process queued behind a refresh
/// of the same stored credential receive its outcome without taking the file locks (RefreshGate's rules).
/// </summary>
public sealed class RefreshGateTests : IDisposable
{
    private const string Profile = "openai-codex:default";
    private const string OldAccess = "OLDACCESS.eyJzdWIiOiJ0ZXN0ZXIifQ.SECRETSIG";
    private const string OldRefresh = "rt_OLD_SECRET_REFRESH_0001";
    private readonly StateFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string StoreJson(long expires, string refresh = OldRefresh, string access = OldAccess) =>
        "{\n  \"version\": 1,\n  \"profiles\": {\n    \"" + Profile + "\": {\n      \"type\": \"oauth\",\n      \"provider\": \"openai-codex\",\n" +
        "      \"access\": \"" + access + "\",\n      \"refresh\": \"" + refresh + "\",\n      \"expires\": " + expires + ",\n" +
        "      \"accountId\": \"acct-old\"\n    }\n  }\n}\n";

    private TokenRefresher NewRefresher(RotatingEndpoint endpoint) =>
        // A refresher and a state object per caller, as separate cmdlet invocations (runspaces) have.
        new(_fx.NewState(), new TokenEndpointClient(new HttpClient(endpoint)),
            new TokenRefreshOptions { StoreLockOptions = StateFixture.Locks, RefreshLockOptions = StateFixture.Locks })
        {
            ExternalReader = new ExternalCredentialReader(_fx.Environment, useDefaultKeychain: false),
        };

    private string[] Targets() => _fx.NewState().GetAgent("main").Store.OAuthLockTargets("openai-codex", Profile).ToArray();

    /// <summary>Blocks (bounded) until <paramref name="count"/> callers are queued at the gate.</summary>
    private void WaitQueued(int count)
    {
        var targets = Targets();
        var clock = Stopwatch.StartNew();
        while (TokenRefresher.QueuedAt(targets) < count && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(2);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Callers_queued_behind_a_refresh_get_its_credential_without_a_file_lock_or_a_second_request(bool force)
    {
        _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        const int followers = 15;
        // The leader's request is answered only once every other caller is queued behind it.
        endpoint.OnRequest = () => WaitQueued(followers);
        var leader = Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile));
        var started = Stopwatch.StartNew();
        while (endpoint.Calls == 0 && !leader.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(2);
        }
        // Forced followers ("the token I read is rejected") read the same credential: the leader's new one is theirs too.
        var rest = Enumerable.Range(0, followers).Select(_ => Task.Run(() =>
            NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile,
                new AccessTokenRequest { Force = force, RejectedAccessToken = force ? OldAccess : null }))).ToArray();
        var results = await Task.WhenAll(rest.Prepend(leader)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, endpoint.Calls);
        Assert.False(endpoint.Revoked);
        Assert.Single(results.Select(r => r.Token).Distinct());
        Assert.Single(results, r => r.RefreshLockAcquiredUtc is not null);
        Assert.True(results[0].Refreshed);
        Assert.Equal(followers, results.Count(r => r.SharedInProcess && r.Source == AccessTokenSource.Peer && r.RefreshLockAcquiredUtc is null));
    }

    [Fact]
    public async Task A_refresh_failure_reaches_the_callers_queued_behind_it_as_the_same_error_and_a_later_call_tries_again()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var before = File.ReadAllBytes(store);
        var endpoint = new RotatingEndpoint(OldRefresh) { FailWith = (HttpStatusCode.BadRequest, "{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}") };
        const int followers = 7;
        endpoint.OnRequest = () => WaitQueued(followers);
        var leader = Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile));
        var started = Stopwatch.StartNew();
        while (endpoint.Calls == 0 && !leader.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(2);
        }
        var rest = Enumerable.Range(0, followers).Select(_ => Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile))).ToArray();
        var all = rest.Prepend(leader).ToArray();
        await Task.WhenAny(Task.WhenAll(all), Task.Delay(TimeSpan.FromSeconds(60)));

        Assert.All(all, t => Assert.True(t.IsFaulted));
        var errors = all.Select(t => Assert.IsType<MoltbotException>(t.Exception!.InnerException)).ToArray();
        Assert.All(errors, e =>
        {
            Assert.Equal(RefreshErrorIds.RefreshFailed, e.ErrorId);
            Assert.Equal(MoltbotErrorKind.AuthenticationError, e.Kind);
            Assert.Equal("invalid_grant", e.Data[TokenEndpointClient.ProviderErrorKey]);
            Assert.Contains("Connect-MoltbotProvider", e.RecommendedAction);
            Assert.DoesNotContain(OldRefresh, e.Message);
        });
        Assert.Equal(followers + 1, errors.Distinct().Count()); // one exception object per caller
        Assert.Equal(1, endpoint.Calls); // the dead refresh token was presented once, not once per caller
        Assert.Equal(before, File.ReadAllBytes(store));

        // A caller that comes after the failure is not given it: it presents the token again itself.
        endpoint.OnRequest = null;
        Throws.Moltbot(RefreshErrorIds.RefreshFailed, MoltbotErrorKind.AuthenticationError,
            () => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile));
        Assert.Equal(2, endpoint.Calls);
    }

    [Fact]
    public async Task A_queued_caller_that_is_stopped_stops_alone_and_the_leader_and_the_others_get_the_token()
    {
        _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        using var release = new ManualResetEventSlim();
        endpoint.OnRequest = () => release.Wait(TimeSpan.FromSeconds(30));
        var leader = Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile));
        var started = Stopwatch.StartNew();
        while (endpoint.Calls == 0 && !leader.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(2);
        }
        using var stop = new CancellationTokenSource();
        var stopped = Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile, cancellationToken: stop.Token));
        var others = Enumerable.Range(0, 2).Select(_ => Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile))).ToArray();
        WaitQueued(3);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(leader.IsCompleted);
        release.Set();
        var results = await Task.WhenAll(others.Prepend(leader)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, endpoint.Calls);
        Assert.True(results[0].Refreshed);
        Assert.Single(results.Select(r => r.Token).Distinct());
        Assert.All(results.Skip(1), r => Assert.True(r.SharedInProcess));
    }

    [Fact]
    public async Task A_leader_stopped_before_its_request_was_sent_shares_nothing_and_the_queued_caller_refreshes_itself()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        using var stop = new CancellationTokenSource();
        var first = 1;
        endpoint.BeforeSend = async ct =>
        {
            if (Interlocked.Exchange(ref first, 0) == 1)
            {
                WaitQueued(1);
                stop.Cancel();
                await Task.Delay(Timeout.Infinite, ct);
            }
        };
        var leader = Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile, cancellationToken: stop.Token));
        var started = Stopwatch.StartNew();
        while (Volatile.Read(ref first) == 1 && started.Elapsed < TimeSpan.FromSeconds(30) && !File.Exists(store + ".lock") && !leader.IsCompleted)
        {
            Thread.Sleep(2);
        }
        var follower = Task.Run(() => NewRefresher(endpoint).GetAccessToken(_fx.NewState().GetAgent("main"), Profile));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leader.WaitAsync(TimeSpan.FromSeconds(30)));
        var result = await follower.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Refreshed);
        Assert.False(result.SharedInProcess);
        Assert.NotNull(result.RefreshLockAcquiredUtc);
        Assert.Equal(1, endpoint.Calls);
        Assert.Equal(new[] { OldRefresh }, endpoint.Presented);
    }

    [Fact]
    public void An_outcome_is_shared_only_with_callers_that_queued_while_it_was_made_for_the_same_store_profile_and_refresh_token()
    {
        var gate = new RefreshGate();
        var profile = new StoredProfile(Profile, (JsonObject)JsonNode.Parse("{\"type\":\"oauth\",\"provider\":\"openai-codex\",\"access\":\"a\",\"refresh\":\"r2\"}")!);
        var before = Stopwatch.GetTimestamp();
        gate.Publish("/s/auth-profiles.json", Profile, "r1", profile, null);
        var after = Stopwatch.GetTimestamp();

        Assert.Same(profile, gate.Shared(before, "/s/auth-profiles.json", Profile, "r1")!.Result);
        Assert.Null(gate.Shared(after, "/s/auth-profiles.json", Profile, "r1")); // queued after it finished
        Assert.Null(gate.Shared(before, "/t/auth-profiles.json", Profile, "r1")); // another agent's store
        Assert.Null(gate.Shared(before, "/s/auth-profiles.json", "openai-codex:other", "r1"));
        Assert.Null(gate.Shared(before, "/s/auth-profiles.json", Profile, "r0")); // read another credential

        // Once nobody is queued, the outcome (a credential) is dropped.
        Assert.Null(gate.Enter(CancellationToken.None));
        gate.Exit();
        Assert.Null(gate.Shared(before, "/s/auth-profiles.json", Profile, "r1"));
    }
}
