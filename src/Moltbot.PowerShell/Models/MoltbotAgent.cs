using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>An OpenClaw agent: from <c>agents.list</c> in openclaw.json and/or its folder on disk.</summary>
public sealed class MoltbotAgent
{
    public string Id { get; set; } = string.Empty;

    public string? Name { get; set; }

    /// <summary>Whether commands without -Agent work on this agent (the configured default).</summary>
    public bool IsDefault { get; set; }

    /// <summary>Whether <c>agents.list</c> in openclaw.json has an entry for it.</summary>
    public bool InConfig { get; set; }

    public string AgentDir { get; set; } = string.Empty;

    public string? Workspace { get; set; }

    public string? Model { get; set; }

    /// <summary>How many profiles its store holds (0 when it has none or cannot be read).</summary>
    public int ProfileCount { get; set; }

    public string StorePath { get; set; } = string.Empty;

    /// <summary>
    /// The id again, under the name every <c>-Agent</c> parameter binds by property name, so that an agent pipes into
    /// the cmdlets whose pipeline value is a secret (<c>Get-MoltbotAgent work | Set-MoltbotApiKey openai -ApiKey $k</c>).
    /// </summary>
    [Hidden, JsonIgnore]
    public string Agent => Id;

    // Shown by the default views (through DisplayText; the properties keep the true values).

    [Hidden, JsonIgnore]
    public string IdDisplay => DisplayText.Escape(Id);

    [Hidden, JsonIgnore]
    public string NameDisplay => DisplayText.Escape(Name);

    [Hidden, JsonIgnore]
    public string AgentDirDisplay => DisplayText.Escape(AgentDir);

    [Hidden, JsonIgnore]
    public string WorkspaceDisplay => DisplayText.Escape(Workspace);

    [Hidden, JsonIgnore]
    public string ModelDisplay => DisplayText.Escape(Model);

    [Hidden, JsonIgnore]
    public string StorePathDisplay => DisplayText.Escape(StorePath);

    /// <summary>The id, escaped for a terminal.</summary>
    public override string ToString() => DisplayText.Escape(Id);
}
