using System;
using System.Collections.Generic;
using System.Linq;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>One endpoint of a provider as the current environment resolves it (Get-MoltbotProvider shows it).</summary>
/// <param name="Url">The URL in use, or null when the variable holds a value that is refused (then <see cref="Problem"/> says why).</param>
/// <param name="Overridden">Whether <see cref="Variable"/> is set (then <see cref="Url"/> comes from it).</param>
public sealed record ProviderEndpointView(string Name, Uri? Url, Uri DefaultUrl, string Variable, bool Overridden, string Description, MoltbotException? Problem);

/// <summary>
/// The registry as a listing: which definitions a filter selects, and their endpoints and loopback redirect resolved
/// against an environment. It reads the definitions only; what they are is decided in each definition.
/// </summary>
public static class ProviderCatalog
{
    /// <summary>
    /// The definitions of <paramref name="providers"/> (the registry when null), in their order, that <paramref name="nameMatches"/>
    /// accepts for their id or one of their aliases (all when null), that can be refreshed when <paramref name="refreshable"/>,
    /// and that offer <paramref name="flow"/> when given.
    /// </summary>
    public static IReadOnlyList<OAuthProvider> Select(Func<string, bool>? nameMatches = null, bool refreshable = false, LoginFlowKind? flow = null,
        IEnumerable<OAuthProvider>? providers = null) =>
        (providers ?? ProviderRegistry.All)
            .Where(p => nameMatches is null || Names(p).Any(nameMatches))
            .Where(p => !refreshable || p.Refreshable)
            .Where(p => flow is null || p.Flows.Contains(flow.Value))
            .ToList();

    /// <summary>The id and the aliases of a definition: what a user may type for it.</summary>
    public static IEnumerable<string> Names(OAuthProvider provider) => new[] { provider.Id }.Concat(provider.Aliases);

    /// <summary>The endpoints of <paramref name="provider"/> resolved against <paramref name="environment"/>; a refused variable value is reported, not thrown.</summary>
    public static IReadOnlyList<ProviderEndpointView> Endpoints(OAuthProvider provider, MoltbotEnvironment environment) =>
        provider.Endpoints.Select(e =>
        {
            var overridden = environment.Get(e.Variable) is not null;
            try
            {
                return new ProviderEndpointView(e.Name, e.Resolve(environment), e.DefaultUrl, e.Variable, overridden, e.Description, null);
            }
            catch (MoltbotException ex)
            {
                return new ProviderEndpointView(e.Name, null, e.DefaultUrl, e.Variable, overridden, e.Description, ex);
            }
        }).ToList();

    /// <summary>
    /// The loopback redirect of <paramref name="provider"/> with its variable applied, or null when it has none; a refused
    /// variable value gives a null <c>Url</c> and the error.
    /// </summary>
    public static (Uri? Url, bool Overridden, MoltbotException? Problem)? Redirect(OAuthProvider provider, MoltbotEnvironment environment)
    {
        if (provider.DefaultRedirectUri is null)
        {
            return null;
        }
        var overridden = provider.RedirectUriVariable is { } variable && environment.Get(variable) is not null;
        try
        {
            return (provider.RedirectUri(environment), overridden, null);
        }
        catch (MoltbotException ex)
        {
            return (null, overridden, ex);
        }
    }
}
