BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Test-ReadyToRunImage([string] $Path) {
        $stream = [IO.File]::OpenRead($Path)
        try {
            $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $reader.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0
        }
        finally { $stream.Dispose() }
    }
}

# build.ps1 precompiles Moltbot.dll and Moltbot.Core.dll with crossgen2 of the SDK's .NET runtime (see Invoke-ReadyToRun).
# These tests check that the runtime really uses that code, not only that it is there: the .NET 10 runtime silently
# ignores ReadyToRun code from the .NET 8 crossgen2, which is what 'dotnet publish -p:PublishReadyToRun=true' would use.
Describe 'The staged assemblies' -Tag 'ReadyToRun' {
    It 'carry ReadyToRun code next to their IL' {
        Test-ReadyToRunImage (Join-Path $script:ModulePath 'Moltbot.dll') | Should -BeTrue
        Test-ReadyToRunImage (Join-Path $script:ModulePath 'dependencies/Moltbot.Core.dll') | Should -BeTrue
    }

    It 'still target net8.0 (PowerShell 7.4), whatever runtime precompiled them' {
        $stream = [IO.File]::OpenRead((Join-Path $script:ModulePath 'dependencies/Moltbot.Core.dll'))
        try {
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([System.Reflection.PortableExecutable.PEReader]::new($stream))
            $frameworks = foreach ($handle in $reader.CustomAttributes) {
                $attribute = $reader.GetCustomAttribute($handle)
                $ctor = $reader.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle] $attribute.Constructor)
                $type = $reader.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle] $ctor.Parent)
                if ($reader.GetString($type.Name) -eq 'TargetFrameworkAttribute') {
                    [Text.Encoding]::UTF8.GetString($reader.GetBlobBytes($attribute.Value))
                }
            }
        }
        finally { $stream.Dispose() }
        $frameworks | Should -Match '\.NETCoreApp,Version=v8\.0'
    }

    It 'run without jitting any Moltbot method for Import-Module and a listing' {
        if ([Environment]::Version.Major -ne 10) { Set-ItResult -Skipped -Because "the module is precompiled for .NET 10; this pwsh runs on .NET $([Environment]::Version)" }
        $state = New-TestStateDir
        $listener = @'
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
public sealed class MoltbotJitListener : EventListener
{
    public static readonly ConcurrentQueue<string> Methods = new();
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
    }
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not null && e.EventName.StartsWith("MethodJittingStarted") && e.Payload is { Count: > 5 })
            Methods.Enqueue(e.Payload[4] + "::" + e.Payload[5]);
    }
}
'@
        $script = {
            param($ModulePath, $Source)
            Add-Type -TypeDefinition $Source
            $null = [MoltbotJitListener]::new()
            [MoltbotJitListener]::Methods.Clear()
            Import-Module $ModulePath
            Set-MoltbotApiKey -Provider openai -ApiKey (ConvertTo-SecureString ('sk-r2r-' + 'x' * 40) -AsPlainText -Force)
            $null = Get-MoltbotAuthProfile
            $all = [MoltbotJitListener]::Methods.ToArray()
            "total $($all.Count)"
            $all | Where-Object { $_ -like 'Moltbot.*' }
        }
        $output = & $script:Pwsh -NoProfile -NonInteractive -Command $script -args $script:ModulePath, $listener
        $LASTEXITCODE | Should -Be 0
        $total = [int] (($output | Where-Object { $_ -like 'total *' }) -replace 'total ')
        $total | Should -BeGreaterThan 0 -Because 'the listener must see the JIT at work, or an empty list proves nothing'
        $jitted = @($output | Where-Object { $_ -like 'Moltbot.*' })
        $jitted | Should -BeNullOrEmpty -Because "precompiled code should cover the module's own methods (state dir $state)"
    }
}
