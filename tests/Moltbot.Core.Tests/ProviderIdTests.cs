using System.Linq;
using Moltbot.Core.Profiles;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>Provider ids and profile ids (spec 3.4).</summary>
public sealed class ProviderIdTests
{
    [Theory]
    [InlineData("anthropic", "anthropic")]
    [InlineData(" Anthropic ", "anthropic")]
    [InlineData("OpenAI-Codex", "openai-codex")]
    [InlineData("google-gemini-cli", "google-gemini-cli")]
    [InlineData("z.ai", "zai")]
    [InlineData("Z.AI", "zai")]
    [InlineData("z-ai", "zai")]
    [InlineData("opencode-zen", "opencode")]
    [InlineData("codex", "openai-codex")]
    [InlineData(" ChatGPT ", "openai-codex")]
    [InlineData("kimi-code", "kimi-coding")]
    [InlineData("my_provider.v2", "my_provider.v2")]
    public void Normalize(string raw, string expected)
    {
        Assert.Equal(expected, ProviderId.Normalize(raw));
    }

    /// <summary>Every alias of every OAuth definition normalizes to its id (qwen to qwen-portal, ...): one alias table, the registry's.</summary>
    public static TheoryData<string, string> RegistryAliases()
    {
        var data = new TheoryData<string, string>();
        foreach (var provider in Moltbot.Core.OAuth.ProviderRegistry.All)
        {
            data.Add(provider.Id, provider.Id);
            foreach (var alias in provider.Aliases)
            {
                data.Add(alias, provider.Id);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RegistryAliases))]
    public void Normalize_TakesTheAliasesOfTheOAuthDefinitions(string alias, string id)
    {
        Assert.Equal(id, ProviderId.Normalize(alias));
        Assert.Contains(id, ProviderId.Known);
    }

    [Fact]
    public void Known_lists_the_registry_then_the_other_providers_once_each()
    {
        var known = ProviderId.Known;
        Assert.Equal(known.Count, known.Distinct().Count());
        Assert.Equal(Moltbot.Core.OAuth.ProviderRegistry.All.Select(p => p.Id), known.Take(Moltbot.Core.OAuth.ProviderRegistry.All.Count));
        Assert.Contains("openrouter", known);
        Assert.Contains("anthropic", known);
        Assert.Equal("openai", ProviderId.Normalize("openai")); // a stored id of Codex, not an alias: stays as it is
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("an thropic")]
    [InlineData("anthropic:default")]
    [InlineData("a/b")]
    [InlineData("ünï")]
    public void Normalize_RefusesMalformedIds(string? raw)
    {
        Throws.Moltbot("MoltbotInvalidProvider", MoltbotErrorKind.InvalidArgument, () => ProviderId.Normalize(raw));
    }

    [Fact]
    public void Normalize_RefusesOver64Characters()
    {
        Assert.Equal(new string('a', 64), ProviderId.Normalize(new string('a', 64)));
        Throws.Moltbot("MoltbotInvalidProvider", MoltbotErrorKind.InvalidArgument, () => ProviderId.Normalize(new string('a', 65)));
    }

    [Theory]
    [InlineData("anthropic", null, "anthropic:default")]
    [InlineData("anthropic", "", "anthropic:default")]
    [InlineData("anthropic", "  ", "anthropic:default")]
    [InlineData("anthropic", "work", "anthropic:work")]
    [InlineData("anthropic", " Work ", "anthropic:work")]
    [InlineData("anthropic", "Team.A_1", "anthropic:team.a_1")]
    [InlineData("anthropic", "me@example.com", "anthropic:me-example.com")]
    [InlineData("anthropic", "anthropic:work", "anthropic:work")]
    [InlineData("anthropic", "ANTHROPIC:Work", "anthropic:Work")]
    [InlineData("openrouter", "openrouter:manual", "openrouter:manual")]
    [InlineData("google-gemini-cli", "google-gemini-cli:me@gmail.com", "google-gemini-cli:me@gmail.com")]
    public void ResolveProfileId(string provider, string? profileId, string expected)
    {
        Assert.Equal(expected, ProviderId.ResolveProfileId(provider, profileId));
    }

    [Theory]
    [InlineData("anthropic", "openai:work")]
    [InlineData("anthropic", "anthropic:")]
    [InlineData("anthropic", ":work")]
    [InlineData("anthropic", "anthropic-x:work")]
    [InlineData("anthropic", "anthropic:a\tb")]
    [InlineData("anthropic", "anthropic:a\u0000b")]
    public void ResolveProfileId_RefusesIdsOfAnotherFormOrProvider(string provider, string profileId)
    {
        Throws.Moltbot("MoltbotInvalidProfileId", MoltbotErrorKind.InvalidArgument, () => ProviderId.ResolveProfileId(provider, profileId));
    }

    /// <summary>Token names (spec 3.4): lowercase, runs outside [a-z0-9._-] become '-', hyphens collapsed and trimmed, empty -> default.</summary>
    [Theory]
    [InlineData("", "default")]
    [InlineData("   ", "default")]
    [InlineData("---", "default")]
    [InlineData("!!!", "default")]
    [InlineData("work", "work")]
    [InlineData("Work", "work")]
    [InlineData("My Work Laptop", "my-work-laptop")]
    [InlineData("a  --  b", "a-b")]
    [InlineData("a--b", "a-b")]
    [InlineData("-a-", "a")]
    [InlineData("a.b_c-d", "a.b_c-d")]
    [InlineData("a..b__c", "a..b__c")]
    [InlineData("me@example.com", "me-example.com")]
    [InlineData("Ünïcode", "n-code")]
    [InlineData("日本", "default")]
    [InlineData("x/y\\z", "x-y-z")]
    public void Slug(string name, string expected)
    {
        Assert.Equal(expected, ProviderId.Slug(name));
    }

    [Theory]
    [InlineData("anthropic:default", "anthropic")]
    [InlineData("Anthropic:default", "anthropic")]
    [InlineData("google-gemini-cli:me@gmail.com", "google-gemini-cli")]
    [InlineData("a:b:c", "a")]
    [InlineData("nocolon", null)]
    [InlineData(":x", null)]
    public void ProviderOf(string profileId, string? expected)
    {
        Assert.Equal(expected, ProviderId.ProviderOf(profileId));
    }
}
