using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.Config;
using Moltbot.Core.Locking;
using Moltbot.Core.Store;
using Moltbot.LockProbe;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.Faults;

/// <summary>The fault tests run alone: they start child processes and their runtime should not depend on the other tests.</summary>
[CollectionDefinition("fault", DisableParallelization = true)]
public sealed class FaultCollection
{
}

/// <summary>
/// A writer killed with SIGKILL at random moments, 200 times against the same store: before its first write, in the
/// middle of one (lock taken, temp file half written, renamed but config not yet updated...) and between writes. After
/// every kill the store and the config must parse, every write the writer acknowledged must be there with its secret,
/// and what the killed writer left behind (lock files, temp files) must not stop the next writer.
/// </summary>
[Collection("fault")]
[Trait("Category", "Fault")]
public sealed class KillWriterFaultTests : IDisposable
{
    private const int Kills = 200;
    private const string Agent = "main";

    /// <summary>The writers treat a lock as abandoned by age only after an hour: a lock left by a killed writer can only be passed because its pid is dead.</summary>
    private const int StaleAfterMs = 3_600_000;

    private static readonly TimeSpan FirstAckTimeout = TimeSpan.FromSeconds(30);

    private readonly StateFixture _fx = new();
    private readonly ITestOutputHelper _output;

