using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Google Antigravity, as OpenClaw 2026.1.30's <c>google-antigravity-auth</c> plugin signs in (oauth-providers.md §6):
/// Antigravity's public client and secret, the Gemini scopes plus <c>cclog</c> and <c>experimentsandconfigs</c>, a hex
/// verifier with a separate random state, the loopback redirect <c>http://localhost:51121/oauth-callback</c> (or the
/// redirect pasted back). After the tokens: the email from userinfo (optional), then the project from loadCodeAssist on
/// the production endpoint, then on the sandbox endpoint (the first that names one wins), else <c>rising-fact-p41fc</c>;
/// no onboarding. Refresh as Gemini CLI (non-rotating, <c>projectId</c> kept).
/// </summary>
public sealed class GoogleAntigravityProvider : GoogleOAuthProvider
{
    public const string ProviderId = "google-antigravity";
    public const string DefaultClientId = "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com";
    public const string DefaultClientSecret = "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";
    public const string SandboxHost = "https://daily-cloudcode-pa.sandbox.googleapis.com";
    public const string FallbackProject = "rising-fact-p41fc";
    public const string RedirectVariable = "MOLTBOT_GOOGLE_ANTIGRAVITY_REDIRECT_URI";

    public static GoogleAntigravityProvider Instance { get; } = new();

    public override string Id => ProviderId;

    public override IReadOnlyList<string> Aliases { get; } = new[] { "antigravity" };

    public override string DisplayName => "Google Antigravity";

    public override string ClientId => DefaultClientId;

    public override string PublicClientSecret => DefaultClientSecret;

    public override string Scope => base.Scope + " https://www.googleapis.com/auth/cclog https://www.googleapis.com/auth/experimentsandconfigs";

    public override Uri DefaultRedirectUri { get; } = new("http://localhost:51121/oauth-callback");

    public override string RedirectUriVariable => RedirectVariable;

    protected override IEnumerable<OAuthEndpoint> CodeAssistEndpoints()
    {
        yield return new OAuthEndpoint("loadCodeAssist", CodeAssistHost, "/v1internal:loadCodeAssist", VariablePrefix + "CODE_ASSIST_BASE", "Code Assist (production): the account's project");
        yield return new OAuthEndpoint("loadCodeAssistSandbox", SandboxHost, "/v1internal:loadCodeAssist", VariablePrefix + "CODE_ASSIST_SANDBOX_BASE", "Code Assist (sandbox), asked when production names no project");
    }

    protected override IReadOnlyList<KeyValuePair<string, string>> CodeAssistHeaders { get; } = new[]
    {
        new KeyValuePair<string, string>("User-Agent", "google-api-nodejs-client/9.15.1"),
        new KeyValuePair<string, string>("X-Goog-Api-Client", "google-cloud-sdk vscode_cloudshelleditor/0.1"),
        new KeyValuePair<string, string>("Client-Metadata", "{\"ideType\":\"IDE_UNSPECIFIED\",\"platform\":\"PLATFORM_UNSPECIFIED\",\"pluginType\":\"GEMINI\"}"),
    };

    public override async Task<OAuthCredential> CompleteLoginAsync(LoginContext context, OAuthCredential credential, LoginClient client, CancellationToken cancellationToken)
    {
        var email = await FetchEmailAsync(context, credential.Access, cancellationToken).ConfigureAwait(false);
        var project = await DiscoverProjectAsync(context, credential.Access, cancellationToken).ConfigureAwait(false);
        return credential.With(ProjectIdField, JsonValue.Create(project), email);
    }

    /// <summary>loadCodeAssist on production, then sandbox; the first project named wins; a failed call moves on; else the fallback project.</summary>
    public async Task<string> DiscoverProjectAsync(LoginContext context, string access, CancellationToken cancellationToken)
    {
        foreach (var endpoint in Endpoints.Where(e => e.Name is "loadCodeAssist" or "loadCodeAssistSandbox"))
        {
            var url = endpoint.Resolve(context.Environment);
            var answer = await CodeAssistAsync(context, HttpMethod.Post, url, new JsonObject { ["metadata"] = Metadata() }, access, "loadCodeAssist", endpoint.Variable, cancellationToken).ConfigureAwait(false);
            if (answer.Status is >= 200 and < 300 && ProjectOf(answer.Json) is { } project)
            {
                context.Ui.Verbose($"Code Assist ({endpoint.Name}) names the project {project}.");
                return project;
            }
            context.Ui.Verbose($"Code Assist ({endpoint.Name}) answered HTTP {answer.Status} without a project.");
        }
        context.Ui.Verbose($"No Code Assist endpoint named a project; using {FallbackProject}, as OpenClaw does.");
        return FallbackProject;
    }
}
