using System;
using System.Globalization;
using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.Locking;
using Moltbot.Core.OAuth;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

/// <summary>What an import of an external CLI's credential does (or did) with one agent's profile.</summary>
public enum ExternalImportAction
{
    /// <summary>The agent had no such profile: it was created.</summary>
    Imported,

    /// <summary>The agent's copy was older (or -Force): it was replaced.</summary>
    Updated,

    /// <summary>The agent's copy is the same credential: nothing was written.</summary>
    Unchanged,

    /// <summary>The agent's copy is fresher (or the only one with a refresh token): it was kept, nothing was written.</summary>
    KeptLocal,

    /// <summary>Not imported: another account, another provider, an API key, a Keychain takeover. <see cref="ExternalImportPlan.Error"/> says why.</summary>
    Refused,

    /// <summary>The agent's profile holds the CLI's chain and the CLI's refresh token was taken away: the CLI must sign in again.</summary>
    TookOwnership,
}

/// <summary>What the caller asks of an import.</summary>
/// <param name="ProfileId">Store under this id (a bare name becomes <c>&lt;provider&gt;:&lt;name&gt;</c>) instead of OpenClaw's mirror id.</param>
/// <param name="TakeOwnership">Hand the chain over: after the import, the CLI's refresh token is taken away.</param>
/// <param name="Force">Replace the agent's copy even when it is not older (never another account's).</param>
public sealed record ExternalImportOptions(string? ProfileId = null, bool TakeOwnership = false, bool Force = false);

/// <summary>The outcome of the one rule that decides an import (<see cref="ExternalImporter.Decide"/>).</summary>
public sealed record ExternalImportDecision(ExternalImportAction Action, string Reason, MoltbotException? Error = null);

/// <summary>An import decided for one agent and one CLI credential, before (or after) it is applied. No secret in its text.</summary>
public sealed class ExternalImportPlan
{
    internal ExternalImportPlan(AgentLocation agent, ExternalCredential credential, ExternalImportOptions options, string profileId, string provider,
        StoredProfile? held, ExternalImportDecision store)
    {
        Agent = agent;
        Credential = credential;
        Options = options;
        ProfileId = profileId;
        Provider = provider;
        Held = held;
        StoreDecision = store;
        Action = store.Action;
        Reason = store.Reason;
        Error = store.Error;
    }

    public AgentLocation Agent { get; }

    public ExternalCredential Credential { get; }

    public ExternalCli Cli => Credential.Cli;

    public ExternalImportOptions Options { get; }

    /// <summary>The profile written (or that would be).</summary>
    public string ProfileId { get; }

    /// <summary>The provider id the profile is stored under (Codex: <c>openai-codex</c>, or <c>openai</c> in a SQLite-era store).</summary>
    public string Provider { get; }

    /// <summary>The agent's profile as read when planning, or null.</summary>
    internal StoredProfile? Held { get; }

    /// <summary>What happens to the agent's store.</summary>
    public ExternalImportDecision StoreDecision { get; }

    /// <summary>The whole outcome: the store's, or <see cref="ExternalImportAction.TookOwnership"/> when the CLI's refresh token is (to be) taken.</summary>
    public ExternalImportAction Action { get; internal set; }

    public string Reason { get; internal set; }

    /// <summary>Why it was refused (Action Refused), typed; null otherwise.</summary>
    public MoltbotException? Error { get; internal set; }

    /// <summary>Whether the CLI's refresh token is taken away (planned, or done once applied).</summary>
    public bool TakesOwnership { get; internal set; }

    /// <summary>Whether the store is written.</summary>
    public bool WritesStore => StoreDecision.Action is ExternalImportAction.Imported or ExternalImportAction.Updated;

    /// <summary>What the CLI must run to sign in again, once its refresh token is taken away; null otherwise.</summary>
    public string? SignInCommand => TakesOwnership ? Cli.SignInCommand : null;

