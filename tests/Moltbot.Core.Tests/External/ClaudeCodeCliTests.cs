using System;
using System.IO;
using System.Text.Json.Nodes;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>Claude Code: <c>$CLAUDE_CONFIG_DIR/.credentials.json</c>, the Keychain service per config folder, the account from <c>.claude.json</c>.</summary>
public sealed class ClaudeCodeCliTests : IDisposable
{
    private const string Access = "sk-ant-oat01-SECRET-claude-access-0001";
    private const string Refresh = "sk-ant-ort01-SECRET-claude-refresh-0001";
    private const long ExpiresAt = 1796212800000; // 2026-12-02T12:00:00Z
    private readonly ExternalHome _h = new();
    private readonly ITestOutputHelper _out;
    private readonly ClaudeCodeCli _cli = new();

    public ClaudeCodeCliTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _h.Dispose();

    /// <summary>The shape Claude Code writes (fake secrets), with mcpOAuth beside claudeAiOauth.</summary>
    private static JsonObject Credentials(string? refresh = Refresh, JsonNode? expiresAt = null) => new()
    {
        ["claudeAiOauth"] = new JsonObject
        {
            ["accessToken"] = Access,
            ["refreshToken"] = refresh,
            ["expiresAt"] = expiresAt ?? ExpiresAt,
            ["scopes"] = new JsonArray("user:inference", "user:profile", "user:sessions:claude_code"),
            ["subscriptionType"] = "max",
            ["rateLimitTier"] = "default_claude_max_20x",
        },
        ["mcpOAuth"] = new JsonObject
        {
            ["linear|abc123"] = new JsonObject { ["serverName"] = "linear", ["accessToken"] = "mcp-SECRET-token", ["expiresAt"] = 0 },
        },
    };

    private static JsonObject ClaudeJson(string uuid = "8c1f0a5e-0000-4000-8000-000000000001", string email = "claude-user@example.com") => new()
    {
        ["numStartups"] = 12,
        ["primaryApiKey"] = "sk-ant-api03-SECRET-in-claude-json",
        ["oauthAccount"] = new JsonObject
        {
            ["accountUuid"] = uuid,
            ["emailAddress"] = email,
            ["organizationUuid"] = "org-1",
            ["displayName"] = "Claude User",
        },
        ["projects"] = new JsonObject { ["/work"] = new JsonObject { ["allowedTools"] = new JsonArray() } },
    };

    [Fact]
    public void Default_path_is_dot_claude_credentials_json_and_claude_config_dir_overrides_the_folder()
    {
        Assert.Equal(Path.Combine(_h.Home, ".claude", ".credentials.json"), _cli.CredentialPath(_h.Env()));
        var other = _h.Tmp.Combine("claude-work");
        Assert.Equal(Path.Combine(other, ".credentials.json"), _cli.CredentialPath(_h.Env(("CLAUDE_CONFIG_DIR", other))));
        Assert.Equal(Path.Combine(_h.Home, "claude-2", ".credentials.json"), _cli.CredentialPath(_h.Env(("CLAUDE_CONFIG_DIR", "~/claude-2"))));
        Assert.Equal(Path.Combine(_h.Home, ".claude.json"), ClaudeCodeCli.ConfigFilePath(_h.Env()));
        Assert.Equal(Path.Combine(other, ".claude.json"), ClaudeCodeCli.ConfigFilePath(_h.Env(("CLAUDE_CONFIG_DIR", other))));
    }

