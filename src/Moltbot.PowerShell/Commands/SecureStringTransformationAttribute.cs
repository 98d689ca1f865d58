using System;
using System.Management.Automation;
using System.Security;

namespace Moltbot.Commands;

/// <summary>
/// Lets a SecureString parameter take a plain string as well (a token a script holds as text, such as the access
/// token a server has just rejected). The string becomes a read-only SecureString at once; it is never echoed, and an
/// error about it never quotes it.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>
    /// For a parameter that also takes pipeline input by value: another object (such as an Import-Csv row, whose column
    /// binds by property name instead) becomes a <see cref="NotBindable"/> rather than an error that stops the pipeline.
    /// </summary>
    public bool Pipeline { get; set; }

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        switch (value)
        {
            case SecureString:
                return value;
            case string text:
                var secure = new SecureString();
                foreach (var ch in text)
                {
                    secure.AppendChar(ch);
                }
                secure.MakeReadOnly();
                return secure;
            default:
                // The value's type only: its text may be a secret.
                if (Pipeline)
                {
                    return new NotBindable($"Expected a SecureString or a String, not a {value?.GetType().Name ?? "null"}.");
                }
                throw new ArgumentTransformationMetadataException(
                    $"Expected a SecureString or a String, not a {value?.GetType().Name ?? "null"}.");
        }
    }
}
