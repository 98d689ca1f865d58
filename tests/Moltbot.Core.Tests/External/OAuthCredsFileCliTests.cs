using System;
using System.IO;
using System.Text.Json.Nodes;
using Moltbot.Core.External;
using Moltbot.Core.OAuth;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>Qwen Code and MiniMax: the flat <c>oauth_creds.json</c> shape, Qwen's folder variable and its lock.</summary>
public sealed class OAuthCredsFileCliTests : IDisposable
{
    private const string Access = "qwen-SECRET-access-0001";
    private const string Refresh = "qwen-SECRET-refresh-0001";
    private const long Expiry = 1796212800000;
    private readonly ExternalHome _h = new();
    private readonly ITestOutputHelper _out;
    private readonly QwenCodeCli _qwen = new();
    private readonly MiniMaxCli _minimax = new();

    public OAuthCredsFileCliTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _h.Dispose();

    /// <summary>What Qwen Code writes after a login (fake secrets).</summary>
    private static JsonObject Creds(JsonNode? refresh = null, bool tokenType = true, JsonNode? expiry = null)
    {
        var doc = new JsonObject
        {
            ["access_token"] = Access,
            ["token_type"] = "Bearer",
            ["refresh_token"] = refresh ?? Refresh,
            ["resource_url"] = "portal.qwen.ai",
            ["expiry_date"] = expiry ?? Expiry,
            ["id_token"] = "qwen-SECRET-id-token",
        };
        if (!tokenType)
        {
            doc.Remove("token_type");
        }
        return doc;
    }

    [Fact]
    public void Qwen_reads_dot_qwen_or_qwen_home_and_its_lock_is_beside_the_file()
    {
        Assert.Equal(Path.Combine(_h.Home, ".qwen", "oauth_creds.json"), _qwen.CredentialPath(_h.Env()));
        var custom = _h.Tmp.Combine("qwen-state");
        var env = _h.Env(("QWEN_HOME", custom));
        Assert.Equal(Path.Combine(custom, "oauth_creds.json"), _qwen.CredentialPath(env));
        Assert.Equal(Path.Combine(_h.Home, "q", "oauth_creds.json"), _qwen.CredentialPath(_h.Env(("QWEN_HOME", "~/q"))));
        Assert.Equal(Path.Combine(custom, "oauth_creds.lock"), _qwen.LockPath(_qwen.CredentialPath(env)));
        Assert.Equal(Path.Combine(_h.Home, ".qwen", "oauth_creds.lock"), _qwen.LockPath(_qwen.CredentialPath(_h.Env())));
        Assert.Equal(TimeSpan.FromSeconds(10), QwenCodeCli.LockStaleAfter);
        Assert.Null(_qwen.Keychain(_h.Env()));
    }

    [Fact]
    public void Qwen_reads_an_oauth_credential_with_its_expiry_and_an_emptied_refresh_token_as_a_token()
    {
        var path = _h.Write(".qwen/oauth_creds.json", Creds());
        var c = _h.Reader().Read(_qwen).Credential!;
        _out.WriteLine(c.ToString());
        Assert.Equal(CredentialType.OAuth, c.Type);
        Assert.Equal(path, c.Location);
        Assert.Equal(Access, c.Access);
        Assert.Equal(Refresh, c.Refresh);
        Assert.Equal(Expiry, c.ExpiresMs);
        Assert.Equal("file", c.ExpirySource);
        Assert.Equal("qwen-portal:qwen-cli", _qwen.MirrorProfileId(StoreKind.JsonFile));
        Assert.True(_qwen.Rotates);
        Assert.Equal(Json.Parse("{}").ToJsonString(), c.ToCredential().Fields.ToJsonString());

        _h.Write(".qwen/oauth_creds.json", Creds(refresh: ""));
        c = _h.Reader().Read(_qwen).Credential!;
        Assert.Equal(CredentialType.Token, c.Type);
        Assert.False(c.HasRefreshToken);
        Assert.Equal(Expiry, c.ExpiresMs);
    }

