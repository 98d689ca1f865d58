using System;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core;
using Moltbot.Core.Gateway;
using Moltbot.Core.OpenClaw;
using Moltbot.Core.State;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Reports the OpenClaw state dir: its storage era, shared store, databases, the installed openclaw and the gateway.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MoltbotState")]
[OutputType(typeof(MoltbotStateInfo))]
public sealed class GetMoltbotStateCommand : MoltbotCmdlet
{
    protected override void ProcessItem()
    {
        var paths = State.Paths;
        var info = new MoltbotStateInfo
        {
            StateDir = paths.StateDir,
            StateDirSource = paths.StateDirSource,
            ConfigPath = paths.ConfigPath,
        };
        try
        {
            var layout = State.DetectFullLayout();
            info.Era = layout.Era.ToString();
            info.EraDescription = StoreLayoutText.Versions(layout.Era);
            info.UsesSqlite = layout.IsSqlite || layout.PendingSqlite;
            info.SharedStoreOwner = layout.SharedOwner.ToString();
            info.SharedStore = layout.IsSqlite ? layout.SharedStorePath : null;
            info.StateDatabase = layout.StateDb is { } s ? Database(s) : null;
            info.AgentDatabases = layout.AgentDbs.Select(Database).ToArray();
            // In the JSON eras auth-profiles.json and auth-state.json are the live store, not legacy files.
            info.LegacyFiles = layout.LegacyJsonFiles
                .Where(f => layout.IsSqlite || !(f.EndsWith("auth-profiles.json", StringComparison.Ordinal) || f.EndsWith("auth-state.json", StringComparison.Ordinal)))
                .ToArray();
            if (layout.IsSqlite)
            {
                info.SqliteVersion = Core.Store.Sqlite.SqliteRuntime.NativeVersion;
            }
        }
        catch (MoltbotException ex)
        {
            info.Era = "Unreadable";
            info.EraDescription = ex.Message;
            WriteMoltbotError(ex, paths.StateDir);
        }
        info.Notes = State.LayoutNotes.Distinct(StringComparer.Ordinal).ToArray();

        try
        {
            if (OpenClawCli.Locate() is { } cli)
            {
                info.OpenClawCli = cli.ToString();
                info.OpenClawVersion = (cli.ReadPackageVersion() ?? cli.GetVersion(Cancellation))?.ToString();
            }
        }
        catch (MoltbotException ex)
        {
            WriteVerbose($"The openclaw CLI could not be asked for its version: {ex.Message}");
        }

        var settings = GatewaySettings.Empty;
        try
        {
            settings = GatewaySettings.From(State.Config);
        }
        catch (MoltbotException ex)
        {
            WriteMoltbotError(ex, paths.ConfigPath);
        }
        info.GatewayPort = GatewayNotifier.ResolvePort(settings, MoltbotEnvironment.Process);
        info.GatewayListening = GatewayNotifier.IsListening(info.GatewayPort, TimeSpan.FromMilliseconds(200));
        WriteObject(info);
    }

    private static MoltbotDatabase Database(SqliteDbInfo db) => new()
    {
        Agent = db.AgentId,
        Role = db.Role,
        UserVersion = db.UserVersion,
        AppVersion = db.AppVersion,
        Path = db.Path,
    };
}
