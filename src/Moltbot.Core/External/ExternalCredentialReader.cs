using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moltbot.Core.IO;
using Moltbot.Core.Json;
using Moltbot.Core.State;

namespace Moltbot.Core.External;

/// <summary>
/// Reads what each external CLI holds: its macOS Keychain entry first where the platform has one (as OpenClaw and the
/// CLIs do), else its file. Never writes, never follows a FIFO or device, refuses files over 16 MiB.
/// </summary>
public sealed class ExternalCredentialReader
{
    private readonly IKeychain? _keychain;

    /// <param name="keychain">The Keychain to ask (default: macOS's through <c>security</c>, none elsewhere).</param>
    public ExternalCredentialReader(MoltbotEnvironment? environment = null, IKeychain? keychain = null, bool useDefaultKeychain = true)
    {
        Environment = environment ?? MoltbotEnvironment.Process;
        _keychain = keychain ?? (useDefaultKeychain ? SecurityCommandKeychain.ForPlatform() : null);
    }

    public MoltbotEnvironment Environment { get; }

    /// <summary>Every CLI of <see cref="ExternalCliRegistry.All"/>, found or not.</summary>
    public IReadOnlyList<ExternalReading> ReadAll()
    {
        var list = new List<ExternalReading>();
        foreach (var cli in ExternalCliRegistry.All)
        {
            list.Add(Read(cli));
        }
        return list;
    }

    /// <summary>What <paramref name="cli"/> holds; a reading with <see cref="ExternalReading.Error"/> rather than an exception.</summary>
    public ExternalReading Read(ExternalCli cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        if (_keychain is not null && cli.Keychain(Environment) is { } entry)
        {
            var location = "keychain:" + entry;
            string? text;
            try
            {
                text = _keychain.Find(entry);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                text = null;
            }
            if (text is not null)
            {
                try
                {
                    return new ExternalReading(cli, location, cli.Complete(cli.Parse(ParseObject(cli, text, location), ExternalSource.Keychain, location, null), Environment), null);
                }
                catch (MoltbotException ex)
                {
                    return new ExternalReading(cli, location, null, ex);
                }
            }
        }
        return ReadFile(cli, cli.CredentialPath(Environment), Environment);
    }

    /// <summary>
    /// What the CLI's file at <paramref name="path"/> holds (nothing when there is no file), as <see cref="Read"/> reads
    /// it; the writer reads the file again with this under the CLI's lock.
    /// </summary>
    internal static ExternalReading ReadFile(ExternalCli cli, string path, MoltbotEnvironment environment)
    {
        try
        {
            var bytes = SecureFile.ReadAllBytesOrNull(path);
            if (bytes is null)
            {
                return new ExternalReading(cli, path, null, null);
            }
            DateTimeOffset? modified = null;
            try
            {
                modified = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
            var document = ParseObject(cli, JsonFile.DecodeUtf8(bytes), path);
            return new ExternalReading(cli, path, cli.Complete(cli.Parse(document, ExternalSource.File, path, modified), environment), null);
        }
        catch (MoltbotException ex)
        {
            return new ExternalReading(cli, path, null, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new ExternalReading(cli, path, null, new MoltbotException(ExternalErrorIds.CredentialUnreadable, MoltbotErrorKind.PermissionDenied,
                $"The {cli.DisplayName} credential {path} cannot be read: permission denied.", path, ex));
        }
        catch (IOException ex)
        {
            return new ExternalReading(cli, path, null, new MoltbotException(ExternalErrorIds.CredentialUnreadable, MoltbotErrorKind.InvalidData,
                $"The {cli.DisplayName} credential {path} cannot be read: {ex.Message}", path, ex));
        }
    }

    private static JsonObject ParseObject(ExternalCli cli, string text, string location)
    {
        try
        {
            if (JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }) is JsonObject obj)
            {
                return obj;
            }
        }
        catch (JsonException)
        {
            // The parser's message can quote the text around the error, which may be a token: it is not passed on.
        }
        throw new MoltbotException(ExternalErrorIds.CredentialInvalid, MoltbotErrorKind.InvalidData,
            $"The {cli.DisplayName} credential in {location} is not a JSON object. It was not used and was left untouched.", location)
        {
            RecommendedAction = $"Sign the CLI in again ({cli.SignInCommand}), or leave it out of the command.",
        };
    }
}
