using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Refresh;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Refreshes OAuth credentials now, under OpenClaw's locks, whether or not they have expired.</para>
/// <para type="description">
/// Takes profiles from the pipeline (Get-MoltbotAuthProfile | Where Expires -lt (Get-Date) | Update-MoltbotAuthProfile).
/// Each refresh takes the cross-agent refresh lock and the agent's store lock, re-reads the store, presents the current
/// refresh token, merges the answer over the stored credential and writes it to every agent holding a copy of the old
/// one. A failure is reported per profile (the stored profile is kept unchanged) and the pipeline goes on. Static token
/// and api_key profiles, and oauth profiles of providers Moltbot does not refresh (Get-MoltbotProvider -Refreshable lists
/// those it does), cannot be refreshed: from the pipeline they are skipped with a line on the verbose stream; named with
/// -ProfileId they are an error. A profile whose refresh token an external CLI (Codex CLI, ...) also holds is not
/// refreshed while its token is valid (MoltbotSharedRefreshToken, nothing is sent): the provider rotates the token, so
/// the refresh would sign the CLI out, and the CLI's next refresh would revoke the chain. -Force refreshes it anyway,
/// with a warning before the request; Import-MoltbotExternalCredential -TakeOwnership hands the chain over instead.
/// </para>
/// </summary>
[Cmdlet(VerbsData.Update, "MoltbotAuthProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class UpdateMoltbotAuthProfileCommand : MoltbotWriteCmdlet
{
    /// <summary>The profile to refresh.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string ProfileId { get; set; } = null!;

    /// <summary>The agent whose store holds it. Default: the configured default agent.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Emit the refreshed profile.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// Refresh even when an external CLI holds the same refresh token: the CLI is signed out (it must sign in again), and
    /// a warning says so before the request is sent.
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessItem()
    {
        try
        {
            var agent = ResolveAgent(Agent);
            var profile = agent.LoadStore()?.Get(ProfileId);
            if (profile is null)
            {
                throw new MoltbotException(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound,
                    $"Agent '{agent.Id}' has no profile '{ProfileId}'.", ProfileId)
                {
                    RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
                };
            }
            if (!TokenRefresher.CanRefresh(profile))
            {
                // From the pipeline (Get-MoltbotAuthProfile | Update-MoltbotAuthProfile) a profile that cannot be refreshed
                // is passed over with a line on the verbose stream; named on the command line it is an error.
                if (MyInvocation.ExpectingInput)
                {
                    WriteVerbose($"Skipping profile '{ProfileId}' of agent '{agent.Id}': {TokenRefresher.WhyNotRefreshable(profile)}");
                    return;
                }
                if (profile.Type != CredentialType.OAuth)
                {
                    throw TokenRefresher.NotRefreshable(agent, profile);
                }
                // An oauth profile of a provider Moltbot does not refresh: the refresher says so (MoltbotRefreshNotSupported).
            }
            if (!ShouldProcess($"profile '{ProfileId}' of agent '{agent.Id}' ({agent.Store.Location})", "Refresh the OAuth credential at the provider's token endpoint"))
            {
                return;
            }
            var request = new AccessTokenRequest
            {
                Force = true,
                // Without -Force the refresher decides: an expired credential may sign the CLI out, a valid one may not.
                AllowSignOutOfExternal = Force.IsPresent ? true : null,
                Warning = w => WarnOnce(new[] { w }),
            };
            var result = new TokenRefresher(State).GetAccessToken(agent, ProfileId, request, Cancellation);
            GetMoltbotAccessTokenCommand.WriteResultDiagnostics(this, result);
            if (PassThru)
            {
                WriteObject(ReadProfile(agent, ProfileId));
            }
        }
        catch (MoltbotException ex)
        {
            // One profile that cannot be refreshed must not stop the others in the pipeline.
            WriteMoltbotError(ex, ProfileId);
        }
    }
}
