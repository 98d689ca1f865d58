using System;
using System.IO;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Whether this shell is remote or headless, as OpenClaw decides it (oauth-providers.md §2.1): any of SSH_CLIENT,
/// SSH_TTY, SSH_CONNECTION, REMOTE_CONTAINERS, CODESPACES set; or Linux with neither DISPLAY nor WAYLAND_DISPLAY and not
/// WSL. A set BROWSER names a browser command, so a display-less Linux shell with BROWSER is not headless (SSH still
/// is). WSL2 is reported apart: OpenClaw's Google logins go to paste there.
/// </summary>
public sealed record RemoteSession(bool IsRemote, bool IsWsl2, string Reason)
{
    private static readonly string[] RemoteVariables = { "SSH_CLIENT", "SSH_TTY", "SSH_CONNECTION", "REMOTE_CONTAINERS", "CODESPACES" };

    /// <param name="procVersion">The text of /proc/version (tests pass one); read from the system when null.</param>
    public static RemoteSession Detect(MoltbotEnvironment environment, string? procVersion = null, bool? isLinux = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var linux = isLinux ?? OperatingSystem.IsLinux();
        var version = linux ? procVersion ?? ReadProcVersion() : string.Empty;
        var lower = version.ToLowerInvariant();
        var wsl = lower.Contains("microsoft", StringComparison.Ordinal) || lower.Contains("wsl", StringComparison.Ordinal);
        var wsl2 = lower.Contains("wsl2", StringComparison.Ordinal) || lower.Contains("microsoft-standard", StringComparison.Ordinal);
        foreach (var name in RemoteVariables)
        {
            if (environment.Get(name) is not null)
            {
                return new RemoteSession(true, wsl2, $"{name} is set (a remote session)");
            }
        }
        if (linux && !wsl && environment.Get("DISPLAY") is null && environment.Get("WAYLAND_DISPLAY") is null && environment.Get("BROWSER") is null)
        {
            return new RemoteSession(true, wsl2, "no DISPLAY, WAYLAND_DISPLAY or BROWSER (a headless shell)");
        }
        return new RemoteSession(false, wsl2, wsl2 ? "WSL2" : "a desktop session");
    }

    private static string ReadProcVersion()
    {
        try
        {
            return File.ReadAllText("/proc/version");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
