using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;
using Moltbot.Errors;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// Shared plumbing: the state dir of this invocation, cancellation on Ctrl+C, and the translation of core failures into
/// ErrorRecords. Derived cmdlets put their work in <see cref="ProcessItem"/>.
/// </summary>
public abstract class MoltbotCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _cancel = new();
    private MoltbotState? _state;

    /// <summary>The state dir as it is when the command runs (OPENCLAW_STATE_DIR read afresh each time).</summary>
    internal MoltbotState State => _state ??= MoltbotState.Resolve();

    internal CancellationToken Cancellation => _cancel.Token;

    protected override void BeginProcessing()
    {
        WriteDebug($"State dir: {State.Paths.StateDir} (from {State.Paths.StateDirSource}); config: {State.Paths.ConfigPath}");
    }

    /// <summary>Says on the verbose stream which storage era the state dir is in, once the command has looked.</summary>
    internal void DescribeLayout()
    {
        var layout = State.Layout;
        WriteVerbose($"Storage era of {State.Paths.StateDir}: {Core.State.StoreLayoutText.Describe(layout)}.");
        foreach (var note in State.LayoutNotes)
        {
            WriteVerbose(note);
        }
    }

    protected sealed override void ProcessRecord()
    {
        try
        {
            BeforeItem();
            ProcessItem();
            ReportLegacyImports();
        }
        catch (MoltbotException ex) when (ItemErrorsAreNonTerminating && MyInvocation.ExpectingInput)
        {
            // One piped item's failure is its own: reported, and the pipe goes on (issue 16, batching).
            WriteMoltbotError(ex);
        }
        catch (MoltbotException ex)
        {
            ThrowTerminatingError(MoltbotErrors.From(ex));
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // Ctrl+C: PowerShell reports the stop itself.
        }
    }

    protected abstract void ProcessItem();

    /// <summary>Runs before each <see cref="ProcessItem"/> (the batched setters write what is due there).</summary>
    internal virtual void BeforeItem()
    {
    }

    /// <summary>
    /// Whether a failure of one piped item is non-terminating (the batched setters); without pipeline input it stops
    /// the command either way.
    /// </summary>
    internal virtual bool ItemErrorsAreNonTerminating => false;

    /// <summary>
    /// Whether ShouldProcess will show something or ask (-WhatIf, -Confirm, or a $ConfirmPreference at or below this
    /// cmdlet's ConfirmImpact): only then is a store read before the lock to word the message (issue 16, "no extra read
    /// before the lock"); otherwise the message is worded without it.
    /// </summary>
    internal bool ShouldProcessWillShow(bool force = false)
    {
        if (WhatIfRequested)
        {
            return true;
        }
        if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var c))
        {
            return c is SwitchParameter cs && cs.IsPresent;
        }
        if (force)
        {
            return false; // -Force skips the confirmation (ShouldProcessUnlessForced)
        }
        var impact = _impact ??= (System.Reflection.CustomAttributeExtensions.GetCustomAttribute<CmdletAttribute>(GetType())?.ConfirmImpact ?? ConfirmImpact.Medium);
        var preference = ConfirmImpact.High;
        if (SessionState.PSVariable.GetValue("ConfirmPreference") is { } value)
        {
            try
            {
                preference = LanguagePrimitives.ConvertTo<ConfirmImpact>(value);
            }
            catch (PSInvalidCastException)
            {
                // PowerShell itself falls back to High for a value it cannot read.
            }
        }
        return preference != ConfirmImpact.None && impact >= preference;
    }

    private ConfirmImpact? _impact;

    // What a cmdlet writes for a person goes through DisplayText (issue 12, finding 11): a profile id, email, path or
    // CLI answer can hold terminal control characters, which must reach the host escaped. These hide Cmdlet's own
    // methods, so every call in a derived cmdlet (or through a reference typed as one) takes them; the output objects
    // keep the true values.

    /// <inheritdoc cref="Cmdlet.WriteVerbose(string)"/>
    public new void WriteVerbose(string text) => base.WriteVerbose(DisplayText.EscapeMessage(text));

    /// <inheritdoc cref="Cmdlet.WriteDebug(string)"/>
    public new void WriteDebug(string text) => base.WriteDebug(DisplayText.EscapeMessage(text));

    /// <inheritdoc cref="Cmdlet.WriteWarning(string)"/>
    public new void WriteWarning(string text) => base.WriteWarning(DisplayText.EscapeMessage(text));

    /// <inheritdoc cref="Cmdlet.WriteInformation(object, string[])"/>
    public new void WriteInformation(object messageData, string[] tags) => base.WriteInformation(messageData switch
    {
        HostInformationMessage host => new HostInformationMessage
        {
            Message = DisplayText.EscapeMessage(host.Message),
            NoNewLine = host.NoNewLine,
            ForegroundColor = host.ForegroundColor,
            BackgroundColor = host.BackgroundColor,
        },
        string text => DisplayText.EscapeMessage(text),
        _ => messageData,
    }, tags);

    /// <inheritdoc cref="Cmdlet.WriteProgress(ProgressRecord)"/>
    public new void WriteProgress(ProgressRecord progressRecord)
    {
        progressRecord.Activity = DisplayText.Escape(progressRecord.Activity);
        progressRecord.StatusDescription = DisplayText.Escape(progressRecord.StatusDescription);
        if (progressRecord.CurrentOperation is { } operation)
        {
            progressRecord.CurrentOperation = DisplayText.Escape(operation);
        }
        base.WriteProgress(progressRecord);
    }

    /// <inheritdoc cref="Cmdlet.WriteError(ErrorRecord)"/>
    public new void WriteError(ErrorRecord errorRecord) => base.WriteError(MoltbotErrors.ForDisplay(errorRecord));

    /// <inheritdoc cref="Cmdlet.ThrowTerminatingError(ErrorRecord)"/>
    public new void ThrowTerminatingError(ErrorRecord errorRecord) => base.ThrowTerminatingError(MoltbotErrors.ForDisplay(errorRecord));

    /// <inheritdoc cref="Cmdlet.ShouldProcess(string, string)"/>
    public new bool ShouldProcess(string target, string action) =>
        base.ShouldProcess(DisplayText.EscapeMessage(target), DisplayText.EscapeMessage(action));

    /// <inheritdoc cref="Cmdlet.ShouldProcess(string)"/>
    public new bool ShouldProcess(string target) => base.ShouldProcess(DisplayText.EscapeMessage(target));

    /// <inheritdoc cref="Cmdlet.ShouldContinue(string, string)"/>
    public new bool ShouldContinue(string query, string caption) =>
        base.ShouldContinue(DisplayText.EscapeMessage(query), DisplayText.EscapeMessage(caption));

    /// <summary>
    /// The patterns of a wildcard parameter (-Agent, -Name, -Provider, -ProfileId), checked up front: a pattern
    /// PowerShell cannot parse (such as <c>[</c>) is a typed <c>MoltbotInvalidWildcard</c> (InvalidArgument), never a
    /// WildcardPatternException out of the first match. Null when the parameter was not given.
    /// </summary>
    internal static List<WildcardPattern>? WildcardPatterns(string parameterName, IEnumerable<string>? values) =>
        values?.Select(v => Wildcard(parameterName, v)).ToList();

    /// <inheritdoc cref="WildcardPatterns"/>
    internal static WildcardPattern Wildcard(string parameterName, string value)
    {
        var pattern = new WildcardPattern(value, WildcardOptions.IgnoreCase);
        try
        {
            pattern.IsMatch(string.Empty); // WildcardPattern parses on first use
        }
        catch (WildcardPatternException ex)
        {
            throw new MoltbotException(ErrorIds.InvalidWildcard, MoltbotErrorKind.InvalidArgument,
                $"-{parameterName} '{value}' is not a valid wildcard pattern: {ex.Message}", value, ex)
            {
                RecommendedAction = "Escape a literal '[' or ']' with a backtick (`[), or pass the value through [WildcardPattern]::Escape().",
            };
        }
        return pattern;
    }

    /// <summary>
    /// The agents an <c>-Agent</c> list selects, the one rule of the listings (Get-MoltbotAuthProfile,
    /// Get-MoltbotAuthOrder): every agent when the list is null; a wildcard matches agent ids; a literal name goes through
    /// the agent-id rule, and one that names no agent is a non-terminating <c>MoltbotAgentNotFound</c> (with the closest
    /// names) while the others are still listed. Each agent once, in the order named. A pattern PowerShell cannot parse
    /// stops the command (<c>MoltbotInvalidWildcard</c>) before anything is listed.
    /// </summary>
    internal List<AgentLocation> SelectAgents(string parameterName, IReadOnlyList<string>? names)
    {
        var patterns = WildcardPatterns(parameterName, names);
        var agents = State.ListAgents();
        if (names is null)
        {
            return agents.ToList();
        }
        var selected = new List<AgentLocation>();
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = patterns![i];
                selected.AddRange(agents.Where(a => pattern.IsMatch(a.Id) && !selected.Contains(a)));
                continue;
            }
            var id = Core.State.AgentId.Normalize(name);
            var match = agents.FirstOrDefault(a => a.Id == id);
            if (match is null)
            {
                WriteMoltbotError(State.AgentNotFound(name), name);
                continue;
            }
            if (!selected.Contains(match))
            {
                selected.Add(match);
            }
        }
        return selected;
    }

    /// <summary>
    /// Reads the store of each agent once (null: the agent has none). A store that cannot be read is reported
    /// (MoltbotStoreUnreadable, non-terminating) and left out: one unreadable store must not hide the others.
    /// </summary>
    internal List<(AgentLocation Agent, AuthProfileStore? Store)> LoadStores(IEnumerable<AgentLocation> agents)
    {
        var readable = new List<(AgentLocation Agent, AuthProfileStore? Store)>();
        foreach (var agent in agents)
        {
            if (TryLoadStore(agent, out var store))
            {
                if (store is not null)
                {
                    WarnOnce(store.Warnings);
                }
                readable.Add((agent, store));
            }
        }
        return readable;
    }

    /// <summary>
    /// Reports each name of a -ProfileId list without wildcards that no listed profile matched (MoltbotProfileNotFound,
    /// non-terminating); returns whether there was one.
    /// </summary>
    internal bool ReportProfilesNotFound(string[]? profileIds, ISet<string> found, bool agentsNamed)
    {
        var any = false;
        foreach (var missing in (profileIds ?? Array.Empty<string>()).Where(p => !WildcardPattern.ContainsWildcardCharacters(p))
                     .Distinct(StringComparer.OrdinalIgnoreCase).Where(id => !found.Contains(id)))
        {
            any = true;
            WriteMoltbotError(new MoltbotException(ErrorIds.ProfileNotFound, MoltbotErrorKind.ObjectNotFound,
                $"No agent has a profile '{missing}'" + (agentsNamed ? " among the agents selected." : "."), missing)
            {
                RecommendedAction = "List the profiles with Get-MoltbotAuthProfile.",
            }, missing);
        }
        return any;
    }

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>
    /// ShouldProcess, except that -Force skips the confirmation a high-impact change would ask for. -WhatIf and an
    /// explicit -Confirm still apply.
    /// </summary>
    internal bool ShouldProcessUnlessForced(bool force, string target, string action)
    {
        var bound = MyInvocation.BoundParameters;
        var whatIf = WhatIfRequested;
        var confirm = bound.TryGetValue("Confirm", out var c) && c is SwitchParameter cs && cs.IsPresent;
        if (force && !whatIf && !confirm)
        {
            WriteVerbose($"{action} on {target} (-Force).");
            return true;
        }
        return ShouldProcess(target, action);
    }

    /// <summary>Whether this command runs under -WhatIf (given, or through $WhatIfPreference).</summary>
    internal bool WhatIfRequested
    {
        get
        {
            var bound = MyInvocation.BoundParameters;
            return bound.TryGetValue("WhatIf", out var w)
                ? w is SwitchParameter ws && ws.IsPresent
                : SessionState.PSVariable.GetValue("WhatIfPreference") is { } pref && LanguagePrimitives.IsTrue(pref);
        }
    }

    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    /// <summary>Writes each warning of a store once per command (a listing reads many stores).</summary>
    internal void WarnOnce(IEnumerable<string> warnings)
    {
        foreach (var warning in warnings)
        {
            if (_warned.Add(warning))
            {
                WriteWarning(warning);
            }
        }
    }

    /// <summary>Reports a per-item failure and lets the pipeline go on.</summary>
    internal void WriteMoltbotError(MoltbotException ex, object? target = null) => WriteError(MoltbotErrors.From(ex, target));

    /// <summary>An I/O failure reading one agent's store, typed, so that a listing reports it and goes on.</summary>
    internal static MoltbotException StoreUnreadable(AgentLocation agent, Exception ex) =>
        new(ErrorIds.StoreUnreadable, ex is UnauthorizedAccessException ? MoltbotErrorKind.PermissionDenied : MoltbotErrorKind.InvalidData,
            $"The credentials of agent '{agent.Id}' ({agent.Store.Location}) cannot be read: {ex.Message}", agent.Store.Location, ex);

    /// <summary>
    /// Reads one agent's store for a listing: false, with the failure written as a non-terminating error, when it cannot
    /// be read (one unreadable store must not hide the others). The store is null when the agent has none.
    /// </summary>
    internal bool TryLoadStore(AgentLocation agent, out AuthProfileStore? store)
    {
        try
        {
            store = agent.LoadStore();
            return true;
        }
        catch (MoltbotException ex)
        {
            WriteMoltbotError(ex, agent.Store.Location);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
        {
            WriteMoltbotError(StoreUnreadable(agent, ex), agent.Store.Location);
        }
        store = null;
        return false;
    }

    private readonly List<AgentLocation> _resolved = new();

    /// <summary>
    /// The agent named by -Agent, or the configured default agent; it must exist (<see cref="MoltbotState.RequireAgent"/>),
    /// so that a typo in -Agent on a writer never creates an agent (issue 15, point 2): an agent is created on purpose
    /// with New-MoltbotAgent, as with <c>openclaw agents add</c>.
    /// </summary>
    internal AgentLocation ResolveAgent(string? agent)
    {
        var location = State.RequireAgent(agent);
        _resolved.Add(location);
        return location;
    }

    /// <summary>
    /// The profile id a pasted credential of <paramref name="type"/> goes to: -ProfileId as given (a warning says so
    /// when it is stored under another spelling), else OpenClaw's id for the same action in this state dir's era
    /// (<see cref="ProviderId.DefaultPastedProfileId"/>).
    /// </summary>
    internal string PastedProfileId(AgentLocation agent, string provider, string? given, CredentialType type, Func<AgentLocation, AuthProfileStore?>? load = null)
    {
        if (string.IsNullOrWhiteSpace(given))
        {
            var id = ProviderId.DefaultPastedProfileId(provider, type, State.Layout, load is null ? agent.LoadStore() : load(agent));
            if (id.EndsWith(":default", StringComparison.Ordinal) && ProviderId.DefaultPastedProfileId(provider, type, State.Layout, null) != id)
            {
                WriteVerbose($"No -ProfileId: replacing '{id}', which holds {Core.Text.Article.With(type.ToWireName())} credential already, rather than adding '{provider}:manual' beside it.");
            }
            return id;
        }
        var resolved = ProviderId.ResolveProfileId(provider, given);
        if (ProviderId.NormalizationNote(provider, given, resolved) is { } note)
        {
            WriteWarning(note);
        }
        return resolved;
    }

    /// <summary>Whether a write that imported the legacy credentials on first use says so (the explicit import reports them as output).</summary>
    internal virtual bool ReportsFirstUseImport => true;

    /// <summary>
    /// A write into an agent with no store yet first imports <c>credentials/oauth.json</c> and the agent's
    /// <c>auth.json</c>, as OpenClaw does on first use (issue 15, point 5). That puts credentials in the store that
    /// the user did not give in this command, and the resolver may use them, so it is a warning (seen by default),
    /// naming the profile ids and their files, never a secret.
    /// </summary>
    private void ReportLegacyImports()
    {
        var agents = _resolved.ToList();
        _resolved.Clear();
        foreach (var agent in agents)
        {
            ReportLegacyImport(agent);
        }
    }

    /// <summary>The warning of <see cref="ReportLegacyImports"/> for one agent, after its last write.</summary>
    internal void ReportLegacyImport(AgentLocation agent)
    {
        if (!ReportsFirstUseImport || agent.Store.LastLegacyImport is not { } import || import.ImportedCount == 0)
        {
            return;
        }
        var items = import.Items.Where(i => i.Imported)
            .Select(i => $"'{i.ProfileId}' (from {i.Source})");
        WriteWarning($"Agent '{agent.Id}' had no credential store yet, so OpenClaw's legacy credentials were imported into it first, as OpenClaw does on first use: {string.Join(", ", items)}. " +
                     $"Review them with Get-MoltbotAuthProfile -Agent {agent.Id}; remove one you do not want with Remove-MoltbotAuthProfile.");
    }

    internal static string Plain(SecureString secure)
    {
        var ptr = IntPtr.Zero;
        try
        {
            ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
            return Marshal.PtrToStringUni(ptr) ?? string.Empty;
        }
        finally
        {
            if (ptr != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }

    /// <summary>
    /// The candidates the runtime would try for a provider in an agent, as Resolve-MoltbotAuthProfile and
    /// Get-MoltbotAccessToken both need them: the provider comes from -Provider, else from -Model ('provider/model' or
    /// the pinned profile's prefix); a pin that names no usable profile is dropped with a warning, as OpenClaw drops it.
    /// </summary>
    internal (string Provider, ModelRef? Model, IReadOnlyList<ProfileCandidate> Candidates) ResolveCandidates(AgentLocation agent, string? provider, string? model)
    {
        var modelRef = model is null ? null : ModelRef.Parse(model);
        var providerText = provider ?? modelRef?.Provider ?? (modelRef?.ProfileId is { } pin ? ProviderId.ProviderOf(pin) : null);
        if (providerText is null)
        {
            throw new MoltbotException(ErrorIds.InvalidProvider, MoltbotErrorKind.InvalidArgument,
                "Name a provider (-Provider), or a model as provider/model (-Model).", model);
        }
        var normalized = ProviderId.Normalize(providerText);
        var store = agent.LoadStore() ?? AuthProfileStore.CreateEmpty();
        var candidates = ProfileResolver.Resolve(store, State.Config, normalized, DateTimeOffset.UtcNow, modelRef?.ProfileId);
        if (modelRef?.ProfileId is { } pinned && !candidates.Any(c => c.Pinned && c.Usable))
        {
            WriteWarning($"The session override '@{pinned}' names no usable {normalized} profile of agent '{agent.Id}'; OpenClaw drops such a pin and uses the order instead.");
        }
        return (normalized, modelRef, candidates);
    }

    /// <summary>Reads the profiles of one agent as output objects (no secrets).</summary>
    internal IEnumerable<MoltbotAuthProfile> ReadProfiles(AgentLocation agent) => ReadProfiles(agent, agent.LoadStore());

    /// <summary>
    /// The profiles of a store already loaded, as output objects; <paramref name="holders"/>, when given, fills
    /// <see cref="MoltbotAuthProfile.SharedWith"/>.
    /// </summary>
    internal IEnumerable<MoltbotAuthProfile> ReadProfiles(AgentLocation agent, AuthProfileStore? store, Core.External.CredentialHolders? holders = null)
    {
        // An agent without a store shows what OpenClaw would import from the legacy files (nothing is written).
        if (store is null)
        {
            yield break;
        }
        WarnOnce(store.Warnings);
        var now = DateTimeOffset.UtcNow;
        var ranks = ProfileMapper.Ranks(store, State, now);
        foreach (var profile in store.Profiles)
        {
            var output = ProfileMapper.ToOutput(agent, store, profile, now, ranks);
            if (holders is not null)
            {
                output.SharedWith = MoltbotCredentialHolder.FromAll(holders.SharedWith(agent, store, profile));
            }
            yield return output;
        }
    }

    /// <summary>Reads profiles back after a batch was written, for -PassThru: the store read once, in the order given (null: not there).</summary>
    internal IEnumerable<MoltbotAuthProfile?> ReadProfiles(AgentLocation agent, IEnumerable<string> profileIds)
    {
        State.Refresh();
        var store = agent.LoadStore();
        var now = DateTimeOffset.UtcNow;
        var ranks = store is null ? null : ProfileMapper.Ranks(store, State, now);
        foreach (var id in profileIds)
        {
            yield return store?.Get(id) is { } profile ? ProfileMapper.ToOutput(agent, store, profile, now, ranks!) : null;
        }
    }

    /// <summary>Reads one profile back after a change, for -PassThru.</summary>
    internal MoltbotAuthProfile? ReadProfile(AgentLocation agent, string profileId)
    {
        State.Refresh();
        var store = agent.LoadStore();
        var profile = store?.Get(profileId);
        var now = DateTimeOffset.UtcNow;
        return profile is null ? null : ProfileMapper.ToOutput(agent, store!, profile, now, ProfileMapper.Ranks(store!, State, now));
    }
}

internal static class ProfileMapper
{
    /// <summary>The rank each usable profile has among its provider's candidates, as the runtime would try them.</summary>
    public static Dictionary<string, int> Ranks(AuthProfileStore store, MoltbotState state, DateTimeOffset now) =>
        ProfileResolver.UsableRanks(store, state.Config, now);

    /// <summary>A profile's expiry in local time; null when it never expires or has no usable expiry.</summary>
    public static DateTimeOffset? ExpiryOf(StoredProfile profile) =>
        profile.IsNonExpiring || profile.ExpiresMs is not { } ms ? null : DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999)).ToLocalTime();

    public static MoltbotAuthProfile ToOutput(AgentLocation agent, AuthProfileStore store, StoredProfile profile, DateTimeOffset now, IReadOnlyDictionary<string, int> ranks)
    {
        var status = ProfileStatusRules.Evaluate(profile, now);
        DateTime expires;
        if (profile.IsNonExpiring)
        {
            expires = DateTime.MaxValue;
        }
        else if (profile.ExpiresMs is { } ms)
        {
            expires = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999)).LocalDateTime;
        }
        else
        {
            expires = DateTime.MinValue; // no usable expiry on an expiring type: treat as already expired
        }
        var usage = store.GetUsage(profile.Id);
        var nowMs = now.ToUnixTimeMilliseconds();
        return new MoltbotAuthProfile
        {
            Agent = agent.Id,
            ProfileId = profile.Id,
            Provider = profile.Provider ?? string.Empty,
            Type = profile.Type == CredentialType.Unknown ? (profile.RawType ?? "unknown") : profile.Type.ToWireName(),
            Expires = expires,
            Status = (MoltbotProfileStatus)(int)status,
            Refreshable = profile.Type == CredentialType.OAuth && profile.HasRefreshToken,
            Rank = ranks.TryGetValue(profile.Id, out var rank) ? rank : null,
            CooldownUntil = usage?.CooldownUntil is { } c && c > nowMs ? DateTimeOffset.FromUnixTimeMilliseconds(c).ToLocalTime() : null,
            DisabledUntil = usage?.DisabledUntil is { } d && d > nowMs ? DateTimeOffset.FromUnixTimeMilliseconds(d).ToLocalTime() : null,
            DisabledReason = usage?.DisabledUntil is { } d2 && d2 > nowMs ? usage.DisabledReason : null,
            AccountId = profile.AccountId,
            Email = profile.Email,
            DisplayName = profile.DisplayName,
            Store = store.SourceOf(profile.Id)?.Kind ?? StoreSource.Json,
            Inherited = store.SourceOf(profile.Id)?.Inherited ?? false,
            Path = store.SourceOf(profile.Id)?.Path ?? agent.Store.Location,
        };
    }
}
