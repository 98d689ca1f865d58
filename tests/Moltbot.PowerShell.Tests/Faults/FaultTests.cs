using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core;
using Moltbot.Core.OAuth;
using Moltbot.Core.Refresh;
using Moltbot.Core.State;
using Moltbot.Models;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.PowerShell.Tests.Faults;

/// <summary>
/// 1,000 damaged auth-profiles.json, auth-state.json and openclaw.json files, each met by the cmdlets in-process: every
/// failure must be a typed error with a documented id and a specific category, a success must agree with the file, a
/// command that fails must not have written anything, and a read command never writes.
/// </summary>
[Collection("powershell")]
[Trait("Category", "Fault")]
public sealed class FaultTests : IDisposable
{
    private const int MutationCount = 1000;
    private const string FaultKey = "sk-or-v1-FAULTnewKEY42";

    private static readonly HashSet<string> DocumentedIds = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Concat(typeof(RefreshErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static))
        .Concat(typeof(OAuthErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .Append("MoltbotAgentWithGlobal")
        .ToHashSet(StringComparer.Ordinal);

    private static readonly Type[] ForbiddenInChain =
    {
        typeof(NullReferenceException), typeof(InvalidCastException), typeof(IndexOutOfRangeException), typeof(ArgumentException),
        typeof(KeyNotFoundException), typeof(InvalidOperationException), typeof(OverflowException), typeof(NotSupportedException),
        typeof(OutOfMemoryException), typeof(InsufficientExecutionStackException), typeof(ArithmeticException),
    };

    private readonly MoltbotHost _host = new();
    private readonly ITestOutputHelper _output;
    private readonly string? _savedAuthority;
    private int _seed;

    public FaultTests(ITestOutputHelper output)
    {
        _output = output;
        // No command here may reach a network: an OAuth refresh would go to the discard port of this machine.
        _savedAuthority = Environment.GetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable);
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, "http://127.0.0.1:9");
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(OpenAICodexProvider.AuthorityVariable, _savedAuthority);
        _host.Dispose();
    }

    private string StoreDir => Path.Combine(_host.StateDir, "agents", "main", "agent");

    private string StorePath => Path.Combine(StoreDir, "auth-profiles.json");

    private string StatePath => Path.Combine(StoreDir, "auth-state.json");

    private sealed record Command(string Name, bool Writes, string[] Scripts);

    private static readonly Command[] Reads =
    {
        new("Get-MoltbotAuthProfile", false, new[] { "Get-MoltbotAuthProfile", "Get-MoltbotAuthProfile -Agent main" }),
        new("Get-MoltbotAgent", false, new[] { "Get-MoltbotAgent" }),
        new("Get-MoltbotAuthOrder", false, new[] { "Get-MoltbotAuthOrder", "Get-MoltbotAuthOrder -Global" }),
        new("Resolve-MoltbotAuthProfile", false, new[] { "Resolve-MoltbotAuthProfile -Provider anthropic" }),
        new("Get-MoltbotAccessToken", false, new[] { "Get-MoltbotAccessToken -Provider openrouter -AsPlainText", "Get-MoltbotAccessToken -ProfileId anthropic:default -AsPlainText" }),
    };

    private static readonly Command[] Writes =
    {
        new("Set-MoltbotApiKey", true, new[] { "Set-MoltbotApiKey -Provider openrouter -ApiKey $key -ProfileId fault", "Set-MoltbotApiKey -Provider openrouter -ApiKey $key" }),
        new("Set-MoltbotAuthOrder", true, new[] { "Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:default", "Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:default -Global" }),
        new("Remove-MoltbotAuthProfile", true, new[] { "Remove-MoltbotAuthProfile -ProfileId anthropic:work -Force" }),
        new("New-MoltbotAgent", true, new[] { "New-MoltbotAgent fault-agent" }),
    };

