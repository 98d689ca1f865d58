using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Moltbot.Core.External;

/// <summary>Reads macOS Keychain generic passwords. Tests pass their own; <see cref="ForPlatform"/> is null off macOS.</summary>
public interface IKeychain
{
    /// <summary>The password (a CLI's JSON document) of the entry, or null when there is none.</summary>
    string? Find(KeychainEntry entry);
}

/// <summary>
/// The Keychain through <c>/usr/bin/security find-generic-password -s &lt;service&gt; [-a &lt;account&gt;] -w</c>, as
/// OpenClaw reads Claude Code's and Codex's entries. The password arrives on stdout and is never logged; a refusal (no
/// entry, a locked keychain, a denied prompt) counts as no entry.
/// </summary>
public sealed class SecurityCommandKeychain : IKeychain
{
    private readonly string _security;
    private readonly TimeSpan _timeout;

    public SecurityCommandKeychain(string security = "/usr/bin/security", TimeSpan? timeout = null)
    {
        _security = security;
        _timeout = timeout ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>The Keychain of this machine on macOS; null elsewhere (the CLIs keep files there).</summary>
    public static IKeychain? ForPlatform() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? new SecurityCommandKeychain() : null;

    public string? Find(KeychainEntry entry)
    {
        var start = new ProcessStartInfo(_security)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("find-generic-password");
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add(entry.Service);
        if (entry.Account is not null)
        {
            start.ArgumentList.Add("-a");
            start.ArgumentList.Add(entry.Account);
        }
        start.ArgumentList.Add("-w");
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit((int)_timeout.TotalMilliseconds))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                return null;
            }
            var text = stdout.GetAwaiter().GetResult().Trim();
            return process.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no security tool
        }
    }
}
