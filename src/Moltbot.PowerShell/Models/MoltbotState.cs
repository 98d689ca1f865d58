using Moltbot.Core;

namespace Moltbot.Models;

/// <summary>One OpenClaw SQLite database of a state dir.</summary>
public sealed class MoltbotDatabase
{
    /// <summary>The agent it belongs to (from its <c>schema_meta</c>), or null for the state database.</summary>
    public string? Agent { get; set; }

    /// <summary><c>agent</c> or <c>global</c> (its <c>schema_meta</c> role).</summary>
    public string? Role { get; set; }

    /// <summary>Its <c>PRAGMA user_version</c> (agent: 1, 19, 23; state: 1, 15, 18).</summary>
    public long UserVersion { get; set; }

    /// <summary>The OpenClaw version that wrote it, when it says (2026.9.6 does).</summary>
    public string? AppVersion { get; set; }

    public string Path { get; set; } = string.Empty;

    public override string ToString() => DisplayText.Escape(Path);
}

/// <summary>
/// A state dir as <c>Get-MoltbotState</c> reports it: where it is, which storage era its files are in, where the
/// shared store lives, the databases and their schema versions, the installed openclaw, legacy files waiting for
/// migration, and whether a gateway answers.
/// </summary>
public sealed class MoltbotStateInfo
{
    public string StateDir { get; set; } = string.Empty;

    /// <summary>Why this state dir: <c>OPENCLAW_STATE_DIR</c>, the default, a legacy folder.</summary>
    public string StateDirSource { get; set; } = string.Empty;

    public string ConfigPath { get; set; } = string.Empty;

    /// <summary>
    /// <c>None</c>, <c>JsonSingleFile</c>, <c>JsonStateFile</c>, <c>SqliteC</c>, <c>SqliteD1</c>, <c>SqliteD2</c>, or
    /// <c>Unreadable</c> when the files say something this module refuses to guess about (the error says what).
    /// </summary>
    public string Era { get; set; } = string.Empty;

    /// <summary>The OpenClaw versions that write this layout.</summary>
    public string EraDescription { get; set; } = string.Empty;

    /// <summary>Whether new credentials go to SQLite (also for an empty state dir whose openclaw is 2026.6.5+).</summary>
    public bool UsesSqlite { get; set; }

    /// <summary><c>None</c>, <c>MainAgentDb</c> or <c>StateDb</c> (<c>auth.sharedStore</c>).</summary>
    public string SharedStoreOwner { get; set; } = string.Empty;

    /// <summary>The file of the shared store (the main agent's DB, or <c>state/openclaw.sqlite</c>).</summary>
    public string? SharedStore { get; set; }

    public MoltbotDatabase? StateDatabase { get; set; }

    public MoltbotDatabase[] AgentDatabases { get; set; } = System.Array.Empty<MoltbotDatabase>();

    /// <summary>The openclaw CLI the module would run (PATH or <c>MOLTBOT_OPENCLAW_CLI</c>), or null.</summary>
    public string? OpenClawCli { get; set; }

    public string? OpenClawVersion { get; set; }

    /// <summary>Legacy credential files (auth-profiles.json beside SQLite, auth.json, credentials/oauth.json).</summary>
    public string[] LegacyFiles { get; set; } = System.Array.Empty<string>();

    public int GatewayPort { get; set; }

    /// <summary>Whether something accepts connections on 127.0.0.1 at the gateway port.</summary>
    public bool GatewayListening { get; set; }

    /// <summary>The version of the SQLite library the module loaded, when it needed one.</summary>
    public string? SqliteVersion { get; set; }

    public string[] Notes { get; set; } = System.Array.Empty<string>();

    public override string ToString() => DisplayText.Escape(StateDir);
}