    /// <summary>The warning for the user once the CLI lost its refresh token; null otherwise.</summary>
    public string? Warning => TakesOwnership && Applied
        ? $"{Cli.DisplayName} ({Credential.Location}) no longer holds a refresh token: agent '{Agent.Id}' ({ProfileId}) owns the chain now. {Cli.DisplayName} keeps working until its access token expires; then run '{Cli.SignInCommand}' to sign it in again (it gets a chain of its own)."
        : null;

    /// <summary>Whether <see cref="ExternalImporter.Apply"/> ran it.</summary>
    public bool Applied { get; internal set; }

    /// <summary>The -WhatIf / verbose line: the decision in words.</summary>
    public string Describe() => Action switch
    {
        ExternalImportAction.Imported => $"Import the {Cli.DisplayName} credential as new profile '{ProfileId}' ({Reason})",
        ExternalImportAction.Updated => $"Update profile '{ProfileId}' from the {Cli.DisplayName} credential ({Reason})",
        ExternalImportAction.TookOwnership => $"{(WritesStore ? (StoreDecision.Action == ExternalImportAction.Imported ? "Import" : "Update") + $" profile '{ProfileId}' from the {Cli.DisplayName} credential and t" : $"Keep profile '{ProfileId}' and t")}ake the refresh token away from {Cli.DisplayName} ({Credential.Location}), which must then run '{Cli.SignInCommand}' ({Reason})",
        ExternalImportAction.Unchanged => $"Leave profile '{ProfileId}' unchanged ({Reason})",
        ExternalImportAction.KeptLocal => $"Keep profile '{ProfileId}' ({Reason})",
        _ => $"Refuse to import the {Cli.DisplayName} credential into '{ProfileId}' ({Error?.Message ?? Reason})",
    };

    public override string ToString() => $"{Agent.Id}/{ProfileId} <- {Cli.Id}: {Action} ({Reason})";
}

/// <summary>
/// Mirrors an external CLI's credential into an agent's store, as OpenClaw mirrors one, and hands a refresh chain over
/// to the store (-TakeOwnership). Plan first (nothing written), then apply: the store is written through
/// <see cref="CredentialService"/> (its lock, <c>auth.profiles</c> in openclaw.json), deciding again inside the lock
/// on what it is about to replace; a takeover also empties the CLI's refresh token through
/// <see cref="ExternalCredentialWriter"/>, with the store written while the CLI's lock is held and only if the CLI's
/// file still holds the refresh token that was read.
/// </summary>
public sealed class ExternalImporter
{
    private readonly CredentialService _service;
    private readonly ExternalCredentialWriter _writer;
    private readonly TimeProvider _time;

