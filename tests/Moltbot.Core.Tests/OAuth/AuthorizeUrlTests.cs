using System;
using System.Linq;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public class AuthorizeUrlTests
{
    [Fact]
    public void Defaults_are_the_Codex_client()
    {
        var options = CodexOAuthOptions.FromEnvironment(OAuthTest.Env());
        Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", options.ClientId);
        Assert.Equal("https://auth.openai.com/oauth/authorize", options.AuthorizeEndpoint.AbsoluteUri);
        Assert.Equal("https://auth.openai.com/oauth/token", options.TokenEndpoint.AbsoluteUri);
        Assert.Equal("http://localhost:1455/auth/callback", options.RedirectUri.AbsoluteUri);
        Assert.Equal("openid profile email offline_access", options.Scope);
    }

    [Fact]
    public void Authorize_url_carries_exactly_the_Codex_parameters()
    {
        var options = new CodexOAuthOptions();
        var pkce = Pkce.FromVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        var request = AuthorizeRequest.Create(options, pkce, "0123456789abcdef0123456789abcdef");

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
        var options = new CodexOAuthOptions();
        var a = AuthorizeRequest.Create(options);
        var b = AuthorizeRequest.Create(options);
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
        var options = CodexOAuthOptions.FromEnvironment(OAuthTest.Env((CodexOAuthOptions.AuthorityVariable, authority)));
        Assert.Equal(tokenEndpoint, options.TokenEndpoint.AbsoluteUri);
        Assert.Equal(tokenEndpoint.Replace("/oauth/token", "/oauth/authorize"), options.AuthorizeEndpoint.AbsoluteUri);
        Assert.StartsWith(options.AuthorizeEndpoint.AbsoluteUri + "?", AuthorizeRequest.Create(options).Url);
    }

    [Theory]
    [InlineData("http://localhost:40123/auth/callback")]
    [InlineData("http://127.0.0.1:1455/auth/callback")]
    [InlineData("http://[::1]:1455/cb")]
    public void Redirect_can_be_replaced_by_the_environment(string redirect)
    {
        var options = CodexOAuthOptions.FromEnvironment(OAuthTest.Env((CodexOAuthOptions.RedirectUriVariable, redirect)));
        Assert.Equal(redirect, options.RedirectUri.AbsoluteUri);
        Assert.Equal(redirect, OAuthTest.Query(AuthorizeRequest.Create(options).Url)["redirect_uri"]);
    }

    [Theory]
    [InlineData(CodexOAuthOptions.AuthorityVariable, "auth.openai.com")]
    [InlineData(CodexOAuthOptions.AuthorityVariable, "http://auth.example.com")]
    [InlineData(CodexOAuthOptions.AuthorityVariable, "ftp://127.0.0.1")]
    [InlineData(CodexOAuthOptions.AuthorityVariable, "https://auth.example.com/?x=1")]
    [InlineData(CodexOAuthOptions.RedirectUriVariable, "https://localhost:1455/auth/callback")]
    [InlineData(CodexOAuthOptions.RedirectUriVariable, "http://example.com:1455/auth/callback")]
    [InlineData(CodexOAuthOptions.RedirectUriVariable, "http://localhost/auth/callback")]
    [InlineData(CodexOAuthOptions.RedirectUriVariable, "http://localhost:1455/")]
    [InlineData(CodexOAuthOptions.RedirectUriVariable, "http://0.0.0.0:1455/auth/callback")]
    public void Unusable_overrides_are_refused(string variable, string value)
    {
        var ex = OAuthTest.Throws(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument,
            () => CodexOAuthOptions.FromEnvironment(OAuthTest.Env((variable, value))));
        Assert.Equal(variable, ex.Target);
    }

    [Fact]
    public void Empty_overrides_count_as_unset()
    {
        var options = CodexOAuthOptions.FromEnvironment(OAuthTest.Env((CodexOAuthOptions.AuthorityVariable, " "), (CodexOAuthOptions.RedirectUriVariable, "")));
        Assert.Equal("https://auth.openai.com/", options.Authority.AbsoluteUri);
        Assert.Equal("http://localhost:1455/auth/callback", options.RedirectUri.AbsoluteUri);
    }
}
