using Moltbot.Core;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>Issue 12, finding 11: the one rule for text shown to a person.</summary>
public sealed class DisplayTextTests
{
    [Theory]
    [InlineData("openrouter:\u001b[2Jwipe", "openrouter:\\x1B[2Jwipe")] // clear screen
    [InlineData("t\u001b]0;PWNED\u0007", "t\\x1B]0;PWNED\\x07")] // OSC window title, BEL
    [InlineData("evil\u009b0c", "evil\\x9B0c")] // C1 CSI
    [InlineData("x\u007fy\u0085z", "x\\x7Fy\\x85z")] // DEL, NEL
    [InlineData("\u202etxt.exe", "\\u202Etxt.exe")] // right-to-left override
    [InlineData("a\u2066b\u2069c\u200fd\u061c", "a\\u2066b\\u2069c\\u200Fd\\u061C")] // isolates, RLM, ALM
    [InlineData("one\ntwo\tthree\rfour\u2028", "one\\x0Atwo\\x09three\\x0Dfour\\u2028")]
    public void Escape_replaces_every_character_a_terminal_acts_on(string raw, string shown)
    {
        Assert.Equal(shown, DisplayText.Escape(raw));
        Assert.True(DisplayText.ContainsUnsafe(raw));
        Assert.False(DisplayText.ContainsUnsafe(DisplayText.Escape(raw)));
    }

    [Fact]
    public void Messages_keep_line_feeds_and_tabs_but_not_carriage_returns()
    {
        Assert.Equal("line 1\n\tline 2\\x0D \\x1B[2J", DisplayText.EscapeMessage("line 1\n\tline 2\r \u001b[2J"));
    }

    [Theory]
    [InlineData("openrouter:default")]
    [InlineData("/home/ü/.openclaw/agents/main/agent/auth-profiles.json")]
    [InlineData("C:\\x1B\\path")] // a backslash is text, not an escape
    [InlineData("日本語 émoji 🎉 zero\u200bwidth")]
    [InlineData("")]
    public void Safe_text_is_returned_as_it_is(string text)
    {
        Assert.Same(text, DisplayText.Escape(text));
        Assert.Same(text, DisplayText.EscapeMessage(text));
    }

    [Fact]
    public void Null_is_empty() => Assert.Equal(string.Empty, DisplayText.Escape(null));

    [Fact]
    public void A_MoltbotException_message_is_escaped_and_its_target_keeps_the_true_value()
    {
        var id = "openrouter:\u001b]0;PWNED\u0007";
        var ex = new MoltbotException(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound, $"No profile '{id}'.", id);
        Assert.Equal("No profile 'openrouter:\\x1B]0;PWNED\\x07'.", ex.Message);
        Assert.Equal(id, ex.Target);
    }
}
