using System;
using System.Management.Automation;
using Moltbot.Core;

namespace Moltbot.Errors;

/// <summary>Turns core failures into ErrorRecords: a specific category and a stable error id.</summary>
internal static class MoltbotErrors
{
    public static ErrorCategory CategoryOf(MoltbotErrorKind kind) => kind switch
    {
        MoltbotErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        MoltbotErrorKind.InvalidData => ErrorCategory.InvalidData,
        MoltbotErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        MoltbotErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        MoltbotErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        MoltbotErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
        MoltbotErrorKind.SecurityError => ErrorCategory.SecurityError,
        MoltbotErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        MoltbotErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        MoltbotErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        MoltbotErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        MoltbotErrorKind.WriteError => ErrorCategory.WriteError,
        _ => ErrorCategory.NotSpecified,
    };

    public static ErrorRecord From(MoltbotException ex, object? target = null)
    {
        var record = new ErrorRecord(ex, ex.ErrorId, CategoryOf(ex.Kind), target ?? ex.Target);
        if (ex.RecommendedAction is { } action)
        {
            record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = action };
        }
        return ForDisplay(record);
    }

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, Exception? inner = null) =>
        ForDisplay(new(new MoltbotException(errorId, MoltbotErrorKind.InvalidArgument, message, target?.ToString(), inner), errorId, category, target));

    /// <summary>
    /// Makes what PowerShell shows of an error record safe for a terminal (<see cref="DisplayText"/>): the message
    /// (as ErrorDetails when the exception's own message holds a control character), the recommended action and the
    /// CategoryInfo target name (shown by the NormalView as <c>(target:String)</c>). TargetObject keeps the true
    /// value. Every error the cmdlets write or throw goes through here (MoltbotCmdlet.WriteError and
    /// ThrowTerminatingError).
    /// </summary>
    public static ErrorRecord ForDisplay(ErrorRecord record)
    {
        var details = record.ErrorDetails;
        var message = details?.Message is { Length: > 0 } m ? m : record.Exception?.Message;
        var action = details?.RecommendedAction;
        if (DisplayText.ContainsUnsafe(message) || DisplayText.ContainsUnsafe(action))
        {
            var safe = new ErrorDetails(DisplayText.EscapeMessage(message));
            if (action is not null)
            {
                safe.RecommendedAction = DisplayText.EscapeMessage(action);
            }
            record.ErrorDetails = safe;
        }
        if (DisplayText.ContainsUnsafe(record.CategoryInfo.TargetName))
        {
            record.CategoryInfo.TargetName = DisplayText.Escape(record.CategoryInfo.TargetName);
        }
        if (DisplayText.ContainsUnsafe(record.CategoryInfo.Activity))
        {
            record.CategoryInfo.Activity = DisplayText.Escape(record.CategoryInfo.Activity);
        }
        return record;
    }
}