    private sealed class Tally
    {
        public int Runs;
        public int ValidMutations;
        public int RejectedMutations;
        public int CorrectResults;
        public int TypedErrorRuns;
        public int WritesOnFailure;
        public int ReadsThatWrote;
        public int Unhandled;
        public readonly SortedDictionary<string, int> ErrorsById = new(StringComparer.Ordinal);
        public readonly SortedDictionary<string, int> RunsByCommand = new(StringComparer.Ordinal);
        public readonly SortedDictionary<string, double> MsByCommand = new(StringComparer.Ordinal);
        public readonly List<string> Failures = new();
    }

    [Fact]
    public void A_thousand_damaged_stores_and_configs_give_typed_errors_or_correct_results_and_no_write_on_failure()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MOLTBOT_FAULT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
            ? s
            : Random.Shared.Next();
        _seed = seed;
        Log($"mutations: seed {seed} (set MOLTBOT_FAULT_SEED to replay)");
        var tally = new Tally();
        var sw = Stopwatch.StartNew();

        foreach (var mutation in Mutations.Generate(seed, MutationCount))
        {
            var valid = IsValid(mutation);
            tally.ValidMutations += valid ? 1 : 0;
            var rejected = false;
            // Each mutation meets one read and one write command, in rotation: over 1,000 mutations every read command runs
            // 200 times and every write command 250 times, each against store and config damage alike.
            var i = mutation.Index;
            var commands = new[] { Reads[(i / 2) % Reads.Length], Writes[(i / 2) % Writes.Length] };
            foreach (var command in commands)
            {
                var script = command.Scripts[(i / 7) % command.Scripts.Length];
                rejected |= RunOne(mutation, command, script, tally);
            }
            tally.RejectedMutations += rejected ? 1 : 0;
        }
        sw.Stop();

        Log($"mutations: {MutationCount} mutations ({tally.ValidMutations} still valid data, {tally.RejectedMutations} rejected as unreadable by some command), " +
            $"{tally.Runs} command runs ({string.Join(", ", tally.RunsByCommand.Select(kv => $"{kv.Key} {kv.Value} in {tally.MsByCommand[kv.Key] / 1000:0.0} s"))})");
        Log($"mutations: {tally.CorrectResults} correct results, {tally.TypedErrorRuns} runs with typed errors " +
            $"({string.Join(", ", tally.ErrorsById.Select(kv => $"{kv.Key} {kv.Value}"))})");
        Log($"mutations: {tally.WritesOnFailure} writes on failure, {tally.ReadsThatWrote} reads that wrote, {tally.Unhandled} unhandled, " +
            $"{tally.Failures.Count} failed checks; seed {seed}; {sw.Elapsed.TotalSeconds:0.0} s");
        foreach (var failure in tally.Failures.Take(25))
        {
            _output.WriteLine("  " + failure);
        }

