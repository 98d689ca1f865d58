using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using Moltbot.Commands;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.PowerShell.Tests;

/// <summary>
/// Issue 12, finding 11: every message a cmdlet writes to a host stream goes through MoltbotCmdlet's wrappers, which
/// escape terminal control characters (DisplayText). This reads the IL of every method of Moltbot.dll and fails on a
/// call to Cmdlet's own WriteVerbose, WriteWarning, WriteError, ShouldProcess... from anywhere but those wrappers
/// (a static helper taking a Cmdlet, say), so a message added later cannot bypass the rule.
/// </summary>
public sealed class DisplayGuardTests
{
    private static readonly HashSet<string> Guarded = new(StringComparer.Ordinal)
    {
        "WriteVerbose", "WriteDebug", "WriteWarning", "WriteInformation", "WriteProgress", "WriteError",
        "ThrowTerminatingError", "ShouldProcess", "ShouldContinue",
    };

    private readonly ITestOutputHelper _output;

    public DisplayGuardTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void No_method_bypasses_the_escaping_wrappers_of_MoltbotCmdlet()
    {
        var assembly = typeof(MoltbotCmdlet).Assembly;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offenders = new List<string>();
        var scanned = 0;
        var wrapped = 0;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                var il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is null)
                {
                    continue;
                }
                scanned++;
                foreach (var callee in Callees(method, il))
                {
                    var declaring = callee.DeclaringType;
                    if (!Guarded.Contains(callee.Name) || declaring is null)
                    {
                        continue;
                    }
                    if (declaring == typeof(Cmdlet) || declaring == typeof(PSCmdlet))
                    {
                        // Only the wrapper of the same name may call the base method.
                        if (!(method.DeclaringType == typeof(MoltbotCmdlet) && method.Name == callee.Name))
                        {
                            offenders.Add($"{method.DeclaringType?.FullName}.{method.Name} calls {declaring.Name}.{callee.Name}");
                        }
                    }
                    else if (declaring == typeof(MoltbotCmdlet))
                    {
                        wrapped++;
                    }
                }
            }
        }
        _output.WriteLine($"methods scanned: {scanned}; calls through the escaping wrappers: {wrapped}; direct calls to Cmdlet's own: {offenders.Count}");
        Assert.True(wrapped > 20, "the scan found too few wrapper calls to be reading the IL: " + wrapped);
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    private static IEnumerable<MethodBase> Callees(MethodBase method, byte[] il)
    {
        // call (0x28), callvirt (0x6F) and ldftn (0xFE 0x06) take a 4-byte method token; a stray byte pair that
        // resolves to nothing is skipped.
        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] != 0x28 && il[i] != 0x6F && !(il[i] == 0x06 && i > 0 && il[i - 1] == 0xFE))
            {
                continue;
            }
            var token = BitConverter.ToInt32(il, i + 1);
            if ((token >> 24) is not (0x06 or 0x0A or 0x2B))
            {
                continue;
            }
            MethodBase? callee = null;
            try
            {
                callee = method.Module.ResolveMethod(token,
                    method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null,
                    method.IsGenericMethod ? method.GetGenericArguments() : null);
            }
            catch (Exception ex) when (ex is ArgumentException or BadImageFormatException)
            {
            }
            if (callee is not null)
            {
                yield return callee;
            }
        }
    }
}
