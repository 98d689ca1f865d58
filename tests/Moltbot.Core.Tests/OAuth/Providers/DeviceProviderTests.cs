using System;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Tests.OAuth.Flows;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.OAuth.Providers;

public sealed class GitHubCopilotProviderTests
{
    private const string Api = "http://127.0.0.1:9/api";
    private readonly ITestOutputHelper _output;
    private readonly StepClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public GitHubCopilotProviderTests(ITestOutputHelper output) => _output = output;

    private CopilotToken Exchange(ScriptedProvider server, string github = "ghu_abc123") =>
        GitHubCopilotProvider.Instance.ExchangeAsync(new TokenEndpointClient(new HttpMessageInvoker(server), _clock), github, null,
            OAuthTest.Env((GitHubCopilotProvider.ApiVariable, Api)), TimeSpan.FromSeconds(5), CancellationToken.None).GetAwaiter().GetResult();

    private ScriptedProvider Answer(int status, string json) => new ScriptedProvider(_clock).On("/api/copilot_internal/v2/token", (status, json));

    [Theory]
    [InlineData("1800003600", 1_800_003_600_000)]
    [InlineData("1800003600123", 1_800_003_600_123)]
    [InlineData("\"1800003600\"", 1_800_003_600_000)]
    public void Exchange_reads_expires_at_in_seconds_ms_or_a_numeric_string(string expiresAt, long expectedMs)
    {
        var server = Answer(200, $"{{\"token\":\"tid=1;exp=1;proxy-ep=proxy.enterprise.githubcopilot.com;x=y\",\"expires_at\":{expiresAt},\"refresh_in\":1500}}");
        var token = Exchange(server);
        _output.WriteLine($"expires_at {expiresAt} -> {token.ExpiresAt:O}, api {token.ApiBaseUrl}");
        Assert.Equal(expectedMs, token.ExpiresAt.ToUnixTimeMilliseconds());
        Assert.Equal(new Uri("https://api.enterprise.githubcopilot.com"), token.ApiBaseUrl);
        Assert.Equal("Bearer ghu_abc123", server.Requests[0].Headers["Authorization"]);
        Assert.Equal("GET", server.Requests[0].Method);
    }

    [Fact]
    public void Exchange_without_expires_at_is_an_invalid_answer()
    {
        OAuthTest.Throws(OAuthErrorIds.InvalidTokenResponse, MoltbotErrorKind.AuthenticationError, () => Exchange(Answer(200, "{\"token\":\"tid=1\"}")));
    }

    [Fact]
    public void Exchange_401_and_403_are_clear_errors_without_the_token()
    {
        var bad = OAuthTest.Throws(OAuthErrorIds.CopilotTokenRefused, MoltbotErrorKind.AuthenticationError, () => Exchange(Answer(401, "{\"message\":\"Bad credentials\"}")));
        var pat = OAuthTest.Throws(OAuthErrorIds.CopilotTokenRefused, MoltbotErrorKind.PermissionDenied,
            () => Exchange(Answer(403, "{\"message\":\"Resource not accessible by personal access token ghp_secret99\"}"), "ghp_secret99"));
        _output.WriteLine(bad.Message);
        _output.WriteLine(pat.Message);
        Assert.Contains("Bad credentials", bad.Message);
        Assert.Contains("personal access token", pat.Message);
        Assert.DoesNotContain("ghp_secret99", pat.Message);
    }

    [Fact]
    public void The_api_base_defaults_to_the_individual_endpoint()
    {
        Assert.Equal(new Uri(GitHubCopilotProvider.DefaultApiBase), GitHubCopilotProvider.ApiBaseFrom("tid=1;exp=2"));
    }

    [Theory]
    [InlineData("company.ghe.com", "company.ghe.com")]
    [InlineData("https://Company.GHE.com/some/path", "company.ghe.com")]
    [InlineData("github.com", null)]
    public void Enterprise_domains_are_normalised(string input, string? expected)
    {
        Assert.Equal(expected, GitHubCopilotProvider.EnterpriseDomain(input, OAuthTest.Env()));
    }

    [Fact]
    public void The_domain_variable_is_used_and_garbage_is_refused()
    {
        Assert.Equal("acme.ghe.com", GitHubCopilotProvider.EnterpriseDomain(null, OAuthTest.Env((GitHubCopilotProvider.DomainVariable, "acme.ghe.com"))));
        OAuthTest.Throws(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument, () => GitHubCopilotProvider.EnterpriseDomain("not a domain", OAuthTest.Env()));
    }

