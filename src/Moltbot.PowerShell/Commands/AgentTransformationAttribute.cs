using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// The one rule for what an <c>-Agent</c> parameter takes (issue 15, point 7): an agent name, a
/// <see cref="MoltbotAgent"/> (its <see cref="MoltbotAgent.Id"/>, not the escaped ToString()), or a list of those.
/// <para>
/// PowerShell binds a pipeline object by value without coercion, then by property name, then by value WITH coercion,
/// and the coercion pass runs even after the property-name pass bound other parameters. A plain string parameter would
/// turn any object piped in into its ToString() there: a MoltbotProvider piped into Connect-MoltbotProvider would name
/// the agent 'openai-codex', and an Import-Csv row without an Agent column would name the agent
/// '@{Provider=...; ApiKey=sk-...}', a secret in an AgentNotFound message. Anything else is therefore mapped to a
/// <see cref="NotBindable"/>, which no coercion turns into a string: such an object is not bound to -Agent (another
/// parameter may still take it by property name) and, when nothing takes it, the binder's error names its type only.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class AgentTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (value is IList list)
        {
            return list.Cast<object?>().Select(One).ToArray();
        }
        return One(value);
    }

    private static object? One(object? item) => (item is PSObject pso ? pso.BaseObject : item) switch
    {
        null => null,
        string name => name,
        MoltbotAgent agent => agent.Id,
        var other => new NotBindable($"A {other.GetType().Name} does not name an agent: -Agent takes agent names, Get-MoltbotAgent objects, or objects with an Agent property."),
    };
}

