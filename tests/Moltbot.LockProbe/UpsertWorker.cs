using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Moltbot.Core.Agents;
using Moltbot.Core.Locking;
using Moltbot.Core.Profiles;

namespace Moltbot.LockProbe;

/// <summary>
/// The writer of the kill -9 fault test: stores credentials one after another through <see cref="CredentialService"/>,
/// the code path Set-MoltbotApiKey and Set-MoltbotSetupToken take (the store lock, a re-read inside it, an atomic write,
/// then <c>auth.profiles</c> in openclaw.json under the config lock), and acknowledges each one on stdout only after the
/// call has returned. Profile ids and secrets are derived from the prefix and the index, so the test knows what every
/// acknowledged profile must hold without a secret ever being printed.
/// </summary>
public static class UpsertWorker
{
    public const string Provider = "openrouter";

    /// <summary>The profile id of write <paramref name="index"/>: even indexes store an api_key, odd ones a token.</summary>
    public static string ProfileIdFor(string prefix, int index) =>
        $"{Provider}:{prefix}-{index.ToString(CultureInfo.InvariantCulture)}-{(index % 2 == 0 ? "key" : "token")}";

    /// <summary>Whether the profile stores an api_key (<c>key</c>) rather than a token (<c>token</c>).</summary>
    public static bool IsApiKey(string profileId) => profileId.EndsWith("-key", StringComparison.Ordinal);

    /// <summary>The secret stored under a profile id: distinct for every id, so a secret written to the wrong profile shows.</summary>
    public static string SecretFor(string profileId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("moltbot-fault-test\0" + profileId));
        return "sk-or-v1-fault-" + Convert.ToHexString(hash).ToLowerInvariant();
    }

    /// <param name="staleAfterMs">
    /// When given, a lock older than this counts as abandoned (default: OpenClaw's 30 s). The fault test passes an hour,
    /// so that a lock left by a killed writer can only be passed because its pid is dead.
    /// </param>
    public static int Run(string stateDir, string agentId, string prefix, int writes, int? staleAfterMs = null)
    {
        // The cmdlets read OPENCLAW_STATE_DIR afresh for every command; so does this worker.
        Environment.SetEnvironmentVariable("OPENCLAW_STATE_DIR", stateDir);
        Environment.SetEnvironmentVariable("OPENCLAW_CONFIG_PATH", null);
        Environment.SetEnvironmentVariable("OPENCLAW_OAUTH_DIR", null);
        var lockOptions = staleAfterMs is { } ms
            ? new FileLockOptions { StaleAfter = TimeSpan.FromMilliseconds(ms), Timeout = TimeSpan.FromSeconds(20) }
            : null;

        for (var i = 0; i < writes; i++)
        {
            var state = MoltbotState.Resolve();
            var provider = ProviderId.Normalize(Provider);
            var profileId = ProviderId.ResolveProfileId(provider, ProfileIdFor(prefix, i));
            var agent = state.GetAgent(agentId);
            var service = new CredentialService(state, lockOptions);
            if (IsApiKey(profileId))
            {
                service.SaveApiKey(agent, provider, profileId, SecretText.ValidateApiKey(provider, SecretFor(profileId)), email: null);
            }
            else
            {
                service.SaveToken(agent, provider, profileId, SecretText.ValidateToken(provider, SecretFor(profileId)), expires: null);
            }
            Console.Out.WriteLine("ok " + profileId);
            Console.Out.Flush();
        }
        Console.Out.WriteLine("done");
        Console.Out.Flush();

        // Every run of the fault test ends with SIGKILL: wait for it (or for the test to go away and close stdin).
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        try
        {
            while (stdin.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
