using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.Locking;
using Moltbot.Core.OAuth;
using Moltbot.Core.Refresh;
using Moltbot.Core.Store;
using Moltbot.Core.Tests.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.Refresh;

/// <summary>
/// A token endpoint with rotation and reuse detection, like oidc-provider: each refresh token works once; presenting a
/// used one answers 400 invalid_grant and revokes the grant. Counts calls thread-safely.
/// </summary>
internal sealed class RotatingEndpoint : HttpMessageHandler
{
    private readonly object _gate = new();
    private int _calls;
    private int _serial;

    public RotatingEndpoint(string validRefresh, string accountId = "acct-new") => (Valid, AccountId) = (validRefresh, accountId);

    public string? Valid { get; private set; }

    public string AccountId { get; }

    public int Calls => Volatile.Read(ref _calls);

    public bool Revoked { get; private set; }

    public List<string> Issued { get; } = new();

    public List<string> Bodies { get; } = new();

    /// <summary>Runs inside the request before it is answered (to play a peer, or to look at the lock files).</summary>
    public Action? OnRequest { get; set; }

    /// <summary>When set, the next answer is this (status, body) instead of a real rotation.</summary>
    public (HttpStatusCode Status, string Body)? FailWith { get; set; }

    /// <summary>Runs before the request body is read, as a connect would (the request has not been sent yet).</summary>
    public Func<CancellationToken, Task>? BeforeSend { get; set; }

    /// <summary>
    /// Runs after the token was rotated and before the answer reaches the client, with the client's token: a client that
    /// aborts then (as a socket read does when its token is cancelled) loses the answer.
    /// </summary>
    public Action<CancellationToken>? BeforeAnswer { get; set; }

    /// <summary>Every refresh token presented, in order.</summary>
    public List<string> Presented { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (BeforeSend is { } beforeSend)
        {
            await beforeSend(cancellationToken);
        }
        var body = await request.Content!.ReadAsStringAsync(cancellationToken);
        Interlocked.Increment(ref _calls);
        OnRequest?.Invoke();
        var answer = Answer(body);
        BeforeAnswer?.Invoke(cancellationToken);
        return answer;
    }

    private HttpResponseMessage Answer(string body)
    {
        lock (_gate)
        {
            Bodies.Add(body);
            if (FailWith is { } fail)
            {
                return FakeTokenEndpoint.Json(fail.Status, fail.Body);
            }
            var form = RedirectPaste.ParseQuery(body);
            var presented = form["refresh_token"];
            Presented.Add(presented);
            if (Revoked || presented != Valid)
            {
                Revoked = true;
                Valid = null;
                return FakeTokenEndpoint.Json(HttpStatusCode.BadRequest, "{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}");
            }
            _serial++;
            var access = OAuthTest.CodexAccessToken(AccountId, "new@example.com").Replace("c2lnbmF0dXJl", "sig" + _serial);
            var refresh = $"rt_NEW_{_serial}_{Guid.NewGuid():N}";
            Valid = refresh;
            Issued.Add(access);
            return FakeTokenEndpoint.Json(HttpStatusCode.OK,
                $"{{\"access_token\":\"{access}\",\"refresh_token\":\"{refresh}\",\"expires_in\":3600,\"token_type\":\"Bearer\",\"scope\":\"openid profile email\"}}");
        }
    }
}

public sealed class TokenRefresherTests : IDisposable
{
    private const string Profile = "openai-codex:default";
    private const string OldAccess = "OLDACCESS.eyJzdWIiOiJ0ZXN0ZXIifQ.SECRETSIG";
    private const string OldRefresh = "rt_OLD_SECRET_REFRESH_0001";
    private readonly StateFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string StoreJson(long expires, string refresh = OldRefresh, string access = OldAccess, string provider = "openai-codex", string extra = "") =>
        "{\n  \"version\": 1,\n  \"profiles\": {\n    \"" + Profile + "\": {\n      \"type\": \"oauth\",\n      \"provider\": \"" + provider + "\",\n" +
        "      \"access\": \"" + access + "\",\n      \"refresh\": \"" + refresh + "\",\n      \"expires\": " + expires + ",\n" +
        "      \"accountId\": \"acct-old\",\n      \"email\": \"me@example.com\",\n      \"projectId\": \"proj-7\",\n" +
        "      \"custom\": {\n        \"keep\": true\n      }" + extra + "\n    }\n  }\n}\n";

