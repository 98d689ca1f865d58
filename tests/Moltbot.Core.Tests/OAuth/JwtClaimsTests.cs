using System.Text;
using System.Text.Json.Nodes;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public class JwtClaimsTests
{
    [Fact]
    public void Reads_the_account_id_email_and_plan_from_the_OpenAI_claims()
    {
        var token = OAuthTest.CodexAccessToken("3f2c9a4e-7b1d-4c55-9e0a-2d8f6b1c7a90", "tester@example.com");
        Assert.Equal("3f2c9a4e-7b1d-4c55-9e0a-2d8f6b1c7a90", JwtClaims.GetChatGptAccountId(token));
        Assert.Equal("tester@example.com", JwtClaims.GetEmail(token));
        Assert.Equal("plus", JwtClaims.GetPlanType(token));
    }

    [Fact]
    public void Payload_lengths_needing_0_1_or_2_padding_characters_all_decode()
    {
        // Pad the account id so that the payload's base64url length is 0, 2 and 3 (mod 4): no padding, '==', '='.
        var seenRemainders = new System.Collections.Generic.HashSet<int>();
        for (var extra = 0; extra < 6; extra++)
        {
            var accountId = "acct-" + new string('x', extra);
            var token = OAuthTest.CodexAccessToken(accountId, email: null);
            var payloadSegment = token.Split('.')[1];
            Assert.DoesNotContain('=', payloadSegment);
            seenRemainders.Add(payloadSegment.Length % 4);
            Assert.Equal(accountId, JwtClaims.GetChatGptAccountId(token));
            Assert.Null(JwtClaims.GetEmail(token));
        }
        Assert.Equal(new[] { 0, 2, 3 }, new System.Collections.Generic.SortedSet<int>(seenRemainders));
    }

    [Fact]
    public void Payload_with_url_alphabet_characters_decodes_where_plain_base64_would_not()
    {
        // '???' and '~~~' make 6-bit groups 63 and 62: '_' and '-' in base64url ('/' and '+' in plain base64).
        JsonObject payload = new()
        {
            [JwtClaims.AuthClaim] = new JsonObject { ["chatgpt_account_id"] = "a~~~???~~~???b" },
        };
        var token = OAuthTest.Jwt(payload);
        var segment = token.Split('.')[1];
        Assert.True(segment.Contains('-') || segment.Contains('_'), segment);
        Assert.Equal("a~~~???~~~???b", JwtClaims.GetChatGptAccountId(token));
    }

    [Fact]
    public void Padded_payload_segments_are_accepted_too()
    {
        var payload = Base64Url.Encode(Encoding.UTF8.GetBytes("{\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"ab\"}}"));
        while (payload.Length % 4 != 0)
        {
            payload += "=";
        }
        Assert.Equal("ab", JwtClaims.GetChatGptAccountId($"h.{payload}.s"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("opaque-access-token")]
    [InlineData("a.b")]
    [InlineData("a..c")]
    [InlineData("a.!!!.c")]
    [InlineData("a.bm90IGpzb24.c")] // "not json"
    [InlineData("a.WzEsMl0.c")] // [1,2]
    public void Malformed_tokens_give_null(string? token)
    {
        Assert.Null(JwtClaims.TryDecodePayload(token));
        Assert.Null(JwtClaims.GetChatGptAccountId(token));
    }

    [Fact]
    public void Missing_or_non_string_claims_give_null()
    {
        Assert.Null(JwtClaims.GetChatGptAccountId(OAuthTest.Jwt(new JsonObject { ["sub"] = "x" })));
        Assert.Null(JwtClaims.GetChatGptAccountId(OAuthTest.Jwt(new JsonObject { [JwtClaims.AuthClaim] = "flat" })));
        Assert.Null(JwtClaims.GetChatGptAccountId(OAuthTest.Jwt(new JsonObject { [JwtClaims.AuthClaim] = new JsonObject { ["chatgpt_account_id"] = 42 } })));
        Assert.Null(JwtClaims.GetChatGptAccountId(OAuthTest.Jwt(new JsonObject { [JwtClaims.AuthClaim] = new JsonObject { ["chatgpt_account_id"] = "  " } })));
        Assert.Null(JwtClaims.GetEmail(OAuthTest.Jwt(new JsonObject { [JwtClaims.ProfileClaim] = new JsonObject() })));
    }
}
