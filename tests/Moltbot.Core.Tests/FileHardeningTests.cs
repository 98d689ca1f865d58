using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Moltbot.Core.Config;
using Moltbot.Core.IO;
using Moltbot.Core.Locking;
using Moltbot.Core.Profiles;
using Moltbot.Core.State;
using Moltbot.Core.Store;
using Moltbot.Core.Store.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests;

/// <summary>
/// Issue 12, findings 4, 7, 8 (store size) and 12 (file items): non-regular files refused before they are opened,
/// OpenSSH-StrictModes-like trust of the folders before secrets are written, symlinked stores shared on one lock, a
/// dangling link that creates nothing, and a size cap that is a typed error.
/// </summary>
public sealed class FileHardeningTests : IDisposable
{
    private readonly StateFixture _f = new();
    private readonly ITestOutputHelper _output;

    public FileHardeningTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _f.Dispose();

    private const string Key = "sk-or-v1-hardening-test-0123456789abcdef";

    // ---- finding 4: FIFOs (and other non-regular files) -----------------------------------------------------------

    public static IEnumerable<object[]> FifoCases() =>
        new[] { "auth-profiles.json", "auth-state.json", "openclaw.json", "credentials/oauth.json", "auth.json", "openclaw-agent.sqlite", "state/openclaw.sqlite" }
            .Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(FifoCases))]
    public void Fifo_IsRefusedWithATypedError_NeverAHang(string which)
    {
        if (!Modes.Unix)
        {
            return;
        }
        var agentDir = _f.Tmp.Dir("state", "agents", "main", "agent");
        var store = Path.Combine(agentDir, "auth-profiles.json");
        string fifo;
        Func<object?> read;
        switch (which)
        {
            case "auth-profiles.json":
                fifo = store;
                read = () => AuthStoreFile.TryLoad(store);
                break;
            case "auth-state.json":
                _f.WriteStore("main", "{\"version\":1,\"profiles\":{}}");
                fifo = Path.Combine(agentDir, "auth-state.json");
                read = () => AuthStoreFile.TryLoad(store);
                break;
            case "openclaw.json":
                fifo = _f.ConfigPath;
                read = () => OpenClawConfig.Load(fifo);
                break;
            case "credentials/oauth.json":
                fifo = Path.Combine(_f.Tmp.Dir("state", "credentials"), "oauth.json");
                read = () => LegacyOutcome(store, new LegacySources(fifo, null));
                break;
            case "auth.json":
                fifo = Path.Combine(agentDir, "auth.json");
                read = () => LegacyOutcome(store, new LegacySources(null, fifo));
                break;
            case "openclaw-agent.sqlite":
                fifo = Path.Combine(agentDir, "openclaw-agent.sqlite");
                read = () => { StoreLayout.ProbeDb(fifo); return null; };
                break;
            default:
                fifo = Path.Combine(_f.Tmp.Dir("state", "state"), "openclaw.sqlite");
                read = () => { using var c = SqliteCells.Open(fifo, write: false); return null; };
                break;
        }
        MkFifo(fifo);

        var (outcome, ms) = RunUnblockingFifo(read, fifo);
        _output.WriteLine($"{which} as a FIFO: {Describe(outcome)} after {ms} ms");
        if (which is "credentials/oauth.json" or "auth.json")
        {
            // A legacy source is skipped with its reason (the import goes on with the others), as for any unreadable one.
            var reason = Assert.IsType<string>(outcome);
            Assert.Contains("FIFO", reason);
            return;
        }
        var ex = Assert.IsType<MoltbotException>(outcome);
        Assert.Equal(ErrorIds.NotRegularFile, ex.ErrorId);
        Assert.Equal(MoltbotErrorKind.InvalidData, ex.Kind);
        Assert.Contains("FIFO", ex.Message);
        Assert.Contains(fifo, ex.Message);
    }

    [Fact]
    public void DirectoryAsStore_IsReportedAsADirectory_NotAsPermissionDenied()
    {
        var store = _f.StorePathOf("main");
        Directory.CreateDirectory(store);
        var ex = Throws.Moltbot(ErrorIds.NotRegularFile, MoltbotErrorKind.InvalidData, () => AuthStoreFile.TryLoad(store));
        _output.WriteLine(ex.Message);
        Assert.Contains("is a directory", ex.Message);
        Assert.DoesNotContain("permission denied", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    // ---- finding 8 / 12: the size cap --------------------------------------------------------------------------------

    [Fact]
    public void StoreOverTheCap_IsATypedError_ReadingNothing()
    {
        var store = _f.WriteStore("main", "{}");
        using (var fs = new FileStream(store, FileMode.Open, FileAccess.Write))
        {
            fs.SetLength(70L * 1024 * 1024); // sparse: over the old 64 MiB limit that threw a bare IOException
        }
        var before = Process.GetCurrentProcess().PeakWorkingSet64;
        var ex = Throws.Moltbot(ErrorIds.FileTooLarge, MoltbotErrorKind.InvalidData, () => AuthStoreFile.TryLoad(store));
        _output.WriteLine($"{ex.Message} (cap {SecureFile.MaxReadBytes} bytes; peak working set {before / 1048576} MiB before, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB after)");
        Assert.Contains("MiB", ex.Message);
    }

    // ---- finding 12: 0644 store warns once per file per session ------------------------------------------------------

    [Fact]
    public void LooseStore_WarnsOncePerFile()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var store = _f.WriteStore("main", "{\"version\":1,\"profiles\":{}}");
        File.SetUnixFileMode(store, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var first = AuthStoreFile.TryLoad(store)!.Warnings;
        var second = AuthStoreFile.TryLoad(store)!.Warnings;
        _output.WriteLine($"first read: {first.Count} warning(s): {string.Join(" | ", first)}; second read: {second.Count}");
        Assert.Single(first, w => w.Contains("0644") && w.Contains(store));
        Assert.Empty(second);
    }

    // ---- finding 7: trust of the folders, symlinks -------------------------------------------------------------------

    [Fact]
    public void PlantedSymlink_InAWorldWritableFolder_IsRefused_AndItsTargetUntouched()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var (target, link) = PlantLink(_f.Tmp.Dir("state", "agents", "main", "agent"));
        var service = new CredentialService(_f.NewState(), StateFixture.Locks);
        var ex = Throws.Moltbot(ErrorIds.UntrustedPath, MoltbotErrorKind.SecurityError,
            () => service.SaveApiKey(_f.NewState().GetAgent(null), "openrouter", "openrouter:default", Key, null));
        _output.WriteLine(ex.Message);
        Assert.Contains("0777", ex.Message);
        Assert.DoesNotContain(Key, ex.Message);
        AssertUntouched(target);
        Assert.False(File.Exists(link + ".lock"));
    }

    [Fact]
    public void PlantedConfigSymlink_InAWorldWritableStateDir_IsRefused_AndItsTargetUntouched()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var (target, link) = PlantLink(_f.Tmp.Dir("state"), "openclaw.json");
        var ex = Throws.Moltbot(ErrorIds.UntrustedPath, MoltbotErrorKind.SecurityError,
            () => OpenClawConfig.Update(link, c => { c.Root["planted"] = true; return true; }, changed => changed, StateFixture.Locks));
        _output.WriteLine(ex.Message);
        AssertUntouched(target);
    }

    [Fact]
    public void PlantedSymlink_InAWorldWritableFolder_IsRefused_ForANonRootUser()
    {
        using var user = TestUser.TryCreate(_output);
        if (user is null || !Modes.Unix)
        {
            return;
        }
        var home = _f.Home;
        user.Own(_f.Tmp.Path, home);
        var agentDir = Path.Combine(_f.StateDir, "agents", "main", "agent");
        Directory.CreateDirectory(agentDir);
        user.Own(_f.StateDir, Path.Combine(_f.StateDir, "agents"), Path.Combine(_f.StateDir, "agents", "main"), agentDir);
        var (target, _) = PlantLink(agentDir);
        user.Own(target);

        var (code, stderr) = user.RunUpsert(_f.StateDir, home);
        _output.WriteLine($"as uid {user.Uid}: exit {code}; {FirstLine(stderr)}");
        Assert.Equal(3, code);
        Assert.Contains("MoltbotException: Refusing to write the credential store", stderr);
        Assert.Contains("mode 0777) is writable by all users", stderr);
        AssertUntouched(target);
    }

    [Fact]
    public void FolderOwnedByAnotherUser_IsRefused_InProcessAndForANonRootUser()
    {
        using var other = TestUser.TryCreate(_output);
        if (other is null)
        {
            return;
        }
        // <state>/agents/main belongs to another (non-root) user: it could rename the agent folder and put its own in place.
        var agentDir = _f.Tmp.Dir("state", "agents", "main", "agent");
        other.Own(Path.Combine(_f.StateDir, "agents", "main"));
        var service = new CredentialService(_f.NewState(), StateFixture.Locks);
        var ex = Throws.Moltbot(ErrorIds.UntrustedPath, MoltbotErrorKind.SecurityError,
            () => service.SaveApiKey(_f.NewState().GetAgent(null), "openrouter", "openrouter:default", Key, null));
        _output.WriteLine("in process (uid 0): " + ex.Message);
        Assert.Contains($"uid {other.Uid}", ex.Message);
        Assert.False(File.Exists(Path.Combine(agentDir, "auth-profiles.json")));

        // The same tree with everything but that folder owned by a second non-root user, who runs the write.
        using var me = TestUser.TryCreate(_output);
        if (me is null)
        {
            return;
        }
        me.Own(_f.Tmp.Path, _f.Home, _f.StateDir, Path.Combine(_f.StateDir, "agents"), agentDir);
        var (code, stderr) = me.RunUpsert(_f.StateDir, _f.Home);
        _output.WriteLine($"as uid {me.Uid}: exit {code}; {FirstLine(stderr)}");
        Assert.Equal(3, code);
        Assert.Contains("MoltbotException: Refusing to write the credential store", stderr);
        Assert.Contains($"is owned by uid {other.Uid}, neither you (uid {me.Uid}) nor root", stderr);
        Assert.False(File.Exists(Path.Combine(agentDir, "auth-profiles.json")));
    }

    [Fact]
    public void DanglingStoreSymlink_IsRefused_AndCreatesNoFolderElsewhere()
    {
        if (!Modes.Unix)
        {
            return;
        }
        var agentDir = _f.Tmp.Dir("state", "agents", "main", "agent");
        var elsewhere = _f.Tmp.Combine("elsewhere");
        var link = Path.Combine(agentDir, "auth-profiles.json");
        File.CreateSymbolicLink(link, Path.Combine(elsewhere, "deep", "auth-profiles.json"));
        var service = new CredentialService(_f.NewState(), StateFixture.Locks);
        var ex = Throws.Moltbot(ErrorIds.DanglingLink, MoltbotErrorKind.ObjectNotFound,
            () => service.SaveApiKey(_f.NewState().GetAgent(null), "openrouter", "openrouter:default", Key, null));
        _output.WriteLine(ex.Message);
        Assert.False(Directory.Exists(elsewhere), "a folder was created at the dangling link's target");
    }

    [Fact]
    public void SymlinkedStore_SharedByTwoAgents_OneLock_NoLostProfile()
    {
        if (!Modes.Unix)
        {
            return;
        }
        // OpenClaw issue #3611: two agents' auth-profiles.json are links to one file the user owns.
        var shared = _f.Tmp.File(Path.Combine("shared", "auth-profiles.json"), "{\n  \"version\": 1,\n  \"profiles\": {}\n}\n");
        var links = new[] { "a", "b" }.Select(id =>
        {
            var link = Path.Combine(_f.Tmp.Dir("state", "agents", id, "agent"), "auth-profiles.json");
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, shared));
            return link;
        }).ToArray();
        Assert.Equal(FileLock.LockPathFor(links[0]), FileLock.LockPathFor(links[1]));
        Assert.Equal(shared + ".lock", FileLock.LockPathFor(links[0]));

        const int writes = 15;
        var probes = new[] { "a", "b" }.Select(id => LockProbeProcess.Start(new[] { "upsert", _f.StateDir, id, "w" + id, writes.ToString() },
            new Dictionary<string, string?> { ["HOME"] = _f.Home })).ToList();
        try
        {
            foreach (var probe in probes)
            {
                string? line;
                while ((line = probe.ReadLine(TimeSpan.FromSeconds(120))) is not null && line != "done")
                {
                }
                Assert.True(line == "done", "a writer did not finish: " + probe.StandardError);
            }
        }
        finally
        {
            foreach (var probe in probes)
            {
                probe.Dispose();
            }
        }
        var profiles = Json.ParseFile(shared)["profiles"]!.AsObject();
        _output.WriteLine($"{profiles.Count} profiles in the shared store after 2 x {writes} writes through two links; links intact: {links.All(l => new FileInfo(l).LinkTarget is not null)}");
        Assert.Equal(2 * writes, profiles.Count);
        Assert.All(links, l => Assert.NotNull(new FileInfo(l).LinkTarget));
        Modes.AssertMode(SecureFile.FileMode600, shared);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------

    private static readonly byte[] AppSettings = "{\"theme\":\"dark\"}\n"u8.ToArray();

    /// <summary>A world-writable (0777, not sticky) agent folder with auth-profiles.json -> ~/app-settings.json planted in it.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private (string Target, string Link) PlantLink(string agentDir, string name = "auth-profiles.json")
    {
        var target = Path.Combine(_f.Home, "app-settings.json");
        File.WriteAllBytes(target, AppSettings);
        File.SetUnixFileMode(target, (UnixFileMode)Convert.ToInt32("644", 8));
        var link = Path.Combine(agentDir, name);
        File.CreateSymbolicLink(link, target);
        File.SetUnixFileMode(agentDir, (UnixFileMode)Convert.ToInt32("777", 8));
        return (target, link);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void AssertUntouched(string target)
    {
        Assert.Equal(AppSettings, File.ReadAllBytes(target));
        Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(target));
    }

    private static string FirstLine(string text) => text.Split('\n').FirstOrDefault(l => l.Contains("Moltbot")) ?? text.Split('\n')[0];

    private static object? LegacyOutcome(string store, LegacySources legacy)
    {
        AuthStoreFile.TryLoad(store, legacy, out var imported);
        return imported?.Items.FirstOrDefault(i => !i.Imported)?.Reason;
    }

    private static string Describe(object? outcome) => outcome switch
    {
        MoltbotException ex => $"{ex.ErrorId} ({ex.Kind})",
        Exception ex => ex.GetType().Name,
        null => "no error",
        _ => "skipped: " + outcome,
    };

    private static void MkFifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var p = Process.Start(new ProcessStartInfo("mkfifo", new[] { path }) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>
    /// Runs <paramref name="read"/>; if it is still blocked after a long grace period (the old code blocked in open(2)
    /// for ever), a writer opens and closes the FIFO so that the reader gets EOF and the test ends, as a failure.
    /// </summary>
    private static (object? Outcome, long Ms) RunUnblockingFifo(Func<object?> read, string fifo)
    {
        object? outcome = null;
        var sw = Stopwatch.StartNew();
        var thread = new Thread(() =>
        {
            try
            {
                outcome = read();
            }
            catch (Exception ex)
            {
                outcome = ex;
            }
        })
        { IsBackground = true };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(20)))
        {
            while (thread.IsAlive)
            {
                using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
                {
                }
                thread.Join(TimeSpan.FromSeconds(1));
            }
            throw new Xunit.Sdk.XunitException($"the read of the FIFO {fifo} blocked until a writer appeared (it would hang for ever)");
        }
        return (outcome, sw.ElapsedMilliseconds);
    }

    /// <summary>A throw-away non-root account (useradd), removed on dispose; null (with the reason written) where impossible.</summary>
    private sealed class TestUser : IDisposable
    {
        private TestUser(string name, int uid, int gid)
        {
            Name = name;
            Uid = uid;
            Gid = gid;
        }

        public string Name { get; }
        public int Uid { get; }
        public int Gid { get; }

        public static TestUser? TryCreate(ITestOutputHelper output)
        {
            if (!Modes.Unix || !OperatingSystem.IsLinux())
            {
                output.WriteLine("SKIPPED: needs Linux (useradd, setpriv)");
                return null;
            }
            if (Run("id", "-u").Output.Trim() != "0")
            {
                output.WriteLine("SKIPPED: creating a user needs root");
                return null;
            }
            var name = "mbt" + Guid.NewGuid().ToString("N")[..8];
            var (code, text) = Run("useradd", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name);
            if (code != 0)
            {
                output.WriteLine($"SKIPPED: useradd refused ({text.Trim()})");
                return null;
            }
            var uid = int.Parse(Run("id", "-u", name).Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var gid = int.Parse(Run("id", "-g", name).Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            return new TestUser(name, uid, gid);
        }

        public void Own(params string[] paths)
        {
            foreach (var path in paths)
            {
                var (code, text) = Run("chown", "-h", $"{Uid}:{Gid}", path);
                Assert.True(code == 0, text);
            }
        }

        /// <summary>One upsert of the lock probe (CredentialService.SaveApiKey) as this user: exit code and stderr.</summary>
        public (int Code, string StdErr) RunUpsert(string stateDir, string home)
        {
            var psi = new ProcessStartInfo("setpriv") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
            foreach (var a in new[] { $"--reuid={Uid}", $"--regid={Gid}", "--clear-groups", "--", DotnetHost(), LockProbeProcess.ProbeDll, "upsert", stateDir, "main", "u", "1" })
            {
                psi.ArgumentList.Add(a);
            }
            psi.Environment["HOME"] = home;
            psi.Environment["DOTNET_CLI_HOME"] = home;
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err.Result + output);
        }

        private static string DotnetHost() =>
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

        public void Dispose() => Run("userdel", Name);

        private static (int Code, string Output) Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }
            try
            {
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync();
                var output = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                return (p.ExitCode, output + err.Result);
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                return (-1, ex.Message);
            }
        }
    }
}
