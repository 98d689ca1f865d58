using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace Moltbot.Models;

/// <summary>
/// A list property of an output object (issue 15, point 9): a list to PowerShell (indexing, <c>-contains</c>, <c>.Count</c>
/// and <c>.Length</c>, binding to a <c>string[]</c> parameter) and an array to ConvertTo-Json, and one readable cell to
/// Export-Csv / ConvertTo-Csv, which write a value's ToString(): <c>a, b</c> rather than <c>System.String[]</c>. The cell
/// holds the true values (an export is data; the views escape through their *Display members).
/// </summary>
public sealed class MoltbotList<T> : ReadOnlyCollection<T>
{
    public MoltbotList(IEnumerable<T> items)
        : base(items.ToList())
    {
    }

    /// <summary>The number of items, under the name an array has.</summary>
    public int Length => Count;

    public static implicit operator MoltbotList<T>(T[] items) => new(items);

    /// <summary>The items, comma-separated, as a CSV cell shows them.</summary>
    public override string ToString() => string.Join(", ", this.Select(i => i?.ToString()));
}
