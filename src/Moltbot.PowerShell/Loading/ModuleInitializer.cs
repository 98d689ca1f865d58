using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Moltbot.Loading;

/// <summary>
/// Loads Moltbot.Core and its third-party dependencies from the module's <c>dependencies/</c> folder into a private
/// AssemblyLoadContext, so that they never clash with what PowerShell or another module has loaded. Only
/// Moltbot.Core is handed to the default context (it is the bridge the cmdlets call); its own dependencies stay inside.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => DependencyResolver.Register();

    public void OnRemove(PSModuleInfo psModuleInfo) => DependencyResolver.Unregister();
}

internal static class DependencyResolver
{
    private const string BridgeAssembly = "Moltbot.Core";
    private static readonly object Gate = new();
    private static bool _registered;
    private static DependencyLoadContext? _context;

    /// <summary>Runs as soon as Moltbot.dll is loaded, before any cmdlet code touches a Moltbot.Core type.</summary>
#pragma warning disable CA2255 // the module initializer is the earliest safe point to install the resolver
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => Register();

    public static void Register()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }
            AssemblyLoadContext.Default.Resolving += OnResolving;
            _registered = true;
        }
    }

    public static void Unregister()
    {
        lock (Gate)
        {
            if (_registered)
            {
                AssemblyLoadContext.Default.Resolving -= OnResolving;
                _registered = false;
            }
        }
    }

    private static Assembly? OnResolving(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, BridgeAssembly, StringComparison.Ordinal))
        {
            return null;
        }
        var folder = DependencyFolder();
        if (folder is null)
        {
            return null;
        }
        lock (Gate)
        {
            _context ??= new DependencyLoadContext(folder);
        }
        return _context.LoadFromAssemblyName(name);
    }

    private static string? DependencyFolder()
    {
        var here = Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location);
        if (string.IsNullOrEmpty(here))
        {
            return null;
        }
        var folder = Path.Combine(here, "dependencies");
        return Directory.Exists(folder) ? folder : null;
    }
}

/// <summary>
/// The private load context: resolves any assembly that has a DLL in the dependencies folder, and the native libraries
/// the module ships (SQLite's e_sqlite3) from <c>dependencies/runtimes/&lt;rid&gt;/native</c> for the running OS and
/// process architecture. SQLitePCLRaw's provider P/Invokes "e_sqlite3" from this context, so the runtime asks
/// <see cref="LoadUnmanagedDll"/> first; the library is never looked up in the default context's paths.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    /// <summary>The runtime identifiers the module ships native libraries for (build.ps1 stages exactly these).</summary>
    internal static readonly string[] ShippedRuntimes = { "linux-x64", "linux-arm64", "osx-arm64", "osx-x64", "win-x64" };

    /// <summary>Native libraries that must come from the module: never from the system or the default context.</summary>
    private static readonly string[] ShippedNativeLibraries = { "e_sqlite3" };

    private readonly string _folder;

    public DependencyLoadContext(string folder)
        : base("Moltbot.Dependencies", isCollectible: false)
    {
        _folder = folder;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var candidate = Path.Combine(_folder, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var library = BaseName(unmanagedDllName);
        if (Array.IndexOf(ShippedNativeLibraries, library) < 0)
        {
            return IntPtr.Zero; // not ours (libc and the like): the runtime's usual probing
        }
        var rid = CurrentRuntimeIdentifier();
        var path = NativeLibraryPath(_folder, rid, library);
        if (!File.Exists(path))
        {
            throw new DllNotFoundException(
                $"Moltbot has no native {library} library for this platform ({rid}): {path} does not exist. " +
                $"The module ships it for {string.Join(", ", ShippedRuntimes)}.");
        }
        return LoadUnmanagedDllFromPath(path);
    }

    /// <summary>dependencies/runtimes/&lt;rid&gt;/native/&lt;platform file name&gt;, as NuGet lays it out.</summary>
    internal static string NativeLibraryPath(string dependencies, string rid, string library)
    {
        var file = rid.StartsWith("win-", StringComparison.Ordinal) ? library + ".dll"
            : rid.StartsWith("osx-", StringComparison.Ordinal) ? "lib" + library + ".dylib"
            : "lib" + library + ".so";
        return Path.Combine(dependencies, "runtimes", rid, "native", file);
    }

    /// <summary>The runtime identifier of this process: OS and process architecture (linux-musl-* on musl libc).</summary>
    internal static string CurrentRuntimeIdentifier()
    {
        string os;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            os = "win";
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
        {
            os = "osx";
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            os = IsMusl() ? "linux-musl" : "linux";
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.FreeBSD))
        {
            os = "freebsd";
        }
        else
        {
            os = RuntimeInformation.OSDescription.Split(' ')[0].ToLowerInvariant();
        }
        return os + "-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
    }

    /// <summary>"libe_sqlite3.so", "e_sqlite3.dll", "e_sqlite3" all name e_sqlite3.</summary>
    private static string BaseName(string name)
    {
        var file = Path.GetFileName(name);
        foreach (var extension in new[] { ".dll", ".dylib", ".so" })
        {
            if (file.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                file = file.Substring(0, file.Length - extension.Length);
                break;
            }
        }
        return file.StartsWith("lib", StringComparison.Ordinal) ? file.Substring(3) : file;
    }

    /// <summary>
    /// A musl build of .NET (Alpine) says so in its own runtime identifier (linux-musl-x64); the glibc linux-* natives
    /// would not load there. Only that marker is read: distribution-specific identifiers say nothing about the rest.
    /// </summary>
    private static bool IsMusl() => RuntimeInformation.RuntimeIdentifier.Contains("-musl", StringComparison.Ordinal);
}
