using System.Collections.Generic;
using System.IO;
using Moltbot.Core.State;

namespace Moltbot.Core.External;

/// <summary>
/// MiniMax: <c>~/.minimax/oauth_creds.json</c>, read by OpenClaw (2026.1.30 on) in Qwen Code's shape
/// (<see cref="OAuthCredsFileCli"/>). UNCONFIRMED: which MiniMax tool writes this file, whether it honours a variable
/// for its folder, and whether it holds a lock while refreshing (none is known, so none is taken); <c>token_type</c> is
/// therefore not required. Mirror: <c>minimax-portal:minimax-cli</c>.
/// </summary>
public sealed class MiniMaxCli : OAuthCredsFileCli
{
    protected override bool RequiresTokenType => false;

    public override string Id => "minimax";

    public override IReadOnlyList<string> Aliases { get; } = new[] { "minimax-cli" };

    public override string DisplayName => "MiniMax CLI";

    public override string Provider => "minimax-portal";

    public override string MirrorName => "minimax-cli";

    /// <summary>UNCONFIRMED (the writer is): the MiniMax portal login of OpenClaw gives the module its own chain instead.</summary>
    public override string SignInCommand => "the MiniMax CLI's login";

    public override string CredentialPath(MoltbotEnvironment environment) =>
        Path.Combine(Home(environment), ".minimax", "oauth_creds.json");
}
