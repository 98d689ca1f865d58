using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Completers;

/// <summary>Shared helpers: case-insensitive wildcard matching on what was typed, and quoting that re-parses.</summary>
internal static class Completion
{
    /// <summary>
    /// The completions of what was typed. The list item and the tooltip go through DisplayText (a stored id may hold
    /// terminal control characters); the completion text re-parses to the exact value (see <see cref="Quote"/>).
    /// </summary>
    public static IEnumerable<CompletionResult> Results(IEnumerable<string> candidates, string wordToComplete, Func<string, string>? tooltip = null)
    {
        var typed = TrimQuotes(wordToComplete ?? string.Empty);
        var pattern = Pattern(typed + "*");
        return candidates
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(c => pattern.IsMatch(c))
            .OrderBy(c => c, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c), DisplayText.Escape(c), CompletionResultType.ParameterValue, DisplayText.Escape(tooltip?.Invoke(c) ?? c)))
            .ToList();
    }

    /// <summary>
    /// A wildcard pattern of what the command line holds so far; one PowerShell cannot parse (a lone '[') is matched
    /// literally, since a completer must not fail while the user is still typing.
    /// </summary>
    public static WildcardPattern Pattern(string value)
    {
        var pattern = new WildcardPattern(value, WildcardOptions.IgnoreCase);
        try
        {
            pattern.IsMatch(string.Empty);
            return pattern;
        }
        catch (WildcardPatternException)
        {
            var literal = value.EndsWith('*') ? WildcardPattern.Escape(value[..^1]) + "*" : WildcardPattern.Escape(value);
            return new WildcardPattern(literal, WildcardOptions.IgnoreCase);
        }
    }

    public static string TrimQuotes(string value)
    {
        if (value.Length >= 1 && (value[0] == '\'' || value[0] == '"'))
        {
            value = value.Substring(1);
        }
        if (value.Length >= 1 && (value[^1] == '\'' || value[^1] == '"'))
        {
            value = value.Substring(0, value.Length - 1);
        }
        return value;
    }

    /// <summary>
    /// Quotes a value whose characters would not re-parse as one bare word (spaces, '@' , '$', quotes...). A value
    /// holding a terminal control character becomes a double-quoted string with backtick escapes (<c>`e</c>,
    /// <c>`u{9B}</c>), so the command line never holds the raw character and still parses to the exact value.
    /// </summary>
    public static string Quote(string value)
    {
        if (DisplayText.ContainsUnsafe(value))
        {
            var sb = new System.Text.StringBuilder(value.Length + 16).Append('"');
            foreach (var ch in value)
            {
                if (ch == '\x1B')
                {
                    sb.Append("`e");
                }
                else if (DisplayText.IsUnsafe(ch))
                {
                    sb.Append("`u{").Append(((int)ch).ToString("X", System.Globalization.CultureInfo.InvariantCulture)).Append('}');
                }
                else if (ch is '`' or '"' or '$' or '\u201C' or '\u201D' or '\u201E')
                {
                    sb.Append('`').Append(ch);
                }
                else
                {
                    sb.Append(ch);
                }
            }
            return sb.Append('"').ToString();
        }
        foreach (var ch in value)
        {
            if (!(char.IsLetterOrDigit(ch) || ch == '-' || ch == '_' || ch == '.' || ch == ':' || ch == '/'))
            {
                return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
            }
        }
        return value;
    }

    /// <summary>Store profiles of the agents the command line names (all agents when none), read without failing.</summary>
    public static IEnumerable<(AgentLocation Agent, StoredProfile Profile)> Profiles(IDictionary? fakeBoundParameters)
    {
        MoltbotState state;
        IReadOnlyList<AgentLocation> agents;
        try
        {
            state = MoltbotState.Resolve();
            agents = state.ListAgents();
        }
        catch (MoltbotException)
        {
            yield break;
        }
        var agentFilter = fakeBoundParameters?["Agent"] switch
        {
            string s => new[] { s },
            object[] many => many.Select(o => o?.ToString() ?? string.Empty).ToArray(),
            _ => null,
        };
        foreach (var agent in agents)
        {
            if (agentFilter is not null && !agentFilter.Any(f => Pattern(f).IsMatch(agent.Id)))
            {
                continue;
            }
            AuthProfileStore? store;
            try
            {
                store = agent.LoadStore();
            }
            catch (MoltbotException)
            {
                continue;
            }
            if (store is null)
            {
                continue;
            }
            foreach (var profile in store.Profiles)
            {
                yield return (agent, profile);
            }
        }
    }
}

/// <summary>Completes agent ids from openclaw.json and the agents folder.</summary>
public sealed class AgentCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var agents = MoltbotState.Resolve().ListAgents();
            return Completion.Results(agents.Select(a => a.Id), wordToComplete,
                id => agents.First(a => string.Equals(a.Id, id, StringComparison.OrdinalIgnoreCase)).AgentDir);
        }
        catch (MoltbotException)
        {
            return Array.Empty<CompletionResult>();
        }
    }
}

/// <summary>Completes provider ids: those in the stores first, then the providers OpenClaw commonly uses.</summary>
public sealed class ProviderCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var stored = Completion.Profiles(fakeBoundParameters).Select(p => p.Profile.Provider).Where(p => !string.IsNullOrEmpty(p)).Select(p => p!);
        return Completion.Results(stored.Concat(ProviderId.Known), wordToComplete);
    }
}

/// <summary>Completes profile ids from the stores, narrowed by -Agent and -Provider when they are on the command line.</summary>
public sealed class ProfileIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var provider = fakeBoundParameters?["Provider"] as string;
        var profiles = Completion.Profiles(fakeBoundParameters)
            .Where(p => provider is null || string.Equals(p.Profile.Provider, provider, StringComparison.OrdinalIgnoreCase))
            .ToList();
        return Completion.Results(profiles.Select(p => p.Profile.Id), wordToComplete,
            id =>
            {
                var match = profiles.First(p => p.Profile.Id == id);
                return $"{(match.Profile.Type == CredentialType.Unknown ? "unknown" : match.Profile.Type.ToWireName())} profile of agent {match.Agent.Id}";
            });
    }
}
