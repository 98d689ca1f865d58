using System.Collections.Generic;
using System.Linq;
using Moltbot.Core.OAuth;
using Xunit;

namespace Moltbot.Core.Tests.OAuth;

public class PkceTests
{
    // RFC 7636 appendix B: the 32 octets, the verifier they encode to, and its S256 challenge.
    private static readonly byte[] Rfc7636Octets =
    {
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
        22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    };

    private const string Rfc7636Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private const string Rfc7636Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    [Fact]
    public void Verifier_of_the_RFC_7636_octets_is_the_appendix_B_value()
    {
        Assert.Equal(Rfc7636Verifier, Base64Url.Encode(Rfc7636Octets));
    }

    [Fact]
    public void Challenge_of_the_RFC_7636_verifier_is_the_appendix_B_value()
    {
        Assert.Equal(Rfc7636Challenge, Pkce.ComputeChallenge(Rfc7636Verifier));
        var pair = Pkce.FromVerifier(Rfc7636Verifier);
        Assert.Equal(Rfc7636Challenge, pair.Challenge);
        Assert.DoesNotContain(Rfc7636Verifier, pair.ToString());
    }

    [Fact]
    public void Create_makes_43_character_base64url_verifiers_from_32_random_bytes()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var pair = Pkce.Create();
            Assert.Equal(43, pair.Verifier.Length);
            Assert.All(pair.Verifier, ch => Assert.True(char.IsAsciiLetterOrDigit(ch) || ch == '-' || ch == '_', $"unexpected '{ch}'"));
            Assert.Equal(32, Base64Url.TryDecode(pair.Verifier)!.Length);
            Assert.Equal(Pkce.ComputeChallenge(pair.Verifier), pair.Challenge);
            Assert.Equal(43, pair.Challenge.Length);
            Assert.True(seen.Add(pair.Verifier));
        }
    }

    [Fact]
    public void State_is_16_random_bytes_in_lowercase_hex()
    {
        var states = Enumerable.Range(0, 50).Select(_ => Pkce.CreateState()).ToList();
        Assert.All(states, s => Assert.Matches("^[0-9a-f]{32}$", s));
        Assert.Equal(states.Count, states.Distinct().Count());
    }

    [Theory]
    [InlineData("", new byte[0])]
    [InlineData("Zg", new byte[] { 0x66 })]
    [InlineData("Zg==", new byte[] { 0x66 })]
    [InlineData("Zm8", new byte[] { 0x66, 0x6f })]
    [InlineData("Zm9v", new byte[] { 0x66, 0x6f, 0x6f })]
    [InlineData("-_8", new byte[] { 0xfb, 0xff })]
    [InlineData("+/8=", new byte[] { 0xfb, 0xff })]
    public void Base64Url_decodes_with_and_without_padding(string text, byte[] expected)
    {
        Assert.Equal(expected, Base64Url.TryDecode(text));
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("Zm9vY")]
    [InlineData("Zm 9v")]
    [InlineData("Zm9v!")]
    public void Base64Url_rejects_malformed_text(string text)
    {
        Assert.Null(Base64Url.TryDecode(text));
    }

    [Fact]
    public void Base64Url_encodes_without_padding_and_with_the_url_alphabet()
    {
        Assert.Equal("-_8", Base64Url.Encode(new byte[] { 0xfb, 0xff }));
        Assert.Equal("Zg", Base64Url.Encode(new byte[] { 0x66 }));
    }
}
