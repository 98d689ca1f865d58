namespace Moltbot.Core.Tests;

/// <summary>Store documents shared by the store tests. All secrets are fake.</summary>
public static class Samples
{
    public const string SetupToken = "sk-ant-oat01-SECRETAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    /// <summary>
    /// An era-A store as Node writes it (JSON.stringify(data, null, 2) + "\n"), with keys and fields this module does not
    /// know: a top-level key before "profiles" and one at the end, unknown profile fields, and usage stats.
    /// </summary>
    public const string NodeStore =
        "{\n" +
        "  \"version\": 1,\n" +
        "  \"futureTopLevel\": {\n" +
        "    \"nested\": [\n" +
        "      1,\n" +
        "      \"two\"\n" +
        "    ]\n" +
        "  },\n" +
        "  \"profiles\": {\n" +
        "    \"anthropic:default\": {\n" +
        "      \"type\": \"token\",\n" +
        "      \"provider\": \"anthropic\",\n" +
        "      \"token\": \"" + SetupToken + "\",\n" +
        "      \"displayName\": \"Work Claude\",\n" +
        "      \"copyToAgents\": false\n" +
        "    },\n" +
        "    \"openai-codex:default\": {\n" +
        "      \"type\": \"oauth\",\n" +
        "      \"provider\": \"openai-codex\",\n" +
        "      \"access\": \"eyJSECRETaccess\",\n" +
        "      \"refresh\": \"rt_SECRETrefresh\",\n" +
        "      \"expires\": 1767225600000,\n" +
        "      \"accountId\": \"7a1c9e0b-1111-2222-3333-444455556666\",\n" +
        "      \"zzUnknown\": {\n" +
        "        \"keep\": true,\n" +
        "        \"list\": []\n" +
        "      }\n" +
        "    },\n" +
        "    \"anthropic:work\": {\n" +
        "      \"type\": \"api_key\",\n" +
        "      \"provider\": \"anthropic\",\n" +
        "      \"key\": \"sk-ant-api03-SECRETkey\",\n" +
        "      \"email\": \"me@example.com\"\n" +
        "    }\n" +
        "  },\n" +
        "  \"order\": {\n" +
        "    \"anthropic\": [\n" +
        "      \"anthropic:default\",\n" +
        "      \"anthropic:work\"\n" +
        "    ]\n" +
        "  },\n" +
        "  \"lastGood\": {\n" +
        "    \"anthropic\": \"anthropic:work\",\n" +
        "    \"openai-codex\": \"openai-codex:default\"\n" +
        "  },\n" +
        "  \"usageStats\": {\n" +
        "    \"anthropic:work\": {\n" +
        "      \"lastUsed\": 1767100000000,\n" +
        "      \"errorCount\": 1,\n" +
        "      \"failureCounts\": {\n" +
        "        \"rate_limit\": 1\n" +
        "      },\n" +
        "      \"lastFailureAt\": 1767100500000,\n" +
        "      \"cooldownUntil\": 1767100560000,\n" +
        "      \"disabledReason\": \"billing\"\n" +
        "    },\n" +
        "    \"openai-codex:default\": {\n" +
        "      \"lastUsed\": 1767000000000\n" +
        "    }\n" +
        "  },\n" +
        "  \"trailingUnknown\": \"x\"\n" +
        "}\n";

    /// <summary>The text of one more profile, as it appears appended at the end of <c>profiles</c> in <see cref="NodeStore"/>.</summary>
    public const string OpenRouterEntry =
        ",\n" +
        "    \"openrouter:manual\": {\n" +
        "      \"type\": \"token\",\n" +
        "      \"provider\": \"openrouter\",\n" +
        "      \"token\": \"sk-or-v1-new\"\n" +
        "    }\n";

    /// <summary>Where <see cref="OpenRouterEntry"/> goes: right after the last profile of <see cref="NodeStore"/>.</summary>
    public const string AfterLastProfile = "      \"email\": \"me@example.com\"\n    }\n";

    public static string NodeStoreWithOpenRouter() =>
        NodeStore.Replace(AfterLastProfile, AfterLastProfile.TrimEnd('\n') + OpenRouterEntry, System.StringComparison.Ordinal);
}
