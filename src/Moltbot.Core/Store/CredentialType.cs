using System;

namespace Moltbot.Core.Store;

/// <summary>The three credential types OpenClaw stores (section 3.2), plus what an entry holds when it is none of them.</summary>
public enum CredentialType
{
    Unknown = 0,
    ApiKey,
    Token,
    OAuth,
}

public static class CredentialTypes
{
    public const string ApiKey = "api_key";
    public const string Token = "token";
    public const string OAuth = "oauth";

    /// <summary>Reads a stored <c>type</c> (or config <c>mode</c>) the way OpenClaw normalises it.</summary>
    public static CredentialType Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "api_key" or "apikey" or "api-key" => CredentialType.ApiKey,
        "token" => CredentialType.Token,
        "oauth" => CredentialType.OAuth,
        _ => CredentialType.Unknown,
    };

    public static string ToWireName(this CredentialType type) => type switch
    {
        CredentialType.ApiKey => ApiKey,
        CredentialType.Token => Token,
        CredentialType.OAuth => OAuth,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Only api_key, token and oauth are written."),
    };
}
