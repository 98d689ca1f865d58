using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// What Google's two CLI logins share (oauth-providers.md §5, §6): Google's authorize, token and userinfo endpoints,
/// a public "installed app" client with its secret, a hex PKCE verifier, <c>access_type=offline</c> and
/// <c>prompt=consent</c>, paste on WSL2, <c>expires = now + expires_in − 5 min</c>, a refresh token Google keeps (it is
/// not rotated; the answer carries none, so the old one stays), the <c>projectId</c> Code Assist names, and Google's
/// account-suspension warning. Each provider has its own variables (<c>MOLTBOT_GOOGLE_GEMINI_CLI_…</c>,
/// <c>MOLTBOT_GOOGLE_ANTIGRAVITY_…</c>) although the default hosts are the same.
/// </summary>
public abstract class GoogleOAuthProvider : OAuthProvider
{
    public const string AuthorizeHost = "https://accounts.google.com";
    public const string TokenHost = "https://oauth2.googleapis.com";
    public const string UserInfoHost = "https://www.googleapis.com";
    public const string CodeAssistHost = "https://cloudcode-pa.googleapis.com";

    /// <summary>The stored field Code Assist's project goes to (the model layer sends it with every request).</summary>
    public const string ProjectIdField = "projectId";

    /// <summary>How long one userinfo or Code Assist call may take.</summary>
    public static readonly TimeSpan ApiCallTimeout = TimeSpan.FromSeconds(30);

    public override IReadOnlyList<LoginFlowKind> Flows { get; } = new[] { LoginFlowKind.AuthorizationCode };

    public override IReadOnlyList<OAuthEndpoint> Endpoints => _endpoints ??= BuildEndpoints();

    private IReadOnlyList<OAuthEndpoint>? _endpoints;

    /// <summary>authorize, token, userinfo, then the provider's Code Assist endpoints.</summary>
    private IReadOnlyList<OAuthEndpoint> BuildEndpoints()
    {
        var list = new List<OAuthEndpoint>
        {
            new("authorize", AuthorizeHost, "/o/oauth2/v2/auth", VariablePrefix + "AUTHORIZE_BASE", "authorization (the browser opens it)"),
            new("token", TokenHost, "/token", VariablePrefix + "TOKEN_BASE", "token: code exchange and refresh"),
            new("userinfo", UserInfoHost, "/oauth2/v1/userinfo?alt=json", VariablePrefix + "USERINFO_BASE", "userinfo: the account's email after the login"),
        };
        list.AddRange(CodeAssistEndpoints());
        return list;
    }

    /// <summary>The Code Assist endpoints of this provider (project discovery after the login).</summary>
    protected abstract IEnumerable<OAuthEndpoint> CodeAssistEndpoints();

    public override string Scope => "https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile";

    public override IReadOnlyList<KeyValuePair<string, string>> ExtraAuthorizeParameters { get; } = new[]
    {
        new KeyValuePair<string, string>("access_type", "offline"),
        new KeyValuePair<string, string>("prompt", "consent"),
    };

    public override PkceVerifierStyle PkceStyle => PkceVerifierStyle.Hex;

    public override bool ManualOnWsl2 => true;

    public override TimeSpan ExpirySkew => TimeSpan.FromMinutes(5);

    /// <summary>Google keeps the refresh token: a refresh answer carries none and the old one keeps working.</summary>
    public override bool RotatesRefreshToken => false;

    public override string PolicyNote =>
        "Since February 2026 Google has suspended accounts that use the Gemini CLI or Antigravity OAuth login from third-party tools " +
        "(HTTP 403 \"This service has been disabled in this account for violation of Terms of Service\"). " +
        "Sign in only with an account you can afford to lose access to, or use a Gemini API key (Set-MoltbotApiKey).";

    public override IReadOnlyList<LoginParameter> LoginParameters => _parameters ??= BuildLoginParameters();

    private IReadOnlyList<LoginParameter>? _parameters;

    protected virtual IReadOnlyList<LoginParameter> BuildLoginParameters() => new[]
    {
        new LoginParameter("ClientId", $"Your own Google OAuth client instead of the public {DisplayName} client (it needs its secret too).", ClientVariables[0].Id),
        new LoginParameter("ClientSecret", "The secret of -ClientId.", ClientVariables[0].Secret),
    };

