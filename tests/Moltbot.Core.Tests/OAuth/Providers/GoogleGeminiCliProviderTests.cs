using System;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.OAuth;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.OAuth.Providers;

public class GoogleGeminiCliProviderTests
{
    private static readonly GoogleGeminiCliProvider Gemini = GoogleGeminiCliProvider.Instance;
    private readonly ITestOutputHelper _output;

    public GoogleGeminiCliProviderTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void The_authorize_URL_carries_the_public_client_a_hex_verifier_as_state_and_Googles_offline_consent_extras()
    {
        var env = OAuthTest.Env();
        var client = Gemini.ResolveLoginClient(new LoginSettings(), env);
        var request = AuthorizeRequest.Create(Gemini, client, Gemini.RedirectUri(env), env);
        var q = OAuthTest.Query(request.Url);
        Assert.StartsWith("https://accounts.google.com/o/oauth2/v2/auth?", request.Url);
        Assert.Equal(GoogleGeminiCliProvider.DefaultClientId, q["client_id"]);
        Assert.Equal("http://localhost:8085/oauth2callback", q["redirect_uri"]);
        Assert.Equal("code", q["response_type"]);
        Assert.Equal("https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile", q["scope"]);
        Assert.Equal("S256", q["code_challenge_method"]);
        Assert.Equal(Pkce.ComputeChallenge(request.Pkce.Verifier), q["code_challenge"]);
        Assert.Matches("^[0-9a-f]{64}$", request.Pkce.Verifier);
        Assert.Equal(request.Pkce.Verifier, q["state"]);
        Assert.Equal("offline", q["access_type"]);
        Assert.Equal("consent", q["prompt"]);
        Assert.True(Gemini.ManualOnWsl2);
        Assert.NotNull(Gemini.PolicyNote);
        Assert.Contains("suspended", Gemini.PolicyNote);
    }

    [Fact]
    public void Each_endpoint_base_moves_with_its_own_variable()
    {
        var env = OAuthTest.Env(("MOLTBOT_GOOGLE_GEMINI_CLI_AUTHORIZE_BASE", "http://127.0.0.1:9/g"), ("MOLTBOT_GOOGLE_GEMINI_CLI_TOKEN_BASE", "http://127.0.0.1:9/t"),
            ("MOLTBOT_GOOGLE_GEMINI_CLI_USERINFO_BASE", "http://127.0.0.1:9/u"), ("MOLTBOT_GOOGLE_GEMINI_CLI_CODE_ASSIST_BASE", "http://127.0.0.1:9/c"),
            ("MOLTBOT_GOOGLE_ANTIGRAVITY_TOKEN_BASE", "http://127.0.0.1:9/other"));
        Assert.Equal("http://127.0.0.1:9/g/o/oauth2/v2/auth", Gemini.Endpoint("authorize", env).AbsoluteUri);
        Assert.Equal("http://127.0.0.1:9/t/token", Gemini.Endpoint("token", env).AbsoluteUri);
        Assert.Equal("http://127.0.0.1:9/u/oauth2/v1/userinfo?alt=json", Gemini.Endpoint("userinfo", env).AbsoluteUri);
        Assert.Equal("http://127.0.0.1:9/c/v1internal:loadCodeAssist", Gemini.Endpoint("loadCodeAssist", env).AbsoluteUri);
        Assert.Equal("http://127.0.0.1:9/c/v1internal:onboardUser", Gemini.Endpoint("onboardUser", env).AbsoluteUri);
        Assert.Equal("https://oauth2.googleapis.com/token", GoogleAntigravityProvider.Instance.Endpoint("token", OAuthTest.Env(("MOLTBOT_GOOGLE_GEMINI_CLI_TOKEN_BASE", "http://127.0.0.1:9/t"))).AbsoluteUri);
        Assert.Equal("http://localhost:8123/cb", Gemini.RedirectUri(OAuthTest.Env((GoogleGeminiCliProvider.RedirectVariable, "http://localhost:8123/cb"))).AbsoluteUri);
    }

