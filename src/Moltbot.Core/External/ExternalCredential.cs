using System;
using System.Text.Json.Nodes;
using Moltbot.Core.OAuth;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

/// <summary>
/// What one external CLI holds: the credential read from its file or Keychain entry, with the document it came from
/// (kept for a write-back that changes only the token fields). Holds secrets: <see cref="ToString"/> leaves them out,
/// and nothing here is ever written to an output stream.
/// </summary>
public sealed class ExternalCredential
{
    public ExternalCredential(ExternalCli cli, ExternalSource source, string location, JsonObject document, CredentialType type,
        string access, string? refresh, long? expiresMs, string expirySource, DateTimeOffset? lastModified)
    {
        Cli = cli ?? throw new ArgumentNullException(nameof(cli));
        Source = source;
        Location = location;
        Document = document;
        Type = type;
        Access = access;
        Refresh = string.IsNullOrEmpty(refresh) ? null : refresh;
        ExpiresMs = expiresMs;
        ExpirySource = expirySource;
        LastModified = lastModified;
    }

    public ExternalCli Cli { get; }

    public ExternalSource Source { get; }

    /// <summary>The file's full path, or <c>keychain:&lt;service&gt;</c> for a Keychain entry.</summary>
    public string Location { get; }

    /// <summary>The CLI's whole document as read (secrets included).</summary>
    internal JsonObject Document { get; }

    /// <summary><see cref="CredentialType.OAuth"/> with a refresh token; <see cref="CredentialType.Token"/> without one; <see cref="CredentialType.ApiKey"/> for a key.</summary>
    public CredentialType Type { get; }

    /// <summary>Secret.</summary>
    internal string Access { get; }

    /// <summary>Secret; null when the CLI holds none (or it was taken away by a hand-over to Moltbot).</summary>
    internal string? Refresh { get; }

    public bool HasRefreshToken => Refresh is not null;

    /// <summary>ms since the epoch; null when nothing tells.</summary>
    public long? ExpiresMs { get; }

    public DateTimeOffset? Expires => ExpiresMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999)) : null;

    /// <summary>Where <see cref="ExpiresMs"/> came from: <c>file</c>, <c>exp claim</c>, <c>modified + 1 h</c>, ...</summary>
    public string ExpirySource { get; }

    public DateTimeOffset? LastModified { get; }

    public string? AccountId { get; init; }

    public string? Email { get; init; }

    /// <summary>The Google Cloud project (Gemini CLI), when the CLI's files name one.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Extra fields of the mirror profile beyond access/refresh/expires/email (accountId, projectId, ...).</summary>
    public JsonObject? ExtraFields { get; init; }

    /// <summary>The refresh token's fingerprint (<see cref="CredentialHolders.Fingerprint"/>); null without one. Not a secret.</summary>
    public string? RefreshFingerprint => Refresh is null ? null : CredentialHolders.Fingerprint(Refresh);

    /// <summary>A copy that names the account (the fields given replace those it has; null keeps them).</summary>
    public ExternalCredential WithIdentity(string? accountId, string? email) =>
        new(Cli, Source, Location, Document, Type, Access, Refresh, ExpiresMs, ExpirySource, LastModified)
        {
            AccountId = accountId ?? AccountId,
            Email = email ?? Email,
            ProjectId = ProjectId,
            ExtraFields = ExtraFields,
        };

    /// <summary>The credential in the shape OpenClaw stores (for the mirror profile).</summary>
    public OAuthCredential ToCredential()
    {
        var fields = ExtraFields is null ? new JsonObject() : (JsonObject)ExtraFields.DeepClone();
        if (AccountId is not null && !fields.ContainsKey("accountId"))
        {
            fields["accountId"] = AccountId;
        }
        if (ProjectId is not null && !fields.ContainsKey("projectId"))
        {
            fields["projectId"] = ProjectId;
        }
        return new OAuthCredential(Access, Refresh, ExpiresMs, Email, fields, Type == CredentialType.OAuth ? CredentialType.OAuth : CredentialType.Token);
    }

    /// <summary>Never shows a secret.</summary>
    public override string ToString() =>
        $"{Cli.Id}: {Type.ToWireName()} {AccountId ?? Email ?? "(no account)"} in {Location}, expires {(Expires?.ToString("u") ?? "unknown")}";
}

/// <summary>The outcome of reading one CLI: a credential, nothing (no file), or an error that names the file.</summary>
public sealed class ExternalReading
{
    public ExternalReading(ExternalCli cli, string location, ExternalCredential? credential, MoltbotException? error)
    {
        Cli = cli;
        Location = location;
        Credential = credential;
        Error = error;
    }

    public ExternalCli Cli { get; }

    /// <summary>The file looked at (or the Keychain entry that answered).</summary>
    public string Location { get; }

    public ExternalCredential? Credential { get; }

    public MoltbotException? Error { get; }

    public bool Found => Credential is not null;
}
