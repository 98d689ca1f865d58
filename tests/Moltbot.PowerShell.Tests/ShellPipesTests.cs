using System;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using Moltbot.Commands;
using Moltbot.Models;
using Xunit;

namespace Moltbot.PowerShell.Tests;

/// <summary>Issue 15, points 7-11, in-process: pipeline binding of -Agent, JSON/CSV exports, table widths, Rank.</summary>
[Collection("powershell")]
public sealed class ShellPipesTests : IDisposable
{
    private const string ApiKey = "sk-or-v1-SECRETpipesKEY0123456789";
    private const string CsvKey = "sk-proj-SECRETcsvROWkey0123456789";
    private readonly MoltbotHost _host = new();

    public ShellPipesTests()
    {
        _host.RegisterSecret(ApiKey);
        _host.RegisterSecret(CsvKey);
    }

    public void Dispose() => _host.Dispose();

    private RunResult Run(string script) => _host.Run(script);

    private static string Secure(string value) => $"([System.Net.NetworkCredential]::new('', '{value}').SecurePassword)";

    private void Seed()
    {
        Run("New-MoltbotAgent work | Out-Null; New-MoltbotAgent ops | Out-Null").ShouldSucceed();
        Run($"$k = {Secure(ApiKey)}; Set-MoltbotApiKey openrouter $k; Set-MoltbotApiKey openrouter $k -Agent work; Set-MoltbotApiKey openrouter $k -Agent ops").ShouldSucceed();
    }

    /// <summary>
    /// The one -Agent pattern (point 7): every -Agent parameter takes an agent object through
    /// <see cref="AgentTransformationAttribute"/>, binds by property name, and by value exactly where no other parameter
    /// of the cmdlet takes pipeline input by value (a piped secret would also bind a string -Agent in the coercion pass).
    /// </summary>
    [Fact]
    public void Every_Agent_parameter_follows_the_pipeline_pattern()
    {
        var cmdlets = typeof(MoltbotCmdlet).Assembly.GetExportedTypes().Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null).ToList();
        var checkedCount = 0;
        foreach (var type in cmdlets)
        {
            var agent = type.GetProperty("Agent");
            if (agent?.GetCustomAttributes<ParameterAttribute>().FirstOrDefault() is not { } parameter)
            {
                continue;
            }
            checkedCount++;
            Assert.True(agent.GetCustomAttribute<AgentTransformationAttribute>() is not null, $"{type.Name} -Agent has no [AgentTransformation]");
            Assert.True(parameter.ValueFromPipelineByPropertyName, $"{type.Name} -Agent does not bind by property name");
            var otherByValue = type.GetProperties()
                .Where(p => p.Name != "Agent")
                .Any(p => p.GetCustomAttributes<ParameterAttribute>().Any(a => a.ValueFromPipeline));
            Assert.True(parameter.ValueFromPipeline == !otherByValue,
                $"{type.Name} -Agent: ValueFromPipeline must be {!otherByValue} (another parameter takes input by value: {otherByValue})");
        }
        Assert.True(checkedCount >= 11, $"only {checkedCount} cmdlets with -Agent");
    }

    [Fact]
    public void Agent_objects_and_names_pipe_into_the_listing_and_the_writers()
    {
        Seed();
        var byObject = Run("Get-MoltbotAgent work | Get-MoltbotAuthProfile");
        byObject.ShouldSucceed();
        Assert.Equal(new[] { "work" }, byObject.Output.Cast<MoltbotAuthProfile>().Select(p => p.Agent));

        var byName = Run("'ops', 'work' | Get-MoltbotAuthProfile");
        byName.ShouldSucceed();
        Assert.Equal(new[] { "ops", "work" }, byName.Output.Cast<MoltbotAuthProfile>().Select(p => p.Agent));

        var writer = Run($"Get-MoltbotAgent ops | Set-MoltbotApiKey openai -ApiKey {Secure(CsvKey)} -PassThru");
        writer.ShouldSucceed();
        var stored = Assert.IsType<MoltbotAuthProfile>(Assert.Single(writer.Output));
        Assert.Equal(("ops", "openai:default"), (stored.Agent, stored.ProfileId));
    }

    [Fact]
    public void A_piped_SecureString_binds_to_the_token_only_never_to_Agent()
    {
        var token = "sk-ant-oat01-" + new string('p', 80);
        _host.RegisterSecret(token);
        var r = Run($"{Secure(token)} | Set-MoltbotSetupToken -PassThru");
        r.ShouldSucceed();
        Assert.Equal("main", Assert.IsType<MoltbotAuthProfile>(Assert.Single(r.Output)).Agent);
        var agents = Run("Get-MoltbotAgent").Output.Cast<MoltbotAgent>().Select(a => a.Id);
        Assert.Equal(new[] { "main" }, agents);
    }

    [Fact]
    public void An_object_without_an_agent_is_refused_by_its_type_and_its_text_never_becomes_an_agent_name()
    {
        Seed();
        // PowerShell's own InputObjectNotBound error carries the piped object as its TargetObject, so the row here holds
        // a marker, not a secret; what must not happen is that its text becomes an agent name (and an error message).
        var r = Run("[pscustomobject]@{ Provider = 'openai'; Note = 'ROWTEXTMARKER' } | Get-MoltbotAuthProfile");
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("InputObjectNotBound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.DoesNotContain("ROWTEXTMARKER", error.ToString() + error.ErrorDetails?.Message + error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(r.Output);

        // A CSV row with an Agent column binds it by property name.
        var row = Run("[pscustomobject]@{ Agent = 'work'; Note = 'x' } | Get-MoltbotAuthProfile");
        row.ShouldSucceed();
        Assert.Equal("work", Assert.IsType<MoltbotAuthProfile>(Assert.Single(row.Output)).Agent);
    }
}

