using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Config;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// MiniMax portal (Coding Plan) as OpenClaw's minimax-portal-auth plugin signs in to it (oauth-providers.md §8): the
/// user-code grant (<see cref="UserCodeFlow"/>), client <c>78257093-7e40-4613-99e0-527b14b39113</c>, two regions
/// (<c>-Region Global</c>: https://api.minimax.io, <c>CN</c>: https://api.minimaxi.com; variables
/// <c>MOLTBOT_MINIMAX_PORTAL_BASE_URL</c> and <c>MOLTBOT_MINIMAX_PORTAL_CN_BASE_URL</c>). <c>expires</c> is MiniMax's
/// absolute <c>expired_in</c>, verbatim. The login writes <c>models.providers.minimax-portal</c> (baseUrl from
/// <c>resource_url</c>, as OpenClaw's plugin does); the profile holds no region (6.x loaders drop unknown fields), so a
/// refresh, which OpenClaw 2026.1.30 does not have, takes the region from that baseUrl's host (<c>*.minimaxi.com</c>
/// is CN, anything else Global).
/// </summary>
public sealed class MiniMaxPortalProvider : OAuthProvider
{
    public const string ProviderId = "minimax-portal";
    public const string DefaultClientId = "78257093-7e40-4613-99e0-527b14b39113";
    public const string GlobalVariable = "MOLTBOT_MINIMAX_PORTAL_BASE_URL";
    public const string CnVariable = "MOLTBOT_MINIMAX_PORTAL_CN_BASE_URL";
    public const string RegionVariable = "MOLTBOT_MINIMAX_PORTAL_REGION";
    public const string GlobalApiBase = "https://api.minimax.io/anthropic";
    public const string CnApiBase = "https://api.minimaxi.com/anthropic";

    public static MiniMaxPortalProvider Instance { get; } = new();

    public override string Id => ProviderId;

    /// <summary>None: <c>minimax</c> is OpenClaw's id of MiniMax API keys, a provider of its own.</summary>
    public override IReadOnlyList<string> Aliases { get; } = Array.Empty<string>();

    public override string DisplayName => "MiniMax portal (Coding Plan)";

