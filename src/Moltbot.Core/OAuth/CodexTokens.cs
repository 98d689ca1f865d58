using System;
using System.Text.Json.Nodes;

namespace Moltbot.Core.OAuth;

/// <summary>
/// The credential a Codex login produced, in the shape OpenClaw stores: <c>access</c>, <c>refresh</c>, <c>expires</c>
/// (ms epoch, no skew), <c>accountId</c>, and the email when the access token names one. Holds secrets: never log it.
/// </summary>
public sealed class CodexTokens
{
    public CodexTokens(string access, string refresh, long expiresMs, string accountId, string? email)
    {
        Access = access;
        Refresh = refresh;
        ExpiresMs = expiresMs;
        AccountId = accountId;
        Email = email;
    }

    public string Access { get; }

    public string Refresh { get; }

    public long ExpiresMs { get; }

    public string AccountId { get; }

    public string? Email { get; }

    public DateTimeOffset Expires => DateTimeOffset.FromUnixTimeMilliseconds(ExpiresMs);

    /// <summary>The secret fields for <c>CredentialService.Save(..., CredentialType.OAuth, fields, Email)</c>.</summary>
    public JsonObject ToSecretFields() => new()
    {
        ["access"] = Access,
        ["refresh"] = Refresh,
        ["expires"] = ExpiresMs,
        ["accountId"] = AccountId,
    };

    /// <summary>Never prints a token.</summary>
    public override string ToString() => $"CodexTokens {{ AccountId = {AccountId}, Expires = {Expires:O} }}";
}
