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

public class GoogleAntigravityProviderTests
{
    private static readonly GoogleAntigravityProvider Antigravity = GoogleAntigravityProvider.Instance;
    private readonly ITestOutputHelper _output;

    public GoogleAntigravityProviderTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void The_authorize_URL_has_its_client_the_extra_scopes_a_hex_verifier_and_a_separate_state()
    {
        var env = OAuthTest.Env();
        var request = AuthorizeRequest.Create(Antigravity, Antigravity.ResolveLoginClient(new LoginSettings(), env), Antigravity.RedirectUri(env), env);
        var q = OAuthTest.Query(request.Url);
        Assert.Equal(GoogleAntigravityProvider.DefaultClientId, q["client_id"]);
        Assert.Equal("http://localhost:51121/oauth-callback", q["redirect_uri"]);
        var scopes = q["scope"].Split(' ');
        Assert.Equal(5, scopes.Length);
        Assert.Contains("https://www.googleapis.com/auth/cclog", scopes);
        Assert.Contains("https://www.googleapis.com/auth/experimentsandconfigs", scopes);
        Assert.Contains("https://www.googleapis.com/auth/cloud-platform", scopes);
        Assert.Matches("^[0-9a-f]{64}$", request.Pkce.Verifier);
        Assert.Matches("^[0-9a-f]{32}$", q["state"]);
        Assert.NotEqual(request.Pkce.Verifier, q["state"]);
        Assert.Equal("offline", q["access_type"]);
        Assert.Equal("consent", q["prompt"]);
        Assert.Equal("S256", q["code_challenge_method"]);
        Assert.True(Antigravity.ManualOnWsl2);
        Assert.Equal(GoogleGeminiCliProvider.Instance.PolicyNote, Antigravity.PolicyNote);
        Assert.Equal("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", Antigravity.ResolveLoginClient(new LoginSettings(), env).ClientSecret);
    }

    [Fact]
    public async Task The_exchange_always_sends_the_secret_and_refresh_keeps_token_and_project()
    {
        var server = new FakeProviderServer().On("/token",
            (HttpStatusCode.OK, "{\"access_token\":\"ya29.a\",\"refresh_token\":\"1//r\",\"expires_in\":3600}"),
            (HttpStatusCode.OK, "{\"access_token\":\"ya29.b\",\"expires_in\":1800}"));
        var env = OAuthTest.Env();
        var pkce = Pkce.Create(PkceVerifierStyle.Hex);
        var clock = new FixedClock(AuthCodeTest.Now);
        var login = await Antigravity.ExchangeCodeAsync(AuthCodeTest.Client(server, clock), "4/0c", pkce, "s", Antigravity.RedirectUri(env), Antigravity.ResolveLoginClient(new LoginSettings(), env), env, CancellationToken.None);
        Assert.Equal(GoogleAntigravityProvider.DefaultClientSecret, FakeProviderServer.Form(server.Requests[0].Body)["client_secret"]);
        Assert.Equal(AuthCodeTest.Ms(AuthCodeTest.Now) + 3300_000, login.ExpiresMs);
        var stored = AuthCodeTest.Stored(Antigravity.Id, new JsonObject { ["projectId"] = "rising-fact-p41fc" });
        var fresh = await Antigravity.RefreshAsync(AuthCodeTest.Client(server, clock), stored, env, TimeSpan.FromSeconds(30), CancellationToken.None);
        var form = FakeProviderServer.Form(server.Requests[1].Body);
        Assert.Equal(GoogleAntigravityProvider.DefaultClientId, form["client_id"]);
        Assert.Equal(GoogleAntigravityProvider.DefaultClientSecret, form["client_secret"]);
        Assert.Equal("old-refresh-token", fresh.Refresh);
        Assert.Equal(AuthCodeTest.Ms(AuthCodeTest.Now) + 1500_000, fresh.ExpiresMs);
        var node = (JsonObject)stored.Profile.Node.DeepClone();
        fresh.MergeInto(node);
        Assert.Equal("rising-fact-p41fc", AuthCodeTest.Str(node, "projectId"));
    }

    private async Task<(string Project, FakeProviderServer Server)> Discover(FakeProviderServer server, params (string, string?)[] env)
    {
        var project = await Antigravity.DiscoverProjectAsync(AuthCodeTest.Context(Antigravity, server, new FixedClock(AuthCodeTest.Now), OAuthTest.Env(env)), "ya29.a", CancellationToken.None);
        _output.WriteLine($"project {project} after {server.Requests.Count} loadCodeAssist request(s): {string.Join(", ", server.Requests.Select(r => r.Request.RequestUri!.Host))}");
        return (project, server);
    }

