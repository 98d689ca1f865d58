using System;

namespace Moltbot.Core.Text;

/// <summary>The indefinite article a word takes in a message ("an api_key credential", "a token credential").</summary>
public static class Article
{
    /// <summary><paramref name="word"/> with "a" or "an" before it, by its first letter as it is read aloud.</summary>
    public static string With(string word)
    {
        if (string.IsNullOrEmpty(word))
        {
            return "a " + word;
        }
        var lower = word.ToLowerInvariant();
        // "u" read as "you" (unique, user, UInt32) takes "a"; "unknown", "oauth", "api_key" take "an".
        var an = "aeio".Contains(lower[0], StringComparison.Ordinal) ||
                 (lower[0] == 'u' && !(lower.StartsWith("uni", StringComparison.Ordinal) || lower.StartsWith("us", StringComparison.Ordinal) ||
                                       (word.Length > 1 && char.IsUpper(word[0]) && char.IsUpper(word[1]))));
        return (an ? "an " : "a ") + word;
    }
}
