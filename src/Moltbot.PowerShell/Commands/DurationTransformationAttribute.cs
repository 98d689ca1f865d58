using System;
using System.Globalization;
using System.Management.Automation;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Moltbot.Commands;

/// <summary>
/// Lets a TimeSpan parameter take OpenClaw's duration words as well: <c>365d</c>, <c>12h</c>, <c>30m</c>, <c>90s</c>,
/// <c>2w</c>, or a bare number of days (<c>--expires-in</c> uses days by default).
/// </summary>
/// <remarks>
/// Unquoted, several of these words are PowerShell number literals with a type suffix, and the parameter sees only the
/// typed number (issue 15, point 1): <c>90s</c> arrives as Int16 90, <c>1y</c> as SByte 1, <c>365d</c> and <c>1.5d</c>
/// as Decimal. Those three suffixes are read back as the units they spell (s = seconds, y = years, d = days); a bare
/// number (Int32, Int64, Double) means days; every other numeric type (<c>5u</c> UInt32, <c>5uy</c> Byte, <c>5us</c>
/// UInt16, <c>5ul</c> UInt64, <c>5n</c> BigInteger, a Single) is refused with a message that says what PowerShell made
/// of it, since nothing tells which unit was meant. Left to PowerShell's own conversion such a number would become a
/// TimeSpan of that many ticks: an expiry that has passed before the token is stored.
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    private static readonly Regex Duration = new(@"^\s*([+-]?\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        switch (value)
        {
            case string text:
                return FromText(text);
            case TimeSpan:
                return value;
            case int or long or double:
                // A bare number: days, as OpenClaw's --expires-in.
                return FromUnit(Convert.ToDouble(value, CultureInfo.InvariantCulture), "d", Invariant(value));
            case decimal d:
                // 365d and 1.5d unquoted: PowerShell's decimal suffix, which is OpenClaw's unit for days.
                return FromUnit((double)d, "d", Invariant(value) + "d");
            case short s:
                // 90s unquoted: PowerShell's Int16 suffix (a fraction such as 1.5s is rounded by PowerShell first).
                return FromUnit(s, "s", Invariant(value) + "s");
            case sbyte y:
                // 1y unquoted: PowerShell's SByte suffix.
                return FromUnit(y, "y", Invariant(value) + "y");
            case byte or ushort or uint or ulong or BigInteger or float:
                throw Refused(value);
            default:
                return inputData;
        }
    }

    private static object FromText(string text)
    {
        var match = Duration.Match(text);
        if (match.Success)
        {
            var amount = double.Parse(match.Groups[1].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            return FromUnit(amount, match.Groups[2].Value.ToLowerInvariant(), text);
        }
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }
        throw NotADuration(text);
    }

    private static TimeSpan FromUnit(double amount, string unit, string text) => Clamped(() => unit switch
    {
        "ms" => TimeSpan.FromMilliseconds(amount),
        "s" => TimeSpan.FromSeconds(amount),
        "m" => TimeSpan.FromMinutes(amount),
        "h" => TimeSpan.FromHours(amount),
        "w" => TimeSpan.FromDays(amount * 7),
        "y" => TimeSpan.FromDays(amount * 365),
        _ => TimeSpan.FromDays(amount),
    }, text);

    private static string Invariant(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;

    /// <summary>
    /// A duration beyond what a TimeSpan holds (<c>99999999999d</c>) becomes <see cref="TimeSpan.MaxValue"/> (its
    /// negative, <see cref="TimeSpan.MinValue"/>) rather than an OverflowException, so the cmdlet refuses it as it
    /// refuses any expiry past year 9999: with <c>MoltbotInvalidExpiresIn</c> (issue 12, finding 8). NaN is not a duration.
    /// </summary>
    private static TimeSpan Clamped(Func<TimeSpan> make, string text)
    {
        try
        {
            return make();
        }
        catch (OverflowException)
        {
            return text.TrimStart().StartsWith('-') ? TimeSpan.MinValue : TimeSpan.MaxValue;
        }
        catch (ArgumentException)
        {
            throw NotADuration(text);
        }
    }

    private static ArgumentTransformationMetadataException NotADuration(string text) =>
        new($"'{Core.DisplayText.Escape(text)}' is not a duration. Use a TimeSpan, or a number with a unit such as 365d, 12h or 30m.");

    private static ArgumentTransformationMetadataException Refused(object value)
    {
        var number = Invariant(value);
        var (suffix, type) = value switch
        {
            byte => ("uy", "Byte"),
            ushort => ("us", "UInt16"),
            uint => ("u", "UInt32"),
            ulong => ("ul", "UInt64"),
            BigInteger => ("n", "BigInteger"),
            _ => (string.Empty, value.GetType().Name),
        };
        var typed = suffix.Length > 0 ? $"the {type} {number} (an unquoted {number}{suffix} is read that way)" : $"the {type} {number}";
        return new($"PowerShell passed {typed}, which is not a duration: a number type says nothing of the unit. " +
                   $"Quote the duration ('{number}d', '12h', '30m', '90s'), or give a bare number of days or a TimeSpan.");
    }
}
