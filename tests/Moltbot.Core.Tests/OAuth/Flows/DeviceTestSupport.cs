using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.OAuth;

namespace Moltbot.Core.Tests.OAuth.Flows;

/// <summary>A clock that only moves when the flow waits: every wait advances it at once and is recorded.</summary>
internal sealed class StepClock : TimeProvider
{
    public StepClock(DateTimeOffset now) => Now = now;

    public DateTimeOffset Now { get; set; }

    public List<TimeSpan> Waits { get; } = new();

    /// <summary>Runs before a wait advances the clock (a test presses Ctrl+C here).</summary>
    public Action<TimeSpan>? BeforeWait { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;

    public Task Delay(TimeSpan span, CancellationToken cancellationToken)
    {
        BeforeWait?.Invoke(span);
        cancellationToken.ThrowIfCancellationRequested();
        Waits.Add(span);
        Now += span;
        return Task.CompletedTask;
    }
}

/// <summary>One request a <see cref="ScriptedProvider"/> saw.</summary>
internal sealed record SeenRequest(string Method, Uri Url, string Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At)
{
    public Dictionary<string, string> Form => Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2)).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => p.Length > 1 ? WebUtility.UrlDecode(p[1]) : string.Empty);
}

/// <summary>An in-memory provider: per path a queue of answers (the last one repeats), every request recorded with the clock's time.</summary>
internal sealed class ScriptedProvider : HttpMessageHandler
{
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, Queue<Func<SeenRequest, HttpResponseMessage>>> _answers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<SeenRequest, HttpResponseMessage>> _last = new(StringComparer.Ordinal);

    public ScriptedProvider(TimeProvider clock) => _clock = clock;

    public List<SeenRequest> Requests { get; } = new();

    public ScriptedProvider On(string path, params Func<SeenRequest, HttpResponseMessage>[] answers)
    {
        if (!_answers.TryGetValue(path, out var queue))
        {
            _answers[path] = queue = new Queue<Func<SeenRequest, HttpResponseMessage>>();
        }
        foreach (var answer in answers)
        {
            queue.Enqueue(answer);
        }
        return this;
    }

    public ScriptedProvider On(string path, params (int Status, string Json)[] answers) =>
        On(path, answers.Select(a => (Func<SeenRequest, HttpResponseMessage>)(_ => Json(a.Status, a.Json))).ToArray());

    public IReadOnlyList<SeenRequest> To(string path) => Requests.Where(r => r.Url.AbsolutePath == path).ToList();

    /// <summary>The times between the requests to <paramref name="path"/>, and from the request before the first one.</summary>
    public List<double> GapsSeconds(string path)
    {
        var all = Requests;
        var result = new List<double>();
        for (var i = 0; i < all.Count; i++)
        {
            if (all[i].Url.AbsolutePath == path && i > 0)
            {
                result.Add((all[i].At - all[i - 1].At).TotalSeconds);
            }
        }
        return result;
    }

    public static HttpResponseMessage Json(int status, string json) =>
        new((HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var seen = new SeenRequest(request.Method.Method, request.RequestUri!, body, headers, _clock.GetUtcNow());
        Requests.Add(seen);
        var path = request.RequestUri!.AbsolutePath;
        if (_answers.TryGetValue(path, out var queue) && queue.Count > 0)
        {
            _last[path] = queue.Dequeue();
        }
        return _last.TryGetValue(path, out var answer) ? answer(seen) : Json(404, "{\"error\":\"not_found\"}");
    }
}

/// <summary>Records what a device-code login shows.</summary>
internal sealed class DeviceUi : ILoginUi
{
    public List<DeviceCodePrompt> Prompts { get; } = new();

    public List<string> Notices { get; } = new();

    public List<string> Verbose { get; } = new();

    public List<string> Urls { get; } = new();

    public int Ticks { get; private set; }

    public void ShowDeviceCode(DeviceCodePrompt prompt) => Prompts.Add(prompt);

    public void Notice(string message) => Notices.Add(message);

    public void ShowUrl(OAuthProvider provider, string url, bool manual, string? landing) => Urls.Add(url);

    void ILoginUi.Verbose(string message) => Verbose.Add(message);

    public void Warning(string message) => Verbose.Add("WARNING " + message);

    public void Waiting(TimeSpan elapsed, TimeSpan timeout, string what) => Ticks++;

    public void WaitingDone()
    {
    }

    public string? PromptForPaste(string redirectUri) => throw new InvalidOperationException("A device-code login never prompts.");
}