    private (TokenRefresher Refresher, MoltbotState State) Create(RotatingEndpoint endpoint, TokenRefreshOptions? options = null)
    {
        var state = _fx.NewState();
        var client = new TokenEndpointClient(new HttpClient(endpoint));
        options ??= new TokenRefreshOptions { StoreLockOptions = StateFixture.Locks, RefreshLockOptions = StateFixture.Locks with { StaleAfter = TimeSpan.FromSeconds(180) } };
        // The external CLIs are read from the fixture's home, never the real one.
        return (new TokenRefresher(state, client, options) { ExternalReader = new ExternalCredentialReader(_fx.Environment, useDefaultKeychain: false) }, state);
    }

    [Fact]
    public void A_usable_credential_is_returned_without_lock_or_network_call()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs + 3_600_000));
        var before = File.ReadAllBytes(store);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.Equal(OldAccess, result.Token);
        Assert.Equal(AccessTokenSource.Store, result.Source);
        Assert.False(result.Refreshed);
        Assert.Equal("acct-old", result.AccountId);
        Assert.Equal(0, endpoint.Calls);
        Assert.Null(result.RefreshLockAcquiredUtc);
        Assert.False(Directory.Exists(Path.Combine(_fx.StateDir, "locks")));
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.DoesNotContain(OldAccess, result.ToString());
    }

    [Fact]
    public void A_credential_inside_the_margin_is_refreshed_and_the_new_fields_are_merged_over_the_old_ones()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs + 30_000)); // inside the 60 s margin
        var endpoint = new RotatingEndpoint(OldRefresh, "acct-new");
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.True(result.Refreshed);
        Assert.Equal(1, endpoint.Calls);
        var entry = Json.ParseFile(store)["profiles"]![Profile]!.AsObject();
        // {...old, ...new, type:"oauth"}: keys stay where they were, unknown fields survive.
        Assert.Equal(new[] { "type", "provider", "access", "refresh", "expires", "accountId", "email", "projectId", "custom" }, Json.Keys(entry));
        Assert.Equal(endpoint.Issued.Single(), entry["access"]!.GetValue<string>());
        Assert.Equal(endpoint.Valid, entry["refresh"]!.GetValue<string>());
        Assert.Equal("acct-new", entry["accountId"]!.GetValue<string>()); // from the new access token's claim
        Assert.Equal("me@example.com", entry["email"]!.GetValue<string>()); // the stored email is kept
        Assert.Equal("proj-7", entry["projectId"]!.GetValue<string>());
        Assert.True(entry["custom"]!["keep"]!.GetValue<bool>());
        Assert.InRange(entry["expires"]!.GetValue<long>(), NowMs + 3_590_000, NowMs + 3_600_000);
        Assert.Equal(result.Token, entry["access"]!.GetValue<string>());
        Assert.Equal("acct-new", result.AccountId);

        var form = RedirectPaste.ParseQuery(endpoint.Bodies.Single());
        Assert.Equal("refresh_token", form["grant_type"]);
        Assert.Equal(OldRefresh, form["refresh_token"]);
        Assert.Equal(OpenAICodexProvider.DefaultClientId, form["client_id"]);
        Assert.False(form.ContainsKey("scope"));
        Assert.False(form.ContainsKey("client_secret"));

        // Both locks released.
        Assert.False(File.Exists(store + ".lock"));
        Assert.False(File.Exists(TokenRefresher.RefreshLockTarget(_fx.StateDir, "openai-codex", Profile) + ".lock"));
    }

    [Fact]
    public void The_refresh_lock_is_named_like_openclaw_2026_5_sha256_of_provider_nul_profile()
    {
        var expected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("openai-codex\0openai-codex:me@x.com"))).ToLowerInvariant();
        var target = TokenRefresher.RefreshLockTarget("/state", "openai-codex", "openai-codex:me@x.com");
        Assert.Equal(Path.Combine("/state", "locks", "oauth-refresh", "sha256-" + expected), target);
        Assert.Equal(64 + 7, Path.GetFileName(target).Length);
    }

    [Fact]
    public void When_a_peer_refreshed_while_we_waited_for_the_locks_its_credential_is_used_with_zero_http_calls()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        // The peer writes its fresh credential between our unlocked read and our locked re-read.
        refresher.Trace = step =>
        {
            if (step == "refresh-lock")
            {
                File.WriteAllText(store, StoreJson(NowMs + 3_600_000, "rt_PEER_ROTATED", "PEERACCESS.x.y"));
            }
        };

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.Equal(0, endpoint.Calls);
        Assert.Equal("PEERACCESS.x.y", result.Token);
        Assert.Equal(AccessTokenSource.Peer, result.Source);
        Assert.False(result.Refreshed);
    }

    [Fact]
    public void A_peer_that_rotated_the_refresh_token_is_trusted_even_when_its_access_token_is_inside_the_margin()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        refresher.Trace = step =>
        {
            if (step == "refresh-lock")
            {
                // A short-lived token (as with --access-ttl 2): not usable by the 60 s margin, but fresh and rotated.
                File.WriteAllText(store, StoreJson(NowMs + 20_000, "rt_PEER_ROTATED", "PEERACCESS.short.lived"));
            }
        };

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.Equal(0, endpoint.Calls);
        Assert.Equal("PEERACCESS.short.lived", result.Token);
    }

    [Theory]
    [InlineData(400, "{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}", "invalid_grant")]
    [InlineData(401, "{\"error\":{\"message\":\"Your refresh token has already been used to generate a new access token. rt_OLD_SECRET_REFRESH_0001\",\"type\":\"invalid_request_error\",\"code\":\"refresh_token_reused\"}}", "refresh_token_reused")]
    [InlineData(500, "{\"error\":\"server_error\"}", "server_error")]
    public void A_failed_refresh_keeps_the_stored_profile_byte_identical_and_names_the_providers_code(int status, string body, string code)
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var before = File.ReadAllBytes(store);
        var endpoint = new RotatingEndpoint(OldRefresh) { FailWith = ((HttpStatusCode)status, body) };
        var (refresher, state) = Create(endpoint);

        var ex = Throws.Moltbot(RefreshErrorIds.RefreshFailed, MoltbotErrorKind.AuthenticationError,
            () => refresher.GetAccessToken(state.GetAgent("main"), Profile));

        Assert.Equal(1, endpoint.Calls);
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.Contains(code, ex.Message);
        Assert.Equal(code, ex.Data[TokenEndpointClient.ProviderErrorKey]);
        Assert.Contains("Connect-MoltbotProvider", ex.RecommendedAction);
        Assert.Contains("kept unchanged", ex.Message);
        foreach (var secret in new[] { OldAccess, OldRefresh, "SECRET" })
        {
            Assert.DoesNotContain(secret, ex.Message);
            Assert.DoesNotContain(secret, ex.RecommendedAction);
            Assert.DoesNotContain(secret, ex.InnerException?.Message ?? string.Empty);
        }
        Assert.False(File.Exists(store + ".lock"));
    }

    [Fact]
    public void A_failed_refresh_uses_the_credential_of_a_peer_that_won_meanwhile()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh) { FailWith = (HttpStatusCode.Unauthorized, "{\"error\":{\"code\":\"refresh_token_reused\"}}") };
        // A peer that ignores our locks (openclaw's unlocked upsert) writes while our request is in flight.
        endpoint.OnRequest = () => File.WriteAllText(store, StoreJson(NowMs + 3_600_000, "rt_PEER_WON", "PEERACCESS.won.it"));
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.Equal("PEERACCESS.won.it", result.Token);
        Assert.Equal(AccessTokenSource.Peer, result.Source);
    }

    [Fact]
    public void The_refresh_lock_is_taken_before_the_store_lock_and_both_are_held_during_the_request()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var steps = new List<string>();
        refresher.Trace = steps.Add;
        var refreshLock = TokenRefresher.RefreshLockTarget(_fx.StateDir, "openai-codex", Profile) + ".lock";
        var seen = new List<string>();
        endpoint.OnRequest = () =>
        {
            seen.Add(File.Exists(refreshLock) ? "refresh-lock held" : "refresh-lock free");
            seen.Add(File.Exists(FileLock.LockPathFor(store)) ? "store-lock held" : "store-lock free");
        };

        refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.Equal(new[] { "refresh-lock", "store-lock", "network" }, steps);
        Assert.Equal(new[] { "refresh-lock held", "store-lock held" }, seen);
    }

    [Fact]
    public async Task While_another_process_holds_the_store_lock_the_refresher_already_holds_the_refresh_lock_and_waits()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var refreshLock = TokenRefresher.RefreshLockTarget(_fx.StateDir, "openai-codex", Profile) + ".lock";
        var agent = state.GetAgent("main");
        Task<AccessTokenResult> call;
        using (FileLock.Acquire(store, StateFixture.Locks))
        {
            call = Task.Run(() => refresher.GetAccessToken(agent, Profile));
            Assert.True(Files.WaitUntil(() => File.Exists(refreshLock), TimeSpan.FromSeconds(10)));
            Thread.Sleep(150);
            Assert.False(call.IsCompleted);
            Assert.Equal(0, endpoint.Calls);
        }
        var result = await call.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.Refreshed);
        Assert.Equal(1, endpoint.Calls);
    }

    [Fact]
    public void The_new_credential_goes_to_every_other_agent_holding_the_old_refresh_token_and_to_no_other()
    {
        var expired = NowMs - 1000;
        var main = _fx.WriteStore("main", StoreJson(expired));
        var a = _fx.WriteStore("a", StoreJson(expired, extra: ",\n      \"displayName\": \"copy a\""));
        var b = _fx.WriteStore("b", StoreJson(expired));
        var other = _fx.WriteStore("c", StoreJson(expired, refresh: "rt_SOMETHING_ELSE"));      // another login
        var otherProvider = _fx.WriteStore("d", StoreJson(expired, provider: "anthropic"));     // same token text, other provider
        var otherBefore = File.ReadAllBytes(other);
        var otherProviderBefore = File.ReadAllBytes(otherProvider);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.Equal(1, endpoint.Calls);
        Assert.Equal(new[] { "a", "b" }, result.PropagatedTo.OrderBy(x => x));
        Assert.Empty(result.Warnings);
        foreach (var path in new[] { main, a, b })
        {
            var entry = Json.ParseFile(path)["profiles"]![Profile]!;
            Assert.Equal(endpoint.Valid, entry["refresh"]!.GetValue<string>());
            Assert.Equal(result.Token, entry["access"]!.GetValue<string>());
        }
        Assert.Equal("copy a", Json.ParseFile(a)["profiles"]![Profile]!["displayName"]!.GetValue<string>());
        Assert.Equal(otherBefore, File.ReadAllBytes(other));
        Assert.Equal(otherProviderBefore, File.ReadAllBytes(otherProvider));

        // Agent a's copy is now usable: no second refresh.
        var fromA = refresher.GetAccessToken(state.GetAgent("a"), Profile);
        Assert.Equal(AccessTokenSource.Store, fromA.Source);
        Assert.Equal(1, endpoint.Calls);
        Assert.False(endpoint.Revoked);
    }

    [Fact]
    public async Task Concurrent_callers_in_one_process_cause_exactly_one_refresh_and_all_get_the_same_token()
    {
        _fx.WriteStore("main", StoreJson(NowMs - 1000));
        _fx.WriteStore("a", StoreJson(NowMs - 1000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (_, state) = Create(endpoint);
        var client = new TokenEndpointClient(new HttpClient(endpoint));
        var options = new TokenRefreshOptions { StoreLockOptions = StateFixture.Locks };
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 12).Select(i => Task.Run(() =>
        {
            // Separate refreshers and state objects, as separate cmdlet invocations (runspaces) have.
            var refresher = new TokenRefresher(_fx.NewState(), client, options);
            start.Wait();
            return refresher.GetAccessToken(_fx.NewState().GetAgent(i % 2 == 0 ? "main" : "a"), Profile).Token;
        })).ToArray();
        start.Set();
        var tokens = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, endpoint.Calls);
        Assert.False(endpoint.Revoked);
        Assert.Single(tokens.Distinct());
    }

    [Fact]
    public void A_forced_refresh_refreshes_a_usable_credential_with_the_current_refresh_token()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs + 3_600_000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var first = refresher.GetAccessToken(state.GetAgent("main"), Profile, force: true);
        var second = refresher.GetAccessToken(state.GetAgent("main"), Profile, force: true);

        Assert.True(first.Refreshed);
        Assert.True(second.Refreshed);
        Assert.Equal(2, endpoint.Calls);
        Assert.False(endpoint.Revoked);
        Assert.Equal(endpoint.Valid, Json.ParseFile(store)["profiles"]![Profile]!["refresh"]!.GetValue<string>());
    }

    [Fact]
    public void Static_credentials_are_returned_as_they_are_and_never_refreshed()
    {
        _fx.WriteStore("main", "{\"version\":1,\"profiles\":{" +
            "\"anthropic:tok\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"sk-ant-oat01-STATIC\"}," +
            "\"anthropic:old\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"sk-ant-oat01-EXPIRED\",\"expires\":1000}," +
            "\"openai:key\":{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"sk-KEY\"}," +
            "\"google:o\":{\"type\":\"oauth\",\"provider\":\"google\",\"access\":\"ya29.OLD\",\"refresh\":\"1//R\",\"expires\":1000}}}");
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var agent = state.GetAgent("main");

        var token = refresher.GetAccessToken(agent, "anthropic:tok");
        Assert.Equal("sk-ant-oat01-STATIC", token.Token);
        Assert.Equal(CredentialType.Token, token.Type);
        Assert.Null(token.Expires);
        Assert.Equal("sk-KEY", refresher.GetAccessToken(agent, "openai:key").Token);

        var expired = Throws.Moltbot(RefreshErrorIds.TokenExpired, MoltbotErrorKind.AuthenticationError, () => refresher.GetAccessToken(agent, "anthropic:old"));
        Assert.DoesNotContain("EXPIRED", expired.Message);
        Throws.Moltbot(RefreshErrorIds.ProfileNotRefreshable, MoltbotErrorKind.InvalidArgument, () => refresher.GetAccessToken(agent, "openai:key", force: true));
        Throws.Moltbot(RefreshErrorIds.ProfileNotRefreshable, MoltbotErrorKind.InvalidArgument, () => refresher.GetAccessToken(agent, "anthropic:tok", force: true));
        var google = Throws.Moltbot(RefreshErrorIds.RefreshNotSupported, MoltbotErrorKind.NotImplemented, () => refresher.GetAccessToken(agent, "google:o"));
        Assert.Contains("google", google.Message);
        Throws.Moltbot(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound, () => refresher.GetAccessToken(agent, "openai-codex:nope"));
        Assert.Equal(0, endpoint.Calls);
    }

    [Fact]
    public void A_dead_holders_store_lock_is_recovered()
    {
        var store = _fx.WriteStore("main", StoreJson(NowMs - 1000));
        using (var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            p.WaitForExit();
            File.WriteAllText(FileLock.LockPathFor(store), $"{{\n  \"pid\": {p.Id},\n  \"createdAt\": \"{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"\n}}");
            // OpenClaw's lock names no pid namespace: its dead-looking pid may live in a container, so only an mtime
            // older than the stale period lets the next writer in (issue 12, finding 1).
            File.SetLastWriteTimeUtc(FileLock.LockPathFor(store), DateTime.UtcNow.AddSeconds(-40));
        }
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Profile);

        Assert.True(result.Refreshed);
        Assert.False(File.Exists(FileLock.LockPathFor(store)));
    }
}

