using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json.Nodes;
using Moltbot.Core.OAuth;
using Moltbot.Models;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.PowerShell.Tests;

/// <summary>
/// Issue 13, in-process: Update-MoltbotAuthProfile passes over profiles it cannot refresh when they come from the
/// pipeline (one verbose line each) and refuses them when named; a refused Codex refresh says the provider's error code
/// and, in ErrorDetails.RecommendedAction, what to do. The token endpoint is the loopback one of RefreshStopTests.
/// </summary>
[Collection("powershell")]
public sealed class ProviderSurfaceTests : IDisposable
{
    private const string Codex = "openai-codex:default";
    private const string Refresh = "rt_SURFACE_SECRET_refresh_0001";
    private const string Access = "SURFACE_SECRET_access_0001";
    private readonly MoltbotHost _host = new();
    private readonly ITestOutputHelper _out;

    public ProviderSurfaceTests(ITestOutputHelper output) => _out = output;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, null);
        _host.Dispose();
    }

    private void WriteStore(long codexExpiresInMs)
    {
        _host.RegisterSecret(Refresh);
        _host.RegisterSecret(Access);
        var expires = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + codexExpiresInMs;
        var profiles = new JsonObject
        {
            [Codex] = new JsonObject { ["type"] = "oauth", ["provider"] = "openai-codex", ["access"] = Access, ["refresh"] = Refresh, ["expires"] = expires, ["accountId"] = "acct-1" },
            ["openrouter:default"] = new JsonObject { ["type"] = "api_key", ["provider"] = "openrouter", ["key"] = "sk-or-v1-SURFACE_SECRET_key_0001" },
            ["anthropic:default"] = new JsonObject { ["type"] = "token", ["provider"] = "anthropic", ["token"] = "sk-ant-oat01-SURFACE_SECRET_token_0001" },
            ["example-unrefreshed:default"] = new JsonObject { ["type"] = "oauth", ["provider"] = "example-unrefreshed", ["access"] = "SURFACE_SECRET_other_access", ["refresh"] = "SURFACE_SECRET_other_refresh", ["expires"] = expires },
        };
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MainStore)!);
        File.WriteAllText(_host.MainStore, new JsonObject { ["version"] = 1, ["profiles"] = profiles }.ToJsonString());
    }

    [Fact]
    public void From_the_pipeline_unrefreshable_profiles_are_skipped_with_a_verbose_line_each_named_they_are_errors()
    {
        WriteStore(3_600_000);
        using var endpoint = new RefreshStopTests.HoldingTokenEndpoint(Refresh);
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, endpoint.Url);

        var r = _host.Run("Get-MoltbotAuthProfile | Update-MoltbotAuthProfile -PassThru -Verbose");
        r.ShouldSucceed();
        var refreshed = Assert.IsType<MoltbotAuthProfile>(Assert.Single(r.Output));
        Assert.Equal(Codex, refreshed.ProfileId);
        var skipped = r.Messages.Where(m => m.StartsWith("Skipping profile", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, skipped.Count);
        Assert.Contains(skipped, m => m.Contains("'openrouter:default'", StringComparison.Ordinal) && m.Contains("api_key credential is static", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("'anthropic:default'", StringComparison.Ordinal) && m.Contains("token credential is static", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("'example-unrefreshed:default'", StringComparison.Ordinal) && m.Contains("Get-MoltbotProvider -Refreshable", StringComparison.Ordinal));
        Assert.Single(endpoint.Presented);

        // Any object with a ProfileId property counts as pipeline input.
        var piped = _host.Run("[pscustomobject] @{ ProfileId = 'anthropic:default' } | Update-MoltbotAuthProfile -Verbose");
        piped.ShouldSucceed();
        Assert.Contains(piped.Messages, m => m.StartsWith("Skipping profile 'anthropic:default'", StringComparison.Ordinal));

        var key = _host.Run("Update-MoltbotAuthProfile -ProfileId openrouter:default").SingleError();
        Assert.Equal("MoltbotProfileNotRefreshable,Moltbot.Commands.UpdateMoltbotAuthProfileCommand", key.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, key.CategoryInfo.Category);
        var other = _host.Run("Update-MoltbotAuthProfile -ProfileId example-unrefreshed:default").SingleError();
        Assert.Equal("MoltbotRefreshNotSupported,Moltbot.Commands.UpdateMoltbotAuthProfileCommand", other.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotImplemented, other.CategoryInfo.Category);
        Assert.Single(endpoint.Presented);
        _out.WriteLine($"pipeline of 4 profiles: refreshed 1, skipped {skipped.Count} (verbose lines), errors 0; refresh requests {endpoint.Presented.Count}; named: 2 errors");
    }

    [Fact]
    public void A_refused_Codex_refresh_says_the_provider_code_and_what_to_do_in_RecommendedAction()
    {
        WriteStore(-60_000); // expired: Get-MoltbotAccessToken refreshes
        using var endpoint = new RefreshStopTests.HoldingTokenEndpoint("rt_SURFACE_SECRET_the_one_the_server_knows");
        _host.RegisterSecret("rt_SURFACE_SECRET_the_one_the_server_knows");
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, endpoint.Url);
        var before = File.ReadAllText(_host.MainStore);
        var advice = OpenAICodexProvider.Instance.RefreshFailedAdvice("main", Codex);
        Assert.Contains("Connect-MoltbotProvider openai-codex -Agent main -ProfileId openai-codex:default", advice, StringComparison.Ordinal);

        foreach (var (script, command) in new[]
                 {
                     ("Get-MoltbotAccessToken openai-codex", "GetMoltbotAccessTokenCommand"),
                     ($"Update-MoltbotAuthProfile -ProfileId {Codex}", "UpdateMoltbotAuthProfileCommand"),
                     ($"Get-MoltbotAuthProfile -ProfileId {Codex} | Update-MoltbotAuthProfile", "UpdateMoltbotAuthProfileCommand"),
                 })
        {
            var error = _host.Run(script).SingleError();
            Assert.Equal("MoltbotRefreshFailed,Moltbot.Commands." + command, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
            Assert.Contains("invalid_grant", error.Exception.Message, StringComparison.Ordinal);
            Assert.Equal("invalid_grant", error.Exception.Data[TokenEndpointClient.ProviderErrorKey]);
            Assert.Equal(advice, error.ErrorDetails?.RecommendedAction);
            Assert.Equal(before, File.ReadAllText(_host.MainStore));
            _out.WriteLine($"{script}: {error.FullyQualifiedErrorId}; code {error.Exception.Data[TokenEndpointClient.ProviderErrorKey]}; action: {error.ErrorDetails?.RecommendedAction}");
        }
        Assert.Equal(3, endpoint.Presented.Count);
    }
}
