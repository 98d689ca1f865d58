using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Google Gemini CLI (Cloud Code Assist), as OpenClaw 2026.1.30's <c>google-gemini-cli-auth</c> plugin signs in
/// (oauth-providers.md §5): the Gemini CLI's public client (overridable by <c>MOLTBOT_GOOGLE_GEMINI_CLI_CLIENT_ID</c>/<c>_SECRET</c>,
/// or OpenClaw's <c>OPENCLAW_GEMINI_OAUTH_CLIENT_ID</c> / <c>GEMINI_CLI_OAUTH_CLIENT_ID</c> with their <c>_SECRET</c>), a hex verifier
/// that is also the state, the loopback redirect <c>http://localhost:8085/oauth2callback</c> (or the redirect pasted back),
/// then the email from userinfo and the Code Assist project (§5.3). The project is stored as <c>projectId</c>.
/// <para>
/// Refresh: form <c>{grant_type, refresh_token, client_id, client_secret}</c>; Google returns no new refresh token, so the
/// old one and <c>projectId</c> stay. pi-ai 0.50.7 refuses to refresh a profile without <c>projectId</c>; the module
/// refreshes it anyway (the token grant does not need it), and the project can be added by signing in again.
/// </para>
/// </summary>
public sealed class GoogleGeminiCliProvider : GoogleOAuthProvider
{
    public const string ProviderId = "google-gemini-cli";
    public const string DefaultClientId = "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com";
    public const string DefaultClientSecret = "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";
    public const string RedirectVariable = "MOLTBOT_GOOGLE_GEMINI_CLI_REDIRECT_URI";

    /// <summary>The environment variables a configured project is read from, in order (as OpenClaw).</summary>
    public static readonly IReadOnlyList<string> ProjectVariables = new[] { "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT_ID" };

    /// <summary>OpenClaw polls the onboarding operation every 5 s, at most 24 times.</summary>
    public static readonly TimeSpan OperationPollInterval = TimeSpan.FromSeconds(5);

    public const int MaxOperationPolls = 24;

    public static GoogleGeminiCliProvider Instance { get; } = new();

    public override string Id => ProviderId;

    public override IReadOnlyList<string> Aliases { get; } = new[] { "gemini-cli" };

    public override string DisplayName => "Google Gemini CLI (Code Assist)";

    public override string ClientId => DefaultClientId;

    public override string PublicClientSecret => DefaultClientSecret;

    public override IReadOnlyList<ClientVariables> ClientVariables { get; } = new[]
    {
        new ClientVariables("MOLTBOT_GOOGLE_GEMINI_CLI_CLIENT_ID", "MOLTBOT_GOOGLE_GEMINI_CLI_CLIENT_SECRET"),
        new ClientVariables("OPENCLAW_GEMINI_OAUTH_CLIENT_ID", "OPENCLAW_GEMINI_OAUTH_CLIENT_SECRET"),
        new ClientVariables("GEMINI_CLI_OAUTH_CLIENT_ID", "GEMINI_CLI_OAUTH_CLIENT_SECRET"),
    };

    public override OAuthStateStyle StateStyle => OAuthStateStyle.Verifier;

    public override Uri DefaultRedirectUri { get; } = new("http://localhost:8085/oauth2callback");

    public override string RedirectUriVariable => RedirectVariable;

    protected override IEnumerable<OAuthEndpoint> CodeAssistEndpoints()
    {
        var variable = VariablePrefix + "CODE_ASSIST_BASE";
        yield return new OAuthEndpoint("loadCodeAssist", CodeAssistHost, "/v1internal:loadCodeAssist", variable, "Code Assist: the account's tier and project");
        yield return new OAuthEndpoint("onboardUser", CodeAssistHost, "/v1internal:onboardUser", variable, "Code Assist: onboarding to a tier (a long-running operation)");
        yield return new OAuthEndpoint("operations", CodeAssistHost, "/v1internal", variable, "Code Assist: the onboarding operation, polled every 5 s");
    }

    protected override IReadOnlyList<KeyValuePair<string, string>> CodeAssistHeaders { get; } = new[]
    {
        new KeyValuePair<string, string>("User-Agent", "google-api-nodejs-client/9.15.1"),
        new KeyValuePair<string, string>("X-Goog-Api-Client", "gl-node/openclaw"),
    };

