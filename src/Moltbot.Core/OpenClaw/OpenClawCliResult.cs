using System;

namespace Moltbot.Core.OpenClaw;

/// <summary>How a run of the openclaw CLI ended. The text is the child's output as printed (it never contains the standard input).</summary>
public sealed record OpenClawCliResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;
}
