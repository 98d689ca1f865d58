using System;

namespace Moltbot.Core.State;

/// <summary>
/// Reads environment variables and the OS home. Tests pass their own lookup so nothing depends on the real
/// environment of the test process.
/// </summary>
public sealed class MoltbotEnvironment
{
    private readonly Func<string, string?> _lookup;
    private readonly Func<string> _osHome;

    public MoltbotEnvironment(Func<string, string?> lookup, Func<string>? osHome = null)
    {
        _lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        _osHome = osHome ?? (() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
    }

    /// <summary>The process environment, read at each call so that changes made in the session are seen.</summary>
    public static MoltbotEnvironment Process { get; } = new(Environment.GetEnvironmentVariable);

    /// <summary>
    /// A variable's value, or null when it is unset. As in OpenClaw, empty strings and the literal values
    /// "undefined" and "null" count as unset; the value is trimmed.
    /// </summary>
    public string? Get(string name)
    {
        var value = _lookup(name)?.Trim();
        if (string.IsNullOrEmpty(value) || value == "undefined" || value == "null")
        {
            return null;
        }
        return value;
    }

    public string OsHome() => _osHome();
}
