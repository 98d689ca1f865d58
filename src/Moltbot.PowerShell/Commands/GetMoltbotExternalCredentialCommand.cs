using System;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core.External;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Lists the credentials that external CLIs (Codex CLI, Claude Code, Qwen Code, MiniMax, Gemini CLI) hold on this machine.</para>
/// <para type="description">
/// Reads each CLI's credential file (or, on macOS, its Keychain entry) without changing it and shows who it signs in
/// as, when its access token expires, whether it holds a refresh token, and which agents' profiles hold the same
/// refresh token (SharedWith): such a chain has two owners. No token is shown.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotExternalCredential")]
[OutputType(typeof(MoltbotExternalCredential))]
public sealed class GetMoltbotExternalCredentialCommand : MoltbotCmdlet
{
    /// <summary>CLI ids or aliases (codex, claude-code, qwen, minimax, gemini); wildcards are allowed. Default: every CLI that holds something.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ExternalCliCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Cli { get; set; }

    protected override void ProcessItem()
    {
        var selected = ExternalCliSelection.Select(Cli, ex => WriteMoltbotError(ex));
        if (selected.Count == 0)
        {
            return;
        }
        var holders = CredentialHolders.Collect(State, new ExternalCredentialReader());
        WarnOnce(holders.Warnings);
        var era = ExternalCliSelection.DefaultEra(State);
        var now = DateTimeOffset.UtcNow;
        foreach (var reading in holders.External)
        {
            if (!selected.Contains(reading.Cli))
            {
                continue;
            }
            if (reading.Error is { } error)
            {
                WriteMoltbotError(error, reading.Location);
            }
            else if (reading.Credential is { } credential)
            {
                WriteObject(ExternalCliSelection.ToOutput(credential, era, holders.SharedWith(credential), now));
            }
            else if (ExternalCliSelection.NamedLiterally(Cli, reading.Cli))
            {
                WriteMoltbotError(ExternalCliSelection.NotFound(reading), reading.Location);
            }
            else
            {
                WriteVerbose($"{reading.Cli.DisplayName}: no credential at {reading.Location}.");
            }
        }
    }
}