    public KillWriterFaultTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void Kill9_a_writer_200_times_never_loses_an_acknowledged_write_nor_leaves_a_store_that_does_not_parse()
    {
        var seed = FaultSeed.Resolve("MOLTBOT_FAULT_SEED");
        var random = new Random(seed);
        Log($"kill-9 writer: seed {seed} (set MOLTBOT_FAULT_SEED to replay)");
        var storePath = _fx.StorePathOf(Agent);
        var agentDir = Path.GetDirectoryName(storePath)!;
        var configPath = _fx.ConfigPath;
        Directory.CreateDirectory(_fx.StateDir);

        var acknowledged = new List<string>(); // every profile id a writer acknowledged, across all runs
        var killedPids = new HashSet<int>();
        var staleLocksSeen = new HashSet<(string LockPath, int Pid)>();
        var sw = Stopwatch.StartNew();
        int killedBeforeFirstAck = 0, killedWhileWriting = 0, killedAfterDone = 0;
        int staleStoreLocks = 0, staleConfigLocks = 0;
        int persistedWithoutAck = 0;
        int unparsable = 0, lost = 0;

        for (var run = 0; run < Kills; run++)
        {
            var prefix = "r" + run.ToString("D3", CultureInfo.InvariantCulture);
            var writes = random.Next(1, 25);
            // Half the kills are timed from the start (the writer needs 150-250 ms to start and make its first write, so
            // these land during start-up, in the first write or in the ones after it), half from the first acknowledgement.
            var fromStart = random.Next(2) == 0;
            var delayMs = fromStart ? random.Next(0, 300) : random.Next(0, 80);

            var lines = new List<string>();
            using (var writer = StartUpsert(_fx.StateDir, Agent, prefix, writes, StaleAfterMs))
            {
                var pid = writer.Id;
                killedPids.Add(pid);
                if (!fromStart)
                {
                    var first = writer.ReadLine(FirstAckTimeout);
                    if (first is null)
                    {
                        var killed = writer.KillAndDrain(lines);
                        Assert.Fail($"run {run}: the writer acknowledged nothing ({(killed ? "killed after " + FirstAckTimeout.TotalSeconds + " s" : "exit code " + writer.ExitCode)}): {writer.StandardError}");
                    }
                    lines.Add(first);
                }
                if (delayMs > 0)
                {
                    Thread.Sleep(delayMs);
                }
                var wasRunning = writer.KillAndDrain(lines);
                Assert.True(wasRunning, $"run {run}: the writer had exited before the kill (exit code {writer.ExitCode}): {writer.StandardError}");
                Assert.True(writer.StandardError.Length == 0, $"run {run}: the writer failed: {writer.StandardError}");
            }

            // The acknowledgements come in order, one per returned write.
            var acks = lines.Where(l => l.StartsWith("ok ", StringComparison.Ordinal)).Select(l => l.Substring(3)).ToList();
            for (var i = 0; i < acks.Count; i++)
            {
                Assert.Equal(UpsertWorker.ProfileIdFor(prefix, i), acks[i]);
            }
            acknowledged.AddRange(acks);
            var done = lines.Contains("done");
            if (acks.Count == 0)
            {
                killedBeforeFirstAck++;
            }
            else if (done)
            {
                killedAfterDone++;
            }
            else
            {
                killedWhileWriting++;
            }

            // The store: parses with Moltbot's reader and with System.Text.Json, and holds every acknowledged write.
            if (acknowledged.Count > 0 || File.Exists(storePath))
            {
                var (ok, missing, extra) = CheckStore(storePath, acknowledged, prefix, acks.Count);
                unparsable += ok ? 0 : 1;
                lost += missing;
                persistedWithoutAck += extra;
                Assert.True(ok, $"run {run}: the store does not parse after the kill");
                Assert.True(missing == 0, $"run {run}: {missing} acknowledged profile(s) missing or holding the wrong secret");
            }
            if (acknowledged.Count > 0 || File.Exists(configPath))
            {
                var configOk = CheckConfig(configPath, acknowledged, out var configMissing);
                unparsable += configOk ? 0 : 1;
                lost += configMissing;
                Assert.True(configOk, $"run {run}: openclaw.json does not parse after the kill");
                Assert.True(configMissing == 0, $"run {run}: {configMissing} acknowledged profile(s) missing from auth.profiles");
            }

            // What the killed writer left behind.
            foreach (var (lockPath, isStore) in new[] { (storePath + ".lock", true), (configPath + ".lock", false) })
            {
                if (!File.Exists(lockPath) && !Directory.Exists(lockPath))
                {
                    continue;
                }
                var holder = LockHolder(lockPath);
                // A lock without a pid could only be cleared by its age (30 s): the lock must appear with its pid in it.
                Assert.True(holder is not null, $"run {run}: the killed writer left {Path.GetFileName(lockPath)} without a pid");
                // A killed writer's lock (this run's, or an earlier one's when this writer died before reaching the lock).
                Assert.Contains(holder!.Value, killedPids);
                if (!staleLocksSeen.Add((lockPath, holder.Value)))
                {
                    continue;
                }
                if (isStore)
                {
                    staleStoreLocks++;
                }
                else
                {
                    staleConfigLocks++;
                }
            }

            var temps = TempFiles();
            foreach (var temp in temps)
            {
                Modes.AssertMode(Modes.File600, temp);
            }
        }

        // Whatever the last writer left must not block anyone: the locks are taken here with the age rule off, so only a
        // dead pid lets them through.
        var noAgeRule = new FileLockOptions { StaleAfter = TimeSpan.FromHours(1), Timeout = TimeSpan.FromSeconds(10) };
        using (FileLock.Acquire(storePath, noAgeRule))
        using (FileLock.Acquire(configPath, noAgeRule))
        {
        }
        var finalStore = AuthStoreFile.LoadOrEmpty(storePath);
        var leftoverTemps = TempFiles();
        sw.Stop();

        var summary = $"kill-9 writer: {Kills} kills, {unparsable} unparsable, {lost} lost, {acknowledged.Count} acknowledged writes " +
                      $"({finalStore.Count} profiles in the store, {persistedWithoutAck} written but killed before the ack); " +
                      $"killed before the first ack {killedBeforeFirstAck}, while writing {killedWhileWriting}, after the last write {killedAfterDone}; " +
                      $"stale locks left (dead pid, passed by the next writer): {staleStoreLocks} store, {staleConfigLocks} config; " +
                      $"leftover temp files {leftoverTemps.Length} ({leftoverTemps.Count(t => t.Contains(".lock.", StringComparison.Ordinal))} of lock files; all 0600, never read; older ones swept); " +
                      $"seed {seed}; {sw.Elapsed.TotalSeconds:0.0} s";
        Log(summary);

        Assert.Equal(0, unparsable);
        Assert.Equal(0, lost);
        // Each write sweeps the temp files of dead writers (and each lock acquisition those of the lock): what stays is at
        // most the last killed writer's temp file of the store and of the config.
        Assert.True(leftoverTemps.Length <= 2, $"{leftoverTemps.Length} temp files of killed writers were left behind");
        Assert.True(acknowledged.Count > 0, "no writer ever acknowledged a write");
        Assert.Equal(acknowledged.Count + persistedWithoutAck, finalStore.Count);
    }

