using System;
using System.Globalization;

namespace Moltbot.Models;

/// <summary>
/// The one rule of the expiry properties of the output objects (issue 15, point 9). <c>Expires</c> is a local
/// <see cref="DateTime"/> for comparisons (<see cref="DateTime.MaxValue"/> when the credential never expires, so
/// <c>Where-Object Expires -lt (Get-Date)</c> returns exactly the expired ones; <see cref="DateTime.MinValue"/> when an
/// expiring credential has no usable expiry); it is hidden and not exported. <c>ExpiresAt</c> is what the exports carry:
/// the same instant with its UTC offset, or null (with <c>HasExpiry</c> false when it never expires), never year 9999.
/// </summary>
public static class Expiry
{
    /// <summary>The exported form of an <c>Expires</c> value: the instant with its offset, or null for never / unknown.</summary>
    public static DateTimeOffset? At(DateTime expires) =>
        expires == DateTime.MaxValue || expires == DateTime.MinValue
            ? null
            : new DateTimeOffset(expires.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(expires, DateTimeKind.Local) : expires);

    /// <summary>Whether an <c>Expires</c> value is a real expiry (not <see cref="DateTime.MaxValue"/>).</summary>
    public static bool Has(DateTime expires) => expires != DateTime.MaxValue;

    /// <summary>The Expires column of the default tables: <c>never</c>, <c>unknown</c> or the local time to the minute.</summary>
    public static string Display(DateTime expires) =>
        expires == DateTime.MaxValue ? "never"
        : expires == DateTime.MinValue ? "unknown"
        : expires.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
