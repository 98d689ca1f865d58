using System;
using System.Collections.Generic;
using System.Net;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// The OpenAI Codex (ChatGPT) OAuth client as the Codex CLI and OpenClaw use it (openclaw-compat.md 8.1). The authority
/// can be replaced with <c>MOLTBOT_OPENAI_CODEX_AUTHORITY</c> (tests, corporate proxies); the paths stay. The loopback
/// redirect can be replaced with <c>MOLTBOT_OPENAI_CODEX_REDIRECT_URI</c> (another port, or 127.0.0.1 / [::1]).
/// </summary>
public sealed class CodexOAuthOptions
{
    public const string ProviderId = "openai-codex";
    public const string DefaultClientId = "app_EMoamEEZ73f0CkXaXp7hrann";
    public const string DefaultAuthority = "https://auth.openai.com";
    public const string DefaultRedirectUri = "http://localhost:1455/auth/callback";
    public const string DefaultScope = "openid profile email offline_access";
    public const string AuthorizePath = "/oauth/authorize";
    public const string TokenPath = "/oauth/token";
    public const string Originator = "moltbot";
    public const string AuthorityVariable = "MOLTBOT_OPENAI_CODEX_AUTHORITY";
    public const string RedirectUriVariable = "MOLTBOT_OPENAI_CODEX_REDIRECT_URI";

    public CodexOAuthOptions(Uri? authority = null, Uri? redirectUri = null)
    {
        Authority = ValidateAuthority(authority ?? new Uri(DefaultAuthority), "authority");
        RedirectUri = ValidateRedirectUri(redirectUri ?? new Uri(DefaultRedirectUri), "redirect URI");
    }

    public string ClientId { get; init; } = DefaultClientId;

    /// <summary>Scheme, host and port (and an optional base path) without a trailing slash.</summary>
    public Uri Authority { get; }

    public Uri AuthorizeEndpoint => new(Authority.AbsoluteUri.TrimEnd('/') + AuthorizePath);

    public Uri TokenEndpoint => new(Authority.AbsoluteUri.TrimEnd('/') + TokenPath);

    /// <summary>The loopback redirect registered for the client; the callback listener binds its host and port.</summary>
    public Uri RedirectUri { get; }

    public string Scope { get; init; } = DefaultScope;

    /// <summary>The Codex-specific authorize parameters, in the order they are sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraAuthorizeParameters { get; init; } = new[]
    {
        new KeyValuePair<string, string>("id_token_add_organizations", "true"),
        new KeyValuePair<string, string>("codex_cli_simplified_flow", "true"),
        new KeyValuePair<string, string>("originator", Originator),
    };

    /// <summary>Limit for one token request (OpenClaw 6.x uses 30 s).</summary>
    public TimeSpan TokenRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The defaults with the environment overrides applied (read afresh at each call).</summary>
    public static CodexOAuthOptions FromEnvironment(MoltbotEnvironment? environment = null)
    {
        var env = environment ?? MoltbotEnvironment.Process;
        return new CodexOAuthOptions(
            Parse(env.Get(AuthorityVariable), AuthorityVariable),
            Parse(env.Get(RedirectUriVariable), RedirectUriVariable));
    }

    private static Uri? Parse(string? value, string variable)
    {
        if (value is null)
        {
            return null;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            throw Invalid($"{variable} is not an absolute URL.", variable);
        }
        return uri;
    }

    private static Uri ValidateAuthority(Uri uri, string what)
    {
        if (!uri.IsAbsoluteUri || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw Invalid($"The OAuth {what} must be an absolute http(s) URL without query, fragment or user info.", AuthorityVariable);
        }
        var https = uri.Scheme == Uri.UriSchemeHttps;
        var loopbackHttp = uri.Scheme == Uri.UriSchemeHttp && IsLoopbackHost(uri);
        if (!https && !loopbackHttp)
        {
            throw Invalid($"The OAuth {what} must use https (plain http is accepted only for a loopback host).", AuthorityVariable);
        }
        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }

    private static Uri ValidateRedirectUri(Uri uri, string what)
    {
        if (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttp || !IsLoopbackHost(uri) || uri.IsDefaultPort
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || uri.AbsolutePath.Length < 2)
        {
            throw Invalid($"The OAuth {what} must look like http://localhost:1455/auth/callback: http, a loopback host " +
                          "(localhost, 127.0.0.1 or [::1]), an explicit port and a path.", RedirectUriVariable);
        }
        return uri;
    }

    internal static bool IsLoopbackHost(Uri uri)
    {
        if (string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static MoltbotException Invalid(string message, string target) =>
        new(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument, message, target);
}
