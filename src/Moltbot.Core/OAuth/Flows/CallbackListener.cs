using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace Moltbot.Core.OAuth;

/// <summary>What ended the wait: a code, or an <c>error=</c> redirect (both with the right state).</summary>
public sealed record CallbackResult(string? Code, string? Error, string? ErrorDescription)
{
    public bool IsError => Error is not null;

    /// <summary>Never prints the code.</summary>
    public override string ToString() => IsError ? $"CallbackResult {{ Error = {Error} }}" : "CallbackResult { Code = *** }";
}

/// <summary>
/// A one-shot HTTP/1.1 listener for an OAuth loopback redirect, on the redirect URI's host and port (for
/// <c>localhost</c>: 127.0.0.1, and [::1] where the system has IPv6), reachable from loopback only. It knows nothing of
/// any one provider: it checks the path and the <c>state</c>, and hands over the <c>code</c>.
/// <list type="bullet">
/// <item>the redirect path with the right <c>state</c> and a <c>code</c>: the wait ends with the code, and the browser's
/// request is held open until the caller reports the outcome of the code exchange with <see cref="Answer"/> (or
/// <see cref="AnswerTimeout"/> passes), so the page the browser shows is the real outcome;</item>
/// <item>the redirect path with the right <c>state</c> and <c>error=</c>: an error page, and the wait ends with that error;</item>
/// <item>a wrong or missing <c>state</c>, or no code: 400, and the wait goes on;</item>
/// <item>any other path: 404; a method other than GET: 405; a non-loopback peer: 403; a request whose head is not
/// complete within <see cref="RequestReadTimeout"/>: 408; a head over 16 KiB: 431.</item>
/// </list>
/// Every connection is served on its own task with its own read deadline, and a request body is never read (the
/// callback is a GET; the answer closes the connection), so a client that trickles its request cannot delay another.
/// Disposing it (or cancelling the wait) closes the sockets, so the port is free again.
/// </summary>
public sealed class CallbackListener : IDisposable
{
    private const int MaxHeadBytes = 16 * 1024;
    private const int MaxConnections = 64;
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LingerTime = TimeSpan.FromMilliseconds(500);

    private readonly IReadOnlyList<TcpListener> _sockets;
    private readonly string _expectedState;
    private readonly string _path;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<CallbackResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<(bool Succeeded, string Title, string Message)> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _held;
    private int _connections;
    private int _accepting;
    private int _disposed;

    private CallbackListener(IReadOnlyList<TcpListener> sockets, Uri redirectUri, string expectedState)
    {
        _sockets = sockets;
        RedirectUri = redirectUri;
        _expectedState = expectedState;
        _path = NormalizePath(redirectUri.AbsolutePath);
    }

    public Uri RedirectUri { get; }

