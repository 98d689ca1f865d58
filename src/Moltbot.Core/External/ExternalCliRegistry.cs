using System;
using System.Collections.Generic;
using System.Linq;

namespace Moltbot.Core.External;

/// <summary>The one list of external CLIs whose credentials the module reads.</summary>
public static class ExternalCliRegistry
{
    public static IReadOnlyList<ExternalCli> All { get; } = new ExternalCli[]
    {
        new ClaudeCodeCli(),
        new CodexCli(),
        new QwenCodeCli(),
        new MiniMaxCli(),
        new GeminiCli(),
    };

    /// <summary>The CLI with that id or alias (case-insensitive), or null.</summary>
    public static ExternalCli? Find(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : All.FirstOrDefault(c => c.IsNamed(name.Trim()));

    /// <summary>The CLIs whose mirror is stored under <paramref name="provider"/> (either era's id).</summary>
    public static IEnumerable<ExternalCli> ForProvider(string? provider) =>
        All.Where(c => string.Equals(c.Provider, provider, StringComparison.OrdinalIgnoreCase)
            || string.Equals(c.ProviderFor(Store.StoreKind.Sqlite), provider, StringComparison.OrdinalIgnoreCase)
            || string.Equals(c.ProviderFor(Store.StoreKind.JsonFile), provider, StringComparison.OrdinalIgnoreCase));

    /// <summary>The CLI whose OpenClaw mirror profile id is <paramref name="profileId"/> (either era), or null.</summary>
    public static ExternalCli? ForMirrorProfile(string? profileId) =>
        profileId is null ? null : All.FirstOrDefault(c =>
            string.Equals(c.MirrorProfileId(Store.StoreKind.JsonFile), profileId, StringComparison.OrdinalIgnoreCase)
            || string.Equals(c.MirrorProfileId(Store.StoreKind.Sqlite), profileId, StringComparison.OrdinalIgnoreCase));
}
