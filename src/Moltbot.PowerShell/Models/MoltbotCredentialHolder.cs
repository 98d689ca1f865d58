using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core;
using Moltbot.Core.External;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>
/// What kind of place holds a refresh token (the values of <c>Moltbot.Core.External.CredentialHolderKind</c>). Its
/// own enum here, like <see cref="MoltbotProfileStatus"/>: a field of a Moltbot.Core value type would make PowerShell's
/// scan of the exported types load Moltbot.Core before the module's resolver is installed.
/// </summary>
[JsonConverter(typeof(StringEnumConverter))]
public enum MoltbotCredentialHolderKind
{
    /// <summary>A profile in an agent's store: every refresh keeps it in step.</summary>
    Agent,

    /// <summary>An external CLI's file or Keychain entry: a second owner that a refresh signs out.</summary>
    ExternalCli,
}

/// <summary>
/// Another place that holds the same refresh token as a profile (<c>MoltbotAuthProfile.SharedWith</c>): an agent's
/// store (the refresher keeps those in step), or an external CLI's file or Keychain entry (an unsynchronised second
/// owner: a refresh on either side signs the other out). No secret: tokens are compared by fingerprint only.
/// </summary>
public sealed class MoltbotCredentialHolder
{
    /// <summary><c>Agent</c> or <c>ExternalCli</c>.</summary>
    public MoltbotCredentialHolderKind Kind { get; set; }

    /// <summary>The agent id, or the CLI id (<c>codex</c>).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>For messages: the agent id, or the CLI's name (<c>Codex CLI</c>).</summary>
    public string DisplayName { get; set; } = string.Empty;

    /// <summary>The agent's profile id, or the CLI's OpenClaw mirror profile id.</summary>
    public string? ProfileId { get; set; }

    /// <summary>The store file or database, or the CLI's file (<c>keychain:&lt;service&gt;</c> for a Keychain entry).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>True for an external CLI: the holder a refresh here signs out.</summary>
    public bool IsExternal => Kind == MoltbotCredentialHolderKind.ExternalCli;

    [Hidden, JsonIgnore]
    public string NameDisplay => DisplayText.Escape(Name);

    [Hidden, JsonIgnore]
    public string PathDisplay => DisplayText.Escape(Path);

    /// <summary><c>Codex CLI (/home/me/.codex/auth.json)</c> or <c>agent 'work' (openai-codex:default)</c>, escaped for a terminal.</summary>
    public override string ToString() => DisplayText.Escape(Kind == MoltbotCredentialHolderKind.Agent
        ? $"agent '{Name}' ({ProfileId})"
        : $"{DisplayName} ({Path})");

    internal static MoltbotCredentialHolder From(CredentialHolder holder) => new()
    {
        Kind = holder.Kind == CredentialHolderKind.Agent ? MoltbotCredentialHolderKind.Agent : MoltbotCredentialHolderKind.ExternalCli,
        Name = holder.Name,
        DisplayName = holder.DisplayName,
        ProfileId = holder.ProfileId,
        Path = holder.Location,
    };

    internal static MoltbotCredentialHolder[] FromAll(IEnumerable<CredentialHolder> holders) => holders.Select(From).ToArray();
}