    [Fact]
    public void Copilot_is_a_static_token_that_is_not_refreshed()
    {
        Assert.False(GitHubCopilotProvider.Instance.Refreshable);
        Assert.Equal(Moltbot.Core.Store.CredentialType.Token, GitHubCopilotProvider.Instance.StoredType);
        Assert.Equal("github-copilot:github", GitHubCopilotProvider.Instance.DefaultProfileId(new OAuthCredential("ghu_x", null, null, type: Moltbot.Core.Store.CredentialType.Token)));
    }
}

public sealed class QwenAndMiniMaxRefreshTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly StepClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "moltbot-device-" + Guid.NewGuid().ToString("N"));

    public QwenAndMiniMaxRefreshTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TokenAnswer Answer(string json) => new(200, JsonDocument.Parse(json).RootElement.Clone(), null, null);

    [Fact]
    public void Qwen_refresh_keeps_the_old_refresh_token_when_none_comes_back_and_has_no_skew()
    {
        var previous = new OAuthCredential("old", "qrt-old", 1);
        var now = _clock.GetUtcNow();
        var kept = QwenPortalProvider.Instance.ReadTokenAnswer(Answer("{\"access_token\":\"a2\",\"expires_in\":3600}"), TokenGrant.Refresh, previous, now);
        var rotated = QwenPortalProvider.Instance.ReadTokenAnswer(Answer("{\"access_token\":\"a3\",\"refresh_token\":\"qrt-new\",\"expires_in\":3600}"), TokenGrant.Refresh, previous, now);
        Assert.Equal("qrt-old", kept.Refresh);
        Assert.Equal("qrt-new", rotated.Refresh);
        Assert.Equal(now.ToUnixTimeMilliseconds() + 3_600_000, kept.ExpiresMs);
        OAuthTest.Throws(OAuthErrorIds.InvalidTokenResponse, MoltbotErrorKind.AuthenticationError,
            () => QwenPortalProvider.Instance.ReadTokenAnswer(Answer("{\"access_token\":\"a\",\"expires_in\":3600}"), TokenGrant.Login, null, now));
        Assert.Contains("re-authenticate", QwenPortalProvider.Instance.RefreshFailedAdvice("main", "qwen-portal:default"));
    }

    [Fact]
    public void Qwen_slow_down_is_1_5x_capped_at_10_s()
    {
        var answer = Answer("{\"error\":\"slow_down\"}");
        Assert.Equal(TimeSpan.FromSeconds(3), QwenPortalProvider.Instance.SlowDownInterval(TimeSpan.FromSeconds(2), answer));
        Assert.Equal(TimeSpan.FromSeconds(10), QwenPortalProvider.Instance.SlowDownInterval(TimeSpan.FromSeconds(8), answer));
    }

    [Theory]
    [InlineData(null, "/mm/oauth/token")]
    [InlineData("https://api.minimax.io/anthropic", "/mm/oauth/token")]
    [InlineData("https://api.minimaxi.com/anthropic", "/mmcn/oauth/token")]
    [InlineData("https://gateway.corp.example/minimax", "/mm/oauth/token")]
    public void MiniMax_refresh_takes_its_region_from_the_configured_base_url(string? baseUrl, string expectedPath)
    {
        if (baseUrl is not null)
        {
            File.WriteAllText(Path.Combine(_dir, "openclaw.json"), $"{{\"models\":{{\"providers\":{{\"minimax-portal\":{{\"baseUrl\":\"{baseUrl}\"}}}}}}}}");
        }
        var env = OAuthTest.Env(("OPENCLAW_STATE_DIR", _dir), (MiniMaxPortalProvider.GlobalVariable, "http://127.0.0.1:9/mm"), (MiniMaxPortalProvider.CnVariable, "http://127.0.0.1:9/mmcn"));
        var endpoint = MiniMaxPortalProvider.Instance.TokenEndpoint(env);
        _output.WriteLine($"{baseUrl ?? "(no config)"} -> {endpoint}");
        Assert.Equal(expectedPath, endpoint.AbsolutePath);
    }

    [Fact]
    public void MiniMax_refresh_answer_keeps_expired_in_verbatim_and_the_old_refresh_token_when_omitted()
    {
        var previous = new OAuthCredential("old", "mrt-old", 1);
        var kept = MiniMaxPortalProvider.Instance.ReadTokenAnswer(Answer("{\"access_token\":\"m2\",\"expired_in\":1900000000999}"), TokenGrant.Refresh, previous, _clock.GetUtcNow());
        Assert.Equal("mrt-old", kept.Refresh);
        Assert.Equal(1_900_000_000_999, kept.ExpiresMs);
        Assert.Null(kept.ProviderConfig);
    }
}
