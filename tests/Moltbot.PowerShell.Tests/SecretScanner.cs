using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Moltbot.PowerShell.Tests;

/// <summary>
/// The in-process half of the secret scan (issue 7): every secret a test used, and everything its cmdlet runs emitted
/// (output objects with all their properties, errors with the whole exception chain, ErrorDetails and TargetObject,
/// the terminating exception, verbose, debug, warnings and information), serialized; a hit is any secret of at least
/// <see cref="MinLength"/> characters found in any of it. <see cref="MoltbotHost"/> checks after every run and when the
/// test ends, so a secret learnt later (harvested from the store) still catches an earlier leak.
/// </summary>
/// <remarks>
/// Secrets come from the script (the value of every <c>[NetworkCredential]::new('', '...')</c> and of every variable
/// wrapped that way or passed as a SecureString), from <see cref="Add"/>, and from the state dir: the secret fields
/// (key, token, access, refresh, id_token, ...) of every JSON file in it, before and after every run. A hit names the
/// run, the stream, the secret's length and a SHA-256 prefix, never the secret.
/// </remarks>
public sealed class SecretScanner
{
    public const int MinLength = 12;

    private static readonly Regex SecureLiteral = new(@"NetworkCredential\]::new\(\s*''\s*,\s*'((?:[^']|'')*)'\s*\)", RegexOptions.Compiled);
    private static readonly Regex SecureVariable = new(@"NetworkCredential\]::new\(\s*''\s*,\s*\$(\w+)\s*\)", RegexOptions.Compiled);
    private static readonly Regex SecretField = new(
        "\"(?:key|token|access|refresh|id_token|access_token|refresh_token|apiKey|api_key)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)", RegexOptions.Compiled);

    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal);
    private readonly List<string> _secretOrder = new();
    private readonly List<(string Label, string Text)> _emitted = new();
    private readonly List<string> _hits = new();
    private int _checkedRecords;
    private int _checkedSecrets;

    /// <summary>The secrets known so far.</summary>
    public int SecretCount => _secrets.Count;

    /// <summary>The serialized records so far.</summary>
    public int RecordCount => _emitted.Count;

    /// <summary>Values left out because the caller asked for them in plain text (Get-MoltbotAccessToken -AsPlainText).</summary>
    public int PlainTextExempt { get; private set; }

    public void Add(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }
        value = value.Trim();
        if (value.Length >= MinLength)
        {
            AddOne(value);
            var escaped = Uri.EscapeDataString(value);
            if (!string.Equals(escaped, value, StringComparison.Ordinal))
            {
                AddOne(escaped);
            }
        }
    }

    private void AddOne(string value)
    {
        if (_secrets.Add(value))
        {
            _secretOrder.Add(value);
        }
    }

    /// <summary>The secrets a script hands to the cmdlets: SecureString literals and the variables it wraps or passes as SecureStrings.</summary>
    public void AddFromScript(string script, IReadOnlyDictionary<string, object?>? variables)
    {
        foreach (Match m in SecureLiteral.Matches(script))
        {
            Add(m.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal));
        }
        if (variables is null)
        {
            return;
        }
        var wrapped = SecureVariable.Matches(script).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in variables)
        {
            if (value is SecureString secure)
            {
                Add(new NetworkCredential(string.Empty, secure).Password);
            }
            else if (wrapped.Contains(name) && value is string text)
            {
                Add(text);
            }
        }
    }

    /// <summary>The secret fields of every JSON file under <paramref name="root"/>.</summary>
    public void Harvest(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(root, "*", options))
        {
            var name = Path.GetFileName(file);
            if (!name.Contains(".json", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            foreach (Match m in SecretField.Matches(text))
            {
                var raw = m.Groups[1].Value;
                string value;
                try
                {
                    value = Regex.Unescape(raw);
                }
                catch (ArgumentException)
                {
                    value = raw;
                }
                Add(value);
            }
        }
    }

    /// <summary>Serializes everything one run emitted.</summary>
    public void Record(string label, IEnumerable<object?> output, PSDataStreams streams, Exception? terminating)
    {
        var i = 0;
        foreach (var o in output)
        {
            _emitted.Add(($"{label}: output #{++i}", Serialize(o)));
        }
        i = 0;
        foreach (var e in streams.Error)
        {
            _emitted.Add(($"{label}: error #{++i}", Serialize(e)));
        }
        foreach (var v in streams.Verbose)
        {
            _emitted.Add(($"{label}: verbose", v.Message));
        }
        foreach (var d in streams.Debug)
        {
            _emitted.Add(($"{label}: debug", d.Message));
        }
        foreach (var w in streams.Warning)
        {
            _emitted.Add(($"{label}: warning", w.Message));
        }
        foreach (var info in streams.Information)
        {
            _emitted.Add(($"{label}: information", Serialize(info)));
        }
        if (terminating is not null)
        {
            _emitted.Add(($"{label}: terminating error", Serialize(terminating)));
        }
    }

    /// <summary>Every (record, secret) hit so far, described without the secret.</summary>
    /// <remarks>Incremental (a host may run a thousand scripts): the records already checked against the secrets already
    /// known are only checked against the secrets learnt since; new records against all.</remarks>
    public IReadOnlyList<string> Hits()
    {
        for (var r = 0; r < _emitted.Count; r++)
        {
            var (label, text) = _emitted[r];
            for (var k = r < _checkedRecords ? _checkedSecrets : 0; k < _secretOrder.Count; k++)
            {
                var secret = _secretOrder[k];
                if (text.Contains(secret, StringComparison.Ordinal))
                {
                    _hits.Add($"{label} holds a {secret.Length}-character secret (sha256 {Fingerprint(secret)}...)");
                }
            }
        }
        _checkedRecords = _emitted.Count;
        _checkedSecrets = _secretOrder.Count;
        return _hits.ToList();
    }

    /// <summary>Fails the test when any record holds any secret.</summary>
    public void AssertClean()
    {
        var hits = Hits();
        if (hits.Count > 0)
        {
            throw new Xunit.Sdk.XunitException("Secret scan: " + hits.Count + " hit(s): " + string.Join("; ", hits.Take(10)));
        }
    }

    public static string Fingerprint(string secret) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret))).Substring(0, 12).ToLowerInvariant();

    /// <summary>A record as text: ToString() and every property, recursively; error records and exceptions in full.</summary>
    public string Serialize(object? value)
    {
        var sb = new StringBuilder();
        Append(sb, value, 4, string.Empty, new HashSet<object>(ReferenceEqualityComparer.Instance));
        return sb.ToString();
    }

    private void Append(StringBuilder sb, object? value, int depth, string indent, HashSet<object> seen)
    {
        if (value is PSObject pso && pso.BaseObject is not PSCustomObject)
        {
            value = pso.BaseObject;
        }
        switch (value)
        {
            case null:
                sb.Append(indent).Append("<null>\n");
                return;
            case string s:
                sb.Append(indent).Append(s).Append('\n');
                return;
            case SecureString secure:
                sb.Append(indent).Append("<SecureString, ").Append(secure.Length).Append(" characters>\n");
                return;
        }
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is decimal or DateTime or DateTimeOffset or TimeSpan or Guid or Uri or Type)
        {
            sb.Append(indent).Append(value).Append('\n');
            return;
        }
        if (!type.IsValueType && !seen.Add(value))
        {
            sb.Append(indent).Append("<seen ").Append(type.Name).Append(">\n");
            return;
        }
        switch (value)
        {
            case ErrorRecord record:
                AppendRecord(sb, record, depth, indent, seen);
                return;
            case Exception exception:
                AppendException(sb, exception, depth, indent, seen);
                return;
            case InformationRecord info:
                sb.Append(indent).Append("InformationRecord: ").Append(info).Append(" Tags: ").Append(string.Join(", ", info.Tags)).Append('\n');
                if (depth > 0)
                {
                    Append(sb, info.MessageData, depth - 1, indent + "  ", seen);
                }
                return;
            case InformationalRecord informational:
                sb.Append(indent).Append(informational.Message).Append('\n');
                return;
        }
        string text;
        try
        {
            text = value.ToString() ?? string.Empty;
        }
        catch (Exception ex)
        {
            text = "<ToString threw " + ex.GetType().Name + ">";
        }
        sb.Append(indent).Append('[').Append(type.FullName).Append("] ").Append(text).Append('\n');
        if (depth <= 0)
        {
            return;
        }
        if (value is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                sb.Append(indent).Append("  [").Append(entry.Key).Append("]:\n");
                Append(sb, entry.Value, depth - 1, indent + "    ", seen);
            }
            return;
        }
        if (value is IEnumerable enumerable)
        {
            var n = 0;
            foreach (var item in enumerable)
            {
                if (n++ >= 100)
                {
                    break;
                }
                Append(sb, item, depth - 1, indent + "  ", seen);
            }
            return;
        }
        var isAccessToken = type.FullName == "Moltbot.Models.MoltbotAccessToken";
        foreach (var property in PSObject.AsPSObject(value).Properties)
        {
            object? propertyValue;
            try
            {
                propertyValue = property.Value;
            }
            catch (Exception ex)
            {
                propertyValue = "<getter threw " + ex.GetType().Name + ": " + ex.Message + ">";
            }
            if (isAccessToken && property.Name == "Token" && propertyValue is string)
            {
                PlainTextExempt++; // Get-MoltbotAccessToken -AsPlainText: the caller asked for exactly this value.
                sb.Append(indent).Append("  .Token: <the -AsPlainText value: not scanned>\n");
                continue;
            }
            sb.Append(indent).Append("  .").Append(property.Name).Append(":\n");
            Append(sb, propertyValue, depth - 1, indent + "    ", seen);
        }
    }

    private void AppendRecord(StringBuilder sb, ErrorRecord record, int depth, string indent, HashSet<object> seen)
    {
        // InvocationInfo is left out: it holds the caller's script line (the test's own text), not the module's words.
        sb.Append(indent).Append("ErrorRecord: ").Append(record).Append('\n');
        sb.Append(indent).Append("  FullyQualifiedErrorId: ").Append(record.FullyQualifiedErrorId).Append('\n');
        sb.Append(indent).Append("  CategoryInfo: ").Append(record.CategoryInfo).Append(" | ").Append(record.CategoryInfo.GetMessage())
            .Append(" | ").Append(record.CategoryInfo.TargetName).Append('\n');
        if (record.ErrorDetails is { } details)
        {
            sb.Append(indent).Append("  ErrorDetails: ").Append(details.Message).Append(" | ").Append(details.RecommendedAction).Append('\n');
        }
        sb.Append(indent).Append("  TargetObject:\n");
        if (depth > 0)
        {
            Append(sb, record.TargetObject, Math.Min(2, depth - 1), indent + "    ", seen);
        }
        if (record.Exception is { } exception)
        {
            AppendException(sb, exception, depth, indent + "  ", seen);
        }
    }

    private void AppendException(StringBuilder sb, Exception exception, int depth, string indent, HashSet<object> seen)
    {
        Exception? e = exception;
        for (var level = 0; e is not null && level < 10; e = e.InnerException, level++)
        {
            sb.Append(indent).Append('[').Append(e.GetType().FullName).Append("] ").Append(e.Message).Append('\n');
            sb.Append(indent).Append("  ToString: ").Append(e).Append('\n');
            foreach (DictionaryEntry entry in e.Data)
            {
                sb.Append(indent).Append("  Data[").Append(entry.Key).Append("]: ").Append(entry.Value).Append('\n');
            }
            if (e is IContainsErrorRecord { ErrorRecord: { } inner } && depth > 0 && seen.Add(inner))
            {
                AppendRecord(sb, inner, depth - 1, indent + "  ", seen);
            }
            if (e is AggregateException aggregate)
            {
                foreach (var other in aggregate.InnerExceptions.Where(x => !ReferenceEquals(x, e.InnerException)))
                {
                    AppendException(sb, other, depth - 1, indent + "  ", seen);
                }
            }
            indent += "  ";
        }
    }
}
