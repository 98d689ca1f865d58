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

public class ChutesProviderTests
{
    private static readonly ChutesProvider Chutes = ChutesProvider.Instance;
    private readonly ITestOutputHelper _output;

    public ChutesProviderTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Without_a_client_the_login_says_how_to_register_one()
    {
        var ex = OAuthTest.Throws(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument, () => Chutes.ResolveLoginClient(new LoginSettings(), OAuthTest.Env()));
        Assert.Contains("-ClientId", ex.Message);
        Assert.Contains("CHUTES_CLIENT_ID", ex.Message);
        Assert.Contains("http://127.0.0.1:1456/oauth-callback", ex.RecommendedAction);
        Assert.Null(Chutes.ClientId);
    }

    [Fact]
    public void The_client_comes_from_the_parameter_then_MOLTBOT_CHUTES_then_OpenClaws_variables()
    {
        var env = OAuthTest.Env(("CHUTES_CLIENT_ID", "cid_openclaw"), ("CHUTES_CLIENT_SECRET", "csc_openclaw"));
        Assert.Equal(("cid_openclaw", "csc_openclaw"), Tuple(Chutes.ResolveLoginClient(new LoginSettings(), env)));
        var both = OAuthTest.Env(("CHUTES_CLIENT_ID", "cid_openclaw"), ("MOLTBOT_CHUTES_CLIENT_ID", "cid_moltbot"));
        Assert.Equal(("cid_moltbot", null), Tuple(Chutes.ResolveLoginClient(new LoginSettings(), both)));
        Assert.Equal(("cid_param", "csc_param"), Tuple(Chutes.ResolveLoginClient(AuthCodeTest.WithParameters(("ClientId", "cid_param"), ("ClientSecret", "csc_param")), env)));
        // A secret of another client is not sent with the parameter's client.
        Assert.Equal(("cid_param", null), Tuple(Chutes.ResolveLoginClient(AuthCodeTest.WithParameters(("ClientId", "cid_param")), env)));
    }

    private static (string, string?) Tuple(LoginClient c) => (c.ClientId, c.ClientSecret);

    [Fact]
    public void The_authorize_URL_uses_the_users_client_a_hex_verifier_a_random_state_and_the_scope_and_redirect_variables()
    {
        var env = OAuthTest.Env(("CHUTES_CLIENT_ID", "cid_abc"));
        var request = AuthorizeRequest.Create(Chutes, Chutes.ResolveLoginClient(new LoginSettings(), env), Chutes.RedirectUri(env), env);
        var q = OAuthTest.Query(request.Url);
        Assert.StartsWith("https://api.chutes.ai/idp/authorize?", request.Url);
        Assert.Equal("cid_abc", q["client_id"]);
        Assert.Equal("http://127.0.0.1:1456/oauth-callback", q["redirect_uri"]);
        Assert.Equal("openid profile chutes:invoke", q["scope"]);
        Assert.Matches("^[0-9a-f]{64}$", request.Pkce.Verifier);
        Assert.Matches("^[0-9a-f]{32}$", q["state"]);
        Assert.False(q.ContainsKey("access_type"));

        var moved = OAuthTest.Env(("CHUTES_CLIENT_ID", "cid_abc"), ("CHUTES_OAUTH_SCOPES", "openid chutes:invoke"), ("CHUTES_OAUTH_REDIRECT_URI", "http://localhost:7777/cb"),
            ("MOLTBOT_CHUTES_AUTHORITY", "http://127.0.0.1:9/chutes"));
        var q2 = OAuthTest.Query(AuthorizeRequest.Create(Chutes, Chutes.ResolveLoginClient(new LoginSettings(), moved), Chutes.RedirectUri(moved), moved).Url);
        Assert.Equal("openid chutes:invoke", q2["scope"]);
        Assert.Equal("http://localhost:7777/cb", q2["redirect_uri"]);
        Assert.Equal("http://127.0.0.1:9/chutes/idp/token", Chutes.TokenEndpoint(moved).AbsoluteUri);
    }

