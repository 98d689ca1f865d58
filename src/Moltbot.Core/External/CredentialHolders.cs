using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Moltbot.Core.Agents;
using Moltbot.Core.IO;
using Moltbot.Core.Store;

namespace Moltbot.Core.External;

/// <summary>What kind of place holds a refresh token.</summary>
public enum CredentialHolderKind
{
    /// <summary>A profile in an agent's store (JSON file or SQLite): the refresher keeps these in step under its lock.</summary>
    Agent,

    /// <summary>An external CLI's file or Keychain entry: a refresh here invalidates it when the provider rotates.</summary>
    ExternalCli,
}

/// <summary>One place that holds a refresh token. No secret.</summary>
/// <param name="Name">The agent id, or the CLI id.</param>
/// <param name="ProfileId">The profile id (agents), or the CLI's OpenClaw mirror id.</param>
/// <param name="Location">The store file or database, or the CLI's file / Keychain entry.</param>
/// <param name="DisplayName">The agent id, or the CLI's name (<c>Codex CLI</c>).</param>
public sealed record CredentialHolder(CredentialHolderKind Kind, string Name, string? ProfileId, string Location, string DisplayName)
{
    public override string ToString() => Kind == CredentialHolderKind.Agent
        ? $"agent '{Name}' ({ProfileId})"
        : $"{DisplayName} ({Location})";
}

/// <summary>
/// Who holds which refresh token on this machine: every agent's store (an inherited profile counts once, at the store
/// that owns it; a store reached through a link counts once) and every external CLI. Built once per command; tokens
/// are indexed by <see cref="Fingerprint"/> and never leave this class.
/// </summary>
public sealed class CredentialHolders
{
    private readonly Dictionary<string, List<CredentialHolder>> _byFingerprint = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    private CredentialHolders(IReadOnlyList<ExternalReading> external)
    {
        External = external;
    }

    /// <summary>What each external CLI held when the index was built (found, missing or unreadable).</summary>
    public IReadOnlyList<ExternalReading> External { get; }

    /// <summary>Problems met while collecting (an unreadable store); no secrets.</summary>
    public List<string> Warnings { get; } = new();

    /// <summary>A stable, one-way name of a refresh token for comparisons: hex SHA-256. Never shown to the user.</summary>
    public static string Fingerprint(string refresh) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(refresh)));

    /// <summary>
    /// Reads every agent of <paramref name="state"/> and every external CLI. <paramref name="load"/> replaces
    /// <see cref="AgentLocation.LoadStore"/> (a caller that has already loaded the stores passes them on).
    /// </summary>
    public static CredentialHolders Collect(MoltbotState state, ExternalCredentialReader? reader = null, Func<AgentLocation, AuthProfileStore?>? load = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        reader ??= new ExternalCredentialReader();
        var holders = FromExternal(reader.ReadAll());
        IReadOnlyList<AgentLocation> agents;
        try
        {
            agents = state.ListAgents();
        }
        catch (MoltbotException ex)
        {
            holders.Warnings.Add($"The agents could not be listed: {ex.Message}");
            return holders;
        }
        foreach (var agent in agents)
        {
            AuthProfileStore? store;
            try
            {
                store = load is null ? agent.LoadStore() : load(agent);
            }
            catch (Exception ex) when (ex is MoltbotException or IOException or UnauthorizedAccessException)
            {
                holders.Warnings.Add($"The store of agent '{agent.Id}' could not be read: {ex.Message}");
                continue;
            }
            if (store is not null)
            {
                holders.AddStore(agent, store);
            }
        }
        return holders;
    }

    /// <summary>
    /// An index of the external CLIs only, from readings already made (the refresher reads the CLIs of one provider just
    /// before it presents a refresh token, and needs no agent store for that).
    /// </summary>
    public static CredentialHolders FromExternal(IReadOnlyList<ExternalReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var holders = new CredentialHolders(readings);
        foreach (var reading in readings)
        {
            if (reading.Credential is { Refresh: { } refresh } credential)
            {
                holders.Add(refresh, new CredentialHolder(CredentialHolderKind.ExternalCli, credential.Cli.Id,
                    credential.Cli.MirrorProfileId(StoreKind.JsonFile), credential.Location, credential.Cli.DisplayName));
            }
        }
        return holders;
    }

    /// <summary>Adds the refresh tokens of one agent's store view (the profiles it owns, not those it inherits).</summary>
    public void AddStore(AgentLocation agent, AuthProfileStore store)
    {
        foreach (var profile in store.Profiles)
        {
            if (profile.Type != CredentialType.OAuth || profile.GetString("refresh") is not { Length: > 0 } refresh)
            {
                continue;
            }
            var source = store.SourceOf(profile.Id);
            if (source is { Inherited: true })
            {
                continue;
            }
            var location = Canonical(source?.Path ?? agent.Store.Location);
            if (!_seen.Add(location + "\n" + profile.Id))
            {
                continue; // the same store through a link, or a second view of the shared store
            }
            Add(refresh, new CredentialHolder(CredentialHolderKind.Agent, agent.Id, profile.Id, location, agent.Id));
        }
    }

    /// <summary>The <see cref="Fingerprint"/> of a profile's refresh token, or null when it holds none.</summary>
    public static string? FingerprintOf(StoredProfile profile) =>
        profile.GetString("refresh") is { Length: > 0 } refresh ? Fingerprint(refresh) : null;

    /// <summary>Every holder of <paramref name="refresh"/>.</summary>
    public IReadOnlyList<CredentialHolder> HoldersOf(string? refresh) =>
        string.IsNullOrEmpty(refresh) || !_byFingerprint.TryGetValue(Fingerprint(refresh), out var list)
            ? Array.Empty<CredentialHolder>()
            : list;

    /// <summary>
    /// The other holders of the refresh token of <paramref name="profile"/> as <paramref name="agent"/>'s store shows it:
    /// every holder but the store row it is read from.
    /// </summary>
    public IReadOnlyList<CredentialHolder> SharedWith(AgentLocation agent, AuthProfileStore store, StoredProfile profile)
    {
        if (profile.Type != CredentialType.OAuth)
        {
            return Array.Empty<CredentialHolder>();
        }
        var own = Canonical(store.SourceOf(profile.Id)?.Path ?? agent.Store.Location);
        var result = new List<CredentialHolder>();
        foreach (var holder in HoldersOf(profile.GetString("refresh")))
        {
            if (holder.Kind == CredentialHolderKind.Agent && holder.Location == own && holder.ProfileId == profile.Id)
            {
                continue;
            }
            result.Add(holder);
        }
        return result;
    }

    /// <summary>The holders of an external CLI's refresh token other than the CLI itself (the agents that mirror it).</summary>
    public IReadOnlyList<CredentialHolder> SharedWith(ExternalCredential credential)
    {
        var result = new List<CredentialHolder>();
        foreach (var holder in HoldersOf(credential.Refresh))
        {
            if (holder.Kind == CredentialHolderKind.ExternalCli && holder.Name == credential.Cli.Id)
            {
                continue;
            }
            result.Add(holder);
        }
        return result;
    }

    private void Add(string refresh, CredentialHolder holder)
    {
        var key = Fingerprint(refresh);
        if (!_byFingerprint.TryGetValue(key, out var list))
        {
            _byFingerprint[key] = list = new List<CredentialHolder>();
        }
        list.Add(holder);
    }

    private static string Canonical(string path)
    {
        try
        {
            // Every link in the path, the folder part included: an agentDir that links to another agent's folder is that store.
            return SecureFile.CanonicalDirectoryOf(Path.GetFullPath(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Path.GetFullPath(path);
        }
    }
}
