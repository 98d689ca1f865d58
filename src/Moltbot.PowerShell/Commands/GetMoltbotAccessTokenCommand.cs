using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.Refresh;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Gets a usable access token (or static token / API key) for a provider, refreshing an expired OAuth credential under OpenClaw's locks.</para>
/// <para type="description">
/// Picks the profile the way the runtime does (the session override of -Model 'model@profileId', then the agent's order,
/// then auth.order, then oauth before token before api_key), or takes -ProfileId. A usable OAuth access token (expiring more
/// than 60 s from now) is returned as it is, without a lock or a network call. An expired one is refreshed under the
/// cross-agent refresh lock and the agent's store lock; when another process refreshed it meanwhile, its result is used
/// without a network call, so a rotated refresh token is never presented twice. Agents holding a copy of the old
/// credential receive the new one. The token is a SecureString unless -AsPlainText is given. After a server answered
/// 401, pass the token it rejected as -RejectedToken: the credential is refreshed at once if the store still holds that
/// token, and the newer stored one is returned if another process has replaced it already. When an external CLI (Codex
/// CLI, ...) holds the refresh token about to be presented, a warning says before the request that the refresh signs it
/// out.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotAccessToken")]
[OutputType(typeof(MoltbotAccessToken))]
public sealed class GetMoltbotAccessTokenCommand : MoltbotCmdlet
{
    /// <summary>The provider. May be left out when -ProfileId or -Model names it.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Provider { get; set; }

    /// <summary>The agent whose store is used. Default: the configured default agent.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Use this profile instead of the one the runtime would pick.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? ProfileId { get; set; }

    /// <summary>A model reference, optionally with the session override <c>model@profileId</c>.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>Return the token as a plain string instead of a SecureString.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    /// <summary>
    /// For a github-copilot profile: exchange the stored GitHub token for a short-lived Copilot API token and return that
    /// (nothing is stored or cached on disk; each call asks GitHub again).
    /// </summary>
    [Parameter]
    [Alias("CopilotToken")]
    public SwitchParameter Exchange { get; set; }

    /// <summary>
    /// The access token a server has just rejected (HTTP 401), as a SecureString or a String. The credential is refreshed
    /// now if the store still holds this token, even though it has not expired; a stored token that differs (another
    /// process refreshed meanwhile) is returned instead. Never echoed or logged.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    [SecureStringTransformation]
    public SecureString? RejectedToken { get; set; }

    protected override void ProcessItem()
    {
        var agent = ResolveAgent(Agent);
        var profileId = ProfileId ?? PickProfile(agent);
        var refresher = new TokenRefresher(State);
        var rejected = RejectedToken is null ? null : Plain(RejectedToken);
        if (rejected is { Length: 0 })
        {
            throw new MoltbotException(ErrorIds.InvalidToken, MoltbotErrorKind.InvalidArgument, "-RejectedToken is empty.", profileId);
        }
        // The warning about an external CLI this refresh signs out is written before the request is sent.
        var result = refresher.GetAccessToken(agent, profileId, new AccessTokenRequest { RejectedAccessToken = rejected, Warning = w => WarnOnce(new[] { w }) }, Cancellation);
        if (Provider is not null && ProfileId is not null && !string.Equals(ProviderId.Normalize(Provider), result.Provider, StringComparison.Ordinal))
        {
            throw new MoltbotException(ErrorIds.ProviderMismatch, MoltbotErrorKind.InvalidArgument,
                $"Profile '{profileId}' belongs to provider '{result.Provider}', not '{ProviderId.Normalize(Provider)}'.", profileId);
        }
        WriteResultDiagnostics(this, result);
        if (Exchange.IsPresent)
        {
            WriteObject(ExchangeCopilot(agent, result));
            return;
        }
        WriteObject(ToOutput(result, AsPlainText.IsPresent));
    }

