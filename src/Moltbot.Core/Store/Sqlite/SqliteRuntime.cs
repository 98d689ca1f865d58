// The SQLite engine this process runs: the native e_sqlite3 that Microsoft.Data.Sqlite (SQLitePCLRaw batteries) loaded.
// In the module it comes from dependencies/runtimes/<rid>/native, resolved by the private load context (Moltbot.dll).
using System;
using Microsoft.Data.Sqlite;

namespace Moltbot.Core.Store.Sqlite;

/// <summary>Facts about the loaded native SQLite library.</summary>
public static class SqliteRuntime
{
    private static readonly Lazy<string> Version = new(QueryVersion);

    /// <summary>The version of the loaded SQLite library (<c>select sqlite_version()</c>), for example 3.53.3.</summary>
    public static string NativeVersion => Version.Value;

    private static string QueryVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "select sqlite_version()";
        return (string)command.ExecuteScalar()!;
    }
}
