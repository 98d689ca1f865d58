using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using Moltbot.Core.State;

namespace Moltbot.Core.OpenClaw;

/// <summary>What <c>openclaw agents delete --json</c> reported: the paths it moved to the trash, kept, or could not move.</summary>
public sealed record OpenClawAgentDeletion(
    IReadOnlyList<string> Trashed,
    IReadOnlyList<(string Path, string Reason)> Retained,
    IReadOnlyList<(string Path, string Reason)> Failed,
    bool SessionPurgeFailed,
    IReadOnlyList<string> Notes);

/// <summary>
/// A failed run of the openclaw CLI: <see cref="MoltbotException"/> with the CLI's <see cref="ExitCode"/>. The message
/// holds the CLI's own error text with the agent's secrets replaced by <c>***</c>.
/// </summary>
public sealed class OpenClawCliFailedException : MoltbotException
{
    public OpenClawCliFailedException(string errorId, int exitCode, string message, string? target)
        : base(errorId, MoltbotErrorKind.InvalidData, message, target)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}

/// <summary>
/// Removing an agent of a SQLite-era state dir through the installed CLI's <c>openclaw agents delete &lt;id&gt; --force
/// --json</c>: OpenClaw registers agent databases in its state database (a deletion journal,
/// <c>unregisterOpenClawAgentDatabases</c>), so only OpenClaw removes them consistently. Observed in the real CLI
/// (2026.6.11, 2026.8.2, 2026.9.6: the same options): it asks a running gateway first (<c>agents.delete</c>), else
/// works locally; it prunes the agent's config entry (bindings, allow lists, owner references) but not
/// <c>auth.profiles</c>/<c>auth.order</c>; it moves the workspace (unless another agent shares it), the agent dir and
/// the sessions folder to the trash (<c>$HOME/.Trash/.fs-safe-trash-*/</c> on Linux); it refuses the only agent and
/// the owner of the shared or inherited auth store.
/// </summary>
public static class OpenClawAgents
{
    /// <summary>The CLI run may wait for a gateway, a lock and node's start-up under load.</summary>
    public static readonly TimeSpan DeleteTimeout = TimeSpan.FromSeconds(180);

    private static readonly Regex Ansi = new(@"\x1B\[[0-9;?]*[ -/]*[@-~]", RegexOptions.CultureInvariant);

    /// <summary>The arguments of the deletion: non-interactive (<c>--force</c>: without it a non-terminal session is refused) and machine-readable.</summary>
    public static string[] DeleteArguments(string agentId) => new[] { "agents", "delete", agentId, "--force", "--json" };

    /// <summary>The deletion as a user would type it.</summary>
    public static string DeleteCommand(string agentId) => "openclaw agents delete " + agentId + " --force";

    /// <summary>The first release that writes (so understands) a state dir of <paramref name="layout"/>'s era (StoreLayoutText).</summary>
    public static OpenClawVersion MinimumVersion(StoreLayout layout) => layout.Era switch
    {
        StoreEra.SqliteD2 => new OpenClawVersion(2026, 9, 6),
        StoreEra.SqliteD1 => new OpenClawVersion(2026, 8, 1),
        _ => OpenClawVersion.SqliteEraStart,
    };

    /// <summary>
    /// The CLI that can delete an agent of this state dir: found (<c>MOLTBOT_OPENCLAW_CLI</c>, else <c>PATH</c>) and at
    /// least <see cref="MinimumVersion"/>. Otherwise <c>MoltbotAgentRemovalUnsupported</c> (NotImplemented) saying why
    /// and naming the command to run by hand.
    /// </summary>
    public static OpenClawCli RequireCli(OpenClawCli? cli, StoreLayout layout, string agentId)
    {
        var needed = MinimumVersion(layout);
        string? why = null;
        if (cli is null)
        {
            why = $"no openclaw CLI was found ({OpenClawCli.CliVariable}, PATH)";
        }
        else if (OpenClawStores.SafeVersion(cli) is not { } version)
        {
            why = $"the version of the openclaw CLI at {cli.EntryPath} cannot be read";
        }
        else if (version < needed)
        {
            why = $"the openclaw CLI at {cli.EntryPath} is {version}, older than the {needed} this state dir ({layout.Era}) needs";
        }
        if (why is null)
        {
            return cli!;
        }
        throw new MoltbotException(ErrorIds.AgentRemovalUnsupported, MoltbotErrorKind.NotImplemented,
            $"The agent '{agentId}' lives in a SQLite-era state dir, whose agent databases are registered in the state database: only openclaw removes them, and {why}.", agentId)
        {
            RecommendedAction = $"Install openclaw {needed} or later (or point {OpenClawCli.CliVariable} at it) and retry, or run '{DeleteCommand(agentId)}', which unregisters its databases and moves its folders to the trash.",
        };
    }

