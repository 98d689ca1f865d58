using System.Management.Automation;
using Moltbot.Core;
using Moltbot.Core.External;

namespace Moltbot.Models;

/// <summary>What kind of place holds a refresh token.</summary>
public enum MoltbotCredentialHolderKind
{
    /// <summary>A profile in an agent's store: the refresher keeps the agents' copies in step.</summary>
    Agent,

    /// <summary>An external CLI's file or Keychain entry: a refresh elsewhere invalidates it when the provider rotates.</summary>
    ExternalCli,
}

/// <summary>Another place that holds the same refresh token (an agent's profile, or an external CLI). No secret.</summary>
public sealed class MoltbotCredentialHolder
{
    public MoltbotCredentialHolderKind Kind { get; set; }

    /// <summary>The agent id, or the CLI id (<c>codex</c>).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The profile id (agents), or the CLI's OpenClaw mirror id.</summary>
    public string? ProfileId { get; set; }

    /// <summary>The store file or database, or the CLI's file (<c>keychain:...</c> for a Keychain entry).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>The agent id, or the CLI's name (<c>Codex CLI</c>).</summary>
    public string DisplayName { get; set; } = string.Empty;

    internal static MoltbotCredentialHolder From(CredentialHolder holder) => new()
    {
        Kind = holder.Kind == CredentialHolderKind.Agent ? MoltbotCredentialHolderKind.Agent : MoltbotCredentialHolderKind.ExternalCli,
        Name = holder.Name,
        ProfileId = holder.ProfileId,
        Path = holder.Location,
        DisplayName = holder.DisplayName,
    };

    /// <summary><c>agent 'main' (openai-codex:codex-cli)</c> or <c>Codex CLI (~/.codex/auth.json)</c>, escaped for a terminal.</summary>
    public override string ToString() => DisplayText.Escape(Kind == MoltbotCredentialHolderKind.Agent
        ? $"agent '{Name}' ({ProfileId})"
        : $"{DisplayName} ({Path})");
}
