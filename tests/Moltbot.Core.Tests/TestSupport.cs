using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core;
using Moltbot.Core.State;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>A throw-away folder under the system temp dir, deleted on dispose. Nothing here touches ~/.openclaw.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "moltbot-core-")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts).ToArray());

    /// <summary>Creates a sub folder (and parents) and returns its path.</summary>
    public string Dir(params string[] parts)
    {
        var path = Combine(parts);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes a UTF-8 (no BOM) file, creating its folder, and returns its path.</summary>
    public string File(string relative, string content)
    {
        var path = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, new UTF8Encoding(false).GetBytes(content));
        return path;
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Builds a <see cref="MoltbotEnvironment"/> from a dictionary and a fake OS home.</summary>
public static class FakeEnv
{
    public static MoltbotEnvironment Create(string osHome, params (string Name, string? Value)[] variables)
    {
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            map[name] = value;
        }
        return new MoltbotEnvironment(name => map.TryGetValue(name, out var v) ? v : null, () => osHome);
    }

    /// <summary>An environment whose state dir is <paramref name="stateDir"/> and whose home is <paramref name="home"/>.</summary>
    public static MoltbotEnvironment ForState(string home, string stateDir) =>
        Create(home, ("HOME", home), ("OPENCLAW_STATE_DIR", stateDir));
}

public static class Modes
{
    public const UnixFileMode Dir700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode File644 = File600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [UnsupportedOSPlatformGuard("windows")]
    public static bool Unix => !OperatingSystem.IsWindows();

    public static void AssertMode(UnixFileMode expected, string path)
    {
        if (!Unix)
        {
            return;
        }
        var actual = System.IO.File.GetUnixFileMode(path);
        Assert.True(expected == actual, $"{path}: expected mode {Octal(expected)}, got {Octal(actual)}");
    }

    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}

public static class Json
{
    /// <summary>Parses strict JSON with System.Text.Json itself (independent of the code under test).</summary>
    public static JsonNode Parse(string text) => JsonNode.Parse(text)!;

    public static JsonObject ParseFile(string path) => JsonNode.Parse(System.IO.File.ReadAllText(path))!.AsObject();

    public static void AssertDeepEqual(string expectedJson, JsonNode? actual)
    {
        var expected = JsonNode.Parse(expectedJson);
        Assert.True(JsonNode.DeepEquals(expected, actual),
            $"expected {expected?.ToJsonString()}\n  actual {actual?.ToJsonString()}");
    }

    public static IReadOnlyList<string> Keys(JsonNode? node) => node!.AsObject().Select(kv => kv.Key).ToList();
}

public static class Throws
{
    /// <summary>Asserts a <see cref="MoltbotException"/> with the given id and kind, and returns it.</summary>
    public static MoltbotException Moltbot(string errorId, MoltbotErrorKind kind, Action action)
    {
        var ex = Assert.Throws<MoltbotException>(action);
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        return ex;
    }
}

/// <summary>Helpers around files: snapshots to prove that nothing was written.</summary>
public static class Files
{
    public static string[] Leftovers(string dir, string pattern) =>
        Directory.Exists(dir) ? Directory.GetFiles(dir, pattern, SearchOption.AllDirectories) : Array.Empty<string>();

    /// <summary>Whether <paramref name="task"/> completes within <paramref name="ms"/> milliseconds.</summary>
    public static async Task<bool> CompletesWithin(Task task, int ms) => await Task.WhenAny(task, Task.Delay(ms)) == task;

    /// <summary>Waits until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(5);
        }
        return condition();
    }
}
