using System;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moltbot.Core.OAuth;

/// <summary>
/// Reads claims from the payload of a JWT without verifying its signature: the token came straight from the token
/// endpoint over TLS, and the claims only name the account (as OpenClaw does).
/// </summary>
public static class JwtClaims
{
    public const string AuthClaim = "https://api.openai.com/auth";
    public const string ProfileClaim = "https://api.openai.com/profile";

    /// <summary>The decoded payload (middle segment), or null when the text is not a JWT with a JSON object payload.</summary>
    public static JsonObject? TryDecodePayload(string? jwt)
    {
        if (string.IsNullOrEmpty(jwt))
        {
            return null;
        }
        var parts = jwt.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            return null;
        }
        var bytes = Base64Url.TryDecode(parts[1]);
        if (bytes is null)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(Encoding.UTF8.GetString(bytes)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>"https://api.openai.com/auth".chatgpt_account_id</c>, or null.</summary>
    public static string? GetChatGptAccountId(string? accessToken) => NestedString(accessToken, AuthClaim, "chatgpt_account_id");

    /// <summary><c>"https://api.openai.com/profile".email</c>, or null.</summary>
    public static string? GetEmail(string? accessToken) => NestedString(accessToken, ProfileClaim, "email");

    /// <summary><c>"https://api.openai.com/auth".chatgpt_plan_type</c>, or null.</summary>
    public static string? GetPlanType(string? accessToken) => NestedString(accessToken, AuthClaim, "chatgpt_plan_type");

    private static string? NestedString(string? jwt, string claim, string field)
    {
        var payload = TryDecodePayload(jwt);
        if (payload?[claim] is not JsonObject obj)
        {
            return null;
        }
        if (obj[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>().Trim();
            return text.Length == 0 ? null : text;
        }
        return null;
    }
}