    [Theory]
    [InlineData("MOLTBOT_GOOGLE_GEMINI_CLI_CLIENT_ID", "MOLTBOT_GOOGLE_GEMINI_CLI_CLIENT_SECRET")]
    [InlineData("OPENCLAW_GEMINI_OAUTH_CLIENT_ID", "OPENCLAW_GEMINI_OAUTH_CLIENT_SECRET")]
    [InlineData("GEMINI_CLI_OAUTH_CLIENT_ID", "GEMINI_CLI_OAUTH_CLIENT_SECRET")]
    public void A_client_from_the_environment_replaces_the_public_one_for_login_and_refresh(string idVariable, string secretVariable)
    {
        var env = OAuthTest.Env((idVariable, "42-own.apps.googleusercontent.com"), (secretVariable, "GOCSPX-own-secret"));
        var login = Gemini.ResolveLoginClient(new LoginSettings(), env);
        Assert.Equal("42-own.apps.googleusercontent.com", login.ClientId);
        Assert.Equal("GOCSPX-own-secret", login.ClientSecret);
        var fields = Gemini.RefreshFields(AuthCodeTest.Stored(Gemini.Id, new JsonObject()), env).ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal("42-own.apps.googleusercontent.com", fields["client_id"]);
        Assert.Equal("GOCSPX-own-secret", fields["client_secret"]);
    }

    [Fact]
    public void A_client_id_without_its_secret_is_sent_without_one_and_the_public_secret_never_goes_to_another_client()
    {
        var env = OAuthTest.Env(("OPENCLAW_GEMINI_OAUTH_CLIENT_ID", "42-own.apps.googleusercontent.com"));
        Assert.Null(Gemini.ResolveLoginClient(new LoginSettings(), env).ClientSecret);
        var parameter = Gemini.ResolveLoginClient(AuthCodeTest.WithParameters(("ClientId", "7-param.apps.googleusercontent.com"), ("ClientSecret", "GOCSPX-param")), env);
        Assert.Equal(("7-param.apps.googleusercontent.com", "GOCSPX-param"), (parameter.ClientId, parameter.ClientSecret));
        var pub = Gemini.ResolveLoginClient(new LoginSettings(), OAuthTest.Env());
        Assert.Equal((GoogleGeminiCliProvider.DefaultClientId, GoogleGeminiCliProvider.DefaultClientSecret), (pub.ClientId, pub.ClientSecret));
    }

    [Fact]
    public async Task The_code_exchange_is_a_form_with_the_secret_and_expires_is_five_minutes_early()
    {
        var server = new FakeProviderServer().On("/token", (HttpStatusCode.OK, "{\"access_token\":\"ya29.a\",\"refresh_token\":\"1//r\",\"expires_in\":3599,\"token_type\":\"Bearer\"}"));
        var clock = new FixedClock(AuthCodeTest.Now);
        var pkce = Pkce.Create(PkceVerifierStyle.Hex);
        var env = OAuthTest.Env();
        var credential = await Gemini.ExchangeCodeAsync(AuthCodeTest.Client(server, clock), "4/0code", pkce, pkce.Verifier, Gemini.RedirectUri(env),
            Gemini.ResolveLoginClient(new LoginSettings(), env), env, CancellationToken.None);
        var (request, body) = Assert.Single(server.Requests);
        Assert.Equal("https://oauth2.googleapis.com/token", request.RequestUri!.AbsoluteUri);
        Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
        var form = FakeProviderServer.Form(body);
        Assert.Equal("authorization_code", form["grant_type"]);
        Assert.Equal(GoogleGeminiCliProvider.DefaultClientId, form["client_id"]);
        Assert.Equal(GoogleGeminiCliProvider.DefaultClientSecret, form["client_secret"]);
        Assert.Equal(pkce.Verifier, form["code_verifier"]);
        Assert.Equal("http://localhost:8085/oauth2callback", form["redirect_uri"]);
        Assert.Equal(AuthCodeTest.Ms(AuthCodeTest.Now) + 3599_000 - 300_000, credential.ExpiresMs);
        Assert.Equal("1//r", credential.Refresh);
    }

