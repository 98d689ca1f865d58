using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Refresh;
using Moltbot.Core.State;
using Moltbot.Core.Tests.OAuth;
using Moltbot.Core.Tests.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.Refresh;

/// <summary>
/// The refresher's rules for a forced refresh (the peer rule inside the locks, a rejected access token) and for a
/// refresh chain an external CLI also holds (adopt its fresher copy, warn before the request, or refuse), against the
/// rotating endpoint with reuse detection and a Codex CLI <c>auth.json</c> in the fixture's home.
/// </summary>
public sealed class SharedChainRefreshTests : IDisposable
{
    private const string Mirror = "openai-codex:codex-cli";
    private const string Default = "openai-codex:default";
    private const string OldAccess = "OLDACCESS.eyJzdWIiOiJ0ZXN0ZXIifQ.SECRETSIG";
    private const string OldRefresh = "rt_OLD_SECRET_REFRESH_0001";
    private readonly StateFixture _fx = new();
    private readonly ITestOutputHelper _out;
    private int _codexHomeLookups;

    public SharedChainRefreshTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _fx.Dispose();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string StoreJson(string profile, long expires, string refresh = OldRefresh, string access = OldAccess, string provider = "openai-codex") =>
        "{\"version\":1,\"profiles\":{\"" + profile + "\":{\"type\":\"oauth\",\"provider\":\"" + provider + "\",\"access\":\"" + access +
        "\",\"refresh\":\"" + refresh + "\",\"expires\":" + expires + ",\"accountId\":\"acct-old\",\"email\":\"me@example.com\"}}}";

    private string AuthJsonPath => Path.Combine(_fx.Home, ".codex", "auth.json");

    /// <summary>An access token as Codex holds one: a JWT whose exp says when it expires.</summary>
    private static string CliAccess(long expiresMs, string accountId = "acct-old", string marker = "CLI") =>
        OAuthTest.Jwt(new JsonObject
        {
            ["sub"] = "tester",
            ["exp"] = expiresMs / 1000,
            ["marker"] = marker,
            [JwtClaims.AuthClaim] = new JsonObject { ["chatgpt_account_id"] = accountId, ["chatgpt_plan_type"] = "plus" },
            [JwtClaims.ProfileClaim] = new JsonObject { ["email"] = "me@example.com" },
        });

    /// <summary>Writes <c>$HOME/.codex/auth.json</c> as Codex CLI does (0600 in a 0700 folder).</summary>
    private string WriteAuthJson(string access, string refresh, string accountId = "acct-old")
    {
        var doc = new JsonObject
        {
            ["OPENAI_API_KEY"] = null,
            ["tokens"] = new JsonObject { ["id_token"] = CliAccess(NowMs + 3_600_000, accountId, "ID"), ["access_token"] = access, ["refresh_token"] = refresh, ["account_id"] = accountId },
            ["last_refresh"] = "2026-11-01T00:00:00.000000Z",
        };
        return _fx.Tmp.File(Path.Combine("home", ".codex", "auth.json"), doc.ToJsonString());
    }

    private (TokenRefresher Refresher, MoltbotState State) Create(RotatingEndpoint endpoint)
    {
        var state = _fx.NewState();
        var client = new TokenEndpointClient(new HttpClient(endpoint));
        var options = new TokenRefreshOptions { StoreLockOptions = StateFixture.Locks, RefreshLockOptions = StateFixture.Locks with { StaleAfter = TimeSpan.FromSeconds(180) } };
        // The fixture's home, with a count of the CODEX_HOME look-ups (each read of the Codex CLI makes one).
        var env = new MoltbotEnvironment(name =>
        {
            if (name == "CODEX_HOME")
            {
                Interlocked.Increment(ref _codexHomeLookups);
            }
            return _fx.Environment.Get(name);
        }, () => _fx.Home);
        return (new TokenRefresher(state, client, options) { ExternalReader = new ExternalCredentialReader(env, useDefaultKeychain: false) }, state);
    }

    private static JsonNode Entry(string store, string profile) => Json.ParseFile(store)["profiles"]![profile]!;

    // --- a forced refresh never burns a peer's fresh token ---

