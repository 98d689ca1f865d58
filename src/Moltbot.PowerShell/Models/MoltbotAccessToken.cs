using System;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>
/// A credential ready for use, as <c>Get-MoltbotAccessToken</c> emits it. <see cref="Token"/> is a SecureString (a plain
/// string only with <c>-AsPlainText</c>); neither <see cref="ToString"/> nor the default view shows it.
/// </summary>
public sealed class MoltbotAccessToken
{
    public string Agent { get; set; } = string.Empty;

    public string ProfileId { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    /// <summary><c>oauth</c>, <c>token</c> or <c>api_key</c>.</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>
    /// When the token expires, in local time, for comparisons; <see cref="DateTime.MaxValue"/> for credentials that never
    /// expire. Hidden and not exported (see <see cref="Expiry"/>).
    /// </summary>
    [Hidden, JsonIgnore]
    public DateTime Expires { get; set; }

    /// <summary>When the token expires, with its UTC offset; null when it never expires (<see cref="HasExpiry"/> false).</summary>
    public DateTimeOffset? ExpiresAt => Expiry.At(Expires);

    /// <summary>False for a credential that never expires.</summary>
    public bool HasExpiry => Expiry.Has(Expires);

    public string? AccountId { get; set; }

    /// <summary>The secret: a <see cref="System.Security.SecureString"/>, or a string with <c>-AsPlainText</c>.</summary>
    public object? Token { get; set; }

    /// <summary>True when this call refreshed the credential at the token endpoint.</summary>
    public bool Refreshed { get; set; }

    // Shown by the default views (through DisplayText; the properties keep the true values).

    [Hidden, JsonIgnore]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden, JsonIgnore]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden, JsonIgnore]
    public string ProviderDisplay => DisplayText.Escape(Provider);

    [Hidden, JsonIgnore]
    public string TypeDisplay => DisplayText.Escape(Type);

    [Hidden, JsonIgnore]
    public string AccountIdDisplay => DisplayText.Escape(AccountId);

    /// <summary>Never shows the token.</summary>
    public override string ToString() => DisplayText.Escape($"{Agent}/{ProfileId} ({Provider}, {Type}, expires {(Expires == DateTime.MaxValue ? "never" : Expires.ToString("u", System.Globalization.CultureInfo.InvariantCulture))})");
}
