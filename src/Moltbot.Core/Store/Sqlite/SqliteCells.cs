using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Microsoft.Data.Sqlite;
using Moltbot.Core.IO;

namespace Moltbot.Core.Store.Sqlite;

// The SQLite side of the SQLite-era backend: opening an existing OpenClaw database the safe way and reading or
// upserting one JSON cell (openclaw-sqlite.md 6 and 7.2). Nothing here creates, chmods or deletes a database file.

/// <summary>One JSON cell of an OpenClaw database: a table, its key column and key, its JSON and timestamp columns.</summary>
internal sealed record SqliteCell(string Table, string KeyColumn, string Key, string JsonColumn, string UpdatedColumn)
{
    /// <summary><c>auth_profile_store</c> row <c>primary</c> of an agent DB: <c>{version, profiles}</c>.</summary>
    public static readonly SqliteCell AgentStore = new("auth_profile_store", "store_key", "primary", "store_json", "updated_at");

    /// <summary><c>auth_profile_state</c> row <c>primary</c> of an agent DB: <c>{version, order, lastGood, usageStats}</c>.</summary>
    public static readonly SqliteCell AgentState = new("auth_profile_state", "state_key", "primary", "state_json", "updated_at");

    /// <summary>The shared store in the state DB (OpenClaw 2026.8+ with <c>auth.sharedStore = state-db</c>).</summary>
    public static readonly SqliteCell SharedStore = new("config_machine_state", "state_key", "authProfiles.store", "value_json", "updated_at_ms");

    public static readonly SqliteCell SharedState = new("config_machine_state", "state_key", "authProfiles.state", "value_json", "updated_at_ms");
}

internal static class SqliteCells
{
    /// <summary>At least OpenClaw's own 5 s (2026.8+); 6.x waits 30 s.</summary>
    public const int BusyTimeoutMs = 5000;

