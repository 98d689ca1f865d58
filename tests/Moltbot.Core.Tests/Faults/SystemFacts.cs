using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Moltbot.Core.Tests.Faults;

/// <summary>What the machine lets a test do (asked once, by running the real tool); the reason when it does not.</summary>
internal static class SystemProbe
{
    private static readonly Lazy<string?> PidNamespaceRefusal = new(() =>
        OperatingSystem.IsLinux() ? Run("unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "true") : "pid namespaces are Linux only");

    private static readonly Lazy<string?> MountRefusal = new(() =>
    {
        if (!OperatingSystem.IsLinux())
        {
            return "tmpfs mounts are Linux only";
        }
        var dir = Path.Combine(Path.GetTempPath(), "moltbot-mountprobe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var refused = Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
            if (refused is null)
            {
                Run("umount", dir);
            }
            return refused;
        }
        finally
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
            }
        }
    });

    private static readonly Lazy<string?> CapabilityDropRefusal = new(() =>
        OperatingSystem.IsLinux() ? Run("setpriv", "--bounding-set=-dac_override,-dac_read_search", "true") : "capabilities are Linux only");

    /// <summary>Null when <c>unshare --pid --fork --mount-proc</c> works here, else why not.</summary>
    public static string? CannotUnsharePid => PidNamespaceRefusal.Value;

    /// <summary>Null when this process may mount a tmpfs (root in the initial mount namespace), else why not.</summary>
    public static string? CannotMount => MountRefusal.Value;

    /// <summary>Null when a child can be started without CAP_DAC_OVERRIDE (so that folder modes bind root too).</summary>
    public static string? CannotDropDacOverride => CapabilityDropRefusal.Value;

    /// <summary>Runs a command; null when it exits 0, else a one-line reason.</summary>
    public static string? Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(20_000))
            {
                p.Kill();
                return $"{file} did not finish";
            }
            return p.ExitCode == 0 ? null : $"{file} {string.Join(' ', args)} was refused (exit {p.ExitCode}): {err.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{file} cannot be run: {ex.Message}";
        }
    }
}

/// <summary>A fact that needs a new pid namespace (<c>unshare --pid</c>); skipped with the kernel's reason where refused.</summary>
public sealed class PidNamespaceFactAttribute : FactAttribute
{
    public PidNamespaceFactAttribute()
    {
        if (SystemProbe.CannotUnsharePid is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>A fact that mounts a tmpfs; skipped with the reason where mounting is refused.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    public MountFactAttribute()
    {
        if (SystemProbe.CannotMount is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>A fact that runs a child without CAP_DAC_OVERRIDE (setpriv); skipped with the reason where refused.</summary>
public sealed class NoDacOverrideFactAttribute : FactAttribute
{
    public NoDacOverrideFactAttribute()
    {
        if (SystemProbe.CannotDropDacOverride is { } why)
        {
            Skip = why;
        }
    }
}