    public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.UserCode };

    public override IReadOnlyList<OAuthEndpoint> Endpoints { get; } = new[]
    {
        new OAuthEndpoint("code", "https://api.minimax.io", "/oauth/code", GlobalVariable, "user code request (Global)"),
        new OAuthEndpoint("token", "https://api.minimax.io", "/oauth/token", GlobalVariable, "token: user-code polls and refresh (Global)"),
        new OAuthEndpoint("codeCn", "https://api.minimaxi.com", "/oauth/code", CnVariable, "user code request (CN)"),
        new OAuthEndpoint("tokenCn", "https://api.minimaxi.com", "/oauth/token", CnVariable, "token: user-code polls and refresh (CN)"),
    };

    public override string ClientId => DefaultClientId;

    public override string Scope => "group_id profile model.completion";

    public override bool RotatesRefreshToken => true;

    public override IReadOnlyList<LoginParameter> LoginParameters { get; } = new[]
    {
        new LoginParameter("Region", "Global (api.minimax.io, default) or CN (api.minimaxi.com)", RegionVariable, new[] { "Global", "CN" }),
    };

    public override string ProfileIdRule => $"{Id}:default for both regions (MiniMax names no account; use -ProfileId for several accounts)";

    public override string DefaultProfileId(OAuthCredential credential) => Id + ":default";

    /// <summary>True for CN: the login's -Region (else <c>MOLTBOT_MINIMAX_PORTAL_REGION</c>); anything but Global or CN is refused.</summary>
    public static bool IsCn(string? region, MoltbotEnvironment environment)
    {
        var value = (region ?? environment.Get(RegionVariable))?.Trim();
        if (string.IsNullOrEmpty(value) || value.Equals("Global", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (value.Equals("CN", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        throw OAuthEndpoint.Invalid($"'{TextSanitizer.Clean(value, 40)}' is not a MiniMax region: use Global or CN.", region is null ? RegionVariable : "Region");
    }

    /// <summary>True when an API base URL is in MiniMax's CN region (<c>*.minimaxi.com</c>).</summary>
    public static bool IsCnBaseUrl(string? baseUrl) =>
        baseUrl is not null && Uri.TryCreate(baseUrl.Contains("://", StringComparison.Ordinal) ? baseUrl : "https://" + baseUrl, UriKind.Absolute, out var uri)
        && (uri.IdnHost.Equals("minimaxi.com", StringComparison.OrdinalIgnoreCase) || uri.IdnHost.EndsWith(".minimaxi.com", StringComparison.OrdinalIgnoreCase));

    public override Uri UserCodeEndpoint(LoginSettings settings, MoltbotEnvironment environment) =>
        Endpoint(IsCn(settings.Parameter("Region"), environment) ? "codeCn" : "code", environment);

    public override Uri UserCodeTokenEndpoint(LoginSettings settings, MoltbotEnvironment environment) =>
        Endpoint(IsCn(settings.Parameter("Region"), environment) ? "tokenCn" : "token", environment);

    /// <summary>The refresh endpoint: the region of openclaw.json's <c>models.providers.minimax-portal.baseUrl</c> (Global when there is none).</summary>
    public override Uri TokenEndpoint(MoltbotEnvironment environment)
    {
        string? baseUrl = null;
        try
        {
            baseUrl = OpenClawConfig.Load(StatePaths.Resolve(environment).ConfigPath).ProviderBaseUrl(Id);
        }
        catch (MoltbotException)
        {
            baseUrl = null;
        }
        return Endpoint(IsCnBaseUrl(baseUrl) ? "tokenCn" : "token", environment);
    }

    /// <summary>
    /// <c>access_token</c> and (at login) <c>refresh_token</c> required; <c>expires</c> = the absolute ms <c>expired_in</c>
    /// as sent (a refresh answer with only a relative <c>expires_in</c> counts from now); at refresh a missing refresh token
    /// keeps the old one. <c>resource_url</c> is kept for the config only.
    /// </summary>
    public override OAuthCredential ReadTokenAnswer(TokenAnswer answer, TokenGrant grant, OAuthCredential? previous, DateTimeOffset now)
    {
        var access = answer.GetString("access_token");
        var refresh = answer.GetString("refresh_token") ?? (grant == TokenGrant.Refresh ? previous?.Refresh : null);
        long? expires = answer.GetInt64("expired_in", allowString: true) is > 0 and var abs ? abs
            : answer.GetPositiveSeconds("expires_in") is { } rel && grant == TokenGrant.Refresh ? ExpiresAt(now, rel) : (long?)null;
        answer.RequireFields(this, ("access_token", access is not null), ("refresh_token", refresh is not null), ("a numeric expired_in", expires is not null));
        var credential = new OAuthCredential(access!, refresh, expires);
        if (grant == TokenGrant.Login && answer.GetString("resource_url") is { } resource)
        {
            return new OAuthCredential(access!, refresh, expires) { ProviderConfig = new JsonObject { ["baseUrl"] = resource } };
        }
        return credential;
    }

    /// <summary>The config OpenClaw's plugin writes: baseUrl (resource_url, else the region's default), the placeholder key, the API and its two models.</summary>
    public override Task<OAuthCredential> CompleteLoginAsync(LoginContext context, OAuthCredential credential, LoginClient client, CancellationToken cancellationToken)
    {
        var cn = IsCn(context.Settings.Parameter("Region"), context.Environment);
        var baseUrl = credential.ProviderConfig?["baseUrl"]?.GetValue<string>() ?? (cn ? CnApiBase : GlobalApiBase);
        var config = new JsonObject
        {
            ["baseUrl"] = baseUrl,
            ["apiKey"] = "minimax-oauth",
            ["api"] = "anthropic-messages",
            ["models"] = new JsonArray(Model("MiniMax-M2.1", "MiniMax M2.1"), Model("MiniMax-M2.1-lightning", "MiniMax M2.1 Lightning")),
        };
        context.Ui.Verbose($"MiniMax {(cn ? "CN" : "Global")}: openclaw.json models.providers.{Id}.baseUrl = {baseUrl}.");
        return Task.FromResult(new OAuthCredential(credential.Access, credential.Refresh, credential.ExpiresMs, credential.Email, credential.Fields) { ProviderConfig = config });
    }

    private static JsonObject Model(string id, string name) => new()
    {
        ["id"] = id,
        ["name"] = name,
        ["reasoning"] = false,
        ["input"] = new JsonArray("text"),
        ["cost"] = new JsonObject { ["input"] = 0, ["output"] = 0, ["cacheRead"] = 0, ["cacheWrite"] = 0 },
        ["contextWindow"] = 200000,
        ["maxTokens"] = 8192,
    };

    public override string RefreshFailedAdvice(string agentId, string profileId) =>
        $"Sign in again with 'Connect-MoltbotProvider {Id} -Agent {agentId} -ProfileId {profileId} -Force' (add -Region CN for the CN region); the region of a refresh comes from openclaw.json models.providers.{Id}.baseUrl.";
}
