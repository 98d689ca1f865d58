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
        return record;
    }

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, Exception? inner = null) =>
        new(new MoltbotException(errorId, MoltbotErrorKind.InvalidArgument, message, target?.ToString(), inner), errorId, category, target);
}
