using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core;

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace Moltbot.Models;

/// <summary>
/// The logins a provider offers, by the names of the core's <c>Moltbot.Core.OAuth.LoginFlowKind</c> (mapped by name). The
/// cmdlet layer has its own enum because a Moltbot.Core type in a cmdlet's or output type's signature would be loaded
/// before the module's resolver is in place (see Loading/ModuleInitializer.cs).
/// </summary>
[JsonConverter(typeof(StringEnumConverter))]
public enum MoltbotLoginFlow
{
    /// <summary>Authorization code + PKCE: a loopback callback, or the redirect URL (or code) pasted back.</summary>
    AuthorizationCode,

    /// <summary>RFC 8628 device authorization (with or without PKCE).</summary>
    DeviceCode,

    /// <summary>MiniMax's user-code grant.</summary>
    UserCode,
}

/// <summary>
/// An OAuth provider of the registry, as <c>Get-MoltbotProvider</c> emits it: what a login and a refresh do, and the
/// environment variables that move each endpoint (tests, corporate proxies). It holds no secret: a client secret some
/// upstream CLI ships publicly is only announced (<see cref="HasPublicClientSecret"/>), never shown.
/// </summary>
public sealed class MoltbotProvider
{
    /// <summary>The provider id OpenClaw stores.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Other names Connect-MoltbotProvider and the other cmdlets accept.</summary>
    public string[] Aliases { get; set; } = Array.Empty<string>();

    /// <summary>Provider ids (besides <see cref="Id"/>) whose stored oauth profiles this definition refreshes.</summary>
    public string[] StoredProviderIds { get; set; } = Array.Empty<string>();

    public string DisplayName { get; set; } = string.Empty;

    /// <summary>The logins offered, the default first; empty when the provider is refreshed only (no login).</summary>
    public MoltbotLoginFlow[] Flows { get; set; } = Array.Empty<MoltbotLoginFlow>();

    /// <summary>Each endpoint, its URL in this session and the variable that moves it.</summary>
    public MoltbotProviderEndpoint[] Endpoints { get; set; } = Array.Empty<MoltbotProviderEndpoint>();

    /// <summary>The public client id the upstream CLI ships, or null when the user brings their own.</summary>
    public string? ClientId { get; set; }

    /// <summary>Whether the upstream CLI ships a public ("installed app") client secret, which the login and refresh present.</summary>
    public bool HasPublicClientSecret { get; set; }

    /// <summary>The variables that replace the client id and secret (<c>MOLTBOT_&lt;ID&gt;_CLIENT_ID</c> / <c>_CLIENT_SECRET</c>).</summary>
    public string ClientIdVariable { get; set; } = string.Empty;

    public string ClientSecretVariable { get; set; } = string.Empty;

    /// <summary>Space-separated scopes.</summary>
    public string Scope { get; set; } = string.Empty;

    /// <summary>How the PKCE verifier is written: <c>Base64Url</c> (43 characters) or <c>Hex</c> (64 characters).</summary>
    public string PkceStyle { get; set; } = string.Empty;

    /// <summary>Whether Moltbot refreshes the provider's stored credentials.</summary>
    public bool Refreshable { get; set; }

    /// <summary>Whether a refresh retires the old refresh token.</summary>
    public bool RotatesRefreshToken { get; set; }

    /// <summary>The credential type a login stores: <c>oauth</c>, or <c>token</c> (GitHub Copilot's GitHub token).</summary>
    public string StoredType { get; set; } = string.Empty;

    /// <summary>How the default profile id is chosen.</summary>
    public string ProfileIdRule { get; set; } = string.Empty;

    /// <summary>Parameters a login takes besides the common ones.</summary>
    public MoltbotProviderParameter[] LoginParameters { get; set; } = Array.Empty<MoltbotProviderParameter>();

    /// <summary>The loopback redirect of the browser login in this session (with its variable applied), or null.</summary>
    public Uri? RedirectUri { get; set; }

    /// <summary>The variable that replaces <see cref="RedirectUri"/>, or null.</summary>
    public string? RedirectUriVariable { get; set; }

    /// <summary>Whether <see cref="RedirectUriVariable"/> is set.</summary>
    public bool RedirectUriOverridden { get; set; }

    /// <summary>A warning about the provider's terms (Google suspends accounts that use its CLIs' OAuth from other tools), or null.</summary>
    public string? PolicyNote { get; set; }

    /// <summary>Why the provider has no login (Anthropic allows only its setup token), or null.</summary>
    public string? LoginRefusal { get; set; }

    // Shown by the default views (through DisplayText; the properties keep the true values).

    [Hidden, JsonIgnore]
    public string IdDisplay => DisplayText.Escape(Id);

    [Hidden, JsonIgnore]
    public string AliasesDisplay => Display.Text(Aliases);

    [Hidden, JsonIgnore]
    public string StoredProviderIdsDisplay => Display.Text(StoredProviderIds);

    [Hidden, JsonIgnore]
    public string DisplayNameDisplay => DisplayText.Escape(DisplayName);

