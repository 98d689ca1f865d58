using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public class RedirectPasteTests
{
    private const string State = "0123456789abcdef0123456789abcdef";
    private const string OtherState = "0123456789abcdef0123456789abcde0";

    [Theory]
    [InlineData("http://localhost:1455/auth/callback?code=ac_CODE-1.x&state=" + State + "&iss=http%3A%2F%2F127.0.0.1%3A41729")]
    [InlineData("  http://localhost:1455/auth/callback?state=" + State + "&code=ac_CODE-1.x  \n")]
    [InlineData("http://127.0.0.1:40000/auth/callback?code=ac_CODE-1.x&state=" + State + "#fragment")]
    [InlineData("ac_CODE-1.x#" + State)]
    [InlineData("code=ac_CODE-1.x&state=" + State)]
    [InlineData("?code=ac_CODE-1.x&state=" + State + "&iss=x")]
    [InlineData("localhost:1455/auth/callback?code=ac_CODE-1.x&state=" + State)]
    [InlineData("ac_CODE-1.x")]
    [InlineData("code=ac_CODE-1.x")]
    [InlineData("http://localhost:1455/auth/callback?code=ac_CODE-1.x")]
    public void Every_paste_form_gives_the_code(string input)
    {
        Assert.Equal("ac_CODE-1.x", RedirectPaste.GetCode(input, State));
    }

    [Fact]
    public void Percent_encoded_values_are_decoded()
    {
        Assert.Equal("a/b+c=", RedirectPaste.GetCode("code=a%2Fb%2Bc%3D&state=" + State, State));
        var parsed = RedirectPaste.Parse("http://localhost:1455/auth/callback?code=x&state=s&error_description=End-User+aborted");
        Assert.Equal("End-User aborted", parsed.ErrorDescription);
    }

    [Theory]
    [InlineData("http://localhost:1455/auth/callback?code=c&state=" + OtherState)]
    [InlineData("c#" + OtherState)]
    [InlineData("code=c&state=" + OtherState)]
    [InlineData("http://localhost:1455/auth/callback?error=access_denied&state=" + OtherState)]
    public void A_state_that_does_not_match_is_an_error(string input)
    {
        var ex = OAuthTest.Throws(OAuthErrorIds.StateMismatch, MoltbotErrorKind.SecurityError, () => RedirectPaste.GetCode(input, State));
        Assert.DoesNotContain("code=c", ex.Message);
        Assert.DoesNotContain(OtherState, ex.Message);
    }

    [Fact]
    public void An_error_redirect_is_an_authorization_error_with_the_servers_words()
    {
        var ex = OAuthTest.Throws(OAuthErrorIds.AuthorizationDenied, MoltbotErrorKind.AuthenticationError,
            () => RedirectPaste.GetCode("http://localhost:1455/auth/callback?error=access_denied&error_description=End-User+aborted+interaction&state=" + State, State));
        Assert.Contains("access_denied", ex.Message);
        Assert.Contains("End-User aborted interaction", ex.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("http://localhost:1455/auth/callback")]
    [InlineData("http://localhost:1455/auth/callback?state=" + State)]
    [InlineData("#" + State)]
    [InlineData("two words")]
    public void Text_without_a_usable_code_is_refused(string? input)
    {
        OAuthTest.Throws(OAuthErrorIds.InvalidRedirectInput, MoltbotErrorKind.InvalidArgument, () => RedirectPaste.GetCode(input, State));
    }

    [Fact]
    public void Parse_splits_without_checking_and_never_prints_the_code()
    {
        var parsed = RedirectPaste.Parse("secretcode#" + OtherState);
        Assert.Equal("secretcode", parsed.Code);
        Assert.Equal(OtherState, parsed.State);
        Assert.DoesNotContain("secretcode", parsed.ToString());
    }
}