    public ExternalImporter(MoltbotState state, ExternalCredentialWriter? writer = null, FileLockOptions? lockOptions = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        _service = new CredentialService(state, lockOptions);
        _writer = writer ?? new ExternalCredentialWriter();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Decides what an import of <paramref name="credential"/> into <paramref name="agent"/> would do. Writes nothing.</summary>
    public ExternalImportPlan Plan(AgentLocation agent, ExternalCredential credential, ExternalImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(credential);
        options ??= new ExternalImportOptions();
        var cli = credential.Cli;
        var kind = agent.Store.Kind;
        var store = agent.LoadStore();
        string profileId;
        string provider;
        if (!string.IsNullOrWhiteSpace(options.ProfileId))
        {
            var prefix = options.ProfileId.Contains(':', StringComparison.Ordinal) ? ProviderId.ProviderOf(options.ProfileId.Trim()) : null;
            provider = prefix is not null && IsProviderOf(cli, prefix) ? prefix : cli.ProviderFor(kind);
            profileId = ProviderId.ResolveProfileId(provider, options.ProfileId); // throws MoltbotInvalidProfileId for another provider
        }
        else
        {
            // OpenClaw's mirror id of this era; an existing mirror under the other era's id is updated, not duplicated.
            profileId = cli.MirrorProfileId(kind);
            provider = cli.ProviderFor(kind);
            var other = cli.MirrorProfileId(kind == StoreKind.Sqlite ? StoreKind.JsonFile : StoreKind.Sqlite);
            if (store?.Get(profileId) is null && store?.Get(other) is { } previous)
            {
                profileId = other;
                provider = previous.Provider ?? ProviderId.ProviderOf(other) ?? provider;
            }
        }
        var held = store?.Get(profileId);
        if (held?.Provider is { } heldProvider && IsProviderOf(cli, heldProvider))
        {
            provider = heldProvider;
        }
        var decision = Decide(credential, held, $"profile '{profileId}' of agent '{agent.Id}'", options.Force, _time.GetUtcNow(), cli);
        var plan = new ExternalImportPlan(agent, credential, options, profileId, provider, held, decision);
        if (options.TakeOwnership)
        {
            PlanTakeover(plan, held);
        }
        return plan;
    }

    /// <summary>
    /// Applies a plan: writes the store (deciding again inside its lock) and, for a takeover, empties the CLI's refresh
    /// token. Returns the plan with its final Action and Reason.
    /// </summary>
    /// <exception cref="MoltbotException">The plan's <see cref="ExternalImportPlan.Error"/> when it was refused; a
    /// <see cref="ExternalErrorIds.WriteFailed"/> when the CLI's file could not be written back (the store was not
    /// written either).</exception>
    public ExternalImportPlan Apply(ExternalImportPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Action == ExternalImportAction.Refused)
        {
            throw plan.Error ?? new MoltbotException(ExternalErrorIds.NotImportable, MoltbotErrorKind.InvalidArgument, plan.Reason, plan.ProfileId);
        }
        if (!plan.TakesOwnership)
        {
            if (plan.WritesStore)
            {
                var again = SaveUnlessChanged(plan, cancellationToken);
                if (again is not null)
                {
                    // Someone wrote the profile between the plan and the lock: what it holds now decides.
                    plan.Action = again.Action;
                    plan.Reason = "the profile changed meanwhile: " + again.Reason;
                    plan.Error = again.Error;
                    if (again.Action == ExternalImportAction.Refused && again.Error is not null)
                    {
                        throw again.Error;
                    }
                }
            }
            plan.Applied = true;
            return plan;
        }

        _writer.RetireRefreshToken(plan.Credential, underLock: () =>
        {
            if (!plan.WritesStore)
            {
                return;
            }
            var again = SaveUnlessChanged(plan, cancellationToken);
            if (again is not null && !HoldsChainAfter(again, plan.Credential, held: null))
            {
                throw new MoltbotException(ExternalErrorIds.WriteFailed, MoltbotErrorKind.ResourceBusy,
                    $"The {plan.ProfileId} profile of agent '{plan.Agent.Id}' changed while it was imported ({again.Reason}); the refresh token was not taken from {plan.Cli.DisplayName}. Nothing was written.",
                    plan.ProfileId)
                {
                    RecommendedAction = "Run the command again: it decides on what the store and the CLI hold then.",
                };
            }
        }, cancellationToken);
        plan.Applied = true;
        return plan;
    }

