using System;
using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace Moltbot.Commands;

/// <summary>
/// Lets a TimeSpan parameter take OpenClaw's duration words as well: <c>365d</c>, <c>12h</c>, <c>30m</c>, <c>90s</c>,
/// <c>2w</c>, or a bare number of days (<c>--expires-in</c> uses days by default).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    private static readonly Regex Duration = new(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (value is string text)
        {
            var match = Duration.Match(text);
            if (match.Success)
            {
                var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var unit = match.Groups[2].Value.ToLowerInvariant();
                return Clamped(() => unit switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "h" => TimeSpan.FromHours(amount),
                    "w" => TimeSpan.FromDays(amount * 7),
                    "y" => TimeSpan.FromDays(amount * 365),
                    _ => TimeSpan.FromDays(amount),
                }, text);
            }
            if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
            throw NotADuration(text);
        }
        if (value is int or long or double)
        {
            var days = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            return Clamped(() => TimeSpan.FromDays(days), value.ToString()!);
        }
        return inputData;
    }

    /// <summary>
    /// A duration beyond what a TimeSpan holds (<c>99999999999d</c>) becomes <see cref="TimeSpan.MaxValue"/> rather
    /// than an OverflowException, so the cmdlet refuses it as it refuses any expiry past year 9999: with
    /// <c>MoltbotInvalidExpiresIn</c> (issue 12, finding 8). NaN is not a duration.
    /// </summary>
    private static TimeSpan Clamped(Func<TimeSpan> make, string text)
    {
        try
        {
            return make();
        }
        catch (OverflowException)
        {
            return TimeSpan.MaxValue;
        }
        catch (ArgumentException)
        {
            throw NotADuration(text);
        }
    }

    private static ArgumentTransformationMetadataException NotADuration(string text) =>
        new($"'{Core.DisplayText.Escape(text)}' is not a duration. Use a TimeSpan, or a number with a unit such as 365d, 12h or 30m.");
}
