using System;
using System.Linq;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public class AuthorizeUrlTests
{
    private static readonly OpenAICodexProvider Codex = OpenAICodexProvider.Instance;

    private static AuthorizeRequest Create(Moltbot.Core.State.MoltbotEnvironment env) =>
        AuthorizeRequest.Create(Codex, Codex.ResolveLoginClient(new LoginSettings(), env), Codex.RedirectUri(env), env);

    [Fact]
    public void Defaults_are_the_Codex_client()
    {
        var env = OAuthTest.Env();
        Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", Codex.ClientId);
        Assert.Equal("https://auth.openai.com/oauth/authorize", Codex.Endpoint("authorize", env).AbsoluteUri);
        Assert.Equal("https://auth.openai.com/oauth/token", Codex.TokenEndpoint(env).AbsoluteUri);
        Assert.Equal("http://localhost:1455/auth/callback", Codex.RedirectUri(env).AbsoluteUri);
        Assert.Equal("openid profile email offline_access", Codex.Scope);
    }

    [Fact]
    public void Authorize_url_carries_exactly_the_Codex_parameters()
    {
        var env = OAuthTest.Env();
        var pkce = Pkce.FromVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        var request = AuthorizeRequest.Create(Codex, Codex.ResolveLoginClient(new LoginSettings(), env), Codex.RedirectUri(env), env, pkce, "0123456789abcdef0123456789abcdef");

        var url = new Uri(request.Url);
        Assert.Equal("https://auth.openai.com/oauth/authorize", url.GetLeftPart(UriPartial.Path));
        var query = OAuthTest.Query(request.Url);
        Assert.Equal(
            new[]
            {
                "client_id", "code_challenge", "code_challenge_method", "codex_cli_simplified_flow", "id_token_add_organizations",
                "originator", "redirect_uri", "response_type", "scope", "state",
            },
            query.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", query["client_id"]);
        Assert.Equal("http://localhost:1455/auth/callback", query["redirect_uri"]);
        Assert.Equal("openid profile email offline_access", query["scope"]);
        Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", query["code_challenge"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("0123456789abcdef0123456789abcdef", query["state"]);
        Assert.Equal("true", query["id_token_add_organizations"]);
        Assert.Equal("true", query["codex_cli_simplified_flow"]);
        Assert.Equal("moltbot", query["originator"]);
        Assert.DoesNotContain(pkce.Verifier, request.Url);
        // Spaces are escaped so the URL survives being passed as one argv word.
        Assert.DoesNotContain(" ", request.Url);
    }

    [Fact]
    public void Create_uses_a_fresh_verifier_and_state_each_time()
    {
        var a = Create(OAuthTest.Env());
        var b = Create(OAuthTest.Env());
        Assert.NotEqual(a.State, b.State);
        Assert.NotEqual(a.Pkce.Verifier, b.Pkce.Verifier);
        Assert.Equal(a.State, OAuthTest.Query(a.Url)["state"]);
        Assert.Equal(a.Pkce.Challenge, OAuthTest.Query(a.Url)["code_challenge"]);
    }

    [Theory]
    [InlineData("http://127.0.0.1:41729", "http://127.0.0.1:41729/oauth/token")]
    [InlineData("http://127.0.0.1:41729/", "http://127.0.0.1:41729/oauth/token")]
    [InlineData("https://proxy.example.com/openai/", "https://proxy.example.com/openai/oauth/token")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080/oauth/token")]
    public void Authority_can_be_replaced_by_the_environment(string authority, string tokenEndpoint)
    {
        var env = OAuthTest.Env((OpenAICodexProvider.AuthorityVariable, authority));
        Assert.Equal(tokenEndpoint, Codex.TokenEndpoint(env).AbsoluteUri);
        Assert.Equal(tokenEndpoint.Replace("/oauth/token", "/oauth/authorize"), Codex.Endpoint("authorize", env).AbsoluteUri);
        Assert.StartsWith(Codex.Endpoint("authorize", env).AbsoluteUri + "?", Create(env).Url);
    }

    [Theory]
    [InlineData("http://localhost:40123/auth/callback")]
    [InlineData("http://127.0.0.1:1455/auth/callback")]
    [InlineData("http://[::1]:1455/cb")]
    public void Redirect_can_be_replaced_by_the_environment(string redirect)
    {
        var env = OAuthTest.Env((OpenAICodexProvider.RedirectVariable, redirect));
        Assert.Equal(redirect, Codex.RedirectUri(env).AbsoluteUri);
        Assert.Equal(redirect, OAuthTest.Query(Create(env).Url)["redirect_uri"]);
    }

    [Theory]
    [InlineData(OpenAICodexProvider.AuthorityVariable, "auth.openai.com")]
    [InlineData(OpenAICodexProvider.AuthorityVariable, "http://auth.example.com")]
    [InlineData(OpenAICodexProvider.AuthorityVariable, "ftp://127.0.0.1")]
    [InlineData(OpenAICodexProvider.AuthorityVariable, "https://auth.example.com/?x=1")]
    [InlineData(OpenAICodexProvider.RedirectVariable, "https://localhost:1455/auth/callback")]
    [InlineData(OpenAICodexProvider.RedirectVariable, "http://example.com:1455/auth/callback")]
    [InlineData(OpenAICodexProvider.RedirectVariable, "http://localhost/auth/callback")]
    [InlineData(OpenAICodexProvider.RedirectVariable, "http://localhost:1455/")]
    [InlineData(OpenAICodexProvider.RedirectVariable, "http://0.0.0.0:1455/auth/callback")]
    public void Unusable_overrides_are_refused(string variable, string value)
    {
        var ex = OAuthTest.Throws(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument,
            () => Create(OAuthTest.Env((variable, value))));
        Assert.Equal(variable, ex.Target);
    }

    [Fact]
    public void Empty_overrides_count_as_unset()
    {
        var env = OAuthTest.Env((OpenAICodexProvider.AuthorityVariable, " "), (OpenAICodexProvider.RedirectVariable, ""));
        Assert.Equal("https://auth.openai.com/oauth/token", Codex.TokenEndpoint(env).AbsoluteUri);
        Assert.Equal("http://localhost:1455/auth/callback", Codex.RedirectUri(env).AbsoluteUri);
    }
}
