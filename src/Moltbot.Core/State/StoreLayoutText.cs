namespace Moltbot.Core.State;

/// <summary>The words a user reads for a storage layout (verbose lines, Get-MoltbotState).</summary>
public static class StoreLayoutText
{
    /// <summary>The OpenClaw versions that write a layout of this era.</summary>
    public static string Versions(StoreEra era) => era switch
    {
        StoreEra.JsonSingleFile => "OpenClaw 2026.1.29 – 2026.3.31 (auth-profiles.json)",
        StoreEra.JsonStateFile => "OpenClaw 2026.4.5 – 2026.6.1 (auth-profiles.json + auth-state.json)",
        StoreEra.SqliteC => "OpenClaw 2026.6.5 – 2026.7.35 (SQLite, shared store in the main agent's database)",
        StoreEra.SqliteD1 => "OpenClaw 2026.8.1 – 2026.9.1 (SQLite, auth.sharedStore ownership)",
        StoreEra.SqliteD2 => "OpenClaw 2026.9.6 (SQLite, refresh fences)",
        _ => "no store yet",
    };

    public static string Describe(StoreLayout layout)
    {
        var text = layout.Era + ": " + Versions(layout.Era);
        if (layout.IsSqlite && layout.SharedStorePath is { } shared)
        {
            text += "; shared store " + (layout.SharedOwner == SharedStoreOwner.StateDb ? "in the state database " : "in the main agent's database ") + shared;
        }
        return text;
    }
}