    /// <summary>The Copilot token for a github-copilot profile's GitHub token (GitHubCopilotProvider.ExchangeAsync); caches nothing.</summary>
    private MoltbotAccessToken ExchangeCopilot(AgentLocation agent, AccessTokenResult result)
    {
        var copilot = Moltbot.Core.OAuth.GitHubCopilotProvider.Instance;
        if (!string.Equals(result.Provider, copilot.Id, StringComparison.Ordinal))
        {
            throw new MoltbotException(ErrorIds.ProviderMismatch, MoltbotErrorKind.InvalidArgument,
                $"-Exchange turns a GitHub token into a Copilot token; profile '{result.ProfileId}' belongs to provider '{result.Provider}'.", result.ProfileId)
            {
                RecommendedAction = "Leave out -Exchange, or name a github-copilot profile.",
            };
        }
        var enterprise = agent.LoadStore()?.Get(result.ProfileId) is { } stored ? Moltbot.Core.OAuth.OAuthCredential.FromStored(stored).GetField("enterpriseUrl") : null;
        var endpoint = copilot.Endpoint("copilotToken");
        WriteVerbose($"Exchanging the GitHub token of '{result.ProfileId}' for a Copilot token at {(enterprise is null ? endpoint.GetLeftPart(UriPartial.Path) : "api." + enterprise)}; nothing is stored.");
        using var http = new System.Net.Http.HttpClient();
        var token = copilot.ExchangeAsync(new Moltbot.Core.OAuth.TokenEndpointClient(http), result.Token, enterprise, Moltbot.Core.State.MoltbotEnvironment.Process,
            copilot.TokenRequestTimeout, Cancellation).GetAwaiter().GetResult();
        WriteVerbose($"Copilot token valid until {token.ExpiresAt:O}; API base {token.ApiBaseUrl}.");
        return new MoltbotAccessToken
        {
            Agent = result.AgentId,
            ProfileId = result.ProfileId,
            Provider = result.Provider,
            Type = "copilot",
            Expires = token.ExpiresAt.LocalDateTime,
            AccountId = result.AccountId,
            Token = AsPlainText.IsPresent ? token.Token : ToSecure(token.Token),
            Refreshed = false,
        };
    }

    private string PickProfile(AgentLocation agent)
    {
        var (provider, _, candidates) = ResolveCandidates(agent, Provider, Model);
        var chosen = candidates.FirstOrDefault(c => c.Usable)
            ?? throw new MoltbotException(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound,
                $"Agent '{agent.Id}' has no usable {provider} profile" + (candidates.Count == 0 ? "." : $" ({string.Join("; ", candidates.Select(c => $"{c.ProfileId}: {c.Reason}"))})."),
                provider)
            {
                RecommendedAction = "See Resolve-MoltbotAuthProfile for the runtime's view; sign in with Connect-MoltbotProvider or store a key with Set-MoltbotApiKey.",
            };
        WriteVerbose($"Using profile '{chosen.ProfileId}' of agent '{agent.Id}' ({chosen.Reason}).");
        return chosen.ProfileId;
    }

    internal static void WriteResultDiagnostics(MoltbotCmdlet cmdlet, AccessTokenResult result)
    {
        if (result.RefreshLockAcquiredUtc is { } acquired)
        {
            // Timestamps with sub-millisecond precision so that benchmarks can measure lock hand-offs between processes.
            cmdlet.WriteVerbose(string.Format(CultureInfo.InvariantCulture,
                "Refresh lock: waited {0:0.0} ms, acquired {1:O}, released {2:O}; store lock waited {3:0.0} ms, released {4:O}; result: {5}.",
                result.RefreshLockWaited?.TotalMilliseconds ?? 0, acquired, result.RefreshLockReleasedUtc, result.StoreLockWaited?.TotalMilliseconds ?? 0,
                result.StoreLockReleasedUtc, result.Source));
        }
        else if (result.Source == AccessTokenSource.Peer)
        {
            cmdlet.WriteVerbose(result.SharedInProcess
                ? $"The credential of '{result.ProfileId}' was refreshed by another caller in this process, which this call was queued behind (no lock, no network call)."
                : $"The credential of '{result.ProfileId}' had been refreshed by a peer (no refresh lock taken, no network call).");
        }
        else
        {
            cmdlet.WriteVerbose($"The stored credential of '{result.ProfileId}' is usable as it is (no lock, no network call).");
        }
        if (result.PropagatedTo.Count > 0)
        {
            cmdlet.WriteVerbose($"The new credential was also written to the copies held by agent(s) {string.Join(", ", result.PropagatedTo.Select(a => "'" + a + "'"))}.");
        }
        if (result.AdoptedFrom is { } from)
        {
            cmdlet.WriteVerbose($"Adopted the fresher credential of {from} (it had refreshed this mirror's chain); nothing was sent to the provider.");
        }
        // Each once: a warning the refresher told before its request (WarnOnce) is not written again.
        cmdlet.WarnOnce(result.Warnings);
    }

    internal static MoltbotAccessToken ToOutput(AccessTokenResult result, bool plain) => new()
    {
        Agent = result.AgentId,
        ProfileId = result.ProfileId,
        Provider = result.Provider,
        Type = result.Type.ToWireName(),
        Expires = result.Expires?.LocalDateTime ?? DateTime.MaxValue,
        AccountId = result.AccountId,
        Token = plain ? result.Token : ToSecure(result.Token),
        Refreshed = result.Refreshed,
    };

    private static SecureString ToSecure(string value)
    {
        var secure = new SecureString();
        foreach (var ch in value)
        {
            secure.AppendChar(ch);
        }
        secure.MakeReadOnly();
        return secure;
    }
}