    /// <summary>Limit for receiving one request's line and headers, per connection. Default 10 s.</summary>
    public TimeSpan RequestReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the browser's request that brought the code is held open waiting for <see cref="Answer"/>; then it gets a
    /// page that says the sign-in is still being completed in the shell. Default 60 s (the code exchange has its own, shorter limit).
    /// </summary>
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Raised (on a connection's thread) for each request that did not end the wait, with status and reason. No secrets.</summary>
    public event Action<int, string>? RequestRejected;

    /// <summary>
    /// Binds the redirect URI's host and port. Returns null and a reason when that is impossible (typically the port is
    /// taken by another login; <see cref="DescribePortHolder"/> tells what answers there); the caller then falls back to
    /// the manual paste.
    /// </summary>
    public static CallbackListener? TryStart(Uri redirectUri, string expectedState, out string? failureReason)
    {
        ArgumentNullException.ThrowIfNull(redirectUri);
        ArgumentException.ThrowIfNullOrEmpty(expectedState);
        var sockets = new List<TcpListener>();
        try
        {
            foreach (var (address, required) in BindAddresses(redirectUri))
            {
                var socket = new TcpListener(address, redirectUri.Port);
                try
                {
                    socket.Start(MaxConnections);
                    sockets.Add(socket);
                }
                catch (SocketException ex) when (!required && ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
                {
                    socket.Dispose();
                }
            }
        }
        catch (SocketException ex)
        {
            foreach (var socket in sockets)
            {
                socket.Stop();
            }
            failureReason = ex.Message;
            return null;
        }
        failureReason = null;
        return new CallbackListener(sockets, redirectUri, expectedState);
    }

    /// <summary>The loopback addresses the redirect's host stands for; the first one must be bound.</summary>
    private static IEnumerable<(IPAddress Address, bool Required)> BindAddresses(Uri redirectUri)
    {
        if (IPAddress.TryParse(redirectUri.IdnHost.Trim('[', ']'), out var literal))
        {
            yield return (literal, true);
            yield break;
        }
        // localhost: browsers try both; a program holding either one would receive the redirect.
        yield return (IPAddress.Loopback, true);
        if (Socket.OSSupportsIPv6)
        {
            yield return (IPAddress.IPv6Loopback, false);
        }
    }

    /// <summary>
    /// Answers requests until one ends the wait. Cancellation (Ctrl+C or the caller's timeout) closes the listener
    /// and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<CallbackResult> WaitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _accepting, 1) == 0)
        {
            foreach (var socket in _sockets)
            {
                _ = AcceptLoopAsync(socket);
            }
        }
        using var registration = cancellationToken.Register(Dispose);
        var closed = Task.Delay(Timeout.Infinite, _closing.Token);
        var first = await Task.WhenAny(_result.Task, closed).ConfigureAwait(false);
        if (first == _result.Task)
        {
            return await _result.Task.ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        throw new OperationCanceledException("The callback listener was closed.");
    }

    /// <summary>
    /// The outcome of the code exchange for the browser that brought the code: a page titled <paramref name="title"/>
    /// saying <paramref name="message"/> (HTML-encoded; pass no secret). Waits (a few seconds at most) until it is sent.
    /// Without a held request (no code arrived, or an error redirect) it does nothing.
    /// </summary>
    public void Answer(bool succeeded, string title, string message)
    {
        _answer.TrySetResult((succeeded, title, message));
        WaitForHeldAnswer();
    }

    /// <summary>Waits (a few seconds at most) until the held browser request, if any, has been answered.</summary>
    private void WaitForHeldAnswer()
    {
        var held = Volatile.Read(ref _held);
        if (held is not null)
        {
            try
            {
                held.Wait(WriteTimeout + LingerTime);
            }
            catch (AggregateException)
            {
            }
        }
    }

    private async Task AcceptLoopAsync(TcpListener socket)
    {
        while (!_closing.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptSocketAsync(_closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return;
            }
            if (Interlocked.Increment(ref _connections) > MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                client.Dispose();
                RequestRejected?.Invoke(503, "Too many connections");
                continue;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            using (client)
            {
                await HandleAsync(client).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or System.IO.IOException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>Serves one connection: one request, one answer, then close.</summary>
    private async Task HandleAsync(Socket client)
    {
        var remote = (client.RemoteEndPoint as IPEndPoint)?.Address;
        if (remote is null || !IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            await RejectAsync(client, 403, "Forbidden", "Only this computer may call the sign-in callback.").ConfigureAwait(false);
            return;
        }

        var (head, failure) = await ReadHeadAsync(client).ConfigureAwait(false);
        if (head is null)
        {
            if (failure == 408)
            {
                await RejectAsync(client, 408, "Request timeout", $"The request did not arrive within {RequestReadTimeout.TotalSeconds:0.#} s.").ConfigureAwait(false);
            }
            else if (failure == 431)
            {
                await RejectAsync(client, 431, "Request header fields too large", "The request is too large for the sign-in callback.").ConfigureAwait(false);
            }
            return;
        }

        var requestLine = head.Split('\n', 2)[0].TrimEnd('\r').Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            await RejectAsync(client, 400, "Bad request", "This is not an HTTP/1.x request.").ConfigureAwait(false);
            return;
        }
        if (requestLine[0] != "GET")
        {
            // The body, if any, is never read: the answer closes the connection.
            await RejectAsync(client, 405, "Method not allowed", "The sign-in callback accepts GET only.", "Allow: GET\r\n").ConfigureAwait(false);
            return;
        }
        var target = requestLine[1];
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(target, UriKind.Absolute, out var absolute))
        {
            target = absolute.PathAndQuery;
        }
        var queryAt = target.IndexOf('?');
        var path = queryAt < 0 ? target : target.Substring(0, queryAt);
        var query = queryAt < 0 ? string.Empty : target.Substring(queryAt);
        if (NormalizePath(path) != _path)
        {
            await RejectAsync(client, 404, "Not found", "This is the Moltbot sign-in callback; nothing else is served here.").ConfigureAwait(false);
            return;
        }

        var fields = RedirectPaste.ParseQuery(query);
        fields.TryGetValue("state", out var state);
        if (string.IsNullOrEmpty(state))
        {
            await RejectAsync(client, 400, "Missing state", "The callback carries no state, so it cannot belong to this sign-in. Still waiting.").ConfigureAwait(false);
            return;
        }
        if (!RedirectPaste.FixedTimeEquals(state, _expectedState))
        {
            await RejectAsync(client, 400, "State mismatch", "The callback's state does not match this sign-in (another attempt, or an altered link). Still waiting.").ConfigureAwait(false);
            return;
        }
        var hasError = fields.TryGetValue("error", out var error) && error.Length > 0;
        var hasCode = fields.TryGetValue("code", out var code) && code.Length > 0;
        if (!hasError && !hasCode)
        {
            await RejectAsync(client, 400, "Missing code", "The callback carries no authorization code. Still waiting.").ConfigureAwait(false);
            return;
        }
        if (hasError)
        {
            fields.TryGetValue("error_description", out var description);
            if (!_result.TrySetResult(new CallbackResult(null, error, description)))
            {
                await RejectAsync(client, 409, "Already answered", "This sign-in already received its callback.").ConfigureAwait(false);
                return;
            }
            await RespondAsync(client, 200, "Sign-in not completed",
                $"The provider answered: {TextSanitizer.Clean(error, 100)}" +
                (string.IsNullOrWhiteSpace(description) ? string.Empty : $" ({TextSanitizer.Clean(description, 300)})") +
                ". You can close this window and run Connect-MoltbotProvider again.").ConfigureAwait(false);
            return;
        }

        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _held, hold.Task, null) is not null || !_result.TrySetResult(new CallbackResult(code, null, null)))
        {
            await RejectAsync(client, 409, "Already answered", "This sign-in already received its callback.").ConfigureAwait(false);
            return;
        }
        try
        {
            // The browser waits for the real outcome of the code exchange, within AnswerTimeout.
            var answered = await Task.WhenAny(_answer.Task, Task.Delay(AnswerTimeout, _closing.Token)).ConfigureAwait(false);
            if (answered == _answer.Task)
            {
                var (succeeded, title, message) = _answer.Task.Result;
                await RespondAsync(client, succeeded ? 200 : 502, title, message).ConfigureAwait(false);
            }
            else
            {
                await RespondAsync(client, 202, "Still signing in",
                    "Moltbot received the sign-in but has not finished it yet. The outcome is shown in PowerShell; you can close this window.").ConfigureAwait(false);
            }
            return;
        }
        finally
        {
            hold.TrySetResult();
        }
    }

    /// <summary>Reads the request line and headers (never the body) within <see cref="RequestReadTimeout"/>.</summary>
    private async Task<(string? Head, int Failure)> ReadHeadAsync(Socket client)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        deadline.CancelAfter(RequestReadTimeout);
        var buffer = new byte[MaxHeadBytes];
        var length = 0;
        try
        {
            while (true)
            {
                var read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return (null, 0);
                }
                // Only the bytes just received (and the three before them) can complete the blank line.
                var from = Math.Max(0, length - 3);
                length += read;
                var recent = buffer.AsSpan(from, length - from);
                var at = recent.IndexOf("\r\n\r\n"u8);
                if (at < 0)
                {
                    at = recent.IndexOf("\n\n"u8);
                }
                if (at >= 0)
                {
                    return (Encoding.Latin1.GetString(buffer, 0, from + at), 0);
                }
                if (length == buffer.Length)
                {
                    return (null, 431);
                }
            }
        }
        catch (OperationCanceledException) when (!_closing.IsCancellationRequested)
        {
            return (null, 408);
        }
    }

