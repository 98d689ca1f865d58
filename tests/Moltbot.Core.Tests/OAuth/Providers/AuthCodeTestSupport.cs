using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using Moltbot.Core.OAuth;
using Moltbot.Core.State;
using Moltbot.Core.Store;

namespace Moltbot.Core.Tests.OAuth.Providers;

/// <summary>
/// A clock whose short timers (a poll's delay, up to <see cref="AutoFireLimit"/>) fire at once and move the clock on by
/// their due time; longer ones (a request's time limit) never fire. So a loop that waits 5 s between polls runs in
/// microseconds, and the waits it asked for are recorded.
/// </summary>
internal sealed class SteppingClock : TimeProvider
{
    private readonly object _gate = new();
    private DateTimeOffset _now;

    public SteppingClock(DateTimeOffset now) => _now = now;

    public static readonly TimeSpan AutoFireLimit = TimeSpan.FromSeconds(10);

    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public DateTimeOffset Now
    {
        get { lock (_gate) { return _now; } }
    }

    public override DateTimeOffset GetUtcNow() => Now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Fire(TimeSpan due, TimerCallback callback, object? state)
    {
        lock (_gate)
        {
            _now += due;
        }
        Waits.Enqueue(due);
        ThreadPool.QueueUserWorkItem(_ => callback(state));
    }

    private sealed class Timer : ITimer
    {
        private readonly SteppingClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private bool _disposed;

        public Timer(SteppingClock clock, TimerCallback callback, object? state)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }
            if (dueTime != Timeout.InfiniteTimeSpan && dueTime <= AutoFireLimit)
            {
                _clock.Fire(dueTime, _callback, _state);
            }
            return true;
        }

        public void Dispose() => _disposed = true;

        public System.Threading.Tasks.ValueTask DisposeAsync()
        {
            _disposed = true;
            return default;
        }
    }
}

/// <summary>A provider's endpoints in memory: answers by path (a queue per path, its last answer repeated), records every request.</summary>
internal sealed class FakeProviderServer
{
    private readonly Dictionary<string, Queue<Func<HttpResponseMessage>>> _answers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<HttpResponseMessage>> _last = new(StringComparer.Ordinal);

    public FakeProviderServer()
    {
        Handler = new FakeTokenEndpoint((request, body) => Answer(request));
    }

    public FakeTokenEndpoint Handler { get; }

    public List<(HttpRequestMessage Request, string Body)> Requests => Handler.Requests;

    /// <summary>Queues answers for a path (a suffix of the request path, e.g. <c>:loadCodeAssist</c>).</summary>
    public FakeProviderServer On(string path, params (HttpStatusCode Status, string Json)[] answers)
    {
        if (!_answers.TryGetValue(path, out var queue))
        {
            _answers[path] = queue = new Queue<Func<HttpResponseMessage>>();
        }
        foreach (var (status, json) in answers)
        {
            queue.Enqueue(() => FakeTokenEndpoint.Json(status, json));
        }
        return this;
    }

    public IEnumerable<(HttpRequestMessage Request, string Body)> To(string pathSuffix) =>
        Requests.Where(r => r.Request.RequestUri!.AbsolutePath.EndsWith(pathSuffix, StringComparison.Ordinal));

    private HttpResponseMessage Answer(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        var key = _answers.Keys.Where(k => path.EndsWith(k, StringComparison.Ordinal)).OrderByDescending(k => k.Length).FirstOrDefault();
        if (key is null)
        {
            return FakeTokenEndpoint.Json(HttpStatusCode.NotFound, "{\"error\":\"not_found\"}");
        }
        var queue = _answers[key];
        if (queue.Count > 0)
        {
            _last[key] = queue.Dequeue();
        }
        return _last.TryGetValue(key, out var answer) ? answer() : FakeTokenEndpoint.Json(HttpStatusCode.NotFound, "{}");
    }

    public static Dictionary<string, string> Form(string body) => RedirectPaste.ParseQuery(body);

    public static JsonObject JsonBody(string body) => JsonNode.Parse(body)!.AsObject();
}

internal static class AuthCodeTest
{
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static LoginContext Context(OAuthProvider provider, FakeProviderServer server, TimeProvider clock, MoltbotEnvironment? env = null,
        LoginSettings? settings = null, RecordingUi? ui = null) =>
        new(provider, settings ?? new LoginSettings(), ui ?? new RecordingUi(), new TokenEndpointClient(new HttpMessageInvoker(server.Handler), clock), env ?? OAuthTest.Env());

    public static TokenEndpointClient Client(FakeProviderServer server, TimeProvider clock) => new(new HttpMessageInvoker(server.Handler), clock);

    public static LoginSettings WithParameters(params (string Name, string Value)[] parameters) => new()
    {
        Parameters = parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase),
    };

    public static StoredCredentialView Stored(string provider, JsonObject fields)
    {
        var node = new JsonObject { ["type"] = "oauth", ["provider"] = provider, ["access"] = "old-access-token", ["refresh"] = "old-refresh-token", ["expires"] = 1000 };
        foreach (var (name, value) in fields)
        {
            node[name] = value?.DeepClone();
        }
        return new StoredCredentialView(new StoredProfile(provider + ":default", node));
    }

    public static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static string? Str(JsonObject node, string name) => node[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
