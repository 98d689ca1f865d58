using System;
using System.IO;
using System.Text.Json.Nodes;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>Codex CLI: <c>$CODEX_HOME/auth.json</c> (realpath'd), the expiry from the access token's exp claim, else last_refresh / mtime + 1 h.</summary>
public sealed class CodexCliTests : IDisposable
{
    private const string Refresh = "rt_SECRET-codex-refresh-0001";
    private const string ApiKey = "sk-proj-SECRET-codex-key-0001";
    private static readonly DateTimeOffset Exp = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly ExternalHome _h = new();
    private readonly ITestOutputHelper _out;
    private readonly CodexCli _cli = new();

    public CodexCliTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _h.Dispose();

    private static string Access(DateTimeOffset? exp, string accountId = "acct-codex-1", string email = "coder@example.com")
    {
        var payload = new JsonObject
        {
            ["sub"] = "auth0|coder",
            [JwtClaims.AuthClaim] = new JsonObject { ["chatgpt_account_id"] = accountId },
            [JwtClaims.ProfileClaim] = new JsonObject { ["email"] = email },
        };
        if (exp is { } e)
        {
            payload["exp"] = e.ToUnixTimeSeconds();
        }
        return ExternalTest.Jwt(payload);
    }

    private static JsonObject AuthJson(string access, string? refresh = Refresh, string? lastRefresh = "2026-12-02T07:00:00.123456Z") => new()
    {
        ["OPENAI_API_KEY"] = null,
        ["auth_mode"] = "chatgpt",
        ["tokens"] = new JsonObject
        {
            ["id_token"] = ExternalTest.Jwt(new JsonObject { ["email"] = "id-token@example.com", ["sub"] = "auth0|coder" }),
            ["access_token"] = access,
            ["refresh_token"] = refresh,
            ["account_id"] = "acct-from-file",
            ["zz_future_token_field"] = 7,
        },
        ["last_refresh"] = lastRefresh,
        ["zz_future_top"] = new JsonObject { ["keep"] = true },
    };

    [Fact]
    public void Default_path_is_dot_codex_auth_json_in_the_home()
    {
        Assert.Equal(Path.Combine(_h.Home, ".codex", "auth.json"), _cli.CredentialPath(_h.Env()));
    }

    [Fact]
    public void Codex_home_overrides_the_folder_with_tilde_expanded_and_links_resolved()
    {
        var real = _h.Tmp.Dir("real-codex");
        var link = Path.Combine(_h.Home, "codex-link");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(Path.Combine(real, "auth.json"), _cli.CredentialPath(_h.Env(("CODEX_HOME", "~/codex-link"))));
        Assert.Equal(Path.Combine(_h.Home, "not-yet", "auth.json"), _cli.CredentialPath(_h.Env(("CODEX_HOME", "~/not-yet"))));
        // A link in the middle of the path is resolved too (Codex realpaths the whole folder).
        Directory.CreateDirectory(Path.Combine(real, "inner"));
        Assert.Equal(Path.Combine(real, "inner", "auth.json"), _cli.CredentialPath(_h.Env(("CODEX_HOME", Path.Combine(link, "inner")))));

        var access = Access(Exp);
        File.WriteAllText(Path.Combine(real, "auth.json"), AuthJson(access).ToJsonString());
        var reading = _h.Reader(_h.Env(("CODEX_HOME", link))).Read(_cli);
        Assert.True(reading.Found);
        Assert.Equal(Path.Combine(real, "auth.json"), reading.Credential!.Location);
    }

    [Fact]
    public void An_oauth_login_takes_its_expiry_from_the_exp_claim_and_its_account_from_the_file()
    {
        var access = Access(Exp);
        var path = _h.Write(".codex/auth.json", AuthJson(access));
        var c = _h.Reader().Read(_cli).Credential!;
        _out.WriteLine($"{c}; expiry source {c.ExpirySource}");
        Assert.Equal(CredentialType.OAuth, c.Type);
        Assert.Equal(ExternalSource.File, c.Source);
        Assert.Equal(path, c.Location);
        Assert.Equal(access, c.Access);
        Assert.Equal(Refresh, c.Refresh);
        Assert.Equal(ExternalTest.Ms(Exp), c.ExpiresMs);
        Assert.Equal("exp claim", c.ExpirySource);
        Assert.Equal("acct-from-file", c.AccountId);
        Assert.Equal("id-token@example.com", c.Email);
        Assert.Equal("openai-codex:codex-cli", _cli.MirrorProfileId(StoreKind.JsonFile));
        Assert.Equal("openai:codex-cli", _cli.MirrorProfileId(StoreKind.Sqlite));
        Assert.DoesNotContain(Refresh, c.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(access, c.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_exp_the_expiry_is_last_refresh_plus_an_hour_and_without_that_the_file_mtime_plus_an_hour()
    {
        var access = Access(exp: null);
        var path = _h.Write(".codex/auth.json", AuthJson(access));
        var c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal("last_refresh + 1 h", c.ExpirySource);
        Assert.Equal(ExternalTest.Ms(new DateTimeOffset(2026, 12, 2, 8, 0, 0, 123, TimeSpan.Zero)), c.ExpiresMs);

        _h.Write(".codex/auth.json", AuthJson(access, lastRefresh: null));
        var modified = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, modified);
        c = _h.Reader().Read(_cli).Credential!;
        _out.WriteLine($"mtime {modified:O} -> expires {c.Expires:O} ({c.ExpirySource})");
        Assert.Equal("modified + 1 h", c.ExpirySource);
        Assert.Equal(ExternalTest.Ms(new DateTimeOffset(modified.AddHours(1))), c.ExpiresMs);
        Assert.Equal(new DateTimeOffset(modified), c.LastModified);
    }

    [Fact]
    public void Without_a_refresh_token_it_is_a_token_and_an_api_key_is_a_key_that_never_expires()
    {
        _h.Write(".codex/auth.json", AuthJson(Access(Exp), refresh: ""));
        var c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal(CredentialType.Token, c.Type);
        Assert.False(c.HasRefreshToken);
        Assert.Null(c.RefreshFingerprint);

        _h.Write(".codex/auth.json", new JsonObject { ["OPENAI_API_KEY"] = ApiKey });
        c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal(CredentialType.ApiKey, c.Type);
        Assert.Equal(ApiKey, c.Access);
        Assert.Null(c.ExpiresMs);
        Assert.Equal("never", c.ExpirySource);
    }

    [Fact]
    public void A_document_without_tokens_or_key_is_invalid_without_quoting_it()
    {
        var path = _h.Write(".codex/auth.json", new JsonObject { ["tokens"] = "rt_SECRET-not-an-object", ["OPENAI_API_KEY"] = "" });
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(_cli), ExternalErrorIds.CredentialInvalid, path, "rt_SECRET-not-an-object");
        _out.WriteLine(ex.Message);
        Assert.Equal(MoltbotErrorKind.InvalidData, ex.Kind);
        Assert.Contains("codex login", ex.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void With_tokens_and_without_refresh_token_change_the_token_fields_only()
    {
        var original = AuthJson(Access(Exp));
        var fresh = Access(Exp.AddHours(1));
        var written = _cli.WithTokens(original, new OAuthCredential(fresh, "rt_SECRET-new", ExternalTest.Ms(Exp.AddHours(1)),
            fields: new JsonObject { ["accountId"] = "acct-from-file" }));
        Assert.Equal(fresh, written["tokens"]!["access_token"]!.GetValue<string>());
        Assert.Equal("rt_SECRET-new", written["tokens"]!["refresh_token"]!.GetValue<string>());
        Assert.Equal(7, written["tokens"]!["zz_future_token_field"]!.GetValue<int>());
        Assert.Equal(original["tokens"]!["id_token"]!.GetValue<string>(), written["tokens"]!["id_token"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(original["zz_future_top"], written["zz_future_top"]));
        Assert.Equal("chatgpt", written["auth_mode"]!.GetValue<string>());
        Assert.True(written.ContainsKey("OPENAI_API_KEY"));
        Assert.Equal(Refresh, original["tokens"]!["refresh_token"]!.GetValue<string>()); // the input is not changed

        var without = _cli.WithoutRefreshToken(original);
        var expected = (JsonObject)original.DeepClone();
        expected["tokens"]!["refresh_token"] = "";
        Assert.True(JsonNode.DeepEquals(expected, without), without.ToJsonString().Length.ToString());
    }

    [Fact]
    public void The_keychain_account_hashes_the_realpath_of_codex_home_and_the_keychain_wins_over_the_file()
    {
        var real = _h.Tmp.Dir("real-codex");
        var link = Path.Combine(_h.Home, "codex-link");
        Directory.CreateSymbolicLink(link, real);
        var env = _h.Env(("CODEX_HOME", link));
        var entry = _cli.Keychain(env)!;
        Assert.Equal("Codex Auth", entry.Service);
        Assert.Equal("cli|" + ExternalTest.Sha256Hex(real)[..16], entry.Account);

        File.WriteAllText(Path.Combine(real, "auth.json"), AuthJson(Access(Exp), refresh: "rt_SECRET-file").ToJsonString());
        var keychain = new FakeKeychain().With("Codex Auth", entry.Account, AuthJson(Access(Exp.AddHours(2)), refresh: "rt_SECRET-keychain").ToJsonString());
        var c = _h.Reader(env, keychain).Read(_cli).Credential!;
        Assert.Equal(ExternalSource.Keychain, c.Source);
        Assert.Equal("rt_SECRET-keychain", c.Refresh);
        Assert.Equal("keychain:Codex Auth (" + entry.Account + ")", c.Location);
        Assert.Null(c.LastModified);
        Assert.Single(keychain.Asked);
    }
}