    [Theory]
    [InlineData("refresh-lock")] // the peer wrote before we took the refresh lock
    [InlineData("store-lock")]   // ... or while we waited for the store lock
    public void A_forced_refresh_uses_the_credential_a_peer_wrote_after_it_was_read_and_presents_nothing(string step)
    {
        var store = _fx.WriteStore("main", StoreJson(Default, NowMs + 3_600_000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        refresher.Trace = s =>
        {
            if (s == step)
            {
                File.WriteAllText(store, StoreJson(Default, NowMs + 3_600_000, "rt_PEER_ROTATED", "PEERACCESS.x.y"));
            }
        };

        var result = refresher.GetAccessToken(state.GetAgent("main"), Default, force: true);

        _out.WriteLine($"forced refresh, peer wrote at '{step}': {endpoint.Calls} request(s), source {result.Source}");
        Assert.Equal(0, endpoint.Calls);
        Assert.Equal(AccessTokenSource.Peer, result.Source);
        Assert.Equal("PEERACCESS.x.y", result.Token);
        Assert.Equal("rt_PEER_ROTATED", Entry(store, Default)["refresh"]!.GetValue<string>());
    }

    [Fact]
    public void A_forced_refresh_whose_peer_credential_has_expired_refreshes_with_the_current_token()
    {
        var store = _fx.WriteStore("main", StoreJson(Default, NowMs + 3_600_000));
        var endpoint = new RotatingEndpoint("rt_PEER_ROTATED");
        var (refresher, state) = Create(endpoint);
        refresher.Trace = s =>
        {
            if (s == "refresh-lock")
            {
                File.WriteAllText(store, StoreJson(Default, NowMs - 1000, "rt_PEER_ROTATED", "PEERACCESS.expired"));
            }
        };

        var result = refresher.GetAccessToken(state.GetAgent("main"), Default, force: true);

        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Equal(new[] { "rt_PEER_ROTATED" }, endpoint.Presented);
        Assert.False(endpoint.Revoked);
    }

    [Fact]
    public void A_rejected_access_token_that_is_still_stored_forces_the_refresh()
    {
        var store = _fx.WriteStore("main", StoreJson(Default, NowMs + 3_600_000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Default, new AccessTokenRequest { RejectedAccessToken = OldAccess });

        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Equal(1, endpoint.Calls);
        Assert.NotEqual(OldAccess, result.Token);
        Assert.Equal(endpoint.Valid, Entry(store, Default)["refresh"]!.GetValue<string>());
    }

    [Fact]
    public void A_rejected_access_token_that_was_replaced_already_returns_the_stored_one_without_lock_or_request()
    {
        var store = _fx.WriteStore("main", StoreJson(Default, NowMs + 3_600_000, "rt_PEER_ROTATED", "PEERACCESS.new.one"));
        var before = File.ReadAllBytes(store);
        var endpoint = new RotatingEndpoint("rt_PEER_ROTATED");
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Default, new AccessTokenRequest { RejectedAccessToken = OldAccess });

        Assert.Equal(AccessTokenSource.Store, result.Source);
        Assert.Equal("PEERACCESS.new.one", result.Token);
        Assert.Equal(0, endpoint.Calls);
        Assert.Null(result.RefreshLockAcquiredUtc);
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.Equal(0, _codexHomeLookups);
    }

    [Fact]
    public void A_rejected_access_token_replaced_by_a_peer_while_waiting_for_the_locks_is_not_refreshed_again()
    {
        var store = _fx.WriteStore("main", StoreJson(Default, NowMs + 3_600_000));
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        refresher.Trace = s =>
        {
            if (s == "store-lock")
            {
                // The peer keeps the refresh token (a provider that does not rotate) but has a new access token.
                File.WriteAllText(store, StoreJson(Default, NowMs + 3_600_000, OldRefresh, "PEERACCESS.same.refresh"));
            }
        };

        var result = refresher.GetAccessToken(state.GetAgent("main"), Default, new AccessTokenRequest { RejectedAccessToken = OldAccess });

        Assert.Equal(AccessTokenSource.Peer, result.Source);
        Assert.Equal("PEERACCESS.same.refresh", result.Token);
        Assert.Equal(0, endpoint.Calls);
    }

    [Fact]
    public void A_rejected_static_token_cannot_be_refreshed_and_the_request_never_prints_the_token()
    {
        _fx.WriteStore("main", "{\"version\":1,\"profiles\":{\"anthropic:tok\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"sk-ant-oat01-STATIC\"}}}");
        var (refresher, state) = Create(new RotatingEndpoint(OldRefresh));
        var request = new AccessTokenRequest { RejectedAccessToken = "sk-ant-oat01-STATIC" };

        Throws.Moltbot(RefreshErrorIds.ProfileNotRefreshable, MoltbotErrorKind.InvalidArgument, () => refresher.GetAccessToken(state.GetAgent("main"), "anthropic:tok", request));
        Assert.Equal("sk-ant-oat01-STATIC", refresher.GetAccessToken(state.GetAgent("main"), "anthropic:tok", new AccessTokenRequest { RejectedAccessToken = "another" }).Token);
        Assert.DoesNotContain("STATIC", request.ToString());
    }

    // --- a refresh chain an external CLI also holds ---

    [Fact]
    public void The_external_CLIs_are_not_read_on_the_fast_path()
    {
        _fx.WriteStore("main", StoreJson(Mirror, NowMs + 3_600_000));
        WriteAuthJson(CliAccess(NowMs + 7_200_000), OldRefresh);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Mirror);

        Assert.Equal(AccessTokenSource.Store, result.Source);
        Assert.Equal(0, _codexHomeLookups);
        Assert.Equal(0, endpoint.Calls);
    }

    [Fact]
    public void A_mirror_whose_CLI_refreshed_adopts_the_CLIs_fresher_credential_without_a_request()
    {
        var store = _fx.WriteStore("main", StoreJson(Mirror, NowMs - 1000));
        var copy = _fx.WriteStore("b", StoreJson(Mirror, NowMs - 1000)); // an agent copy of the same dead token
        var cliAccess = CliAccess(NowMs + 3_600_000);
        var auth = WriteAuthJson(cliAccess, "rt_CLI_ROTATED");
        var authBefore = File.ReadAllBytes(auth);
        // The provider rotated OldRefresh for the CLI: presenting it now would be reuse.
        var endpoint = new RotatingEndpoint("rt_CLI_ROTATED");
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Mirror);

        _out.WriteLine($"mirror adopts the CLI's copy: {endpoint.Calls} request(s), source {result.Source}, from {result.AdoptedFrom}, propagated to {string.Join(",", result.PropagatedTo)}");
        Assert.Equal(0, endpoint.Calls);
        Assert.False(endpoint.Revoked);
        Assert.Equal(AccessTokenSource.Peer, result.Source);
        Assert.Equal(cliAccess, result.Token);
        Assert.Contains("Codex CLI", result.AdoptedFrom);
        Assert.Contains(auth, result.AdoptedFrom);
        Assert.Empty(result.Warnings);
        foreach (var path in new[] { store, copy })
        {
            Assert.Equal("rt_CLI_ROTATED", Entry(path, Mirror)["refresh"]!.GetValue<string>());
            Assert.Equal(cliAccess, Entry(path, Mirror)["access"]!.GetValue<string>());
        }
        Assert.Equal(new[] { "b" }, result.PropagatedTo);
        Assert.Equal("me@example.com", Entry(store, Mirror)["email"]!.GetValue<string>());
        Assert.Equal(authBefore, File.ReadAllBytes(auth)); // the CLI's file is only read
    }