/// <summary>Point 9 for every output type, by reflection: what the views need is never what the exports carry.</summary>
public sealed class ExportShapeTests
{
    private static readonly Type[] Models = typeof(MoltbotAuthProfile).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == "Moltbot.Models").ToArray();

    [Fact]
    public void Every_hidden_member_of_an_output_type_is_left_out_of_ConvertTo_Json()
    {
        var hidden = Models.SelectMany(t => t.GetProperties().Where(p => p.GetCustomAttribute<HiddenAttribute>() is not null).Select(p => (t, p))).ToList();
        Assert.True(hidden.Count > 50);
        foreach (var (type, property) in hidden)
        {
            Assert.True(property.GetCustomAttribute<Newtonsoft.Json.JsonIgnoreAttribute>() is not null, $"{type.Name}.{property.Name} is hidden but ConvertTo-Json would export it");
        }
        foreach (var property in Models.SelectMany(t => t.GetProperties()).Where(p => p.Name.EndsWith("Display", StringComparison.Ordinal) && p.Name != "DisplayName"))
        {
            Assert.True(property.GetCustomAttribute<HiddenAttribute>() is not null, $"{property.DeclaringType!.Name}.{property.Name} is a view-only member but not hidden");
        }
    }

    [Fact]
    public void Every_enum_of_an_output_type_is_exported_by_name()
    {
        var enums = Models.Where(t => t.IsEnum).ToList();
        Assert.Contains(typeof(MoltbotProfileStatus), enums);
        foreach (var type in enums)
        {
            var converter = type.GetCustomAttribute<Newtonsoft.Json.JsonConverterAttribute>();
            Assert.True(converter?.ConverterType == typeof(Newtonsoft.Json.Converters.StringEnumConverter), $"{type.Name} would be exported as a number");
        }
    }

    [Fact]
    public void No_exported_date_is_year_9999_or_without_an_offset()
    {
        foreach (var property in Models.SelectMany(t => t.GetProperties()).Where(p => p.GetCustomAttribute<HiddenAttribute>() is null))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            Assert.True(type != typeof(DateTime), $"{property.DeclaringType!.Name}.{property.Name} is an exported DateTime (no offset; MaxValue for never)");
        }
        var never = new MoltbotAuthProfile { Expires = DateTime.MaxValue };
        Assert.Null(never.ExpiresAt);
        Assert.False(never.HasExpiry);
        var soon = new MoltbotAuthProfile { Expires = DateTime.Now.AddHours(1) };
        Assert.Equal(TimeZoneInfo.Local.GetUtcOffset(soon.Expires), soon.ExpiresAt!.Value.Offset);
    }
}
