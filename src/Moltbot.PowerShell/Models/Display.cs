using System.Collections;
using System.Linq;
using Moltbot.Core;

namespace Moltbot.Models;

/// <summary>
/// For script blocks of the format views (Moltbot.format.ps1xml) that show a value without a display property of its
/// own: the value as PowerShell would show it, through <see cref="DisplayText"/> (issue 12, finding 11). A
/// collection shows as <c>{a, b}</c>, as Format-List shows one.
/// </summary>
public static class Display
{
    public static string Text(object? value) => value switch
    {
        null => string.Empty,
        string s => DisplayText.Escape(s),
        IEnumerable many => "{" + string.Join(", ", many.Cast<object?>().Select(v => DisplayText.Escape(v?.ToString()))) + "}",
        _ => DisplayText.Escape(value.ToString()),
    };
}
