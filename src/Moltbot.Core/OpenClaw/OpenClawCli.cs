using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.State;

namespace Moltbot.Core.OpenClaw;

/// <summary>
/// The installed <c>openclaw</c> CLI: where it is, which version it is, and a bounded way to run it.
/// <para>
/// Located from <c>MOLTBOT_OPENCLAW_CLI</c> (the <c>openclaw</c> executable, or an entry file such as
/// <c>openclaw.mjs</c>, or the package folder holding it), else <c>openclaw</c> on <c>PATH</c>. Symlinks are resolved.
/// A <c>.mjs</c>/<c>.js</c>/<c>.cjs</c> entry is run with <c>MOLTBOT_NODE</c> or <c>node</c> from <c>PATH</c>.
/// </para>
/// <para>
/// A run never involves a shell: the arguments go to the child as a list, the standard input is piped (OpenClaw reads
/// secrets from a piped stdin, so a secret never needs to be on a command line), and the run is always bounded by a
/// timeout after which the whole process tree is killed.
/// </para>
/// </summary>
public sealed class OpenClawCli
{
    public const string CliVariable = "MOLTBOT_OPENCLAW_CLI";
    public const string NodeVariable = "MOLTBOT_NODE";

    /// <summary>The timeout of <see cref="Run"/> when none is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The timeout of the <c>--version</c> fallback (node start-up alone takes about 3 s, much more under load).</summary>
    public static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Variables that decide which state the CLI works on. They are copied from the <see cref="MoltbotEnvironment"/>
    /// given to <see cref="Locate"/> (removed from the child when that environment has them unset), so the CLI sees the
    /// same home, state dir and config as the module, also when tests inject their own environment.
    /// </summary>
    public static readonly IReadOnlyList<string> PassThroughVariables = new[]
    {
        "HOME", "USERPROFILE", "OPENCLAW_HOME", "OPENCLAW_STATE_DIR", "CLAWDBOT_STATE_DIR", "OPENCLAW_CONFIG_PATH",
        "OPENCLAW_OAUTH_DIR",
    };

    private const int MaxCapturedChars = 1 << 20;
    private static readonly string[] ScriptExtensions = { ".mjs", ".js", ".cjs" };
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    private readonly MoltbotEnvironment _environment;
    private readonly object _versionGate = new();
    private OpenClawVersion? _version;
    private bool _versionKnown;

    private OpenClawCli(MoltbotEnvironment environment, string entryPath, string? nodePath, string source)
    {
        _environment = environment;
        EntryPath = entryPath;
        NodePath = nodePath;
        Source = source;
        PackageDirectory = FindPackageDirectory(entryPath);
    }

    /// <summary>The resolved (symlink-free) executable or entry script.</summary>
    public string EntryPath { get; }

    /// <summary>The node executable that runs <see cref="EntryPath"/>, or null when the entry is run directly.</summary>
    public string? NodePath { get; }

    /// <summary><c>MOLTBOT_OPENCLAW_CLI</c> or <c>PATH</c>: where the CLI was found (for -Verbose).</summary>
    public string Source { get; }

    /// <summary>The folder of the <c>openclaw</c> npm package the entry belongs to (its package.json has <c>"name": "openclaw"</c>), or null.</summary>
    public string? PackageDirectory { get; }

    /// <summary>The program that is started: <see cref="NodePath"/> or else <see cref="EntryPath"/>.</summary>
    public string FileName => NodePath ?? EntryPath;

    public override string ToString() => NodePath is null ? EntryPath : $"{NodePath} {EntryPath}";

