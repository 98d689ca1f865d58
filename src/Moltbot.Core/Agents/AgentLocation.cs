using System.IO;
using Moltbot.Core.Store;

namespace Moltbot.Core.Agents;

/// <summary>Where one agent's credentials live, and where the agent is known from.</summary>
public sealed record AgentLocation(string Id, string AgentDir, bool IsDefault, bool InConfig, string? Name, string? Workspace, string? Model)
{
    /// <summary>The JSON-era store file of this agent (<c>auth-profiles.json</c>); see <see cref="Store"/> for where it really lives.</summary>
    public string StorePath => Path.Combine(AgentDir, AuthStoreFile.FileName);

    /// <summary>The agent's credential store, in the era its state dir is in (the one seam every reader and writer uses).</summary>
    public ICredentialStore Store { get; init; } = null!;

    /// <summary>The runtime's own cache beside the store; never written by this module.</summary>
    public string RuntimeCachePath => Path.Combine(AgentDir, "auth.json");

    public bool DirectoryExists => Directory.Exists(AgentDir);

    public bool StoreExists => Store.Exists;

    /// <summary>The legacy files imported on first use of this agent (null: no import).</summary>
    public LegacySources? Legacy { get; init; }

    /// <summary>
    /// The agent's store as OpenClaw would see it, for reading: in the JSON eras with the legacy credentials it would
    /// import when the agent has no store yet (nothing is written), in the SQLite eras with what it inherits from the
    /// shared store. Null when there is nothing. Throws for a store that cannot be parsed.
    /// </summary>
    public AuthProfileStore? LoadStore() => Store.Load();
}
