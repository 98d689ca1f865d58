using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Moltbot.Core.OAuth;

namespace Moltbot.Completers;

/// <summary>Completes the providers Connect-MoltbotProvider can sign in to: their ids, and their aliases with a tooltip naming the id.</summary>
public sealed class OAuthProviderCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        RegistryCompletion.Results(ProviderCatalog.Select().Where(p => p.Flows.Count > 0), wordToComplete);
}

/// <summary>Completes every provider of the registry (Get-MoltbotProvider -Name), refresh-only ones included, with their aliases.</summary>
public sealed class ProviderDefinitionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        RegistryCompletion.Results(ProviderCatalog.Select(), wordToComplete);
}

internal static class RegistryCompletion
{
    /// <summary>Ids and aliases of <paramref name="providers"/>; the tooltip says what a name stands for and which logins it offers.</summary>
    public static IEnumerable<CompletionResult> Results(IEnumerable<OAuthProvider> providers, string wordToComplete)
    {
        var byName = new Dictionary<string, OAuthProvider>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            foreach (var name in ProviderCatalog.Names(provider))
            {
                byName.TryAdd(name, provider);
            }
        }
        return Completion.Results(byName.Keys, wordToComplete, name =>
        {
            var provider = byName[name];
            var what = $"{provider.DisplayName} ({(provider.Flows.Count == 0 ? "refresh only" : string.Join(", ", provider.Flows))})";
            return string.Equals(name, provider.Id, StringComparison.OrdinalIgnoreCase) ? what : $"alias of {provider.Id}: {what}";
        });
    }
}

/// <summary>Completes the external CLIs (Get-/Import-MoltbotExternalCredential -Cli): ids and aliases, the tooltip naming the CLI and its file.</summary>
public sealed class ExternalCliCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var byName = new Dictionary<string, Moltbot.Core.External.ExternalCli>(StringComparer.OrdinalIgnoreCase);
        foreach (var cli in Moltbot.Core.External.ExternalCliRegistry.All)
        {
            byName.TryAdd(cli.Id, cli);
            foreach (var alias in cli.Aliases)
            {
                byName.TryAdd(alias, cli);
            }
        }
        return Completion.Results(byName.Keys, wordToComplete, name =>
        {
            var cli = byName[name];
            string where;
            try
            {
                where = cli.CredentialPath(Moltbot.Core.State.MoltbotEnvironment.Process);
            }
            catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException or ArgumentException)
            {
                where = "?";
            }
            var what = $"{cli.DisplayName} ({where})";
            return string.Equals(name, cli.Id, StringComparison.OrdinalIgnoreCase) ? what : $"alias of {cli.Id}: {what}";
        });
    }
}
