using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Moltbot.Core.OpenClaw;

/// <summary>
/// An OpenClaw release number, <c>YEAR.MONTH.PATCH</c> with an optional pre-release tail (<c>2026.9.6</c>,
/// <c>2026.7.2-beta.5</c>). Ordered numerically; a pre-release sorts before the release with the same numbers.
/// </summary>
public sealed record OpenClawVersion : IComparable<OpenClawVersion>
{
    /// <summary>The first release that keeps credentials in SQLite (openclaw-sqlite.md section 1, era C1).</summary>
    public static readonly OpenClawVersion SqliteEraStart = new(2026, 6, 5);

    /// <summary>The first release whose <c>gateway call</c> has <c>--port</c> and whose gateway has <c>models.authRefresh</c> for certain (section 7.1; 9.2 - 9.5 unverified).</summary>
    public static readonly OpenClawVersion AuthRefreshVerified = new(2026, 9, 6);

    private static readonly Regex Pattern = new(
        @"(?<![0-9.])v?(?<a>\d{1,5})\.(?<b>\d{1,4})\.(?<c>\d{1,6})(?:-(?<pre>[0-9A-Za-z.-]+))?(?![0-9]|\.[0-9])",
        RegexOptions.CultureInvariant);

    public OpenClawVersion(int year, int minor, int patch, string? preRelease = null)
    {
        if (year < 0 || minor < 0 || patch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(year), "version numbers are not negative");
        }
        Year = year;
        Minor = minor;
        Patch = patch;
        PreRelease = string.IsNullOrEmpty(preRelease) ? null : preRelease;
    }

    public int Year { get; }

    public int Minor { get; }

    public int Patch { get; }

    /// <summary>The part after <c>-</c> (<c>beta.5</c>), or null for a release.</summary>
    public string? PreRelease { get; }

    public bool IsPreRelease => PreRelease is not null;

    /// <summary>2026.6.5 or later (numbers only: a pre-release of 6.5 counts as SQLite era too).</summary>
    public bool IsSqliteEra => CompareNumbers(SqliteEraStart) >= 0;

    /// <summary>The first version found in <paramref name="text"/> (<c>2026.9.6</c>, <c>v2026.9.6</c>, <c>OpenClaw 2026.6.11 (build abc)</c>), or null.</summary>
    public static OpenClawVersion? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var match = Pattern.Match(text);
        if (!match.Success)
        {
            return null;
        }
        if (!int.TryParse(match.Groups["a"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            || !int.TryParse(match.Groups["b"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
            || !int.TryParse(match.Groups["c"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var c))
        {
            return null;
        }
        var pre = match.Groups["pre"].Success ? match.Groups["pre"].Value.TrimEnd('.', '-') : null;
        return new OpenClawVersion(a, b, c, pre);
    }

    public static OpenClawVersion Parse(string text) =>
        TryParse(text) ?? throw new FormatException($"'{text}' is not an OpenClaw version (YEAR.MONTH.PATCH).");

    public int CompareTo(OpenClawVersion? other)
    {
        if (other is null)
        {
            return 1;
        }
        var numbers = CompareNumbers(other);
        if (numbers != 0)
        {
            return numbers;
        }
        if (PreRelease is null || other.PreRelease is null)
        {
            return (PreRelease is null ? 1 : 0) - (other.PreRelease is null ? 1 : 0);
        }
        return ComparePreRelease(PreRelease, other.PreRelease);
    }

    public static bool operator <(OpenClawVersion? left, OpenClawVersion? right) => Compare(left, right) < 0;

    public static bool operator >(OpenClawVersion? left, OpenClawVersion? right) => Compare(left, right) > 0;

    public static bool operator <=(OpenClawVersion? left, OpenClawVersion? right) => Compare(left, right) <= 0;

    public static bool operator >=(OpenClawVersion? left, OpenClawVersion? right) => Compare(left, right) >= 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Year}.{Minor}.{Patch}") + (PreRelease is null ? string.Empty : "-" + PreRelease);

    private static int Compare(OpenClawVersion? left, OpenClawVersion? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    private int CompareNumbers(OpenClawVersion other)
    {
        var c = Year.CompareTo(other.Year);
        if (c == 0)
        {
            c = Minor.CompareTo(other.Minor);
        }
        return c != 0 ? c : Patch.CompareTo(other.Patch);
    }

    /// <summary>SemVer rule: dot-separated identifiers, numeric ones compared as numbers and before alphanumeric ones.</summary>
    private static int ComparePreRelease(string left, string right)
    {
        var a = left.Split('.');
        var b = right.Split('.');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var aNum = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var an);
            var bNum = long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var bn);
            var c = aNum && bNum ? an.CompareTo(bn)
                : aNum ? -1
                : bNum ? 1
                : string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
            {
                return Math.Sign(c);
            }
        }
        return a.Length.CompareTo(b.Length);
    }
}