    protected override IReadOnlyList<LoginParameter> BuildLoginParameters() =>
        new[] { new LoginParameter("ProjectId", "The Google Cloud project for Code Assist (a paid tier needs one); else GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_PROJECT_ID.", "GOOGLE_CLOUD_PROJECT") }
            .Concat(base.BuildLoginParameters()).ToArray();

    /// <summary>The project the user named: <c>-ProjectId</c>, else <c>GOOGLE_CLOUD_PROJECT</c>, else <c>GOOGLE_CLOUD_PROJECT_ID</c>; or null.</summary>
    public static string? ConfiguredProject(LoginSettings settings, MoltbotEnvironment environment) =>
        settings.Parameter("ProjectId") ?? ProjectVariables.Select(environment.Get).FirstOrDefault(v => v is not null);

    /// <summary>The email (optional), then the Code Assist project (required); both stored with the tokens.</summary>
    public override async Task<OAuthCredential> CompleteLoginAsync(LoginContext context, OAuthCredential credential, LoginClient client, CancellationToken cancellationToken)
    {
        var email = await FetchEmailAsync(context, credential.Access, cancellationToken).ConfigureAwait(false);
        var project = await DiscoverProjectAsync(context, credential.Access, cancellationToken).ConfigureAwait(false);
        return credential.With(ProjectIdField, JsonValue.Create(project), email);
    }

    /// <summary>
    /// Code Assist project discovery as OpenClaw 2026.1.30 does it (oauth-providers.md §5.3): loadCodeAssist (a VPC-SC
    /// <c>SECURITY_POLICY_VIOLATED</c> refusal counts as the standard tier); with a current tier, its project (else the
    /// configured one); otherwise onboardUser to the default allowed tier (else <c>legacy-tier</c>; a paid tier needs a
    /// configured project) and its operation polled every 5 s, at most 24 times, then the project it names (else the
    /// configured one). Returns the project; throws when there is none.
    /// </summary>
    public async Task<string> DiscoverProjectAsync(LoginContext context, string access, CancellationToken cancellationToken)
    {
        var configured = ConfiguredProject(context.Settings, context.Environment);
        var variable = Endpoints.First(e => e.Name == "loadCodeAssist").Variable;
        var loadBody = new JsonObject { ["metadata"] = Metadata(configured) };
        if (configured is not null)
        {
            loadBody["cloudaicompanionProject"] = configured;
        }
        context.Ui.Verbose($"Asking Code Assist for the account's tier and project (loadCodeAssist{(configured is null ? string.Empty : $", configured project {configured}")}).");
        var load = await CodeAssistAsync(context, HttpMethod.Post, Endpoint("loadCodeAssist", context.Environment), loadBody, access, "loadCodeAssist", variable, cancellationToken).ConfigureAwait(false);

        string? currentTier;
        JsonElement? data;
        if (load.Status is >= 200 and < 300)
        {
            data = load.Json;
            currentTier = data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("currentTier", out var tier) && tier.ValueKind == JsonValueKind.Object
                ? TokenAnswer.ReadString(tier, "id") ?? "unknown"
                : null;
        }
        else if (IsSecurityPolicyViolation(load.Json))
        {
            context.Ui.Verbose("loadCodeAssist was refused by a VPC Service Controls policy (SECURITY_POLICY_VIOLATED): taking the standard tier, as OpenClaw does.");
            data = null;
            currentTier = "standard-tier";
        }
        else
        {
            throw DiscoveryRefused("loadCodeAssist", load);
        }

        if (currentTier is not null)
        {
            var project = ProjectOf(data) ?? configured ?? throw ProjectRequired(currentTier);
            context.Ui.Verbose($"Code Assist tier {currentTier}; project {project}.");
            return project;
        }

        var tierId = DefaultAllowedTier(data) ?? "legacy-tier";
        var free = string.Equals(tierId, "free-tier", StringComparison.Ordinal);
        if (!free && configured is null)
        {
            throw ProjectRequired(tierId);
        }
        var onboardBody = new JsonObject { ["tierId"] = tierId, ["metadata"] = Metadata(free ? null : configured) };
        if (!free)
        {
            onboardBody["cloudaicompanionProject"] = configured;
        }
        context.Ui.Verbose($"Onboarding the account to the Code Assist tier {tierId} (onboardUser).");
        var operation = await CodeAssistAsync(context, HttpMethod.Post, Endpoint("onboardUser", context.Environment), onboardBody, access, "onboardUser", variable, cancellationToken).ConfigureAwait(false);
        if (operation.Status is < 200 or >= 300)
        {
            throw DiscoveryRefused("onboardUser", operation);
        }
        var polls = 0;
        while (!IsDone(operation.Json) && operation.GetString("name") is { } name)
        {
            if (polls >= MaxOperationPolls)
            {
                throw new MoltbotException(OAuthErrorIds.ProjectDiscoveryFailed, MoltbotErrorKind.OperationTimeout,
                    $"{DisplayName}: the onboarding operation was not done after {MaxOperationPolls} polls, {MaxOperationPolls * OperationPollInterval.TotalSeconds:0} s. Nothing was stored.", Id)
                {
                    RecommendedAction = "Sign in again in a few minutes (the onboarding may finish meanwhile), or name the project with -ProjectId.",
                };
            }
            if (!OperationName.IsMatch(name))
            {
                throw DiscoveryRefused($"onboardUser (an operation name that is not a path: '{TextSanitizer.Clean(name, 80)}')", operation);
            }
            await Task.Delay(OperationPollInterval, context.Clock, cancellationToken).ConfigureAwait(false);
            polls++;
            var url = new Uri(Endpoint("operations", context.Environment).AbsoluteUri + "/" + name);
            operation = await CodeAssistAsync(context, HttpMethod.Get, url, null, access, "the onboarding operation", variable, cancellationToken).ConfigureAwait(false);
            if (operation.Status is < 200 or >= 300)
            {
                throw DiscoveryRefused("the onboarding operation", operation);
            }
        }
        var response = operation.Json is { ValueKind: JsonValueKind.Object } op && op.TryGetProperty("response", out var r) ? r : (JsonElement?)null;
        var onboarded = ProjectOf(response) ?? configured ?? throw ProjectRequired(tierId);
        context.Ui.Verbose($"Onboarded to {tierId} after {polls} operation poll{(polls == 1 ? string.Empty : "s")}; project {onboarded}.");
        return onboarded;
    }

