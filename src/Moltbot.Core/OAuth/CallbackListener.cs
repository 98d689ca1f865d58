using System;
using System.Net;
using System.Text;
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
/// A one-shot HTTP listener for the OAuth redirect, on the redirect URI's host and port, reachable from loopback only.
/// <list type="bullet">
/// <item>the redirect path with the right <c>state</c> and a <c>code</c>: a small success page, and the wait ends;</item>
/// <item>the redirect path with the right <c>state</c> and <c>error=</c>: an error page, and the wait ends with that error;</item>
/// <item>a wrong or missing <c>state</c>, or no code: 400, and the wait goes on;</item>
/// <item>any other path: 404; a method other than GET: 405; a non-loopback peer: 403.</item>
/// </list>
/// Disposing it (or cancelling the wait) closes the socket, so the port is free again.
/// </summary>
public sealed class CallbackListener : IDisposable
{
    private readonly HttpListener _listener;
    private readonly string _expectedState;
    private readonly string _path;
    private int _disposed;

    private CallbackListener(HttpListener listener, Uri redirectUri, string expectedState)
    {
        _listener = listener;
        RedirectUri = redirectUri;
        _expectedState = expectedState;
        _path = NormalizePath(redirectUri.AbsolutePath);
    }

    public Uri RedirectUri { get; }

    /// <summary>Raised (on the listener's thread) for each request that did not end the wait, with status and reason. No secrets.</summary>
    public event Action<int, string>? RequestRejected;

    /// <summary>
    /// Binds the redirect URI's host and port. Returns null and a reason when that is impossible (typically the port is
    /// taken by another login); the caller then falls back to the manual paste.
    /// </summary>
    public static CallbackListener? TryStart(Uri redirectUri, string expectedState, out string? failureReason)
    {
        ArgumentNullException.ThrowIfNull(redirectUri);
        ArgumentException.ThrowIfNullOrEmpty(expectedState);
        var listener = new HttpListener { IgnoreWriteExceptions = true };
        // The root of host:port, so that every path reaches us and gets a deliberate answer (404 for the others).
        listener.Prefixes.Add($"http://{redirectUri.Authority}/");
        try
        {
            listener.Start();
        }
        catch (HttpListenerException ex)
        {
            failureReason = ex.Message;
            listener.Close();
            return null;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            failureReason = ex.Message;
            listener.Close();
            return null;
        }
        failureReason = null;
        return new CallbackListener(listener, redirectUri, expectedState);
    }

    /// <summary>
    /// Answers requests until one ends the wait. Cancellation (Ctrl+C or the caller's timeout) closes the listener
    /// and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<CallbackResult> WaitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        using var registration = cancellationToken.Register(Dispose);
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new OperationCanceledException("The callback listener was closed.", ex);
            }
            var result = Handle(context);
            if (result is not null)
            {
                return result;
            }
        }
    }

    private CallbackResult? Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var remote = request.RemoteEndPoint?.Address;
            if (remote is null || !IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
            {
                return Reject(response, 403, "Forbidden", "Only this computer may call the sign-in callback.");
            }
            if (request.HttpMethod != "GET")
            {
                response.AddHeader("Allow", "GET");
                return Reject(response, 405, "Method not allowed", "The sign-in callback accepts GET only.");
            }
            if (NormalizePath(request.Url?.AbsolutePath ?? string.Empty) != _path)
            {
                return Reject(response, 404, "Not found", "This is the Moltbot sign-in callback; nothing else is served here.");
            }

            var fields = RedirectPaste.ParseQuery(request.Url?.Query ?? string.Empty);
            fields.TryGetValue("state", out var state);
            if (string.IsNullOrEmpty(state))
            {
                return Reject(response, 400, "Missing state", "The callback carries no state, so it cannot belong to this sign-in. Still waiting.");
            }
            if (!RedirectPaste.FixedTimeEquals(state, _expectedState))
            {
                return Reject(response, 400, "State mismatch", "The callback's state does not match this sign-in (another attempt, or an altered link). Still waiting.");
            }
            if (fields.TryGetValue("error", out var error) && error.Length > 0)
            {
                fields.TryGetValue("error_description", out var description);
                Respond(response, 200, "Sign-in not completed",
                    $"The provider answered: {TextSanitizer.Clean(error, 100)}" +
                    (string.IsNullOrWhiteSpace(description) ? string.Empty : $" ({TextSanitizer.Clean(description, 300)})") +
                    ". You can close this window and run Connect-MoltbotProvider again.");
                return new CallbackResult(null, error, description);
            }
            if (!fields.TryGetValue("code", out var code) || code.Length == 0)
            {
                return Reject(response, 400, "Missing code", "The callback carries no authorization code. Still waiting.");
            }
            Respond(response, 200, "Signed in", "Moltbot received the sign-in. You can close this window and return to PowerShell.");
            return new CallbackResult(code, null, null);
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (HttpListenerException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private CallbackResult? Reject(HttpListenerResponse response, int status, string title, string message)
    {
        Respond(response, status, title, message);
        RequestRejected?.Invoke(status, title);
        return null;
    }

    private static void Respond(HttpListenerResponse response, int status, string title, string message)
    {
        var html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Moltbot: " + WebUtility.HtmlEncode(title) +
                   "</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>" + WebUtility.HtmlEncode(title) +
                   "</h1><p>" + WebUtility.HtmlEncode(message) + "</p></body></html>";
        var bytes = Encoding.UTF8.GetBytes(html);
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers["Cache-Control"] = "no-store";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.ContentLength64 = bytes.Length;
        try
        {
            response.OutputStream.Write(bytes, 0, bytes.Length);
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static string NormalizePath(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            _listener.Abort();
        }
        catch (ObjectDisposedException)
        {
        }
        ((IDisposable)_listener).Dispose();
    }
}
