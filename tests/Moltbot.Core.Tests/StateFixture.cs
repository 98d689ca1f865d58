using System;
using System.IO;
using Moltbot.Core.Agents;
using Moltbot.Core.Locking;
using Moltbot.Core.State;

namespace Moltbot.Core.Tests;

/// <summary>A throw-away home and state dir, resolved through an injected environment (never the real ~/.openclaw).</summary>
public sealed class StateFixture : IDisposable
{
    public StateFixture()
    {
        Tmp = new TempDir("moltbot-state-");
        Home = Tmp.Dir("home");
        StateDir = Tmp.Combine("state");
        Environment = FakeEnv.ForState(Home, StateDir);
    }

    public TempDir Tmp { get; }

    public string Home { get; }

    public string StateDir { get; }

    public MoltbotEnvironment Environment { get; }

    public string ConfigPath => Path.Combine(StateDir, "openclaw.json");

    /// <summary>Fail fast in tests instead of OpenClaw's 45 s if something holds a lock by mistake.</summary>
    public static FileLockOptions Locks { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>A fresh state object, as each cmdlet creates one.</summary>
    public MoltbotState NewState() => MoltbotState.Resolve(Environment);

    public string StorePathOf(string agentId) => Path.Combine(StateDir, "agents", agentId, "agent", "auth-profiles.json");

    public string WriteConfig(string text) => Tmp.File(Path.Combine("state", "openclaw.json"), text);

    public string WriteStore(string agentId, string text) => Tmp.File(Path.Combine("state", "agents", agentId, "agent", "auth-profiles.json"), text);

    public void Dispose() => Tmp.Dispose();
}
