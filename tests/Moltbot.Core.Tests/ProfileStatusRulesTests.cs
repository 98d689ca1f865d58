using System;
using System.Text.Json.Nodes;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>Profile status as <c>openclaw models status</c> reports it (spec 9): ok, expiring within 24 h, expired, static, missing.</summary>
public sealed class ProfileStatusRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static long InMs(TimeSpan fromNow) => (Now + fromNow).ToUnixTimeMilliseconds();

    private static StoredProfile Profile(JsonObject credential)
    {
        var store = AuthProfileStore.CreateEmpty();
        store.Set("p:x", credential);
        return store.Get("p:x")!;
    }

    /// <summary>An OAuth credential; without a refresh token it lives only as long as its access token.</summary>
    private static JsonObject Oauth(long? expires, bool refresh = false)
    {
        var o = new JsonObject { ["type"] = "oauth", ["provider"] = "p", ["access"] = "a" };
        if (refresh)
        {
            o["refresh"] = "r";
        }
        if (expires is { } e)
        {
            o["expires"] = e;
        }
        return o;
    }

    private static JsonObject Token(long? expires)
    {
        var o = new JsonObject { ["type"] = "token", ["provider"] = "p", ["token"] = "t" };
        if (expires is { } e)
        {
            o["expires"] = e;
        }
        return o;
    }

    public static TheoryData<string, JsonObject, AuthProfileStatus> Cases => new()
    {
        { "oauth, 2 days left", Oauth(InMs(TimeSpan.FromDays(2))), AuthProfileStatus.Ok },
        { "oauth, 24 h and a minute left", Oauth(InMs(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1))), AuthProfileStatus.Ok },
        { "oauth, 23 h 59 min left", Oauth(InMs(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1))), AuthProfileStatus.Expiring },
        { "oauth, 1 min left", Oauth(InMs(TimeSpan.FromMinutes(1))), AuthProfileStatus.Expiring },
        { "oauth, 1 min ago", Oauth(InMs(TimeSpan.FromMinutes(-1))), AuthProfileStatus.Expired },
        { "oauth, a year ago", Oauth(InMs(TimeSpan.FromDays(-365))), AuthProfileStatus.Expired },
        // 2026.1.30 reports an expired OAuth profile that still has a refresh token as ok: it is refreshed on use.
        { "oauth with refresh, 2 days left", Oauth(InMs(TimeSpan.FromDays(2)), refresh: true), AuthProfileStatus.Ok },
        { "oauth with refresh, expired an hour ago", Oauth(InMs(TimeSpan.FromHours(-1)), refresh: true), AuthProfileStatus.Ok },
        { "oauth with only a refresh token", new JsonObject { ["type"] = "oauth", ["provider"] = "p", ["refresh"] = "r" }, AuthProfileStatus.Ok },
        { "token, 30 days left", Token(InMs(TimeSpan.FromDays(30))), AuthProfileStatus.Ok },
        { "token, 2 h left", Token(InMs(TimeSpan.FromHours(2))), AuthProfileStatus.Expiring },
        { "token, expired yesterday", Token(InMs(TimeSpan.FromDays(-1))), AuthProfileStatus.Expired },
        { "token, no expiry", Token(null), AuthProfileStatus.Static },
        { "token, expires 0", Token(0), AuthProfileStatus.Static },
        { "api key", new JsonObject { ["type"] = "api_key", ["provider"] = "p", ["key"] = "k" }, AuthProfileStatus.Static },
        { "api key with a past expires", new JsonObject { ["type"] = "api_key", ["provider"] = "p", ["key"] = "k", ["expires"] = InMs(TimeSpan.FromDays(-1)) }, AuthProfileStatus.Static },
        { "token without its token", new JsonObject { ["type"] = "token", ["provider"] = "p" }, AuthProfileStatus.Missing },
        { "api key without its key", new JsonObject { ["type"] = "api_key", ["provider"] = "p", ["key"] = "" }, AuthProfileStatus.Missing },
        { "oauth without tokens", new JsonObject { ["type"] = "oauth", ["provider"] = "p", ["expires"] = InMs(TimeSpan.FromDays(2)) }, AuthProfileStatus.Missing },
        { "unknown type", new JsonObject { ["type"] = "aws-sdk", ["provider"] = "p", ["token"] = "t" }, AuthProfileStatus.Missing },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate(string description, JsonObject credential, AuthProfileStatus expected)
    {
        var actual = ProfileStatusRules.Evaluate(Profile(credential), Now);
        Assert.True(expected == actual, $"{description}: expected {expected}, got {actual}");
    }

    [Fact]
    public void ExpiringWindow_Is24Hours_AsOpenClawsWarnAfterMs()
    {
        Assert.Equal(86_400_000, ProfileStatusRules.ExpiringWindow.TotalMilliseconds);
    }
}
