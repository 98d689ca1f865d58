using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Profiles;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Removes a credential profile from an agent's store.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MoltbotAuthProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class RemoveMoltbotAuthProfileCommand : MoltbotWriteCmdlet
{
    internal override string GatewayOperation => "logout";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string ProfileId { get; set; } = null!;

    /// <summary>The agent whose store holds the profile. Default: the configured default agent.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Remove without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit the profile as it was before removal.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        var agent = ResolveAgent(Agent);
        var profileId = ProfileId.Trim();
        var before = ReadProfile(agent, profileId);
        if (before is null)
        {
            WriteMoltbotError(new MoltbotException(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound,
                $"Agent '{agent.Id}' has no profile '{profileId}'.", profileId)
            {
                RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
            }, profileId);
            return;
        }
        if (!ShouldProcessUnlessForced(Force, $"agent '{agent.Id}' ({agent.Store.Location})", $"Remove the {before.Type} profile '{profileId}'"))
        {
            return;
        }
        if (new CredentialService(State).RemoveProfile(agent, profileId, Cancellation))
        {
            WriteVerbose($"Removed '{profileId}' from {agent.Store.Location}.");
            if (PassThru)
            {
                WriteObject(before);
            }
        }
    }
}