    /// <summary>
    /// The one rule of an import (oauth-providers.md §11.4): another account is refused (account id, then email); an
    /// API key is not mirrored; the same credential is a no-op; a refresh token is never replaced by a credential
    /// without one; otherwise the CLI's copy wins only when it is strictly fresher: the agent's copy expires earlier,
    /// or has no expiry while the CLI's has one. <paramref name="force"/> overrides freshness, never identity.
    /// </summary>
    /// <param name="where">How messages name the profile (<c>profile 'x' of agent 'y'</c>).</param>
    public static ExternalImportDecision Decide(ExternalCredential external, StoredProfile? held, string where, bool force, DateTimeOffset now, ExternalCli? cli = null)
    {
        ArgumentNullException.ThrowIfNull(external);
        cli ??= external.Cli;
        if (external.Type == CredentialType.ApiKey)
        {
            return Refuse(new MoltbotException(ExternalErrorIds.NotImportable, MoltbotErrorKind.InvalidArgument,
                $"{cli.DisplayName} holds an API key ({external.Location}), not a sign-in: OpenClaw does not mirror keys, and neither does Moltbot.", external.Location)
            {
                RecommendedAction = "Store the key as a profile of its provider with Set-MoltbotApiKey.",
            });
        }
        if (held is null)
        {
            return new(ExternalImportAction.Imported, "the agent has no such profile");
        }
        if (held.Provider is { } provider && !IsProviderOf(cli, provider))
        {
            return Refuse(new MoltbotException(ErrorIds.ProviderMismatch, MoltbotErrorKind.InvalidArgument,
                $"The {where} belongs to provider '{provider}', not to {cli.DisplayName} ({cli.Provider}). Nothing was written.", held.Id)
            {
                RecommendedAction = "Name another profile with -ProfileId.",
            });
        }
        if (held.Type is not (CredentialType.OAuth or CredentialType.Token))
        {
            return Refuse(new MoltbotException(ExternalErrorIds.IdentityMismatch, MoltbotErrorKind.ResourceExists,
                $"The {where} holds {Text.Article.With(held.RawType ?? "typeless")} credential, not a sign-in: it is not replaced by the {cli.DisplayName} credential. Nothing was written.", held.Id)
            {
                RecommendedAction = "Store the CLI's credential beside it with -ProfileId.",
            });
        }
        if (AccountIdentity.OtherAccount(held.AccountId, held.Email, external.AccountId, external.Email) is { } other)
        {
            var theirs = external.Email ?? (external.AccountId is { } id ? "account " + id : "another account");
            return Refuse(new MoltbotException(ExternalErrorIds.IdentityMismatch, MoltbotErrorKind.ResourceExists,
                $"The {where} signs in as {other}; {cli.DisplayName} holds {theirs}: another account. Nothing was written.", held.Id)
            {
                RecommendedAction = $"Store it beside the other with -ProfileId (for example -ProfileId {ProviderId.ProviderOf(held.Id) ?? cli.Provider}:{cli.MirrorName}-2); -Force does not replace another account.",
            });
        }
        var heldAccess = held.Type == CredentialType.Token ? held.GetString("token") : held.GetString("access");
        var heldRefresh = held.Type == CredentialType.OAuth && held.GetString("refresh") is { Length: > 0 } r ? r : null;
        var externalType = external.Type == CredentialType.OAuth ? CredentialType.OAuth : CredentialType.Token;
        if (held.Type == externalType
            && string.Equals(heldAccess, external.Access, StringComparison.Ordinal)
            && string.Equals(heldRefresh, external.Refresh, StringComparison.Ordinal)
            && held.ExpiresMs == external.ExpiresMs)
        {
            return new(ExternalImportAction.Unchanged, "the profile holds this credential already");
        }
        string? keep = null;
        if (heldRefresh is not null && external.Refresh is null)
        {
            keep = $"the profile holds a refresh token, {cli.DisplayName}'s credential has none";
        }
        else if (external.ExpiresMs is { } theirsMs && (held.ExpiresMs is not { } oursMs || oursMs < theirsMs))
        {
            return new(ExternalImportAction.Updated, held.ExpiresMs is { } ours
                ? $"{cli.DisplayName}'s credential is fresher: it expires {Time(theirsMs)}, the profile's {Time(ours)}{(ours <= now.ToUnixTimeMilliseconds() ? " (expired)" : string.Empty)}"
                : $"{cli.DisplayName}'s credential expires {Time(theirsMs)}, the profile's has no expiry");
        }
        else
        {
            keep = external.ExpiresMs is { } t && held.ExpiresMs is { } o
                ? $"local is fresher: the profile expires {Time(o)}, {cli.DisplayName}'s credential {Time(t)}"
                : $"nothing tells that {cli.DisplayName}'s credential is fresher (it has no expiry)";
        }
        return force
            ? new(ExternalImportAction.Updated, $"-Force: replaced although {keep}")
            : new(ExternalImportAction.KeptLocal, keep + " (-Force replaces it)");
    }

