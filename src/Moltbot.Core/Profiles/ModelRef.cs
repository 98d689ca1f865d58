using System;
using System.Text.RegularExpressions;

namespace Moltbot.Core.Profiles;

/// <summary>The session override syntax <c>model@profileId</c> (openclaw-compat.md section 7).</summary>
public sealed record ModelRef(string Model, string? ProfileId)
{
    private static readonly Regex VersionSuffix = new(
        @"^(\d{8}|q\d[a-z0-9_]*|\d+bit|fp\d+|bf16|int\d+)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The provider part of the model (before the first '/'), or null.</summary>
    public string? Provider
    {
        get
        {
            var slash = Model.IndexOf('/');
            return slash > 0 ? Model.Substring(0, slash).Trim().ToLowerInvariant() : null;
        }
    }

    /// <summary>
    /// Splits at the first '@' after the last '/', so that an '@' inside the profile id (an email) stays with it. An
    /// '@' that starts a date (<c>@20240229</c>) or quantization suffix (<c>@q4_K_M</c>, <c>@8bit</c>) belongs to the model.
    /// </summary>
    public static ModelRef Parse(string value)
    {
        var text = (value ?? throw new ArgumentNullException(nameof(value))).Trim();
        var from = text.LastIndexOf('/') + 1;
        while (true)
        {
            var at = text.IndexOf('@', from);
            if (at < 0)
            {
                return new ModelRef(text, null);
            }
            var rest = text.Substring(at + 1);
            var next = rest.IndexOf('@');
            var candidateSuffix = next < 0 ? rest : rest.Substring(0, next);
            if (VersionSuffix.IsMatch(candidateSuffix) && !candidateSuffix.Contains(':', StringComparison.Ordinal))
            {
                from = at + 1;
                continue;
            }
            var model = text.Substring(0, at).Trim();
            var profile = rest.Trim();
            return new ModelRef(model, profile.Length == 0 ? null : profile);
        }
    }
}
