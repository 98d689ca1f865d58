using System;
using System.IO;
using System.Linq;
using Moltbot.Core.Agents;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>Agent dirs and the agent list of a state dir (spec 2.3).</summary>
public sealed class MoltbotStateTests : IDisposable
{
    private readonly StateFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Resolve_UsesTheInjectedEnvironment()
    {
        var state = _f.NewState();
        Assert.Equal(_f.StateDir, state.Paths.StateDir);
        Assert.Equal(_f.Home, state.Paths.Home);
        Assert.Equal(_f.ConfigPath, state.Paths.ConfigPath);
    }

    [Fact]
    public void AgentDir_FromConfig_TildeExpanded_ElseTheDefaultLayout()
    {
        _f.WriteConfig("""
            // JSON5 on purpose
            {
              agents: {
                list: [
                  { id: 'ops', agentDir: '~/custom/ops' },
                  { id: 'abs', agentDir: '/srv/agents/abs/agent' },
                  { id: 'blank', agentDir: '   ' },
                  { id: 'Mixed Case', agentDir: '~' },
                ],
              },
            }
            """);
        var state = _f.NewState();
        Assert.Equal(Path.Combine(_f.Home, "custom", "ops"), state.AgentDirOf("ops"));
        Assert.Equal("/srv/agents/abs/agent", state.AgentDirOf("abs"));
        Assert.Equal(Path.Combine(_f.StateDir, "agents", "blank", "agent"), state.AgentDirOf("blank"));
        Assert.Equal(_f.Home, state.AgentDirOf("mixed-case"));
        Assert.Equal(Path.Combine(_f.StateDir, "agents", "dev", "agent"), state.AgentDirOf("dev"));
        Assert.Equal(Path.Combine(_f.StateDir, "agents", "main", "agent"), state.AgentDirOf("main"));
    }

    [Fact]
    public void GetAgent_NormalisesTheId_AndDefaultsToTheConfiguredDefault()
    {
        _f.WriteConfig("{agents: {list: [{id: 'ops'}, {id: 'dev', default: true, name: 'Dev', model: 'm', workspace: '/w'}]}}");
        var state = _f.NewState();

        var byDefault = state.GetAgent(null);
        Assert.Equal("dev", byDefault.Id);
        Assert.True(byDefault.IsDefault);
        Assert.True(byDefault.InConfig);
        Assert.Equal(("Dev", "m", "/w"), (byDefault.Name, byDefault.Model, byDefault.Workspace));
        Assert.Equal("dev", state.GetAgent("   ").Id);

        var ops = state.GetAgent("  OPS ");
        Assert.Equal("ops", ops.Id);
        Assert.False(ops.IsDefault);
        Assert.Equal(Path.Combine(_f.StateDir, "agents", "ops", "agent", "auth-profiles.json"), ops.StorePath);

        var odd = state.GetAgent("Bad Name!");
        Assert.Equal("bad-name", odd.Id);
        Assert.False(odd.InConfig);
    }

    [Fact]
    public void GetAgent_WithoutConfig_IsMain()
    {
        var main = _f.NewState().GetAgent(null);
        Assert.Equal("main", main.Id);
        Assert.True(main.IsDefault);
        Assert.False(main.InConfig);
        Assert.False(main.DirectoryExists);
        Assert.False(main.StoreExists);
        Assert.False(Directory.Exists(_f.StateDir), "reading must not create the state dir");
    }

    [Fact]
    public void ListAgents_MergesConfigAndDisk_DefaultFirst()
    {
        _f.WriteConfig("{agents: {list: [{id: 'ops'}, {id: 'dev', default: true}, {id: 'elsewhere', agentDir: '~/x'}]}}");
        foreach (var name in new[] { "zeta", "alpha", "main", "ops", "Bad Name", "UPPER" })
        {
            _f.Tmp.Dir("state", "agents", name, "agent");
        }
        _f.Tmp.Dir("state", "agents", "noagentdir", "sessions"); // no agent/ folder: not an agent
        _f.Tmp.File("state/agents/plainfile", "x");

        var list = _f.NewState().ListAgents();

        Assert.Equal(new[] { "dev", "alpha", "elsewhere", "main", "ops", "zeta" }, list.Select(a => a.Id));
        Assert.True(list[0].IsDefault);
        Assert.All(list.Skip(1), a => Assert.False(a.IsDefault));
        Assert.Equal(new[] { true, false, true, false, true, false }, list.Select(a => a.InConfig));
        Assert.Equal(Path.Combine(_f.Home, "x"), list.Single(a => a.Id == "elsewhere").AgentDir);
    }

    [Fact]
    public void ListAgents_Empty_IsJustMain()
    {
        var list = _f.NewState().ListAgents();
        var main = Assert.Single(list);
        Assert.Equal("main", main.Id);
        Assert.True(main.IsDefault);
    }

    [Fact]
    public void ListAgents_DefaultNotMain_MainOnlyWhenItExists()
    {
        _f.WriteConfig("{agents: {list: [{id: 'ops'}]}}");
        Assert.Equal(new[] { "ops" }, _f.NewState().ListAgents().Select(a => a.Id));
        _f.Tmp.Dir("state", "agents", "main", "agent");
        Assert.Equal(new[] { "ops", "main" }, _f.NewState().ListAgents().Select(a => a.Id));
    }

    [Fact]
    public void Config_IsReadOnce_UntilRefresh()
    {
        var state = _f.NewState();
        Assert.Equal("main", state.DefaultAgentId);
        _f.WriteConfig("{agents: {list: [{id: 'ops'}]}}");
        Assert.Equal("main", state.DefaultAgentId);
        state.Refresh();
        Assert.Equal("ops", state.DefaultAgentId);
    }

    [Fact]
    public void CorruptConfig_Throws_ConfigUnreadable()
    {
        _f.WriteConfig("{ agents: ");
        var state = _f.NewState();
        Throws.Moltbot("MoltbotConfigUnreadable", MoltbotErrorKind.InvalidData, () => _ = state.ListAgents());
    }
}
