using System;
using System.Management.Automation;
using Moltbot.Core;

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

    /// <summary>When the token expires, in local time; <see cref="DateTime.MaxValue"/> for credentials that never expire.</summary>
    public DateTime Expires { get; set; }

    public string? AccountId { get; set; }

    /// <summary>The secret: a <see cref="System.Security.SecureString"/>, or a string with <c>-AsPlainText</c>.</summary>
    public object? Token { get; set; }

    /// <summary>True when this call refreshed the credential at the token endpoint.</summary>
    public bool Refreshed { get; set; }

    // Shown by the default views (through DisplayText; the properties keep the true values).

    [Hidden]
    public string AgentDisplay => DisplayText.Escape(Agent);

    [Hidden]
    public string ProfileIdDisplay => DisplayText.Escape(ProfileId);

    [Hidden]
    public string ProviderDisplay => DisplayText.Escape(Provider);

    [Hidden]
    public string TypeDisplay => DisplayText.Escape(Type);

    [Hidden]
    public string AccountIdDisplay => DisplayText.Escape(AccountId);

    /// <summary>Never shows the token.</summary>
    public override string ToString() => DisplayText.Escape($"{Agent}/{ProfileId} ({Provider}, {Type}, expires {(Expires == DateTime.MaxValue ? "never" : Expires.ToString("u", System.Globalization.CultureInfo.InvariantCulture))})");
}
