using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.PowerShell.Tests;

/// <summary>
/// Issue 12, finding 2, in-process: Update-MoltbotAuthProfile is stopped with PowerShell.Stop() while a loopback token
/// endpoint holds the answer of a refresh it has already rotated. The cmdlet must wait for the answer, store it, report
/// the stop, and the next refresh must present the new refresh token (the endpoint revokes the grant on reuse).
/// </summary>
[Collection("powershell")]
public sealed class RefreshStopTests : IDisposable
{
    private const string Profile = "openai-codex:default";
    private const string OldRefresh = "rt_OLD_SECRET_REFRESH_stop_0001";
    private readonly MoltbotHost _host = new();
    private readonly ITestOutputHelper _out;

    public RefreshStopTests(ITestOutputHelper output) => _out = output;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("MOLTBOT_OPENAI_CODEX_AUTHORITY", null);
        _host.Dispose();
    }

    [Fact]
    public void A_stop_while_the_rotated_answer_is_on_its_way_stores_it_then_reports_the_stop()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MainStore)!);
        File.WriteAllText(_host.MainStore,
            "{\"version\":1,\"profiles\":{\"" + Profile + "\":{\"type\":\"oauth\",\"provider\":\"openai-codex\",\"access\":\"OLDACCESS_SECRET_value\",\"refresh\":\"" + OldRefresh +
            "\",\"expires\":" + (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000) + ",\"accountId\":\"acct-old\"}}}");
        using var endpoint = new HoldingTokenEndpoint(OldRefresh) { HoldNext = true };
        Environment.SetEnvironmentVariable("MOLTBOT_OPENAI_CODEX_AUTHORITY", endpoint.Url);

        var (reported, stopToReturn, state) = _host.RunAndStop($"Update-MoltbotAuthProfile -ProfileId '{Profile}'", () =>
        {
            Assert.True(endpoint.Rotated.Wait(TimeSpan.FromSeconds(60)), "the refresh request reached the endpoint");
            // The answer goes out a moment after the stop, as over a slow network.
            Task.Run(async () =>
            {
                await Task.Delay(1500);
                endpoint.Release.Set();
            });
        });

        Assert.Equal(PSInvocationState.Stopped, state);
        Assert.IsType<PipelineStoppedException>(reported);
        var stored = (string)JsonNode.Parse(File.ReadAllText(_host.MainStore))!["profiles"]![Profile]!["refresh"]!;
        Assert.True(endpoint.Valid == stored, "the store holds the refresh token the endpoint issued (not the old one it rotated)");

        var next = _host.Run($"Update-MoltbotAuthProfile -ProfileId '{Profile}'");
        next.ShouldSucceed();
        Assert.False(endpoint.Revoked);
        Assert.True(endpoint.Presented.SequenceEqual(new[] { OldRefresh, stored }), "the next refresh presented the rotated token");
        var twice = endpoint.Presented.GroupBy(t => t).Count(g => g.Count() > 1);
        Assert.Equal(0, twice);
        _out.WriteLine($"PowerShell.Stop() during Update-MoltbotAuthProfile: stop to return {stopToReturn.TotalMilliseconds:0} ms (answer released 1500 ms after the stop); refresh requests {endpoint.Presented.Count}; tokens presented twice {twice}");
    }

    /// <summary>A loopback token endpoint with rotation and reuse detection that can hold one answer until released.</summary>
    internal sealed class HoldingTokenEndpoint : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly object _gate = new();
        private int _serial;

        public HoldingTokenEndpoint(string validRefresh)
        {
            Valid = validRefresh;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _ = Task.Run(Loop);
        }

        public string Url { get; }

        public string? Valid { get; private set; }

        public bool Revoked { get; private set; }

        public bool HoldNext { get; set; }

        public List<string> Presented { get; } = new();

        public ManualResetEventSlim Rotated { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        private async Task Loop()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                _ = Task.Run(() => Handle(context));
            }
        }

        private void Handle(HttpListenerContext context)
        {
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = reader.ReadToEnd();
            }
            var form = body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p.Length > 1 ? p[1] : string.Empty));
            int status;
            string answer;
            bool hold;
            lock (_gate)
            {
                var presented = form.GetValueOrDefault("refresh_token") ?? string.Empty;
                Presented.Add(presented);
                hold = HoldNext;
                HoldNext = false;
                if (Revoked || presented != Valid)
                {
                    Revoked = true;
                    Valid = null;
                    (status, answer) = (400, "{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}");
                }
                else
                {
                    _serial++;
                    Valid = $"rt_NEW_{_serial}_{Guid.NewGuid():N}";
                    (status, answer) = (200, $"{{\"access_token\":\"{AccessToken(_serial)}\",\"refresh_token\":\"{Valid}\",\"expires_in\":3600,\"token_type\":\"Bearer\"}}");
                }
            }
            if (hold)
            {
                Rotated.Set();
                Release.Wait(TimeSpan.FromSeconds(30));
            }
            try
            {
                var bytes = Encoding.UTF8.GetBytes(answer);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = bytes.Length;
                context.Response.OutputStream.Write(bytes);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // the client hung up: its answer is lost
            }
        }

        private static string AccessToken(int serial)
        {
            static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            return B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." +
                   B64("{\"sub\":\"tester\",\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"acct-new\"},\"https://api.openai.com/profile\":{\"email\":\"new@example.com\"},\"n\":" + serial + "}") +
                   ".SECRETSIG" + serial;
        }

        public void Dispose()
        {
            Release.Set();
            _listener.Close();
        }
    }
}