    private async Task RejectAsync(Socket client, int status, string title, string message, string extraHeaders = "")
    {
        RequestRejected?.Invoke(status, title);
        await RespondAsync(client, status, title, message, extraHeaders).ConfigureAwait(false);
    }

    /// <summary>Writes one page with <c>Connection: close</c> (within a write deadline), then closes gently.</summary>
    private async Task RespondAsync(Socket client, int status, string title, string message, string extraHeaders = "")
    {
        var html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Moltbot: " + WebUtility.HtmlEncode(title) +
                   "</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>" + WebUtility.HtmlEncode(title) +
                   "</h1><p>" + WebUtility.HtmlEncode(message) + "</p></body></html>";
        var body = Encoding.UTF8.GetBytes(html);
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n" +
            "Content-Type: text/html; charset=utf-8\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            "Cache-Control: no-store\r\n" +
            "X-Content-Type-Options: nosniff\r\n" +
            "Referrer-Policy: no-referrer\r\n" +
            extraHeaders +
            "Connection: close\r\n\r\n");
        using var deadline = new CancellationTokenSource(WriteTimeout);
        try
        {
            await client.SendAsync(head.Concat(body).ToArray(), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Send);
            // Drain briefly what the client still sends (an unread body), so that closing does not reset the
            // connection before the client has read the answer; bounded, and on this connection's task only.
            using var linger = new CancellationTokenSource(LingerTime);
            var sink = new byte[4096];
            while (await client.ReceiveAsync(sink, SocketFlags.None, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        _ => "Error",
    };

    private static string NormalizePath(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    /// <summary>
    /// Says what holds the redirect's port when <see cref="TryStart"/> failed: it sends the request a browser would send
    /// with a state of no sign-in (and no code) and reports the answer, e.g.
    /// <c>another program answers there with HTTP 400 "State mismatch"</c>. Nothing secret is sent or returned.
    /// </summary>
    public static PortHolder DescribePortHolder(Uri redirectUri, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(redirectUri);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return DescribePortHolderAsync(redirectUri, cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return new PortHolder(PortHolderKind.Silent, null, null);
        }
    }

    private static async Task<PortHolder> DescribePortHolderAsync(Uri redirectUri, CancellationToken cancellationToken)
    {
        // The first of the listener's addresses where something accepts a connection (127.0.0.1, then [::1]).
        Socket? socket = null;
        foreach (var (address, _) in BindAddresses(redirectUri))
        {
            var candidate = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await candidate.ConnectAsync(new IPEndPoint(address, redirectUri.Port), cancellationToken).ConfigureAwait(false);
                socket = candidate;
                break;
            }
            catch (SocketException)
            {
                candidate.Dispose();
            }
        }
        if (socket is null)
        {
            return new PortHolder(PortHolderKind.NotListening, null, null);
        }
        using var connected = socket;
        var request = $"GET {redirectUri.AbsolutePath}?state=moltbot-port-probe HTTP/1.1\r\nHost: {redirectUri.Authority}\r\n" +
                      "User-Agent: Moltbot-port-probe\r\nAccept: text/html\r\nConnection: close\r\n\r\n";
        var answer = new List<byte>();
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[4096];
            int read;
            while (answer.Count < 16 * 1024 && (read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
            {
                answer.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            if (answer.Count == 0)
            {
                return new PortHolder(PortHolderKind.Silent, null, null);
            }
        }
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var status = Regex.Match(text, @"^HTTP/\d(?:\.\d)? (\d{3})");
        if (!status.Success)
        {
            return new PortHolder(answer.Count == 0 ? PortHolderKind.Silent : PortHolderKind.NotHttp, null, null);
        }
        var title = Regex.Match(text, @"<title>(.*?)</title>", RegexOptions.IgnoreCase | RegexOptions.Singleline);
        if (!title.Success)
        {
            title = Regex.Match(text, @"<h1[^>]*>(.*?)</h1>", RegexOptions.IgnoreCase | RegexOptions.Singleline);
        }
        // A page's title, else its first words (pi-ai, the login of OpenClaw 1.x, answers a plain "State mismatch").
        var bodyAt = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var words = title.Success ? title.Groups[1].Value : bodyAt < 0 ? string.Empty : text.Substring(bodyAt + 4);
        var shown = TextSanitizer.Clean(WebUtility.HtmlDecode(Regex.Replace(words, "<[^>]*>", " ")), 80);
        return new PortHolder(PortHolderKind.Http, int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(shown) ? null : shown);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // A browser still held for the outcome gets a page (not a reset) before the sockets close.
        _answer.TrySetResult((false, "Sign-in not completed", "Moltbot stopped before completing the sign-in. The reason is shown in PowerShell; nothing was stored."));
        WaitForHeldAnswer();
        _closing.Cancel();
        foreach (var socket in _sockets)
        {
            try
            {
                socket.Stop();
            }
            catch (SocketException)
            {
            }
        }
    }
}

/// <summary>What answers on a loopback port that could not be bound.</summary>
public enum PortHolderKind
{
    /// <summary>Nothing accepts connections there (the port is reserved, or bound without listening).</summary>
    NotListening,

    /// <summary>A program accepts connections but sends nothing within the probe's time.</summary>
    Silent,

    /// <summary>A program answers, but not with HTTP.</summary>
    NotHttp,

    /// <summary>A program answers HTTP (typically another sign-in's callback).</summary>
    Http,
}

/// <summary>The result of <see cref="CallbackListener.DescribePortHolder"/>. <see cref="Title"/> is sanitized server text.</summary>
public sealed record PortHolder(PortHolderKind Kind, int? Status, string? Title)
{
    /// <summary>What the browser shows when it is redirected there, as a phrase: <c>a page that answers HTTP 400 "Moltbot: State mismatch"</c>.</summary>
    public string Page => Kind switch
    {
        PortHolderKind.Http => $"a page served by the other program on that port, which answers HTTP {Status}" + (Title is null ? string.Empty : $" \"{Title}\""),
        PortHolderKind.Silent => "a page that does not load (the program on that port accepts the connection but does not answer)",
        PortHolderKind.NotHttp => "an error page (the program on that port does not speak HTTP)",
        _ => "a page that does not answer",
    };

    /// <summary>Who holds the port, as a phrase for a warning.</summary>
    public string Holder => Kind switch
    {
        PortHolderKind.Http => $"another program answers there with HTTP {Status}" + (Title is null ? string.Empty : $" \"{Title}\"") +
                               (Status == 400 ? ", probably another sign-in in progress (Moltbot, OpenClaw or the Codex CLI)" : string.Empty),
        PortHolderKind.Silent => "a program holds the port but does not answer HTTP",
        PortHolderKind.NotHttp => "a program that does not speak HTTP holds the port",
        _ => "nothing answers there",
    };
}