public class CodexRefreshRequestTests
{
    [Fact]
    public async Task OpenAIs_401_refresh_token_reused_object_is_read_as_the_error_code_and_the_token_is_redacted()
    {
        const string refresh = "rt_VERY_SECRET_TOKEN_42";
        var endpoint = new FakeTokenEndpoint((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.Unauthorized,
            "{\"error\":{\"message\":\"Refresh token rt_VERY_SECRET_TOKEN_42 has already been used\",\"type\":\"invalid_request_error\",\"code\":\"refresh_token_reused\"}}"));
        var client = new TokenEndpointClient(new HttpClient(endpoint));

        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.RefreshAsync(refresh, CancellationToken.None));

        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.Equal("refresh_token_reused", ex.Data[TokenEndpointClient.ProviderErrorKey]);
        Assert.Equal(401, ex.Data[TokenEndpointClient.HttpStatusKey]);
        Assert.Contains("refresh_token_reused", ex.Message);
        Assert.DoesNotContain(refresh, ex.Message);
        var (request, body) = Assert.Single(endpoint.Requests);
        var form = RedirectPaste.ParseQuery(body);
        Assert.Equal(new[] { "client_id", "grant_type", "refresh_token" }, form.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public async Task A_400_with_an_error_object_is_an_error_too()
    {
        var endpoint = new FakeTokenEndpoint((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.BadRequest,
            "{\"error\":{\"message\":\"invalidated\",\"code\":\"refresh_token_invalidated\"}}"));
        var client = new TokenEndpointClient(new HttpClient(endpoint));

        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.RefreshAsync("rt_X_1234", CancellationToken.None));

        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.Equal("refresh_token_invalidated", ex.Data[TokenEndpointClient.ProviderErrorKey]);
    }

    [Fact]
    public async Task The_refresh_timeout_is_reported_as_unreachable()
    {
        var slow = new DelayingHandler(TimeSpan.FromSeconds(5));
        var client = new TokenEndpointClient(new HttpClient(slow));

        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.RefreshAsync("rt_X_1234", CancellationToken.None, TimeSpan.FromMilliseconds(200)));

        Assert.Equal(OAuthErrorIds.TokenEndpointUnreachable, ex.ErrorId);
        Assert.Contains("did not answer", ex.Message);
    }

    private sealed class DelayingHandler : HttpMessageHandler
    {
        private readonly TimeSpan _delay;

        public DelayingHandler(TimeSpan delay) => _delay = delay;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(_delay, cancellationToken);
            return FakeTokenEndpoint.Json(HttpStatusCode.OK, "{}");
        }
    }
}
