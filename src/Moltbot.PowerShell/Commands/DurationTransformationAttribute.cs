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
                return match.Groups[2].Value.ToLowerInvariant() switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "h" => TimeSpan.FromHours(amount),
                    "w" => TimeSpan.FromDays(amount * 7),
                    "y" => TimeSpan.FromDays(amount * 365),
                    _ => TimeSpan.FromDays(amount),
                };
            }
            if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
            throw new ArgumentTransformationMetadataException(
                $"'{text}' is not a duration. Use a TimeSpan, or a number with a unit such as 365d, 12h or 30m.");
        }
        if (value is int or long or double)
        {
            return TimeSpan.FromDays(Convert.ToDouble(value, CultureInfo.InvariantCulture));
        }
        return inputData;
    }
}
