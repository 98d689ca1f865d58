using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>What -Cli selects, and the output objects of what the CLIs hold: shared by the two external-credential cmdlets.</summary>
internal static class ExternalCliSelection
{
    /// <summary>
    /// The CLIs that <paramref name="names"/> (ids or aliases, wildcards allowed) name, in registry order; all of them
    /// when null. A literal name that names no CLI is reported through <paramref name="notFound"/>.
    /// </summary>
    public static List<ExternalCli> Select(IReadOnlyList<string>? names, Action<MoltbotException> notFound)
    {
        if (names is null)
        {
            return ExternalCliRegistry.All.ToList();
        }
        var patterns = MoltbotCmdlet.WildcardPatterns("Cli", names)!;
        var selected = ExternalCliRegistry.All
            .Where(cli => patterns.Any(p => p.IsMatch(cli.Id) || cli.Aliases.Any(a => p.IsMatch(a))))
            .ToList();
        foreach (var literal in names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
        {
            if (ExternalCliRegistry.Find(literal) is null)
            {
                notFound(new MoltbotException(ExternalErrorIds.CliNotFound, MoltbotErrorKind.ObjectNotFound,
                    $"There is no external CLI named '{literal}'. Known: {string.Join(", ", ExternalCliRegistry.All.Select(c => c.Id))}.", literal)
                {
                    RecommendedAction = "List what the CLIs hold with Get-MoltbotExternalCredential (Tab completes -Cli).",
                });
            }
        }
        return selected;
    }

    /// <summary>Whether <paramref name="names"/> names <paramref name="cli"/> without a wildcard (a missing credential is then an error).</summary>
    public static bool NamedLiterally(IReadOnlyList<string>? names, ExternalCli cli) =>
        names is not null && names.Any(n => !WildcardPattern.ContainsWildcardCharacters(n) && cli.IsNamed(n.Trim()));

    public static MoltbotException NotFound(ExternalReading reading) =>
        new(ExternalErrorIds.CredentialNotFound, MoltbotErrorKind.ObjectNotFound,
            $"{reading.Cli.DisplayName} holds no credential on this machine (looked at {reading.Location}).", reading.Location)
        {
            RecommendedAction = $"Sign the CLI in first ({reading.Cli.SignInCommand}), or point its variable at its folder.",
        };

    /// <summary>The era of the default agent's store, which decides OpenClaw's mirror id; JSON when it cannot be told.</summary>
    public static StoreKind DefaultEra(MoltbotState state)
    {
        try
        {
            return state.GetAgent(null).Store.Kind;
        }
        catch (MoltbotException)
        {
            return StoreKind.JsonFile;
        }
    }

    public static MoltbotExternalCredential ToOutput(ExternalCredential credential, StoreKind era, IReadOnlyList<CredentialHolder> sharedWith, DateTimeOffset now)
    {
        var cli = credential.Cli;
        DateTime expires;
        MoltbotExternalCredentialStatus status;
        if (credential.Type == CredentialType.ApiKey)
        {
            expires = DateTime.MaxValue;
            status = MoltbotExternalCredentialStatus.Static;
        }
        else
        {
            expires = credential.Expires?.LocalDateTime ?? DateTime.MinValue;
            var expired = credential.ExpiresMs is { } ms && ms <= now.ToUnixTimeMilliseconds();
            status = expired ? MoltbotExternalCredentialStatus.Expired
                : !credential.HasRefreshToken ? MoltbotExternalCredentialStatus.NoRefreshToken
                : credential.ExpiresMs is null ? MoltbotExternalCredentialStatus.Unknown
                : MoltbotExternalCredentialStatus.Ok;
        }
        return new MoltbotExternalCredential
        {
            Cli = cli.Id,
            DisplayName = cli.DisplayName,
            Provider = cli.ProviderFor(era),
            ProfileId = cli.MirrorProfileId(era),
            Type = credential.Type.ToWireName(),
            AccountId = credential.AccountId,
            Email = credential.Email,
            Expires = expires,
            Status = status,
            Source = credential.Source.ToString(),
            Path = credential.Location,
            HasRefreshToken = credential.HasRefreshToken,
            SharedWith = sharedWith.Select(MoltbotCredentialHolder.From).ToArray(),
            LastModified = credential.LastModified?.ToLocalTime(),
        };
    }
}
