using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Moltbot.Core.OAuth;
using Moltbot.Core.Store;
using Xunit;

namespace Moltbot.Core.Tests.OAuth.Providers;

/// <summary>The pieces every provider shares: the registry, endpoint variables, remote detection, profile ids, error shapes.</summary>
public class ProviderSeamTests
{
    [Theory]
    [InlineData("openai-codex", "openai-codex")]
    [InlineData(" OpenAI-Codex ", "openai-codex")]
    [InlineData("codex", "openai-codex")]
    public void The_registry_finds_a_provider_by_id_or_alias(string name, string id) =>
        Assert.Equal(id, ProviderRegistry.Find(name)!.Id);

    [Fact]
    public void Stored_provider_ids_of_later_OpenClaw_map_to_their_definition()
    {
        Assert.Same(OpenAICodexProvider.Instance, ProviderRegistry.ForStoredProvider("openai"));
        Assert.Null(ProviderRegistry.Find("openai"));
        Assert.Null(ProviderRegistry.ForStoredProvider("openrouter"));
    }

    [Fact]
    public void A_login_for_an_unknown_provider_names_what_is_offered()
    {
        var ex = OAuthTest.Throws(OAuthErrorIds.ProviderNotSupported, MoltbotErrorKind.NotImplemented, () => ProviderRegistry.ForLogin("openrouter"));
        Assert.Contains("openai-codex", ex.Message);
    }