    [Theory]
    [InlineData("access-number", "access_token")]
    [InlineData("no-refresh", "'refresh_token'")]
    [InlineData("no-token-type", "'token_type'")]
    [InlineData("expiry-string", "'expiry_date'")]
    [InlineData("expiry-missing", "'expiry_date'")]
    [InlineData("expiry-zero", "'expiry_date'")]
    public void Qwen_requires_access_refresh_token_type_and_a_finite_expiry(string breakage, string named)
    {
        var doc = Creds();
        switch (breakage)
        {
            case "access-number": doc["access_token"] = 5; break;
            case "no-refresh": doc.Remove("refresh_token"); break;
            case "no-token-type": doc.Remove("token_type"); break;
            case "expiry-string": doc["expiry_date"] = "tomorrow"; break;
            case "expiry-missing": doc.Remove("expiry_date"); break;
            case "expiry-zero": doc["expiry_date"] = 0; break;
        }
        var path = _h.Write(".qwen/oauth_creds.json", doc);
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(_qwen), ExternalErrorIds.CredentialInvalid, path, Access, Refresh, "qwen-SECRET-id-token");
        _out.WriteLine(ex.Message);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_tokens_keeps_token_type_resource_url_and_id_token()
    {
        var original = Creds();
        original["zz_future"] = new JsonArray(1, 2);
        var written = _qwen.WithTokens(original, new OAuthCredential("qwen-SECRET-new-access", "qwen-SECRET-new-refresh", Expiry + 3_600_000));
        var expected = (JsonObject)original.DeepClone();
        expected["access_token"] = "qwen-SECRET-new-access";
        expected["refresh_token"] = "qwen-SECRET-new-refresh";
        expected["expiry_date"] = Expiry + 3_600_000;
        Assert.True(JsonNode.DeepEquals(expected, written));

        var without = _qwen.WithoutRefreshToken(original);
        expected = (JsonObject)original.DeepClone();
        expected["refresh_token"] = "";
        Assert.True(JsonNode.DeepEquals(expected, without));
        Assert.Equal(Refresh, original["refresh_token"]!.GetValue<string>());
    }

    [Fact]
    public void MiniMax_reads_dot_minimax_in_the_same_shape_without_requiring_token_type()
    {
        Assert.Equal(Path.Combine(_h.Home, ".minimax", "oauth_creds.json"), _minimax.CredentialPath(_h.Env()));
        Assert.Null(_minimax.LockPath(_minimax.CredentialPath(_h.Env())));
        Assert.Equal("minimax-portal:minimax-cli", _minimax.MirrorProfileId(StoreKind.JsonFile));
        Assert.True(_minimax.Rotates);
        _h.Write(".minimax/oauth_creds.json", Creds(tokenType: false));
        var c = _h.Reader().Read(_minimax).Credential!;
        Assert.Equal(CredentialType.OAuth, c.Type);
        Assert.Equal(Expiry, c.ExpiresMs);
        // The Qwen file is not the MiniMax file.
        Assert.False(_h.Reader().Read(_qwen).Found);

        var original = Creds(tokenType: false);
        var expected = (JsonObject)original.DeepClone();
        expected["refresh_token"] = "";
        Assert.True(JsonNode.DeepEquals(expected, _minimax.WithoutRefreshToken(original)));
        expected["access_token"] = "mm-SECRET-new";
        expected["expiry_date"] = Expiry + 1;
        Assert.True(JsonNode.DeepEquals(expected, _minimax.WithTokens(original, new OAuthCredential("mm-SECRET-new", null, Expiry + 1))));

        var path = _h.Write(".minimax/oauth_creds.json", Creds(expiry: JsonValue.Create("soon")));
        ExternalTest.ErrorOf(_h.Reader().Read(_minimax), ExternalErrorIds.CredentialInvalid, path, Access, Refresh);
    }
}
