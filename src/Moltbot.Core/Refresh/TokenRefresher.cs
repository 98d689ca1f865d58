using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.External;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Moltbot.Core.OAuth;
using Moltbot.Core.Profiles;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.Refresh;

/// <summary>
/// Hands out access tokens and refreshes OAuth credentials without ever presenting a rotated refresh token twice
/// (openclaw-compat.md 5.2, 5.3 and 11):
/// <list type="number">
/// <item>read the store without a lock; a usable credential (access present, expiring later than <see cref="TokenRefreshOptions.Margin"/>)
/// is returned with no lock and no network call;</item>
/// <item>otherwise take the cross-agent refresh lock <c>$STATE/locks/oauth-refresh/sha256-&lt;hex(provider\0profileId)&gt;</c>
/// (OpenClaw 2026.4.2x-6.5's name), then the agent's store lock, always in that order; re-read: when a peer refreshed
/// meanwhile (usable now, or the refresh token changed and the access token has not expired), use its credential; a
/// forced refresh ("the credential I read is rejected") uses it too when it changed since it was read and has not expired;</item>
/// <item>before a refresh token of a rotating provider is presented, read the external CLIs of that provider (never on
/// the fast path): a mirror profile whose CLI holds a fresher credential of the same account takes it (no network); a
/// CLI that holds the very token is signed out by the refresh, which is warned about on the calling thread before the
/// request when the caller allows it, else refused with <see cref="ExternalErrorIds.SharedRefreshToken"/>;</item>
/// <item>otherwise refresh, merge <c>{...old, ...new, type:"oauth"}</c>, write atomically, and, still under the refresh
/// lock, give the new credential to every other agent whose store held the same provider and the same old refresh token;</item>
/// <item>on failure re-read (a peer that does not take the refresh lock may have won); otherwise
/// <see cref="RefreshErrorIds.RefreshFailed"/> with the provider's error code, the stored profile unchanged.</item>
/// </list>
/// Within one process, refreshes of one profile are also queued on an in-process gate keyed like the file locks, so
/// runspaces do not all poll them; a caller that queued behind a refresh of the same stored credential receives its
/// outcome without taking any file lock (<see cref="RefreshGate"/>).
/// A cancellation (Ctrl+C) stops a refresh at once until its request is sent; after that the provider has rotated the
/// token, so the answer is awaited (within <see cref="TokenRefreshOptions.RefreshTimeout"/>), stored and propagated, and
/// only then is <see cref="OperationCanceledException"/> thrown.
/// </summary>
public sealed class TokenRefresher
{

