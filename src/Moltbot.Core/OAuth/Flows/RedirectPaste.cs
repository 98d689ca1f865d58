using System;
using System.Collections.Generic;

namespace Moltbot.Core.OAuth;

/// <summary>What the user pasted, split into its parts (any of which may be absent).</summary>
public sealed record PastedAuthorization(string? Code, string? State, string? Error, string? ErrorDescription)
{
    /// <summary>Never prints the code.</summary>
    public override string ToString() => $"PastedAuthorization {{ HasCode = {Code is not null}, HasState = {State is not null}, Error = {Error} }}";
}

/// <summary>
/// The manual fallback of an authorization-code login: the user pastes the redirect URL (or part of it) from the browser's address
/// bar. Accepted forms, as in OpenClaw: a full redirect URL, <c>code#state</c>, a <c>code=..&amp;state=..</c> query
/// string, or a bare code.
/// </summary>
public static class RedirectPaste
{
    /// <summary>Splits the pasted text; does not check anything.</summary>
    public static PastedAuthorization Parse(string? input)
    {
        var value = (input ?? string.Empty).Trim();
        if (value.Length == 0)
        {
            return new PastedAuthorization(null, null, null, null);
        }

        var isUrl = Uri.TryCreate(value, UriKind.Absolute, out var uri)
                    && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
        if (isUrl || value.Contains("code=", StringComparison.Ordinal) || value.Contains("error=", StringComparison.Ordinal))
        {
            var query = value;
            var q = query.IndexOf('?');
            if (q >= 0)
            {
                query = query.Substring(q + 1);
            }
            else if (isUrl)
            {
                query = string.Empty;
            }
            var hash = query.IndexOf('#');
            if (hash >= 0)
            {
                query = query.Substring(0, hash);
            }
            var fields = ParseQuery(query);
            return new PastedAuthorization(Get(fields, "code"), Get(fields, "state"), Get(fields, "error"), Get(fields, "error_description"));
        }

        var sharp = value.IndexOf('#');
        if (sharp >= 0)
        {
            var code = value.Substring(0, sharp).Trim();
            var state = value.Substring(sharp + 1).Trim();
            return new PastedAuthorization(code.Length == 0 ? null : code, state.Length == 0 ? null : state, null, null);
        }
        return new PastedAuthorization(value, null, null, null);
    }

    /// <summary>
    /// Parses and checks the pasted text against the state this login sent, and returns the code. A state that does
    /// not match is an error; a form without a state (a bare code) is accepted, as OpenClaw does.
    /// </summary>
    public static string GetCode(string? input, string expectedState)
    {
        var pasted = Parse(input);
        if (pasted.State is not null && !FixedTimeEquals(pasted.State, expectedState))
        {
            throw new MoltbotException(OAuthErrorIds.StateMismatch, MoltbotErrorKind.SecurityError,
                "The state in the pasted redirect does not match this sign-in (it belongs to another attempt, or it was altered). Nothing was stored.")
            {
                RecommendedAction = "Run Connect-MoltbotProvider again and paste the redirect URL of that attempt.",
            };
        }
        if (pasted.Error is not null)
        {
            throw AuthorizationError(pasted.Error, pasted.ErrorDescription);
        }
        if (pasted.Code is null || HasWhiteSpaceOrControl(pasted.Code))
        {
            throw new MoltbotException(OAuthErrorIds.InvalidRedirectInput, MoltbotErrorKind.InvalidArgument,
                pasted.Code is null
                    ? "The pasted text holds no authorization code."
                    : "The pasted authorization code contains white space; paste the whole redirect URL instead.")
            {
                RecommendedAction = "Paste the full URL of the page the browser was sent to (http://localhost:1455/auth/callback?code=...&state=...).",
            };
        }
        return pasted.Code;
    }

    /// <summary>The error an <c>error=</c> redirect turns into (the server's words, shortened and cleaned).</summary>
    public static MoltbotException AuthorizationError(string error, string? description)
    {
        var text = $"The sign-in was not completed: {TextSanitizer.Clean(error, 100)}";
        if (!string.IsNullOrWhiteSpace(description))
        {
            text += $" ({TextSanitizer.Clean(description, 300)})";
        }
        return new MoltbotException(OAuthErrorIds.AuthorizationDenied, MoltbotErrorKind.AuthenticationError, text + ". Nothing was stored.")
        {
            RecommendedAction = "Run Connect-MoltbotProvider again and complete the sign-in in the browser.",
        };
    }

    internal static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    private static bool HasWhiteSpaceOrControl(string value)
    {
        foreach (var ch in value)
        {
            if (char.IsWhiteSpace(ch) || char.IsControl(ch))
            {
                return true;
            }
        }
        return false;
    }

    internal static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Decode(eq < 0 ? pair : pair.Substring(0, eq));
            var value = eq < 0 ? string.Empty : Decode(pair.Substring(eq + 1));
            if (name.Length > 0 && !result.ContainsKey(name))
            {
                result[name] = value;
            }
        }
        return result;
    }

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static string? Get(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && value.Trim().Length > 0 ? value.Trim() : null;
}

/// <summary>Makes server-provided text safe for a one-line message: no control characters, bounded length.</summary>
internal static class TextSanitizer
{
    public static string Clean(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }
        var sb = new System.Text.StringBuilder(Math.Min(text.Length, maxLength + 1));
        foreach (var ch in text)
        {
            if (sb.Length >= maxLength)
            {
                sb.Append('…');
                break;
            }
            sb.Append(char.IsControl(ch) ? ' ' : ch);
        }
        return sb.ToString().Trim();
    }
}