    [Theory]
    [InlineData("3600", 3600_000 - 300_000)]
    [InlineData("3600.9", 3600_000 - 300_000)]
    [InlineData("330.5", 30_000)]
    [InlineData("60", 30_000)]
    [InlineData("1", 30_000)]
    public async Task Expires_is_floor_of_expires_in_less_five_minutes_but_at_least_thirty_seconds_ahead(string expiresIn, long expected)
    {
        var server = new FakeProviderServer().On("/idp/token", (HttpStatusCode.OK, $"{{\"access_token\":\"cak_a\",\"refresh_token\":\"crt_r\",\"expires_in\":{expiresIn}}}"));
        var env = OAuthTest.Env(("CHUTES_CLIENT_ID", "cid_abc"));
        var pkce = Pkce.Create(PkceVerifierStyle.Hex);
        var credential = await Chutes.ExchangeCodeAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)), "code", pkce, "s", Chutes.RedirectUri(env), Chutes.ResolveLoginClient(new LoginSettings(), env), env, CancellationToken.None);
        _output.WriteLine($"expires_in {expiresIn} -> expires now + {credential.ExpiresMs - AuthCodeTest.Ms(AuthCodeTest.Now)} ms");
        Assert.Equal(AuthCodeTest.Ms(AuthCodeTest.Now) + expected, credential.ExpiresMs);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("csc_secret")]
    public async Task The_exchange_is_a_form_with_the_secret_only_when_there_is_one(string? secret)
    {
        var server = new FakeProviderServer().On("/idp/token", (HttpStatusCode.OK, "{\"access_token\":\"cak_a\",\"refresh_token\":\"crt_r\",\"expires_in\":3600}"));
        var env = OAuthTest.Env();
        var pkce = Pkce.Create(PkceVerifierStyle.Hex);
        await Chutes.ExchangeCodeAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)), "code", pkce, "s", Chutes.RedirectUri(env), new LoginClient("cid_abc", secret), env, CancellationToken.None);
        var form = FakeProviderServer.Form(Assert.Single(server.Requests).Body);
        Assert.Equal("authorization_code", form["grant_type"]);
        Assert.Equal("cid_abc", form["client_id"]);
        Assert.Equal(pkce.Verifier, form["code_verifier"]);
        Assert.Equal("http://127.0.0.1:1456/oauth-callback", form["redirect_uri"]);
        Assert.Equal(secret, form.TryGetValue("client_secret", out var s) ? s : null);
    }

    [Fact]
    public async Task Userinfo_gives_username_as_email_and_sub_as_accountId_and_the_client_id_is_stored()
    {
        var server = new FakeProviderServer().On("/idp/userinfo", (HttpStatusCode.OK, "{\"sub\":\"user-42\",\"username\":\"tester\"}"), (HttpStatusCode.Unauthorized, "{\"error\":\"invalid_token\"}"));
        var context = AuthCodeTest.Context(Chutes, server, new FixedClock(AuthCodeTest.Now));
        var credential = await Chutes.CompleteLoginAsync(context, new OAuthCredential("cak_a", "crt_r", 1), new LoginClient("cid_abc", "csc"), CancellationToken.None);
        Assert.Equal("tester", credential.Email);
        Assert.Equal("user-42", credential.AccountId);
        Assert.Equal("cid_abc", credential.GetField("clientId"));
        Assert.Equal("chutes:tester", Chutes.DefaultProfileId(credential));
        Assert.Equal("Bearer cak_a", server.Requests[0].Request.Headers.Authorization!.ToString());
        var fields = credential.ToSecretFields();
        Assert.Null(fields["client_secret"]);
        Assert.DoesNotContain("csc", fields.ToJsonString());

        var anonymous = await Chutes.CompleteLoginAsync(context, new OAuthCredential("cak_a", "crt_r", 1), new LoginClient("cid_abc", null), CancellationToken.None);
        Assert.Equal("chutes:default", Chutes.DefaultProfileId(anonymous));
        Assert.Equal("cid_abc", anonymous.GetField("clientId"));
        Assert.Null(anonymous.AccountId);
    }

    [Fact]
    public async Task Refresh_presents_the_stored_client_keeps_the_old_token_when_none_comes_back_and_applies_the_floor()
    {
        var server = new FakeProviderServer().On("/idp/token",
            (HttpStatusCode.OK, "{\"access_token\":\"cak_b\",\"expires_in\":100}"),
            (HttpStatusCode.OK, "{\"access_token\":\"cak_c\",\"refresh_token\":\"crt_new\",\"expires_in\":3600}"));
        var env = OAuthTest.Env(("CHUTES_CLIENT_ID", "cid_other"), ("CHUTES_CLIENT_SECRET", "csc_env"));
        var stored = AuthCodeTest.Stored(Chutes.Id, new JsonObject { ["clientId"] = "cid_stored", ["email"] = "tester", ["accountId"] = "user-42" });
        var clock = new FixedClock(AuthCodeTest.Now);
        var first = await Chutes.RefreshAsync(AuthCodeTest.Client(server, clock), stored, env, TimeSpan.FromSeconds(30), CancellationToken.None);
        var form = FakeProviderServer.Form(server.Requests[0].Body);
        Assert.Equal("cid_stored", form["client_id"]);
        Assert.Equal("refresh_token", form["grant_type"]);
        Assert.Equal("old-refresh-token", form["refresh_token"]);
        Assert.False(form.ContainsKey("client_secret"), "the env secret belongs to another client");
        Assert.Equal("old-refresh-token", first.Refresh);
        Assert.Equal(AuthCodeTest.Ms(AuthCodeTest.Now) + 30_000, first.ExpiresMs);
        var second = await Chutes.RefreshAsync(AuthCodeTest.Client(server, clock), stored, OAuthTest.Env(("CHUTES_CLIENT_SECRET", "csc_env")), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("csc_env", FakeProviderServer.Form(server.Requests[1].Body)["client_secret"]);
        Assert.Equal("crt_new", second.Refresh);
        var node = (JsonObject)stored.Profile.Node.DeepClone();
        second.MergeInto(node);
        Assert.Equal("cid_stored", AuthCodeTest.Str(node, "clientId"));
        Assert.Equal("user-42", AuthCodeTest.Str(node, "accountId"));
        Assert.Equal("tester", AuthCodeTest.Str(node, "email"));
        Assert.True(Chutes.RotatesRefreshToken);
    }
}
