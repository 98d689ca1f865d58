using System;
using System.IO;

namespace Moltbot.Core.State;

/// <summary>
/// Where OpenClaw keeps its state: the home directory, the state dir, the config file and the legacy OAuth folder.
/// Resolution follows openclaw-compat.md section 2, single-file era (2026.1.29 - 2026.3.31).
/// </summary>
public sealed class StatePaths
{
    public const string DefaultStateDirName = ".openclaw";
    public static readonly string[] LegacyStateDirNames = { ".clawdbot", ".moltbot", ".moldbot" };
    public static readonly string[] ConfigFileNames = { "openclaw.json", "clawdbot.json", "moldbot.json", "moltbot.json" };

    private StatePaths(string home, string stateDir, string configPath, string oauthDir, string source)
    {
        Home = home;
        StateDir = stateDir;
        ConfigPath = configPath;
        OAuthDir = oauthDir;
        StateDirSource = source;
    }

    public string Home { get; }
    public string StateDir { get; }
    public string ConfigPath { get; }

    /// <summary>The legacy OAuth folder (<c>credentials/</c>) holding <c>oauth.json</c>.</summary>
    public string OAuthDir { get; }

    /// <summary>Which rule chose the state dir (for -Verbose): an environment variable name, "default" or "legacy".</summary>
    public string StateDirSource { get; }

    public string AgentsDir => Path.Combine(StateDir, "agents");

    /// <summary>The default agent dir of an agent id (no config override applied).</summary>
    public string DefaultAgentDir(string agentId) => Path.Combine(AgentsDir, agentId, "agent");

    public static StatePaths Resolve(MoltbotEnvironment? environment = null)
    {
        var env = environment ?? MoltbotEnvironment.Process;
        var home = ResolveHome(env);

        string stateDir;
        string source;
        var fromEnv = env.Get("OPENCLAW_STATE_DIR");
        if (fromEnv is not null)
        {
            stateDir = MakeAbsolute(ExpandTilde(fromEnv, home));
            source = "OPENCLAW_STATE_DIR";
        }
        else if ((fromEnv = env.Get("CLAWDBOT_STATE_DIR")) is not null)
        {
            stateDir = MakeAbsolute(ExpandTilde(fromEnv, home));
            source = "CLAWDBOT_STATE_DIR";
        }
        else
        {
            var preferred = Path.Combine(home, DefaultStateDirName);
            stateDir = preferred;
            source = "default";
            if (!Directory.Exists(preferred))
            {
                foreach (var legacy in LegacyStateDirNames)
                {
                    var candidate = Path.Combine(home, legacy);
                    if (Directory.Exists(candidate))
                    {
                        stateDir = candidate;
                        source = "legacy";
                        break;
                    }
                }
            }
        }

        var configPath = env.Get("OPENCLAW_CONFIG_PATH") is { } cfg
            ? MakeAbsolute(ExpandTilde(cfg, home))
            : ResolveConfigPath(stateDir);

        var oauthDir = env.Get("OPENCLAW_OAUTH_DIR") is { } oauth
            ? MakeAbsolute(ExpandTilde(oauth, home))
            : Path.Combine(stateDir, "credentials");

        return new StatePaths(home, stateDir, configPath, oauthDir, source);
    }

    /// <summary>OPENCLAW_HOME (with a leading ~ expanded against the OS home), then HOME, then USERPROFILE, then the OS.</summary>
    public static string ResolveHome(MoltbotEnvironment env)
    {
        var osHome = env.OsHome();
        var explicitHome = env.Get("OPENCLAW_HOME");
        if (explicitHome is not null)
        {
            return MakeAbsolute(ExpandTilde(explicitHome, string.IsNullOrEmpty(osHome) ? Directory.GetCurrentDirectory() : osHome));
        }
        var home = env.Get("HOME") ?? env.Get("USERPROFILE");
        if (home is not null)
        {
            return MakeAbsolute(home);
        }
        return string.IsNullOrEmpty(osHome) ? Directory.GetCurrentDirectory() : osHome;
    }

    /// <summary>The first existing of openclaw.json, clawdbot.json, moldbot.json, moltbot.json in the state dir, else openclaw.json.</summary>
    public static string ResolveConfigPath(string stateDir)
    {
        foreach (var name in ConfigFileNames)
        {
            var candidate = Path.Combine(stateDir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return Path.Combine(stateDir, ConfigFileNames[0]);
    }

    public static string ExpandTilde(string path, string home)
    {
        if (path == "~")
        {
            return home;
        }
        if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            return Path.Combine(home, path.Substring(2));
        }
        return path;
    }

    private static string MakeAbsolute(string path) => Path.GetFullPath(path);
}
