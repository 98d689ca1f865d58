using System.IO;
using Moltbot.Core.Store;

namespace Moltbot.Core.Agents;

/// <summary>Where one agent's credentials live, and where the agent is known from.</summary>
public sealed record AgentLocation(string Id, string AgentDir, bool IsDefault, bool InConfig, string? Name, string? Workspace, string? Model)
{
    public string StorePath => Path.Combine(AgentDir, AuthStoreFile.FileName);

    /// <summary>The runtime's own cache beside the store; never written by this module.</summary>
    public string RuntimeCachePath => Path.Combine(AgentDir, "auth.json");

    public bool DirectoryExists => Directory.Exists(AgentDir);

    public bool StoreExists => File.Exists(StorePath);

    /// <summary>The legacy files imported on first use of this agent (null: no import).</summary>
    public LegacySources? Legacy { get; init; }

    /// <summary>
    /// The agent's store as OpenClaw would see it, for reading: with the legacy credentials it would import when the
    /// agent has no store yet (nothing is written). Null when there is neither. Throws for a store that cannot be parsed.
    /// </summary>
    public AuthProfileStore? LoadStore() => AuthStoreFile.TryLoad(StorePath, Legacy, out _);
}