    /// <summary>The flows, or "none (refresh only)".</summary>
    [Hidden, JsonIgnore]
    public string FlowsDisplay => Flows.Length == 0 ? "none (refresh only)" : string.Join(", ", Flows);

    [Hidden, JsonIgnore]
    public string EndpointsDisplay => Display.Text(Endpoints.Select(e => e.ToString()));

    [Hidden, JsonIgnore]
    public string ClientIdDisplay => ClientId is null ? "(your own: -ClientId or " + DisplayText.Escape(ClientIdVariable) + ")" : DisplayText.Escape(ClientId);

    [Hidden, JsonIgnore]
    public string ClientIdVariableDisplay => DisplayText.Escape(ClientIdVariable);

    [Hidden, JsonIgnore]
    public string ClientSecretVariableDisplay => DisplayText.Escape(ClientSecretVariable);

    [Hidden, JsonIgnore]
    public string PkceStyleDisplay => DisplayText.Escape(PkceStyle);

    [Hidden, JsonIgnore]
    public string ScopeDisplay => DisplayText.Escape(Scope);

    [Hidden, JsonIgnore]
    public string StoredTypeDisplay => DisplayText.Escape(StoredType);

    [Hidden, JsonIgnore]
    public string ProfileIdRuleDisplay => DisplayText.Escape(ProfileIdRule);

    [Hidden, JsonIgnore]
    public string LoginParametersDisplay => Display.Text(LoginParameters.Select(p => p.Name));

    [Hidden, JsonIgnore]
    public string RedirectUriDisplay => DisplayText.Escape(RedirectUri?.AbsoluteUri) + (RedirectUriOverridden ? " (from " + DisplayText.Escape(RedirectUriVariable) + ")" : string.Empty);

    [Hidden, JsonIgnore]
    public string RedirectUriVariableDisplay => DisplayText.Escape(RedirectUriVariable);

    [Hidden, JsonIgnore]
    public string PolicyNoteDisplay => DisplayText.Escape(PolicyNote);

    [Hidden, JsonIgnore]
    public string LoginRefusalDisplay => DisplayText.Escape(LoginRefusal);

    /// <summary>The id, escaped for a terminal.</summary>
    public override string ToString() => DisplayText.Escape(Id);
}

/// <summary>One endpoint of a provider: the URL in this session, the default, and the variable that moves its base.</summary>
public sealed class MoltbotProviderEndpoint
{
    /// <summary>The endpoint's role: <c>authorize</c>, <c>token</c>, <c>device</c>, <c>userinfo</c>, ...</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The URL a login or refresh uses now, with <see cref="Variable"/> applied; null when the variable holds a value that is refused.</summary>
    public Uri? Url { get; set; }

    /// <summary>The URL without the variable.</summary>
    public Uri DefaultUrl { get; set; } = null!;

    /// <summary>The environment variable that replaces the base of the URL (the path stays); several endpoints may share one.</summary>
    public string Variable { get; set; } = string.Empty;

    /// <summary>Whether <see cref="Variable"/> is set in this session.</summary>
    public bool Overridden { get; set; }

    public string Description { get; set; } = string.Empty;

    [Hidden, JsonIgnore]
    public string NameDisplay => DisplayText.Escape(Name);

    [Hidden, JsonIgnore]
    public string UrlDisplay => Url is null ? "(refused: see " + DisplayText.Escape(Variable) + ")" : DisplayText.Escape(Url.AbsoluteUri);

    [Hidden, JsonIgnore]
    public string DefaultUrlDisplay => DisplayText.Escape(DefaultUrl.AbsoluteUri);

    [Hidden, JsonIgnore]
    public string VariableDisplay => DisplayText.Escape(Variable);

    [Hidden, JsonIgnore]
    public string DescriptionDisplay => DisplayText.Escape(Description);

    /// <summary><c>name = url</c>, marked when a variable moved it.</summary>
    public override string ToString() => DisplayText.Escape($"{Name} = {Url?.AbsoluteUri ?? "(refused)"}" + (Overridden ? $" ({Variable})" : string.Empty));
}

/// <summary>A login parameter of a provider (Connect-MoltbotProvider takes it as a parameter of the same name).</summary>
public sealed class MoltbotProviderParameter
{
    public string Name { get; set; } = string.Empty;

    public string Description { get; set; } = string.Empty;

    /// <summary>The environment variable that supplies it when the parameter is not given, or null.</summary>
    public string? Variable { get; set; }

    /// <summary>The values it accepts, or empty when any.</summary>
    public string[] Values { get; set; } = Array.Empty<string>();

    [Hidden, JsonIgnore]
    public string NameDisplay => DisplayText.Escape(Name);

    [Hidden, JsonIgnore]
    public string DescriptionDisplay => DisplayText.Escape(Description);

    [Hidden, JsonIgnore]
    public string VariableDisplay => DisplayText.Escape(Variable);

    [Hidden, JsonIgnore]
    public string ValuesDisplay => Display.Text(Values);

    /// <summary>The name, escaped for a terminal.</summary>
    public override string ToString() => DisplayText.Escape(Name);
}
