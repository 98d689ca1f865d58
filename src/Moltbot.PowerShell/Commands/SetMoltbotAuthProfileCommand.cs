using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using Moltbot.Completers;
using Moltbot.Core;
using Moltbot.Core.Profiles;
using Moltbot.Models;

namespace Moltbot.Commands;

/// <summary>
/// <para type="synopsis">Changes the email, display name or expiry of a stored profile without entering its secret again.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MoltbotAuthProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "ExpiresIn")]
[OutputType(typeof(MoltbotAuthProfile))]
public sealed class SetMoltbotAuthProfileCommand : MoltbotWriteCmdlet
{
    /// <summary>The profile to change (<c>provider:name</c>, or just the name when -Provider names the provider).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string ProfileId { get; set; } = null!;

    /// <summary>The agent whose store holds it. Default: the configured default agent. Takes agent names and Get-MoltbotAgent objects from the pipeline.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AgentTransformation]
    [ArgumentCompleter(typeof(AgentCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    /// <summary>The new email (an empty string removes it). Also written to auth.profiles in openclaw.json when it records the profile.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Email { get; set; }

    /// <summary>The new display name (an empty string removes it).</summary>
    [Parameter]
    [AllowEmptyString]
    public string? DisplayName { get; set; }

    /// <summary>A token's new lifetime from now (a TimeSpan, or 365d, 12h, 30m). Token profiles only.</summary>
    [Parameter(ParameterSetName = "ExpiresIn")]
    [DurationTransformation]
    public TimeSpan? ExpiresIn { get; set; }

    /// <summary>A token's new expiry as a date. Token profiles only.</summary>
    [Parameter(ParameterSetName = "Expires")]
    public DateTime? Expires { get; set; }

    /// <summary>Remove a token's expiry: it then never expires. Token profiles only.</summary>
    [Parameter(ParameterSetName = "NoExpiry")]
    public SwitchParameter NoExpiry { get; set; }

    /// <summary>Emit the changed profile.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset? expires = null;
        if (ExpiresIn is { } span)
        {
            expires = TokenExpiry.ExpiresAt(span, now, nameof(ExpiresIn));
        }
        else if (Expires is { } date)
        {
            var at = new DateTimeOffset(date.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(date, DateTimeKind.Local) : date);
            expires = TokenExpiry.ExpiresAt(at - now, now, nameof(Expires));
        }
        var details = new ProfileDetails(Email, DisplayName, expires, NoExpiry.IsPresent);
        if (details.IsEmpty)
        {
            throw new MoltbotException(ErrorIds.NothingToSet, MoltbotErrorKind.InvalidArgument,
                $"Nothing to change on profile '{ProfileId}': give -Email, -DisplayName, -ExpiresIn, -Expires or -NoExpiry.", ProfileId);
        }

        var agent = State.RequireAgent(Agent);
        var store = agent.LoadStore();
        // A short id ('team') means the one stored <provider>:team, as Remove-MoltbotAuthProfile reads it.
        var profileId = CredentialService.ResolveShortId(ProfileId, store is null ? Array.Empty<Core.Store.AuthProfileStore>() : new[] { store });
        var profile = store?.Get(profileId) ?? throw CredentialService.UnknownProfile(profileId, $"agent '{agent.Id}'");
        if (details.ChangesExpiry && profile.Type != Core.Store.CredentialType.Token)
        {
            throw CredentialService.ExpiryNotSettable(profile); // before -WhatIf: it would be refused anyway
        }

        var changes = new List<string>();
        if (Email is not null)
        {
            changes.Add(Email.Length == 0 ? "remove the email" : $"email '{Email}'");
        }
        if (DisplayName is not null)
        {
            changes.Add(DisplayName.Length == 0 ? "remove the display name" : $"display name '{DisplayName}'");
        }
        if (NoExpiry)
        {
            changes.Add("no expiry");
        }
        else if (expires is { } x)
        {
            changes.Add($"expires {x.LocalDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}");
        }
        if (!ShouldProcess($"profile '{profileId}' of agent '{agent.Id}' ({agent.Store.Location})", "Set " + string.Join(", ", changes) + " (the secret is kept)"))
        {
            return;
        }
        new CredentialService(State).UpdateDetails(agent, profileId, details, Cancellation);
        WriteVerbose($"Changed profile '{profileId}' of agent '{agent.Id}': {string.Join(", ", changes)}.");
        if (PassThru)
        {
            WriteObject(ReadProfile(agent, profileId));
        }
    }
}
