using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
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

/// <summary>The private load context: resolves any assembly that has a DLL in the dependencies folder.</summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
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
}