    private static ExternalImportDecision Refuse(MoltbotException error) => new(ExternalImportAction.Refused, error.Message, error);

    private static string Time(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999)).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="provider"/> is the provider id of <paramref name="cli"/>'s mirror in some era.</summary>
    private static bool IsProviderOf(ExternalCli cli, string provider) =>
        string.Equals(provider, cli.Provider, StringComparison.OrdinalIgnoreCase)
        || string.Equals(provider, cli.ProviderFor(StoreKind.JsonFile), StringComparison.OrdinalIgnoreCase)
        || string.Equals(provider, cli.ProviderFor(StoreKind.Sqlite), StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether, after <paramref name="decision"/>, the profile holds the CLI's refresh token (the chain to take over).</summary>
    private static bool HoldsChainAfter(ExternalImportDecision decision, ExternalCredential credential, StoredProfile? held) =>
        decision.Action is ExternalImportAction.Imported or ExternalImportAction.Updated or ExternalImportAction.Unchanged
        || (decision.Action == ExternalImportAction.KeptLocal && held is not null && credential.Refresh is not null
            && string.Equals(held.GetString("refresh"), credential.Refresh, StringComparison.Ordinal));

    private static void PlanTakeover(ExternalImportPlan plan, StoredProfile? held)
    {
        var cli = plan.Cli;
        var credential = plan.Credential;
        if (plan.Action == ExternalImportAction.Refused)
        {
            return;
        }
        if (credential.Refresh is null)
        {
            // Not an error: the CLI holds no chain, so there is nothing to hand over; the import does what it does.
            plan.Reason += $"; {cli.DisplayName} holds no refresh token: there is nothing to take over";
            return;
        }
        if (credential.Source == ExternalSource.Keychain)
        {
            plan.Action = ExternalImportAction.Refused;
            plan.Error = new MoltbotException(ExternalErrorIds.WriteFailed, MoltbotErrorKind.WriteError,
                $"The {cli.DisplayName} credential is in the macOS Keychain ({credential.Location}), which Moltbot reads but does not write: its refresh token cannot be taken away. Nothing was written.",
                credential.Location)
            {
                RecommendedAction = $"Import it without -TakeOwnership, then sign {cli.DisplayName} out and in again ({cli.SignInCommand}) so that it holds a refresh chain of its own.",
            };
            plan.Reason = plan.Error.Message;
            return;
        }
        if (!HoldsChainAfter(plan.StoreDecision, credential, held))
        {
            plan.Reason += $"; nothing was taken from {cli.DisplayName}: the profile holds another refresh token";
            return;
        }
        plan.TakesOwnership = true;
        plan.Action = ExternalImportAction.TookOwnership;
        plan.Reason = plan.StoreDecision.Action switch
        {
            ExternalImportAction.Unchanged or ExternalImportAction.KeptLocal => "the profile holds that chain already",
            _ => plan.StoreDecision.Reason,
        };
    }

    /// <summary>Saves the plan's credential, deciding again inside the store's lock; null when saved as planned, else the decision met there.</summary>
    private ExternalImportDecision? SaveUnlessChanged(ExternalImportPlan plan, CancellationToken cancellationToken)
    {
        ExternalImportDecision? met = null;
        var credential = plan.Credential.ToCredential();
        var saved = _service.SaveIf(plan.Agent, plan.Provider, plan.ProfileId, credential.Type, credential.ToSecretFields(), credential.Email,
            current =>
            {
                var decision = Decide(plan.Credential, current, $"profile '{plan.ProfileId}' of agent '{plan.Agent.Id}'", plan.Options.Force, _time.GetUtcNow(), plan.Cli);
                if (decision.Action is ExternalImportAction.Imported or ExternalImportAction.Updated)
                {
                    return true;
                }
                met = decision;
                return false;
            }, cancellationToken);
        return saved ? null : met;
    }
}
