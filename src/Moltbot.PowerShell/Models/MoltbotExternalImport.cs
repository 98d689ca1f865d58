using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>What Import-MoltbotExternalCredential did with one CLI's credential.</summary>
[JsonConverter(typeof(StringEnumConverter))]
public enum MoltbotExternalImportAction
{
    /// <summary>The agent had no such profile: it was created.</summary>
    Imported,

    /// <summary>The agent's copy was older (or -Force): it was replaced.</summary>
    Updated,

    /// <summary>The agent's copy is the same credential: nothing was written.</summary>
    Unchanged,

    /// <summary>The agent's copy is fresher, or the only one with a refresh token: kept, nothing written.</summary>
    KeptLocal,

    /// <summary>Not imported (another account, another provider, an API key, a Keychain takeover): an error says why.</summary>
    Refused,

    /// <summary>The agent's profile holds the chain and the CLI's refresh token was taken away: the CLI must sign in again.</summary>
    TookOwnership,
}

/// <summary>One entry of Import-MoltbotExternalCredential. No secret.</summary>
public sealed class MoltbotExternalImport
{
    public string Cli { get; set; } = string.Empty;

    public string Agent { get; set; } = string.Empty;

    public string ProfileId { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public MoltbotExternalImportAction Action { get; set; }

    /// <summary>Why: the decision in words (fresher, same credential, another account...).</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>What the CLI must run to sign in again (after TookOwnership); null otherwise.</summary>
    public string? SignInCommand { get; set; }

    /// <summary>The CLI's file (or Keychain entry) the credential came from.</summary>
    public string Path { get; set; } = string.Empty;

    [Hidden, JsonIgnore]
    public string CliDisplay => DisplayText.Escape(Cli);

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string ReasonDisplay => DisplayText.Escape(Reason);

    [Hidden, JsonIgnore]
    public string SignInCommandDisplay => DisplayText.Escape(SignInCommand);

    [Hidden, JsonIgnore]
    public string PathDisplay => DisplayText.Escape(Path);

    public override string ToString() => DisplayText.Escape($"{Cli} -> {Agent}/{ProfileId}: {Action}");
}
