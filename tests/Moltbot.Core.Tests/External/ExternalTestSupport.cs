using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Xunit;

namespace Moltbot.Core.Tests.External;

/// <summary>A throw-away home for the external CLIs' files; the environment names it as HOME and nothing else is real.</summary>
public sealed class ExternalHome : IDisposable
{
    public ExternalHome()
    {
        Tmp = new TempDir("moltbot-external-");
        Home = Tmp.Dir("home");
    }

    public TempDir Tmp { get; }

    public string Home { get; }

    /// <summary>HOME = <see cref="Home"/> plus <paramref name="variables"/>; the OS home is a folder that does not exist.</summary>
    public MoltbotEnvironment Env(params (string Name, string? Value)[] variables) =>
        FakeEnv.Create(Path.Combine(Tmp.Path, "no-os-home"), new[] { ("HOME", (string?)Home) }.Concat(variables).ToArray());

    /// <summary>Writes a file under the home (relative path) and returns its full path.</summary>
    public string Write(string relative, string content) => Tmp.File(Path.Combine("home", relative), content);

    public string Write(string relative, JsonNode content) => Write(relative, content.ToJsonString());

    /// <summary>A reader that never asks a Keychain (unless one is given).</summary>
    public ExternalCredentialReader Reader(MoltbotEnvironment? env = null, IKeychain? keychain = null) =>
        new(env ?? Env(), keychain, useDefaultKeychain: false);

    public void Dispose() => Tmp.Dispose();
}

/// <summary>A Keychain that answers from a dictionary and records every entry it was asked for.</summary>
public sealed class FakeKeychain : IKeychain
{
    private readonly Dictionary<string, string> _entries = new(StringComparer.Ordinal);

    public List<KeychainEntry> Asked { get; } = new();

    public FakeKeychain With(string service, string? account, string password)
    {
        _entries[Key(service, account)] = password;
        return this;
    }

    public string? Find(KeychainEntry entry)
    {
        Asked.Add(entry);
        return _entries.TryGetValue(Key(entry.Service, entry.Account), out var value) ? value : null;
    }

    private static string Key(string service, string? account) => service + "\n" + (account ?? string.Empty);
}

public static class ExternalTest
{
    /// <summary>An unsigned JWT with <paramref name="payload"/> (the readers never check signatures).</summary>
    public static string Jwt(JsonObject payload)
    {
        var header = Base64Url.Encode(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"typ\":\"JWT\"}"));
        var body = Base64Url.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return $"{header}.{body}.ZmFrZS1zaWduYXR1cmU";
    }

    public static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    /// <summary>The hex SHA-256 of a text (lower case), computed here independently of the code under test.</summary>
    public static string Sha256Hex(string text) =>
        string.Concat(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)).Select(b => b.ToString("x2")));

    /// <summary>Asserts that none of <paramref name="secrets"/> appears anywhere in the exception's text.</summary>
    public static void AssertNoSecret(MoltbotException ex, params string[] secrets)
    {
        var text = ex.Message + "\n" + ex.RecommendedAction + "\n" + ex.Target + "\n" + ex;
        foreach (var secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"the error quotes a secret: {ex.ErrorId}");
        }
    }

    /// <summary>The reading's error, asserted to exist, to name <paramref name="path"/> and to hold no secret.</summary>
    public static MoltbotException ErrorOf(ExternalReading reading, string errorId, string path, params string[] secrets)
    {
        Assert.False(reading.Found);
        var ex = Assert.IsType<MoltbotException>(reading.Error);
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        AssertNoSecret(ex, secrets);
        return ex;
    }
}
