using System;

namespace Moltbot.Core.Profiles;

/// <summary>
/// The one rule that tells whether two credentials of one provider sign in as the same account (OpenClaw's identity
/// check of imports and mirrors): the account ids when both sides have one, else the emails (case-insensitive) when both
/// have one, else they cannot be told apart and count as the same.
/// </summary>
public static class AccountIdentity
{
    /// <summary>
    /// Null when <paramref name="heldAccountId"/>/<paramref name="heldEmail"/> may be the same account as the other pair;
    /// otherwise how the held account is named in a message (its email, else "account &lt;id&gt;").
    /// </summary>
    public static string? OtherAccount(string? heldAccountId, string? heldEmail, string? accountId, string? email)
    {
        heldAccountId = Blank(heldAccountId);
        heldEmail = Blank(heldEmail);
        accountId = Blank(accountId);
        email = Blank(email);
        if (heldAccountId is not null && accountId is not null)
        {
            return string.Equals(heldAccountId, accountId, StringComparison.Ordinal) ? null : (heldEmail ?? "account " + heldAccountId);
        }
        if (heldEmail is not null && email is not null)
        {
            return string.Equals(heldEmail, email, StringComparison.OrdinalIgnoreCase) ? null : heldEmail;
        }
        return null;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
