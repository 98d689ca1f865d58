using System;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.Config;

namespace Moltbot.Core.Gateway;

/// <summary>
/// The <c>gateway</c> section of <c>openclaw.json</c> as far as the notifier needs it: <c>port</c>, <c>mode</c>,
/// <c>bind</c>, <c>auth.mode</c>, <c>auth.token</c>/<c>auth.password</c> and <c>tls.enabled</c>. Secrets are internal
/// and never part of <see cref="ToString"/>.
/// </summary>
public sealed class GatewaySettings
{
    private GatewaySettings(int? port, string? mode, string? bind, string? authMode, string? token, string? password, bool secretIsReference, bool tls)
    {
        Port = port;
        Mode = mode;
        Bind = bind;
        AuthMode = authMode;
        Token = token;
        Password = password;
        SecretIsReference = secretIsReference;
        TlsEnabled = tls;
    }

    /// <summary><c>gateway.port</c> (a number or a numeric string, 1 - 65535), or null when absent or invalid.</summary>
    public int? Port { get; }

    /// <summary><c>gateway.mode</c>: <c>local</c>, <c>remote</c>, or null.</summary>
    public string? Mode { get; }

    /// <summary><c>gateway.bind</c>: <c>loopback</c> (OpenClaw's default), <c>lan</c>, <c>tailnet</c>, <c>auto</c>, <c>custom</c>, or null.</summary>
    public string? Bind { get; }

    /// <summary><c>gateway.auth.mode</c>: <c>token</c>, <c>password</c>, <c>none</c>, <c>trusted-proxy</c>, or null.</summary>
    public string? AuthMode { get; }

    /// <summary>Whether <c>gateway.auth.token</c> or <c>gateway.auth.password</c> is a plain string.</summary>
    public bool HasSecret => Token is not null || Password is not null;

    /// <summary>Whether the token or password is a secret reference object (only OpenClaw resolves it).</summary>
    public bool SecretIsReference { get; }

    /// <summary><c>gateway.tls.enabled</c>.</summary>
    public bool TlsEnabled { get; }

    public bool IsRemoteMode => string.Equals(Mode, "remote", StringComparison.OrdinalIgnoreCase);

    /// <summary>The plain <c>gateway.auth.token</c>. A secret: never into messages.</summary>
    internal string? Token { get; }

    /// <summary>The plain <c>gateway.auth.password</c>. A secret: never into messages.</summary>
    internal string? Password { get; }

    public static GatewaySettings Empty { get; } = new(null, null, null, null, null, null, false, false);

    public static GatewaySettings From(OpenClawConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Root["gateway"] is not JsonObject gateway)
        {
            return Empty;
        }
        var auth = gateway["auth"] as JsonObject;
        var tls = gateway["tls"] as JsonObject;
        var tokenNode = auth?["token"];
        var passwordNode = auth?["password"];
        return new GatewaySettings(
            ParsePort(gateway["port"]),
            Trimmed(gateway["mode"]),
            Trimmed(gateway["bind"]),
            Trimmed(auth?["mode"]),
            Trimmed(tokenNode),
            Trimmed(passwordNode),
            tokenNode is JsonObject || passwordNode is JsonObject,
            tls?["enabled"] is JsonValue enabled && enabled.GetValueKind() == JsonValueKind.True);
    }

    public override string ToString() =>
        $"port={Port?.ToString(CultureInfo.InvariantCulture) ?? "(default)"} mode={Mode ?? "(unset)"} bind={Bind ?? "(unset)"} auth={AuthMode ?? "(unset)"}"
        + (HasSecret ? " secret=(set)" : SecretIsReference ? " secret=(reference)" : string.Empty)
        + (TlsEnabled ? " tls" : string.Empty);

    internal static int? ParsePort(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }
        string text;
        switch (value.GetValueKind())
        {
            case JsonValueKind.Number:
                text = value.ToJsonString();
                break;
            case JsonValueKind.String:
                text = value.GetValue<string>().Trim();
                break;
            default:
                return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number != Math.Floor(number) || number is < 1 or > 65535)
        {
            return null;
        }
        var port = (int)number;
        return port is >= 1 and <= 65535 ? port : null;
    }

    private static string? Trimmed(JsonNode? node)
    {
        var text = OpenClawConfig.Str(node)?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }
}
