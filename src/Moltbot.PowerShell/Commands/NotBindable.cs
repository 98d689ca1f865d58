using System.Management.Automation;

namespace Moltbot.Commands;

/// <summary>
/// What a transformation attribute (<see cref="AgentTransformationAttribute"/>, <see cref="SecureStringTransformationAttribute"/>
/// with <c>Pipeline</c>) makes of a piped object that its parameter must not take. It is not of the parameter's type, and
/// its conversion to a string (or anything else) fails, so the binder leaves the parameter unbound (another parameter may
/// still take the object by property name), or reports the message, which names the object's type only: never its
/// text, which may hold a secret (an Import-Csv row with an ApiKey column).
/// </summary>
public sealed class NotBindable
{
    private readonly string _message;

    internal NotBindable(string message) => _message = message;

    /// <summary>Always fails: the conversion is refused on purpose.</summary>
    public override string ToString() => throw new PSInvalidCastException(_message);
}
