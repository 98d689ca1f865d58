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
/// Issue 14, in-process: Get-MoltbotAccessToken -RejectedToken (a String or a SecureString, never shown), and a profile
/// whose refresh token the Codex CLI also holds (a temp CODEX_HOME): listed with SharedWith, refused by
/// Update-MoltbotAuthProfile without -Force (the pipeline goes on), refreshed with -Force and a warning. The token
/// endpoint is the loopback one of RefreshStopTests.
/// </summary>
[Collection("powershell")]
public sealed class SharedChainCmdletTests : IDisposable
{
    private const string Codex = "openai-codex:default";
    private const string Refresh = "rt_SHARED_SECRET_refresh_0001";
    private const string Access = "SHARED_SECRET_access_0001";
    private readonly MoltbotHost _host = new();
    private readonly ITestOutputHelper _out;
    private readonly string _codexHome;

    /// <summary>The other CLIs' folder variables: pointed at empty folders, so that SharedWith never reads the real home.</summary>
    private static readonly string[] OtherCliVariables = { "CLAUDE_CONFIG_DIR", "QWEN_HOME", "GEMINI_CLI_HOME" };

    public SharedChainCmdletTests(ITestOutputHelper output)
    {
        _out = output;
        _codexHome = Path.Combine(_host.StateDir, "codex-home");
        Environment.SetEnvironmentVariable("CODEX_HOME", _codexHome); // never the real ~/.codex
        foreach (var variable in OtherCliVariables)
        {
            Environment.SetEnvironmentVariable(variable, Path.Combine(_host.StateDir, "cli-" + variable)); // nothing there
        }
        _host.RegisterSecret(Refresh);
        _host.RegisterSecret(Access);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, null);
        Environment.SetEnvironmentVariable("CODEX_HOME", null);
        foreach (var variable in OtherCliVariables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        _host.Dispose();
    }

