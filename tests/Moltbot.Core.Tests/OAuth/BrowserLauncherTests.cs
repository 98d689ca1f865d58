using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public class BrowserLauncherTests
{
    private const string Url = "https://auth.example.com/oauth/authorize?client_id=a&scope=openid%20profile&state=s";

    [Theory]
    [InlineData("firefox", new[] { "firefox" })]
    [InlineData("  firefox   --new-window ", new[] { "firefox", "--new-window" })]
    [InlineData("'/opt/My Browser/run' -x", new[] { "/opt/My Browser/run", "-x" })]
    [InlineData("\"/opt/My Browser/run\" \"a \\\"b\\\"\"", new[] { "/opt/My Browser/run", "a \"b\"" })]
    [InlineData("/opt/My\\ Browser/run", new[] { "/opt/My Browser/run" })]
    [InlineData("a''b \"\"", new[] { "ab", "" })]
    public void Splits_like_a_posix_shell(string commandLine, string[] expected)
    {
        Assert.Equal(expected, SystemBrowserLauncher.SplitCommandLine(commandLine));
    }

    [Fact]
    public void Unbalanced_quotes_are_an_error()
    {
        OAuthTest.Throws(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument, () => SystemBrowserLauncher.SplitCommandLine("'firefox"));
    }

    [Fact]
    public void Percent_s_is_replaced_else_the_url_is_appended()
    {
        Assert.Equal(new[] { "firefox", "--new-tab", Url }, SystemBrowserLauncher.BuildCommand("firefox --new-tab", Url));
        Assert.Equal(new[] { "open", "-a", "Safari", Url, "--x" }, SystemBrowserLauncher.BuildCommand("open -a Safari %s --x", Url));
        Assert.Equal(new[] { "sh", "-c", "echo 100% " + Url }, SystemBrowserLauncher.BuildCommand("sh -c 'echo 100%% %s'", Url));
    }

    [Fact]
    public void BROWSER_entries_are_tried_in_order_until_one_starts()
    {
        var started = new List<ProcessStartInfo>();
        var env = OAuthTest.Env(("BROWSER", "missing-browser" + System.IO.Path.PathSeparator + "/usr/bin/true --flag"));
        var launcher = new SystemBrowserLauncher(env, info =>
        {
            started.Add(info);
            if (info.FileName == "missing-browser")
            {
                throw new System.ComponentModel.Win32Exception(2, "No such file or directory");
            }
            return true;
        });

        Assert.True(launcher.TryOpen(Url, out var how));
        Assert.Equal("'true'", how);
        Assert.Equal(new[] { "missing-browser", "/usr/bin/true" }, started.Select(s => s.FileName).ToArray());
        Assert.Equal(new[] { "--flag", Url }, started[1].ArgumentList.ToArray());
        Assert.False(started[1].UseShellExecute);
    }

    [Fact]
    public void Without_BROWSER_the_platform_opener_is_used()
    {
        var launcher = new SystemBrowserLauncher(OAuthTest.Env(), _ => true);
        var candidate = Assert.Single(launcher.Candidates(Url));
        if (System.OperatingSystem.IsWindows())
        {
            Assert.True(candidate.UseShellExecute);
        }
        else
        {
            Assert.Equal(System.OperatingSystem.IsMacOS() ? "open" : "xdg-open", candidate.FileName);
            Assert.Equal(new[] { Url }, candidate.ArgumentList.ToArray());
        }
    }

    [Fact]
    public void A_failure_is_reported_not_thrown()
    {
        var launcher = new SystemBrowserLauncher(OAuthTest.Env(("BROWSER", "nope")), _ => throw new System.ComponentModel.Win32Exception(2, "No such file or directory"));
        Assert.False(launcher.TryOpen(Url, out var why));
        Assert.Contains("nope", why);
    }
}