    [Fact]
    public async Task Production_naming_a_project_is_asked_once_with_only_metadata_and_the_Antigravity_headers()
    {
        var (project, server) = await Discover(new FakeProviderServer().On(":loadCodeAssist", (HttpStatusCode.OK, "{\"cloudaicompanionProject\":{\"id\":\"ag-1\"}}")));
        Assert.Equal("ag-1", project);
        var (request, body) = Assert.Single(server.Requests);
        Assert.Equal("https://cloudcode-pa.googleapis.com/v1internal:loadCodeAssist", request.RequestUri!.AbsoluteUri);
        var json = FakeProviderServer.JsonBody(body);
        Assert.Equal(new[] { "metadata" }, json.Select(p => p.Key));
        Assert.Equal("google-cloud-sdk vscode_cloudshelleditor/0.1", request.Headers.GetValues("X-Goog-Api-Client").Single());
        Assert.Equal("{\"ideType\":\"IDE_UNSPECIFIED\",\"platform\":\"PLATFORM_UNSPECIFIED\",\"pluginType\":\"GEMINI\"}", request.Headers.GetValues("Client-Metadata").Single());
        Assert.Empty(server.To(":onboardUser"));
    }

    [Fact]
    public async Task A_failing_or_empty_production_answer_moves_on_to_the_sandbox_then_to_the_fallback_project()
    {
        var env = new[] { ("MOLTBOT_GOOGLE_ANTIGRAVITY_CODE_ASSIST_BASE", (string?)"http://127.0.0.1:9/prod"), ("MOLTBOT_GOOGLE_ANTIGRAVITY_CODE_ASSIST_SANDBOX_BASE", "http://127.0.0.1:9/sandbox") };
        var sandboxWins = new FakeProviderServer()
            .On("/prod/v1internal:loadCodeAssist", (HttpStatusCode.InternalServerError, "{\"error\":{\"code\":500}}"))
            .On("/sandbox/v1internal:loadCodeAssist", (HttpStatusCode.OK, "{\"cloudaicompanionProject\":\"sandbox-p\"}"));
        var (project, server) = await Discover(sandboxWins, env);
        Assert.Equal("sandbox-p", project);
        Assert.Equal(new[] { "/prod/v1internal:loadCodeAssist", "/sandbox/v1internal:loadCodeAssist" }, server.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));

        var neither = new FakeProviderServer()
            .On("/prod/v1internal:loadCodeAssist", (HttpStatusCode.OK, "{\"currentTier\":{\"id\":\"free-tier\"}}"))
            .On("/sandbox/v1internal:loadCodeAssist", (HttpStatusCode.Forbidden, "{\"error\":{\"code\":403}}"));
        (project, server) = await Discover(neither, env);
        Assert.Equal(GoogleAntigravityProvider.FallbackProject, project);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal("https://daily-cloudcode-pa.sandbox.googleapis.com/v1internal:loadCodeAssist", Antigravity.Endpoint("loadCodeAssistSandbox").AbsoluteUri);
    }

    [Fact]
    public async Task The_login_takes_the_email_when_userinfo_answers_and_the_default_profile_when_it_refuses()
    {
        var server = new FakeProviderServer()
            .On("/oauth2/v1/userinfo", (HttpStatusCode.OK, "{\"email\":\"ag@example.com\"}"), (HttpStatusCode.Unauthorized, "{\"error\":{\"code\":401}}"))
            .On(":loadCodeAssist", (HttpStatusCode.OK, "{\"cloudaicompanionProject\":\"ag-2\"}"));
        var context = AuthCodeTest.Context(Antigravity, server, new FixedClock(AuthCodeTest.Now));
        var first = await Antigravity.CompleteLoginAsync(context, new OAuthCredential("ya29.a", "1//r", 1), new LoginClient("c", "s"), CancellationToken.None);
        Assert.Equal("google-antigravity:ag@example.com", Antigravity.DefaultProfileId(first));
        Assert.Equal("ag-2", first.GetField("projectId"));
        var second = await Antigravity.CompleteLoginAsync(context, new OAuthCredential("ya29.a", "1//r", 1), new LoginClient("c", "s"), CancellationToken.None);
        Assert.Equal("google-antigravity:default", Antigravity.DefaultProfileId(second));
        Assert.Same(Antigravity, ProviderRegistry.Find("antigravity"));
        Assert.DoesNotContain(Antigravity.LoginParameters, p => p.Name == "ProjectId");
    }
}
