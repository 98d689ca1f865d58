using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using Moltbot.Core.State;

namespace Moltbot.Core.OAuth;

/// <summary>Opens a URL for the user.</summary>
public interface IBrowserLauncher
{
    /// <summary>Starts the browser without waiting for it. Returns false and a reason (no secret) when nothing could be started.</summary>
    bool TryOpen(string url, out string description);
}

/// <summary>
/// The usual Unix convention: <c>$BROWSER</c> when set (a <c>:</c>-separated list of commands, each split like a shell
/// would split it, <c>%s</c> replaced by the URL or else the URL appended; the first that starts wins), else the
/// platform opener (<c>xdg-open</c>, <c>open</c>, or the Windows shell). No shell is involved, so the URL cannot
/// inject commands. The browser's own output is discarded.
/// </summary>
public sealed class SystemBrowserLauncher : IBrowserLauncher
{
    public const string BrowserVariable = "BROWSER";

    private readonly MoltbotEnvironment _environment;
    private readonly Func<ProcessStartInfo, bool> _start;

    public SystemBrowserLauncher(MoltbotEnvironment? environment = null, Func<ProcessStartInfo, bool>? start = null)
    {
        _environment = environment ?? MoltbotEnvironment.Process;
        _start = start ?? StartDetached;
    }

    public bool TryOpen(string url, out string description)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        var failures = new List<string>();
        foreach (var candidate in Candidates(url))
        {
            var name = Path.GetFileName(candidate.FileName);
            try
            {
                if (_start(candidate))
                {
                    description = candidate.UseShellExecute ? "the system's default browser" : $"'{name}'";
                    return true;
                }
                failures.Add($"'{name}' did not start");
            }
            catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException or IOException)
            {
                failures.Add($"'{name}': {ex.Message}");
            }
        }
        description = failures.Count == 0 ? "no browser command is known on this platform" : string.Join("; ", failures);
        return false;
    }

    /// <summary>The commands that would be tried, in order.</summary>
    public IReadOnlyList<ProcessStartInfo> Candidates(string url)
    {
        var result = new List<ProcessStartInfo>();
        var browser = _environment.Get(BrowserVariable);
        if (browser is not null)
        {
            foreach (var entry in browser.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var argv = BuildCommand(entry, url);
                if (argv.Count > 0)
                {
                    result.Add(ToStartInfo(argv));
                }
            }
            if (result.Count > 0)
            {
                return result;
            }
        }
        if (OperatingSystem.IsWindows())
        {
            result.Add(new ProcessStartInfo(url) { UseShellExecute = true });
        }
        else if (OperatingSystem.IsMacOS())
        {
            result.Add(ToStartInfo(new[] { "open", url }));
        }
        else
        {
            result.Add(ToStartInfo(new[] { "xdg-open", url }));
        }
        return result;
    }

    /// <summary>One <c>$BROWSER</c> entry as argv: split, <c>%s</c> replaced by the URL (<c>%%</c> is a literal %), else the URL appended.</summary>
    public static IReadOnlyList<string> BuildCommand(string template, string url)
    {
        var words = SplitCommandLine(template);
        var replaced = false;
        var argv = new List<string>(words.Count + 1);
        foreach (var word in words)
        {
            if (!word.Contains('%', StringComparison.Ordinal))
            {
                argv.Add(word);
                continue;
            }
            var sb = new StringBuilder();
            for (var i = 0; i < word.Length; i++)
            {
                if (word[i] == '%' && i + 1 < word.Length && word[i + 1] == 's')
                {
                    sb.Append(url);
                    replaced = true;
                    i++;
                }
                else if (word[i] == '%' && i + 1 < word.Length && word[i + 1] == '%')
                {
                    sb.Append('%');
                    i++;
                }
                else
                {
                    sb.Append(word[i]);
                }
            }
            argv.Add(sb.ToString());
        }
        if (argv.Count > 0 && !replaced)
        {
            argv.Add(url);
        }
        return argv;
    }

    /// <summary>
    /// Splits a command line like a POSIX shell does (without expansions): white space separates words; single quotes
    /// keep everything literally; double quotes keep everything but a backslash before <c>"</c>, <c>\</c>, <c>$</c> or
    /// <c>`</c>; a backslash outside quotes escapes the next character.
    /// </summary>
    public static IReadOnlyList<string> SplitCommandLine(string commandLine)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        var i = 0;
        while (i < commandLine.Length)
        {
            var ch = commandLine[i];
            if (ch == '\'')
            {
                var end = commandLine.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw UnbalancedQuote();
                }
                current.Append(commandLine, i + 1, end - i - 1);
                inWord = true;
                i = end + 1;
            }
            else if (ch == '"')
            {
                i++;
                var closed = false;
                while (i < commandLine.Length)
                {
                    var c = commandLine[i];
                    if (c == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    if (c == '\\' && i + 1 < commandLine.Length && "\"\\$`".IndexOf(commandLine[i + 1]) >= 0)
                    {
                        current.Append(commandLine[i + 1]);
                        i += 2;
                        continue;
                    }
                    current.Append(c);
                    i++;
                }
                if (!closed)
                {
                    throw UnbalancedQuote();
                }
                inWord = true;
            }
            else if (ch == '\\')
            {
                if (i + 1 < commandLine.Length)
                {
                    current.Append(commandLine[i + 1]);
                }
                inWord = true;
                i += 2;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
                i++;
            }
            else
            {
                current.Append(ch);
                inWord = true;
                i++;
            }
        }
        if (inWord)
        {
            words.Add(current.ToString());
        }
        return words;
    }

    private static MoltbotException UnbalancedQuote() =>
        new(OAuthErrorIds.InvalidOAuthSetting, MoltbotErrorKind.InvalidArgument, "$BROWSER has an unbalanced quote.", BrowserVariable);

    private static ProcessStartInfo ToStartInfo(IReadOnlyList<string> argv)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        for (var i = 1; i < argv.Count; i++)
        {
            info.ArgumentList.Add(argv[i]);
        }
        return info;
    }

    private static bool StartDetached(ProcessStartInfo info)
    {
        var process = Process.Start(info);
        if (process is null)
        {
            return info.UseShellExecute; // the shell may hand the URL to an already running browser
        }
        if (!info.UseShellExecute)
        {
            // Drain and discard the browser's chatter so that it never blocks on a full pipe nor writes to the console.
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();
            process.EnableRaisingEvents = true;
            process.Exited += static (sender, _) => (sender as Process)?.Dispose();
        }
        else
        {
            process.Dispose();
        }
        return true;
    }
}