    /// <summary>
    /// Parses the store both ways; counts acknowledged profiles that are missing or hold the wrong secret, and profiles
    /// of this run that were written although their acknowledgement never came (the writer died in between).
    /// </summary>
    private static (bool Ok, int Missing, int Unacknowledged) CheckStore(string storePath, IReadOnlyList<string> acknowledged, string prefix, int acksThisRun)
    {
        AuthProfileStore? store;
        JsonObject? raw;
        try
        {
            store = AuthStoreFile.TryLoad(storePath);
            raw = JsonNode.Parse(File.ReadAllBytes(storePath)) as JsonObject;
        }
        catch (Exception ex) when (ex is MoltbotException or JsonException or IOException)
        {
            return (false, 0, 0);
        }
        if (store is null || raw?["profiles"] is not JsonObject profiles)
        {
            return (false, 0, 0);
        }

        var missing = 0;
        foreach (var id in acknowledged)
        {
            var profile = store.Get(id);
            var field = UpsertWorker.IsApiKey(id) ? "key" : "token";
            var expectedType = UpsertWorker.IsApiKey(id) ? CredentialType.ApiKey : CredentialType.Token;
            var secret = profiles[id] is JsonObject entry && entry[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            // Compared, never printed.
            if (profile is null || profile.Type != expectedType || !string.Equals(secret, UpsertWorker.SecretFor(id), StringComparison.Ordinal))
            {
                missing++;
            }
        }
        var unacknowledged = store.Profiles.Count(p => p.Id.StartsWith(UpsertWorker.Provider + ":" + prefix + "-", StringComparison.Ordinal)) - acksThisRun;
        return (true, missing, Math.Max(0, unacknowledged));
    }

    /// <summary>Parses openclaw.json both ways; counts acknowledged profiles missing from <c>auth.profiles</c>.</summary>
    private static bool CheckConfig(string configPath, IReadOnlyList<string> acknowledged, out int missing)
    {
        missing = 0;
        IReadOnlyDictionary<string, (string? Provider, string? Mode, string? Email)> profiles;
        try
        {
            profiles = OpenClawConfig.Load(configPath).AuthProfiles;
            if (JsonNode.Parse(File.ReadAllBytes(configPath)) is not JsonObject)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is MoltbotException or JsonException or IOException)
        {
            return false;
        }
        foreach (var id in acknowledged)
        {
            var mode = UpsertWorker.IsApiKey(id) ? CredentialTypes.ApiKey : CredentialTypes.Token;
            if (!profiles.TryGetValue(id, out var meta) || meta.Mode != mode || meta.Provider != UpsertWorker.Provider)
            {
                missing++;
            }
        }
        return true;
    }

    /// <summary>The pid in a lock file, or null when it has none (empty: its writer died before writing it).</summary>
    private static int? LockHolder(string lockPath)
    {
        var bytes = File.ReadAllBytes(lockPath);
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("pid", out var pid) && pid.TryGetInt32(out var value)
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>Moltbot.LockProbe upsert &lt;stateDir&gt; &lt;agent&gt; &lt;prefix&gt; &lt;n&gt; &lt;staleAfterMs&gt;</c>: prints "ok &lt;profileId&gt;" after
    /// each returned write, then "done", then waits to be killed.
    /// </summary>
    private static LockProbeProcess StartUpsert(string stateDir, string agent, string prefix, int writes, int staleAfterMs) =>
        LockProbeProcess.Start(
            new[] { "upsert", stateDir, agent, prefix, writes.ToString(CultureInfo.InvariantCulture), staleAfterMs.ToString(CultureInfo.InvariantCulture) },
            new Dictionary<string, string?> { ["OPENCLAW_STATE_DIR"] = stateDir, ["OPENCLAW_CONFIG_PATH"] = null, ["OPENCLAW_OAUTH_DIR"] = null });

    private string[] TempFiles() => Directory.GetFiles(_fx.StateDir, "*.tmp", SearchOption.AllDirectories);

    private void Log(string line)
    {
        _output.WriteLine(line);
        Console.WriteLine(line);
    }
}

/// <summary>The seed of a randomised fault test: from an environment variable to replay a run, else fresh.</summary>
internal static class FaultSeed
{
    public static int Resolve(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : Random.Shared.Next();
}
