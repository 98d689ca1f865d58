using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Moltbot.Core.External;
using Moltbot.Core.Store;
using Xunit;
using Xunit.Abstractions;

namespace Moltbot.Core.Tests.External;

/// <summary>What every reader does with a file that is missing, broken, a folder or huge; and the registry.</summary>
public sealed class ExternalCredentialReaderTests : IDisposable
{
    private const string Secret = "SECRET-in-a-broken-file-0001";
    private readonly ExternalHome _h = new();
    private readonly ITestOutputHelper _out;

    public ExternalCredentialReaderTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _h.Dispose();

    public static IEnumerable<object[]> Clis() => ExternalCliRegistry.All.Select(c => new object[] { c.Id });

    private string PathOf(ExternalCli cli)
    {
        var path = cli.CredentialPath(_h.Env());
        Assert.StartsWith(_h.Home + Path.DirectorySeparatorChar, path, StringComparison.Ordinal); // never the real ~
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    [Theory]
    [MemberData(nameof(Clis))]
    public void A_missing_file_is_not_found_and_no_error(string id)
    {
        var cli = ExternalCliRegistry.Find(id)!;
        var reading = _h.Reader().Read(cli);
        Assert.False(reading.Found);
        Assert.Null(reading.Error);
        Assert.Null(reading.Credential);
        Assert.Equal(cli.CredentialPath(_h.Env()), reading.Location);
    }

    [Theory]
    [MemberData(nameof(Clis))]
    public void Malformed_json_is_invalid_naming_the_path_and_not_the_text(string id)
    {
        var cli = ExternalCliRegistry.Find(id)!;
        var path = PathOf(cli);
        File.WriteAllText(path, "{\"access_token\": \"" + Secret + "\", \"refresh_token\": \"" + Secret + "\"");
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(cli), ExternalErrorIds.CredentialInvalid, path, Secret);
        _out.WriteLine($"{id}: {ex.ErrorId}: {ex.Message}");
        Assert.Equal(MoltbotErrorKind.InvalidData, ex.Kind);
        Assert.Contains(cli.SignInCommand, ex.RecommendedAction, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Clis))]
    public void A_document_of_the_wrong_shape_is_invalid_without_its_secret(string id)
    {
        var cli = ExternalCliRegistry.Find(id)!;
        var path = PathOf(cli);
        foreach (var text in new[] { "[\"" + Secret + "\"]", "\"" + Secret + "\"", "{\"unrelated\": \"" + Secret + "\"}" })
        {
            File.WriteAllText(path, text);
            ExternalTest.ErrorOf(_h.Reader().Read(cli), ExternalErrorIds.CredentialInvalid, path, Secret);
        }
    }

    [Theory]
    [MemberData(nameof(Clis))]
    public void A_folder_in_place_of_the_file_is_a_typed_error_naming_it(string id)
    {
        var cli = ExternalCliRegistry.Find(id)!;
        var path = PathOf(cli);
        Directory.CreateDirectory(path);
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(cli), ErrorIds.NotRegularFile, path);
        _out.WriteLine($"{id}: {ex.ErrorId}: {ex.Message}");
        Assert.Equal(MoltbotErrorKind.InvalidData, ex.Kind);
    }

    [Theory]
    [MemberData(nameof(Clis))]
    public void A_file_over_16_mib_is_refused_before_it_is_read(string id)
    {
        var cli = ExternalCliRegistry.Find(id)!;
        var path = PathOf(cli);
        using (var stream = File.Create(path))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes("{\"access_token\": \"" + Secret + "\"}"));
            stream.SetLength(16L * 1024 * 1024 + 1); // sparse: nothing of the rest is written
        }
        var ex = ExternalTest.ErrorOf(_h.Reader().Read(cli), ErrorIds.FileTooLarge, path, Secret);
        _out.WriteLine($"{id}: {new FileInfo(path).Length} bytes -> {ex.ErrorId}");
    }

    [Fact]
    public void ReadAll_lists_every_cli_found_or_not()
    {
        _h.Write(".qwen/oauth_creds.json", "{\"access_token\":\"a-SECRET\",\"refresh_token\":\"r-SECRET\",\"token_type\":\"Bearer\",\"expiry_date\":1796212800000}");
        _h.Write(".gemini/oauth_creds.json", "not json");
        var all = _h.Reader().ReadAll();
        _out.WriteLine(string.Join(", ", all.Select(r => $"{r.Cli.Id}={(r.Found ? "found" : r.Error?.ErrorId ?? "none")}")));
        Assert.Equal(ExternalCliRegistry.All.Select(c => c.Id), all.Select(r => r.Cli.Id));
        Assert.Equal(new[] { "qwen-code" }, all.Where(r => r.Found).Select(r => r.Cli.Id));
        Assert.Equal(new[] { "gemini-cli" }, all.Where(r => r.Error is not null).Select(r => r.Cli.Id));
    }

    [Theory]
    [InlineData("claude-code", "claude-code")]
    [InlineData("Claude", "claude-code")]
    [InlineData(" claude-cli ", "claude-code")]
    [InlineData("codex", "codex")]
    [InlineData("CODEX-CLI", "codex")]
    [InlineData("openai-codex", "codex")]
    [InlineData("qwen-code", "qwen-code")]
    [InlineData("qwen", "qwen-code")]
    [InlineData("minimax", "minimax")]
    [InlineData("minimax-cli", "minimax")]
    [InlineData("gemini-cli", "gemini-cli")]
    [InlineData("Gemini", "gemini-cli")]
    public void Find_knows_every_id_and_alias(string name, string expected)
    {
        Assert.Equal(expected, ExternalCliRegistry.Find(name)?.Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("copilot")]
    [InlineData("claude-code-x")]
    public void Find_returns_null_for_anything_else(string? name)
    {
        Assert.Null(ExternalCliRegistry.Find(name));
    }

    [Fact]
    public void Ids_and_aliases_are_unique_across_the_registry()
    {
        var names = ExternalCliRegistry.All.SelectMany(c => c.Aliases.Prepend(c.Id)).Select(n => n.ToLowerInvariant()).ToList();
        _out.WriteLine($"{ExternalCliRegistry.All.Count} CLIs, {names.Count} names");
        Assert.Equal(5, ExternalCliRegistry.All.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        var mirrors = ExternalCliRegistry.All.Select(c => c.MirrorProfileId(StoreKind.JsonFile)).ToList();
        Assert.Equal(mirrors.Count, mirrors.Distinct().Count());
    }

    [Theory]
    [InlineData("anthropic:claude-cli", "claude-code")]
    [InlineData("openai-codex:codex-cli", "codex")]
    [InlineData("openai:codex-cli", "codex")]
    [InlineData("qwen-portal:qwen-cli", "qwen-code")]
    [InlineData("Qwen-Portal:Qwen-Cli", "qwen-code")]
    [InlineData("minimax-portal:minimax-cli", "minimax")]
    [InlineData("google-gemini-cli:gemini-cli", "gemini-cli")]
    [InlineData("anthropic:default", null)]
    [InlineData("qwen-portal:default", null)]
    [InlineData(null, null)]
    public void ForMirrorProfile_finds_the_cli_of_either_eras_mirror_id(string? profileId, string? expected)
    {
        Assert.Equal(expected, ExternalCliRegistry.ForMirrorProfile(profileId)?.Id);
    }

    [Theory]
    [InlineData("anthropic", "claude-code")]
    [InlineData("openai-codex", "codex")]
    [InlineData("openai", "codex")]
    [InlineData("qwen-portal", "qwen-code")]
    [InlineData("minimax-portal", "minimax")]
    [InlineData("google-gemini-cli", "gemini-cli")]
    [InlineData("github-copilot", "")]
    public void ForProvider_finds_the_clis_of_a_stored_provider(string provider, string expected)
    {
        Assert.Equal(expected, string.Join(",", ExternalCliRegistry.ForProvider(provider).Select(c => c.Id)));
    }

    [Fact]
    public void Rotation_follows_the_provider_definitions()
    {
        var rotates = ExternalCliRegistry.All.ToDictionary(c => c.Id, c => c.Rotates);
        _out.WriteLine(string.Join(", ", rotates.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.All(ExternalCliRegistry.All, c => Assert.NotNull(c.OAuthProvider));
        Assert.All(ExternalCliRegistry.All, c => Assert.Equal(c.OAuthProvider!.RotatesRefreshToken, c.Rotates));
        Assert.False(rotates["gemini-cli"]);
        Assert.True(rotates["codex"]);
    }
}
