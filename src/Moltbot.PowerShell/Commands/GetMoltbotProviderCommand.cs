using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Lists the OAuth providers Moltbot signs in to and refreshes, with the environment variables that move their endpoints.</para>
/// <para type="description">
/// Shows the provider registry: for each provider its id and aliases, the logins it offers (browser with a loopback
/// callback or pasted redirect, device code, user code), each endpoint with the URL this session would use and the
/// environment variable that replaces its base (for a test server or a corporate proxy), the client id, scopes, PKCE
/// variant, whether and how its credentials are refreshed, the default profile id and the login parameters. Nothing is
/// read from the stores and no network call is made. A client secret is never shown.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotProvider")]
[OutputType(typeof(MoltbotProvider))]
public sealed class GetMoltbotProviderCommand : MoltbotCmdlet
{
    /// <summary>Provider ids or aliases; wildcards are allowed. Default: every provider.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProviderDefinitionCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only providers whose stored credentials Moltbot refreshes.</summary>
    [Parameter]
    public SwitchParameter Refreshable { get; set; }

    /// <summary>Only providers that offer this login.</summary>
    [Parameter]
    public MoltbotLoginFlow? Flow { get; set; }

    protected override void ProcessItem()
    {
        var patterns = WildcardPatterns(nameof(Name), Name);
        var environment = MoltbotEnvironment.Process;
        var selected = ProviderCatalog.Select(patterns is null ? null : n => patterns.Any(p => p.IsMatch(n)), Refreshable.IsPresent,
            Flow is { } flow ? ToCore(flow) : null);
        foreach (var provider in selected)
        {
            WriteObject(ToOutput(provider, environment));
        }
        if (Name is null)
        {
            return;
        }
        foreach (var literal in Name.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
        {
            if (ProviderRegistry.Find(literal) is null)
            {
                WriteMoltbotError(new MoltbotException(OAuthErrorIds.ProviderNotFound, MoltbotErrorKind.ObjectNotFound,
                    $"There is no OAuth provider '{literal.Trim()}'. Moltbot knows: {string.Join(", ", ProviderRegistry.All.Select(p => p.Id))}.", literal)
                {
                    RecommendedAction = "Run Get-MoltbotProvider without -Name to list them; API keys (Set-MoltbotApiKey) and setup tokens (Set-MoltbotSetupToken) need no provider definition.",
                }, literal);
            }
        }
    }

    // The two enums share their names (a flow kind added to the core without one here fails the first listing, and the tests).
    internal static MoltbotLoginFlow ToModel(Core.OAuth.LoginFlowKind kind) => System.Enum.Parse<MoltbotLoginFlow>(kind.ToString());

    internal static Core.OAuth.LoginFlowKind ToCore(MoltbotLoginFlow kind) => System.Enum.Parse<Core.OAuth.LoginFlowKind>(kind.ToString());

    private MoltbotProvider ToOutput(OAuthProvider provider, MoltbotEnvironment environment)
    {
        // A variable holding a value a login would refuse is reported here too (the object still comes, its Url null).
        var endpoints = ProviderCatalog.Endpoints(provider, environment);
        var redirect = ProviderCatalog.Redirect(provider, environment);
        foreach (var problem in endpoints.Select(e => e.Problem).Append(redirect?.Problem).OfType<MoltbotException>().DistinctBy(p => p.Message))
        {
            WriteMoltbotError(problem, provider.Id);
        }
        return new MoltbotProvider
        {
            Id = provider.Id,
            Aliases = provider.Aliases.ToArray(),
            StoredProviderIds = provider.StoredProviderIds.ToArray(),
            DisplayName = provider.DisplayName,
            Flows = provider.Flows.Select(ToModel).ToArray(),
            Endpoints = endpoints.Select(e => new MoltbotProviderEndpoint
            {
                Name = e.Name,
                Url = e.Url,
                DefaultUrl = e.DefaultUrl,
                Variable = e.Variable,
                Overridden = e.Overridden,
                Description = e.Description,
            }).ToArray(),
            ClientId = provider.ClientId,
            HasPublicClientSecret = provider.PublicClientSecret is not null,
            ClientIdVariable = provider.VariablePrefix + "CLIENT_ID",
            ClientSecretVariable = provider.VariablePrefix + "CLIENT_SECRET",
            Scope = provider.Scope,
            PkceStyle = provider.PkceStyle.ToString(),
            Refreshable = provider.Refreshable,
            RotatesRefreshToken = provider.RotatesRefreshToken,
            StoredType = provider.StoredType.ToWireName(),
            ProfileIdRule = provider.ProfileIdRule,
            LoginParameters = provider.LoginParameters.Select(p => new MoltbotProviderParameter
            {
                Name = p.Name,
                Description = p.Description,
                Variable = p.EnvironmentVariable,
                Values = p.Values?.ToArray() ?? System.Array.Empty<string>(),
            }).ToArray(),
            RedirectUri = redirect?.Url,
            RedirectUriVariable = provider.RedirectUriVariable,
            RedirectUriOverridden = redirect?.Overridden ?? false,
            PolicyNote = provider.PolicyNote,
            LoginRefusal = provider.LoginRefusal,
        };
    }
}
