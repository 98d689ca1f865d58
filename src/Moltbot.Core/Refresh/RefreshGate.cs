using System.Collections;
using System.Diagnostics;
using System.Threading;
using Moltbot.Core.Store;

namespace Moltbot.Core.Refresh;

/// <summary>
/// The in-process gate in front of a profile's refresh file locks (issue 16): one caller of this process at a time goes
/// on to the file locks, and the callers queued behind it receive its outcome instead of each taking the locks in turn.
/// The rules (<see cref="TokenRefresher"/> applies them when a queued caller enters):
/// <list type="bullet">
/// <item>an outcome is shared only with callers that queued while it was being made (it finished after they began to
/// wait), for the same store file and profile, and that read the same stored credential as the caller that made it
/// (the same refresh token): a caller that read another credential (signed in again, a different agent's copy sharing
/// the lock key) is not given it;</item>
/// <item>a credential is taken only when it passes the queued caller's own peer rule (<c>IsPeerResult</c>): a forced
/// caller ("the access token I hold was rejected") takes it only when it holds another refresh or access token than the
/// one it rejected and has not expired;</item>
/// <item>a refresh the provider refused or that could not reach it (<see cref="RefreshErrorIds.RefreshFailed"/>) is
/// reported to those queued callers as the same error (a new exception with the same id, text and provider code): they
/// would present the same refresh token, so sending it again would only repeat the failure (or, for a rotating
/// provider, present a token that may now count as reused). A caller that comes after the failure tries again;</item>
/// <item>any other end of the caller in front (it was stopped before its request was sent, a lock timed out, a shared
/// refresh token was refused under its own <see cref="AccessTokenRequest.AllowSignOutOfExternal"/>) shares nothing: the
/// next queued caller re-reads the store and, when still needed, takes the file locks itself;</item>
/// <item>a queued caller that is stopped leaves the queue alone; the caller in front is never stopped by it.</item>
/// </list>
/// A queued caller that is given nothing still re-reads the store before any file lock: a peer (another agent's
/// refresh, another process) may have stored a fresh credential meanwhile. The last outcome is dropped once nobody is
/// queued, so no credential is kept in memory beyond the calls that need it.
/// </summary>
internal sealed class RefreshGate
{
    private readonly SemaphoreSlim _slot = new(1, 1);
    private int _waiting;

    // Read and written only by the holder of _slot.
    private Flight? _last;

    /// <summary>The outcome of one pass through the file locks.</summary>
    internal sealed record Flight(string Store, string ProfileId, string SeenRefresh, long FinishedAt, StoredProfile? Result, MoltbotException? Failure);

    /// <summary>How many callers are queued now (tests).</summary>
    internal int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Enters the gate: null when it was free, else the timestamp at which the caller began to wait.</summary>
    public long? Enter(CancellationToken cancellationToken)
    {
        if (_slot.Wait(0, CancellationToken.None))
        {
            return null;
        }
        Interlocked.Increment(ref _waiting);
        try
        {
            var since = Stopwatch.GetTimestamp();
            _slot.Wait(cancellationToken);
            return since;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    public void Exit()
    {
        // Nobody queued: nobody can be given the last outcome (a caller queuing from now on began after it finished).
        if (Volatile.Read(ref _waiting) == 0)
        {
            _last = null;
        }
        _slot.Release();
    }

    /// <summary>The outcome a caller queued since <paramref name="since"/> may be given, or null.</summary>
    public Flight? Shared(long since, string store, string profileId, string seenRefresh) =>
        _last is { } f && f.FinishedAt > since
        && string.Equals(f.Store, store, System.StringComparison.Ordinal)
        && string.Equals(f.ProfileId, profileId, System.StringComparison.Ordinal)
        && string.Equals(f.SeenRefresh, seenRefresh, System.StringComparison.Ordinal)
            ? f
            : null;

    public void Publish(string store, string profileId, string seenRefresh, StoredProfile? result, MoltbotException? failure) =>
        _last = new Flight(store, profileId, seenRefresh, Stopwatch.GetTimestamp(), result, failure);

    /// <summary>A new exception like <paramref name="failure"/> (one exception object is never thrown on two threads).</summary>
    public static MoltbotException Copy(MoltbotException failure)
    {
        var copy = new MoltbotException(failure.ErrorId, failure.Kind, failure.Message, failure.Target, failure.InnerException)
        {
            RecommendedAction = failure.RecommendedAction,
        };
        foreach (DictionaryEntry entry in failure.Data)
        {
            copy.Data[entry.Key] = entry.Value;
        }
        return copy;
    }
}