    private void WriteStore(long expiresInMs)
    {
        var expires = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + expiresInMs;
        var profiles = new JsonObject
        {
            [Codex] = new JsonObject { ["type"] = "oauth", ["provider"] = "openai-codex", ["access"] = Access, ["refresh"] = Refresh, ["expires"] = expires, ["accountId"] = "acct-1" },
            ["openrouter:default"] = new JsonObject { ["type"] = "api_key", ["provider"] = "openrouter", ["key"] = "sk-or-v1-SHARED_SECRET_key_0001" },
        };
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MainStore)!);
        File.WriteAllText(_host.MainStore, new JsonObject { ["version"] = 1, ["profiles"] = profiles }.ToJsonString());
    }

    private string WriteCodexAuth(string refresh)
    {
        Directory.CreateDirectory(_codexHome);
        var path = Path.Combine(_codexHome, "auth.json");
        File.WriteAllText(path, new JsonObject
        {
            ["OPENAI_API_KEY"] = null,
            ["tokens"] = new JsonObject { ["access_token"] = "SHARED_SECRET_cli_access", ["refresh_token"] = refresh, ["account_id"] = "acct-1" },
            ["last_refresh"] = "2026-12-01T10:00:00Z",
        }.ToJsonString());
        _host.RegisterSecret("SHARED_SECRET_cli_access");
        return path;
    }

    [Fact]
    public void RejectedToken_takes_a_String_or_a_SecureString_and_refreshes_only_when_the_store_still_holds_it()
    {
        WriteStore(3_600_000);
        using var endpoint = new RefreshStopTests.HoldingTokenEndpoint(Refresh);
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, endpoint.Url);
        const string elsewhere = "SHARED_SECRET_rejected_elsewhere";
        _host.RegisterSecret(elsewhere);

        // A token the store no longer holds: the stored one, as it is.
        var other = _host.Run($"Get-MoltbotAccessToken -ProfileId {Codex} -RejectedToken '{elsewhere}' -AsPlainText -Verbose -Debug");
        other.ShouldSucceed();
        var kept = Assert.IsType<MoltbotAccessToken>(Assert.Single(other.Output));
        Assert.Equal(Access, kept.Token);
        Assert.False(kept.Refreshed);
        Assert.Empty(endpoint.Presented);
        Assert.DoesNotContain(elsewhere, string.Join("\n", other.Messages), StringComparison.Ordinal);

        // The stored token, rejected (a SecureString): refreshed although it has not expired.
        var same = _host.Run($"Get-MoltbotAccessToken -ProfileId {Codex} -RejectedToken ([System.Net.NetworkCredential]::new('', '{Access}').SecurePassword) -Verbose");
        same.ShouldSucceed();
        var refreshed = Assert.IsType<MoltbotAccessToken>(Assert.Single(same.Output));
        Assert.True(refreshed.Refreshed);
        Assert.Equal(new[] { Refresh }, endpoint.Presented);

        // Anything else is refused by its type, never by its text.
        var bad = _host.Run($"Get-MoltbotAccessToken -ProfileId {Codex} -RejectedToken @{{ t = '{elsewhere}' }}");
        var refused = bad.Terminating?.Message ?? bad.SingleError().Exception.Message;
        Assert.Contains("Hashtable", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(elsewhere, refused, StringComparison.Ordinal);
        Assert.Equal(new[] { Refresh }, endpoint.Presented);
        _out.WriteLine($"-RejectedToken: other token -> {(kept.Refreshed ? "refreshed" : "stored")}, stored token -> {(refreshed.Refreshed ? "refreshed" : "stored")}; requests {endpoint.Presented.Count}");
    }

    [Fact]
    public void A_valid_profile_whose_token_the_Codex_CLI_holds_is_listed_as_shared_refused_without_Force_and_refreshed_with_a_warning_with_it()
    {
        WriteStore(3_600_000);
        var auth = WriteCodexAuth(Refresh);
        using var endpoint = new RefreshStopTests.HoldingTokenEndpoint(Refresh);
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, endpoint.Url);

        var listed = _host.Run("Get-MoltbotAuthProfile");
        listed.ShouldSucceed();
        var codex = listed.Output.Cast<MoltbotAuthProfile>().Single(p => p.ProfileId == Codex);
        var holder = Assert.Single(codex.SharedWith);
        Assert.Equal(MoltbotCredentialHolderKind.ExternalCli, holder.Kind);
        Assert.Equal("codex", holder.Name);
        Assert.Equal(auth, holder.Path);
        Assert.Equal($"Codex CLI ({auth})", holder.ToString());
        Assert.Empty(listed.Output.Cast<MoltbotAuthProfile>().Single(p => p.ProfileId == "openrouter:default").SharedWith);
        var shared = _host.Run("Get-MoltbotAuthProfile -Shared");
        Assert.Equal(new[] { Codex }, shared.Output.Cast<MoltbotAuthProfile>().Select(p => p.ProfileId));

        var refused = _host.Run("Get-MoltbotAuthProfile | Update-MoltbotAuthProfile -Verbose; 'pipeline went on'");
        var error = refused.SingleError();
        Assert.Equal("MoltbotSharedRefreshToken,Moltbot.Commands.UpdateMoltbotAuthProfileCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceBusy, error.CategoryInfo.Category);
        Assert.Contains("-TakeOwnership", error.ErrorDetails?.RecommendedAction, StringComparison.Ordinal);
        Assert.Equal("pipeline went on", Assert.Single(refused.Output));
        Assert.Empty(endpoint.Presented);

        var forced = _host.Run($"Update-MoltbotAuthProfile -ProfileId {Codex} -Force");
        forced.ShouldSucceed();
        var warning = Assert.Single(forced.Messages);
        Assert.Contains($"Codex CLI ({auth})", warning, StringComparison.Ordinal);
        Assert.Contains("'codex login'", warning, StringComparison.Ordinal);
        Assert.Equal(new[] { Refresh }, endpoint.Presented);
        _out.WriteLine($"shared chain: without -Force {error.FullyQualifiedErrorId} and 0 requests; with -Force {endpoint.Presented.Count} request and the warning: {warning}");
    }
}
