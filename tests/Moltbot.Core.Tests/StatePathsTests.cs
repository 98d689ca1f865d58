using System;
using System.IO;
using Moltbot.Core.State;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>openclaw-compat.md 2.1 (home), 2.2 (state dir, config path, OAuth dir).</summary>
public sealed class StatePathsTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _osHome;
    private readonly string _home;

    public StatePathsTests()
    {
        _osHome = _tmp.Dir("oshome");
        _home = _tmp.Dir("home");
    }

    public void Dispose() => _tmp.Dispose();

    // ---- home ------------------------------------------------------------------------------------------------

    [Fact]
    public void Home_OpenClawHome_WinsOverHomeAndUserProfile()
    {
        var custom = _tmp.Dir("custom");
        var env = FakeEnv.Create(_osHome, ("OPENCLAW_HOME", custom), ("HOME", _home), ("USERPROFILE", _tmp.Dir("up")));
        Assert.Equal(custom, StatePaths.ResolveHome(env));
    }

    [Theory]
    [InlineData("~", "")]
    [InlineData("~/alt", "alt")]
    [InlineData("~/a/b", "a/b")]
    public void Home_OpenClawHome_LeadingTildeExpandsAgainstTheOsHome_NotAgainstHOME(string value, string relative)
    {
        var env = FakeEnv.Create(_osHome, ("OPENCLAW_HOME", value), ("HOME", _home));
        var expected = relative.Length == 0 ? _osHome : Path.Combine(_osHome, relative);
        Assert.Equal(Path.GetFullPath(expected), StatePaths.ResolveHome(env));
    }

    [Fact]
    public void Home_OpenClawHome_IsTrimmed()
    {
        var custom = _tmp.Dir("custom");
        var env = FakeEnv.Create(_osHome, ("OPENCLAW_HOME", "  " + custom + "\t"), ("HOME", _home));
        Assert.Equal(custom, StatePaths.ResolveHome(env));
    }

    [Fact]
    public void Home_HOME_WinsOverUserProfileAndOs()
    {
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("USERPROFILE", _tmp.Dir("up")));
        Assert.Equal(_home, StatePaths.ResolveHome(env));
    }

    [Fact]
    public void Home_UserProfile_WhenHomeIsUnset()
    {
        var up = _tmp.Dir("up");
        var env = FakeEnv.Create(_osHome, ("USERPROFILE", up));
        Assert.Equal(up, StatePaths.ResolveHome(env));
    }

    [Fact]
    public void Home_Os_WhenNothingIsSet()
    {
        Assert.Equal(_osHome, StatePaths.ResolveHome(FakeEnv.Create(_osHome)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("undefined")]
    [InlineData("null")]
    [InlineData(" null ")]
    public void Home_EmptyUndefinedAndNull_CountAsUnset(string unsetValue)
    {
        // Every level set to the "unset" value: the OS home is what is left.
        var env = FakeEnv.Create(_osHome, ("OPENCLAW_HOME", unsetValue), ("HOME", unsetValue), ("USERPROFILE", unsetValue));
        Assert.Equal(_osHome, StatePaths.ResolveHome(env));

        // And an unset OPENCLAW_HOME falls through to HOME.
        env = FakeEnv.Create(_osHome, ("OPENCLAW_HOME", unsetValue), ("HOME", _home));
        Assert.Equal(_home, StatePaths.ResolveHome(env));
    }

    [Fact]
    public void Home_UnsetValues_OnlyMatchExactly()
    {
        // "Null" or "nullx" are real (odd) paths, not the unset markers.
        var env = FakeEnv.Create(_osHome, ("HOME", "/nullx"));
        Assert.Equal("/nullx", StatePaths.ResolveHome(env));
    }

    // ---- state dir -------------------------------------------------------------------------------------------

    [Fact]
    public void StateDir_OpenClawStateDir_WinsOverEverything()
    {
        _tmp.Dir("home", ".openclaw");
        _tmp.Dir("home", ".clawdbot");
        var state = _tmp.Combine("explicit-state"); // need not exist
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", state), ("CLAWDBOT_STATE_DIR", _tmp.Dir("claw")));
        var paths = StatePaths.Resolve(env);
        Assert.Equal(state, paths.StateDir);
        Assert.Equal("OPENCLAW_STATE_DIR", paths.StateDirSource);
        Assert.False(Directory.Exists(state), "resolving paths must not create the state dir");
    }

    [Fact]
    public void StateDir_OpenClawStateDir_IsTrimmed()
    {
        var state = _tmp.Combine("s");
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", "  " + state + "  "));
        Assert.Equal(state, StatePaths.Resolve(env).StateDir);
    }

    [Theory]
    [InlineData("~", "")]
    [InlineData("~/state", "state")]
    [InlineData("~/a/../b", "b")]
    public void StateDir_OpenClawStateDir_TildeIsExpandedAgainstTheHome(string value, string relative)
    {
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", value));
        var expected = relative.Length == 0 ? _home : Path.Combine(_home, relative);
        Assert.Equal(expected, StatePaths.Resolve(env).StateDir);
    }

    [Fact]
    public void StateDir_OpenClawStateDir_TildeFollowsOpenClawHome()
    {
        var custom = _tmp.Dir("custom");
        var env = FakeEnv.Create(_osHome, ("OPENCLAW_HOME", custom), ("HOME", _home), ("OPENCLAW_STATE_DIR", "~/st"));
        Assert.Equal(Path.Combine(custom, "st"), StatePaths.Resolve(env).StateDir);
    }

    [Fact]
    public void StateDir_OpenClawStateDir_RelativeIsMadeAbsolute()
    {
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", "rel/state"));
        var resolved = StatePaths.Resolve(env).StateDir;
        Assert.True(Path.IsPathFullyQualified(resolved), resolved);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "rel", "state"), resolved);
    }

    [Fact]
    public void StateDir_ClawdbotStateDir_IsTheFallback()
    {
        _tmp.Dir("home", ".openclaw");
        var claw = _tmp.Combine("claw");
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("CLAWDBOT_STATE_DIR", " " + claw + " "));
        var paths = StatePaths.Resolve(env);
        Assert.Equal(claw, paths.StateDir);
        Assert.Equal("CLAWDBOT_STATE_DIR", paths.StateDirSource);
    }

    [Theory]
    [InlineData("")]
    [InlineData("undefined")]
    [InlineData("null")]
    public void StateDir_UnsetMarkers_FallThroughToTheHomeLayout(string unsetValue)
    {
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", unsetValue), ("CLAWDBOT_STATE_DIR", unsetValue));
        Assert.Equal(Path.Combine(_home, ".openclaw"), StatePaths.Resolve(env).StateDir);
    }

    [Fact]
    public void StateDir_MoltbotStateDir_IsNotRead()
    {
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("MOLTBOT_STATE_DIR", _tmp.Dir("moltbot-env")));
        Assert.Equal(Path.Combine(_home, ".openclaw"), StatePaths.Resolve(env).StateDir);
    }

    /// <summary>
    /// Which of the home's dot folders exist -> which one is the state dir. Order (2.2): .openclaw if it exists, then
    /// the first existing of .clawdbot, .moltbot, .moldbot, else .openclaw.
    /// </summary>
    [Theory]
    [InlineData("", ".openclaw", "default")]
    [InlineData(".openclaw", ".openclaw", "default")]
    [InlineData(".openclaw,.clawdbot,.moltbot,.moldbot", ".openclaw", "default")]
    [InlineData(".clawdbot", ".clawdbot", "legacy")]
    [InlineData(".moltbot", ".moltbot", "legacy")]
    [InlineData(".moldbot", ".moldbot", "legacy")]
    [InlineData(".moldbot,.moltbot", ".moltbot", "legacy")]
    [InlineData(".moldbot,.clawdbot", ".clawdbot", "legacy")]
    [InlineData(".moltbot,.clawdbot,.moldbot", ".clawdbot", "legacy")]
    [InlineData(".openclaw-dev,.clawdbot-old", ".openclaw", "default")]
    public void StateDir_HomeLayout(string existing, string expected, string source)
    {
        foreach (var name in existing.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            _tmp.Dir("home", name);
        }
        var paths = StatePaths.Resolve(FakeEnv.Create(_osHome, ("HOME", _home)));
        Assert.Equal(Path.Combine(_home, expected), paths.StateDir);
        Assert.Equal(source, paths.StateDirSource);
        if (existing.Length == 0)
        {
            Assert.False(Directory.Exists(paths.StateDir), "resolving paths must not create the state dir");
        }
    }

    [Fact]
    public void StateDir_HomeLayout_UsesTheResolvedHome_NotTheOsHome()
    {
        // A legacy dir under the OS home must not be picked when HOME points elsewhere.
        _tmp.Dir("oshome", ".clawdbot");
        var paths = StatePaths.Resolve(FakeEnv.Create(_osHome, ("HOME", _home)));
        Assert.Equal(Path.Combine(_home, ".openclaw"), paths.StateDir);
        Assert.Equal(_home, paths.Home);
    }

    // ---- config path -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("", "openclaw.json")]
    [InlineData("openclaw.json", "openclaw.json")]
    [InlineData("moltbot.json", "moltbot.json")]
    [InlineData("moldbot.json,moltbot.json", "moldbot.json")]
    [InlineData("clawdbot.json,moldbot.json,moltbot.json", "clawdbot.json")]
    [InlineData("openclaw.json,clawdbot.json,moltbot.json", "openclaw.json")]
    [InlineData("config.json,openclaw.json5", "openclaw.json")]
    public void ConfigPath_FirstExistingInTheStateDir(string existing, string expected)
    {
        var state = _tmp.Dir("state");
        foreach (var name in existing.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            _tmp.File(Path.Combine("state", name), "{}");
        }
        var paths = StatePaths.Resolve(FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", state)));
        Assert.Equal(Path.Combine(state, expected), paths.ConfigPath);
    }

    [Fact]
    public void ConfigPath_FollowsALegacyStateDir()
    {
        var legacy = _tmp.Dir("home", ".clawdbot");
        _tmp.File("home/.clawdbot/clawdbot.json", "{}");
        var paths = StatePaths.Resolve(FakeEnv.Create(_osHome, ("HOME", _home)));
        Assert.Equal(Path.Combine(legacy, "clawdbot.json"), paths.ConfigPath);
    }

    [Fact]
    public void ConfigPath_EnvironmentVariableWins()
    {
        var state = _tmp.Dir("state");
        _tmp.File("state/openclaw.json", "{}");
        var explicitPath = _tmp.Combine("elsewhere", "my.json");
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", state), ("OPENCLAW_CONFIG_PATH", " " + explicitPath + " "));
        Assert.Equal(explicitPath, StatePaths.Resolve(env).ConfigPath);
    }

    [Fact]
    public void ConfigPath_EnvironmentVariable_TildeExpanded()
    {
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", _tmp.Dir("state")), ("OPENCLAW_CONFIG_PATH", "~/cfg/openclaw.json"));
        Assert.Equal(Path.Combine(_home, "cfg", "openclaw.json"), StatePaths.Resolve(env).ConfigPath);
    }

    // ---- OAuth dir and derived paths ------------------------------------------------------------------------

    [Fact]
    public void OAuthDir_DefaultsToCredentialsInTheStateDir()
    {
        var state = _tmp.Dir("state");
        var paths = StatePaths.Resolve(FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", state)));
        Assert.Equal(Path.Combine(state, "credentials"), paths.OAuthDir);
    }

    [Fact]
    public void OAuthDir_EnvironmentVariableWins()
    {
        var oauth = _tmp.Combine("oauth");
        var env = FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", _tmp.Dir("state")), ("OPENCLAW_OAUTH_DIR", oauth));
        Assert.Equal(oauth, StatePaths.Resolve(env).OAuthDir);
    }

    [Fact]
    public void AgentDir_DefaultLayout()
    {
        var state = _tmp.Dir("state");
        var paths = StatePaths.Resolve(FakeEnv.Create(_osHome, ("HOME", _home), ("OPENCLAW_STATE_DIR", state)));
        Assert.Equal(Path.Combine(state, "agents"), paths.AgentsDir);
        Assert.Equal(Path.Combine(state, "agents", "ops", "agent"), paths.DefaultAgentDir("ops"));
    }

    [Fact]
    public void Environment_ReadsThroughTheLookupEachTime()
    {
        var values = new System.Collections.Generic.Dictionary<string, string?> { ["OPENCLAW_STATE_DIR"] = _tmp.Combine("one") };
        var env = new MoltbotEnvironment(n => values.TryGetValue(n, out var v) ? v : null, () => _osHome);
        Assert.Equal(_tmp.Combine("one"), StatePaths.Resolve(env).StateDir);
        values["OPENCLAW_STATE_DIR"] = _tmp.Combine("two");
        Assert.Equal(_tmp.Combine("two"), StatePaths.Resolve(env).StateDir);
    }
}
