using System.Text.Json.Nodes;
using Moltbot.Core.Refresh;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests.Refresh;

/// <summary>TokenRefresher.CanRefresh / WhyNotRefreshable: the one rule Update-MoltbotAuthProfile skips pipeline input by.</summary>
public sealed class CanRefreshTests
{
    private static StoredProfile Profile(string type, string provider)
    {
        var store = AuthProfileStore.CreateEmpty();
        store.Set(provider + ":x", new JsonObject { ["type"] = type, ["provider"] = provider, ["access"] = "a", ["refresh"] = "r", ["key"] = "k", ["token"] = "t" });
        return store.Get(provider + ":x")!;
    }

    [Theory]
    [InlineData("oauth", "openai-codex", true, null)]
    [InlineData("oauth", "openai", true, null)] // stored by OpenClaw 2026.6.1+, refreshed by the Codex definition
    [InlineData("oauth", "example-unrefreshed", false, "does not refresh OAuth credentials of provider 'example-unrefreshed'")]
    [InlineData("api_key", "openrouter", false, "its api_key credential is static")]
    [InlineData("token", "anthropic", false, "its token credential is static")]
    [InlineData("cookie", "openrouter", false, "the credential type 'cookie' cannot be refreshed")]
    public void Only_oauth_profiles_of_a_refreshable_definition_can_be_refreshed(string type, string provider, bool can, string? why)
    {
        var profile = Profile(type, provider);
        Assert.Equal(can, TokenRefresher.CanRefresh(profile));
        Assert.Equal(TokenRefresher.IsRefreshable(provider) && type == "oauth", TokenRefresher.CanRefresh(profile));
        if (why is null)
        {
            Assert.Null(TokenRefresher.WhyNotRefreshable(profile));
        }
        else
        {
            Assert.Contains(why, TokenRefresher.WhyNotRefreshable(profile));
        }
    }
}
