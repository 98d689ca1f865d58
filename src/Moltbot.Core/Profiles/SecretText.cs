using System;
using System.Text;

namespace Moltbot.Core.Profiles;

/// <summary>Validation of pasted secrets (openclaw-compat.md 8.2). Messages describe the problem, never the value.</summary>
public static class SecretText
{
    public const string AnthropicSetupTokenPrefix = "sk-ant-oat01-";
    public const int AnthropicSetupTokenMinLength = 80;

    /// <summary>Removes every white-space character (a token wrapped across terminal lines pastes with breaks in it).</summary>
    public static string StripWhitespace(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var ch in value)
        {
            if (!char.IsWhiteSpace(ch))
            {
                sb.Append(ch);
            }
        }
        return sb.ToString();
    }

    /// <summary>Normalises and validates a setup token or static token for <paramref name="provider"/>.</summary>
    public static string ValidateToken(string provider, string? raw)
    {
        var token = StripWhitespace(raw ?? string.Empty);
        if (token.Length == 0)
        {
            throw new MoltbotException(ErrorIds.InvalidToken, MoltbotErrorKind.InvalidArgument, "The token is empty.", provider);
        }
        if (provider == "anthropic")
        {
            if (!token.StartsWith(AnthropicSetupTokenPrefix, StringComparison.Ordinal))
            {
                throw new MoltbotException(ErrorIds.InvalidSetupToken, MoltbotErrorKind.InvalidArgument,
                    $"That is not an Anthropic setup token: it must start with '{AnthropicSetupTokenPrefix}'.", provider)
                {
                    RecommendedAction = "Run 'claude setup-token' and paste the token it prints (an API key goes to Set-MoltbotApiKey).",
                };
            }
            if (token.Length < AnthropicSetupTokenMinLength)
            {
                throw new MoltbotException(ErrorIds.InvalidSetupToken, MoltbotErrorKind.InvalidArgument,
                    $"The setup token is too short ({token.Length} characters; at least {AnthropicSetupTokenMinLength}). It may have been cut off when it was copied.", provider)
                {
                    RecommendedAction = "Copy the whole token printed by 'claude setup-token' and try again.",
                };
            }
        }
        return token;
    }

    /// <summary>Trims an API key and refuses an empty one or one with inner white space.</summary>
    public static string ValidateApiKey(string provider, string? raw)
    {
        var key = (raw ?? string.Empty).Trim();
        if (key.Length == 0)
        {
            throw new MoltbotException(ErrorIds.InvalidApiKey, MoltbotErrorKind.InvalidArgument, "The API key is empty.", provider);
        }
        foreach (var ch in key)
        {
            if (char.IsWhiteSpace(ch) || char.IsControl(ch))
            {
                throw new MoltbotException(ErrorIds.InvalidApiKey, MoltbotErrorKind.InvalidArgument,
                    "The API key contains white space or control characters; paste it on one line.", provider);
            }
        }
        return key;
    }
}
