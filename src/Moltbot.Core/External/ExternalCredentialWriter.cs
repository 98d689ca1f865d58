using System;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;

namespace Moltbot.Core.External;

/// <summary>How the writer waits for an external CLI's own lock.</summary>
public sealed record ExternalWriteOptions
{
    /// <summary>How long to wait for the CLI's lock before giving up (the CLIs hold it for one refresh request).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A CLI lock whose mtime is older than this is abandoned (Qwen Code: 10 s).</summary>
    public TimeSpan LockStaleAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The mean pause between two attempts to take the lock.</summary>
    public TimeSpan LockPollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public static ExternalWriteOptions Default { get; } = new();
}

/// <summary>
/// Writes an external CLI's credential file back: the document as the CLI wrote it with only its token fields changed
/// (<see cref="ExternalCli.WithTokens"/>, <see cref="ExternalCli.WithoutRefreshToken"/>), every other field kept,
/// written atomically (temp file and rename, 0600) under the CLI's own lock when it has one
/// (<see cref="ExternalCli.LockPath"/>: exclusive create, stale after 10 s by mtime, a bounded wait, removed after).
/// Under that lock the file is read again and nothing is written unless it still holds the refresh token that was read
/// (the CLI may have refreshed meanwhile). Keychain entries are never written.
/// </summary>
public sealed class ExternalCredentialWriter
{
    private static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        // Keep non-ASCII text as the CLI wrote it (the value is the same either way; the file stays readable).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly ExternalWriteOptions _options;
    private readonly MoltbotEnvironment _environment;

    /// <param name="environment">What the re-read of a CLI's file completes the credential from (the process's by default).</param>
    public ExternalCredentialWriter(ExternalWriteOptions? options = null, MoltbotEnvironment? environment = null)
    {
        _options = options ?? ExternalWriteOptions.Default;
        _environment = environment ?? MoltbotEnvironment.Process;
    }

    /// <summary>
    /// Takes the refresh token away from the CLI (its access token stays until it expires): the hand-over of a chain to
    /// the agents' stores. <paramref name="underLock"/> runs after the re-read and before the write, while the CLI's lock
    /// is held (the import of the same credential into the store); an exception from it stops the write.
    /// </summary>
    /// <returns>What the file holds afterwards.</returns>
    /// <exception cref="MoltbotException"><see cref="ExternalErrorIds.WriteFailed"/>: a Keychain source, the lock busy,
    /// the file changed or gone since it was read, or the write failed. Nothing was written then.</exception>
    public ExternalCredential RetireRefreshToken(ExternalCredential read, Action? underLock = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        return Write(read, read.Cli.WithoutRefreshToken, underLock, cancellationToken);
    }

    /// <summary>Writes new tokens into the CLI's file (every other field kept), on the same terms as <see cref="RetireRefreshToken"/>.</summary>
    public ExternalCredential WriteTokens(ExternalCredential read, OAuthCredential tokens, Action? underLock = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(tokens);
        return Write(read, doc => read.Cli.WithTokens(doc, tokens), underLock, cancellationToken);
    }

    private ExternalCredential Write(ExternalCredential read, Func<JsonObject, JsonObject> change, Action? underLock, CancellationToken cancellationToken)
    {
        var cli = read.Cli;
        if (read.Source == ExternalSource.Keychain)
        {
            throw new MoltbotException(ExternalErrorIds.WriteFailed, MoltbotErrorKind.WriteError,
                $"The {cli.DisplayName} credential is in the macOS Keychain ({read.Location}), which Moltbot reads but does not write. Nothing was written.",
                read.Location)
            {
                RecommendedAction = $"Import it without -TakeOwnership, then sign {cli.DisplayName} out and in again ({cli.SignInCommand}) so that it holds a refresh chain of its own.",
            };
        }
        var path = read.Location;
        var lockPath = cli.LockPath(path);
        FileLock? held = null;
        if (lockPath is not null)
        {
            try
            {
                held = FileLock.AcquireAt(lockPath, new FileLockOptions
                {
                    Timeout = _options.LockTimeout,
                    StaleAfter = _options.LockStaleAfter,
                    PollInterval = _options.LockPollInterval,
                }, cancellationToken);
            }
            catch (MoltbotException ex) when (ex.ErrorId is ErrorIds.LockTimeout or ErrorIds.LockInvalid)
            {
                throw new MoltbotException(ExternalErrorIds.WriteFailed, MoltbotErrorKind.ResourceBusy,
                    $"{cli.DisplayName} holds its lock {lockPath}: {ex.Message} Nothing was written to {path}.", path, ex)
                {
                    RecommendedAction = $"Let {cli.DisplayName} finish (or end it), then run the command again.",
                };
            }
        }
        try
        {
            var current = ExternalCredentialReader.ReadFile(cli, path, _environment);
            if (current.Error is { } error)
            {
                throw Changed(read, $"it cannot be read any more ({error.Message})", error);
            }
            if (current.Credential is not { } now)
            {
                throw Changed(read, "it is gone");
            }
            if (!string.Equals(now.Refresh, read.Refresh, StringComparison.Ordinal))
            {
                throw Changed(read, now.Refresh is null
                    ? "it holds no refresh token any more"
                    : $"it holds another refresh token now ({cli.DisplayName} refreshed or signed in again)");
            }
            underLock?.Invoke();
            cancellationToken.ThrowIfCancellationRequested();
            var document = change(now.Document);
            var text = document.ToJsonString(Pretty);
            var bytes = Encoding.UTF8.GetBytes(text + "\n");
            DateTimeOffset? modified;
            try
            {
                SecureFile.WriteAtomic(path, bytes);
                modified = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new MoltbotException(ExternalErrorIds.WriteFailed, ex is UnauthorizedAccessException ? MoltbotErrorKind.PermissionDenied : MoltbotErrorKind.WriteError,
                    $"The {cli.DisplayName} credential {path} could not be written: {ex.Message}", path, ex);
            }
            return cli.Complete(cli.Parse(document, ExternalSource.File, path, modified), _environment);
        }
        finally
        {
            held?.Dispose();
        }
    }

    private static MoltbotException Changed(ExternalCredential read, string what, Exception? inner = null) =>
        new(ExternalErrorIds.WriteFailed, MoltbotErrorKind.ResourceBusy,
            $"The {read.Cli.DisplayName} credential {read.Location} changed since it was read: {what}. Nothing was written.", read.Location, inner)
        {
            RecommendedAction = "Run the command again: it reads the file afresh.",
        };
}
