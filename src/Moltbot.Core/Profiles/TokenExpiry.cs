using System;
using System.Globalization;

namespace Moltbot.Core.Profiles;

/// <summary>
/// The one rule for a lifetime a user gives a stored credential (<c>-ExpiresIn</c>): it must end at least
/// <see cref="Minimum"/> from now and no later than 9999-12-31. A lifetime in the past, of zero, or of a few ticks
/// (what an unquoted <c>90s</c> became before issue 15) would store a credential that has expired before any agent
/// can use it; one beyond every date is a credential that does not expire, which is said by giving no lifetime.
/// </summary>
public static class TokenExpiry
{
    /// <summary>The shortest lifetime accepted: a token that expires within a minute is expired by the time an agent runs.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromMinutes(1);

    /// <summary>When a credential given <paramref name="lifetime"/> at <paramref name="now"/> expires; throws <c>MoltbotInvalidExpiresIn</c>.</summary>
    public static DateTimeOffset ExpiresAt(TimeSpan lifetime, DateTimeOffset now, string parameter = "ExpiresIn")
    {
        if (lifetime <= TimeSpan.Zero)
        {
            throw new MoltbotException(ErrorIds.InvalidExpiresIn, MoltbotErrorKind.InvalidArgument,
                $"-{parameter} {Describe(lifetime)} is {(lifetime == TimeSpan.Zero ? "zero" : "in the past")}: the token would be stored already expired.", parameter)
            {
                RecommendedAction = $"Give a positive duration such as 365d, 12h or 30m, or leave -{parameter} out for a token that does not expire.",
            };
        }
        if (lifetime < Minimum)
        {
            throw new MoltbotException(ErrorIds.InvalidExpiresIn, MoltbotErrorKind.InvalidArgument,
                $"-{parameter} {Describe(lifetime)} is shorter than {Describe(Minimum)}: the token would expire before an agent could use it.", parameter)
            {
                RecommendedAction = $"Give a duration of at least one minute such as 365d, 12h or 30m (quote a unit PowerShell reads as a number suffix: '5u'), or leave -{parameter} out.",
            };
        }
        // A store holds the expiry as a date; none lies after 9999-12-31 (3000000d, 9999y, [timespan]::MaxValue): refused,
        // not clamped, since a token that outlives every date is a token that does not expire (leave -ExpiresIn out).
        if (lifetime > DateTimeOffset.MaxValue - now)
        {
            throw new MoltbotException(ErrorIds.InvalidExpiresIn, MoltbotErrorKind.InvalidArgument,
                $"-{parameter} {(lifetime == TimeSpan.MaxValue ? "(beyond any TimeSpan)" : lifetime.TotalDays.ToString("0", CultureInfo.InvariantCulture) + " days")} ends after 9999-12-31, the last date an expiry can name.", parameter)
            {
                RecommendedAction = $"Give a shorter duration (such as 365d), or leave -{parameter} out for a token that does not expire.",
            };
        }
        return now.Add(lifetime);
    }

    /// <summary>A lifetime as a person reads it: <c>90 seconds</c>, <c>-5 days</c>, <c>100 ticks</c>.</summary>
    public static string Describe(TimeSpan span)
    {
        var abs = span.Duration();
        string Count(double n, string unit) => n.ToString("0.##", CultureInfo.InvariantCulture) + " " + unit + (Math.Abs(n) == 1 ? string.Empty : "s");
        var sign = span < TimeSpan.Zero ? -1 : 1;
        if (span == TimeSpan.MinValue || abs.TotalDays >= 1)
        {
            return Count(sign * (span == TimeSpan.MinValue ? double.PositiveInfinity : abs.TotalDays), "day");
        }
        if (abs.TotalHours >= 1)
        {
            return Count(sign * abs.TotalHours, "hour");
        }
        if (abs.TotalMinutes >= 1)
        {
            return Count(sign * abs.TotalMinutes, "minute");
        }
        if (abs.TotalSeconds >= 1 || abs == TimeSpan.Zero)
        {
            return Count(sign * abs.TotalSeconds, "second");
        }
        return Count(sign * abs.Ticks, "tick");
    }
}
