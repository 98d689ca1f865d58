using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Locking;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>auth-profiles.json on disk: refusal of corrupt stores, locked read-modify-write, modes, symlinks (spec 5.1, 6).</summary>
public sealed class AuthStoreFileTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string AgentDir => _tmp.Combine("state", "agents", "main", "agent");

    private string StorePath => Path.Combine(AgentDir, AuthStoreFile.FileName);

    private static JsonObject Token(string provider, string token) => new() { ["type"] = "token", ["provider"] = provider, ["token"] = token };

    // ---- reading ------------------------------------------------------------------------------------------------

    [Fact]
    public void TryLoad_Missing_IsNull_AndLoadOrEmpty_IsEmpty()
    {
        Assert.Null(AuthStoreFile.TryLoad(StorePath));
        var empty = AuthStoreFile.LoadOrEmpty(StorePath);
        Assert.Equal(0, empty.Count);
        Assert.False(File.Exists(StorePath));
        Assert.False(Directory.Exists(AgentDir));
    }

    [Fact]
    public void TryLoad_ToleratesABom()
    {
        Directory.CreateDirectory(AgentDir);
        File.WriteAllBytes(StorePath, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Samples.NodeStore)).ToArray());
        var store = AuthStoreFile.TryLoad(StorePath)!;
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public void TryLoad_RepeatedKeys_LastWins()
    {
        _tmp.File("state/agents/main/agent/auth-profiles.json",
            "{\"version\":1,\"profiles\":{\"a:b\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"old\",\"token\":\"new\"}}}");
        var store = AuthStoreFile.TryLoad(StorePath)!;
        Assert.Equal("new", store.Get("a:b")!.GetString("token"));
        Assert.Single(store.Profiles);
    }

    /// <summary>Files that are not a readable store. Every one holds a fake secret containing "SECRET".</summary>
    public static IEnumerable<object[]> Corrupt()
    {
        var utf8 = new UTF8Encoding(false);
        byte[] Text(string s) => utf8.GetBytes(s);
        var node = utf8.GetBytes(Samples.NodeStore);
        yield return new object[] { "truncated", node.Take(node.Length / 2).ToArray() };
        yield return new object[] { "truncated-last-byte", node.Take(node.Length - 3).ToArray() };
        yield return new object[] { "empty", Array.Empty<byte>() };
        yield return new object[] { "nul-bytes", new byte[64] };
        yield return new object[] { "not-json", Text("token = sk-ant-oat01-SECRET") };
        yield return new object[] { "array-root", Text("[\"sk-SECRET\"]") };
        yield return new object[] { "string-root", Text("\"sk-SECRET\"") };
        yield return new object[] { "profiles-array", Text("{\"version\":1,\"profiles\":[{\"token\":\"sk-SECRET\"}]}") };
        yield return new object[] { "profiles-string", Text("{\"version\":1,\"profiles\":\"sk-SECRET\"}") };
        yield return new object[] { "usage-array", Text("{\"version\":1,\"profiles\":{\"a:b\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"sk-SECRET\"}},\"usageStats\":[]}") };
        yield return new object[] { "trailing-comma", Text("{\"version\":1,\"profiles\":{\"a:b\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"sk-SECRET\"},}}") };
        yield return new object[] { "bad-token-after-secret", Text("{\"profiles\":{\"a:b\":{\"token\":\"sk-SECRET\" x}}}") };
        yield return new object[] { "invalid-utf8", Text("{\"version\":1,\"profiles\":{\"a:b\":{\"type\":\"token\",\"provider\":\"a\",\"token\":\"sk-SECRET")
            .Concat(new byte[] { 0xFF, 0xFE }).Concat(Text("\"}}}")).ToArray() };
        yield return new object[] { "utf16", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("{\"profiles\":{\"a\":\"sk-SECRET\"}}")).ToArray() };
    }

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void CorruptStore_IsRefused_WithAClearErrorThatLeaksNoSecret(string name, byte[] bytes)
    {
        Directory.CreateDirectory(AgentDir);
        File.WriteAllBytes(StorePath, bytes);

        var ex = Throws.Moltbot("MoltbotStoreUnreadable", MoltbotErrorKind.InvalidData, () => AuthStoreFile.TryLoad(StorePath));
        Assert.Contains(StorePath, ex.Message);
        Assert.Equal(StorePath, ex.Target);
        Assert.False(ex.Message.Contains("SECRET", StringComparison.Ordinal), $"{name}: the message leaks the content: {ex.Message}");
        Assert.False(ex.Message.Contains("sk-", StringComparison.Ordinal), $"{name}: the message leaks the content: {ex.Message}");
        Assert.DoesNotContain("SECRET", ex.RecommendedAction ?? "");

        Throws.Moltbot("MoltbotStoreUnreadable", MoltbotErrorKind.InvalidData, () => AuthStoreFile.LoadOrEmpty(StorePath));
    }

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void CorruptStore_UpdateLeavesTheFileByteIdentical(string name, byte[] bytes)
    {
        Directory.CreateDirectory(AgentDir);
        File.WriteAllBytes(StorePath, bytes);
        File.SetLastWriteTimeUtc(StorePath, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var changeRan = false;

        Throws.Moltbot("MoltbotStoreUnreadable", MoltbotErrorKind.InvalidData, () => AuthStoreFile.Update(StorePath, store =>
        {
            changeRan = true;
            store.Set("anthropic:default", Token("anthropic", "new"));
            return true;
        }));

        Assert.False(changeRan, name);
        Assert.Equal(bytes, File.ReadAllBytes(StorePath));
        Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(StorePath));
        Assert.Equal(new[] { StorePath }, Directory.GetFileSystemEntries(AgentDir)); // no .lock, no .tmp left
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    [Fact]
    public void Update_OnAMissingStore_ThatChangesNothing_CreatesNoFile()
    {
        var result = AuthStoreFile.Update(StorePath, store =>
        {
            store.SetOrder("anthropic", Array.Empty<string>()); // a no-op
            return store.Count;
        });
        Assert.Equal(0, result);
        Assert.False(File.Exists(StorePath));
        Assert.Empty(Files.Leftovers(_tmp.Path, "*.lock"));
        Assert.Empty(Files.Leftovers(_tmp.Path, "*.tmp"));
    }

    [Fact]
    public void Update_CreatesTheStore_0600_InFolders_0700()
    {
        Directory.CreateDirectory(_tmp.Combine("state"));
        AuthStoreFile.Update(StorePath, store =>
        {
            store.Set("anthropic:default", Token("anthropic", "t"));
            return true;
        });
        Assert.Equal(
            "{\n  \"version\": 1,\n  \"profiles\": {\n    \"anthropic:default\": {\n      \"type\": \"token\",\n      \"provider\": \"anthropic\",\n      \"token\": \"t\"\n    }\n  }\n}\n",
            File.ReadAllText(StorePath));
        Modes.AssertMode(Modes.File600, StorePath);
        Modes.AssertMode(Modes.Dir700, _tmp.Combine("state", "agents"));
        Modes.AssertMode(Modes.Dir700, _tmp.Combine("state", "agents", "main"));
        Modes.AssertMode(Modes.Dir700, AgentDir);
        Assert.Equal(new[] { StorePath }, Directory.GetFileSystemEntries(AgentDir));
    }

    [Fact]
    public void Update_KeepsEverythingItDoesNotKnow_ByteForByte()
    {
        _tmp.File("state/agents/main/agent/auth-profiles.json", Samples.NodeStore);
        AuthStoreFile.Update(StorePath, store =>
        {
            store.Set("openrouter:manual", Token("openrouter", "sk-or-v1-new"));
            return true;
        });
        Assert.Equal(Samples.NodeStoreWithOpenRouter(), File.ReadAllText(StorePath));
    }

    [Fact]
    public void Update_RepairsAWidenedMode()
    {
        var path = _tmp.File("state/agents/main/agent/auth-profiles.json", Samples.NodeStore);
        if (Modes.Unix)
        {
            File.SetUnixFileMode(path, Modes.File644);
        }
        AuthStoreFile.Update(StorePath, store => store.Remove("anthropic:work"));
        Modes.AssertMode(Modes.File600, path);
        Assert.False(AuthStoreFile.TryLoad(path)!.Contains("anthropic:work"));
    }

    [Fact]
    public void Update_WithoutAChange_DoesNotRewrite()
    {
        var path = _tmp.File("state/agents/main/agent/auth-profiles.json", Samples.NodeStore);
        var old = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, old);
        if (Modes.Unix)
        {
            File.SetUnixFileMode(path, Modes.File644);
        }
        var seen = AuthStoreFile.Update(path, store =>
        {
            store.Set("anthropic:work", store.Get("anthropic:work")!.Node.DeepClone().AsObject()); // same content
            return store.Count;
        });
        Assert.Equal(3, seen);
        Assert.Equal(old, File.GetLastWriteTimeUtc(path));
        Modes.AssertMode(Modes.File644, path);
    }

    [Fact]
    public void Update_ThatThrows_WritesNothing_AndReleasesTheLock()
    {
        var path = _tmp.File("state/agents/main/agent/auth-profiles.json", Samples.NodeStore);
        Assert.Throws<InvalidOperationException>(() => AuthStoreFile.Update<bool>(path, store =>
        {
            store.Remove("anthropic:work");
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal(Samples.NodeStore, File.ReadAllText(path));
        Assert.False(File.Exists(path + ".lock"));
        // And the next update does not wait.
        var quick = new FileLockOptions { Timeout = TimeSpan.FromMilliseconds(200) };
        Assert.True(AuthStoreFile.Update(path, store => store.Contains("anthropic:work"), quick));
    }

    [Fact]
    public void Update_SeesTheFileAsItIsInsideTheLock()
    {
        var path = _tmp.File("state/agents/main/agent/auth-profiles.json", Samples.NodeStore);
        var earlier = AuthStoreFile.TryLoad(path)!; // a copy read before someone else changed the file
        var other = AuthStoreFile.TryLoad(path)!;
        other.Remove("anthropic:work");
        File.WriteAllText(path, other.Serialize());

        var containsInside = AuthStoreFile.Update(path, store => store.Contains("anthropic:work"));
        Assert.True(earlier.Contains("anthropic:work"));
        Assert.False(containsInside);
    }

    [Fact]
    public void Update_ThroughASymlink_WritesTheTarget_AndKeepsTheLink()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var real = _tmp.File("elsewhere/auth-profiles.json", Samples.NodeStore);
        Directory.CreateDirectory(AgentDir);
        File.CreateSymbolicLink(StorePath, real);

        AuthStoreFile.Update(StorePath, store =>
        {
            store.Set("openrouter:manual", Token("openrouter", "sk-or-v1-new"));
            return true;
        });

        Assert.NotNull(new FileInfo(StorePath).LinkTarget);
        Assert.Equal(real, new FileInfo(StorePath).ResolveLinkTarget(true)!.FullName);
        Assert.Equal(Samples.NodeStoreWithOpenRouter(), File.ReadAllText(real));
        Modes.AssertMode(Modes.File600, real);
        Assert.Empty(Files.Leftovers(_tmp.Path, "*.tmp"));
        Assert.Empty(Files.Leftovers(_tmp.Path, "*.lock"));
    }

    [Fact]
    public async Task Update_ConcurrentThreads_LoseNothing()
    {
        const int threads = 8;
        const int each = 25;
        Directory.CreateDirectory(AgentDir);
        using var start = new Barrier(threads);
        var tasks = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < each; i++)
            {
                AuthStoreFile.Update(StorePath, store =>
                {
                    store.Set($"p:{t}-{i}", Token("p", $"v{t}-{i}"));
                    return true;
                });
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(tasks);

        var final = AuthStoreFile.TryLoad(StorePath)!;
        Assert.Equal(threads * each, final.Count);
        Assert.Empty(Files.Leftovers(_tmp.Path, "*.tmp"));
        Assert.False(File.Exists(StorePath + ".lock"));
    }
}