    /// <summary>The email from Google's userinfo endpoint, or null when it names none or refuses (the email is optional).</summary>
    protected async Task<string?> FetchEmailAsync(LoginContext context, string access, CancellationToken cancellationToken)
    {
        var answer = await context.Client.SendApiAsync(this, HttpMethod.Get, Endpoint("userinfo", context.Environment), null,
            Bearer(access), ApiCallTimeout, "userinfo", cancellationToken, Endpoints.First(e => e.Name == "userinfo").Variable).ConfigureAwait(false);
        if (answer.Status is < 200 or >= 300)
        {
            context.Ui.Verbose($"The userinfo endpoint answered HTTP {answer.Status}{(answer.Error is null ? string.Empty : " " + answer.Error)}; the profile id falls back to {Id}:default.");
            return null;
        }
        return answer.GetString("email");
    }

    /// <summary>A Code Assist call: POST of a JSON body (or GET without one); the answer whatever its status.</summary>
    protected Task<TokenAnswer> CodeAssistAsync(LoginContext context, HttpMethod method, Uri endpoint, JsonObject? body, string access, string what, string variable, CancellationToken cancellationToken)
    {
        var content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var headers = Bearer(access).Concat(CodeAssistHeaders).ToList();
        return context.Client.SendApiAsync(this, method, endpoint, content, headers, ApiCallTimeout, what, cancellationToken, variable);
    }

    /// <summary>The headers the upstream plugin sends to Code Assist (besides Authorization and Content-Type).</summary>
    protected abstract IReadOnlyList<KeyValuePair<string, string>> CodeAssistHeaders { get; }

    /// <summary>The project a Code Assist answer names: <c>cloudaicompanionProject</c> as a string or as <c>{id}</c>.</summary>
    internal static string? ProjectOf(JsonElement? element)
    {
        if (element is not { ValueKind: JsonValueKind.Object } obj || !obj.TryGetProperty("cloudaicompanionProject", out var project))
        {
            return null;
        }
        return project.ValueKind switch
        {
            JsonValueKind.String => TokenAnswer.ReadString(obj, "cloudaicompanionProject"),
            JsonValueKind.Object => TokenAnswer.ReadString(project, "id"),
            _ => null,
        };
    }

    /// <summary>The IDE metadata Code Assist asks for.</summary>
    protected static JsonObject Metadata(string? duetProject = null)
    {
        var metadata = new JsonObject
        {
            ["ideType"] = "IDE_UNSPECIFIED",
            ["platform"] = "PLATFORM_UNSPECIFIED",
            ["pluginType"] = "GEMINI",
        };
        if (duetProject is not null)
        {
            metadata["duetProject"] = duetProject;
        }
        return metadata;
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Bearer(string access) =>
        new[] { new KeyValuePair<string, string>("Authorization", "Bearer " + access) };

    /// <summary>The error for a Code Assist call that was refused.</summary>
    protected MoltbotException DiscoveryRefused(string what, TokenAnswer answer) =>
        new(OAuthErrorIds.ProjectDiscoveryFailed, MoltbotErrorKind.AuthenticationError,
            $"{DisplayName}: {what} failed (HTTP {answer.Status}{(answer.Error is null ? string.Empty : " " + answer.Error)}{(answer.ErrorDescription is null ? string.Empty : ": " + answer.ErrorDescription)}), so the Code Assist project is unknown. Nothing was stored.", Id)
        {
            RecommendedAction = "Check that the account has Gemini Code Assist, or name a Google Cloud project with -ProjectId (or GOOGLE_CLOUD_PROJECT), then sign in again.",
        };

    /// <summary>What to do when a refresh is refused: Google revoked the grant (or suspended the account), so sign in again.</summary>
    public override string RefreshFailedAdvice(string agentId, string profileId) =>
        $"Sign in again with 'Connect-MoltbotProvider {Id} -Agent {agentId} -ProfileId {profileId}'. A 403 that names the Terms of Service means Google suspended the account for this use.";
}