    /// <summary>
    /// Runs the deletion. A non-zero exit: <see cref="OpenClawCliFailedException"/> (<c>MoltbotOpenClawAgentDeleteFailed</c>)
    /// with the exit code and the CLI's error, <paramref name="secrets"/> replaced by <c>***</c>. A timeout:
    /// <c>MoltbotOpenClawCliTimeout</c>.
    /// </summary>
    public static OpenClawAgentDeletion Delete(OpenClawCli cli, string agentId, IReadOnlyCollection<string> secrets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var result = cli.Run(DeleteArguments(agentId), timeout: DeleteTimeout, cancellationToken: cancellationToken);
        var stdout = Scrub(result.StandardOutput, secrets);
        var stderr = Scrub(result.StandardError, secrets);
        var answer = ParseJson(stdout);
        var notes = Lines(stderr).ToList();
        if (!result.Succeeded || answer is null || answer["ok"] is JsonValue ok && ok.GetValueKind() == JsonValueKind.False)
        {
            var detail = ErrorText(answer) ?? notes.LastOrDefault() ?? Lines(stdout).LastOrDefault() ?? "no error text";
            if (detail.Length > 400)
            {
                detail = detail.Substring(0, 400) + "...";
            }
            var code = result.ExitCode.ToString(CultureInfo.InvariantCulture);
            throw new OpenClawCliFailedException(ErrorIds.OpenClawAgentDeleteFailed, result.ExitCode,
                $"'{DeleteCommand(agentId)}' ({cli.EntryPath}) exited with code {code}: {detail}", agentId)
            {
                RecommendedAction = "Read the CLI's reason above; the agent is unchanged unless the CLI says otherwise (Get-MoltbotAgent). Run the command by hand to see its full output.",
            };
        }
        var trashed = Paths(answer["removed"]).Where(p => p.Method == "trash").Select(p => p.Path).ToList();
        var failed = Paths(answer["failed"]).Select(p => (p.Path, p.Reason ?? "not moved")).ToList();
        var retained = new List<(string, string)>();
        if (answer["workspaceRetained"] is JsonValue kept && kept.GetValueKind() == JsonValueKind.True && answer["workspace"] is JsonValue ws)
        {
            var with = answer["workspaceSharedWith"] is JsonArray others ? string.Join(", ", others.Select(o => o?.ToString())) : null;
            retained.Add((ws.ToString(), "another agent uses it" + (string.IsNullOrEmpty(with) ? string.Empty : $" ({with})")));
        }
        var purgeFailed = answer["purgeFailed"] is JsonValue pf && pf.GetValueKind() == JsonValueKind.True;
        return new OpenClawAgentDeletion(trashed, retained, failed, purgeFailed, notes);
    }

    private static IEnumerable<(string Path, string? Method, string? Reason)> Paths(JsonNode? node) =>
        node is JsonArray items
            ? items.OfType<JsonObject>().Where(o => o["path"] is JsonValue).Select(o => (o["path"]!.ToString(), o["method"]?.ToString(), o["reason"]?.ToString()))
            : Enumerable.Empty<(string, string?, string?)>();

    private static string? ErrorText(JsonNode? answer) => answer?["error"] switch
    {
        JsonObject e => e["message"]?.ToString(),
        JsonValue v => v.ToString(),
        _ => null,
    };

    private static JsonObject? ParseJson(string text)
    {
        // The JSON summary starts on a line of its own; log lines may come first.
        var start = text.TrimStart().StartsWith('{') ? text.IndexOf('{') : text.IndexOf("\n{", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text.Substring(start)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static string Scrub(string text, IReadOnlyCollection<string> secrets)
    {
        text = Ansi.Replace(text, string.Empty);
        foreach (var secret in secrets.Where(s => s.Length >= 6).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        return text;
    }
}
