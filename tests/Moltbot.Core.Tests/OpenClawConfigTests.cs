using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using Moltbot.Core.Config;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>openclaw.json (JSON5): agents.list and the default agent (spec 2.3), auth.profiles / auth.order (8.2, 9).</summary>
public sealed class OpenClawConfigTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string ConfigPath => _tmp.Combine("openclaw.json");

    private OpenClawConfig Write(string text)
    {
        _tmp.File("openclaw.json", text);
        return OpenClawConfig.Load(ConfigPath);
    }

    private const string HandEdited =
        "// my OpenClaw config\n" +
        "{\n" +
        "  /* gateway settings */\n" +
        "  gateway: { port: 18789, bind: 'loopback', },\n" +
        "  agents: {\n" +
        "    defaults: { model: { primary: 'anthropic/claude-opus-4-5' } },\n" +
        "    list: [\n" +
        "      { id: 'main', },\n" +
        "      { id: 'Ops Team', name: 'Ops', default: true, agentDir: '~/ops-agent', model: 'openai/gpt-5' },\n" +
        "      { id: 'writer', workspace: '/srv/writer', model: { primary: 'anthropic/claude-sonnet-4-5' } },\n" +
        "      { name: 'no id' },\n" +
        "    ],\n" +
        "  },\n" +
        "  auth: {\n" +
        "    profiles: { 'anthropic:default': { provider: 'anthropic', mode: 'token', note: 'keep me' } },\n" +
        "    order: { anthropic: ['anthropic:default', 'anthropic:work'] },\n" +
        "  },\n" +
        "}\n";

    // ---- reading ------------------------------------------------------------------------------------------------

    [Fact]
    public void Load_Json5WithComments()
    {
        var config = Write(HandEdited);
        Assert.True(config.Exists);
        Assert.True(config.HadComments);
        var agents = config.Agents;
        Assert.Equal(new[] { "main", "ops-team", "writer" }, agents.Select(a => a.Id));
        var ops = agents[1];
        Assert.Equal("Ops", ops.Name);
        Assert.True(ops.IsDefault);
        Assert.Equal("~/ops-agent", ops.AgentDir);
        Assert.Equal("openai/gpt-5", ops.Model);
        Assert.Equal("anthropic/claude-sonnet-4-5", agents[2].Model);
        Assert.Equal("/srv/writer", agents[2].Workspace);
        Assert.Equal("ops-team", config.DefaultAgentId);
        Assert.Equal("ops-team", config.FindAgent("ops-team")!.Id);
        Assert.Null(config.FindAgent("Ops Team")); // FindAgent takes a normalised id
        Assert.Equal(("anthropic", "token", (string?)null), config.AuthProfiles["anthropic:default"]);
        Assert.Equal(new[] { "anthropic:default", "anthropic:work" }, config.GetAuthOrder("anthropic"));
        Assert.Equal(new[] { "anthropic:default", "anthropic:work" }, config.GetAuthOrder("Anthropic"));
        Assert.Null(config.GetAuthOrder("openai"));
    }

    [Fact]
    public void Agents_AlsoComeFromAgentsEntries_AsOpenClaw_2026_9_6_AgentsAddWritesThem()
    {
        // The shape 'openclaw agents add ops' gives openclaw.json in 2026.9.6 (issue 15, point 2: such an agent exists).
        var config = Write("{\"agents\":{\"ownership\":\"explicit\",\"entries\":{\"main\":{\"workspace\":\"/w\"}," +
                           "\"ops\":{\"name\":\"ops\",\"workspace\":\"/w-ops\",\"agentDir\":\"/s/agents/ops/agent\"}}}}");
        Assert.Equal(new[] { "main", "ops" }, config.Agents.Select(a => a.Id));
        Assert.Equal("/s/agents/ops/agent", config.FindAgent("ops")!.AgentDir);
        Assert.Equal("main", config.DefaultAgentId); // an object's key order names no default
        var both = Write("{\"agents\":{\"list\":[{\"id\":\"work\"}],\"entries\":{\"work\":{\"name\":\"dup\"},\"ops\":{}}}}");
        Assert.Equal(new[] { "work", "ops" }, both.Agents.Select(a => a.Id));
        Assert.Null(both.FindAgent("work")!.Name); // agents.list wins
        Assert.Equal("work", both.DefaultAgentId);
    }

    [Fact]
    public void Load_Missing_IsEmpty()
    {
        var config = OpenClawConfig.Load(ConfigPath);
        Assert.False(config.Exists);
        Assert.Empty(config.Agents);
        Assert.Equal("main", config.DefaultAgentId);
        Assert.Empty(config.AuthProfiles);
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public void Load_PlainJsonWithoutComments()
    {
        var config = Write("{\"agents\":{\"list\":[{\"id\":\"a\"}]},\"meta\":{\"url\":\"http://x//y\"}}");
        Assert.Equal("a", Assert.Single(config.Agents).Id);
        Assert.Equal("http://x//y", (string)config.Root["meta"]!["url"]!);
    }

    /// <summary>The default agent (spec 2.3): first entry with default:true, else the first entry, else main.</summary>
    [Theory]
    [InlineData("{}", "main")]
    [InlineData("{agents: {}}", "main")]
    [InlineData("{agents: {list: []}}", "main")]
    [InlineData("{agents: {list: [{id: 'ops'}, {id: 'dev'}]}}", "ops")]
    [InlineData("{agents: {list: [{id: 'ops'}, {id: 'dev', default: true}]}}", "dev")]
    [InlineData("{agents: {list: [{id: 'a', default: true}, {id: 'b', default: true}]}}", "a")]
    [InlineData("{agents: {list: [{id: 'a', default: false}, {id: 'b', default: false}]}}", "a")]
    [InlineData("{agents: {list: [{id: 'a'}, {id: 'b', default: 'true'}]}}", "a")]
    [InlineData("{agents: {list: [{id: 'a'}, {id: 'B C', default: true}]}}", "b-c")]
    [InlineData("{agents: {list: [{name: 'no id'}, {id: ''}, {id: 'x'}]}}", "x")]
    [InlineData("{agents: {list: ['junk', 5, null, {id: 'y'}]}}", "y")]
    [InlineData("{agents: {list: [{id: 'Main'}, {id: 'ops'}]}}", "main")]
    public void DefaultAgentId(string json5, string expected)
    {
        Assert.Equal(expected, Write(json5).DefaultAgentId);
    }

    // ---- refusal ------------------------------------------------------------------------------------------------

    public static IEnumerable<object[]> Corrupt()
    {
        var utf8 = new UTF8Encoding(false);
        yield return new object[] { "syntax", utf8.GetBytes("{ gateway: { token: 'SECRET' }, oops }") };
        yield return new object[] { "unquoted-secret", utf8.GetBytes("{ gateway: { token: abcSECRETdef } }") };
        yield return new object[] { "truncated", utf8.GetBytes("{ \"gateway\": { \"token\": \"SECRET\" ") };
        yield return new object[] { "array-root", utf8.GetBytes("[\"SECRET\"]") };
        yield return new object[] { "agents-string", utf8.GetBytes("{ agents: 'SECRET' }") };
        yield return new object[] { "agents-list-object", utf8.GetBytes("{ agents: { list: { id: 'SECRET' } } }") };
        yield return new object[] { "auth-number", utf8.GetBytes("{ auth: 5, token: 'SECRET' }") };
        yield return new object[] { "invalid-utf8", utf8.GetBytes("{ token: 'SECRET").Concat(new byte[] { 0xC3, 0x28 }).Concat(utf8.GetBytes("' }")).ToArray() };
        yield return new object[] { "huge-hex", utf8.GetBytes("{ token: 'SECRET', n: 0x").Concat(utf8.GetBytes(new string('F', 400))).Concat(utf8.GetBytes(", oops }")).ToArray() };
    }

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void Corrupt_IsRefused_AndNeverOverwritten(string name, byte[] bytes)
    {
        File.WriteAllBytes(ConfigPath, bytes);
        var ex = Throws.Moltbot("MoltbotConfigUnreadable", MoltbotErrorKind.InvalidData, () => OpenClawConfig.Load(ConfigPath));
        Assert.Contains(ConfigPath, ex.Message);
        Assert.False(ex.Message.Contains("SECRET", StringComparison.Ordinal), $"{name}: {ex.Message}");

        var ran = false;
        Throws.Moltbot("MoltbotConfigUnreadable", MoltbotErrorKind.InvalidData, () => OpenClawConfig.Update(ConfigPath, c =>
        {
            ran = true;
            return c.UpsertAuthProfile("anthropic:default", "anthropic", CredentialType.Token);
        }, changed => changed));
        Assert.False(ran);
        Assert.Equal(bytes, File.ReadAllBytes(ConfigPath));
        Assert.Equal(new[] { ConfigPath }, Directory.GetFileSystemEntries(_tmp.Path));
    }

    // ---- auth.profiles ------------------------------------------------------------------------------------------

    [Fact]
    public void UpsertAuthProfile_NewEntry()
    {
        var config = OpenClawConfig.Empty(ConfigPath);
        Assert.True(config.UpsertAuthProfile("openrouter:manual", "openrouter", CredentialType.Token));
        Assert.True(config.UpsertAuthProfile("anthropic:work", "anthropic", CredentialType.ApiKey, "me@example.com"));
        Json.AssertDeepEqual(
            "{\"auth\":{\"profiles\":{\"openrouter:manual\":{\"provider\":\"openrouter\",\"mode\":\"token\"},\"anthropic:work\":{\"provider\":\"anthropic\",\"mode\":\"api_key\",\"email\":\"me@example.com\"}}}}",
            config.Root);
    }

    [Fact]
    public void UpsertAuthProfile_KeepsOtherFieldsOfTheEntry_AndReportsNoChangeWhenSame()
    {
        var config = Write(HandEdited);
        Assert.False(config.UpsertAuthProfile("anthropic:default", "anthropic", CredentialType.Token));
        Assert.True(config.UpsertAuthProfile("anthropic:default", "anthropic", CredentialType.OAuth));
        Json.AssertDeepEqual("{\"provider\":\"anthropic\",\"mode\":\"oauth\",\"note\":\"keep me\"}", config.Root["auth"]!["profiles"]!["anthropic:default"]);
    }

    [Fact]
    public void Update_KeepsEveryOtherKey_AndWritesPlainJson()
    {
        Write(HandEdited);
        var expected = Json5Reference();
        expected["auth"]!["profiles"]!["openrouter:manual"] = new JsonObject { ["provider"] = "openrouter", ["mode"] = "token" };

        OpenClawConfig.Update(ConfigPath, c => c.UpsertAuthProfile("openrouter:manual", "openrouter", CredentialType.Token), changed => changed);

        var text = File.ReadAllText(ConfigPath);
        var written = JsonNode.Parse(text)!; // strict JSON now (comments dropped, as OpenClaw's own writes do)
        Assert.True(JsonNode.DeepEquals(expected, written), written.ToJsonString());
        Assert.Equal(new[] { "gateway", "agents", "auth" }, Json.Keys(written));
        Assert.Equal(new[] { "anthropic:default", "openrouter:manual" }, Json.Keys(written["auth"]!["profiles"]));
        Assert.EndsWith("}\n", text);
        Assert.StartsWith("{\n  \"gateway\": {\n    \"port\": 18789,", text);
        Modes.AssertMode(Modes.File600, ConfigPath);
        Assert.False(File.Exists(ConfigPath + ".lock"));
    }

    [Fact]
    public void Update_WithoutAChange_DoesNotWrite()
    {
        Write(HandEdited);
        var old = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(ConfigPath, old);
        OpenClawConfig.Update(ConfigPath, c => c.UpsertAuthProfile("anthropic:default", "anthropic", CredentialType.Token), changed => changed);
        OpenClawConfig.Update(ConfigPath, c => true, changed => changed); // says "changed" but changed nothing
        Assert.Equal(old, File.GetLastWriteTimeUtc(ConfigPath));
        Assert.Contains("// my OpenClaw config", File.ReadAllText(ConfigPath));
    }

    [Fact]
    public void Update_OnAMissingConfig_WithoutAChange_CreatesNothing()
    {
        OpenClawConfig.Update(ConfigPath, c => c.RemoveAuthProfile("x:y"), changed => changed);
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public void RemoveAuthProfile_RemovesTheEntryAndItsOrderMentions()
    {
        var config = Write(HandEdited);
        Assert.True(config.RemoveAuthProfile("anthropic:default"));
        Json.AssertDeepEqual("{\"profiles\":{},\"order\":{\"anthropic\":[\"anthropic:work\"]}}", config.Root["auth"]);
        Assert.True(config.RemoveAuthProfile("anthropic:work")); // only in the order
        Json.AssertDeepEqual("{\"profiles\":{},\"order\":{}}", config.Root["auth"]);
        Assert.False(config.RemoveAuthProfile("anthropic:work"));
        Assert.False(OpenClawConfig.Empty(ConfigPath).RemoveAuthProfile("a:b"));
    }

    // ---- auth.order ---------------------------------------------------------------------------------------------

    [Fact]
    public void SetAuthOrder_TrimsDedupes_AndEmptyRemoves()
    {
        var config = Write(HandEdited);
        config.SetAuthOrder("anthropic", new[] { " anthropic:work", "anthropic:default ", "anthropic:work" });
        Assert.Equal(new[] { "anthropic:work", "anthropic:default" }, config.GetAuthOrder("anthropic"));
        config.SetAuthOrder("openai-codex", new[] { "openai-codex:default" });
        Assert.Equal(new[] { "anthropic", "openai-codex" }, config.AuthOrders.Keys.OrderBy(k => k));

        config.SetAuthOrder("anthropic", Array.Empty<string>());
        Assert.Null(config.GetAuthOrder("anthropic"));
        Assert.Equal(new[] { "openai-codex:default" }, config.GetAuthOrder("openai-codex"));
        Json.AssertDeepEqual("{\"provider\":\"anthropic\",\"mode\":\"token\",\"note\":\"keep me\"}", config.Root["auth"]!["profiles"]!["anthropic:default"]);
    }

    [Fact]
    public void SetAuthOrder_Empty_OnAConfigWithoutAuth_AddsNothing()
    {
        var config = OpenClawConfig.Empty(ConfigPath);
        config.SetAuthOrder("anthropic", null);
        Assert.Empty(config.Root);
    }

    [Fact]
    public void SetAuthOrder_CreatesAuthWhenMissing()
    {
        var config = OpenClawConfig.Empty(ConfigPath);
        config.SetAuthOrder("anthropic", new[] { "anthropic:a" });
        Json.AssertDeepEqual("{\"auth\":{\"order\":{\"anthropic\":[\"anthropic:a\"]}}}", config.Root);
    }

    // ---- agents.list --------------------------------------------------------------------------------------------

    [Fact]
    public void AddAndReplaceAgent()
    {
        var config = OpenClawConfig.Empty(ConfigPath);
        config.AddAgent(new JsonObject { ["id"] = "main" });
        config.AddAgent(new JsonObject { ["id"] = "ops", ["name"] = "Ops" });
        Assert.True(config.ReplaceAgent("ops", new JsonObject { ["id"] = "ops", ["name"] = "Ops 2" }));
        Assert.False(config.ReplaceAgent("nope", new JsonObject { ["id"] = "nope" }));
        Assert.Equal(new[] { "main", "ops" }, config.Agents.Select(a => a.Id));
        Assert.Equal("Ops 2", config.FindAgent("ops")!.Name);
    }

    /// <summary>An independent reading of the JSON5 sample: the same document built by hand.</summary>
    private static JsonObject Json5Reference() => JsonNode.Parse("""
        {
          "gateway": { "port": 18789, "bind": "loopback" },
          "agents": {
            "defaults": { "model": { "primary": "anthropic/claude-opus-4-5" } },
            "list": [
              { "id": "main" },
              { "id": "Ops Team", "name": "Ops", "default": true, "agentDir": "~/ops-agent", "model": "openai/gpt-5" },
              { "id": "writer", "workspace": "/srv/writer", "model": { "primary": "anthropic/claude-sonnet-4-5" } },
              { "name": "no id" }
            ]
          },
          "auth": {
            "profiles": { "anthropic:default": { "provider": "anthropic", "mode": "token", "note": "keep me" } },
            "order": { "anthropic": ["anthropic:default", "anthropic:work"] }
          }
        }
        """)!.AsObject();
}