    /// <summary>How long an update retries after SQLITE_BUSY / SQLITE_LOCKED before it gives up.</summary>
    public static readonly TimeSpan BusyRetryBudget = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Opens an existing database: <c>Mode=ReadWrite</c> (or ReadOnly), never ReadWriteCreate, no pooling, and the busy
    /// timeout. Journal mode, synchronous, user_version and the schema are never touched.
    /// </summary>
    public static SqliteConnection Open(string path, bool write)
    {
        if (!File.Exists(path))
        {
            throw new MoltbotException(ErrorIds.StoreUnreadable, MoltbotErrorKind.ObjectNotFound,
                $"The OpenClaw database {path} does not exist.", path);
        }
        PathTrust.RequireRegularIfExists(path); // SQLite's open(2) of a FIFO never returns
        if (write)
        {
            PathTrust.EnsureTrustedForWrite(path, "OpenClaw database");
        }
        // A writer opens the file as OpenClaw does (SQLite itself then makes -wal/-shm, with the database's mode, if
        // they are missing); a reader that finds no sidecar opens it immutable so that it creates none.
        var connectionString = write
            ? new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString()
            : ReadOnlyConnectionString(path);
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout=" + BusyTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            pragma.ExecuteNonQuery();
            if (write)
            {
                KeepWalOnClose(connection);
            }
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw Failure(path, ex, write);
        }
    }

    /// <summary>
    /// Read-only, unpooled. When none of <c>-wal</c>, <c>-shm</c>, <c>-journal</c> exists, SQLite would create empty
    /// <c>-wal</c>/<c>-shm</c> files for a WAL-mode database even on a read-only connection (and leave them behind).
    /// Then there is no WAL content to miss and no writer mid-transaction, so the file is opened with
    /// <c>immutable=1</c>, which makes SQLite create nothing. With any sidecar present, the normal read-only open is used,
    /// which sees the newest WAL commits.
    /// </summary>
    public static string ReadOnlyConnectionString(string path)
    {
        var sidecars = File.Exists(path + "-wal") || File.Exists(path + "-shm") || File.Exists(path + "-journal");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = sidecars ? path : SqliteUri(path) + "?immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        };
        return builder.ToString();
    }

    /// <summary>A SQLite URI filename for an absolute path: <c>%</c>, <c>?</c> and <c>#</c> escaped, forward slashes.</summary>
    internal static string SqliteUri(string fullPath)
    {
        var p = OperatingSystem.IsWindows() ? fullPath.Replace('\\', '/') : fullPath;
        var sb = new System.Text.StringBuilder("file://");
        if (!p.StartsWith("/", StringComparison.Ordinal))
        {
            sb.Append('/'); // C:/x -> file:///C:/x
        }
        foreach (var ch in p)
        {
            switch (ch)
            {
                case '%':
                    sb.Append("%25");
                    break;
                case '?':
                    sb.Append("%3f");
                    break;
                case '#':
                    sb.Append("%23");
                    break;
                default:
                    sb.Append(ch);
                    break;
            }
        }
        return sb.ToString();
    }

    private const int SqliteFcntlPersistWal = 10;

    [System.Runtime.InteropServices.DllImport("e_sqlite3", EntryPoint = "sqlite3_file_control", CallingConvention = System.Runtime.InteropServices.CallingConvention.Cdecl)]
    private static extern int FileControl(IntPtr db, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string name, int op, ref int value);

    /// <summary>
    /// SQLITE_FCNTL_PERSIST_WAL: when this connection is the last one to close, SQLite would checkpoint and then delete
    /// the <c>-wal</c> and <c>-shm</c> files. The module never deletes OpenClaw's files, so they stay (as OpenClaw's own
    /// clean close leaves them: a 0-byte <c>-wal</c> and the <c>-shm</c>).
    /// </summary>
    private static void KeepWalOnClose(SqliteConnection connection)
    {
        try
        {
            var on = 1;
            FileControl(connection.Handle!.DangerousGetHandle(), "main", SqliteFcntlPersistWal, ref on);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // The bundled SQLite always exports it; a foreign provider may not, and then SQLite's default applies.
        }
    }

    /// <summary>The cell's JSON text, or null when the row does not exist.</summary>
    public static string? Read(SqliteConnection connection, SqliteTransaction? transaction, SqliteCell cell)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {cell.JsonColumn} FROM {cell.Table} WHERE {cell.KeyColumn} = $key";
        command.Parameters.AddWithValue("$key", cell.Key);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Upserts the cell as OpenClaw does (<c>ON CONFLICT DO UPDATE</c>), with the current UTC ms as its timestamp.</summary>
    public static void Write(SqliteConnection connection, SqliteTransaction transaction, SqliteCell cell, string json)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"INSERT INTO {cell.Table} ({cell.KeyColumn}, {cell.JsonColumn}, {cell.UpdatedColumn}) VALUES ($key, $json, $now) " +
            $"ON CONFLICT({cell.KeyColumn}) DO UPDATE SET {cell.JsonColumn} = excluded.{cell.JsonColumn}, {cell.UpdatedColumn} = excluded.{cell.UpdatedColumn}";
        command.Parameters.AddWithValue("$key", cell.Key);
        command.Parameters.AddWithValue("$json", json);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <summary>Whether a failure is the transient SQLITE_BUSY / SQLITE_LOCKED that a retry can cure.</summary>
    public static bool IsBusy(SqliteException ex) => ex.SqliteErrorCode is 5 or 6;

    /// <summary>
    /// Runs <paramref name="body"/> again after SQLITE_BUSY / SQLITE_LOCKED, with jitter, until the retry budget is
    /// spent. The body must roll back its own transaction (a using block does) so that nothing half-applied remains.
    /// </summary>
    public static T WithBusyRetry<T>(string path, Func<T> body, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(Environment.ProcessId ^ Environment.CurrentManagedThreadId ^ (int)DateTime.UtcNow.Ticks);
        var pause = 5;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return body();
            }
            catch (SqliteException ex) when (IsBusy(ex) && clock.Elapsed < BusyRetryBudget)
            {
                var wait = (int)(pause * (0.5 + random.NextDouble()));
                if (cancellationToken.WaitHandle.WaitOne(Math.Max(1, wait)))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                pause = Math.Min(pause * 2, 200);
            }
            catch (SqliteException ex)
            {
                throw Failure(path, ex, write: true);
            }
        }
    }

    /// <summary>A SQLite failure as the module's typed error (the message names the file and SQLite's reason, never a cell).</summary>
    public static MoltbotException Failure(string path, SqliteException ex, bool write)
    {
        var (id, kind) = ex.SqliteErrorCode switch
        {
            5 or 6 => (ErrorIds.LockTimeout, MoltbotErrorKind.ResourceBusy),
            8 or 3 => (ErrorIds.WriteFailed, MoltbotErrorKind.PermissionDenied), // SQLITE_READONLY, SQLITE_PERM
            11 or 26 => (ErrorIds.StoreUnreadable, MoltbotErrorKind.InvalidData), // SQLITE_CORRUPT, SQLITE_NOTADB
            _ => (write ? ErrorIds.WriteFailed : ErrorIds.StoreUnreadable, write ? MoltbotErrorKind.PermissionDenied : MoltbotErrorKind.InvalidData),
        };
        var what = write ? "written" : "read";
        return new MoltbotException(id, kind, $"The OpenClaw database {path} could not be {what}: {ex.Message.TrimEnd('.')}. It was left untouched.", path, ex)
        {
            RecommendedAction = kind == MoltbotErrorKind.ResourceBusy
                ? "Another process holds the database for a long time (openclaw doctor --fix?). Try again."
                : "Check the file with 'openclaw doctor'; Moltbot never repairs or replaces an OpenClaw database.",
        };
    }
}