    private static readonly ConcurrentDictionary<string, RefreshGate> Gates = new(StringComparer.Ordinal);
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    }));

    private readonly MoltbotState _state;
    private readonly TimeProvider _clock;
    private readonly MoltbotEnvironment _environment;
    private TokenEndpointClient? _client;

    /// <param name="client">The token client; one over a shared HTTP client when null.</param>
    /// <param name="environment">Where the providers' endpoint variables are read (default: the process environment).</param>
    public TokenRefresher(MoltbotState state, TokenEndpointClient? client = null, TokenRefreshOptions? options = null, TimeProvider? clock = null, MoltbotEnvironment? environment = null)
    {
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _clock = clock ?? client?.Clock ?? TimeProvider.System;
        Options = options ?? TokenRefreshOptions.Default;
        _client = client;
        _environment = environment ?? MoltbotEnvironment.Process;
    }

    public TokenRefreshOptions Options { get; }

    private ExternalCredentialReader? _externalReader;

    /// <summary>
    /// Reads the external CLIs just before a refresh token of theirs would be presented (default: over
    /// <c>environment</c>, with the platform's Keychain). Tests point it at a temporary home.
    /// </summary>
    public ExternalCredentialReader ExternalReader
    {
        get => _externalReader ??= new ExternalCredentialReader(_environment);
        init => _externalReader = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Test hook: called with "refresh-lock", "store-lock", "network" as each step begins (lock order tests).</summary>
    internal Action<string>? Trace { get; set; }

    private TokenEndpointClient Client => _client ??= new TokenEndpointClient(SharedHttp.Value, _clock);

    /// <summary>Whether stored oauth profiles of <paramref name="storedProvider"/> can be refreshed here (a provider definition says so).</summary>
    public static bool IsRefreshable(string? storedProvider) => ProviderRegistry.ForStoredProvider(storedProvider) is { Refreshable: true };

    /// <summary>Whether a refresh of <paramref name="profile"/> can be tried at all: an oauth profile of a provider the registry refreshes.</summary>
    public static bool CanRefresh(StoredProfile profile) =>
        profile.Type == CredentialType.OAuth && IsRefreshable(profile.Provider);

    /// <summary>Why <see cref="CanRefresh"/> is false for <paramref name="profile"/>, in words; null when it is true.</summary>
    public static string? WhyNotRefreshable(StoredProfile profile) => profile.Type switch
    {
        _ when CanRefresh(profile) => null,
        CredentialType.OAuth => $"Moltbot does not refresh OAuth credentials of provider '{profile.Provider}' (Get-MoltbotProvider -Refreshable lists those it does).",
        CredentialType.Unknown => $"the credential type '{profile.RawType ?? "unknown"}' cannot be refreshed.",
        var type => $"its {type.ToWireName()} credential is static and cannot be refreshed.",
    };

    /// <summary>
    /// The JSON-era target of the cross-agent refresh lock of a profile (<see cref="OAuthProfileLock.Sha256Target"/>); each
    /// store names the targets its era uses (<see cref="ICredentialStore.OAuthLockTargets"/>).
    /// </summary>
    public static string RefreshLockTarget(string stateDir, string provider, string profileId) =>
        OAuthProfileLock.Sha256Target(stateDir, provider, profileId);

    /// <summary>Whether the credential can be used as it is: access present and expiring later than <paramref name="margin"/> from now.</summary>
    public static bool IsUsable(StoredProfile profile, DateTimeOffset now, TimeSpan margin) =>
        !string.IsNullOrEmpty(profile.GetString("access"))
        && profile.ExpiresMs is { } expires
        && expires - now.ToUnixTimeMilliseconds() > (long)margin.TotalMilliseconds;

    /// <summary>
    /// The credential of <paramref name="profileId"/> in <paramref name="agent"/>'s store, refreshed first when it is an OAuth
    /// credential that is expired or expires within the margin (or when <paramref name="force"/> is set).
    /// </summary>
    public AccessTokenResult GetAccessToken(AgentLocation agent, string profileId, bool force = false, CancellationToken cancellationToken = default) =>
        GetAccessToken(agent, profileId, new AccessTokenRequest { Force = force }, cancellationToken);

    /// <summary>
    /// The credential of <paramref name="profileId"/> in <paramref name="agent"/>'s store, refreshed first when it is an OAuth
    /// credential that is expired or expires within the margin, when <see cref="AccessTokenRequest.Force"/> is set, or
    /// when the stored access token is the <see cref="AccessTokenRequest.RejectedAccessToken"/>. Before a refresh token of
    /// a rotating provider is presented, the external CLIs of that provider are read (only then): a fresher credential of
    /// the CLI a mirror profile mirrors is adopted without a network call; a CLI holding the very refresh token about to
    /// be presented is either warned about (<see cref="AccessTokenRequest.Warning"/>, before the request) or the refresh
    /// is refused with <see cref="ExternalErrorIds.SharedRefreshToken"/> (<see cref="AccessTokenRequest.AllowSignOutOfExternal"/>).
    /// </summary>
    public AccessTokenResult GetAccessToken(AgentLocation agent, string profileId, AccessTokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();

        var store = agent.LoadStore();
        var profile = store?.Get(profileId) ?? throw NotFound(agent, profileId);
        var rejected = string.IsNullOrEmpty(request.RejectedAccessToken) ? null : request.RejectedAccessToken;
        // A rejected token forces the refresh only while the store still holds it: one that differs was replaced already.
        var force = rejected is null
            ? request.Force
            : string.Equals(rejected, profile.Type switch
            {
                CredentialType.ApiKey => profile.GetString("key") ?? profile.GetString("apiKey"),
                CredentialType.Token => profile.GetString("token"),
                _ => profile.GetString("access"),
            }, StringComparison.Ordinal);
        switch (profile.Type)
        {
            case CredentialType.ApiKey:
                if (force)
                {
                    throw NotRefreshable(agent, profile);
                }
                return new AccessTokenResult(agent.Id, profile, ApiKeyOf(agent, profile), AccessTokenSource.Store);
            case CredentialType.Token:
                if (force)
                {
                    throw NotRefreshable(agent, profile);
                }
                return new AccessTokenResult(agent.Id, profile, StaticTokenOf(agent, profile), AccessTokenSource.Store);
            case CredentialType.OAuth:
                break;
            default:
                throw new MoltbotException(ErrorIds.InvalidToken, MoltbotErrorKind.InvalidData,
                    $"Profile '{profileId}' of agent '{agent.Id}' has the unknown credential type '{profile.RawType}'.", profileId);
        }

        switch (RefreshFence.Of(profile))
        {
            case RefreshFenceState.Failed:
                throw FailedFence(agent, profile);
            case RefreshFenceState.Pending:
                profile = WaitForFence(agent, profileId, cancellationToken);
                break;
        }
        var now = _clock.GetUtcNow();
        if (!force && IsUsable(profile, now, Options.Margin))
        {
            return new AccessTokenResult(agent.Id, profile, profile.GetString("access")!, AccessTokenSource.Store);
        }
        if (!IsRefreshable(profile.Provider))
        {
            if (!force && IsUsable(profile, now, TimeSpan.Zero))
            {
                return new AccessTokenResult(agent.Id, profile, profile.GetString("access")!, AccessTokenSource.Store);
            }
            throw NotSupported(agent, profile);
        }
        if (!profile.HasRefreshToken)
        {
            if (profile.Node["oauthRef"] is JsonObject)
            {
                throw SecretReference(agent, profile, "oauthRef");
            }
            if (!force && IsUsable(profile, now, TimeSpan.Zero))
            {
                return new AccessTokenResult(agent.Id, profile, profile.GetString("access")!, AccessTokenSource.Store);
            }
            throw Failed(agent, profile, "no_refresh_token", "the profile holds no refresh token", MoltbotErrorKind.AuthenticationError, null);
        }
        var call = new Call(request, profile.GetString("refresh")!, force ? profile.GetString("access") : null, force,
            AllowedToSignOut(request, force, rejected is not null, profile, now));
        var refreshed = RefreshUnderLocks(agent, profile, call, cancellationToken);
        // A stop that came after the refresh request was sent did not abort it: the answer is stored, now report the stop.
        cancellationToken.ThrowIfCancellationRequested();
        return refreshed;
    }

    /// <summary>
    /// Whether this call may rotate a refresh token an external CLI also holds: as the caller said, else when the refresh
    /// is needed anyway (the automatic path of a credential that is not usable, a rejected token, an expired credential).
    /// </summary>
    private static bool AllowedToSignOut(AccessTokenRequest request, bool force, bool rejected, StoredProfile seen, DateTimeOffset now) =>
        request.AllowSignOutOfExternal ?? (!force || rejected || !IsUsable(seen, now, TimeSpan.Zero));

    /// <summary>One refresh attempt: what the caller read and asked for, and the warnings it collects.</summary>
    private sealed class Call
    {
        public Call(AccessTokenRequest request, string seenRefresh, string? rejectedAccess, bool force, bool allowSignOut)
        {
            Request = request;
            SeenRefresh = seenRefresh;
            RejectedAccess = rejectedAccess;
            Force = force;
            AllowSignOut = allowSignOut;
        }

        public AccessTokenRequest Request { get; }

        public string SeenRefresh { get; }

        /// <summary>With <see cref="Force"/>: the access token the caller holds for rejected (a stored one that differs is a peer's).</summary>
        public string? RejectedAccess { get; }

        public bool Force { get; }

        public bool AllowSignOut { get; }

        public List<string> Warnings { get; } = new();

        /// <summary>The refresh token the external CLIs were checked for before the store lock, and what that decided.</summary>
        public string? CheckedRefresh { get; set; }

        public Adoption? CheckedAdoption { get; set; }

        public void Warn(string text)
        {
            if (Warnings.Contains(text))
            {
                return;
            }
            Warnings.Add(text);
            Request.Warning?.Invoke(text);
        }
    }

    /// <summary>How many callers of this process are queued at the in-process gate of these lock targets (tests).</summary>
    internal static int QueuedAt(IEnumerable<string> targets) =>
        Gates.TryGetValue(GateKey(targets), out var gate) ? gate.Waiting : 0;

    private static string GateKey(IEnumerable<string> targets) => string.Join("\0", targets.Select(Path.GetFullPath));

    private AccessTokenResult RefreshUnderLocks(AgentLocation agent, StoredProfile seen, Call call, CancellationToken cancellationToken)
    {
        var provider = seen.GetString("provider")?.Trim() ?? seen.Provider!;
        var profileId = seen.Id;
        var targets = agent.Store.OAuthLockTargets(provider, profileId);
        var lockTarget = targets[0];
        // Keyed like the file locks: every target the store names (era C has two lock names).
        var gate = Gates.GetOrAdd(GateKey(targets), _ => new RefreshGate());
        var store = CanonicalLocation(agent.Store.Location);
        var queued = gate.Enter(cancellationToken);
        try
        {
            if (queued is { } since)
            {
                // Queued behind another caller of this process: the refresh it made (or its failure) is ours too when it
                // started from the credential this caller read, else a peer (another agent's refresh, another process)
                // may have stored a fresh one meanwhile. Either way no file lock is taken.
                if (gate.Shared(since, store, profileId, call.SeenRefresh) is { } flight)
                {
                    if (flight.Failure is { } failure)
                    {
                        throw RefreshGate.Copy(failure);
                    }
                    if (flight.Result is { } result && IsPeerResult(result, call))
                    {
                        return new AccessTokenResult(agent.Id, result, result.GetString("access")!, AccessTokenSource.Peer) { SharedInProcess = true };
                    }
                }
                if (PeerResult(agent, profileId, call) is { } peer)
                {
                    return new AccessTokenResult(agent.Id, peer, peer.GetString("access")!, AccessTokenSource.Peer);
                }
            }
            try
            {
                var result = RefreshUnderFileLocks(agent, profileId, lockTarget, targets, call, cancellationToken);
                gate.Publish(store, profileId, call.SeenRefresh, result.Credential, null);
                return result;
            }
            catch (MoltbotException ex) when (ex.ErrorId == RefreshErrorIds.RefreshFailed)
            {
                gate.Publish(store, profileId, call.SeenRefresh, null, ex);
                throw;
            }
        }
        finally
        {
            gate.Exit();
        }
    }

    private AccessTokenResult RefreshUnderFileLocks(AgentLocation agent, string profileId, string lockTarget, IReadOnlyList<string> targets, Call call, CancellationToken cancellationToken)
    {
        Trace?.Invoke("refresh-lock");
        // While a peer holds the refresh lock, watch the store: once it has written a fresh credential there is
        // nothing left to wait for (the store lock and a re-read still guard every refresh that does happen).
        StoredProfile? adopted = null;
        var refreshLock = FileLock.AcquireUnless(lockTarget, () => (adopted = PeerResult(agent, profileId, call)) is not null, Options.RefreshLockOptions, cancellationToken);
        if (refreshLock is null)
        {
            return new AccessTokenResult(agent.Id, adopted!, adopted!.GetString("access")!, AccessTokenSource.Peer);
        }
        var acquiredUtc = DateTime.UtcNow;
        AccessTokenResult result;
        DateTime releasingUtc;
        var locks = new List<IDisposable> { refreshLock };
        IDisposable? held = null;
        try
        {
            // Era C names the lock both ways (6.5 – 6.9 and 6.10+): the other names are taken after the first.
            for (var i = 1; i < targets.Count; i++)
            {
                locks.Add(FileLock.Acquire(targets[i], Options.RefreshLockOptions, cancellationToken));
            }
            held = OAuthProfileLock.Hold(new List<string>(targets), Array.Empty<IDisposable>());
            result = RefreshInsideLock(agent, profileId, call, cancellationToken);
        }
        finally
        {
            held?.Dispose();
            // Stamped before the release, so that a peer's acquisition can never appear to precede it.
            releasingUtc = DateTime.UtcNow;
            for (var i = locks.Count - 1; i >= 0; i--)
            {
                locks[i].Dispose();
            }
        }
        result.RefreshLockReleasedUtc = releasingUtc;
        result.RefreshLockAcquiredUtc = acquiredUtc;
        result.RefreshLockWaited = refreshLock.Waited;
        return result;
    }

    private sealed class Outcome
    {
        public AccessTokenSource Source;
        public string? PresentedRefresh;
        public OAuthCredential? Tokens;
        public StoredProfile? Profile;
        public TimeSpan StoreLockWaited;

        /// <summary>The external CLI whose fresher credential was adopted (Source = Peer, no network call).</summary>
        public string? AdoptedFrom;
    }

    private AccessTokenResult RefreshInsideLock(AgentLocation agent, string profileId, Call call, CancellationToken cancellationToken)
    {
        Outcome outcome;
        var storeWait = Stopwatch.StartNew();
        try
        {
            if (agent.Store.HoldsLockAcrossNetwork)
            {
                PrecheckExternalHolders(agent, profileId, call);
            }
            Trace?.Invoke("store-lock");
            outcome = agent.Store.HoldsLockAcrossNetwork
                ? agent.Store.Update(store => Decide(agent, store, profileId, call, storeWait.Elapsed, cancellationToken, network: true)!, new StoreUpdateOptions { LockOptions = Options.StoreLockOptions }, cancellationToken)
                : RefreshOutsideTransaction(agent, profileId, call, storeWait, cancellationToken);
        }
        catch (MoltbotException ex) when (IsRefreshFailure(ex))
        {
            // A peer that does not take the refresh lock (OpenClaw before 2026.4.2x) may have refreshed meanwhile.
            var peer = TryReadProfile(agent, profileId);
            if (peer is not null && peer.Type == CredentialType.OAuth && IsUsable(peer, _clock.GetUtcNow(), TimeSpan.Zero)
                && !string.Equals(peer.GetString("refresh"), call.SeenRefresh, StringComparison.Ordinal))
            {
                return new AccessTokenResult(agent.Id, peer, peer.GetString("access")!, AccessTokenSource.Peer) { Warnings = call.Warnings.ToArray() };
            }
            var code = ex.Data[TokenEndpointClient.ProviderErrorKey] as string ?? CodeOf(ex.ErrorId);
            var kind = ex.Kind == MoltbotErrorKind.ConnectionError ? MoltbotErrorKind.ConnectionError : MoltbotErrorKind.AuthenticationError;
            throw Failed(agent, peer ?? null, code, ex.Message, kind, ex, profileId);
        }

        var storeReleased = DateTime.UtcNow;
        var profile = outcome.Profile!;
        var result = new AccessTokenResult(agent.Id, profile, profile.GetString("access")!, outcome.Source)
        {
            StoreLockWaited = outcome.StoreLockWaited,
            StoreLockReleasedUtc = storeReleased,
            AdoptedFrom = outcome.AdoptedFrom,
            Warnings = call.Warnings.ToArray(),
        };
        if (outcome.Tokens is not null)
        {
            // Refreshed, or adopted from an external CLI that rotated it: the copies hold a refresh token that is dead now,
            // and one presented again would be reuse, so a stop does not skip them (each write is bounded by its store
            // lock's timeout).
            Propagate(agent, profile.Provider!, outcome.PresentedRefresh!, outcome.Tokens!, result, CancellationToken.None);
        }
        return result;
    }

    /// <summary>
    /// The decision inside the locks, on the store as it is now: a peer's fresh credential is used as it is; otherwise,
    /// with <paramref name="network"/>, the refresh request is sent and its answer merged into <paramref name="store"/>
    /// (the JSON era, where the store lock is held across it), else null says "refresh now".
    /// </summary>
    private Outcome? Decide(AgentLocation agent, AuthProfileStore store, string profileId, Call call, TimeSpan waited, CancellationToken cancellationToken, bool network)
    {
        var current = store.Get(profileId) ?? throw NotFound(agent, profileId);
        if (current.Type != CredentialType.OAuth)
        {
            throw new MoltbotException(RefreshErrorIds.ProfileNotRefreshable, MoltbotErrorKind.InvalidArgument,
                $"Profile '{profileId}' of agent '{agent.Id}' was changed to {Text.Article.With(current.Type.ToWireName())} credential meanwhile; it is not refreshed.", profileId);
        }
        if (RefreshFence.Of(current) == RefreshFenceState.Failed)
        {
            throw FailedFence(agent, current);
        }
        var currentRefresh = current.GetString("refresh");
        if (IsPeerResult(current, call))
        {
            return new Outcome { Source = AccessTokenSource.Peer, Profile = Snapshot(current), StoreLockWaited = waited };
        }
        if (string.IsNullOrEmpty(currentRefresh))
        {
            throw Failed(agent, current, "no_refresh_token", "the profile holds no refresh token", MoltbotErrorKind.AuthenticationError, null);
        }
        if (!network)
        {
            return null;
        }
        // Decided before the store lock when the credential is still the one checked then (PrecheckExternalHolders).
        var cli = call.CheckedRefresh is { } checkedRefresh && string.Equals(checkedRefresh, currentRefresh, StringComparison.Ordinal)
            ? call.CheckedAdoption
            : CheckExternalHolders(agent, agent.Store.Kind, current, call);
        if (cli is not null)
        {
            cli.Tokens.MergeInto(current.Node);
            store.MarkChanged(current);
            return new Outcome
            {
                Source = AccessTokenSource.Peer,
                PresentedRefresh = currentRefresh,
                Tokens = cli.Tokens,
                Profile = Snapshot(current),
                StoreLockWaited = waited,
                AdoptedFrom = cli.From,
            };
        }
        Trace?.Invoke("network");
        // Once sent, the request is not aborted by a stop (TokenEndpointClient): its answer is merged here and written by
        // the store update that holds the lock, and the stop is reported afterwards (GetAccessToken).
        var tokens = RefreshAtProvider(current, cancellationToken);
        tokens.MergeInto(current.Node);
        store.MarkChanged(current);
        return new Outcome
        {
            Source = AccessTokenSource.Refreshed,
            PresentedRefresh = currentRefresh,
            Tokens = tokens,
            Profile = Snapshot(current),
            StoreLockWaited = waited,
        };
    }

    /// <summary>
    /// The SQLite eras: a transaction must stay short and never span a network call, so the cross-agent lock (held
    /// by the caller, and honoured by OpenClaw for every refresh) is what serialises refreshers. Re-read, refresh, then
    /// one short update that merges the answer into the credential as it is by then.
    /// </summary>
    private Outcome RefreshOutsideTransaction(AgentLocation agent, string profileId, Call call, Stopwatch storeWait, CancellationToken cancellationToken)
    {
        var store = agent.Store.Load() ?? throw NotFound(agent, profileId);
        if (store.Get(profileId) is { } fenced && RefreshFence.Of(fenced) == RefreshFenceState.Pending)
        {
            // Only a holder of the lock we hold writes a pending fence: one left now belongs to a refresher that died.
            throw new MoltbotException(ErrorIds.RefreshInProgress, MoltbotErrorKind.ResourceBusy,
                $"Profile '{profileId}' of agent '{agent.Id}' carries a pending refresh fence of an OpenClaw process that no longer holds the refresh lock.", profileId)
            {
                RecommendedAction = $"Run the agent once so that OpenClaw settles the fence, or sign in again with 'Connect-MoltbotProvider -Agent {agent.Id} -ProfileId {profileId}'.",
            };
        }
        var decided = Decide(agent, store, profileId, call, storeWait.Elapsed, cancellationToken, network: false);
        if (decided is not null)
        {
            return decided;
        }
        var seen = store.Get(profileId)!;
        var presented = seen.GetString("refresh")!;
        if (CheckExternalHolders(agent, agent.Store.Kind, seen, call) is { } cli)
        {
            return agent.Store.Update(latest =>
            {
                var current = latest.Get(profileId) ?? throw NotFound(agent, profileId);
                cli.Tokens.MergeInto(current.Node);
                latest.MarkChanged(current);
                return new Outcome
                {
                    Source = AccessTokenSource.Peer,
                    PresentedRefresh = presented,
                    Tokens = cli.Tokens,
                    Profile = Snapshot(current),
                    StoreLockWaited = storeWait.Elapsed,
                    AdoptedFrom = cli.From,
                };
            }, new StoreUpdateOptions { LockOptions = Options.StoreLockOptions }, CancellationToken.None);
        }
        Trace?.Invoke("network");
        // Once sent, the request is not aborted by a stop (TokenEndpointClient): the provider has rotated the token, so its
        // answer is stored even if the caller gives up meanwhile (the stop is reported afterwards, by GetAccessToken).
        var tokens = RefreshAtProvider(seen, cancellationToken);
        return agent.Store.Update(latest =>
        {
            var current = latest.Get(profileId) ?? throw NotFound(agent, profileId);
            tokens.MergeInto(current.Node);
            latest.MarkChanged(current);
            return new Outcome
            {
                Source = AccessTokenSource.Refreshed,
                PresentedRefresh = presented,
                Tokens = tokens,
                Profile = Snapshot(current),
                StoreLockWaited = storeWait.Elapsed,
            };
        }, new StoreUpdateOptions { LockOptions = Options.StoreLockOptions }, CancellationToken.None);
    }

    /// <summary>Waits while OpenClaw 2026.9.6 holds a pending refresh fence on the profile, then returns it as it is.</summary>
    private StoredProfile WaitForFence(AgentLocation agent, string profileId, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var current = TryReadProfile(agent, profileId) ?? throw NotFound(agent, profileId);
            var fence = RefreshFence.Of(current);
            if (fence == RefreshFenceState.None)
            {
                return current;
            }
            if (fence == RefreshFenceState.Failed)
            {
                throw FailedFence(agent, current);
            }
            if (clock.Elapsed >= Options.RefreshLockOptions.Timeout)
            {
                throw new MoltbotException(ErrorIds.RefreshInProgress, MoltbotErrorKind.ResourceBusy,
                    $"Profile '{profileId}' of agent '{agent.Id}' stayed in a pending OpenClaw refresh for {clock.Elapsed.TotalSeconds:0} s.", profileId);
            }
            if (cancellationToken.WaitHandle.WaitOne(50))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>
    /// Gives the new credential to every other agent whose store holds a profile of the same provider with the refresh
    /// token that was just used (openclaw's <c>agents add</c> copies stores), each under its store lock with a re-read;
    /// a copy that changed meanwhile is left alone.
    /// </summary>
    private void Propagate(AgentLocation origin, string provider, string oldRefresh, OAuthCredential tokens, AccessTokenResult result, CancellationToken cancellationToken)
    {
        var propagated = new List<string>();
        var warnings = new List<string>();
        var originStore = CanonicalLocation(origin.Store.Location);
        IReadOnlyList<AgentLocation> agents;
        try
        {
            agents = _state.ListAgents();
        }
        catch (MoltbotException ex)
        {
            result.Warnings = result.Warnings.Append($"The other agents could not be listed, so their copies were not updated: {ex.Message}").ToArray();
            return;
        }
        foreach (var other in agents)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (other.Id == origin.Id || !other.Store.Exists)
            {
                continue;
            }
            try
            {
                if (string.Equals(CanonicalLocation(other.Store.Location), originStore, StringComparison.Ordinal))
                {
                    continue; // the same file (through a link, or the shared store): already written
                }
                AuthProfileStore? before;
                try
                {
                    before = other.Store.Load();
                }
                catch (Exception ex) when (ex is MoltbotException or IOException or UnauthorizedAccessException)
                {
                    // Unread, it is not known whether this agent holds a copy: say that, not that it holds one.
                    warnings.Add($"The store of agent '{other.Id}' could not be read, so it is not known whether it holds a copy of the old credential; " +
                                 $"if it does, that copy still has the refresh token just used and will fail: {ex.Message}");
                    continue;
                }
                if (before is null || !HoldsRefresh(before, provider, oldRefresh))
                {
                    continue;
                }
                var count = other.Store.Update(store =>
                {
                    var n = 0;
                    foreach (var copy in store.Profiles)
                    {
                        if (IsCopy(copy, provider, oldRefresh) && store.SourceOf(copy.Id) is not { Inherited: true })
                        {
                            tokens.MergeInto(copy.Node);
                            store.MarkChanged(copy);
                            n++;
                        }
                    }
                    return n;
                }, new StoreUpdateOptions { LockOptions = Options.StoreLockOptions, ImportLegacy = false }, cancellationToken);
                if (count > 0)
                {
                    propagated.Add(other.Id);
                }
            }
            catch (MoltbotException ex)
            {
                warnings.Add($"Agent '{other.Id}' holds a copy of the old credential that could not be updated: {ex.Message}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"Agent '{other.Id}' holds a copy of the old credential that could not be updated: {ex.Message}");
            }
        }
        result.PropagatedTo = propagated;
        result.Warnings = result.Warnings.Concat(warnings).ToArray();
    }

    private static string CanonicalLocation(string path)
    {
        try
        {
            return SecureFile.CanonicalDirectoryOf(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Path.GetFullPath(path);
        }
    }

    private static bool HoldsRefresh(AuthProfileStore store, string provider, string refresh)
    {
        foreach (var p in store.Profiles)
        {
            if (IsCopy(p, provider, refresh) && store.SourceOf(p.Id) is not { Inherited: true })
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsCopy(StoredProfile p, string provider, string refresh) =>
        p.Type == CredentialType.OAuth
        && string.Equals(p.Provider, provider, StringComparison.OrdinalIgnoreCase)
        && string.Equals(p.GetString("refresh"), refresh, StringComparison.Ordinal);

    /// <summary>
    /// One refresh request at the provider the profile belongs to (its definition builds the request and reads the
    /// answer); the result is merged <c>{...old, ...new, type:"oauth"}</c> by <see cref="OAuthCredential.MergeInto"/>.
    /// </summary>
    private OAuthCredential RefreshAtProvider(StoredProfile profile, CancellationToken cancellationToken)
    {
        var provider = ProviderRegistry.ForStoredProvider(profile.Provider)
            ?? throw new InvalidOperationException($"No provider definition refreshes '{profile.Provider}'.");
        return provider.RefreshAsync(Client, new StoredCredentialView(profile), _environment, Options.RefreshTimeout, cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>The stored credential if a peer has refreshed it since the caller read it and it is usable (<see cref="IsPeerResult"/>).</summary>
    private StoredProfile? PeerResult(AgentLocation agent, string profileId, Call call)
    {
        var current = TryReadProfile(agent, profileId);
        return current is not null && current.Type == CredentialType.OAuth && IsPeerResult(current, call) ? current : null;
    }

    /// <summary>
    /// The peer rule, on the credential as it is now: unforced, one usable by the margin, or one whose refresh token
    /// changed since the caller read it and that has not expired; forced ("the credential I read is rejected"), only one
    /// that changed (its refresh token, or its access token from the one rejected) and has not expired. A forced refresh
    /// therefore never burns the token a peer has just obtained.
    /// </summary>
    private bool IsPeerResult(StoredProfile current, Call call)
    {
        var now = _clock.GetUtcNow();
        var refreshed = !string.Equals(current.GetString("refresh"), call.SeenRefresh, StringComparison.Ordinal);
        if (call.Force)
        {
            var replaced = call.RejectedAccess is not null && !string.Equals(current.GetString("access"), call.RejectedAccess, StringComparison.Ordinal);
            return (refreshed || replaced) && IsUsable(current, now, TimeSpan.Zero);
        }
        return refreshed && IsUsable(current, now, TimeSpan.Zero) || IsUsable(current, now, Options.Margin);
    }

    /// <summary>
    /// The JSON era holds the store lock across the refresh request: the external CLIs are checked before it is taken
    /// (the refresh lock is held already), so that the warning, which the host may turn into a prompt
    /// (-WarningAction Inquire), never holds up OpenClaw's writers; a refusal then takes no store lock at all. Inside the
    /// lock the decision stands while the credential is still the one checked here.
    /// </summary>
    private void PrecheckExternalHolders(AgentLocation agent, string profileId, Call call)
    {
        var seen = TryReadProfile(agent, profileId);
        if (seen is null || seen.Type != CredentialType.OAuth || IsPeerResult(seen, call) || RefreshFence.Of(seen) == RefreshFenceState.Failed
            || seen.GetString("refresh") is not { Length: > 0 } refresh)
        {
            return; // decided inside the lock
        }
        call.CheckedAdoption = CheckExternalHolders(agent, agent.Store.Kind, seen, call);
        call.CheckedRefresh = refresh;
    }

    /// <summary>An external CLI's credential to adopt instead of refreshing, and where it came from (for messages).</summary>
    private sealed record Adoption(OAuthCredential Tokens, string From);

    /// <summary>
    /// Just before a refresh token of a rotating provider is presented (inside the locks, on the credential as it is
    /// now): reads the external CLIs that sign in to the profile's provider. A mirror profile whose CLI holds a fresher
    /// credential of the same account adopts it (the CLI refreshed, so the token here is dead: presenting it would be
    /// reuse). Otherwise a CLI that holds the very refresh token about to be presented is signed out by the refresh:
    /// allowed, it is warned about before the request; not allowed, the refresh is refused and nothing is presented.
    /// Agent copies are no reason to warn: they receive the new credential (Propagate).
    /// </summary>
    private Adoption? CheckExternalHolders(AgentLocation agent, StoreKind kind, StoredProfile current, Call call)
    {
        var provider = current.Provider;
        if (ProviderRegistry.ForStoredProvider(provider) is not { RotatesRefreshToken: true })
        {
            return null;
        }
        var clis = new List<ExternalCli>(ExternalCliRegistry.ForProvider(provider));
        if (clis.Count == 0)
        {
            return null;
        }
        var reader = ExternalReader;
        var readings = new List<ExternalReading>(clis.Count);
        foreach (var cli in clis)
        {
            readings.Add(reader.Read(cli));
        }
        var refresh = current.GetString("refresh")!;
        var mirrored = ExternalCliRegistry.ForMirrorProfile(current.Id);
        if (mirrored is not null && string.Equals(mirrored.ProviderFor(kind), provider, StringComparison.OrdinalIgnoreCase)
            && readings.Find(r => r.Cli == mirrored)?.Credential is { } theirs && IsFresherCopy(theirs, current, call))
        {
            return new Adoption(theirs.ToCredential(), $"{theirs.Cli.DisplayName} ({theirs.Location})");
        }
        var holders = CredentialHolders.FromExternal(readings).HoldersOf(refresh);
        if (holders.Count == 0)
        {
            return null;
        }
        var names = string.Join(" and ", holders.Select(h => h.ToString()));
        var first = ExternalCliRegistry.Find(holders[0].Name);
        var cliId = first?.Id ?? holders[0].Name;
        var signIn = string.Join(" / ", holders.Select(h => ExternalCliRegistry.Find(h.Name)?.SignInCommand).Where(c => c is not null).Distinct().Select(c => $"'{c}'"));
        var what = $"profile '{current.Id}' of agent '{agent.Id}'";
        var handOver = $"hand the chain over with 'Import-MoltbotExternalCredential -Cli {cliId} -TakeOwnership' (the CLI then signs in again and gets a chain of its own)";
        if (call.AllowSignOut)
        {
            call.Warn($"Refreshing {what} rotates the refresh token {names} also holds: {string.Join(" and ", holders.Select(h => h.DisplayName))} is signed out and must run {signIn}; {handOver}.");
            return null;
        }
        throw new MoltbotException(ExternalErrorIds.SharedRefreshToken, MoltbotErrorKind.ResourceBusy,
            $"The refresh token of {what} is also held by {names}. The provider rotates it: a refresh here would sign that CLI out, and its next refresh would present the dead token, which the provider answers by revoking the whole chain (this profile included). Nothing was sent to the provider.",
            current.Id)
        {
            RecommendedAction = $"Either {handOver}, or refresh anyway and sign the CLI out with 'Update-MoltbotAuthProfile -ProfileId {current.Id} -Agent {agent.Id} -Force'.",
        };
    }

    /// <summary>
    /// Whether the CLI's credential replaces the mirror's: an oauth credential that has not expired and is not the access
    /// token being rejected, which the import rule (<see cref="ExternalImporter.Decide"/>: same account, not the same
    /// credential, strictly fresher) would take over the stored one, or which ties with it on expiry while holding another
    /// refresh token (the CLI rotated the chain within the same second).
    /// </summary>
    private bool IsFresherCopy(ExternalCredential theirs, StoredProfile current, Call call)
    {
        var now = _clock.GetUtcNow();
        if (theirs.Type != CredentialType.OAuth || theirs.ExpiresMs is not { } theirExpiry
            || theirExpiry <= now.ToUnixTimeMilliseconds()
            || string.Equals(theirs.Access, call.RejectedAccess, StringComparison.Ordinal))
        {
            return false;
        }
        var action = ExternalImporter.Decide(theirs, current, $"profile '{current.Id}'", force: false, now).Action;
        if (action == ExternalImportAction.Updated)
        {
            return true;
        }
        // The tie: the CLI holds another refresh token with the same expiry. A Codex-style expiry comes from the access
        // token's exp, in whole seconds, so a CLI that rotated the chain within the second the mirror's token was issued
        // has an equal expiry; the mirror's refresh token is then the rotated one, and presenting it would be reuse. A
        // refresh by the module itself writes now + expires_in to the millisecond, so it never ties with the CLI's copy.
        return action == ExternalImportAction.KeptLocal
            && current.ExpiresMs == theirExpiry
            && theirs.Refresh is { Length: > 0 } theirRefresh
            && current.GetString("refresh") is { Length: > 0 } ourRefresh
            && !string.Equals(ourRefresh, theirRefresh, StringComparison.Ordinal);
    }

    private static StoredProfile Snapshot(StoredProfile p) => new(p.Id, (JsonObject)p.Node.DeepClone());

    private static StoredProfile? TryReadProfile(AgentLocation agent, string profileId)
    {
        try
        {
            return agent.LoadStore()?.Get(profileId);
        }
        catch (MoltbotException)
        {
            return null;
        }
    }

    private static bool IsRefreshFailure(MoltbotException ex) => ex.ErrorId is OAuthErrorIds.AuthenticationFailed
        or OAuthErrorIds.TokenEndpointUnreachable or OAuthErrorIds.InvalidTokenResponse or OAuthErrorIds.AccountIdMissing;

    private static string CodeOf(string errorId) => errorId switch
    {
        OAuthErrorIds.TokenEndpointUnreachable => "unreachable",
        OAuthErrorIds.InvalidTokenResponse => "invalid_token_response",
        OAuthErrorIds.AccountIdMissing => "account_id_missing",
        _ => "refresh_failed",
    };

    private static string ApiKeyOf(AgentLocation agent, StoredProfile profile)
    {
        var key = profile.GetString("key") ?? profile.GetString("apiKey");
        if (!string.IsNullOrWhiteSpace(key))
        {
            return key;
        }
        if (profile.Node["keyRef"] is JsonObject)
        {
            throw SecretReference(agent, profile, "keyRef");
        }
        throw new MoltbotException(ErrorIds.InvalidApiKey, MoltbotErrorKind.InvalidData,
            $"The api_key profile '{profile.Id}' of agent '{agent.Id}' holds no key.", profile.Id)
        {
            RecommendedAction = "Store one with Set-MoltbotApiKey.",
        };
    }

    private string StaticTokenOf(AgentLocation agent, StoredProfile profile)
    {
        var token = profile.GetString("token");
        if (string.IsNullOrWhiteSpace(token))
        {
            if (profile.Node["tokenRef"] is JsonObject)
            {
                throw SecretReference(agent, profile, "tokenRef");
            }
            throw new MoltbotException(ErrorIds.InvalidToken, MoltbotErrorKind.InvalidData,
                $"The token profile '{profile.Id}' of agent '{agent.Id}' holds no token.", profile.Id);
        }
        if (profile.ExpiresMs is { } expires && expires <= _clock.GetUtcNow().ToUnixTimeMilliseconds())
        {
            var when = DateTimeOffset.FromUnixTimeMilliseconds(expires).ToString("u", CultureInfo.InvariantCulture);
            throw new MoltbotException(RefreshErrorIds.TokenExpired, MoltbotErrorKind.AuthenticationError,
                $"The token of profile '{profile.Id}' (agent '{agent.Id}') expired at {when}; a token profile cannot be refreshed.", profile.Id)
            {
                RecommendedAction = CredentialRenewal.Advice(profile.Provider, profile.Id, agent.Id, profile.Type),
            };
        }
        return token;
    }

    /// <summary>A 9.6 failed refresh fence: OpenClaw never refreshes the profile again, only a new login helps.</summary>
    private static MoltbotException FailedFence(AgentLocation agent, StoredProfile profile) =>
        Failed(agent, profile, "refresh_failed", "OpenClaw's last refresh of this profile failed for good (a failed refresh fence); it will not be refreshed again.",
            MoltbotErrorKind.AuthenticationError, null);

    private static MoltbotException NotFound(AgentLocation agent, string profileId) =>
        new(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound, $"Agent '{agent.Id}' has no profile '{profileId}'.", profileId)
        {
            RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
        };

    /// <summary>The typed error for a profile that is not an oauth credential and so cannot be refreshed, with how to renew it.</summary>
    public static MoltbotException NotRefreshable(AgentLocation agent, StoredProfile profile) =>
        new(RefreshErrorIds.ProfileNotRefreshable, MoltbotErrorKind.InvalidArgument,
            $"Profile '{profile.Id}' of agent '{agent.Id}' is {Text.Article.With(profile.Type == CredentialType.Unknown ? profile.RawType ?? "unknown" : profile.Type.ToWireName())} credential, which is static and cannot be refreshed; only oauth profiles can.",
            profile.Id)
        {
            RecommendedAction = CredentialRenewal.Advice(profile.Provider, profile.Id, agent.Id, profile.Type),
        };

    private static MoltbotException NotSupported(AgentLocation agent, StoredProfile profile) =>
        new(RefreshErrorIds.RefreshNotSupported, MoltbotErrorKind.NotImplemented,
            $"Moltbot cannot refresh OAuth credentials of provider '{profile.Provider}' (profile '{profile.Id}' of agent '{agent.Id}'); it refreshes: {string.Join(", ", RefreshableProviderIds())}.",
            profile.Id)
        {
            RecommendedAction = "Let OpenClaw refresh this profile (run the agent), or sign in again with the openclaw CLI. Get-MoltbotProvider lists what Moltbot refreshes.",
        };

    /// <summary>The stored provider ids whose oauth profiles are refreshed here, for messages.</summary>
    private static IEnumerable<string> RefreshableProviderIds()
    {
        foreach (var p in ProviderRegistry.All)
        {
            if (!p.Refreshable)
            {
                continue;
            }
            yield return p.StoredProviderIds.Count == 0 ? p.Id : $"{p.Id} (stored as {string.Join(" or ", p.StoredProviderIds)} by later OpenClaw)";
        }
    }

    private static MoltbotException SecretReference(AgentLocation agent, StoredProfile profile, string field) =>
        new(RefreshErrorIds.SecretReference, MoltbotErrorKind.NotImplemented,
            $"Profile '{profile.Id}' of agent '{agent.Id}' keeps its secret behind a reference ('{field}'), which Moltbot cannot resolve.", profile.Id);

    private static MoltbotException Failed(AgentLocation agent, StoredProfile? profile, string code, string detail, MoltbotErrorKind kind, Exception? inner, string? profileId = null)
    {
        var id = profile?.Id ?? profileId ?? string.Empty;
        var provider = profile?.Provider ?? ProviderId.ProviderOf(id) ?? "the provider";
        var definition = ProviderRegistry.ForStoredProvider(provider);
        var advice = definition?.RefreshFailedAdvice(agent.Id, id)
            ?? $"Sign in again with 'Connect-MoltbotProvider {provider} -Agent {agent.Id} -ProfileId {id}'.";
        var ex = new MoltbotException(RefreshErrorIds.RefreshFailed, kind,
            $"OAuth token refresh failed for {provider} (profile '{id}' of agent '{agent.Id}'): {code}. {detail.TrimEnd()} The stored profile was kept unchanged.",
            id, inner)
        {
            RecommendedAction = kind == MoltbotErrorKind.ConnectionError
                ? $"Check the network and try again; if the refresh keeps failing: {advice}"
                : advice,
        };
        ex.Data[TokenEndpointClient.ProviderErrorKey] = code;
        return ex;
    }
}