    [Fact]
    public async Task A_login_answer_without_a_refresh_token_stores_nothing()
    {
        var server = new FakeProviderServer().On("/token", (HttpStatusCode.OK, "{\"access_token\":\"ya29.a\",\"expires_in\":3599}"));
        var env = OAuthTest.Env();
        var pkce = Pkce.Create(PkceVerifierStyle.Hex);
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Gemini.ExchangeCodeAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)), "4/0code", pkce, pkce.Verifier,
            Gemini.RedirectUri(env), Gemini.ResolveLoginClient(new LoginSettings(), env), env, CancellationToken.None));
        Assert.Equal(OAuthErrorIds.InvalidTokenResponse, ex.ErrorId);
        Assert.Contains("refresh_token", ex.Message);
    }

    [Fact]
    public async Task Refresh_is_a_form_with_the_public_client_and_keeps_the_refresh_token_and_the_projectId()
    {
        var server = new FakeProviderServer().On("/token", (HttpStatusCode.OK, "{\"access_token\":\"ya29.new\",\"expires_in\":3600,\"token_type\":\"Bearer\"}"));
        var stored = AuthCodeTest.Stored(Gemini.Id, new JsonObject { ["projectId"] = "proj-1", ["email"] = "a@example.com" });
        var fresh = await Gemini.RefreshAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)), stored, OAuthTest.Env(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var form = FakeProviderServer.Form(Assert.Single(server.Requests).Body);
        Assert.Equal(new[] { "client_id", "client_secret", "grant_type", "refresh_token" }, form.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal("refresh_token", form["grant_type"]);
        Assert.Equal("old-refresh-token", form["refresh_token"]);
        Assert.Equal("old-refresh-token", fresh.Refresh);
        Assert.Equal(AuthCodeTest.Ms(AuthCodeTest.Now) + 3600_000 - 300_000, fresh.ExpiresMs);
        var node = (JsonObject)stored.Profile.Node.DeepClone();
        fresh.MergeInto(node);
        Assert.Equal("proj-1", AuthCodeTest.Str(node, "projectId"));
        Assert.Equal("a@example.com", AuthCodeTest.Str(node, "email"));
        Assert.Equal("ya29.new", AuthCodeTest.Str(node, "access"));
        Assert.Equal("old-refresh-token", AuthCodeTest.Str(node, "refresh"));
    }

    [Fact]
    public async Task A_profile_without_projectId_is_refreshed_all_the_same()
    {
        var server = new FakeProviderServer().On("/token", (HttpStatusCode.OK, "{\"access_token\":\"ya29.new\",\"expires_in\":3600}"));
        var fresh = await Gemini.RefreshAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)), AuthCodeTest.Stored(Gemini.Id, new JsonObject()), OAuthTest.Env(), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("ya29.new", fresh.Access);
        Assert.Null(fresh.GetField("projectId"));
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "{\"id\":\"1\",\"email\":\"user@example.com\"}", "user@example.com", "google-gemini-cli:user@example.com")]
    [InlineData(HttpStatusCode.OK, "{\"id\":\"1\"}", null, "google-gemini-cli:default")]
    [InlineData(HttpStatusCode.Unauthorized, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}", null, "google-gemini-cli:default")]
    public async Task The_email_is_optional_and_names_the_profile(HttpStatusCode status, string userinfo, string? email, string profileId)
    {
        var server = new FakeProviderServer()
            .On("/oauth2/v1/userinfo", (status, userinfo))
            .On(":loadCodeAssist", (HttpStatusCode.OK, "{\"currentTier\":{\"id\":\"free-tier\"},\"cloudaicompanionProject\":\"p-1\"}"));
        var credential = await Gemini.CompleteLoginAsync(AuthCodeTest.Context(Gemini, server, new FixedClock(AuthCodeTest.Now)), new OAuthCredential("ya29.a", "1//r", 1), new LoginClient("c", "s"), CancellationToken.None);
        Assert.Equal(email, credential.Email);
        Assert.Equal("p-1", credential.GetField("projectId"));
        Assert.Equal(profileId, Gemini.DefaultProfileId(credential));
        var userinfo1 = server.To("/oauth2/v1/userinfo").Single().Request;
        Assert.Equal("alt=json", userinfo1.RequestUri!.Query.TrimStart('?'));
        Assert.Equal("Bearer ya29.a", userinfo1.Headers.Authorization!.ToString());
    }

    private async Task<(string Project, FakeProviderServer Server, SteppingClock Clock)> Discover(FakeProviderServer server, params (string Name, string? Value)[] env)
    {
        var clock = new SteppingClock(AuthCodeTest.Now);
        var settings = env.FirstOrDefault(e => e.Name == "-ProjectId") is { Value: { } p } ? AuthCodeTest.WithParameters(("ProjectId", p)) : new LoginSettings();
        var context = AuthCodeTest.Context(Gemini, server, clock, OAuthTest.Env(env.Where(e => e.Name != "-ProjectId").ToArray()), settings);
        var project = await Gemini.DiscoverProjectAsync(context, "ya29.a", CancellationToken.None);
        _output.WriteLine($"project {project}: {server.Requests.Count} Code Assist requests ({string.Join(", ", server.Requests.Select(r => r.Request.RequestUri!.AbsolutePath.Split('/').Last()))}), waits {string.Join("+", clock.Waits.Select(w => w.TotalSeconds))} s");
        return (project, server, clock);
    }

    [Theory]
    [InlineData("{\"currentTier\":{\"id\":\"free-tier\"},\"cloudaicompanionProject\":\"p-string\"}", "p-string")]
    [InlineData("{\"currentTier\":{\"id\":\"standard-tier\"},\"cloudaicompanionProject\":{\"id\":\"p-object\",\"name\":\"x\"}}", "p-object")]
    public async Task A_current_tier_gives_its_project_string_or_object_without_onboarding(string load, string expected)
    {
        var (project, server, _) = await Discover(new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, load)));
        Assert.Equal(expected, project);
        var (request, body) = Assert.Single(server.Requests);
        Assert.Equal("https://cloudcode-pa.googleapis.com/v1internal:loadCodeAssist", request.RequestUri!.AbsoluteUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        var json = FakeProviderServer.JsonBody(body);
        Assert.Null(json["cloudaicompanionProject"]);
        Assert.Equal("GEMINI", json["metadata"]!["pluginType"]!.GetValue<string>());
        Assert.Equal("IDE_UNSPECIFIED", json["metadata"]!["ideType"]!.GetValue<string>());
        Assert.Equal("google-api-nodejs-client/9.15.1", string.Join(" ", request.Headers.UserAgent));
        Assert.Equal("gl-node/openclaw", request.Headers.GetValues("X-Goog-Api-Client").Single());
    }

    [Fact]
    public async Task A_current_tier_without_a_project_takes_the_configured_one_and_without_one_asks_for_it()
    {
        const string noProject = "{\"currentTier\":{\"id\":\"standard-tier\"}}";
        var (project, server, _) = await Discover(new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, noProject)), ("GOOGLE_CLOUD_PROJECT_ID", "env-project"));
        Assert.Equal("env-project", project);
        var sent = FakeProviderServer.JsonBody(server.Requests[0].Body);
        Assert.Equal("env-project", sent["cloudaicompanionProject"]!.GetValue<string>());
        Assert.Equal("env-project", sent["metadata"]!["duetProject"]!.GetValue<string>());

        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Discover(new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, noProject))));
        Assert.Equal(OAuthErrorIds.ProjectIdRequired, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("-ProjectId", ex.RecommendedAction);
    }

    [Fact]
    public async Task The_ProjectId_parameter_wins_over_the_environment()
    {
        var (project, server, _) = await Discover(new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, "{\"currentTier\":{\"id\":\"standard-tier\"}}")),
            ("GOOGLE_CLOUD_PROJECT", "env-project"), ("-ProjectId", "param-project"));
        Assert.Equal("param-project", project);
        Assert.Equal("param-project", FakeProviderServer.JsonBody(server.Requests[0].Body)["cloudaicompanionProject"]!.GetValue<string>());
        Assert.Equal("env-project", GoogleGeminiCliProvider.ConfiguredProject(new LoginSettings(), OAuthTest.Env(("GOOGLE_CLOUD_PROJECT", "env-project"), ("GOOGLE_CLOUD_PROJECT_ID", "other"))));
    }

    [Fact]
    public async Task A_VPC_SC_refusal_counts_as_the_standard_tier_and_needs_a_configured_project()
    {
        const string vpcsc = "{\"error\":{\"code\":403,\"status\":\"PERMISSION_DENIED\",\"details\":[{\"reason\":\"SECURITY_POLICY_VIOLATED\"}]}}";
        var (project, server, _) = await Discover(new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.Forbidden, vpcsc)), ("GOOGLE_CLOUD_PROJECT", "corp-project"));
        Assert.Equal("corp-project", project);
        Assert.Single(server.Requests);
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Discover(new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.Forbidden, vpcsc))));
        Assert.Equal(OAuthErrorIds.ProjectIdRequired, ex.ErrorId);
        Assert.Contains("standard-tier", ex.Message);
    }

    [Fact]
    public async Task Any_other_loadCodeAssist_failure_aborts_with_the_servers_words()
    {
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Discover(new FakeProviderServer().On(":loadCodeAssist",
            (HttpStatusCode.BadRequest, "{\"error\":{\"code\":400,\"message\":\"Request contains an invalid argument.\",\"status\":\"INVALID_ARGUMENT\"}}"))));
        Assert.Equal(OAuthErrorIds.ProjectDiscoveryFailed, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.AuthenticationError, ex.Kind);
        Assert.Contains("HTTP 400", ex.Message);
        Assert.Contains("invalid argument", ex.Message);
    }

    [Fact]
    public async Task The_free_default_tier_is_onboarded_and_its_operation_polled_every_five_seconds()
    {
        var server = new FakeProviderServer()
            .On(":loadCodeAssist", (HttpStatusCode.OK, "{\"allowedTiers\":[{\"id\":\"free-tier\",\"isDefault\":true},{\"id\":\"standard-tier\"}]}"))
            .On(":onboardUser", (HttpStatusCode.OK, "{\"name\":\"operations/onboard-1\",\"done\":false}"))
            .On("/operations/onboard-1", (HttpStatusCode.OK, "{\"name\":\"operations/onboard-1\",\"done\":false}"), (HttpStatusCode.OK, "{\"name\":\"operations/onboard-1\",\"done\":false}"),
                (HttpStatusCode.OK, "{\"name\":\"operations/onboard-1\",\"done\":true,\"response\":{\"cloudaicompanionProject\":{\"id\":\"onboarded-9\"}}}"));
        var (project, _, clock) = await Discover(server);
        Assert.Equal("onboarded-9", project);
        var onboard = FakeProviderServer.JsonBody(server.To(":onboardUser").Single().Body);
        Assert.Equal("free-tier", onboard["tierId"]!.GetValue<string>());
        Assert.Null(onboard["cloudaicompanionProject"]);
        Assert.Null(onboard["metadata"]!["duetProject"]);
        var polls = server.To("/operations/onboard-1").ToList();
        Assert.Equal(3, polls.Count);
        Assert.All(polls, p => Assert.Equal("GET", p.Request.Method.Method));
        Assert.Equal("https://cloudcode-pa.googleapis.com/v1internal/operations/onboard-1", polls[0].Request.RequestUri!.AbsoluteUri);
        Assert.Equal(new[] { 5.0, 5.0, 5.0 }, clock.Waits.Select(w => w.TotalSeconds));
        Assert.Equal(AuthCodeTest.Now.AddSeconds(15), clock.Now);
    }

    [Fact]
    public async Task A_paid_default_tier_is_onboarded_with_the_configured_project_and_without_one_is_refused()
    {
        const string standardDefault = "{\"allowedTiers\":[{\"id\":\"free-tier\"},{\"id\":\"standard-tier\",\"isDefault\":true}]}";
        var server = new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, standardDefault))
            .On(":onboardUser", (HttpStatusCode.OK, "{\"name\":\"operations/o\",\"done\":true,\"response\":{\"cloudaicompanionProject\":{\"id\":\"paid-1\"}}}"));
        var (project, _, clock) = await Discover(server, ("-ProjectId", "paid-1"));
        Assert.Equal("paid-1", project);
        var onboard = FakeProviderServer.JsonBody(server.To(":onboardUser").Single().Body);
        Assert.Equal("standard-tier", onboard["tierId"]!.GetValue<string>());
        Assert.Equal("paid-1", onboard["cloudaicompanionProject"]!.GetValue<string>());
        Assert.Equal("paid-1", onboard["metadata"]!["duetProject"]!.GetValue<string>());
        Assert.Empty(clock.Waits);

        var refused = new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, standardDefault));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Discover(refused));
        Assert.Equal(OAuthErrorIds.ProjectIdRequired, ex.ErrorId);
        Assert.Empty(refused.To(":onboardUser"));
    }

    [Fact]
    public async Task Without_allowed_tiers_the_legacy_tier_is_asked_for()
    {
        var server = new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, "{}"))
            .On(":onboardUser", (HttpStatusCode.OK, "{\"done\":true,\"response\":{}}"));
        var (project, _, _) = await Discover(server, ("GOOGLE_CLOUD_PROJECT", "legacy-p"));
        Assert.Equal("legacy-p", project);
        Assert.Equal("legacy-tier", FakeProviderServer.JsonBody(server.To(":onboardUser").Single().Body)["tierId"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_operation_that_never_finishes_ends_after_24_polls()
    {
        var server = new FakeProviderServer()
            .On(":loadCodeAssist", (HttpStatusCode.OK, "{\"allowedTiers\":[{\"id\":\"free-tier\",\"isDefault\":true}]}"))
            .On(":onboardUser", (HttpStatusCode.OK, "{\"name\":\"operations/slow\",\"done\":false}"))
            .On("/operations/slow", (HttpStatusCode.OK, "{\"name\":\"operations/slow\",\"done\":false}"));
        var clock = new SteppingClock(AuthCodeTest.Now);
        var context = AuthCodeTest.Context(Gemini, server, clock);
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Gemini.DiscoverProjectAsync(context, "ya29.a", CancellationToken.None));
        _output.WriteLine($"{server.To("/operations/slow").Count()} polls, {clock.Waits.Count} waits, {(clock.Now - AuthCodeTest.Now).TotalSeconds} s on the fake clock: {ex.Message}");
        Assert.Equal(OAuthErrorIds.ProjectDiscoveryFailed, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.OperationTimeout, ex.Kind);
        Assert.Equal(GoogleGeminiCliProvider.MaxOperationPolls, server.To("/operations/slow").Count());
        Assert.Equal(GoogleGeminiCliProvider.MaxOperationPolls, clock.Waits.Count);
        Assert.Equal(AuthCodeTest.Now.AddSeconds(120), clock.Now);
    }

    [Fact]
    public async Task A_failed_onboarding_or_poll_aborts()
    {
        var server = new FakeProviderServer()
            .On(":loadCodeAssist", (HttpStatusCode.OK, "{\"allowedTiers\":[{\"id\":\"free-tier\",\"isDefault\":true}]}"))
            .On(":onboardUser", (HttpStatusCode.BadRequest, "{\"error\":{\"code\":400,\"message\":\"Precondition check failed.\",\"status\":\"FAILED_PRECONDITION\"}}"));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Discover(server));
        Assert.Equal(OAuthErrorIds.ProjectDiscoveryFailed, ex.ErrorId);
        Assert.Contains("onboardUser", ex.Message);

        var pollFails = new FakeProviderServer()
            .On(":loadCodeAssist", (HttpStatusCode.OK, "{\"allowedTiers\":[{\"id\":\"free-tier\",\"isDefault\":true}]}"))
            .On(":onboardUser", (HttpStatusCode.OK, "{\"name\":\"operations/x\",\"done\":false}"))
            .On("/operations/x", (HttpStatusCode.NotFound, "{\"error\":{\"code\":404,\"message\":\"Operation not found\"}}"));
        ex = await Assert.ThrowsAsync<MoltbotException>(() => Discover(pollFails));
        Assert.Equal(OAuthErrorIds.ProjectDiscoveryFailed, ex.ErrorId);
        Assert.Contains("HTTP 404", ex.Message);
    }

    [Fact]
    public void The_pasted_login_runs_the_whole_flow_and_stores_email_and_project()
    {
        var server = new FakeProviderServer()
            .On("/token", (HttpStatusCode.OK, "{\"access_token\":\"ya29.a\",\"refresh_token\":\"1//r\",\"expires_in\":3600}"))
            .On("/oauth2/v1/userinfo", (HttpStatusCode.OK, "{\"email\":\"user@example.com\"}"))
            .On(":loadCodeAssist", (HttpStatusCode.OK, "{\"currentTier\":{\"id\":\"free-tier\"},\"cloudaicompanionProject\":\"p-7\"}"));
        var ui = new RecordingUi();
        ui.Paste = () => $"http://localhost:8085/oauth2callback?state={OAuthTest.Query(ui.Urls[0])["state"]}&code=4%2F0abc&scope=x";
        var browser = new FakeBrowser();
        var flow = new AuthorizationCodeFlow(Gemini, OAuthTest.Env(), browser, new System.Net.Http.HttpMessageInvoker(server.Handler), new FixedClock(AuthCodeTest.Now));
        var credential = flow.Run(new LoginSettings { Manual = true }, ui);
        Assert.Empty(browser.Opened);
        Assert.Equal("user@example.com", credential.Email);
        Assert.Equal("p-7", credential.GetField("projectId"));
        Assert.Equal("4/0abc", FakeProviderServer.Form(server.To("/token").Single().Body)["code"]);
        Assert.Equal("google-gemini-cli:user@example.com", Gemini.DefaultProfileId(credential));
        Assert.DoesNotContain(ui.Verbose, v => v.Contains("ya29.a") || v.Contains("1//r"));
    }

    [Fact]
    public void Is_registered_under_its_alias_and_for_refresh()
    {
        Assert.Same(Gemini, ProviderRegistry.Find("gemini-cli"));
        Assert.Same(Gemini, ProviderRegistry.ForLogin("google-gemini-cli"));
        Assert.Same(Gemini, ProviderRegistry.ForStoredProvider("google-gemini-cli"));
        Assert.True(Moltbot.Core.Refresh.TokenRefresher.IsRefreshable("google-gemini-cli"));
        Assert.False(Gemini.RotatesRefreshToken);
        Assert.Contains(Gemini.LoginParameters, p => p.Name == "ProjectId" && p.EnvironmentVariable == "GOOGLE_CLOUD_PROJECT");
    }
}