        Assert.True(tally.Failures.Count == 0,
            $"{tally.Failures.Count} failed checks (seed {seed}); the first ones:\n" + string.Join("\n", tally.Failures.Take(25)));
        Assert.Equal(0, tally.WritesOnFailure);
        Assert.Equal(0, tally.ReadsThatWrote);
        Assert.Equal(0, tally.Unhandled);
    }

    /// <summary>Runs one command on a fresh copy of the damaged state dir; returns whether it reported the file unreadable.</summary>
    private bool RunOne(Mutation mutation, Command command, string script, Tally tally)
    {
        Prepare(mutation);
        var before = Snapshot();
        var timer = Stopwatch.StartNew();
        var where = $"#{mutation.Index} {mutation.Target}{(mutation.TwoFileStore ? " (two-file store)" : string.Empty)} [{mutation.Kind}] {script.Replace("$key", "<key>", StringComparison.Ordinal)}";
        RunResult r;
        try
        {
            r = _host.Run(script, new Dictionary<string, object?> { ["key"] = new System.Net.NetworkCredential(string.Empty, FaultKey).SecurePassword });
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            // The secret scan failed this run: say which mutation and seed replay it.
            throw new Xunit.Sdk.XunitException($"{where} (seed {_seed}, MOLTBOT_FAULT_SEED replays it): {ex.Message}");
        }
        tally.MsByCommand[command.Name] = tally.MsByCommand.GetValueOrDefault(command.Name) + timer.Elapsed.TotalMilliseconds;
        var after = Snapshot();
        tally.Runs++;
        tally.RunsByCommand[command.Name] = tally.RunsByCommand.GetValueOrDefault(command.Name) + 1;

        var errors = r.Errors.ToList();
        if (r.Terminating is IContainsErrorRecord terminating)
        {
            errors.Add(terminating.ErrorRecord);
        }
        else if (r.Terminating is not null)
        {
            tally.Unhandled++;
            tally.Failures.Add($"{where}: unhandled {r.Terminating.GetType().Name}: {r.Terminating.Message}");
        }

        var rejected = false;
        foreach (var error in errors)
        {
            var problem = CheckError(error, command);
            if (problem is not null)
            {
                tally.Unhandled++;
                tally.Failures.Add($"{where}: {problem}");
                continue;
            }
            var id = ((MoltbotException)error.Exception).ErrorId;
            tally.ErrorsById[id] = tally.ErrorsById.GetValueOrDefault(id) + 1;
            rejected |= id is ErrorIds.StoreUnreadable or ErrorIds.ConfigUnreadable;
        }

        var locks = after.Keys.Where(p => p.EndsWith(".lock", StringComparison.Ordinal)).ToList();
        if (locks.Count > 0)
        {
            tally.Failures.Add($"{where}: lock left behind: {string.Join(", ", locks)}");
        }
        var changed = Differences(before, after);
        if (!command.Writes && changed.Count > 0)
        {
            tally.ReadsThatWrote++;
            tally.Failures.Add($"{where}: a read command changed {string.Join(", ", changed)}");
        }
        if (errors.Count > 0 || r.Terminating is not null)
        {
            tally.TypedErrorRuns++;
            if (command.Writes && changed.Count > 0)
            {
                tally.WritesOnFailure++;
                tally.Failures.Add($"{where}: failed ({string.Join(", ", errors.Select(e => e.FullyQualifiedErrorId))}) but changed {string.Join(", ", changed)}");
            }
        }

        var wrong = CheckResult(command, script, r, errors, after, changed);
        if (wrong is not null)
        {
            tally.Failures.Add($"{where}: {wrong}");
        }
        else if (errors.Count == 0 && r.Terminating is null)
        {
            tally.CorrectResults++;
        }
        return rejected;
    }

    /// <summary>Null when the error is the module's typed error with a documented id and a specific category.</summary>
    private static string? CheckError(ErrorRecord error, Command command)
    {
        var chain = new List<Exception>();
        for (Exception? e = error.Exception; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }
        var forbidden = chain.FirstOrDefault(e => ForbiddenInChain.Any(t => t.IsInstanceOfType(e)) && e is not DecoderFallbackException);
        if (forbidden is not null)
        {
            return $"{error.FullyQualifiedErrorId}: {forbidden.GetType().FullName} in the exception chain: {forbidden.Message}";
        }
        if (error.Exception is not MoltbotException moltbot)
        {
            return $"not a typed error: {error.FullyQualifiedErrorId} ({error.Exception?.GetType().FullName}: {error.Exception?.Message})";
        }
        var cmdletType = "Moltbot.Commands." + command.Name.Replace("-", string.Empty, StringComparison.Ordinal) + "Command";
        if (!DocumentedIds.Contains(moltbot.ErrorId) || error.FullyQualifiedErrorId != moltbot.ErrorId + "," + cmdletType)
        {
            return $"undocumented error id {error.FullyQualifiedErrorId}";
        }
        if (error.CategoryInfo.Category == ErrorCategory.NotSpecified)
        {
            return $"{error.FullyQualifiedErrorId} has the category NotSpecified";
        }
        return null;
    }

    // ---- the state dir of one run --------------------------------------------------------------------------------

    private void Prepare(Mutation mutation)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(_host.StateDir))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
        Directory.CreateDirectory(StoreDir);
        File.WriteAllBytes(StorePath, Mutations.Bytes(Mutations.Store(withState: !mutation.TwoFileStore)));
        if (mutation.TwoFileStore)
        {
            File.WriteAllBytes(StatePath, Mutations.Bytes(Mutations.State()));
        }
        File.WriteAllBytes(_host.ConfigPath, Mutations.Bytes(Mutations.Config()));
        var target = mutation.Target switch
        {
            FaultTarget.Store => StorePath,
            FaultTarget.StateFile => StatePath,
            _ => _host.ConfigPath,
        };
        File.WriteAllBytes(target, mutation.Bytes);
    }

    private SortedDictionary<string, byte[]?> Snapshot()
    {
        var result = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(_host.StateDir, "*", SearchOption.AllDirectories))
        {
            result[Path.GetRelativePath(_host.StateDir, entry)] = File.Exists(entry) ? File.ReadAllBytes(entry) : null;
        }
        return result;
    }

    /// <summary>Entries added, removed or changed (lock files aside: they are checked to be gone).</summary>
    private static List<string> Differences(SortedDictionary<string, byte[]?> before, SortedDictionary<string, byte[]?> after)
    {
        var changed = new List<string>();
        foreach (var path in before.Keys.Union(after.Keys).Where(p => !p.EndsWith(".lock", StringComparison.Ordinal)))
        {
            var had = before.TryGetValue(path, out var old);
            var has = after.TryGetValue(path, out var now);
            if (had != has || (old is null) != (now is null) || (old is not null && !old.AsSpan().SequenceEqual(now)))
            {
                changed.Add(path);
            }
        }
        return changed;
    }

    // ---- an independent view of the files (System.Text.Json) -----------------------------------------------------

    private static JsonObject? ParseJson(byte[]? bytes, bool lenient = false)
    {
        if (bytes is null)
        {
            return null;
        }
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            if (text.StartsWith('\uFEFF'))
            {
                text = text[1..];
            }
            var options = new JsonDocumentOptions { MaxDepth = 256, CommentHandling = lenient ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow, AllowTrailingCommas = lenient };
            using var document = JsonDocument.Parse(text, options);
            return ToNode(document.RootElement) as JsonObject;
        }
        catch (Exception ex) when (ex is JsonException or DecoderFallbackException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A tree built eagerly, a repeated key keeping its last value as JSON.parse does (JsonNode.Parse would throw later).</summary>
    private static JsonNode? ToNode(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(new JsonObject(), (obj, p) =>
        {
            obj[p.Name] = ToNode(p.Value);
            return obj;
        }),
        JsonValueKind.Array => new JsonArray(element.EnumerateArray().Select(ToNode).ToArray()),
        JsonValueKind.String => JsonValue.Create(element.GetString()),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => JsonValue.Create(element.Clone()),
    };

    private static bool ObjectsWhereRequired(JsonObject doc, params string[] keys) =>
        keys.All(k => !doc.ContainsKey(k) || doc[k] is JsonObject);

    /// <summary>Whether the damaged files still hold data the store and config rules accept.</summary>
    private bool IsValid(Mutation mutation)
    {
        Prepare(mutation);
        var store = ParseJson(File.ReadAllBytes(StorePath));
        var state = mutation.TwoFileStore ? ParseJson(File.ReadAllBytes(StatePath)) : new JsonObject();
        var config = ParseJson(File.ReadAllBytes(_host.ConfigPath), lenient: true);
        return store is not null && ObjectsWhereRequired(store, "profiles", "order", "lastGood", "usageStats")
            && state is not null && ObjectsWhereRequired(state, "profiles", "order", "lastGood", "usageStats")
            && config is not null && ObjectsWhereRequired(config, "agents", "auth")
            && (At(config, "agents", "list") is null or JsonArray);
    }

    private static Dictionary<string, JsonObject>? ProfilesOf(JsonObject? store) =>
        store?["profiles"] is JsonObject profiles
            ? profiles.Where(kv => kv.Value is JsonObject).ToDictionary(kv => kv.Key, kv => (JsonObject)kv.Value!, StringComparer.Ordinal)
            : store is null ? null : new Dictionary<string, JsonObject>(StringComparer.Ordinal);

    /// <summary>The node at a path of object keys, or null where a step is missing or not an object.</summary>
    private static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject obj ? obj[key] : null;
        }
        return node;
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Null when the output agrees with the files; otherwise what is wrong (never a secret).</summary>
    private string? CheckResult(Command command, string script, RunResult r, List<ErrorRecord> errors, SortedDictionary<string, byte[]?> after, List<string> changed)
    {
        var storeRel = Path.GetRelativePath(_host.StateDir, StorePath);
        var stateRel = Path.GetRelativePath(_host.StateDir, StatePath);
        var store = ParseJson(after.GetValueOrDefault(storeRel));
        var state = ParseJson(after.GetValueOrDefault(stateRel));
        var config = ParseJson(after.GetValueOrDefault("openclaw.json"), lenient: true) ?? ParseJson5(after.GetValueOrDefault("openclaw.json"));
        var profiles = ProfilesOf(store);
        var failed = errors.Count > 0 || r.Terminating is not null;

        switch (command.Name)
        {
            case "Get-MoltbotAuthProfile":
            {
                var listed = r.Output.OfType<MoltbotAuthProfile>().Where(p => p.Agent == "main").Select(p => p.ProfileId).ToList();
                if (listed.Count > 0 && profiles is null)
                {
                    return "listed profiles of a store System.Text.Json cannot parse";
                }
                if (profiles is not null && listed.Any(id => !profiles.ContainsKey(id)))
                {
                    return "listed a profile that is not in the store";
                }
                var mainFailed = errors.Any(e => e.Exception is MoltbotException { ErrorId: ErrorIds.StoreUnreadable });
                if (!mainFailed && !failed && profiles is not null && !listed.OrderBy(x => x, StringComparer.Ordinal).SequenceEqual(profiles.Keys.OrderBy(x => x, StringComparer.Ordinal)))
                {
                    return "the listing of agent main differs from the profiles in its store";
                }
                return null;
            }
            case "Get-MoltbotAgent":
            {
                var ids = r.Output.OfType<MoltbotAgent>().Select(a => a.Id).ToList();
                if (failed && ids.Count == 0)
                {
                    return null;
                }
                if (!ids.Contains("main"))
                {
                    return "agent main (its folder exists) is not listed";
                }
                if (At(config, "agents", "list") is JsonArray list)
                {
                    foreach (var id in list.OfType<JsonObject>().Select(e => Str(e["id"])).Where(id => !string.IsNullOrWhiteSpace(id)))
                    {
                        if (!ids.Contains(AgentId.Normalize(id)))
                        {
                            return "an agent of agents.list is not listed";
                        }
                    }
                }
                return null;
            }
            case "Get-MoltbotAuthOrder":
            {
                // Without arguments the listing holds every agent's orders and then the global ones (issue 15, point 8).
                var all = r.Output.OfType<MoltbotAuthOrder>().ToList();
                var globals = all.Where(x => x.Scope == MoltbotAuthOrder.GlobalScope).ToList();
                var known = At(config, "auth", "order") is JsonObject o ? o.Select(kv => kv.Key).ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
                if (globals.Count > 0 && (known is null || globals.Any(x => !known.Contains(x.Provider))))
                {
                    return "a global order that is not in auth.order";
                }
                if (script.Contains("-Global", StringComparison.Ordinal))
                {
                    return globals.Count != all.Count ? "an agent order under -Global" : null;
                }
                var orders = all.Where(x => x.Scope == MoltbotAuthOrder.AgentScope).ToList();
                var providers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var doc in new[] { store, state })
                {
                    if (doc?["order"] is JsonObject order)
                    {
                        providers.UnionWith(order.Select(kv => kv.Key));
                    }
                }
                return orders.Any(x => !providers.Contains(x.Provider)) ? "an agent order that is in neither the store nor auth-state.json" : null;
            }
            case "Resolve-MoltbotAuthProfile":
            {
                var usable = r.Output.OfType<MoltbotProfileCandidate>().Where(c => c.Usable).Select(c => c.ProfileId).ToList();
                if (usable.Count > 0 && (profiles is null || usable.Any(id => !profiles.ContainsKey(id))))
                {
                    return "a usable candidate that is not in the store";
                }
                return null;
            }
            case "Get-MoltbotAccessToken":
            {
                var token = r.Output.OfType<MoltbotAccessToken>().SingleOrDefault();
                if (token is null)
                {
                    return failed ? null : "no token and no error";
                }
                if (profiles is null || !profiles.TryGetValue(token.ProfileId, out var entry))
                {
                    return "a token of a profile that is not in the store";
                }
                var stored = token.Type == "api_key" ? Str(entry["key"]) ?? Str(entry["apiKey"]) : token.Type == "token" ? Str(entry["token"]) : Str(entry["access"]);
                // Compared, never printed.
                return string.Equals(stored?.Trim(), (token.Token as string)?.Trim(), StringComparison.Ordinal) ? null : "the token differs from the stored secret";
            }
        }

        if (failed)
        {
            return null; // a failed write was checked to have changed nothing
        }
        // A write that succeeded leaves the files it wrote parseable, and they hold the change.
        foreach (var path in changed.Where(p => p.EndsWith(".json", StringComparison.Ordinal) && after.GetValueOrDefault(p) is not null))
        {
            if (ParseJson(after[path]) is null)
            {
                return $"after the write {path} is not plain JSON";
            }
        }
        var global = script.Contains("-Global", StringComparison.Ordinal);
        // The store the write went to: the default agent's, which a damaged agents.list may have made another one.
        var written = changed.FirstOrDefault(p => p.EndsWith("auth-profiles.json", StringComparison.Ordinal));
        if (written is not null && written != storeRel)
        {
            store = ParseJson(after[written]);
            state = ParseJson(after.GetValueOrDefault(Path.Combine(Path.GetDirectoryName(written)!, "auth-state.json")));
            profiles = ProfilesOf(store);
        }
        switch (command.Name)
        {
            case "Set-MoltbotApiKey":
            {
                // Without -ProfileId: openrouter:default where it holds an api_key (replaced), else openrouter:manual beside
                // it in a two-file store, where OpenClaw has paste-api-key (ProviderId.DefaultPastedProfileId, issue 15).
                var id = script.Contains("-ProfileId fault", StringComparison.Ordinal) ? "openrouter:fault"
                    : profiles?.GetValueOrDefault("openrouter:manual") is JsonObject && Str(profiles.GetValueOrDefault("openrouter:default")?["type"]) != "api_key" ? "openrouter:manual"
                    : "openrouter:default";
                var entry = profiles?.GetValueOrDefault(id);
                if (entry is null || Str(entry["type"]) != "api_key" || Str(entry["key"]) != FaultKey)
                {
                    return "the stored api_key profile does not hold the new key";
                }
                return At(config, "auth", "profiles", id) is JsonObject ? null : "auth.profiles lacks the new profile";
            }
            case "Set-MoltbotAuthOrder":
            {
                var order = global ? At(config, "auth", "order", "anthropic") : At(state ?? store, "order", "anthropic");
                return order is JsonArray a && a.Count == 1 && Str(a[0]) == "anthropic:default" ? null : "the order was not stored";
            }
            case "Remove-MoltbotAuthProfile":
                return profiles is null || profiles.ContainsKey("anthropic:work") ? "the profile is still in the store" : null;
            case "New-MoltbotAgent":
                return Directory.Exists(Path.Combine(_host.StateDir, "agents", "fault-agent", "agent")) &&
                       (config is null || (At(config, "agents", "list") as JsonArray)?.OfType<JsonObject>().Any(e => Str(e["id"]) == "fault-agent") == true)
                    ? null
                    : "the agent was not created";
        }
        return null;
    }

    /// <summary>A JSON5 config (comments, unquoted keys...) as Moltbot's JSON5 reader sees it; null when it cannot.</summary>
    private static JsonObject? ParseJson5(byte[]? bytes)
    {
        if (bytes is null)
        {
            return null;
        }
        try
        {
            return Moltbot.Core.Json.Json5.Parse(Moltbot.Core.Json.JsonFile.DecodeUtf8(bytes)) as JsonObject;
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }

    private void Log(string line)
    {
        _output.WriteLine(line);
        Console.WriteLine(line);
    }
}
