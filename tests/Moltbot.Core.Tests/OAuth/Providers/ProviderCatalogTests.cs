using System;
using System.Collections.Generic;
using System.Linq;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.OAuth.Providers;

/// <summary>ProviderCatalog: the registry as Get-MoltbotProvider lists it (selection, endpoints and redirect under the environment).</summary>
public sealed class ProviderCatalogTests
{
    private readonly ITestOutputHelper _out;

    public ProviderCatalogTests(ITestOutputHelper output) => _out = output;

    private static readonly OAuthProvider[] Sample = { OpenAICodexProvider.Instance, new DeviceOnly(), new RefreshOnly() };

    private static MoltbotEnvironment Env(params (string Name, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return new MoltbotEnvironment(name => map.TryGetValue(name, out var v) ? v : null, () => "/nonexistent-home");
    }

    [Fact]
    public void Selects_by_id_or_alias_by_refreshability_and_by_flow_in_the_given_order()
    {
        Assert.Equal(new[] { "openai-codex", "device-only", "refresh-only" }, ProviderCatalog.Select(providers: Sample).Select(p => p.Id));
        Assert.Equal(new[] { "device-only" }, ProviderCatalog.Select(n => n == "dev", providers: Sample).Select(p => p.Id));
        Assert.Equal(new[] { "openai-codex" }, ProviderCatalog.Select(n => n == "chatgpt", providers: Sample).Select(p => p.Id));
        Assert.Equal(new[] { "openai-codex", "refresh-only" }, ProviderCatalog.Select(refreshable: true, providers: Sample).Select(p => p.Id));
        Assert.Equal(new[] { "openai-codex", "device-only" }, ProviderCatalog.Select(flow: LoginFlowKind.DeviceCode, providers: Sample).Select(p => p.Id));
        Assert.Empty(ProviderCatalog.Select(flow: LoginFlowKind.UserCode, providers: Sample));
        Assert.Equal(ProviderRegistry.All.Select(p => p.Id), ProviderCatalog.Select().Select(p => p.Id));
        Assert.Equal(new[] { "openai-codex", "codex", "chatgpt" }, ProviderCatalog.Names(OpenAICodexProvider.Instance));
    }

    [Fact]
    public void Endpoints_show_the_url_in_use_the_default_and_whether_their_variable_is_set()
    {
        var provider = new DeviceOnly();
        var plain = ProviderCatalog.Endpoints(provider, Env());
        Assert.All(plain, e => Assert.False(e.Overridden));
        Assert.All(plain, e => Assert.Equal(e.DefaultUrl, e.Url));

        // The two endpoints on one variable move together; the one on its own variable stays.
        var moved = ProviderCatalog.Endpoints(provider, Env(("MOLTBOT_DEVICE_ONLY_AUTHORITY", "http://127.0.0.1:4100/base/")));
        Assert.Equal(new[] { "device", "token", "api" }, moved.Select(e => e.Name));
        Assert.Equal("http://127.0.0.1:4100/base/oauth/device/code", moved[0].Url!.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:4100/base/oauth/token", moved[1].Url!.AbsoluteUri);
        Assert.True(moved[0].Overridden && moved[1].Overridden);
        Assert.False(moved[2].Overridden);
        Assert.Equal("https://api.device.example/v1/user", moved[2].Url!.AbsoluteUri);
        Assert.All(moved, e => Assert.Null(e.Problem));
        _out.WriteLine($"endpoints: {moved.Count}, moved: {moved.Count(e => e.Overridden)}");
    }

    [Theory]
    [InlineData("http://proxy.example.com")]
    [InlineData("not a url")]
    [InlineData("https://proxy.example.com/?q=1")]
    public void A_refused_variable_value_is_reported_with_a_null_url_not_thrown(string value)
    {
        var views = ProviderCatalog.Endpoints(new DeviceOnly(), Env(("MOLTBOT_DEVICE_ONLY_AUTHORITY", value)));
        var refused = views.Where(e => e.Variable == "MOLTBOT_DEVICE_ONLY_AUTHORITY").ToList();
        Assert.Equal(2, refused.Count);
        Assert.All(refused, e =>
        {
            Assert.Null(e.Url);
            Assert.True(e.Overridden);
            Assert.Equal(OAuthErrorIds.InvalidOAuthSetting, e.Problem!.ErrorId);
        });
        Assert.NotNull(views.Single(e => e.Name == "api").Url);
    }

    [Fact]
    public void The_redirect_is_null_without_a_loopback_login_and_follows_its_variable()
    {
        Assert.Null(ProviderCatalog.Redirect(new DeviceOnly(), Env()));
        var plain = ProviderCatalog.Redirect(OpenAICodexProvider.Instance, Env())!.Value;
        Assert.Equal("http://localhost:1455/auth/callback", plain.Url!.AbsoluteUri);
        Assert.False(plain.Overridden);
        var moved = ProviderCatalog.Redirect(OpenAICodexProvider.Instance, Env((OpenAICodexProvider.RedirectVariable, "http://127.0.0.1:5555/cb")))!.Value;
        Assert.Equal("http://127.0.0.1:5555/cb", moved.Url!.AbsoluteUri);
        Assert.True(moved.Overridden);
        var refused = ProviderCatalog.Redirect(OpenAICodexProvider.Instance, Env((OpenAICodexProvider.RedirectVariable, "https://example.com/cb")))!.Value;
        Assert.Null(refused.Url);
        Assert.Equal(OAuthErrorIds.InvalidOAuthSetting, refused.Problem!.ErrorId);
    }

    private sealed class DeviceOnly : OAuthProvider
    {
        public override string Id => "device-only";
        public override IReadOnlyList<string> Aliases { get; } = new[] { "dev" };
        public override string DisplayName => "Device only";
        public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.DeviceCode };
        public override bool Refreshable => false;
        public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
        {
            new OAuthEndpoint("device", "https://auth.device.example", "/oauth/device/code", "MOLTBOT_DEVICE_ONLY_AUTHORITY", "device authorization"),
            new OAuthEndpoint("token", "https://auth.device.example", "/oauth/token", "MOLTBOT_DEVICE_ONLY_AUTHORITY", "token"),
            new OAuthEndpoint("api", "https://api.device.example", "/v1/user", "MOLTBOT_DEVICE_ONLY_API", "user info"),
        };
    }

    private sealed class RefreshOnly : OAuthProvider
    {
        public override string Id => "refresh-only";
        public override string DisplayName => "Refresh only";
        public override IReadOnlyList<LoginFlowKind> Flows { get; } = Array.Empty<LoginFlowKind>();
        public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[] { new OAuthEndpoint("token", "https://refresh.example", "/token", "MOLTBOT_REFRESH_ONLY_AUTHORITY", "token") };
    }
}
