using System;
using Moltbot.Core.Profiles;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>Setup tokens and API keys as pasted (spec 8.2): whitespace, prefix, length; errors never echo the secret.</summary>
public sealed class SecretTextTests
{
    private const string Prefix = "sk-ant-oat01-";

    /// <summary>A setup token of exactly <paramref name="length"/> characters; the body holds "SECRET".</summary>
    private static string SetupToken(int length) => Prefix + ("SECRET" + new string('x', 200)).Substring(0, length - Prefix.Length);

    [Fact]
    public void SetupToken_Of80Characters_IsAccepted()
    {
        var token = SetupToken(80);
        Assert.Equal(80, token.Length);
        Assert.Equal(token, SecretText.ValidateToken("anthropic", token));
    }

    [Theory]
    [InlineData(79)]
    [InlineData(40)]
    [InlineData(14)]
    public void SetupToken_ShorterThan80_IsRefused_WithoutEchoingIt(int length)
    {
        var token = SetupToken(length);
        var ex = Throws.Moltbot("MoltbotInvalidSetupToken", MoltbotErrorKind.InvalidArgument, () => SecretText.ValidateToken("anthropic", token));
        Assert.DoesNotContain(token, ex.Message);
        Assert.DoesNotContain("SECRET", ex.Message);
        Assert.DoesNotContain("SECRET", ex.RecommendedAction ?? "");
        Assert.Contains("80", ex.Message);
    }

    [Theory]
    [InlineData("sk-ant-api03-SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRET")]
    [InlineData("SK-ANT-OAT01-SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRET")]
    [InlineData("xsk-ant-oat01-SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRET")]
    [InlineData("Bearer sk-ant-oat01-SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRET")]
    public void SetupToken_WithoutThePrefix_IsRefused_WithoutEchoingIt(string token)
    {
        var ex = Throws.Moltbot("MoltbotInvalidSetupToken", MoltbotErrorKind.InvalidArgument, () => SecretText.ValidateToken("anthropic", token));
        Assert.DoesNotContain("SECRET", ex.Message);
        Assert.Contains(Prefix, ex.Message);
    }

    [Fact]
    public void SetupToken_AllWhitespaceIsStripped_IncludingATokenWrappedAcrossLines()
    {
        var token = SetupToken(100);
        var wrapped = "  " + token.Substring(0, 50) + "\r\n" + token.Substring(50, 30) + "\n\t " + token.Substring(80) + " \n";
        Assert.Equal(token, SecretText.ValidateToken("anthropic", wrapped));
        var spaced = string.Join(" ", token.ToCharArray()); // every character separated
        Assert.Equal(token, SecretText.ValidateToken("anthropic", spaced));
        Assert.Equal(token, SecretText.ValidateToken("anthropic", token.Substring(0, 40) + "\u00A0" + token.Substring(40)));
    }

    [Fact]
    public void SetupToken_LengthIsMeasuredAfterStripping()
    {
        // 79 characters padded with white space to well over 80 is still too short.
        var token = SetupToken(79);
        var padded = token.Substring(0, 30) + new string(' ', 20) + token.Substring(30) + "\n\n";
        Assert.True(padded.Length > 80);
        Throws.Moltbot("MoltbotInvalidSetupToken", MoltbotErrorKind.InvalidArgument, () => SecretText.ValidateToken("anthropic", padded));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \r\n\t ")]
    public void EmptyToken_IsRefused(string? raw)
    {
        Throws.Moltbot("MoltbotInvalidToken", MoltbotErrorKind.InvalidArgument, () => SecretText.ValidateToken("anthropic", raw));
        Throws.Moltbot("MoltbotInvalidToken", MoltbotErrorKind.InvalidArgument, () => SecretText.ValidateToken("openrouter", raw));
    }

    [Theory]
    [InlineData("openrouter", "x", "x")]
    [InlineData("github-copilot", " ghu_abc \n", "ghu_abc")]
    [InlineData("openai", "sk-\nwrapped", "sk-wrapped")]
    public void OtherProviders_TakeAnyNonEmptyToken(string provider, string raw, string expected)
    {
        Assert.Equal(expected, SecretText.ValidateToken(provider, raw));
    }

    [Theory]
    [InlineData("sk-key", "sk-key")]
    [InlineData("  sk-key\n", "sk-key")]
    public void ApiKey_IsTrimmed(string raw, string expected)
    {
        Assert.Equal(expected, SecretText.ValidateApiKey("openai", raw));
    }

    [Theory]
    [InlineData(null, "MoltbotInvalidApiKey")]
    [InlineData("   ", "MoltbotInvalidApiKey")]
    [InlineData("sk-SECRET key", "MoltbotInvalidApiKey")]
    [InlineData("sk-SECRET\nkey", "MoltbotInvalidApiKey")]
    [InlineData("sk-SECRET\u0001", "MoltbotInvalidApiKey")]
    public void ApiKey_EmptyOrWithInnerWhitespace_IsRefused_WithoutEchoingIt(string? raw, string errorId)
    {
        var ex = Throws.Moltbot(errorId, MoltbotErrorKind.InvalidArgument, () => SecretText.ValidateApiKey("openai", raw));
        Assert.DoesNotContain("SECRET", ex.Message);
    }

    [Fact]
    public void StripWhitespace()
    {
        Assert.Equal("abc", SecretText.StripWhitespace(" a\tb\r\nc\u2003"));
        Assert.Equal("", SecretText.StripWhitespace(" \n "));
    }
}
