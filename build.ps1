#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and runs the Moltbot module.
.DESCRIPTION
    Build  : compiles the solution and stages an importable module at out/Moltbot/, with its help
             (docs/en-US/*.md -> out/Moltbot/en-US/Moltbot.dll-Help.xml and about_Moltbot.help.txt).
    Docs   : only the help step of Build, on the module already staged at out/Moltbot/.
    Package: Build, then Publish-PSResource of out/Moltbot to the local file repository artifacts/repository/
             (Moltbot.<version>.nupkg), registered for the publish only and in a throw-away PSResourceGet scope.
    Test   : Build, then the xunit suites, the real peers (Node 24, openclaw 2026.1.30) and the Pester suites
             against the built module in a fresh pwsh. Ends with one line 'N passed, N failed'.
    Run    : Build, then shows Get-MoltbotAuthProfile for your state dir (~/.openclaw or OPENCLAW_STATE_DIR).
    Clean  : removes out/ and artifacts/.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Run', 'Docs', 'Package', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tag filter for the Test task (for example -Tag Compat); all tests when empty.
    [string[]] $Tag = @(),

    # Skip the xunit suites in the Test task.
    [switch] $SkipUnit,

    # Stage plain IL assemblies instead of ReadyToRun ones for this machine's runtime identifier.
    [switch] $NoReadyToRun
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out/Moltbot'
$Publish = Join-Path $Root 'artifacts/publish'
$Results = Join-Path $Root 'artifacts/test-results'
$Repository = Join-Path $Root 'artifacts/repository'
# The project's home, in one place: the manifest's ProjectUri, and the base of every cmdlet page's 'online version'
# (Get-Help -Online), which the help step fills in where a page leaves it empty and checks where a page sets it.
$ProjectUri = 'https://github.com/moltbot/moltbot-powershell'
$OnlineHelpBase = "$ProjectUri/blob/main/docs/en-US"
# The runtime identifiers whose native libraries ship in out/Moltbot/dependencies/runtimes (see DependencyLoadContext).
$NativeRuntimes = 'linux-x64', 'linux-arm64', 'osx-arm64', 'osx-x64', 'win-x64'
# The pwsh of this session (the dotnet tool's apphost when started as 'dotnet pwsh'), for child processes.
$Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-ModuleVersion {
    [xml] $props = Get-Content -Raw (Join-Path $Root 'Directory.Build.props')
    $props.Project.PropertyGroup.MoltbotVersion | Where-Object { $_ } | Select-Object -First 1
}

function Invoke-Build {
    Write-Host "==> Build ($Configuration)"
    Invoke-Native dotnet @('build', (Join-Path $Root 'Moltbot.sln'), '-c', $Configuration, '--nologo', '-v', 'q', '-clp:NoSummary')
    if (Test-Path $Publish) { Remove-Item -Recurse -Force $Publish }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/Moltbot.PowerShell/Moltbot.PowerShell.csproj'), '-c', $Configuration,
        '-o', $Publish, '--no-build', '--nologo', '-v', 'q')

    if (Test-Path $Out) { Remove-Item -Recurse -Force $Out }
    $deps = Join-Path $Out 'dependencies'
    New-Item -ItemType Directory -Force $deps | Out-Null

    # The cmdlet assembly at the root; everything it depends on in dependencies/ (loaded in a private context).
    Copy-Item (Join-Path $Publish 'Moltbot.dll'), (Join-Path $Publish 'Moltbot.pdb') $Out
    $dependencyDlls = Get-ChildItem $Publish -Filter *.dll | Where-Object Name -ne 'Moltbot.dll'
    $forbidden = $dependencyDlls | Where-Object Name -like 'System.Management.Automation*'
    if ($forbidden) { throw "The publish output contains PowerShell's own assemblies: $($forbidden.Name -join ', ')" }
    if (-not ($dependencyDlls | Where-Object Name -eq 'Moltbot.Core.dll')) { throw 'Moltbot.Core.dll is missing from the publish output.' }
    foreach ($dll in $dependencyDlls) {
        Copy-Item $dll.FullName $deps
        $pdb = [IO.Path]::ChangeExtension($dll.FullName, '.pdb')
        if (Test-Path $pdb) { Copy-Item $pdb $deps }
    }

    # Native SQLite (SQLitePCLRaw.lib.e_sqlite3) in NuGet's runtimes/<rid>/native layout, for the platforms the module
    # supports only (the publish output has some twenty RIDs); DependencyLoadContext.LoadUnmanagedDll loads it from here.
    foreach ($rid in $NativeRuntimes) {
        $native = Join-Path $Publish "runtimes/$rid/native"
        $files = @(Get-ChildItem $native -File -ErrorAction Ignore)
        if (-not ($files | Where-Object Name -match '^(lib)?e_sqlite3\.(so|dylib|dll)$')) { throw "The publish output has no native e_sqlite3 for $rid ($native)." }
        $target = Join-Path $deps "runtimes/$rid/native"
        New-Item -ItemType Directory -Force $target | Out-Null
        Copy-Item $files.FullName $target
    }
    Write-Host "    native SQLite: $($NativeRuntimes -join ', ')"

    if ($NoReadyToRun) { Write-Host '    ReadyToRun: skipped (-NoReadyToRun), IL only' }
    else { Invoke-ReadyToRun -Assemblies (Join-Path $Out 'Moltbot.dll'), (Join-Path $deps 'Moltbot.Core.dll') -References $deps }

    $version = Get-ModuleVersion
    $manifest = Get-Content -Raw (Join-Path $Root 'src/Moltbot.PowerShell/Module/Moltbot.psd1')
    $manifest.Replace('{{ModuleVersion}}', $version).Replace('{{ProjectUri}}', $ProjectUri) | Set-Content -NoNewline -Encoding utf8NoBOM (Join-Path $Out 'Moltbot.psd1')
    Copy-Item (Join-Path $Root 'src/Moltbot.PowerShell/Module/Moltbot.format.ps1xml') $Out
    foreach ($file in 'README.md', 'LICENSE', 'CHANGELOG.md') {
        $path = Join-Path $Root $file
        if (Test-Path $path) { Copy-Item $path $Out }
    }

    Invoke-Docs

    # Fail the build when the manifest does not match the cmdlets the assembly really exports.
    $check = & $Pwsh -NoProfile -NonInteractive -Command {
        param($ModulePath)
        $m = Import-Module $ModulePath -PassThru -ErrorAction Stop
        $declared = (Import-PowerShellDataFile (Join-Path $ModulePath 'Moltbot.psd1')).CmdletsToExport | Sort-Object
        $actual = [Moltbot.Commands.MoltbotCmdlet].Assembly.GetExportedTypes() |
            Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" } |
            Sort-Object
        $diff = Compare-Object $declared $actual
        if ($diff) { "Manifest and assembly disagree: $($diff | Out-String)" } else { "ok $($m.Version) $($actual.Count) cmdlets" }
    } -args $Out
    if ($check -notlike 'ok *') { throw ($check -join "`n") }
    Write-Host "    staged $Out ($check)"
}

function Invoke-ReadyToRun {
    <#
    Precompiles the module's own assemblies (ReadyToRun) for the .NET runtime this pwsh runs on, in place.
    PowerShell from the dotnet tool is not precompiled itself, so everything a command needs is jitted at start-up; with
    native code in Moltbot.dll and Moltbot.Core.dll, Import-Module and the first command skip the JIT of the module's
    own methods. The assemblies keep their IL and still target net8.0: a runtime that cannot use the native code (another
    OS, architecture or .NET major version, such as PowerShell 7.4 on .NET 8) ignores it and jits as before.
    The .NET 8 crossgen2 that 'dotnet publish -p:PublishReadyToRun=true' picks for net8.0 emits code the .NET 10 runtime
    ignores, and the .NET 10 crossgen2 cannot compile against .NET 8, so crossgen2 of the SDK's own runtime is run here,
    against the shared framework and System.Management.Automation of this pwsh. Third-party assemblies stay untouched.
    #>
    param([string[]] $Assemblies, [string] $References)
    $project = Join-Path $Root 'tools/ReadyToRun/ReadyToRun.csproj'
    $props = (& dotnet msbuild $project -getProperty:Crossgen2PackageId -getProperty:Crossgen2PackageVersion -getProperty:NETCoreSdkRuntimeIdentifier | ConvertFrom-Json).Properties
    if ($LASTEXITCODE -ne 0) { throw "dotnet msbuild -getProperty failed for $project" }
    $runtime = [Environment]::Version
    if ($runtime.Major -ne ([version] $props.Crossgen2PackageVersion).Major) {
        Write-Host "    ReadyToRun: skipped, this pwsh runs on .NET $runtime and the SDK's crossgen2 is $($props.Crossgen2PackageVersion); IL only"
        return
    }
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $toolDir = Join-Path $nugetRoot "$($props.Crossgen2PackageId.ToLowerInvariant())/$($props.Crossgen2PackageVersion)/tools"
    $crossgen = Join-Path $toolDir ($IsWindows ? 'crossgen2.exe' : 'crossgen2')
    if (-not (Test-Path $crossgen)) { Invoke-Native dotnet @('restore', $project, '--nologo', '-v', 'q') }
    if (-not (Test-Path $crossgen)) { throw "crossgen2 was not found at $crossgen after restoring $project." }

    $rid = $props.NETCoreSdkRuntimeIdentifier
    $os = switch -Wildcard ($rid) { 'win-*' { 'windows' } 'osx-*' { 'osx' } 'freebsd-*' { 'freebsd' } default { 'linux' } }
    $arch = $rid.Substring($rid.LastIndexOf('-') + 1)
    $framework = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
    $sma = [System.Management.Automation.PSObject].Assembly.Location
    $scratch = Join-Path $Publish 'r2r'
    New-Item -ItemType Directory -Force $scratch | Out-Null
    foreach ($assembly in $Assemblies) {
        $target = Join-Path $scratch (Split-Path -Leaf $assembly)
        $cgArgs = @($assembly, '-o', $target, '--targetos', $os, '--targetarch', $arch, '-O',
            '-r', (Join-Path $framework '*.dll'), '-r', $sma)
        foreach ($reference in Get-ChildItem $References -Filter *.dll) {
            if ($reference.Name -ne (Split-Path -Leaf $assembly)) { $cgArgs += @('-r', $reference.FullName) }
        }
        $log = & $crossgen @cgArgs 2>&1
        if ($LASTEXITCODE -ne 0) { throw "crossgen2 failed for ${assembly}:`n$($log -join "`n")" }
        Move-Item -Force $target $assembly
    }
    Write-Host "    ReadyToRun: $(($Assemblies | Split-Path -Leaf) -join ', ') precompiled for .NET $runtime $rid (crossgen2 $($props.Crossgen2PackageVersion))"
}

function Invoke-Docs {
    # platyPS markdown -> MAML + about text (tools/Convert-MarkdownHelp.ps1 stands in for New-ExternalHelp).
    $manifest = Join-Path $Out 'Moltbot.psd1'
    if (-not (Test-Path $manifest)) { throw "The module is not staged at ${Out}: run ./build.ps1 Build." }
    $exported = (Import-PowerShellDataFile $manifest).CmdletsToExport
    $culture = Join-Path $Out 'en-US'
    if (Test-Path $culture) { Remove-Item -Recurse -Force $culture }
    $written = & (Join-Path $Root 'tools/Convert-MarkdownHelp.ps1') -Path (Join-Path $Root 'docs/en-US') -OutputPath $culture `
        -HelpFileName 'Moltbot.dll-Help.xml' -ModuleName 'Moltbot' -CommandName $exported -OnlineBase $OnlineHelpBase
    Write-Host "    help: $(@($written).Name -join ', ')"
}

function Invoke-Package {
    # Publish-PSResource needs a registered repository. Register one for the publish only, in a child pwsh whose
    # PSResourceGet store (LocalApplicationData = XDG_DATA_HOME on Linux/macOS) and NuGet config (XDG_CONFIG_HOME) are
    # throw-away folders, so the user's real repository list is never read or written there. On Windows those
    # folders cannot be redirected by environment; the repository gets a unique name and is unregistered in finally.
    Write-Host "==> Package (Publish-PSResource -> $Repository)"
    if (Test-Path $Repository) { Remove-Item -Recurse -Force $Repository }
    New-Item -ItemType Directory -Force $Repository | Out-Null
    $scope = Join-Path $Root ('artifacts/psresourceget-scope-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    foreach ($d in 'data', 'config', 'cache') { New-Item -ItemType Directory -Force (Join-Path $scope $d) | Out-Null }
    $saved = @{}
    foreach ($name in 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    try {
        $env:XDG_DATA_HOME = Join-Path $scope 'data'
        $env:XDG_CONFIG_HOME = Join-Path $scope 'config'
        $env:XDG_CACHE_HOME = Join-Path $scope 'cache'
        & $Pwsh -NoProfile -NonInteractive -Command {
            param($ModulePath, $RepositoryPath)
            $ErrorActionPreference = 'Stop'
            $name = 'MoltbotBuild-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            Register-PSResourceRepository -Name $name -Uri $RepositoryPath -Trusted
            try { Publish-PSResource -Path $ModulePath -Repository $name }
            finally { Unregister-PSResourceRepository -Name $name }
        } -args $Out, $Repository
        if ($LASTEXITCODE -ne 0) { throw "Publish-PSResource failed with exit code $LASTEXITCODE." }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        Remove-Item -Recurse -Force $scope -ErrorAction Ignore
    }
    $package = Get-ChildItem $Repository -Filter 'Moltbot.*.nupkg'
    if (-not $package) { throw "Publish-PSResource wrote no Moltbot package to $Repository." }
    Write-Host "    $($package.FullName) ($('{0:N0}' -f $package.Length) bytes)"
}

function Get-PesterPath {
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $nugetRoot 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $psd1)) {
        Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/tools/Tools.csproj'), '--nologo', '-v', 'q')
    }
    if (-not (Test-Path $psd1)) { throw "Pester 5.7.1 was not found at $psd1 after restoring tests/tools/Tools.csproj." }
    $psd1
}

function Invoke-Test {
    New-Item -ItemType Directory -Force $Results | Out-Null
    $passed = 0; $failed = 0; $skipped = 0
    # The tests decide for themselves whether a login runs in a remote shell (Connect-MoltbotProvider goes to paste when
    # SSH_* or similar are set); a suite started over SSH must not inherit that.
    foreach ($name in 'SSH_CLIENT', 'SSH_TTY', 'SSH_CONNECTION', 'REMOTE_CONTAINERS', 'CODESPACES') {
        Remove-Item "Env:$name" -ErrorAction Ignore
    }
    # The names of the failed tests, repeated at the end: a CI log shows only its tail.
    $failedNames = [Collections.Generic.List[string]]::new()

    if (-not $SkipUnit) {
        foreach ($project in 'tests/Moltbot.Core.Tests/Moltbot.Core.Tests.csproj', 'tests/Moltbot.PowerShell.Tests/Moltbot.PowerShell.Tests.csproj') {
            $name = [IO.Path]::GetFileNameWithoutExtension($project)
            Write-Host "==> xunit: $name"
            $trx = "$name.trx"
            & dotnet test (Join-Path $Root $project) -c $Configuration --no-build --nologo -v q `
                --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' --results-directory $Results
            $exit = $LASTEXITCODE
            $trxPath = Join-Path $Results $trx
            if (Test-Path $trxPath) {
                [xml] $x = Get-Content -Raw $trxPath
                $c = $x.TestRun.ResultSummary.Counters
                $passed += [int] $c.passed; $failed += [int] $c.failed + [int] $c.error + [int] $c.timeout; $skipped += [int] $c.notExecuted
                # The fault tests print their counts ('kill-9 writer: ...', 'mutations: ...'); the minimal console logger
                # hides a passing test's output, so show those lines from the report.
                foreach ($result in @($x.TestRun.Results.UnitTestResult)) {
                    if ($result -and $result.outcome -in 'Failed', 'Error', 'Timeout') {
                        $message = $result.SelectSingleNode('*[local-name()="Output"]/*[local-name()="ErrorInfo"]/*[local-name()="Message"]')
                        $failedNames.Add("xunit $name : $($result.testName)$(if ($message) { ' -- ' + ($message.InnerText -split "`n")[0].Trim() })")
                    }
                    if ($result -and $result.testName -like '*Fault*' -and $result.SelectSingleNode('*[local-name()="Output"]/*[local-name()="StdOut"]')) {
                        $result.Output.StdOut -split "`n" | Where-Object { $_ -match '^\s*(kill-9 writer|mutations):' } |
                            Select-Object -Unique | ForEach-Object { Write-Host "    $($_.Trim())" }
                    }
                }
                Remove-Item $trxPath
            }
            elseif ($exit -ne 0) { $failed++ }
        }
    }

    Write-Host '==> Node peers (openclaw 2026.1.30 and 2026.6.1, oidc-provider, proper-lockfile)'
    & (Join-Path $Root 'tests/peers/Install-Peers.ps1')

    Write-Host '==> Pester (built module, fresh pwsh; then the secret scan of everything the cmdlets emitted)'
    $pester = Get-PesterPath
    $resultFile = Join-Path $Results 'pester.xml'
    $scanResultFile = Join-Path $Results 'pester-secret-scan.xml'
    $scanPath = Join-Path $Root 'tests/Pester/SecretScan'
    # The secret tap's files (0600 in a 0700 folder, never committed: artifacts/ is ignored); removed after a clean scan.
    $tapFolder = Join-Path $Results 'secret-tap'
    Remove-Item $resultFile, $scanResultFile -ErrorAction Ignore
    & $Pwsh -NoProfile -NonInteractive -Command {
        param($PesterPath, $TestPath, $ResultFile, $Tags, $ScanPath, $ScanResultFile, $TapFolder)
        Import-Module $PesterPath -ErrorAction Stop
        # Tap every Moltbot cmdlet of the run (tests/Pester/SecretScan/SecretTap.psm1); the secrets stay in this process.
        Import-Module (Join-Path $ScanPath 'SecretTap.psm1') -ErrorAction Stop
        Start-SecretTap -Folder $TapFolder -Filtered:([bool] $Tags)
        try {
            $config = New-PesterConfiguration
            $config.Run.Path = $TestPath
            $config.Run.ExcludePath = @(Join-Path $ScanPath '*')
            $config.Run.Exit = $false
            $config.Run.PassThru = $true
            $config.Output.Verbosity = 'Detailed'
            $config.TestResult.Enabled = $true
            $config.TestResult.OutputFormat = 'NUnitXml'
            $config.TestResult.OutputPath = $ResultFile
            if ($Tags) { $config.Filter.Tag = $Tags }
            $r = Invoke-Pester -Configuration $config
            # A failed BeforeAll/AfterAll or a container that cannot run is no test case in the NUnit report: name it here.
            foreach ($block in @($r.FailedBlocks) + @($r.FailedContainers)) {
                if ($block) { Write-Host "Pester: failed block or container: $($block.ExpandedPath ?? $block.Item ?? $block.Name) $($block.ErrorRecord | Select-Object -First 1)" }
            }
        }
        finally {
            $tap = Stop-SecretTap
        }
        $mainFailed = $r.FailedCount -gt 0 -or $r.FailedBlocksCount -gt 0 -or $r.FailedContainersCount -gt 0 -or $r.Result -ne 'Passed'

        # The scan: a test file of its own, in this process (where the secrets are), over the tap files, the transcript
        # and the main run's NUnit report.
        $tap.ScanFiles.Add($ResultFile)
        $scan = New-PesterConfiguration
        $scan.Run.Path = $ScanPath
        $scan.Run.Exit = $false
        $scan.Run.PassThru = $true
        $scan.Output.Verbosity = 'Detailed'
        $scan.TestResult.Enabled = $true
        $scan.TestResult.OutputFormat = 'NUnitXml'
        $scan.TestResult.OutputPath = $ScanResultFile
        $s = Invoke-Pester -Configuration $scan
        $scanFailed = $s.FailedCount -gt 0 -or $s.FailedBlocksCount -gt 0 -or $s.FailedContainersCount -gt 0 -or $s.Result -ne 'Passed'
        if ($scanFailed) { Write-Host "Secret scan failed: the tap files are kept in $TapFolder (0600) to diagnose; delete them afterwards." }
        else { Remove-Item -Recurse -Force $TapFolder }
        exit ([int] ($mainFailed -or $scanFailed))
    } -args $pester, (Join-Path $Root 'tests/Pester'), $resultFile, $Tag, $scanPath, $scanResultFile, $tapFolder
    $pesterExit = $LASTEXITCODE
    foreach ($file in $resultFile, $scanResultFile) {
        if (-not (Test-Path $file)) { continue }
        [xml] $n = Get-Content -Raw $file
        $r = $n.'test-results'
        $passed += [int] $r.total - [int] $r.failures - [int] $r.errors - [int] $r.'not-run' - [int] $r.skipped - [int] $r.ignored - [int] $r.inconclusive
        $failed += [int] $r.failures + [int] $r.errors
        $skipped += [int] $r.'not-run' + [int] $r.skipped + [int] $r.ignored
        foreach ($case in $n.SelectNodes('//test-case[@result="Failure" or @result="Error"]')) {
            $message = $case.SelectSingleNode('failure/message')
            $failedNames.Add("Pester: $($case.name)$(if ($message) { ' -- ' + ($message.InnerText -split "`n")[0].Trim() })")
        }
    }
    if ($pesterExit -ne 0 -and $failed -eq 0) { $failed++ }

    Write-Host ''
    foreach ($line in $failedNames) { Write-Host "FAILED $line" }
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Run {
    & $Pwsh -NoProfile -Command {
        param($ModulePath)
        Import-Module $ModulePath -ErrorAction Stop
        $state = if ($env:OPENCLAW_STATE_DIR) { $env:OPENCLAW_STATE_DIR } else { '~/.openclaw (or a legacy state dir)' }
        $profiles = @(Get-MoltbotAuthProfile)
        if ($profiles.Count -eq 0) {
            Write-Host "No credentials are stored yet in $state."
            Write-Host "Add one with:  Set-MoltbotSetupToken            (paste the token from 'claude setup-token')"
            Write-Host "          or:  Set-MoltbotApiKey -Provider openrouter"
        }
        else {
            $profiles | Format-Table | Out-Host
        }
        Get-MoltbotAgent | Format-Table | Out-Host
    } -args $Out
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

foreach ($t in $Task) {
    switch ($t) {
        'Clean' { foreach ($p in $Out, (Join-Path $Root 'artifacts')) { if (Test-Path $p) { Remove-Item -Recurse -Force $p } } }
        'Build' { Invoke-Build }
        'Docs' { Invoke-Docs }
        'Package' { Invoke-Build; Invoke-Package }
        'Test' { Invoke-Build; Invoke-Test }
        'Run' { Invoke-Build; Invoke-Run }
    }
}
