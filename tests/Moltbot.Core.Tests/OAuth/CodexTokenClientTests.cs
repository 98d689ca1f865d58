using System;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public class CodexTokenClientTests // the Codex definition over TokenEndpointClient
{
    private const string Code = "ac_SECRETCODE_123456";
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private static readonly DateTimeOffset Now = new(2026, 1, 30, 12, 0, 0, TimeSpan.Zero);

    private static (CodexClient Client, FakeTokenEndpoint Endpoint) Create(Func<HttpRequestMessage, string, HttpResponseMessage> answer, Moltbot.Core.State.MoltbotEnvironment? environment = null)
    {
        var endpoint = new FakeTokenEndpoint(answer);
        var client = new CodexClient(new TokenEndpointClient(new HttpClient(endpoint), new FixedClock(Now)), environment ?? OAuthTest.Env());
        return (client, endpoint);
    }

    /// <summary>The Codex definition's code exchange over the shared token client, in a given environment.</summary>
    private sealed record CodexClient(TokenEndpointClient Inner, Moltbot.Core.State.MoltbotEnvironment Environment)
    {
        public Task<OAuthCredential> ExchangeCodeAsync(string code, string verifier, CancellationToken cancellationToken) =>
            Inner.ExchangeCodeAsync(code, verifier, cancellationToken, Environment);
    }

    private static string Success(string access, string refresh = "rt_SECRETREFRESH", string expiresIn = "3600") =>
        $"{{\"access_token\":\"{access}\",\"refresh_token\":\"{refresh}\",\"expires_in\":{expiresIn},\"id_token\":\"x.y.z\",\"token_type\":\"Bearer\",\"scope\":\"openid profile email\"}}";

    [Fact]
    public async Task Exchange_posts_a_public_client_form_and_returns_the_credential_with_expires_now_plus_expires_in()
    {
        var access = OAuthTest.CodexAccessToken("acct-42", "tester@example.com");
        var (client, endpoint) = Create((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.OK, Success(access)));

        var tokens = await client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None);

        Assert.Equal(access, tokens.Access);
        Assert.Equal("rt_SECRETREFRESH", tokens.Refresh);
        Assert.Equal(Now.ToUnixTimeMilliseconds() + 3600 * 1000, tokens.ExpiresMs);
        Assert.Equal("acct-42", tokens.AccountId);
        Assert.Equal("tester@example.com", tokens.Email);
        Assert.DoesNotContain("SECRET", tokens.ToString());

        var fields = tokens.ToSecretFields();
        Assert.Equal(new[] { "access", "refresh", "expires", "accountId" }, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(fields, kv => kv.Key)));
        Assert.Equal(Now.ToUnixTimeMilliseconds() + 3_600_000, fields["expires"]!.GetValue<long>());

        var (request, body) = Assert.Single(endpoint.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://auth.openai.com/oauth/token", request.RequestUri!.AbsoluteUri);
        Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
        Assert.Null(request.Headers.Authorization);
        var form = RedirectPaste.ParseQuery(body);
        Assert.Equal("authorization_code", form["grant_type"]);
        Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", form["client_id"]);
        Assert.Equal(Code, form["code"]);
        Assert.Equal(Verifier, form["code_verifier"]);
        Assert.Equal("http://localhost:1455/auth/callback", form["redirect_uri"]);
        Assert.False(form.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task Token_endpoint_errors_become_AuthenticationFailed_with_the_servers_error_and_no_secret()
    {
        // A server that (badly) echoes the code and the verifier back must not leak them into the message.
        var (client, _) = Create((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.BadRequest,
            $"{{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid (code {Code}, verifier {Verifier})\"}}"));

        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None));
        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.AuthenticationError, ex.Kind);
        Assert.Contains("HTTP 400", ex.Message);
        Assert.Contains("invalid_grant", ex.Message);
        Assert.Contains("grant request is invalid", ex.Message);
        Assert.DoesNotContain(Code, ex.Message);
        Assert.DoesNotContain(Verifier, ex.Message);
        Assert.DoesNotContain(Code, ex.ToString());
    }

    [Fact]
    public async Task OpenAI_shaped_error_objects_are_read_too()
    {
        var (client, _) = Create((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.Unauthorized,
            "{\"error\":{\"message\":\"Your refresh token has already been used\",\"type\":\"invalid_request_error\",\"code\":\"refresh_token_reused\"}}"));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None));
        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.Contains("HTTP 401 refresh_token_reused: Your refresh token has already been used", ex.Message);
    }

    [Fact]
    public async Task Non_json_error_pages_still_give_a_clear_error()
    {
        var (client, _) = Create((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") });
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None));
        Assert.Equal(OAuthErrorIds.AuthenticationFailed, ex.ErrorId);
        Assert.Contains("HTTP 502", ex.Message);
    }

    [Theory]
    [InlineData("{\"refresh_token\":\"r\",\"expires_in\":3600}", "access_token")]
    [InlineData("{\"access_token\":\"ACCESS\",\"expires_in\":3600}", "refresh_token")]
    [InlineData("{\"access_token\":\"ACCESS\",\"refresh_token\":\"r\"}", "expires_in")]
    [InlineData("{\"access_token\":\"ACCESS\",\"refresh_token\":\"r\",\"expires_in\":\"3600\"}", "expires_in")]
    [InlineData("{\"access_token\":\"ACCESS\",\"refresh_token\":\"r\",\"expires_in\":0}", "expires_in")]
    public async Task Responses_missing_a_required_field_are_refused(string json, string missing)
    {
        var access = OAuthTest.CodexAccessToken();
        var (client, _) = Create((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.OK, json.Replace("ACCESS", access)));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None));
        Assert.Equal(OAuthErrorIds.InvalidTokenResponse, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.AuthenticationError, ex.Kind);
        Assert.Contains(missing, ex.Message);
        Assert.DoesNotContain(access, ex.Message);
    }

    [Fact]
    public async Task An_access_token_without_the_account_claim_is_refused()
    {
        var access = OAuthTest.Jwt(new JsonObject { ["sub"] = "x" });
        var (client, _) = Create((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.OK, Success(access)));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None));
        Assert.Equal(OAuthErrorIds.AccountIdMissing, ex.ErrorId);
        Assert.DoesNotContain(access, ex.Message);
    }

    [Fact]
    public async Task Network_failures_become_TokenEndpointUnreachable()
    {
        var (client, _) = Create((_, _) => throw new HttpRequestException("Connection refused (127.0.0.1:9)"));
        var ex = await Assert.ThrowsAsync<MoltbotException>(() => client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None));
        Assert.Equal(OAuthErrorIds.TokenEndpointUnreachable, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.ConnectionError, ex.Kind);
        Assert.Contains("Connection refused", ex.Message);
    }

    [Fact]
    public async Task The_authority_override_moves_the_token_endpoint()
    {
        var environment = OAuthTest.Env((OpenAICodexProvider.AuthorityVariable, "http://127.0.0.1:41729"));
        var (client, endpoint) = Create((_, _) => FakeTokenEndpoint.Json(HttpStatusCode.OK, Success(OAuthTest.CodexAccessToken())), environment);
        await client.ExchangeCodeAsync(Code, Verifier, CancellationToken.None);
        Assert.Equal("http://127.0.0.1:41729/oauth/token", Assert.Single(endpoint.Requests).Request.RequestUri!.AbsoluteUri);
    }
}
