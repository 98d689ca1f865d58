using System.Text.RegularExpressions;
using Moltbot.Core.State;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>
/// openclaw-compat.md 2.3, normalizeAgentId: trim (empty -> main); an id matching ^[a-z0-9][a-z0-9_-]{0,63}$
/// (case-insensitive) is returned lowercased; otherwise lowercase, each run outside [a-z0-9_-] becomes '-', leading and
/// trailing '-' are stripped, the result is cut to 64 characters, and an empty result is main.
/// </summary>
public sealed class AgentIdTests
{
    private static readonly string A64 = new('a', 64);
    private static readonly string A63 = new('a', 63);

    public static TheoryData<string?, string> Cases => new()
    {
        // empty -> main
        { null, "main" },
        { "", "main" },
        { "   ", "main" },
        { "\t\n", "main" },
        // valid ids, lowercased and trimmed
        { "main", "main" },
        { "Main", "main" },
        { " MAIN ", "main" },
        { "ops", "ops" },
        { "Ops-Team_2", "ops-team_2" },
        { "0day", "0day" },
        { "a", "a" },
        { "a-", "a-" },                 // valid as is: a trailing '-' is only stripped on the slow path
        { "a__b", "a__b" },
        // runs of invalid characters -> one '-'
        { "My Agent", "my-agent" },
        { "my   agent", "my-agent" },
        { "a.b.c", "a-b-c" },
        { "a/b", "a-b" },
        { "a\tb", "a-b" },
        { "a!@#$%^&*()b", "a-b" },
        { "a - b", "a---b" },           // '-' is a valid character: only the spaces around it become '-'
        { "../../etc/passwd", "etc-passwd" },
        { "C:\\Users\\x", "c-users-x" },
        { "a:b", "a-b" },
        // leading and trailing '-' stripped (not '_')
        { "--abc--", "abc" },
        { "-abc", "abc" },
        { "!abc!", "abc" },
        { "_abc", "_abc" },             // invalid start for the regex, but '_' is kept: only '-' is trimmed
        { "_", "_" },
        // nothing left -> main
        { "!!!", "main" },
        { "---", "main" },
        { "-", "main" },
        { ". .", "main" },
        // unicode: non-ASCII letters are outside [a-z0-9_-]
        { "Ägent", "gent" },
        { "café bot", "caf-bot" },
        { "agent日本", "agent" },
        { "日本", "main" },
        { "émile-2", "mile-2" },
        { "😀x😀", "x" },
        // length: the regex allows at most 64; longer ids are cut to 64
        { A64, A64 },
        { A64.ToUpperInvariant(), A64 },
        { A64 + "a", A64 },
        { A64 + "bbbb", A64 },
        { " " + A64 + " ", A64 },
        // strip happens before the cut, so a '-' at position 64 survives (spec order: replace, strip, cut)
        { A63 + " b", A63 + "-" },
        { "!" + A64 + "!", A64 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Normalize(string? input, string expected)
    {
        Assert.Equal(expected, AgentId.Normalize(input));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Normalize_ResultIsAlwaysASafeFolderName(string? input, string _)
    {
        var id = AgentId.Normalize(input);
        Assert.Matches(new Regex("^[a-z0-9_-]{1,64}$"), id);
        Assert.DoesNotContain("..", id);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Normalize_IsIdempotent(string? input, string _)
    {
        var once = AgentId.Normalize(input);
        Assert.Equal(once, AgentId.Normalize(once));
    }

    [Theory]
    [InlineData("main", true)]
    [InlineData("ops", false)]
    [InlineData("Main", false)] // IsDefault compares normalised ids
    public void IsDefault(string id, bool expected)
    {
        Assert.Equal(expected, AgentId.IsDefault(id));
    }
}
