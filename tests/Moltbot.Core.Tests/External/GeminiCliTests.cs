using System;
using System.IO;
using System.Text.Json.Nodes;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>Gemini CLI: <c>$GEMINI_CLI_HOME/.gemini/oauth_creds.json</c>, the account from the id_token, no rotation.</summary>
public sealed class GeminiCliTests : IDisposable
{
    private const string Access = "ya29.SECRET-gemini-access-0001";
    private const string Refresh = "1//SECRET-gemini-refresh-0001";
    private readonly ExternalHome _h = new();
    private readonly ITestOutputHelper _out;
    private readonly GeminiCli _cli = new();

    public GeminiCliTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _h.Dispose();

    private static JsonObject Creds(string? email = "gem@example.com", string? refresh = Refresh)
    {
        var claims = new JsonObject { ["iss"] = "https://accounts.google.com", ["sub"] = "109876543210987654321", ["exp"] = 1796212800 };
        if (email is not null)
        {
            claims["email"] = email;
        }
        return new JsonObject
        {
            ["access_token"] = Access,
            ["scope"] = "openid https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email",
            ["token_type"] = "Bearer",
            ["id_token"] = ExternalTest.Jwt(claims),
            ["expiry_date"] = 1796212800000.7791,
            ["refresh_token"] = refresh,
        };
    }

    [Fact]
    public void Gemini_cli_home_replaces_the_home_and_the_file_stays_in_its_dot_gemini()
    {
        Assert.Equal(Path.Combine(_h.Home, ".gemini", "oauth_creds.json"), _cli.CredentialPath(_h.Env()));
        var profile = _h.Tmp.Combine("gemini-profile");
        Assert.Equal(Path.Combine(profile, ".gemini", "oauth_creds.json"), _cli.CredentialPath(_h.Env(("GEMINI_CLI_HOME", profile))));
        Assert.Null(_cli.Keychain(_h.Env()));
        Assert.Null(_cli.LockPath(_cli.CredentialPath(_h.Env())));
    }

    [Fact]
    public void The_account_is_the_id_tokens_email_and_sub_and_google_does_not_rotate()
    {
        var path = _h.Write(".gemini/oauth_creds.json", Creds());
        var c = _h.Reader().Read(_cli).Credential!;
        _out.WriteLine(c.ToString());
        Assert.Equal(CredentialType.OAuth, c.Type);
        Assert.Equal(path, c.Location);
        Assert.Equal(Access, c.Access);
        Assert.Equal(Refresh, c.Refresh);
        Assert.Equal(1796212800000, c.ExpiresMs);
        Assert.Equal("gem@example.com", c.Email);
        Assert.Equal("109876543210987654321", c.AccountId);
        Assert.Equal("google-gemini-cli:gemini-cli", _cli.MirrorProfileId(StoreKind.JsonFile));
        Assert.Equal("google-gemini-cli:gemini-cli", _cli.MirrorProfileId(StoreKind.Sqlite));
        Assert.False(_cli.Rotates);
        var stored = c.ToCredential();
        Assert.Equal("gem@example.com", stored.Email);
        Assert.Equal("109876543210987654321", stored.AccountId);
    }

    [Fact]
    public void Without_an_email_claim_the_active_google_account_is_the_email()
    {
        _h.Write(".gemini/oauth_creds.json", Creds(email: null));
        Assert.Null(_h.Reader().Read(_cli).Credential!.Email);
        _h.Write(".gemini/google_accounts.json", "{\"active\": \"active@example.com\", \"old\": [\"old@example.com\"]}");
        var c = _h.Reader().Read(_cli).Credential!;
        Assert.Equal("active@example.com", c.Email);
        Assert.Equal("109876543210987654321", c.AccountId);
        // The id_token's email wins over the accounts file.
        _h.Write(".gemini/oauth_creds.json", Creds());
        Assert.Equal("gem@example.com", _h.Reader().Read(_cli).Credential!.Email);
    }

    [Fact]
    public void Without_a_refresh_token_it_is_a_token_and_without_expiry_it_is_invalid()
    {
        _h.Write(".gemini/oauth_creds.json", Creds(refresh: null));
        Assert.Equal(CredentialType.Token, _h.Reader().Read(_cli).Credential!.Type);
        var doc = Creds();
        doc.Remove("expiry_date");
        var path = _h.Write(".gemini/oauth_creds.json", doc);
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(_cli), ExternalErrorIds.CredentialInvalid, path, Access, Refresh);
        Assert.Contains("gemini (then /auth)", ex.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void With_tokens_keeps_scope_token_type_and_id_token()
    {
        var original = Creds();
        var written = _cli.WithTokens(original, new OAuthCredential("ya29.SECRET-new", Refresh, 1796216400000));
        var expected = (JsonObject)original.DeepClone();
        expected["access_token"] = "ya29.SECRET-new";
        expected["expiry_date"] = 1796216400000;
        Assert.True(JsonNode.DeepEquals(expected, written));
        var without = _cli.WithoutRefreshToken(original);
        expected = (JsonObject)original.DeepClone();
        expected["refresh_token"] = "";
        Assert.True(JsonNode.DeepEquals(expected, without));
    }
}