    [Fact]
    public void A_mirror_whose_CLI_rotated_the_chain_within_the_same_second_adopts_it_although_the_expiries_tie()
    {
        // The mirror was imported with the CLI's expiry (the access token's exp, whole seconds); the CLI then rotated the
        // chain within that second: same expiry, another refresh token. The mirror's own token is the dead one.
        var expires = (NowMs + 3_600_000) / 1000 * 1000;
        var store = _fx.WriteStore("main", StoreJson(Mirror, expires));
        var cliAccess = CliAccess(expires);
        WriteAuthJson(cliAccess, "rt_CLI_ROTATED");
        var endpoint = new RotatingEndpoint("rt_CLI_ROTATED");
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Mirror, new AccessTokenRequest { Force = true });

        Assert.Equal(0, endpoint.Calls);
        Assert.Equal(cliAccess, result.Token);
        Assert.Contains("Codex CLI", result.AdoptedFrom);
        Assert.Equal("rt_CLI_ROTATED", Entry(store, Mirror)["refresh"]!.GetValue<string>());
    }

    [Fact]
    public void A_tie_on_expiry_with_the_same_refresh_token_is_not_an_adoption()
    {
        var expires = (NowMs + 3_600_000) / 1000 * 1000;
        _fx.WriteStore("main", StoreJson(Mirror, expires));
        WriteAuthJson(CliAccess(expires, marker: "OTHER-ACCESS"), OldRefresh);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Mirror, new AccessTokenRequest { Force = true, AllowSignOutOfExternal = true });

        Assert.Null(result.AdoptedFrom);
        Assert.Equal(new[] { OldRefresh }, endpoint.Presented);
    }

    [Fact]
    public void A_CLI_credential_of_another_account_is_not_adopted()
    {
        _fx.WriteStore("main", StoreJson(Mirror, NowMs - 1000));
        WriteAuthJson(CliAccess(NowMs + 3_600_000, "acct-someone-else"), "rt_CLI_OTHER", "acct-someone-else");
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Mirror);

        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Equal(new[] { OldRefresh }, endpoint.Presented);
        Assert.Null(result.AdoptedFrom);
        Assert.Empty(result.Warnings); // the CLI holds another token: no shared chain
    }

    [Fact]
    public void A_CLI_copy_of_the_rejected_access_token_is_not_adopted()
    {
        var rejected = CliAccess(NowMs + 3_600_000);
        _fx.WriteStore("main", StoreJson(Mirror, NowMs + 1_800_000, access: rejected));
        WriteAuthJson(rejected, "rt_CLI_ROTATED");
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Mirror, new AccessTokenRequest { RejectedAccessToken = rejected });

        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Equal(1, endpoint.Calls);
        Assert.Null(result.AdoptedFrom);
    }

    [Fact]
    public void An_expired_profile_whose_token_a_CLI_holds_is_refreshed_with_a_warning_told_on_the_calling_thread_before_the_request()
    {
        var store = _fx.WriteStore("main", StoreJson(Default, NowMs - 1000));
        var auth = WriteAuthJson(CliAccess(NowMs - 5000), OldRefresh); // the CLI's copy has expired too: nothing to adopt
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var events = new List<string>();
        var caller = Environment.CurrentManagedThreadId;
        var warnedOn = -1;
        var locksWhenWarned = string.Empty;
        var refreshLock = TokenRefresher.RefreshLockTarget(_fx.StateDir, "openai-codex", Default) + ".lock";
        endpoint.OnRequest = () => events.Add("request");
        var request = new AccessTokenRequest
        {
            Warning = text =>
            {
                warnedOn = Environment.CurrentManagedThreadId;
                // The host may turn a warning into a prompt: it is told under the refresh lock, never the store lock.
                locksWhenWarned = $"refresh lock {(File.Exists(refreshLock) ? "held" : "free")}, store lock {(File.Exists(Moltbot.Core.Locking.FileLock.LockPathFor(store)) ? "held" : "free")}";
                events.Add("warning: " + text);
            },
        };

        var result = refresher.GetAccessToken(state.GetAgent("main"), Default, request);

        _out.WriteLine($"shared chain, automatic path: {endpoint.Calls} request(s); events: {string.Join(" | ", events)}");
        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Equal(2, events.Count);
        Assert.StartsWith("warning: ", events[0]);
        Assert.Equal("request", events[1]);
        Assert.Equal(caller, warnedOn);
        Assert.Equal("refresh lock held, store lock free", locksWhenWarned);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(events[0]["warning: ".Length..], warning);
        Assert.Contains("Codex CLI", warning);
        Assert.Contains(auth, warning);
        Assert.Contains("'codex login'", warning);
        Assert.Contains("Import-MoltbotExternalCredential -Cli codex -TakeOwnership", warning);
        Assert.Contains(Default, warning);
        foreach (var secret in new[] { OldRefresh, OldAccess, "SECRET" })
        {
            Assert.DoesNotContain(secret, warning);
        }
        Assert.Equal(endpoint.Valid, Entry(store, Default)["refresh"]!.GetValue<string>());
    }

    [Fact]
    public void A_forced_refresh_of_a_usable_profile_whose_token_a_CLI_holds_is_refused_and_presents_nothing()
    {
        var store = _fx.WriteStore("main", StoreJson(Mirror, NowMs + 3_600_000));
        var before = File.ReadAllBytes(store);
        WriteAuthJson(CliAccess(NowMs + 1_800_000), OldRefresh); // the same chain, and no fresher than the mirror
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var warned = new List<string>();

        var ex = Throws.Moltbot(ExternalErrorIds.SharedRefreshToken, MoltbotErrorKind.ResourceBusy,
            () => refresher.GetAccessToken(state.GetAgent("main"), Mirror, new AccessTokenRequest { Force = true, Warning = warned.Add }));

        _out.WriteLine($"forced refresh of a shared chain without consent: {endpoint.Calls} request(s), {ex.ErrorId}");
        Assert.Equal(0, endpoint.Calls);
        Assert.Empty(warned);
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.Contains("Codex CLI", ex.Message);
        Assert.Contains("Nothing was sent", ex.Message);
        Assert.Contains("-TakeOwnership", ex.RecommendedAction);
        Assert.Contains("-Force", ex.RecommendedAction);
        Assert.DoesNotContain(OldRefresh, ex.Message + ex.RecommendedAction);
        Assert.False(File.Exists(store + ".lock"));
        Assert.False(File.Exists(TokenRefresher.RefreshLockTarget(_fx.StateDir, "openai-codex", Mirror) + ".lock"));
    }

    [Fact]
    public void A_forced_refresh_of_an_expired_profile_whose_token_a_CLI_holds_warns_and_refreshes()
    {
        _fx.WriteStore("main", StoreJson(Default, NowMs - 1000));
        WriteAuthJson(CliAccess(NowMs - 1000), OldRefresh);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Default, force: true);

        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Contains("Codex CLI", Assert.Single(result.Warnings));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void The_caller_decides_whether_a_CLI_may_be_signed_out(bool allow, bool refreshed)
    {
        _fx.WriteStore("main", StoreJson(Default, NowMs - 1000)); // expired: the default would allow it
        WriteAuthJson(CliAccess(NowMs - 1000), OldRefresh);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);
        var request = new AccessTokenRequest { Force = true, AllowSignOutOfExternal = allow };

        if (refreshed)
        {
            Assert.Single(refresher.GetAccessToken(state.GetAgent("main"), Default, request).Warnings);
            Assert.Equal(1, endpoint.Calls);
        }
        else
        {
            Throws.Moltbot(ExternalErrorIds.SharedRefreshToken, MoltbotErrorKind.ResourceBusy, () => refresher.GetAccessToken(state.GetAgent("main"), Default, request));
            Assert.Equal(0, endpoint.Calls);
        }
    }

    [Fact]
    public void A_CLI_that_holds_no_refresh_token_any_more_is_no_reason_to_warn()
    {
        _fx.WriteStore("main", StoreJson(Mirror, NowMs + 3_600_000));
        WriteAuthJson(CliAccess(NowMs + 3_600_000), ""); // handed over: -TakeOwnership emptied it
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var result = refresher.GetAccessToken(state.GetAgent("main"), Mirror, force: true);

        Assert.Equal(AccessTokenSource.Refreshed, result.Source);
        Assert.Empty(result.Warnings);
        Assert.True(_codexHomeLookups > 0, "the CLI was read before the request");
    }

    [Fact]
    public void A_provider_that_does_not_rotate_its_refresh_token_never_reads_the_CLIs()
    {
        _fx.WriteStore("main", "{\"version\":1,\"profiles\":{\"github-copilot:github\":{\"type\":\"oauth\",\"provider\":\"github-copilot\",\"access\":\"ghu_X\",\"refresh\":\"ghr_Y\",\"expires\":1000}}}");
        var (refresher, state) = Create(new RotatingEndpoint(OldRefresh));

        // Whatever the refresh itself does, the external CLIs are no part of it.
        try
        {
            refresher.GetAccessToken(state.GetAgent("main"), "github-copilot:github", force: true);
        }
        catch (MoltbotException)
        {
        }
        Assert.Equal(0, _codexHomeLookups);
    }

    [Fact]
    public void The_same_rules_hold_for_another_CLI_Qwen_Code_and_its_mirror()
    {
        const string qwen = "qwen-portal:qwen-cli";
        var store = _fx.WriteStore("main", "{\"version\":1,\"profiles\":{\"" + qwen + "\":{\"type\":\"oauth\",\"provider\":\"qwen-portal\",\"access\":\"QWEN_OLD_ACCESS\",\"refresh\":\"" + OldRefresh + "\",\"expires\":" + (NowMs + 3_600_000) + "}}}");
        void WriteQwen(string access, string refresh, long expires) =>
            _fx.Tmp.File(Path.Combine("home", ".qwen", "oauth_creds.json"),
                "{\"access_token\":\"" + access + "\",\"refresh_token\":\"" + refresh + "\",\"token_type\":\"Bearer\",\"resource_url\":\"portal.qwen.ai\",\"expiry_date\":" + expires + "}");
        WriteQwen("QWEN_CLI_ACCESS", OldRefresh, NowMs + 1_800_000);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        var ex = Throws.Moltbot(ExternalErrorIds.SharedRefreshToken, MoltbotErrorKind.ResourceBusy,
            () => refresher.GetAccessToken(state.GetAgent("main"), qwen, force: true));
        Assert.Contains("Qwen Code", ex.Message);
        Assert.Contains("-Cli qwen-code -TakeOwnership", ex.RecommendedAction);

        // Qwen Code refreshed: the mirror takes its credential.
        WriteQwen("QWEN_CLI_NEW_ACCESS", "rt_QWEN_ROTATED", NowMs + 7_200_000);
        var result = refresher.GetAccessToken(state.GetAgent("main"), qwen, force: true);

        Assert.Equal(AccessTokenSource.Peer, result.Source);
        Assert.Equal("QWEN_CLI_NEW_ACCESS", result.Token);
        Assert.Equal("rt_QWEN_ROTATED", Entry(store, qwen)["refresh"]!.GetValue<string>());
        Assert.Equal(0, endpoint.Calls);
    }

    [Fact]
    public void In_a_SQLite_era_store_a_shared_chain_is_refused_before_the_request_too()
    {
        const string profile = "openai:codex-cli"; // the Codex mirror's id from 2026.6.1
        var dir = SqliteFixtures.CreateC(_fx.StateDir);
        dir.PutAgentStore(dir.AgentDir("main"), StoreJson(profile, NowMs + 3_600_000, provider: "openai"));
        WriteAuthJson(CliAccess(NowMs + 1_800_000), OldRefresh);
        var endpoint = new RotatingEndpoint(OldRefresh);
        var (refresher, state) = Create(endpoint);

        Throws.Moltbot(ExternalErrorIds.SharedRefreshToken, MoltbotErrorKind.ResourceBusy,
            () => refresher.GetAccessToken(state.GetAgent("main"), profile, force: true));
        Assert.Equal(0, endpoint.Calls);

        // The CLI refreshes meanwhile: the mirror adopts its copy instead of presenting the dead token.
        var cliAccess = CliAccess(NowMs + 7_200_000, marker: "CLI2");
        WriteAuthJson(cliAccess, "rt_CLI_ROTATED");
        var result = refresher.GetAccessToken(state.GetAgent("main"), profile, force: true);

        Assert.Equal(AccessTokenSource.Peer, result.Source);
        Assert.Equal(cliAccess, result.Token);
        Assert.Equal(0, endpoint.Calls);
        Assert.Equal("rt_CLI_ROTATED", (string)JsonNode.Parse(SqliteStateDir.ReadCell(dir.AgentDbPath("main"), "SELECT store_json FROM auth_profile_store WHERE store_key='primary'")!)!["profiles"]![profile]!["refresh"]!);
    }
}
