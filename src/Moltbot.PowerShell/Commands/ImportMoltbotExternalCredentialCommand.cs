using System;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.External;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Imports what an external CLI (Codex CLI, Claude Code, ...) holds into an agent's store, as OpenClaw mirrors it, or hands its refresh chain over to the store (-TakeOwnership).</para>
/// <para type="description">
/// The mirror rules: another account (account id, then email) is refused; an API key is not mirrored; the same
/// credential writes nothing; the CLI's copy replaces the agent's only when it is strictly fresher. With
/// -TakeOwnership the CLI's refresh token is then taken away (its file keeps every other field and its access token):
/// exactly one place holds the live refresh token, and the CLI must sign in again.
/// </para>
/// </summary>
[Cmdlet(VerbsData.Import, "MoltbotExternalCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MoltbotExternalImport))]
public sealed class ImportMoltbotExternalCredentialCommand : MoltbotWriteCmdlet
{
    /// <summary>CLI ids or aliases; wildcards are allowed. Default: every CLI that holds something. Bound from the pipeline (Get-MoltbotExternalCredential).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ExternalCliCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Cli { get; set; }

    /// <summary>The agent to import into. Default: the configured default agent.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>Store under this profile id (a bare name becomes &lt;provider&gt;:&lt;name&gt;) instead of OpenClaw's mirror id: a second account beside the first.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProfileId { get; set; }

    /// <summary>After the import, take the refresh token away from the CLI: the agents' stores own the chain, and the CLI must sign in again.</summary>
    [Parameter]
    public SwitchParameter TakeOwnership { get; set; }

    /// <summary>Replace the agent's copy even when it is not older. Never replaces another account's credential.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    internal override string GatewayOperation => "login";

    protected override void ProcessItem()
    {
        var selected = ExternalCliSelection.Select(Cli, ex => WriteMoltbotError(ex));
        if (ProfileId is not null && (Cli is null || selected.Count > 1))
        {
            throw new MoltbotException(ErrorIds.InvalidProfileId, MoltbotErrorKind.InvalidArgument,
                "-ProfileId names one profile: name one CLI with -Cli.", ProfileId);
        }
        if (selected.Count == 0)
        {
            return;
        }
        var agent = ResolveAgent(Agent);
        var reader = new ExternalCredentialReader();
        var importer = new ExternalImporter(State);
        var options = new ExternalImportOptions(ProfileId, TakeOwnership.IsPresent, Force.IsPresent);
        var whatIf = WhatIfRequested;
        foreach (var cli in selected)
        {
            var reading = reader.Read(cli);
            if (reading.Error is { } readError)
            {
                WriteMoltbotError(readError, reading.Location);
                continue;
            }
            if (reading.Credential is not { } credential)
            {
                if (ExternalCliSelection.NamedLiterally(Cli, cli))
                {
                    WriteMoltbotError(ExternalCliSelection.NotFound(reading), reading.Location);
                }
                else
                {
                    WriteVerbose($"{cli.DisplayName}: no credential at {reading.Location}.");
                }
                continue;
            }
            ExternalImportPlan plan;
            try
            {
                plan = importer.Plan(agent, credential, options);
            }
            catch (MoltbotException ex)
            {
                WriteMoltbotError(ex, credential.Location);
                continue;
            }
            var target = $"agent '{agent.Id}' ({agent.Store.Location})";
            var changes = plan.WritesStore || plan.TakesOwnership;
            if (whatIf)
            {
                // One line per entry, the no-ops and refusals included; nothing is read further, nothing written.
                ShouldProcess(target, plan.Describe());
                continue;
            }
            if (changes && !ShouldProcess(target, plan.Describe()))
            {
                continue;
            }
            if (!changes)
            {
                WriteVerbose(plan.Describe());
            }
            try
            {
                plan = importer.Apply(plan, Cancellation);
            }
            catch (MoltbotException ex)
            {
                WriteMoltbotError(ex, credential.Location);
                WriteObject(ToOutput(plan, MoltbotExternalImportAction.Refused, ex.Message));
                continue;
            }
            if (plan.Warning is { } warning)
            {
                WriteWarning(warning);
            }
            WriteObject(ToOutput(plan, (MoltbotExternalImportAction)(int)plan.Action, plan.Reason));
        }
    }

    private static MoltbotExternalImport ToOutput(ExternalImportPlan plan, MoltbotExternalImportAction action, string reason) => new()
    {
        Cli = plan.Cli.Id,
        Agent = plan.Agent.Id,
        ProfileId = plan.ProfileId,
        Provider = plan.Provider,
        Action = action,
        Reason = reason,
        SignInCommand = action == MoltbotExternalImportAction.TookOwnership ? plan.SignInCommand : null,
        Path = plan.Credential.Location,
    };
}
