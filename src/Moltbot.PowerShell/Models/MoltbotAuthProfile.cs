using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.Management.Automation;
using Moltbot.Core;

namespace Moltbot.Models;

/// <summary>The health of a stored credential, as <c>openclaw models status</c> words it.</summary>
public enum MoltbotProfileStatus
{
    Ok,
    Expiring,
    Expired,
    Static,
    Missing,

    /// <summary>OpenClaw is refreshing it right now (a 2026.9.6 pending refresh fence).</summary>
    RefreshPending,

    /// <summary>OpenClaw's refresh failed for good (a failed refresh fence): sign in again.</summary>
    LoginRequired,
}

/// <summary>
/// One credential profile of one agent, as <c>Get-MoltbotAuthProfile</c> emits it. It carries no secret: tokens stay in
/// the store and leave it only through <c>Get-MoltbotAccessToken</c>.
/// </summary>
public sealed class MoltbotAuthProfile
{
    /// <summary>The agent id whose store holds the profile.</summary>
    public string Agent { get; set; } = string.Empty;

    public string ProfileId { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    /// <summary><c>oauth</c>, <c>token</c> or <c>api_key</c> (or what an unknown entry says).</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>
    /// When the credential expires, in local time. Credentials that never expire (API keys, tokens without an expiry)
    /// report <see cref="DateTime.MaxValue"/>, so <c>Where Expires -lt (Get-Date)</c> returns exactly the expired ones.
    /// </summary>
    public DateTime Expires { get; set; }

    public MoltbotProfileStatus Status { get; set; }

    /// <summary>Whether the profile can be refreshed (an OAuth profile holding a refresh token).</summary>
    public bool Refreshable { get; set; }

    /// <summary>
    /// Where the runtime would try it among its provider's profiles (1 = used first), following the agent's order,
    /// <c>auth.order</c>, type and round-robin rules and cooldowns; null when the runtime would skip it.
    /// </summary>
    public int? OrderRank { get; set; }

    /// <summary>Until when the profile sits in cooldown after failures (usageStats), if it does.</summary>
    public DateTime? CooldownUntil { get; set; }

    /// <summary>Until when the profile is disabled (for example after billing failures), if it is.</summary>
    public DateTime? DisabledUntil { get; set; }

    public string? DisabledReason { get; set; }

    public string? AccountId { get; set; }

    public string? Email { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>
    /// Where the profile lives: <c>json</c> (<c>auth-profiles.json</c>), <c>agent-db</c> (the agent's own
    /// <c>openclaw-agent.sqlite</c>), <c>shared-agent-db</c> (the main agent's DB, inherited), <c>shared-state-db</c>
    /// (the shared store in <c>state/openclaw.sqlite</c>) or <c>legacy</c> (a legacy file OpenClaw would import).
    /// </summary>
    public string Store { get; set; } = string.Empty;

    /// <summary>True when the agent reads the profile from the shared store rather than its own.</summary>
    public bool Inherited { get; set; }

    /// <summary>The file that holds the profile (the store file or database).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// The other holders of this profile's refresh token: agents whose stores hold a copy (kept in step by every refresh)
    /// and external CLIs (Codex CLI, ...) that hold it too, a second owner that a refresh here signs out.
    /// <c>Get-MoltbotAuthProfile | Where-Object SharedWith</c> lists the shared chains; empty for other profiles.
    /// </summary>
    public MoltbotCredentialHolder[] SharedWith { get; set; } = Array.Empty<MoltbotCredentialHolder>();

    /// <summary>The Shared column of the default table: the external CLIs holding this chain (<c>codex</c>), else the number of agent copies.</summary>
    [Hidden]
    public string SharedDisplay
    {
        get
        {
            var external = SharedWith.Where(h => h.IsExternal).Select(h => h.Name).ToArray();
            var agents = SharedWith.Length - external.Length;
            var parts = new List<string>(external);
            if (agents > 0)
            {
                parts.Add(agents == 1 ? "1 agent" : agents + " agents");
            }
            return DisplayText.Escape(string.Join(", ", parts));
        }
    }

    /// <summary>The SharedWith line of the list view: each holder as its <see cref="MoltbotCredentialHolder.ToString"/> shows it (escaped).</summary>
    [Hidden]
    public string SharedWithDisplay => string.Join(", ", SharedWith.Select(h => h.ToString()));

    /// <summary>True when <see cref="Expires"/> is a real expiry.</summary>
    public bool HasExpiry => Expires != DateTime.MaxValue;

    /// <summary>Who the profile signs in as: the email, else the account id, else the display name.</summary>
    public string? Account =>
        !string.IsNullOrEmpty(Email) ? Email : !string.IsNullOrEmpty(AccountId) ? AccountId : DisplayName;

    /// <summary>
    /// The Expires column of the default table: <c>never</c>, <c>unknown</c> or the local time to the minute. Computed
    /// here rather than by a script block in the format file, which PowerShell would compile on every first listing
    /// of a session (about 80 ms of a cold start). Hidden from Get-Member, Select-Object * and Format-List *.
    /// </summary>
    [Hidden]
    public string ExpiresDisplay =>
        Expires == DateTime.MaxValue ? "never"
        : Expires == DateTime.MinValue ? "unknown"
        : Expires.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    // The default views show these (Moltbot.format.ps1xml): the values through DisplayText, so a control character a
    // store holds reaches the terminal escaped (issue 12, finding 11). Hidden, like ExpiresDisplay.

    [Hidden]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden]
    public string ProviderDisplay => DisplayText.Escape(Provider);

    [Hidden]
    public string TypeDisplay => DisplayText.Escape(Type);

    [Hidden]
    public string AccountDisplay => DisplayText.Escape(Account);

    [Hidden]
    public string AccountIdDisplay => DisplayText.Escape(AccountId);

    [Hidden]
    public string EmailDisplay => DisplayText.Escape(Email);

    [Hidden]
    public string DisplayNameDisplay => DisplayText.Escape(DisplayName);

    [Hidden]
    public string DisabledReasonDisplay => DisplayText.Escape(DisabledReason);

    [Hidden]
    public string PathDisplay => DisplayText.Escape(Path);

    /// <summary>Agent/ProfileId, escaped for a terminal (the properties hold the true values).</summary>
    public override string ToString() => DisplayText.Escape(Agent + "/" + ProfileId);
}