    [Fact]
    public void Every_definition_is_complete_and_its_variables_follow_the_naming_rule()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in ProviderRegistry.All)
        {
            Assert.True(ids.Add(provider.Id), $"duplicate id {provider.Id}");
            foreach (var alias in provider.Aliases)
            {
                Assert.True(ids.Add(alias), $"alias {alias} of {provider.Id} is taken");
            }
            Assert.NotEmpty(provider.Endpoints);
            foreach (var endpoint in provider.Endpoints)
            {
                Assert.StartsWith("MOLTBOT_", endpoint.Variable);
                Assert.Equal(Uri.UriSchemeHttps, endpoint.DefaultUrl.Scheme);
                Assert.Equal(endpoint.DefaultUrl, endpoint.Resolve(OAuthTest.Env()));
            }
            if (provider.Flows.Contains(LoginFlowKind.AuthorizationCode))
            {
                Assert.NotNull(provider.DefaultRedirectUri);
                Assert.Contains(provider.Endpoints, e => e.Name == "authorize");
            }
            Assert.Contains(provider.Endpoints, e => e.Name == "token" || !provider.Refreshable);
        }
    }

    [Theory]
    [InlineData("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22", true)]
    [InlineData("SSH_TTY", "/dev/pts/0", true)]
    [InlineData("CODESPACES", "true", true)]
    [InlineData("REMOTE_CONTAINERS", "true", true)]
    [InlineData("DISPLAY", ":0", false)]
    [InlineData("WAYLAND_DISPLAY", "wayland-0", false)]
    [InlineData("BROWSER", "/usr/bin/firefox", false)]
    public void A_remote_or_headless_shell_is_detected_as_OpenClaw_detects_it(string variable, string value, bool remote)
    {
        var session = RemoteSession.Detect(OAuthTest.Env((variable, value)), procVersion: "Linux version 6.8.0-generic", isLinux: true);
        Assert.Equal(remote, session.IsRemote);
    }

    [Fact]
    public void Linux_without_a_display_is_headless_but_WSL_is_not_and_WSL2_is_reported()
    {
        Assert.True(RemoteSession.Detect(OAuthTest.Env(), "Linux version 6.8.0-generic", isLinux: true).IsRemote);
        var wsl2 = RemoteSession.Detect(OAuthTest.Env(), "Linux version 5.15.153.1-microsoft-standard-WSL2", isLinux: true);
        Assert.False(wsl2.IsRemote);
        Assert.True(wsl2.IsWsl2);
        Assert.False(RemoteSession.Detect(OAuthTest.Env(), string.Empty, isLinux: false).IsRemote);
    }

    [Fact]
    public void In_a_headless_shell_a_browser_login_goes_to_paste_unless_the_caller_said_Manual_false()
    {
        using var fx = new StateFixture();
        var service = new LoginService(fx.NewState(), OAuthTest.Env(("SSH_CONNECTION", "x")));
        var settings = service.Effective(OpenAICodexProvider.Instance, new LoginSettings(), detectRemote: true, out var why);
        Assert.True(settings.Manual);
        Assert.True(settings.NoBrowser);
        Assert.Contains("SSH_CONNECTION", why);
        Assert.False(service.Effective(OpenAICodexProvider.Instance, new LoginSettings(), detectRemote: false, out _).Manual);
    }

    [Fact]
    public void DeviceCode_for_a_provider_without_one_is_refused_before_anything_starts()
    {
        var codexLike = new BrowserOnly();
        OAuthTest.Throws(OAuthErrorIds.LoginFlowNotSupported, MoltbotErrorKind.InvalidArgument,
            () => LoginService.FlowFor(codexLike, new LoginSettings { DeviceCode = true }));
    }

    private static AuthProfileStore StoreWith(string id, string accountId, string email) =>
        AuthProfileStore.Parse($"{{\"version\":1,\"profiles\":{{\"{id}\":{{\"type\":\"oauth\",\"provider\":\"openai-codex\",\"access\":\"a\",\"refresh\":\"r\",\"expires\":1,\"accountId\":\"{accountId}\",\"email\":\"{email}\"}}}}}}", "/x");

    private static OAuthCredential Login(string accountId, string email) =>
        new("access", "refresh", 1, email, new System.Text.Json.Nodes.JsonObject { ["accountId"] = accountId });

    [Fact]
    public void A_second_account_is_stored_beside_the_first_and_the_same_account_replaces_itself()
    {
        using var fx = new StateFixture();
        var service = new LoginService(fx.NewState());
        var store = StoreWith("openai-codex:default", "acct-1", "one@example.com");
        var notes = new List<string>();

        Assert.Equal("openai-codex:default", service.ChooseProfileId(OpenAICodexProvider.Instance, store, null, false, Login("acct-1", "one@example.com"), notes));
        Assert.Empty(notes);
        Assert.Equal("openai-codex:two@example.com", service.ChooseProfileId(OpenAICodexProvider.Instance, store, null, false, Login("acct-2", "two@example.com"), notes));
        Assert.Contains("one@example.com", Assert.Single(notes));
        Assert.Equal("openai-codex:default", service.ChooseProfileId(OpenAICodexProvider.Instance, store, null, true, Login("acct-2", "two@example.com"), new List<string>()));
    }

    [Fact]
    public void An_explicit_profile_id_of_another_account_needs_Force()
    {
        using var fx = new StateFixture();
        var service = new LoginService(fx.NewState());
        var store = StoreWith("openai-codex:work", "acct-1", "one@example.com");
        var ex = OAuthTest.Throws(OAuthErrorIds.ProfileHoldsAnotherAccount, MoltbotErrorKind.ResourceExists,
            () => service.ChooseProfileId(OpenAICodexProvider.Instance, store, "work", false, Login("acct-2", "two@example.com"), new List<string>()));
        Assert.Contains("one@example.com", ex.Message);
        Assert.Equal("openai-codex:work", service.ChooseProfileId(OpenAICodexProvider.Instance, store, "work", true, Login("acct-2", "two@example.com"), new List<string>()));
    }

    [Theory]
    [InlineData("{\"error\":\"authorization_pending\",\"error_description\":\"wait\"}", "authorization_pending", "wait")]
    [InlineData("{\"error\":{\"code\":\"refresh_token_reused\",\"message\":\"used\"}}", "refresh_token_reused", "used")]
    [InlineData("{\"base_resp\":{\"status_code\":1004,\"status_msg\":\"login fail\"}}", "status_code 1004", "login fail")]
    [InlineData("{\"base_resp\":{\"status_code\":0,\"status_msg\":\"success\"}}", null, null)]
    [InlineData("{\"access_token\":\"x\"}", null, null)]
    public void Error_bodies_are_read_in_every_shape_providers_use(string json, string? error, string? description)
    {
        using var doc = JsonDocument.Parse(json);
        var (e, d) = TokenEndpointClient.ReadErrorBody(doc.RootElement.Clone());
        Assert.Equal(error, e);
        Assert.Equal(description, d);
    }

    [Fact]
    public void A_refresh_result_merges_into_the_stored_profile_and_keeps_every_other_field()
    {
        var store = AuthProfileStore.Parse("{\"version\":1,\"profiles\":{\"p:default\":{\"type\":\"oauth\",\"provider\":\"p\",\"access\":\"old\",\"refresh\":\"r0\",\"expires\":1,\"projectId\":\"proj\",\"email\":\"me@example.com\",\"x\":{\"keep\":true}}}}", "/x");
        var node = store.Get("p:default")!.Node;
        new OAuthCredential("new", "r1", 99).MergeInto(node);
        Assert.Equal("new", (string?)node["access"]);
        Assert.Equal("r1", (string?)node["refresh"]);
        Assert.Equal(99, (long)node["expires"]!);
        Assert.Equal("proj", (string?)node["projectId"]);
        Assert.Equal("me@example.com", (string?)node["email"]);
        Assert.True((bool)node["x"]!["keep"]!);
        Assert.DoesNotContain("new", new OAuthCredential("new", "r1", 99).ToString());
    }

    private sealed class BrowserOnly : OAuthProvider
    {
        public override string Id => "browser-only";
        public override string DisplayName => "Browser only";
        public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.AuthorizationCode };
        public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[] { new OAuthEndpoint("token", "https://example.com", "/token", "MOLTBOT_BROWSER_ONLY_AUTHORITY", "token") };
    }
}
