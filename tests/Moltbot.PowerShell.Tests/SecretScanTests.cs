using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;

namespace Moltbot.PowerShell.Tests;

/// <summary>The secret scan of <see cref="MoltbotHost"/> finds what it looks for, so its silence in the other tests means something.</summary>
[Collection("powershell")]
public sealed class SecretScanTests
{
    private static string Planted() => "planted-" + Guid.NewGuid().ToString("N");

    /// <summary>Runs a script in a plain runspace and records it as the host does.</summary>
    private static SecretScanner RecordPlain(string secret, string script)
    {
        var scanner = new SecretScanner();
        scanner.Add(secret);
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        runspace.SessionStateProxy.SetVariable("secret", secret);
        ps.AddScript(script);
        Exception? terminating = null;
        IEnumerable<PSObject> output = Array.Empty<PSObject>();
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            terminating = ex;
        }
        scanner.Record("self-test", output, ps.Streams, terminating);
        return scanner;
    }

    [Fact]
    public void Finds_a_secret_held_only_by_an_inner_exception_of_an_error_record()
    {
        var secret = Planted();
        const string Fail = @"
            function Fail { [CmdletBinding()] param([switch] $Stop)
                $inner = [System.Net.Http.HttpRequestException]::new(""token endpoint said: $secret"")
                $record = [System.Management.Automation.ErrorRecord]::new([InvalidOperationException]::new('The refresh was refused.', $inner), 'X', 'AuthenticationError', $null)
                if ($Stop) { $PSCmdlet.ThrowTerminatingError($record) } else { $PSCmdlet.WriteError($record) }
            }";
        foreach (var call in new[] { "Fail", "Fail -Stop" })
        {
            var scanner = RecordPlain(secret, Fail + "\n" + call);
            var hits = scanner.Hits();
            Assert.NotEmpty(hits);
            Assert.All(hits, h => Assert.DoesNotContain(secret, h, StringComparison.Ordinal));
            var ex = Assert.Throws<Xunit.Sdk.XunitException>(scanner.AssertClean);
            Assert.DoesNotContain(secret, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Finds_a_secret_held_only_by_a_nested_property_of_an_output_object_or_a_stream_message()
    {
        var secret = Planted();
        Assert.NotEmpty(RecordPlain(secret, "[pscustomobject]@{ Id = 'a:b'; Detail = [pscustomobject]@{ Inner = @{ deep = @('x', $secret) } } }").Hits());
        Assert.NotEmpty(RecordPlain(secret, "function V { [CmdletBinding()] param() $PSCmdlet.WriteVerbose(\"v $secret\") }; V -Verbose").Hits());
        Assert.Empty(RecordPlain(secret, "[pscustomobject]@{ Id = 'a:b' }").Hits());
    }

    [Fact]
    public void Learns_secrets_from_the_script_the_variables_and_the_store()
    {
        var scanner = new SecretScanner();
        scanner.AddFromScript("Set-MoltbotApiKey x ([System.Net.NetworkCredential]::new('', 'sk-literal-0123456789').SecurePassword)", null);
        scanner.AddFromScript("$t = [System.Net.NetworkCredential]::new('', $raw).SecurePassword", new Dictionary<string, object?> { ["raw"] = "sk-variable-0123456789", ["line"] = "Get-MoltbotAuthProfile -Agent " });
        Assert.Equal(2, scanner.SecretCount);

        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "moltbot-scan-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(System.IO.Path.Combine(dir, "agents", "main", "agent"));
        try
        {
            System.IO.File.WriteAllText(System.IO.Path.Combine(dir, "agents", "main", "agent", "auth-profiles.json"),
                "{\"profiles\":{\"a\":{\"type\":\"oauth\",\"access\":\"access-0123456789\",\"refresh\":\"refresh-0123456789\",\"accountId\":\"acct-not-secret-01\"},\"b\":{\"key\":\"k\"}}}");
            scanner.Harvest(dir);
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
        Assert.Equal(4, scanner.SecretCount);
    }

    [Fact]
    public void The_host_scans_every_run_of_a_cmdlet_test()
    {
        using var host = new MoltbotHost();
        var token = "sk-ant-oat01-" + new string('x', 60) + Guid.NewGuid().ToString("N");
        host.Run($"Set-MoltbotSetupToken -Token ([System.Net.NetworkCredential]::new('', '{token}').SecurePassword) -PassThru -Verbose -Debug").ShouldSucceed();
        host.Run("Get-MoltbotAuthProfile -Agent ghost").Errors.ForEach(e => Assert.Contains("MoltbotAgentNotFound", e.FullyQualifiedErrorId, StringComparison.Ordinal));
        Assert.True(host.Secrets.SecretCount >= 1, "the setup token is known to the scan");
        Assert.True(host.Secrets.RecordCount >= 4, "output, verbose, debug and the error were recorded");
        Assert.Empty(host.Secrets.Hits());
    }
}
