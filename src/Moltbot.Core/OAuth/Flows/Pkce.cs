using System;
using System.Security.Cryptography;
using System.Text;

namespace Moltbot.Core.OAuth;

/// <summary>A PKCE verifier and its S256 challenge (RFC 7636).</summary>
public sealed record PkcePair(string Verifier, string Challenge)
{
    /// <summary>Never prints the verifier.</summary>
    public override string ToString() => $"PkcePair {{ Challenge = {Challenge} }}";
}

/// <summary>PKCE and state values (openclaw-compat.md 8.1, oauth-providers.md §2.5).</summary>
public static class Pkce
{
    /// <summary>A new verifier (base64url of 32 random bytes, 43 characters) and its S256 challenge.</summary>
    public static PkcePair Create() => Create(PkceVerifierStyle.Base64Url);

    /// <summary>A new verifier of 32 random bytes, written as the style says (base64url: 43 characters; hex: 64), and its S256 challenge.</summary>
    public static PkcePair Create(PkceVerifierStyle style)
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        return FromVerifier(style == PkceVerifierStyle.Hex ? Convert.ToHexString(bytes).ToLowerInvariant() : Base64Url.Encode(bytes));
    }

    /// <summary>The pair for a given verifier.</summary>
    public static PkcePair FromVerifier(string verifier) => new(verifier, ComputeChallenge(verifier));

    /// <summary>BASE64URL(SHA256(ASCII(verifier))).</summary>
    public static string ComputeChallenge(string verifier)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        return Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
    }

    /// <summary>A new state: 16 random bytes as 32 lowercase hex characters.</summary>
    public static string CreateState() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}
