using System;
using System.Globalization;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>
/// What Test-MoltbotAuthProfile found about a credential: the values of <see cref="Core.Profiles.ProfileCheckResult"/>, in the
/// same order. Mirrored, as MoltbotProfileStatus mirrors AuthProfileStatus: Moltbot.Core loads in the module's private load
/// context, so no type of it may appear on an output object.
/// </summary>
[JsonConverter(typeof(StringEnumConverter))]
public enum MoltbotProfileTestResult
{
    Ok,
    Expiring,
    Expired,
    Missing,
    Malformed,
    InCooldown,
    Disabled,
    RefreshPending,
    LoginRequired,
    Rejected,
    Unreachable,
}

/// <summary>
/// One credential as Test-MoltbotAuthProfile judged it: whether the runtime could use it right now, and why. Carries no
/// secret.
/// </summary>
public sealed class MoltbotAuthProfileTest
{
    public string Agent { get; set; } = string.Empty;

    public string ProfileId { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    /// <summary><c>oauth</c>, <c>token</c> or <c>api_key</c> (or what an unknown entry says).</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>Whether the runtime could use it right now (offline checks, and the provider's answer with -Online).</summary>
    public bool Usable { get; set; }

    public MoltbotProfileTestResult Result { get; set; }

    /// <summary>Why, in words (never a secret).</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>When it expires (local time), or null when it never does or its expiry is unknown.</summary>
    public DateTimeOffset? Expires { get; set; }

    /// <summary>Whether -Online sent a request to the provider.</summary>
    public bool Probed { get; set; }

    /// <summary>The HTTP status of the probe, when one was answered.</summary>
    public int? ProbeStatusCode { get; set; }

    /// <summary>The endpoint probed (no query, no credential), when one was.</summary>
    public string? ProbeEndpoint { get; set; }

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string ReasonDisplay => DisplayText.Escape(Reason);

    [Hidden, JsonIgnore]
    public string ExpiresDisplay => Expires is { } e ? e.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "never";

    public override string ToString() => DisplayText.Escape($"{Agent}/{ProfileId}: {Result}");
}
