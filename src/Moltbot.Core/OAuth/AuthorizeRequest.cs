using System;
using Duende.IdentityModel.Client;

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

    /// <summary>A fresh verifier and state.</summary>
    public static AuthorizeRequest Create(CodexOAuthOptions options) => Create(options, OAuth.Pkce.Create(), OAuth.Pkce.CreateState());

    /// <summary>For tests: a given verifier and state.</summary>
    public static AuthorizeRequest Create(CodexOAuthOptions options, PkcePair pkce, string state)
    {
        ArgumentNullException.ThrowIfNull(options);
        var extra = new Parameters();
        foreach (var (name, value) in options.ExtraAuthorizeParameters)
        {
            extra.Add(name, value);
        }
        var url = new RequestUrl(options.AuthorizeEndpoint.AbsoluteUri).CreateAuthorizeUrl(
            clientId: options.ClientId,
            responseType: "code",
            scope: options.Scope,
            redirectUri: options.RedirectUri.AbsoluteUri,
            state: state,
            codeChallenge: pkce.Challenge,
            codeChallengeMethod: "S256",
            extra: extra);
        return new AuthorizeRequest(pkce, state, url);
    }

    public override string ToString() => Url;
}
