using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Agents;
using Moltbot.Core.Config;
using Moltbot.Core.Probe;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>
/// Issue 15, points 15-17 in the core: the offline usability rule (ProfileCheck), the probe (CredentialProbe), the
/// metadata update and the copy (CredentialService), and the per-agent summary (AuthStatus).
/// </summary>
public sealed class ProfileCheckTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_900_000_000_000);
    private readonly StateFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static (AuthProfileStore Store, StoredProfile Profile) One(string json, string? usage = null)
    {
        var text = "{\"version\":1,\"profiles\":{\"p:x\":" + json + "}" + (usage is null ? string.Empty : ",\"usageStats\":{\"p:x\":" + usage + "}") + "}";
        var store = AuthProfileStore.Parse(text, "mem");
        return (store, store.Get("p:x")!);
    }

    private static ProfileCheckVerdict Check(string json, string? usage = null)
    {
        var (store, profile) = One(json, usage);
        return ProfileCheck.Offline(store, OpenClawConfig.Empty("/nowhere/openclaw.json"), profile, Now);
    }

    // ---- ProfileCheck ---------------------------------------------------------------------------------------------

    [Fact]
    public void Offline_JudgesEachShapeTheWayTheRuntimeWould()
    {
        var token = Samples.SetupToken;
        Assert.Equal(ProfileCheckResult.Ok, Check("{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"" + token + "\"}").Result);
        Assert.Equal(ProfileCheckResult.Expired, Check("{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"" + token + "\",\"expires\":" + (Now.ToUnixTimeMilliseconds() - 1) + "}").Result);
        var soon = Check("{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"" + token + "\",\"expires\":" + Now.AddHours(2).ToUnixTimeMilliseconds() + "}");
        Assert.Equal(ProfileCheckResult.Expiring, soon.Result);
        Assert.True(soon.Usable);
        var cut = Check("{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"sk-ant-oat01-short\"}");
        Assert.Equal(ProfileCheckResult.Malformed, cut.Result);
        Assert.DoesNotContain("sk-ant-oat01-short", cut.Reason, StringComparison.Ordinal);
        Assert.Equal(ProfileCheckResult.Missing, Check("{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"\"}").Result);
        Assert.Equal(ProfileCheckResult.Malformed, Check("{\"type\":\"weird\",\"provider\":\"openai\",\"key\":\"k\"}").Result);
        Assert.Equal(ProfileCheckResult.Expired, Check("{\"type\":\"oauth\",\"provider\":\"openai-codex\",\"access\":\"a\",\"expires\":" + (Now.ToUnixTimeMilliseconds() - 1) + "}").Result);
        var renewable = Check("{\"type\":\"oauth\",\"provider\":\"openai-codex\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":" + (Now.ToUnixTimeMilliseconds() - 1) + "}");
        Assert.Equal(ProfileCheckResult.Ok, renewable.Result);
        Assert.Contains("refreshes it on use", renewable.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Offline_CooldownAndDisabledMakeACredentialUnusableUntilThen()
    {
        const string key = "{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"sk-test\"}";
        var cooling = Check(key, "{\"cooldownUntil\":" + Now.AddMinutes(5).ToUnixTimeMilliseconds() + ",\"errorCount\":3}");
        Assert.Equal(ProfileCheckResult.InCooldown, cooling.Result);
        Assert.False(cooling.Usable);
        Assert.Contains("3 errors", cooling.Reason, StringComparison.Ordinal);
        var disabled = Check(key, "{\"disabledUntil\":" + Now.AddHours(5).ToUnixTimeMilliseconds() + ",\"disabledReason\":\"billing\"}");
        Assert.Equal(ProfileCheckResult.Disabled, disabled.Result);
        Assert.Contains("billing", disabled.Reason, StringComparison.Ordinal);
        Assert.Equal(ProfileCheckResult.Ok, Check(key, "{\"cooldownUntil\":" + Now.AddMinutes(-5).ToUnixTimeMilliseconds() + "}").Result);
    }

    [Fact]
    public void ResultValues_AreMirroredOneToOneByTheCmdletLayer()
    {
        // The cmdlet layer casts ProfileCheckResult to its mirror by value: the order is part of the contract.
        Assert.Equal(
            new[] { "Ok", "Expiring", "Expired", "Missing", "Malformed", "InCooldown", "Disabled", "RefreshPending", "LoginRequired", "Rejected", "Unreachable" },
            Enum.GetNames<ProfileCheckResult>());
    }

    // ---- CredentialProbe ------------------------------------------------------------------------------------------

    private sealed class Recorder : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = new();
        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(Status) { Content = new StringContent("{\"echo\":\"" + request.Headers.Authorization + "\"}") });
        }
    }

    [Fact]
    public void Probe_SendsTheSecretInOneHeaderOnly_AndReadsOnlyTheStatus()
    {
        var recorder = new Recorder { Status = HttpStatusCode.Unauthorized };
        var env = FakeEnv.Create(_f.Home, ("MOLTBOT_ANTHROPIC_PROBE_URL", "http://127.0.0.1:9/api/anthropic/whoami"));
        var probe = new CredentialProbe(new HttpMessageInvoker(recorder), env);
        var (_, key) = One("{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"sk-ant-api03-SECRET\"}");

        var outcome = probe.Probe(key, Now);

        Assert.True(outcome.Sent);
        Assert.False(outcome.Accepted);
        Assert.Equal(401, outcome.StatusCode);
        Assert.DoesNotContain("SECRET", outcome.Reason, StringComparison.Ordinal);
        var request = Assert.Single(recorder.Requests);
        Assert.Equal("http://127.0.0.1:9/api/anthropic/whoami", request.RequestUri!.ToString());
        Assert.Equal("sk-ant-api03-SECRET", request.Headers.GetValues("x-api-key").Single());
        Assert.Null(request.Headers.Authorization);

        recorder.Status = HttpStatusCode.OK;
        var (_, token) = One("{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"" + Samples.SetupToken + "\"}");
        Assert.True(probe.Probe(token, Now).Accepted);
        Assert.Equal("Bearer " + Samples.SetupToken, recorder.Requests[1].Headers.GetValues("Authorization").Single());
        Assert.Contains("oauth-2025-04-20", recorder.Requests[1].Headers.GetValues("anthropic-beta"));
    }

    [Fact]
    public void Probe_SendsNothingWithoutAnEndpointOrAUsableAccessToken_AndRefusesPlainHttpOffLoopback()
    {
        var recorder = new Recorder();
        var probe = new CredentialProbe(new HttpMessageInvoker(recorder), FakeEnv.Create(_f.Home));
        var (_, qwen) = One("{\"type\":\"oauth\",\"provider\":\"qwen-portal\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":" + Now.AddHours(1).ToUnixTimeMilliseconds() + "}");
        Assert.False(probe.Probe(qwen, Now).Sent);
        var (_, stale) = One("{\"type\":\"oauth\",\"provider\":\"anthropic\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":" + (Now.ToUnixTimeMilliseconds() - 1) + "}");
        Assert.Contains("expired", probe.Probe(stale, Now).Reason, StringComparison.Ordinal);
        Assert.Empty(recorder.Requests);

        var remote = new CredentialProbe(new HttpMessageInvoker(recorder), FakeEnv.Create(_f.Home, ("MOLTBOT_OPENAI_PROBE_URL", "http://example.com/v1/models")));
        var (_, key) = One("{\"type\":\"api_key\",\"provider\":\"openai\",\"key\":\"sk-x\"}");
        Assert.Throws<MoltbotException>(() => remote.Probe(key, Now));
        Assert.Empty(recorder.Requests);
    }

    // ---- CredentialService.UpdateDetails / CopyProfile ------------------------------------------------------------

    private MoltbotState WithAgents()
    {
        _f.WriteConfig("{\"agents\":{\"list\":[{\"id\":\"main\"},{\"id\":\"work\"}]},\"auth\":{\"profiles\":{\"anthropic:default\":{\"provider\":\"anthropic\",\"mode\":\"token\",\"email\":\"old@example.com\"}}}}");
        _f.WriteStore("main", Samples.NodeStore);
        return _f.NewState();
    }

    [Fact]
    public void UpdateDetails_ChangesOnlyTheNamedFields_AndTheConfigEmail()
    {
        var state = WithAgents();
        var service = new CredentialService(state, StateFixture.Locks);
        var before = Json.ParseFile(_f.StorePathOf("main"))["profiles"]!["anthropic:default"]!.ToJsonString();

        service.UpdateDetails(state.GetAgent("main"), "anthropic:default", new ProfileDetails(Email: "new@example.com", Expires: Now));

        var after = (JsonObject)Json.ParseFile(_f.StorePathOf("main"))["profiles"]!["anthropic:default"]!;
        Assert.Equal(Samples.SetupToken, (string)after["token"]!);
        Assert.Equal("Work Claude", (string)after["displayName"]!);
        Assert.False((bool)after["copyToAgents"]!);
        Assert.Equal("new@example.com", (string)after["email"]!);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), (long)after["expires"]!);
        Assert.NotEqual(before, after.ToJsonString());
        Assert.Equal("new@example.com", (string)Json.ParseFile(_f.ConfigPath)["auth"]!["profiles"]!["anthropic:default"]!["email"]!);
    }

    [Fact]
    public void UpdateDetails_RefusesAnExpiryForOAuthAndApiKey_AndWritesNothing()
    {
        var state = WithAgents();
        var service = new CredentialService(state, StateFixture.Locks);
        var before = System.IO.File.ReadAllText(_f.StorePathOf("main"));
        var ex = Assert.Throws<MoltbotException>(() =>
            service.UpdateDetails(state.GetAgent("main"), "openai-codex:default", new ProfileDetails(ClearExpiry: true)));
        Assert.Equal(ErrorIds.ExpiryNotSettable, ex.ErrorId);
        Assert.Equal(before, System.IO.File.ReadAllText(_f.StorePathOf("main")));
    }

    [Fact]
    public void CopyProfile_FollowsTheCopyToAgentsRuleOfAgentsAdd()
    {
        var state = WithAgents();
        var service = new CredentialService(state, StateFixture.Locks);
        var main = state.GetAgent("main");
        var work = state.GetAgent("work");
        // anthropic:default says copyToAgents: false; openai-codex:default is an oauth login.
        Assert.Equal(ErrorIds.ProfileNotPortable, Assert.Throws<MoltbotException>(() => service.CopyProfile(main, work, "anthropic:default", force: false, replace: false)).ErrorId);
        Assert.Equal(ErrorIds.ProfileNotPortable, Assert.Throws<MoltbotException>(() => service.CopyProfile(main, work, "openai-codex:default", force: false, replace: false)).ErrorId);
        Assert.False(System.IO.File.Exists(_f.StorePathOf("work")));

        Assert.False(service.CopyProfile(main, work, "anthropic:default", force: true, replace: false));
        Assert.Equal(ErrorIds.ProfileExists, Assert.Throws<MoltbotException>(() => service.CopyProfile(main, work, "anthropic:default", force: true, replace: false)).ErrorId);
        Assert.True(service.CopyProfile(main, work, "anthropic:default", force: true, replace: true));
        Json.AssertDeepEqual(Json.ParseFile(_f.StorePathOf("main"))["profiles"]!["anthropic:default"]!.ToJsonString(), Json.ParseFile(_f.StorePathOf("work"))["profiles"]!["anthropic:default"]);
        Assert.Equal(ErrorIds.CopySameAgent, Assert.Throws<MoltbotException>(() => service.CopyProfile(main, main, "anthropic:default", force: true, replace: true)).ErrorId);
    }

    // ---- AuthStatus -----------------------------------------------------------------------------------------------

    [Fact]
    public void Summarize_ListsWhatIsUsedAndWhatTheModelMisses()
    {
        _f.WriteConfig("{\"agents\":{\"defaults\":{\"model\":{\"primary\":\"openrouter/anthropic/claude\"}},\"list\":[{\"id\":\"main\"},{\"id\":\"work\",\"model\":\"anthropic/claude-sonnet-4-5\"}]}," +
            "\"models\":{\"providers\":{\"Mistral\":{\"baseUrl\":\"https://api.mistral.ai/v1\"},\"local\":{\"baseUrl\":\"http://127.0.0.1:1234\",\"apiKey\":\"inline\"}}}}");
        _f.WriteStore("main", Samples.NodeStore);
        var state = _f.NewState();

        var main = AuthStatus.Summarize(state.GetAgent("main"), state.GetAgent("main").LoadStore(), state.Config, Now);
        var anthropic = Assert.Single(main, e => e.Provider == "anthropic");
        Assert.Equal("anthropic:default", anthropic.Used!.ProfileId);
        var openrouter = Assert.Single(main, e => e.Provider == "openrouter");
        Assert.Null(openrouter.Used);
        Assert.Equal("openrouter/anthropic/claude", openrouter.Model);
        Assert.Contains(AuthStatus.FromModel, openrouter.Sources);

        var mistral = Assert.Single(main, e => e.Provider == "mistral");
        Assert.Null(mistral.Used);
        Assert.Equal(new[] { AuthStatus.FromModelProviders }, mistral.Sources);
        Assert.DoesNotContain(main, e => e.Provider == "local"); // it has a key of its own in the config

        var work = AuthStatus.Summarize(state.GetAgent("work"), state.GetAgent("work").LoadStore(), state.Config, Now);
        Assert.Single(work, e => e.Provider == "mistral");
        var needed = Assert.Single(work, e => e.Provider == "anthropic");
        Assert.Equal("anthropic", needed.Provider);
        Assert.Null(needed.Used);
        Assert.Contains("needs one", needed.Reason, StringComparison.Ordinal);
    }
}
