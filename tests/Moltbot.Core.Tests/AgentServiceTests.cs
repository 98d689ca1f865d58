using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Moltbot.Core.Agents;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>
/// New agents as <c>openclaw agents add --non-interactive</c> makes them (spec 9): the id is normalised, "main" is
/// reserved, <c>{id, name, workspace, agentDir, model?}</c> is appended to agents.list (the default agent's entry first
/// when the list was empty), folders 0700.
/// </summary>
public sealed class AgentServiceTests : IDisposable
{
    private readonly StateFixture _f = new();

    public void Dispose() => _f.Dispose();

    private AgentService Service(out MoltbotState state)
    {
        state = _f.NewState();
        return new AgentService(state, StateFixture.Locks);
    }

    private JsonArray ConfigList() => Json.ParseFile(_f.ConfigPath)["agents"]!["list"]!.AsArray();

    [Theory]
    [InlineData("main")]
    [InlineData("MAIN")]
    [InlineData(" Main ")]
    [InlineData("main!")]
    [InlineData("--main--")]
    [InlineData("!!!")] // normalises to the fallback, main
    public void Create_RefusesNamesThatNormaliseToMain(string name)
    {
        var ex = Throws.Moltbot("MoltbotAgentReserved", MoltbotErrorKind.InvalidArgument, () => Service(out _).Create(new NewAgentRequest(name)));
        Assert.Contains("main", ex.Message);
        Assert.False(Directory.Exists(_f.StateDir), "a refused name must not create anything");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Create_RefusesAnEmptyName(string name)
    {
        Throws.Moltbot("MoltbotInvalidAgentId", MoltbotErrorKind.InvalidArgument, () => Service(out _).Create(new NewAgentRequest(name)));
        Assert.False(Directory.Exists(_f.StateDir));
    }

    [Fact]
    public void Create_FirstAgent_PutsTheDefaultEntryFirst_AndCreatesFolders0700()
    {
        var created = Service(out var state).Create(new NewAgentRequest("Ops"));

        var agentDir = Path.Combine(_f.StateDir, "agents", "ops", "agent");
        var workspace = Path.Combine(_f.StateDir, "workspace-ops");
        Assert.Equal("ops", created.Id);
        Assert.Equal(agentDir, created.AgentDir);
        Assert.True(created.InConfig);
        Assert.False(created.IsDefault);

        var list = ConfigList();
        Assert.Equal(2, list.Count);
        Assert.Equal("main", (string)list[0]!["id"]!);
        Json.AssertDeepEqual(
            new JsonObject { ["id"] = "ops", ["name"] = "Ops", ["workspace"] = workspace, ["agentDir"] = agentDir }.ToJsonString(),
            list[1]);
        Assert.Equal(new[] { "id", "name", "workspace", "agentDir" }, Json.Keys(list[1]));

        foreach (var dir in new[] { _f.StateDir, Path.Combine(_f.StateDir, "agents"), Path.Combine(_f.StateDir, "agents", "ops"), agentDir,
                     Path.Combine(_f.StateDir, "agents", "ops", "sessions"), workspace })
        {
            Assert.True(Directory.Exists(dir), dir);
            Modes.AssertMode(Modes.Dir700, dir);
        }
        Modes.AssertMode(Modes.File600, _f.ConfigPath);
        Assert.False(File.Exists(Path.Combine(agentDir, "auth-profiles.json")), "agents add does not create a store");

        state.Refresh();
        Assert.Equal("main", state.DefaultAgentId);
        Assert.Equal(new[] { "main", "ops" }, state.ListAgents().Select(a => a.Id));
    }

    [Fact]
    public void Create_Second_Appends_WithoutAnotherDefaultEntry()
    {
        Service(out _).Create(new NewAgentRequest("ops"));
        Service(out _).Create(new NewAgentRequest("Dev Team", Model: " anthropic/claude-opus-4-5 "));
        var list = ConfigList();
        Assert.Equal(new[] { "main", "ops", "dev-team" }, list.Select(e => (string)e!["id"]!));
        Assert.Equal("Dev Team", (string)list[2]!["name"]!);
        Assert.Equal("anthropic/claude-opus-4-5", (string)list[2]!["model"]!);
    }

    [Fact]
    public void Create_IntoANonEmptyList_DoesNotInsertMain()
    {
        _f.WriteConfig("{\n  // keep my default\n  agents: { list: [ { id: 'boss', default: true } ] },\n  other: 1,\n}\n");
        Service(out var state).Create(new NewAgentRequest("ops"));
        Assert.Equal(new[] { "boss", "ops" }, ConfigList().Select(e => (string)e!["id"]!));
        Assert.Equal(1, (int)Json.ParseFile(_f.ConfigPath)["other"]!);
        state.Refresh();
        Assert.Equal("boss", state.DefaultAgentId);
    }

    [Theory]
    [InlineData("ops")]
    [InlineData("OPS")]
    [InlineData(" Ops ")]
    public void Create_Existing_IsRefused_AndChangesNothing(string again)
    {
        Service(out _).Create(new NewAgentRequest("ops"));
        var before = File.ReadAllBytes(_f.ConfigPath);
        var ex = Throws.Moltbot("MoltbotAgentExists", MoltbotErrorKind.ResourceExists, () => Service(out _).Create(new NewAgentRequest(again)));
        Assert.Equal("ops", ex.Target);
        Assert.Equal(before, File.ReadAllBytes(_f.ConfigPath));
    }

    [Fact]
    public void Create_ExistingOnDiskOnly_IsRefused()
    {
        _f.Tmp.Dir("state", "agents", "ops", "agent");
        Throws.Moltbot("MoltbotAgentExists", MoltbotErrorKind.ResourceExists, () => Service(out _).Create(new NewAgentRequest("ops")));
        Assert.False(File.Exists(_f.ConfigPath));
    }

    [Fact]
    public void Create_Existing_WithForce_ReplacesTheEntry()
    {
        Service(out _).Create(new NewAgentRequest("ops", Model: "a/b"));
        Service(out _).Create(new NewAgentRequest("ops", Model: "c/d", Force: true));
        var list = ConfigList();
        Assert.Equal(new[] { "main", "ops" }, list.Select(e => (string)e!["id"]!));
        Assert.Equal("c/d", (string)list[1]!["model"]!);
    }

    [Fact]
    public void Create_WithAgentDirAndWorkspace_TildeExpanded()
    {
        var created = Service(out _).Create(new NewAgentRequest("ops", Workspace: "~/ws/ops", AgentDir: "~/agents/ops"));
        Assert.Equal(Path.Combine(_f.Home, "agents", "ops"), created.AgentDir);
        Assert.True(Directory.Exists(created.AgentDir));
        Modes.AssertMode(Modes.Dir700, created.AgentDir);
        Assert.True(Directory.Exists(Path.Combine(_f.Home, "ws", "ops")));
        var entry = ConfigList()[1]!;
        Assert.Equal(Path.Combine(_f.Home, "agents", "ops"), (string)entry["agentDir"]!);
        Assert.Equal(Path.Combine(_f.Home, "ws", "ops"), (string)entry["workspace"]!);
        // And the state resolves the agent to that dir from now on.
        Assert.Equal(created.AgentDir, _f.NewState().AgentDirOf("ops"));
    }

    [Fact]
    public void Create_WithACorruptConfig_CreatesNothing()
    {
        _f.WriteConfig("{ agents: [ oops");
        var before = File.ReadAllBytes(_f.ConfigPath);
        Throws.Moltbot("MoltbotConfigUnreadable", MoltbotErrorKind.InvalidData, () => Service(out _).Create(new NewAgentRequest("ops")));
        Assert.Equal(before, File.ReadAllBytes(_f.ConfigPath));
        Assert.False(Directory.Exists(Path.Combine(_f.StateDir, "agents")));
        Assert.False(Directory.Exists(Path.Combine(_f.StateDir, "workspace-ops")));
    }

    [Theory]
    [InlineData("Ops", "ops")]
    [InlineData("My Agent", "my-agent")]
    public void ValidateNewId(string name, string expected)
    {
        Assert.Equal(expected, AgentService.ValidateNewId(name));
    }
}
