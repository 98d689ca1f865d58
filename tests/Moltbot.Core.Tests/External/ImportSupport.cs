using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Tests.OAuth;

namespace Moltbot.Core.Tests.External;

/// <summary>External CLI files in their real shape (fake secrets) under a temp home.</summary>
internal static class ImportSupport
{
    public static readonly DateTimeOffset Now = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    /// <summary>A Codex access token (JWT) with an exp claim, the ChatGPT account id and an email.</summary>
    public static string CodexAccess(DateTimeOffset expires, string accountId = "acct-111", string? email = "user@example.com", string salt = "a")
    {
        var payload = new JsonObject
        {
            ["sub"] = "user-" + salt,
            ["exp"] = expires.ToUnixTimeSeconds(),
            [JwtClaims.AuthClaim] = new JsonObject { ["chatgpt_account_id"] = accountId, ["chatgpt_plan_type"] = "plus" },
        };
        if (email is not null)
        {
            payload[JwtClaims.ProfileClaim] = new JsonObject { ["email"] = email, ["email_verified"] = true };
        }
        return OAuthTest.Jwt(payload);
    }

    /// <summary>~/.codex/auth.json as the Codex CLI writes it, with a foreign field or two.</summary>
    public static JsonObject CodexDocument(string access, string? refresh, string accountId = "acct-111") => new()
    {
        ["OPENAI_API_KEY"] = null,
        ["auth_mode"] = "chatgpt",
        ["tokens"] = new JsonObject
        {
            ["id_token"] = OAuthTest.Jwt(new JsonObject { ["email"] = "user@example.com", ["sub"] = "id" }),
            ["access_token"] = access,
            ["refresh_token"] = refresh,
            ["account_id"] = accountId,
        },
        ["last_refresh"] = "2026-12-02T05:00:00.123456Z",
        ["agent_identity"] = new JsonObject { ["kind"] = "cli", ["n"] = JsonNode.Parse("3.50"), ["tags"] = new JsonArray("x", "ü") },
    };

    public static string WriteCodex(string home, JsonObject document, UnixFileMode mode = Modes.File600)
    {
        var path = Path.Combine(home, ".codex", "auth.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        if (Modes.Unix)
        {
            File.SetUnixFileMode(path, mode);
        }
        return path;
    }

    public static ExternalCredential Read(ExternalCli cli, MoltbotEnvironment env, IKeychain? keychain = null)
    {
        var reading = new ExternalCredentialReader(env, keychain, useDefaultKeychain: false).Read(cli);
        if (reading.Error is { } error)
        {
            throw error;
        }
        return reading.Credential ?? throw new InvalidOperationException("no credential at " + reading.Location);
    }

    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The hash of every file under the folders (name -> hash), to tell "nothing changed" byte for byte.</summary>
    public static SortedDictionary<string, string> Snapshot(params string[] dirs)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            {
                map[file] = Hash(file);
            }
        }
        return map;
    }

    public static string Secret(string prefix) => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
}

/// <summary>A Qwen-Code-shaped CLI with its own lock (oauth_creds.lock beside oauth_creds.json), for the writer's lock rules.</summary>
internal sealed class LockingTestCli : ExternalCli
{
    public override string Id => "locking-test";

    public override string DisplayName => "Locking Test CLI";

    public override string Provider => "qwen-portal";

    public override string MirrorName => "qwen-cli";

    public override string SignInCommand => "qwen (sign in again)";

    public override string CredentialPath(MoltbotEnvironment environment) => Path.Combine(Home(environment), ".qwen", "oauth_creds.json");

    public override string? LockPath(string credentialPath) => Path.Combine(Path.GetDirectoryName(credentialPath)!, "oauth_creds.lock");

    public override ExternalCredential Parse(JsonObject document, ExternalSource source, string location, DateTimeOffset? lastModified)
    {
        var access = RequireString(document, "access_token", location);
        var refresh = OptionalString(document, "refresh_token");
        var expires = OptionalMs(document, "expiry_date");
        return new ExternalCredential(this, source, location, document, refresh is null ? Store.CredentialType.Token : Store.CredentialType.OAuth,
            access, refresh, expires, "file", lastModified);
    }

    public override JsonObject WithTokens(JsonObject document, OAuthCredential tokens)
    {
        var copy = (JsonObject)document.DeepClone();
        copy["access_token"] = tokens.Access;
        copy["refresh_token"] = tokens.Refresh ?? string.Empty;
        if (tokens.ExpiresMs is { } ms)
        {
            copy["expiry_date"] = ms;
        }
        return copy;
    }

    public override JsonObject WithoutRefreshToken(JsonObject document)
    {
        var copy = (JsonObject)document.DeepClone();
        copy["refresh_token"] = string.Empty;
        return copy;
    }

    public static string Write(string home, string access, string refresh, DateTimeOffset expires)
    {
        var path = Path.Combine(home, ".qwen", "oauth_creds.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, new JsonObject
        {
            ["access_token"] = access,
            ["token_type"] = "Bearer",
            ["refresh_token"] = refresh,
            ["resource_url"] = "portal.qwen.ai",
            ["expiry_date"] = expires.ToUnixTimeMilliseconds(),
        }.ToJsonString());
        return path;
    }
}
