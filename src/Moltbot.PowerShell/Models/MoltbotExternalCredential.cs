using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>The health of what an external CLI holds.</summary>
[JsonConverter(typeof(StringEnumConverter))]
public enum MoltbotExternalCredentialStatus
{
    /// <summary>A sign-in with a refresh token whose access token has not expired.</summary>
    Ok,

    /// <summary>The access token has expired (a CLI with a refresh token renews it on its next use).</summary>
    Expired,

    /// <summary>An API key: never expires, not mirrored.</summary>
    Static,

    /// <summary>An access token without a refresh token (taken over by Moltbot, or a token-only sign-in): it works until it expires.</summary>
    NoRefreshToken,

    /// <summary>Nothing tells when the access token expires.</summary>
    Unknown,
}

/// <summary>
/// What one external CLI (Codex CLI, Claude Code, Qwen Code, ...) holds on this machine, as
/// <c>Get-MoltbotExternalCredential</c> emits it. No secret: the tokens stay in the CLI's file.
/// </summary>
public sealed class MoltbotExternalCredential
{
    /// <summary>The CLI's id (<c>codex</c>): what -Cli takes, and what Import-MoltbotExternalCredential binds from the pipeline.</summary>
    public string Cli { get; set; } = string.Empty;

    /// <summary><c>Codex CLI</c>.</summary>
    public string DisplayName { get; set; } = string.Empty;

    /// <summary>The provider id OpenClaw stores its mirror under in the default agent's store era (<c>openai-codex</c>, <c>openai</c> in SQLite eras).</summary>
    public string Provider { get; set; } = string.Empty;

    /// <summary>OpenClaw's mirror profile id in that era (<c>openai-codex:codex-cli</c>, <c>openai:codex-cli</c>).</summary>
    public string ProfileId { get; set; } = string.Empty;

    /// <summary><c>oauth</c> (with a refresh token), <c>token</c> (without) or <c>api_key</c>.</summary>
    public string Type { get; set; } = string.Empty;

    public string? AccountId { get; set; }

    public string? Email { get; set; }

    /// <summary>
    /// When the access token expires, local time, for comparisons; <see cref="DateTime.MaxValue"/> for an API key,
    /// <see cref="DateTime.MinValue"/> when nothing tells. Hidden and not exported (see <see cref="Expiry"/>).
    /// </summary>
    [Hidden, JsonIgnore]
    public DateTime Expires { get; set; }

    /// <summary>When the access token expires, with its UTC offset; null for an API key (<see cref="HasExpiry"/> false) or when nothing tells.</summary>
    public DateTimeOffset? ExpiresAt => Expiry.At(Expires);

    /// <summary>False for a credential that never expires (an API key).</summary>
    public bool HasExpiry => Expiry.Has(Expires);

    public MoltbotExternalCredentialStatus Status { get; set; }

    /// <summary><c>File</c> or <c>Keychain</c> (macOS).</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>The CLI's file, or <c>keychain:&lt;service&gt;</c>.</summary>
    public string Path { get; set; } = string.Empty;

    public bool HasRefreshToken { get; set; }

    /// <summary>The agents' profiles (and other CLIs) that hold the same refresh token: a chain with two owners when not empty.</summary>
    public MoltbotList<MoltbotCredentialHolder> SharedWith { get; set; } = Array.Empty<MoltbotCredentialHolder>();

    /// <summary>When the CLI's file was last written (local time); null for a Keychain entry.</summary>
    public DateTimeOffset? LastModified { get; set; }

    /// <summary>Who it signs in as: the email, else the account id.</summary>
    public string? Account => !string.IsNullOrEmpty(Email) ? Email : AccountId;

    // The default views show these (Moltbot.format.ps1xml), through DisplayText. Hidden.

    [Hidden, JsonIgnore]
    public string CliDisplay => DisplayText.Escape(Cli);

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string ProviderDisplay => DisplayText.Escape(Provider);

    [Hidden, JsonIgnore]
    public string TypeDisplay => DisplayText.Escape(Type);

    [Hidden, JsonIgnore]
    public string AccountDisplay => DisplayText.Escape(Account);

    [Hidden, JsonIgnore]
    public string AccountIdDisplay => DisplayText.Escape(AccountId);

    [Hidden, JsonIgnore]
    public string EmailDisplay => DisplayText.Escape(Email);

    [Hidden, JsonIgnore]
    public string PathDisplay => DisplayText.Escape(Path);

    [Hidden, JsonIgnore]
    public string SharedWithDisplay => SharedWith.Length == 0 ? string.Empty : string.Join(", ", SharedWith.Select(h => h.ToString()));

    [Hidden, JsonIgnore]
    public string ExpiresDisplay => Expiry.Display(Expires);

    public override string ToString() => DisplayText.Escape(Cli + ": " + (Account ?? Type));
}
