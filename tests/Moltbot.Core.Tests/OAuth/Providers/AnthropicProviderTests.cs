using System;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth.Providers;

public class AnthropicProviderTests
{
    private static readonly AnthropicProvider Anthropic = AnthropicProvider.Instance;

    [Fact]
    public void There_is_no_login_and_the_refusal_points_at_the_setup_token()
    {
        Assert.Empty(Anthropic.Flows);
        var ex = OAuthTest.Throws(OAuthErrorIds.ProviderNotSupported, MoltbotErrorKind.NotImplemented, () => ProviderRegistry.ForLogin("anthropic"));
        Assert.Contains("setup token", ex.Message);
        Assert.Contains("Set-MoltbotSetupToken", ex.RecommendedAction);
        Assert.Contains("claude setup-token", ex.RecommendedAction);
        var flow = OAuthTest.Throws(OAuthErrorIds.ProviderNotSupported, MoltbotErrorKind.NotImplemented, () => LoginService.FlowFor(Anthropic, new LoginSettings()));
        Assert.Contains("Set-MoltbotSetupToken", flow.RecommendedAction);
        Assert.True(Moltbot.Core.Refresh.TokenRefresher.IsRefreshable("anthropic"));
    }

    [Fact]
    public async Task Refresh_posts_JSON_with_the_public_client_and_stores_the_rotated_token_five_minutes_early()
    {
        var server = new FakeProviderServer().On("/v1/oauth/token", (HttpStatusCode.OK,
            "{\"token_type\":\"Bearer\",\"access_token\":\"sk-ant-oat01-new\",\"expires_in\":28800,\"refresh_token\":\"sk-ant-ort01-new\",\"scope\":\"user:inference\"}"));
        var stored = AuthCodeTest.Stored("anthropic", new JsonObject { ["email"] = "c@example.com" });
        var fresh = await Anthropic.RefreshAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)), stored, OAuthTest.Env(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var (request, body) = Assert.Single(server.Requests);
        Assert.Equal("https://console.anthropic.com/v1/oauth/token", request.RequestUri!.AbsoluteUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        var json = FakeProviderServer.JsonBody(body);
        Assert.Equal(new[] { "client_id", "grant_type", "refresh_token" }, json.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal("refresh_token", json["grant_type"]!.GetValue<string>());
        Assert.Equal("9d1c250a-e61b-44d9-88ed-5944d1962f5e", json["client_id"]!.GetValue<string>());
        Assert.Equal("old-refresh-token", json["refresh_token"]!.GetValue<string>());
        Assert.Equal("sk-ant-ort01-new", fresh.Refresh);
        Assert.Equal(AuthCodeTest.Ms(AuthCodeTest.Now) + 28800_000 - 300_000, fresh.ExpiresMs);
        var node = (JsonObject)stored.Profile.Node.DeepClone();
        fresh.MergeInto(node);
        Assert.Equal("c@example.com", AuthCodeTest.Str(node, "email"));
        Assert.Equal("sk-ant-ort01-new", AuthCodeTest.Str(node, "refresh"));
    }

    [Fact]
    public async Task The_authority_moves_with_its_variable_and_a_refusal_carries_the_providers_code()
    {
        var server = new FakeProviderServer().On("/anthropic/v1/oauth/token", (HttpStatusCode.BadRequest, "{\"error\":\"invalid_grant\",\"error_description\":\"Refresh token not found or invalid\"}"));
        var env = OAuthTest.Env(("MOLTBOT_ANTHROPIC_AUTHORITY", "http://127.0.0.1:9/anthropic"));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Anthropic.RefreshAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)),
            AuthCodeTest.Stored("anthropic", new JsonObject()), env, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal("http://127.0.0.1:9/anthropic/v1/oauth/token", server.Requests.Single().Request.RequestUri!.AbsoluteUri);
        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.Equal("invalid_grant", ex.Data[TokenEndpointClient.ProviderErrorKey]);
        Assert.DoesNotContain("old-refresh-token", ex.Message);
        Assert.Contains("Set-MoltbotSetupToken", Anthropic.RefreshFailedAdvice("main", "anthropic:default"));
    }

    [Fact]
    public async Task A_refresh_answer_without_a_new_refresh_token_is_refused_because_the_old_one_is_spent()
    {
        var server = new FakeProviderServer().On("/v1/oauth/token", (HttpStatusCode.OK, "{\"access_token\":\"sk-ant-oat01-new\",\"expires_in\":28800}"));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => Anthropic.RefreshAsync(AuthCodeTest.Client(server, new FixedClock(AuthCodeTest.Now)),
            AuthCodeTest.Stored("anthropic", new JsonObject()), OAuthTest.Env(), TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(OAuthErrorIds.InvalidTokenResponse, ex.ErrorId);
        Assert.Contains("refresh_token", ex.Message);
    }
}