    [Fact]
    public void With_a_refresh_token_it_is_oauth_and_without_one_a_token_with_its_expiry()
    {
        var path = _h.Write(".claude/.credentials.json", Credentials());
        var c = _h.Reader().Read(_cli).Credential!;
        _out.WriteLine(c.ToString());
        Assert.Equal(CredentialType.OAuth, c.Type);
        Assert.Equal(path, c.Location);
        Assert.Equal(Access, c.Access);
        Assert.Equal(Refresh, c.Refresh);
        Assert.Equal(ExpiresAt, c.ExpiresMs);
        Assert.Equal("file", c.ExpirySource);
        Assert.Equal("anthropic:claude-cli", _cli.MirrorProfileId(StoreKind.JsonFile));
        Assert.Equal("anthropic:claude-cli", _cli.MirrorProfileId(StoreKind.Sqlite));
        Assert.True(_cli.Rotates);
        var stored = c.ToCredential();
        Assert.Equal(CredentialType.OAuth, stored.Type);
        Assert.Equal(ExpiresAt, stored.ExpiresMs);

        _h.Write(".claude/.credentials.json", Credentials(refresh: null));
        c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal(CredentialType.Token, c.Type);
        Assert.Null(c.Refresh);
        Assert.Equal(ExpiresAt, c.ExpiresMs);
        Assert.Equal(CredentialType.Token, c.ToCredential().Type);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("\"1796212800000\"")]
    [InlineData("null")]
    public void ExpiresAt_must_be_a_positive_number(string expiresAt)
    {
        var doc = Credentials();
        if (expiresAt == "missing")
        {
            ((JsonObject)doc["claudeAiOauth"]!).Remove("expiresAt");
        }
        else
        {
            doc["claudeAiOauth"]!["expiresAt"] = JsonNode.Parse(expiresAt);
        }
        var path = _h.Write(".claude/.credentials.json", doc);
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(_cli), ExternalErrorIds.CredentialInvalid, path, Access, Refresh, "mcp-SECRET-token");
        Assert.Contains("claudeAiOauth.expiresAt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_without_claudeAiOauth_or_access_token_is_invalid()
    {
        var path = _h.Write(".claude/.credentials.json", new JsonObject { ["mcpOAuth"] = new JsonObject(), ["accessToken"] = Access });
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(_cli), ExternalErrorIds.CredentialInvalid, path, Access);
        Assert.Contains("'claudeAiOauth'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("claude /login", ex.RecommendedAction, StringComparison.Ordinal);

        var doc = Credentials();
        doc["claudeAiOauth"]!["accessToken"] = "";
        _h.Write(".claude/.credentials.json", doc);
        ex = ExternalTest.ErrorOf(_h.Reader().Read(_cli), ExternalErrorIds.CredentialInvalid, path, Refresh);
        Assert.Contains("claudeAiOauth.accessToken", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_account_comes_from_claude_json_beside_the_folder_or_inside_claude_config_dir()
    {
        _h.Write(".claude/.credentials.json", Credentials());
        _h.Write(".claude.json", ClaudeJson());
        var c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal("8c1f0a5e-0000-4000-8000-000000000001", c.AccountId);
        Assert.Equal("claude-user@example.com", c.Email);
        Assert.Equal("8c1f0a5e-0000-4000-8000-000000000001", c.ToCredential().AccountId);

        // With CLAUDE_CONFIG_DIR the config is inside that folder, and ~/.claude.json belongs to the default folder.
        var other = _h.Tmp.Dir("claude-work");
        File.WriteAllText(Path.Combine(other, ".credentials.json"), Credentials().ToJsonString());
        var env = _h.Env(("CLAUDE_CONFIG_DIR", other));
        c = _h.Reader(env).Read(_cli).Credential!;
        Assert.Null(c.AccountId);
        Assert.Null(c.Email);
        File.WriteAllText(Path.Combine(other, ".claude.json"), ClaudeJson("uuid-work", "work@example.com").ToJsonString());
        c = _h.Reader(env).Read(_cli).Credential!;
        Assert.Equal("uuid-work", c.AccountId);
        Assert.Equal("work@example.com", c.Email);
    }

    [Theory]
    [InlineData("{ \"primaryApiKey\": \"sk-ant-api03-SECRET-broken")]
    [InlineData("[1, 2]")]
    [InlineData("{ \"oauthAccount\": \"sk-ant-api03-SECRET-not-an-object\" }")]
    public void A_claude_json_that_cannot_be_read_leaves_the_account_out_and_is_no_error(string text)
    {
        _h.Write(".claude/.credentials.json", Credentials());
        _h.Write(".claude.json", text);
        var reading = _h.Reader().Read(_cli);
        Assert.Null(reading.Error);
        Assert.Null(reading.Credential!.AccountId);
        Assert.Null(reading.Credential.Email);
    }

    [Fact]
    public void With_tokens_and_without_refresh_token_keep_scopes_subscription_and_mcp_oauth()
    {
        var original = Credentials();
        var written = _cli.WithTokens(original, new OAuthCredential("sk-ant-oat01-SECRET-new", "sk-ant-ort01-SECRET-new", ExpiresAt + 3600_000));
        var expected = (JsonObject)original.DeepClone();
        expected["claudeAiOauth"]!["accessToken"] = "sk-ant-oat01-SECRET-new";
        expected["claudeAiOauth"]!["refreshToken"] = "sk-ant-ort01-SECRET-new";
        expected["claudeAiOauth"]!["expiresAt"] = ExpiresAt + 3600_000;
        Assert.True(JsonNode.DeepEquals(expected, written));
        Assert.Equal(Refresh, original["claudeAiOauth"]!["refreshToken"]!.GetValue<string>());

        var handedOver = _cli.WithTokens(original, new OAuthCredential(Access, null, ExpiresAt));
        Assert.Equal("", handedOver["claudeAiOauth"]!["refreshToken"]!.GetValue<string>());

        var without = _cli.WithoutRefreshToken(original);
        expected = (JsonObject)original.DeepClone();
        expected["claudeAiOauth"]!["refreshToken"] = "";
        Assert.True(JsonNode.DeepEquals(expected, without));
        // Read back: the CLI's copy is a token now, with its access token and expiry kept.
        _h.Write(".claude/.credentials.json", without);
        var c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal(CredentialType.Token, c.Type);
        Assert.Equal(Access, c.Access);
    }

    [Fact]
    public void The_keychain_service_is_the_plain_one_for_the_default_folder_and_suffixed_for_another()
    {
        Assert.Equal(new KeychainEntry("Claude Code-credentials", null), _cli.Keychain(_h.Env()));
        var defaultDir = Path.Combine(_h.Home, ".claude");
        Assert.Equal(new KeychainEntry("Claude Code-credentials", null), _cli.Keychain(_h.Env(("CLAUDE_CONFIG_DIR", defaultDir + "/"))));
        var other = Path.Combine(_h.Home, ".claude2");
        var entry = _cli.Keychain(_h.Env(("CLAUDE_CONFIG_DIR", "~/.claude2")))!;
        _out.WriteLine($"{other} -> {entry}");
        Assert.Equal("Claude Code-credentials-" + ExternalTest.Sha256Hex(other)[..8], entry.Service);
        Assert.Null(entry.Account);
    }

    [Fact]
    public void The_keychain_wins_over_the_file_and_a_reader_without_one_reads_the_file()
    {
        _h.Write(".claude/.credentials.json", Credentials(refresh: "sk-ant-ort01-SECRET-file"));
        _h.Write(".claude.json", ClaudeJson());
        var keychain = new FakeKeychain().With("Claude Code-credentials", null, Credentials(refresh: "sk-ant-ort01-SECRET-keychain").ToJsonString());
        var c = _h.Reader(keychain: keychain).Read(_cli).Credential!;
        Assert.Equal(ExternalSource.Keychain, c.Source);
        Assert.Equal("keychain:Claude Code-credentials", c.Location);
        Assert.Equal("sk-ant-ort01-SECRET-keychain", c.Refresh);
        Assert.Equal("claude-user@example.com", c.Email); // the account is read beside a Keychain entry too
        Assert.Single(keychain.Asked);

        // Built without a Keychain (as off macOS): the file, and no Keychain is asked.
        c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal(ExternalSource.File, c.Source);
        Assert.Equal("sk-ant-ort01-SECRET-file", c.Refresh);
        Assert.Single(keychain.Asked);

        // An empty Keychain (no entry) falls back to the file.
        var empty = new FakeKeychain();
        c = _h.Reader(keychain: empty).Read(_cli).Credential!;
        Assert.Equal(ExternalSource.File, c.Source);
        Assert.Single(empty.Asked);
    }

    [Fact]
    public void With_another_config_folder_the_reader_asks_that_folders_service_only()
    {
        var other = _h.Tmp.Dir("claude-work");
        File.WriteAllText(Path.Combine(other, ".credentials.json"), Credentials(refresh: "sk-ant-ort01-SECRET-file").ToJsonString());
        var env = _h.Env(("CLAUDE_CONFIG_DIR", other));
        var suffixed = "Claude Code-credentials-" + ExternalTest.Sha256Hex(other)[..8];
        var keychain = new FakeKeychain().With("Claude Code-credentials", null, Credentials(refresh: "sk-ant-ort01-SECRET-default").ToJsonString());
        var c = _h.Reader(env, keychain).Read(_cli).Credential!;
        Assert.Equal(ExternalSource.File, c.Source); // the default folder's entry is another account's
        Assert.Equal(suffixed, Assert.Single(keychain.Asked).Service);

        keychain.With(suffixed, null, Credentials(refresh: "sk-ant-ort01-SECRET-work").ToJsonString());
        c = _h.Reader(env, keychain).Read(_cli).Credential!;
        Assert.Equal(ExternalSource.Keychain, c.Source);
        Assert.Equal("sk-ant-ort01-SECRET-work", c.Refresh);
        Assert.Equal("keychain:" + suffixed, c.Location);
    }

    [Fact]
    public void A_keychain_entry_in_the_wrong_shape_is_an_error_naming_the_entry_without_its_secret()
    {
        var keychain = new FakeKeychain().With("Claude Code-credentials", null, "{\"claudeAiOauth\": {\"accessToken\": \"sk-ant-oat01-SECRET-kc\"}}");
        var ex = ExternalTest.ErrorOf(_h.Reader(keychain: keychain).Read(_cli), ExternalErrorIds.CredentialInvalid, "keychain:Claude Code-credentials", "sk-ant-oat01-SECRET-kc");
        _out.WriteLine(ex.Message);
        keychain = new FakeKeychain().With("Claude Code-credentials", null, "not json sk-ant-oat01-SECRET-kc");
        ExternalTest.ErrorOf(_h.Reader(keychain: keychain).Read(_cli), ExternalErrorIds.CredentialInvalid, "keychain:Claude Code-credentials", "sk-ant-oat01-SECRET-kc");
    }
}
