using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text.Json.Nodes;
using Moltbot.Commands;
using Moltbot.Models;
using Xunit;

namespace Moltbot.PowerShell.Tests;

[Collection("powershell")]
public sealed class CmdletTests : IDisposable
{
    private const string SetupToken = "sk-ant-oat01-" + "SECRETsetupTOKENvalue0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU";
    private const string ApiKey = "sk-or-v1-SECRETapiKEYvalue42";
    private readonly MoltbotHost _host = new();

    public void Dispose() => _host.Dispose();

    private RunResult Run(string script) => _host.Run(script);

    // Only System.Management.Automation is hosted here (no ConvertTo-SecureString): build the SecureString through .NET.
    private static string Secure(string value) => $"([System.Net.NetworkCredential]::new('', '{value}').SecurePassword)";

    [Fact]
    public void Every_cmdlet_declares_its_output_type_and_derives_from_the_shared_base()
    {
        var cmdlets = typeof(MoltbotCmdlet).Assembly.GetExportedTypes()
            .Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null)
            .ToList();
        Assert.True(cmdlets.Count >= 8);
        foreach (var type in cmdlets)
        {
            Assert.True(type.GetCustomAttributes<OutputTypeAttribute>().Any(), $"{type.Name} has no [OutputType]");
            Assert.True(typeof(MoltbotCmdlet).IsAssignableFrom(type), $"{type.Name} does not derive from MoltbotCmdlet");
            var attr = type.GetCustomAttribute<CmdletAttribute>()!;
            Assert.StartsWith("Moltbot", attr.NounName, StringComparison.Ordinal);
            var changesDisk = attr.VerbName is "Set" or "New" or "Remove";
            Assert.True(!changesDisk || attr.SupportsShouldProcess, $"{type.Name} changes the disk but has no -WhatIf");
        }
    }

    [Fact]
    public void Setup_token_is_stored_as_a_static_token_profile_and_listed_without_its_secret()
    {
        var r = Run($"{Secure(SetupToken)} | Set-MoltbotSetupToken -PassThru -Verbose -Debug");
        r.ShouldSucceed();
        var profile = Assert.IsType<MoltbotAuthProfile>(Assert.Single(r.Output));
        Assert.Equal("main", profile.Agent);
        Assert.Equal("anthropic:manual", profile.ProfileId);
        Assert.Equal("token", profile.Type);
        Assert.Equal(MoltbotProfileStatus.Static, profile.Status);
        Assert.Equal(DateTime.MaxValue, profile.Expires);
        Assert.DoesNotContain("SECRETsetupTOKEN", r.AllText(), StringComparison.Ordinal);

        var store = JsonNode.Parse(File.ReadAllText(_host.MainStore))!;
        var stored = store["profiles"]!["anthropic:manual"]!.AsObject();
        Assert.Equal("token", (string?)stored["type"]);
        Assert.Equal(SetupToken, (string?)stored["token"]);
        Assert.False(stored.ContainsKey("expires"));
        Assert.False(stored.ContainsKey("refresh"));
        var config = JsonNode.Parse(File.ReadAllText(_host.ConfigPath))!;
        Assert.Equal("token", (string?)config["auth"]!["profiles"]!["anthropic:manual"]!["mode"]);
    }

    [Theory]
    [InlineData("sk-ant-api03-" + "x", "MoltbotInvalidSetupToken")]
    [InlineData("sk-ant-oat01-short", "MoltbotInvalidSetupToken")]
    [InlineData("   ", "MoltbotInvalidToken")]
    public void Bad_setup_tokens_are_refused_with_a_stable_error_and_nothing_is_written(string token, string errorId)
    {
        var r = Run($"Set-MoltbotSetupToken -Token {Secure(token)}");
        var error = r.SingleError();
        Assert.Equal(errorId + ",Moltbot.Commands.SetMoltbotSetupTokenCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.DoesNotContain(token.Trim().Length > 0 ? token : "\u0001", r.AllText(), StringComparison.Ordinal);
        Assert.False(File.Exists(_host.MainStore));
        Assert.False(File.Exists(_host.ConfigPath));
    }

    [Fact]
    public void A_setup_token_wrapped_across_lines_is_joined()
    {
        var wrapped = SetupToken.Substring(0, 40) + "\n  " + SetupToken.Substring(40);
        var r = _host.Run("$t = [System.Net.NetworkCredential]::new('', $raw).SecurePassword; Set-MoltbotSetupToken -Token $t -ProfileId work", new() { ["raw"] = wrapped });
        r.ShouldSucceed();
        var store = JsonNode.Parse(File.ReadAllText(_host.MainStore))!;
        Assert.Equal(SetupToken, (string?)store["profiles"]!["anthropic:work"]!["token"]);
    }

    [Fact]
    public void Expires_filter_returns_exactly_the_expired_profiles()
    {
        Run($"Set-MoltbotSetupToken -Token {Secure(SetupToken)}").ShouldSucceed();
        Run($"Set-MoltbotApiKey openrouter {Secure(ApiKey)}").ShouldSucceed();
        Run($"Set-MoltbotSetupToken -Provider github-copilot -Token {Secure("ghu_SECRET")} -ExpiresIn 2h").ShouldSucceed();
        // An expired token and an expired OAuth profile, written as OpenClaw would have left them.
        var store = JsonNode.Parse(File.ReadAllText(_host.MainStore))!.AsObject();
        var past = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        store["profiles"]!["openrouter:old"] = new JsonObject { ["type"] = "token", ["provider"] = "openrouter", ["token"] = "x", ["expires"] = past };
        store["profiles"]!["openai-codex:default"] = new JsonObject
        {
            ["type"] = "oauth", ["provider"] = "openai-codex", ["access"] = "a", ["refresh"] = "r", ["expires"] = past, ["accountId"] = "acct-1",
        };
        File.WriteAllText(_host.MainStore, store.ToJsonString());

        // Utility cmdlets are not hosted here ([datetime]::Now stands in for Get-Date; Pester runs the real thing).
        var r = Run("Get-MoltbotAuthProfile | Where-Object Expires -lt ([datetime]::Now) | ForEach-Object ProfileId");
        r.ShouldSucceed();
        Assert.Equal(new[] { "openai-codex:default", "openrouter:old" }, r.Output.Select(o => (string)o!).OrderBy(s => s, StringComparer.Ordinal).ToArray());

        var all = Run("Get-MoltbotAuthProfile").Output.Cast<MoltbotAuthProfile>().ToDictionary(p => p.ProfileId);
        Assert.Equal(MoltbotProfileStatus.Expiring, all["github-copilot:manual"].Status);
        Assert.Equal(MoltbotProfileStatus.Static, all["openrouter:default"].Status);
        Assert.Equal(MoltbotProfileStatus.Ok, all["openai-codex:default"].Status); // refreshable: ok, as openclaw models status says
        Assert.True(all["openai-codex:default"].Refreshable);
        Assert.Equal("acct-1", all["openai-codex:default"].AccountId);
    }

    [Fact]
    public void WhatIf_leaves_the_disk_unchanged()
    {
        Run($"Set-MoltbotSetupToken -Token {Secure(SetupToken)}").ShouldSucceed();
        var before = Snapshot();
        var r = Run($@"
            Set-MoltbotSetupToken -Token {Secure(SetupToken)} -ProfileId other -WhatIf
            Set-MoltbotApiKey openrouter {Secure(ApiKey)} -WhatIf
            Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:manual -WhatIf
            Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:manual -Global -WhatIf
            Remove-MoltbotAuthProfile anthropic:manual -WhatIf
            Get-MoltbotAuthProfile | Remove-MoltbotAuthProfile -Force -WhatIf
            New-MoltbotAgent work -WhatIf");
        r.ShouldSucceed();
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Pipeline_removes_by_property_name_across_agents()
    {
        Run("New-MoltbotAgent work | Out-Null").ShouldSucceed();
        Run($"Set-MoltbotApiKey openrouter {Secure(ApiKey)}; Set-MoltbotApiKey openrouter {Secure(ApiKey)} -Agent work; Set-MoltbotSetupToken -Token {Secure(SetupToken)} -Agent work").ShouldSucceed();
        var r = Run("Get-MoltbotAuthProfile -Provider openrouter | Remove-MoltbotAuthProfile -Force -PassThru");
        r.ShouldSucceed();
        Assert.Equal(2, r.Output.Count);
        var left = Run("Get-MoltbotAuthProfile").Output.Cast<MoltbotAuthProfile>().Select(p => p.Agent + "/" + p.ProfileId).ToList();
        Assert.Equal(new[] { "work/anthropic:manual" }, left);
        var config = JsonNode.Parse(File.ReadAllText(_host.ConfigPath))!;
        Assert.Null(config["auth"]!["profiles"]!["openrouter:default"]);
        Assert.NotNull(config["auth"]!["profiles"]!["anthropic:manual"]);
    }

    [Fact]
    public void Removing_a_missing_profile_is_a_non_terminating_ObjectNotFound()
    {
        var r = Run("Remove-MoltbotAuthProfile nope:none -Force; 'after'");
        Assert.Null(r.Terminating);
        Assert.Equal(new object?[] { "after" }, r.Output.ToArray());
        var error = Assert.Single(r.Errors);
        Assert.Equal("MoltbotProfileNotFound,Moltbot.Commands.RemoveMoltbotAuthProfileCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void Order_is_set_per_agent_and_globally_and_unknown_ids_are_refused()
    {
        Run($"Set-MoltbotSetupToken -Token {Secure(SetupToken)}; Set-MoltbotApiKey anthropic {Secure(ApiKey)} -ProfileId work").ShouldSucceed();
        var set = Run("Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:work, anthropic:manual -PassThru");
        set.ShouldSucceed();
        var order = Assert.IsType<MoltbotAuthOrder>(Assert.Single(set.Output));
        Assert.Equal(new[] { "anthropic:work", "anthropic:manual" }, order.ProfileId);
        var ranks = Run("Get-MoltbotAuthProfile").Output.Cast<MoltbotAuthProfile>().OrderBy(p => p.Rank).Select(p => p.ProfileId);
        Assert.Equal(new[] { "anthropic:work", "anthropic:manual" }, ranks.ToArray());

        var bad = Run("Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:manual, anthropic:ghost");
        var error = bad.SingleError();
        Assert.Equal("MoltbotProfileNotFound,Moltbot.Commands.SetMoltbotAuthOrderCommand", error.FullyQualifiedErrorId);
        var store = JsonNode.Parse(File.ReadAllText(_host.MainStore))!;
        Assert.Equal("anthropic:work", (string?)store["order"]!["anthropic"]![0]);

        Run("Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:manual -Global").ShouldSucceed();
        var config = JsonNode.Parse(File.ReadAllText(_host.ConfigPath))!;
        Assert.Equal("anthropic:manual", (string?)config["auth"]!["order"]!["anthropic"]![0]);

        Run("Set-MoltbotAuthOrder -Provider anthropic -Clear").ShouldSucceed();
        store = JsonNode.Parse(File.ReadAllText(_host.MainStore))!;
        Assert.Null(store["order"]);
        var global = Run("Get-MoltbotAuthOrder -Global").Output.Cast<MoltbotAuthOrder>().Single();
        Assert.Equal("Global", global.Scope);
    }

    [Fact]
    public void A_corrupt_store_is_reported_as_InvalidData_and_never_overwritten()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MainStore)!);
        const string corrupt = "{\"version\":1,\"profiles\":{\"anthropic:default\":{\"type\":\"token\",\"token\":\"sk-ant-oat01-LEAKME";
        File.WriteAllText(_host.MainStore, corrupt);

        var list = Run("Get-MoltbotAuthProfile");
        var listError = Assert.Single(list.Errors);
        Assert.Equal("MoltbotStoreUnreadable,Moltbot.Commands.GetMoltbotAuthProfileCommand", listError.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, listError.CategoryInfo.Category);
        Assert.Contains(_host.MainStore, listError.Exception.Message, StringComparison.Ordinal);

        var write = Run($"Set-MoltbotSetupToken -Token {Secure(SetupToken)}");
        var writeError = write.SingleError();
        Assert.Equal("MoltbotStoreUnreadable,Moltbot.Commands.SetMoltbotSetupTokenCommand", writeError.FullyQualifiedErrorId);
        Assert.Equal(corrupt, File.ReadAllText(_host.MainStore));
        Assert.DoesNotContain("LEAKME", list.AllText() + write.AllText(), StringComparison.Ordinal);
        Assert.False(File.Exists(_host.MainStore + ".lock"));
    }

    [Fact]
    public void A_corrupt_config_stops_writes_before_any_store_is_touched()
    {
        File.WriteAllText(_host.ConfigPath, "{ agents: { list: [ { id: 'main' } ] ");
        var r = Run($"Set-MoltbotSetupToken -Token {Secure(SetupToken)}");
        var error = r.SingleError();
        Assert.Equal("MoltbotConfigUnreadable,Moltbot.Commands.SetMoltbotSetupTokenCommand", error.FullyQualifiedErrorId);
        Assert.False(File.Exists(_host.MainStore));
        Assert.Equal("{ agents: { list: [ { id: 'main' } ] ", File.ReadAllText(_host.ConfigPath));
    }

    [Fact]
    public void New_agent_refuses_main_and_duplicates_and_lists_with_profiles()
    {
        var reserved = Run("New-MoltbotAgent ' Main '");
        Assert.Equal("MoltbotAgentReserved,Moltbot.Commands.NewMoltbotAgentCommand",
            reserved.SingleError().FullyQualifiedErrorId);

        var created = Run("New-MoltbotAgent 'Work Bot'");
        created.ShouldSucceed();
        var agent = Assert.IsType<MoltbotAgent>(Assert.Single(created.Output));
        Assert.Equal("work-bot", agent.Id);
        Assert.True(Directory.Exists(agent.AgentDir));

        var again = Run("New-MoltbotAgent work-bot");
        var error = again.SingleError();
        Assert.Equal("MoltbotAgentExists,Moltbot.Commands.NewMoltbotAgentCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Run("New-MoltbotAgent work-bot -Force -Model anthropic/claude-sonnet-4-5").ShouldSucceed();

        var agents = Run("Get-MoltbotAgent").Output.Cast<MoltbotAgent>().ToList();
        Assert.Equal(new[] { "main", "work-bot" }, agents.Select(a => a.Id));
        Assert.True(agents[0].IsDefault);
        Assert.Equal("anthropic/claude-sonnet-4-5", agents[1].Model);

        var missing = Run("Get-MoltbotAuthProfile -Agent ghost");
        Assert.Equal("MoltbotAgentNotFound,Moltbot.Commands.GetMoltbotAuthProfileCommand", Assert.Single(missing.Errors).FullyQualifiedErrorId);
        Assert.Empty(Run("Get-MoltbotAuthProfile -Agent gh*").Errors);
    }

    [Fact]
    public void ExpiresIn_takes_OpenClaw_duration_words_and_timespans()
    {
        Run($"Set-MoltbotSetupToken -Provider openrouter -Token {Secure(ApiKey)} -ExpiresIn 365d").ShouldSucceed();
        Run($"Set-MoltbotSetupToken -Provider openrouter -ProfileId short -Token {Secure(ApiKey)} -ExpiresIn ([timespan]::FromMinutes(90))").ShouldSucceed();
        var profiles = Run("Get-MoltbotAuthProfile -Provider openrouter").Output.Cast<MoltbotAuthProfile>().ToDictionary(p => p.ProfileId);
        Assert.InRange((profiles["openrouter:manual"].Expires - DateTime.Now).TotalDays, 364.9, 365.1);
        Assert.InRange((profiles["openrouter:short"].Expires - DateTime.Now).TotalMinutes, 88, 91);
        var bad = Run($"Set-MoltbotSetupToken -Provider openrouter -Token {Secure(ApiKey)} -ExpiresIn soon");
        Assert.Contains("ParameterArgumentTransformationError", bad.SingleError().FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void Tab_completion_offers_agents_providers_and_profile_ids()
    {
        Run("New-MoltbotAgent work | Out-Null").ShouldSucceed();
        Run($"Set-MoltbotApiKey openrouter {Secure(ApiKey)} -Agent work -ProfileId 'team'").ShouldSucceed();
        string[] Complete(string line)
        {
            var r = _host.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText",
                new() { ["line"] = line });
            r.ShouldSucceed();
            return r.Output.Select(o => o!.ToString()!).ToArray();
        }
        Assert.Equal(new[] { "main", "work" }, Complete("Get-MoltbotAuthProfile -Agent "));
        Assert.Equal(new[] { "work" }, Complete("Get-MoltbotAuthProfile -Agent W"));
        Assert.Contains("openrouter", Complete("Set-MoltbotApiKey -Provider open"));
        Assert.Equal(new[] { "openrouter:team" }, Complete("Remove-MoltbotAuthProfile -Agent work -ProfileId "));
        Assert.Empty(Complete("Remove-MoltbotAuthProfile -Agent main -ProfileId "));
    }

    private string Snapshot() => string.Join("\n", Directory.EnumerateFileSystemEntries(_host.StateDir, "*", SearchOption.AllDirectories)
        .OrderBy(p => p, StringComparer.Ordinal)
        .Select(p => p + (File.Exists(p) ? " " + File.ReadAllText(p) : "/")));
}
