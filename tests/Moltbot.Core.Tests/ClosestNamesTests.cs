using Moltbot.Core.Text;
using Xunit;

namespace Moltbot.Core.Tests;

public class ClosestNamesTests
{
    [Theory]
    [InlineData("wrok", "work")]      // transposition
    [InlineData("opsteam", "ops-team")]
    [InlineData("mian", "main")]
    [InlineData("WORK", "work")]      // case
    [InlineData("tea", "team")]       // prefix
    public void Finds_the_name_meant(string typed, string expected)
    {
        Assert.Equal(expected, ClosestNames.Find(typed, new[] { "main", "work", "ops-team", "team", "research" })[0]);
    }

    [Fact]
    public void Nothing_close_gives_no_hint()
    {
        Assert.Empty(ClosestNames.Find("nope", new[] { "main", "research" }));
        Assert.Equal(string.Empty, ClosestNames.Hint("nope", new[] { "main", "research" }));
    }

    [Fact]
    public void The_hint_names_up_to_three_nearest_first()
    {
        Assert.Equal(" Did you mean 'work'?", ClosestNames.Hint("wrk", new[] { "work", "main" }));
        Assert.Equal(" Did you mean 'ab', 'ac' or 'ad'?", ClosestNames.Hint("a", new[] { "ad", "ab", "ac", "ae", "zz" }));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "acb", 1)]
    [InlineData("kitten", "sitting", 3)]
    public void Distance_is_the_optimal_string_alignment_distance(string a, string b, int expected)
    {
        Assert.Equal(expected, ClosestNames.Distance(a, b));
    }
}
