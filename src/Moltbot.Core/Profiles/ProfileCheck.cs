using System;
using System.Globalization;
using Moltbot.Core.Config;
using Moltbot.Core.Store;

namespace Moltbot.Core.Profiles;

/// <summary>What Test-MoltbotAuthProfile found about one credential (offline, then optionally at the provider).</summary>
public enum ProfileCheckResult
{
    /// <summary>Usable now, and for more than a day (or it never expires, or the runtime refreshes it on use).</summary>
    Ok,

    /// <summary>Usable now, but it expires within 24 hours and nothing renews it.</summary>
    Expiring,

    /// <summary>Past its expiry, and nothing renews it.</summary>
    Expired,

    /// <summary>The entry lacks the secret its type needs.</summary>
    Missing,

    /// <summary>The entry has the wrong shape: an unknown type, a token or key that fails its validation, a provider or mode mismatch.</summary>
    Malformed,

    /// <summary>In cooldown after failures (usageStats.cooldownUntil): the runtime skips it until then.</summary>
    InCooldown,

    /// <summary>Disabled by the runtime (usageStats.disabledUntil, for example after a billing error).</summary>
    Disabled,

    /// <summary>OpenClaw is refreshing it right now (a pending refresh fence): test again in a moment.</summary>
    RefreshPending,

    /// <summary>OpenClaw's refresh failed for good: only a new login helps.</summary>
    LoginRequired,

    /// <summary>The provider answered the probe with 401 or 403: it does not accept the credential.</summary>
    Rejected,

    /// <summary>The probe could not reach the provider (or it answered with another error): usability is unknown.</summary>
    Unreachable,
}

/// <summary>The verdict on one credential.</summary>
/// <param name="Usable">Whether the runtime could use it right now.</param>
/// <param name="Reason">Why, in words (never a secret).</param>
public sealed record ProfileCheckVerdict(ProfileCheckResult Result, bool Usable, string Reason);

/// <summary>
/// "Is this credential usable right now", offline: the resolver's rule for what the runtime skips
/// (<see cref="ProfileResolver"/>), the status rule (<see cref="ProfileStatusRules"/>), the paste rules of
/// <see cref="SecretText"/> for the shape of a token or key, and the cooldown/disabled marks of usageStats.
/// </summary>
public static class ProfileCheck
{
    public static ProfileCheckVerdict Offline(AuthProfileStore store, OpenClawConfig config, StoredProfile profile, DateTimeOffset now)
    {
        var provider = profile.Provider ?? string.Empty;
        var nowMs = now.ToUnixTimeMilliseconds();
        var status = ProfileStatusRules.Evaluate(profile, now);
        switch (status)
        {
            case AuthProfileStatus.RefreshPending:
                return new(ProfileCheckResult.RefreshPending, false, "OpenClaw is refreshing it right now (a pending refresh fence); test again in a moment.");
            case AuthProfileStatus.LoginRequired:
                return new(ProfileCheckResult.LoginRequired, false, "OpenClaw's last refresh failed for good; sign in again (Connect-MoltbotProvider).");
        }

        var mode = config.AuthProfiles.TryGetValue(profile.Id, out var meta) ? meta.Mode : null;
        if (ProfileResolver.Unusable(profile, provider, mode, nowMs) is { } why)
        {
            var result = profile.Type == CredentialType.Unknown ? ProfileCheckResult.Malformed
                : status == AuthProfileStatus.Missing || !profile.HasSecret ? ProfileCheckResult.Missing
                : status == AuthProfileStatus.Expired ? ProfileCheckResult.Expired
                : ProfileCheckResult.Malformed;
            return new(result, false, Sentence(why));
        }

        if (Shape(profile, provider) is { } malformed)
        {
            return new(ProfileCheckResult.Malformed, false, malformed);
        }

        var usage = store.GetUsage(profile.Id);
        if (usage?.DisabledUntil is { } disabled && disabled > nowMs)
        {
            var because = string.IsNullOrEmpty(usage.DisabledReason) ? string.Empty : $" ({usage.DisabledReason})";
            return new(ProfileCheckResult.Disabled, false, $"Disabled by the runtime{because} until {Time(disabled)}.");
        }
        if (usage?.CooldownUntil is { } cooldown && cooldown > nowMs)
        {
            var errors = usage.ErrorCount is { } n ? $" after {n} error{(n == 1 ? string.Empty : "s")}" : string.Empty;
            return new(ProfileCheckResult.InCooldown, false, $"In cooldown{errors} until {Time(cooldown)}; the runtime skips it until then.");
        }

        switch (status)
        {
            case AuthProfileStatus.Expired:
                return new(ProfileCheckResult.Expired, false, profile.Type == CredentialType.OAuth
                    ? "The access token has expired and there is no refresh token to renew it; sign in again."
                    : "It has expired.");
            case AuthProfileStatus.Expiring:
                return new(ProfileCheckResult.Expiring, true, $"Usable, but it expires at {Time(profile.ExpiresMs!.Value)} (within 24 hours)" +
                    (profile.Type == CredentialType.OAuth ? " and has no refresh token to renew it." : "."));
            case AuthProfileStatus.Static:
                return new(ProfileCheckResult.Ok, true, $"Usable; a{(profile.Type == CredentialType.ApiKey ? "n api_key" : " token")} without an expiry.");
        }
        if (profile.Type == CredentialType.OAuth && profile.HasRefreshToken)
        {
            return new(ProfileCheckResult.Ok, true, profile.ExpiresMs is { } e && e <= nowMs
                ? "Usable; the access token has expired, and the runtime refreshes it on use (it holds a refresh token)."
                : "Usable; the runtime refreshes it on use (it holds a refresh token).");
        }
        return new(ProfileCheckResult.Ok, true, $"Usable until {Time(profile.ExpiresMs!.Value)}.");
    }

    /// <summary>The paste rules of <see cref="SecretText"/> applied to what is stored (a reference, keyRef/tokenRef, is not checked).</summary>
    private static string? Shape(StoredProfile profile, string provider)
    {
        try
        {
            switch (profile.Type)
            {
                case CredentialType.Token when profile.GetString("token") is { } token:
                    if (SecretText.ValidateToken(provider, token) != token)
                    {
                        return "The stored token contains white space (it was stored with a line break in it).";
                    }
                    break;
                case CredentialType.ApiKey when (profile.GetString("key") ?? profile.GetString("apiKey")) is { } key:
                    if (SecretText.ValidateApiKey(provider, key) != key)
                    {
                        return "The stored API key has leading or trailing white space.";
                    }
                    break;
            }
        }
        catch (MoltbotException ex)
        {
            return "The stored credential fails validation: " + ex.Message;
        }
        return null;
    }

    private static string Sentence(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..] + (text.EndsWith('.') ? string.Empty : ".");

    private static string Time(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999)).ToString("u", CultureInfo.InvariantCulture);
}
