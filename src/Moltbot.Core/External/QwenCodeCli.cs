using System.Collections.Generic;
using System.IO;
using Moltbot.Core.State;

namespace Moltbot.Core.External;

/// <summary>
/// Qwen Code: <c>~/.qwen/oauth_creds.json</c> (<see cref="OAuthCredsFileCli"/>'s shape, <c>token_type</c> required as Qwen
/// Code's own validation requires it). Newer Qwen Code names its folder with <c>QWEN_HOME</c> (the <c>.qwen</c> folder
/// itself, not a home: <c>Storage.getGlobalQwenDir</c>); older versions ignore the variable. Its refreshes hold
/// <c>oauth_creds.lock</c> beside the file: created exclusively, taken over when its mtime is more than 10 s old
/// (QwenLM/qwen-code packages/core/src/qwen/sharedTokenManager.ts). Mirror: <c>qwen-portal:qwen-cli</c>.
/// </summary>
public sealed class QwenCodeCli : OAuthCredsFileCli
{
    /// <summary>The lock file's name beside <c>oauth_creds.json</c>.</summary>
    public const string LockFileName = "oauth_creds.lock";

    /// <summary>How old (by mtime) Qwen Code's lock is before Qwen Code takes it over as stale.</summary>
    public static readonly System.TimeSpan LockStaleAfter = System.TimeSpan.FromSeconds(10);

    public override string Id => "qwen-code";

    public override IReadOnlyList<string> Aliases { get; } = new[] { "qwen" };

    public override string DisplayName => "Qwen Code";

    public override string Provider => "qwen-portal";

    public override string MirrorName => "qwen-cli";

    public override string SignInCommand => "qwen (then /auth)";

    /// <summary>QWEN_HOME (a leading ~ expanded), else <c>~/.qwen</c>.</summary>
    public static string QwenDir(MoltbotEnvironment environment) =>
        FolderFromVariable(environment, "QWEN_HOME", () => Path.Combine(Home(environment), ".qwen"));

    public override string CredentialPath(MoltbotEnvironment environment) => Path.Combine(QwenDir(environment), "oauth_creds.json");

    public override string? LockPath(string credentialPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(credentialPath))!, LockFileName);
}