    /// <summary>
    /// Finds the CLI. Returns null when <c>MOLTBOT_OPENCLAW_CLI</c> is unset and there is no <c>openclaw</c> on
    /// <c>PATH</c>. Throws <see cref="ErrorIds.OpenClawCliNotFound"/> (ObjectNotFound) when <c>MOLTBOT_OPENCLAW_CLI</c>
    /// or <c>MOLTBOT_NODE</c> names nothing usable, or when an entry script needs node and none is found.
    /// </summary>
    public static OpenClawCli? Locate(MoltbotEnvironment? environment = null)
    {
        var env = environment ?? MoltbotEnvironment.Process;
        string candidate;
        string source;
        var configured = env.Get(CliVariable);
        if (configured is not null)
        {
            source = CliVariable;
            candidate = Path.GetFullPath(StatePaths.ExpandTilde(configured, StatePaths.ResolveHome(env)));
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(candidate, "openclaw.mjs")))
            {
                candidate = Path.Combine(candidate, "openclaw.mjs");
            }
            if (!File.Exists(candidate))
            {
                throw NotFound($"{CliVariable} is set to '{candidate}', which is not a file.", candidate);
            }
        }
        else
        {
            source = "PATH";
            var found = FindOnPath(env, "openclaw", requireEntryForShims: true);
            if (found is null)
            {
                return null;
            }
            candidate = found;
        }

        var entry = ResolveLinks(candidate);
        if (OperatingSystem.IsWindows() && IsWindowsShim(entry))
        {
            entry = ShimEntry(entry) ?? throw NotFound(
                $"'{entry}' is a command shim whose openclaw.mjs could not be found; set {CliVariable} to the openclaw.mjs of the package.", entry);
        }
        string? node = null;
        if (IsScript(entry))
        {
            node = LocateNode(env);
        }
        return new OpenClawCli(env, entry, node, source);
    }

    /// <summary>
    /// The version, read once and cached: from the package.json of the <c>openclaw</c> package (no process is started),
    /// else from <c>openclaw --version</c> (bounded by <see cref="VersionTimeout"/>). Null when neither gives one.
    /// </summary>
    public OpenClawVersion? GetVersion(CancellationToken cancellationToken = default)
    {
        lock (_versionGate)
        {
            if (_versionKnown)
            {
                return _version;
            }
        }
        var version = ReadPackageVersion();
        if (version is null)
        {
            try
            {
                var result = Run(new[] { "--version" }, timeout: VersionTimeout, cancellationToken: cancellationToken);
                version = result.Succeeded
                    ? OpenClawVersion.TryParse(result.StandardOutput) ?? OpenClawVersion.TryParse(result.StandardError)
                    : null;
            }
            catch (MoltbotException)
            {
                version = null;
            }
        }
        lock (_versionGate)
        {
            _version = version;
            _versionKnown = true;
        }
        return version;
    }

    /// <summary>The <c>version</c> of the package.json in <see cref="PackageDirectory"/>, or null. Starts no process.</summary>
    public OpenClawVersion? ReadPackageVersion() =>
        PackageDirectory is null ? null : OpenClawVersion.TryParse(ReadPackageField(Path.Combine(PackageDirectory, "package.json"), "version"));

    /// <summary>
    /// Runs the CLI with <paramref name="arguments"/> and waits for it, at most <paramref name="timeout"/>
    /// (default <see cref="DefaultTimeout"/>).
    /// <list type="bullet">
    /// <item><paramref name="standardInput"/> is written to the child's piped stdin, which is then closed (with null the
    /// stdin is closed at once, so the CLI never waits for a terminal). It appears nowhere else.</item>
    /// <item>The child inherits this process's environment, then gets <see cref="PassThroughVariables"/> and <c>PATH</c>
    /// from the environment the CLI was located with, <c>NO_COLOR=1</c>, and last <paramref name="environment"/>
    /// (a null value removes the variable).</item>
    /// <item>The working directory is the OpenClaw home, so a <c>.env</c> in the caller's current folder is not read.</item>
    /// </list>
    /// On timeout the process tree is killed and <see cref="ErrorIds.OpenClawCliTimeout"/> (OperationTimeout) is thrown;
    /// on cancellation it is killed and <see cref="OperationCanceledException"/> is thrown. A program that cannot be
    /// started throws <see cref="ErrorIds.OpenClawCliStartFailed"/>. A non-zero exit code is returned, not thrown.
    /// </summary>
    public OpenClawCliResult Run(
        IEnumerable<string> arguments,
        string? standardInput = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var args = arguments.ToList();
        if (args.Any(a => a is null))
        {
            throw new ArgumentException("An argument is null.", nameof(arguments));
        }
        var limit = timeout ?? DefaultTimeout;
        if (limit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "The timeout must be positive.");
        }
        cancellationToken.ThrowIfCancellationRequested();

        var psi = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardInputEncoding = Utf8NoBom,
            StandardOutputEncoding = Utf8NoBom,
            StandardErrorEncoding = Utf8NoBom,
        };
        var home = StatePaths.ResolveHome(_environment);
        if (Directory.Exists(home))
        {
            psi.WorkingDirectory = home;
        }
        if (NodePath is not null)
        {
            psi.ArgumentList.Add(EntryPath);
        }
        foreach (var argument in args)
        {
            psi.ArgumentList.Add(argument);
        }
        foreach (var name in PassThroughVariables)
        {
            var value = _environment.Get(name);
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }
        if (_environment.Get("PATH") is { } path)
        {
            psi.Environment["PATH"] = path;
        }
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        var what = Describe(args);
        using var process = new Process { StartInfo = psi };
        var watch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            throw new MoltbotException(ErrorIds.OpenClawCliStartFailed, MoltbotErrorKind.InvalidData,
                $"'{FileName}' could not be started: {ex.Message}", FileName, ex)
            {
                RecommendedAction = $"Check the file, or point {CliVariable} (and {NodeVariable} for an .mjs entry) at a working openclaw.",
            };
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = Drain(process.StandardOutput, stdout);
        var readErr = Drain(process.StandardError, stderr);
        var writeIn = Feed(process.StandardInput, standardInput);

        bool exited;
        using (cancellationToken.Register(() => KillTree(process)))
        {
            exited = process.WaitForExit(ToMilliseconds(limit));
        }
        if (!exited)
        {
            KillTree(process);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            KillTree(process);
            Settle(process, readOut, readErr, writeIn);
            throw new OperationCanceledException($"'openclaw {what}' was cancelled and stopped.", cancellationToken);
        }
        if (!exited)
        {
            Settle(process, readOut, readErr, writeIn);
            throw new MoltbotException(ErrorIds.OpenClawCliTimeout, MoltbotErrorKind.OperationTimeout,
                $"'openclaw {what}' did not finish within {limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s; it was stopped with its child processes.",
                FileName);
        }
        // A grandchild that keeps the pipes open (a daemon) must not hold us: wait for the pipes briefly, then kill the tree.
        if (!Task.WaitAll(new[] { readOut, readErr }, 2000))
        {
            KillTree(process);
        }
        Settle(process, readOut, readErr, writeIn);
        watch.Stop();
        return new OpenClawCliResult(process.ExitCode, Snapshot(stdout), Snapshot(stderr), watch.Elapsed);
    }

    /// <summary>The first file named <paramref name="name"/> on <c>PATH</c> (with <c>PATHEXT</c> on Windows) that can be run, or null.</summary>
    internal static string? FindOnPath(MoltbotEnvironment env, string name, bool requireEntryForShims = false)
    {
        var path = env.Get("PATH");
        if (path is null)
        {
            return null;
        }
        var extensions = OperatingSystem.IsWindows()
            ? (env.Get("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").Split(';', StringSplitOptions.RemoveEmptyEntries)
            : Array.Empty<string>();
        foreach (var raw in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var dir = raw.Trim().Trim('"');
            if (dir.Length == 0 || !Path.IsPathFullyQualified(dir))
            {
                continue; // never the current folder
            }
            if (OperatingSystem.IsWindows())
            {
                foreach (var ext in extensions)
                {
                    var candidate = Path.Combine(dir, name + ext.ToLowerInvariant());
                    if (File.Exists(candidate) && (!requireEntryForShims || !IsWindowsShim(candidate) || ShimEntry(candidate) is not null))
                    {
                        return candidate;
                    }
                }
            }
            else
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate) && IsExecutable(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>The final target of a symlink chain (the path itself when it is no link).</summary>
    internal static string ResolveLinks(string path)
    {
        try
        {
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true);
            return target is null ? Path.GetFullPath(path) : Path.GetFullPath(target.FullName);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
        catch (UnauthorizedAccessException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>Walks up from the entry's folder (at most 8 levels) to a package.json whose name is <c>openclaw</c>.</summary>
    internal static string? FindPackageDirectory(string entryPath)
    {
        var dir = Path.GetDirectoryName(entryPath);
        for (var depth = 0; dir is not null && depth < 8; depth++)
        {
            var manifest = Path.Combine(dir, "package.json");
            if (File.Exists(manifest) && ReadPackageField(manifest, "name") == "openclaw")
            {
                return dir;
            }
            dir = Path.GetDirectoryName(dir);
        }
        return null;
    }

    private static string? ReadPackageField(string manifest, string field)
    {
        try
        {
            var info = new FileInfo(manifest);
            if (!info.Exists || info.Length > 4 * 1024 * 1024)
            {
                return null;
            }
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty(field, out var value)
                && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static string LocateNode(MoltbotEnvironment env)
    {
        var configured = env.Get(NodeVariable);
        if (configured is not null)
        {
            var full = Path.GetFullPath(StatePaths.ExpandTilde(configured, StatePaths.ResolveHome(env)));
            if (!File.Exists(full))
            {
                throw NotFound($"{NodeVariable} is set to '{full}', which is not a file.", full);
            }
            return full;
        }
        return FindOnPath(env, "node")
            ?? throw NotFound($"The openclaw entry is a JavaScript file, but no 'node' is on PATH; set {NodeVariable} to a node executable (OpenClaw needs Node 22 or later).", null);
    }

    private static bool IsScript(string path) =>
        ScriptExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    private static bool IsWindowsShim(string path) =>
        new[] { ".cmd", ".bat", ".ps1" }.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>npm's Windows shims sit next to <c>node_modules/openclaw/openclaw.mjs</c> (global install layout).</summary>
    private static string? ShimEntry(string shim)
    {
        var dir = Path.GetDirectoryName(shim);
        if (dir is null)
        {
            return null;
        }
        foreach (var candidate in new[]
                 {
                     Path.Combine(dir, "node_modules", "openclaw", "openclaw.mjs"),
                     Path.Combine(dir, "..", "openclaw", "openclaw.mjs"),
                 })
        {
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }
        return null;
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }
        try
        {
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The sub-command for messages: the leading words up to the first option (options may carry values that are not for messages).</summary>
    internal static string Describe(IReadOnlyList<string> args)
    {
        var words = args.TakeWhile(a => !a.StartsWith('-')).Take(4).Select(a => a.Length > 64 ? a.Substring(0, 64) + "..." : a).ToList();
        return words.Count == 0 ? (args.Count > 0 && args[0] == "--version" ? "--version" : "(options)") : string.Join(' ', words);
    }

    private static Task Drain(StreamReader reader, StringBuilder sink) => Task.Run(async () =>
    {
        var buffer = new char[8192];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
            {
                lock (sink)
                {
                    var room = MaxCapturedChars - sink.Length;
                    if (room > 0)
                    {
                        sink.Append(buffer, 0, Math.Min(room, read));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    });

    private static Task Feed(StreamWriter writer, string? text) => Task.Run(async () =>
    {
        try
        {
            if (!string.IsNullOrEmpty(text))
            {
                await writer.WriteAsync(text).ConfigureAwait(false);
                await writer.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the child exited without reading its input
        }
        finally
        {
            try
            {
                writer.Close();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    });

    private static void Settle(Process process, Task readOut, Task readErr, Task writeIn)
    {
        try
        {
            process.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
        }
        Task.WaitAll(new[] { readOut, readErr, writeIn }, 2000);
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
        }
    }

    private static string Snapshot(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }

    private static int ToMilliseconds(TimeSpan value) =>
        value.TotalMilliseconds >= int.MaxValue ? int.MaxValue : Math.Max(1, (int)Math.Ceiling(value.TotalMilliseconds));

    private static MoltbotException NotFound(string message, string? target) =>
        new(ErrorIds.OpenClawCliNotFound, MoltbotErrorKind.ObjectNotFound, message, target)
        {
            RecommendedAction = $"Install openclaw (npm install -g openclaw), or set {CliVariable} to the openclaw executable or its openclaw.mjs (with {NodeVariable} for node).",
        };
}
