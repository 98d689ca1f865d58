using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>The health of a stored credential, as <c>openclaw models status</c> words it.</summary>
[JsonConverter(typeof(StringEnumConverter))]
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
    /// When the credential expires, in local time, for comparisons and sorting. Credentials that never expire (API
    /// keys, tokens without an expiry) report <see cref="DateTime.MaxValue"/>, so <c>Where Expires -lt (Get-Date)</c>
    /// returns exactly the expired ones. Hidden (Get-Member, Format-List *) and not exported: ConvertTo-Json and
    /// Export-Csv carry <see cref="ExpiresAt"/> and <see cref="HasExpiry"/> instead (see <see cref="Expiry"/>).
    /// </summary>
    [Hidden, JsonIgnore]
    public DateTime Expires { get; set; }

    /// <summary>When the credential expires, with its UTC offset; null when it never expires (<see cref="HasExpiry"/> false) or has no usable expiry.</summary>
    public DateTimeOffset? ExpiresAt => Expiry.At(Expires);

    public MoltbotProfileStatus Status { get; set; }

    /// <summary>Whether the profile can be refreshed (an OAuth profile holding a refresh token).</summary>
    public bool Refreshable { get; set; }

    /// <summary>
    /// The position (1 = used first) at which the runtime would try this profile among its provider's usable profiles,
    /// as Resolve-MoltbotAuthProfile ranks them: the agent's order, else <c>auth.order</c>, else OpenClaw's default
    /// ordering (type, then round-robin by last use), with cooldowns and disabled profiles left out. Set with or without
    /// an explicit order; null when the runtime would skip the profile (expired, in cooldown, disabled, or not in an
    /// explicit order).
    /// </summary>
    public int? Rank { get; set; }

    /// <summary>The name <see cref="Rank"/> had before issue 15 (kept for scripts; hidden, not exported).</summary>
    [Hidden, JsonIgnore]
    public int? OrderRank => Rank;

    /// <summary>Until when the profile sits in cooldown after failures (usageStats), if it does.</summary>
    public DateTimeOffset? CooldownUntil { get; set; }

    /// <summary>Until when the profile is disabled (for example after billing failures), if it is.</summary>
    public DateTimeOffset? DisabledUntil { get; set; }

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
    public MoltbotList<MoltbotCredentialHolder> SharedWith { get; set; } = Array.Empty<MoltbotCredentialHolder>();

    /// <summary>The Shared column of the default table: the external CLIs holding this chain (<c>codex</c>), else the number of agent copies.</summary>
    [Hidden, JsonIgnore]
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
    [Hidden, JsonIgnore]
    public string SharedWithDisplay => string.Join(", ", SharedWith.Select(h => h.ToString()));

    /// <summary>False when the credential never expires (an API key, a token stored without an expiry).</summary>
    public bool HasExpiry => Expiry.Has(Expires);

    /// <summary>Who the profile signs in as: the email, else the account id, else the display name.</summary>
    public string? Account =>
        !string.IsNullOrEmpty(Email) ? Email : !string.IsNullOrEmpty(AccountId) ? AccountId : DisplayName;

    /// <summary>
    /// The Expires column of the default table: <c>never</c>, <c>unknown</c> or the local time to the minute. Computed
    /// here rather than by a script block in the format file, which PowerShell would compile on every first listing
    /// of a session (about 80 ms of a cold start). Hidden from Get-Member, Select-Object * and Format-List *.
    /// </summary>
    [Hidden, JsonIgnore]
    public string ExpiresDisplay => Expiry.Display(Expires);

    // The default views show these (Moltbot.format.ps1xml): the values through DisplayText, so a control character a
    // store holds reaches the terminal escaped (issue 12, finding 11). Hidden, like ExpiresDisplay.

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

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
    public string DisplayNameDisplay => DisplayText.Escape(DisplayName);

    [Hidden, JsonIgnore]
    public string DisabledReasonDisplay => DisplayText.Escape(DisabledReason);

    [Hidden, JsonIgnore]
    public string PathDisplay => DisplayText.Escape(Path);

    /// <summary>Agent/ProfileId, escaped for a terminal (the properties hold the true values).</summary>
    public override string ToString() => DisplayText.Escape(Agent + "/" + ProfileId);
}
