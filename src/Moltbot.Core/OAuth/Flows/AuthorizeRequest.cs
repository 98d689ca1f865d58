using System;
using Duende.IdentityModel.Client;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>One login attempt: the PKCE pair, the state and the authorize URL built from them.</summary>
public sealed class AuthorizeRequest
{
    private AuthorizeRequest(PkcePair pkce, string state, string url)
    {
        Pkce = pkce;
        State = state;
        Url = url;
    }

    /// <summary>Secret until the exchange: never log it.</summary>
    public PkcePair Pkce { get; }

    public string State { get; }

    /// <summary>The URL the user opens. It carries the challenge and the state, no secret.</summary>
    public string Url { get; }

    /// <summary>A fresh verifier and state, made as the provider's upstream CLI makes them.</summary>
    public static AuthorizeRequest Create(OAuthProvider provider, LoginClient client, Uri redirectUri, MoltbotEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var pkce = OAuth.Pkce.Create(provider.PkceStyle);
        var state = provider.StateStyle == OAuthStateStyle.Verifier ? pkce.Verifier : OAuth.Pkce.CreateState();
        return Create(provider, client, redirectUri, environment, pkce, state);
    }

    /// <summary>For tests: a given verifier and state.</summary>
    public static AuthorizeRequest Create(OAuthProvider provider, LoginClient client, Uri redirectUri, MoltbotEnvironment environment, PkcePair pkce, string state)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(client);
        var extra = new Parameters();
        foreach (var (name, value) in provider.ExtraAuthorizeParameters)
        {
            extra.Add(name, value);
        }
        var url = new RequestUrl(provider.Endpoint("authorize", environment).AbsoluteUri).CreateAuthorizeUrl(
            clientId: client.ClientId,
            responseType: "code",
            scope: provider.ScopeFor(environment),
            redirectUri: redirectUri.AbsoluteUri,
            state: state,
            codeChallenge: pkce.Challenge,
            codeChallengeMethod: "S256",
            extra: extra);
        return new AuthorizeRequest(pkce, state, url);
    }

    public override string ToString() => Url;
}