    private static readonly Regex OperationName = new("^[A-Za-z0-9][A-Za-z0-9/_.-]{0,200}$", RegexOptions.CultureInvariant);

    private static bool IsDone(JsonElement? json) =>
        json is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True;

    /// <summary>The id of the <c>allowedTiers[]</c> entry marked <c>isDefault</c>, or null.</summary>
    private static string? DefaultAllowedTier(JsonElement? data)
    {
        if (data is not { ValueKind: JsonValueKind.Object } obj || !obj.TryGetProperty("allowedTiers", out var tiers) || tiers.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        foreach (var tier in tiers.EnumerateArray())
        {
            if (tier.ValueKind == JsonValueKind.Object && tier.TryGetProperty("isDefault", out var isDefault) && isDefault.ValueKind == JsonValueKind.True)
            {
                return TokenAnswer.ReadString(tier, "id");
            }
        }
        return null;
    }

    /// <summary>Whether an error body names <c>SECURITY_POLICY_VIOLATED</c> among <c>error.details[].reason</c> (VPC Service Controls).</summary>
    internal static bool IsSecurityPolicyViolation(JsonElement? json)
    {
        if (json is not { ValueKind: JsonValueKind.Object } obj || !obj.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object
            || !error.TryGetProperty("details", out var details) || details.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        return details.EnumerateArray().Any(d => d.ValueKind == JsonValueKind.Object && TokenAnswer.ReadString(d, "reason") == "SECURITY_POLICY_VIOLATED");
    }

    private MoltbotException ProjectRequired(string tier) =>
        new(OAuthErrorIds.ProjectIdRequired, MoltbotErrorKind.InvalidArgument,
            $"{DisplayName}: Code Assist names no project for this account (tier {tier}). Nothing was stored.", Id)
        {
            RecommendedAction = "Sign in again with -ProjectId <Google Cloud project id> (or set GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_PROJECT_ID).",
        };
}
