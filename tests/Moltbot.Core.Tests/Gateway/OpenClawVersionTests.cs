using System.Linq;
using Moltbot.Core.OpenClaw;
using Xunit;

namespace Moltbot.Core.Tests.Gateway;

public class OpenClawVersionTests
{
    [Theory]
    [InlineData("2026.9.6", 2026, 9, 6, null)]
    [InlineData("v2026.6.11", 2026, 6, 11, null)]
    [InlineData("OpenClaw 2026.6.11 (build 76b5208)\n", 2026, 6, 11, null)]
    [InlineData("2026.7.2-beta.5", 2026, 7, 2, "beta.5")]
    [InlineData("  2026.1.30 ", 2026, 1, 30, null)]
    public void Parses(string text, int year, int minor, int patch, string? pre)
    {
        var v = OpenClawVersion.TryParse(text);
        Assert.NotNull(v);
        Assert.Equal(year, v!.Year);
        Assert.Equal(minor, v.Minor);
        Assert.Equal(patch, v.Patch);
        Assert.Equal(pre, v.PreRelease);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("openclaw")]
    [InlineData("2026.9")]
    [InlineData("1.2.3.4")]
    public void RejectsWhatIsNoVersion(string? text) => Assert.Null(OpenClawVersion.TryParse(text));

    [Fact]
    public void OrdersNumericallyWithPreReleasesFirst()
    {
        var sorted = new[] { "2026.9.6", "2026.6.11", "2026.6.5", "2026.10.1", "2026.7.2-beta.5", "2026.7.2", "2026.7.2-beta.10", "2026.6.4" }
            .Select(OpenClawVersion.Parse).OrderBy(v => v).Select(v => v.ToString()).ToArray();
        Assert.Equal(new[] { "2026.6.4", "2026.6.5", "2026.6.11", "2026.7.2-beta.5", "2026.7.2-beta.10", "2026.7.2", "2026.9.6", "2026.10.1" }, sorted);
        Assert.True(OpenClawVersion.Parse("2026.9.6") > OpenClawVersion.Parse("2026.6.11"));
        Assert.True(OpenClawVersion.Parse("2026.9.6") >= OpenClawVersion.AuthRefreshVerified);
        Assert.Equal(OpenClawVersion.Parse("v2026.9.6"), OpenClawVersion.Parse("2026.9.6"));
    }

    [Theory]
    [InlineData("2026.6.5", true)]
    [InlineData("2026.6.5-beta.1", true)]
    [InlineData("2026.9.6", true)]
    [InlineData("2027.1.1", true)]
    [InlineData("2026.6.4", false)]
    [InlineData("2026.6.1", false)]
    [InlineData("2026.1.30", false)]
    public void TellsTheSqliteEra(string text, bool expected) => Assert.Equal(expected, OpenClawVersion.Parse(text).IsSqliteEra);
}
