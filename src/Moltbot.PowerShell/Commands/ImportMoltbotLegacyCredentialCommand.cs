using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Imports legacy credential files (credentials/oauth.json, agent auth.json) into an agent's store.</para>
/// </summary>
[Cmdlet(VerbsData.Import, "MoltbotLegacyCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MoltbotLegacyImport))]
public sealed class ImportMoltbotLegacyCredentialCommand : MoltbotWriteCmdlet
{
    /// <summary>The agent to import into. Default: the configured default agent.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    internal override bool ReportsFirstUseImport => false;

    protected override void ProcessItem()
    {
        var agent = ResolveAgent(Agent);
        var preview = LegacyService.Import(agent, dryRun: true);
        var wouldImport = preview.ImportedCount;
        LegacyImportResult result;
        if (wouldImport > 0 && ShouldProcess($"agent '{agent.Id}' ({agent.Store.Location})", $"Import {wouldImport} legacy credential(s) ({string.Join(", ", preview.Items.Where(i => i.Imported).Select(i => i.ProfileId))})"))
        {
            result = LegacyService.Import(agent, dryRun: false, cancellationToken: Cancellation);
        }
        else
        {
            result = preview;
            if (wouldImport > 0)
            {
                return; // -WhatIf or declined: ShouldProcess already said what would happen
            }
        }
        if (result.Items.Count == 0)
        {
            WriteVerbose($"No legacy credential files for agent '{agent.Id}' ({agent.Legacy?.OAuthJsonPath}, {agent.Legacy?.AuthJsonPath}).");
        }
        foreach (var item in result.Items)
        {
            WriteObject(new MoltbotLegacyImport
            {
                Agent = agent.Id,
                Source = item.Source,
                Provider = item.Provider,
                ProfileId = item.ProfileId,
                Imported = item.Imported,
                Reason = item.Reason,
            });
        }
    }
}
