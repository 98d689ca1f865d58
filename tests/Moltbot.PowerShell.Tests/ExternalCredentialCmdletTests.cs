using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using Moltbot.Models;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.PowerShell.Tests;

/// <summary>Get-/Import-MoltbotExternalCredential in-process, with the Codex CLI's file in a temp home (HOME and CODEX_HOME).</summary>
[Collection("powershell")]
public sealed class ExternalCredentialCmdletTests : IDisposable
{
    private readonly MoltbotHost _host = new();
    private readonly ITestOutputHelper _out;
    private static readonly string[] CliVariables = { "HOME", "CODEX_HOME", "CLAUDE_CONFIG_DIR", "QWEN_HOME", "GEMINI_CLI_HOME" };
    private readonly System.Collections.Generic.Dictionary<string, string?> _saved = CliVariables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly string _home;

    public ExternalCredentialCmdletTests(ITestOutputHelper output)
    {
        _out = output;
        _home = Path.Combine(_host.StateDir, "..", Path.GetFileName(_host.StateDir) + "-home");
        Directory.CreateDirectory(_home);
        // The CLIs' files are looked for here, never in the real home.
        foreach (var variable in CliVariables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        Environment.SetEnvironmentVariable("HOME", _home);
        Environment.SetEnvironmentVariable("CODEX_HOME", Path.Combine(_home, ".codex"));
    }

    public void Dispose()
    {
        foreach (var (variable, value) in _saved)
        {
            Environment.SetEnvironmentVariable(variable, value);
        }
        _host.Dispose();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string Access(string account, string email, DateTimeOffset expires)
    {
        var payload = new JsonObject
        {
            ["sub"] = "u-" + Guid.NewGuid().ToString("N"),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["https://api.openai.com/auth"] = new JsonObject { ["chatgpt_account_id"] = account },
            ["https://api.openai.com/profile"] = new JsonObject { ["email"] = email },
        };
        var jwt = B64("{\"alg\":\"RS256\"}") + "." + B64(payload.ToJsonString()) + ".c2ln";
        _host.RegisterSecret(jwt);
        return jwt;
    }

    private string Refresh()
    {
        var value = "rt_INPROC" + Guid.NewGuid().ToString("N");
        _host.RegisterSecret(value);
        return value;
    }

    private string WriteCodex(string access, string refresh, string account = "acct-ps-1")
    {
        var dir = Path.Combine(_home, ".codex");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "auth.json");
        File.WriteAllText(path, new JsonObject
        {
            ["auth_mode"] = "chatgpt",
            ["tokens"] = new JsonObject { ["access_token"] = access, ["refresh_token"] = refresh, ["account_id"] = account },
            ["last_refresh"] = "2026-12-01T00:00:00Z",
        }.ToJsonString());
        return path;
    }

    [Fact]
    public void The_pipeline_imports_and_the_listing_then_shows_the_shared_chain_without_a_secret()
    {
        WriteCodex(Access("acct-ps-1", "ps@example.com", DateTimeOffset.UtcNow.AddDays(2)), Refresh());

        var r = _host.Run("Get-MoltbotExternalCredential | Import-MoltbotExternalCredential -Verbose");
        r.ShouldSucceed();
        var import = Assert.IsType<MoltbotExternalImport>(Assert.Single(r.Output));
        Assert.Equal(MoltbotExternalImportAction.Imported, import.Action);
        Assert.Equal("openai-codex:codex-cli", import.ProfileId);

        var listed = _host.Run("Get-MoltbotExternalCredential codex");
        listed.ShouldSucceed();
        var credential = Assert.IsType<MoltbotExternalCredential>(Assert.Single(listed.Output));
        var holder = Assert.Single(credential.SharedWith);
        Assert.Equal(MoltbotCredentialHolderKind.Agent, holder.Kind);
        Assert.Equal("main", holder.Name);
        Assert.Equal("agent 'main' (openai-codex:codex-cli)", holder.ToString());
        _out.WriteLine($"runs: 2; shared with: {credential.SharedWithDisplay}");
    }

    [Fact]
    public void A_refused_entry_is_a_typed_non_terminating_error_and_the_script_goes_on()
    {
        var local = new JsonObject
        {
            ["version"] = 1,
            ["profiles"] = new JsonObject
            {
                ["openai-codex:codex-cli"] = new JsonObject
                {
                    ["type"] = "oauth", ["provider"] = "openai-codex", ["access"] = "local-access-value", ["refresh"] = Refresh(),
                    ["expires"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(), ["accountId"] = "acct-ps-LOCAL",
                },
            },
        };
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MainStore)!);
        File.WriteAllText(_host.MainStore, local.ToJsonString());
        var before = File.ReadAllBytes(_host.MainStore);
        WriteCodex(Access("acct-ps-OTHER", "other@example.com", DateTimeOffset.UtcNow.AddDays(2)), Refresh(), "acct-ps-OTHER");

        var r = _host.Run("Import-MoltbotExternalCredential codex -Force; 'next'");

        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal("MoltbotExternalIdentityMismatch,Moltbot.Commands.ImportMoltbotExternalCredentialCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(MoltbotExternalImportAction.Refused, Assert.IsType<MoltbotExternalImport>(r.Output[0]).Action);
        Assert.Equal("next", r.Output[^1]);
        Assert.Equal(before, File.ReadAllBytes(_host.MainStore));
    }

    [Fact]
    public void TakeOwnership_warns_with_the_sign_in_command_and_empties_the_CLI_refresh_token()
    {
        var refresh = Refresh();
        var path = WriteCodex(Access("acct-ps-1", "ps@example.com", DateTimeOffset.UtcNow.AddDays(2)), refresh);

        var r = _host.Run("Import-MoltbotExternalCredential -Cli codex -TakeOwnership");

        r.ShouldSucceed();
        var import = Assert.IsType<MoltbotExternalImport>(Assert.Single(r.Output));
        Assert.Equal(MoltbotExternalImportAction.TookOwnership, import.Action);
        Assert.Equal("codex login", import.SignInCommand);
        Assert.Contains(r.Messages, m => m.Contains("run 'codex login'", StringComparison.Ordinal));
        Assert.Equal(string.Empty, (string?)JsonNode.Parse(File.ReadAllText(path))!["tokens"]!["refresh_token"]);
        Assert.Equal(refresh, (string?)JsonNode.Parse(File.ReadAllText(_host.MainStore))!["profiles"]!["openai-codex:codex-cli"]!["refresh"]);
    }

    [Fact]
    public void Cli_completes_from_the_registry_with_ids_and_aliases()
    {
        var r = _host.Run("$line = 'Import-MoltbotExternalCredential -Cli co'; (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText");
        r.ShouldSucceed();
        var texts = r.Output.Select(o => o?.ToString()).ToList();
        _out.WriteLine("completions: " + string.Join(", ", texts));
        Assert.Contains("codex", texts);
        Assert.Contains("codex-cli", texts);
        Assert.DoesNotContain("openai-codex", texts);
    }
}
