#Requires -Version 7.4
<#
.SYNOPSIS
    Cold-start benchmark: a fresh pwsh that lists the credentials, against bare pwsh and against `openclaw models status`.
.DESCRIPTION
    Seeds a temporary state dir (main: an anthropic setup token, an openai-codex OAuth profile, an anthropic API key;
    agent 'work': an openrouter API key and a github-copilot token; openclaw.json with agents.list) and times, from
    Process.Start to the process's exit (Stopwatch, output redirected, stdin closed), interleaved in rotating order,
    -WarmUp untimed and -Repetitions timed runs of:
      - 'pwsh': `pwsh -NoProfile -c 1` (the floor);
      - 'pwsh+Import-Module': `pwsh -NoProfile -c "Import-Module <repo>/out/Moltbot"` (breakdown: the import alone);
      - 'pwsh+Import+Get': the same plus `$null = Get-MoltbotAuthProfile` (breakdown: the listing without its table);
      - 'moltbot': `pwsh -NoProfile -c "Import-Module <repo>/out/Moltbot; Get-MoltbotAuthProfile"` (formatted as a
        table on the redirected stdout, as a user would see it);
      - three reference rows without Moltbot (-SkipReference leaves them out): `Import-Module <temp>/Trivial` (a binary
        module of one empty cmdlet with a four-line manifest, compiled at the start by Add-Type), `Import-Module
        Microsoft.PowerShell.Utility` (a built-in manifest module) and `Get-Process -Id $PID` (a built-in cmdlet printing a
        one-row table), which show what this pwsh itself charges for importing a module and for formatting a table;
      - 'openclaw-2026.1.30': `openclaw models status --json` (tests/peers: Node 24, openclaw 2026.1.30) on the same
        state dir.
    Every process runs with HOME = a temp folder, OPENCLAW_STATE_DIR = the seeded state, and the environment
    tests/peers/OpenClawPeer.psm1 gives openclaw (credential variables removed, NO_COLOR, CI, NODE_OPTIONS that spare
    openclaw its self-respawn, the compile cache in tests/peers/node_modules/.cache); the pwsh runs also get
    POWERSHELL_TELEMETRY_OPTOUT=1 and POWERSHELL_UPDATECHECK=Off.
    Every run is checked: exit code 0; moltbot's table names every seeded profile (and a separate run counts exactly
    the seeded number of MoltbotAuthProfile objects); openclaw's JSON lists every profile of main. Prints median, p90,
    min per command and the ratios of medians against the goals: moltbot/pwsh <= 1.15 and openclaw/moltbot >= 4.
.EXAMPLE
    dotnet pwsh ./build.ps1 Build; dotnet pwsh bench/cold-start.ps1
.EXAMPLE
    dotnet pwsh bench/cold-start.ps1 -Repetitions 5 -SkipOpenClaw   # quick look at the pwsh side only
#>
[CmdletBinding()]
param(
    [int] $Repetitions = 20,
    [int] $WarmUp = 2,
    [double] $ImportGoal = 1.15,
    [double] $OpenClawGoal = 4,
    [switch] $SkipOpenClaw,
    # Leave out the two reference rows (a built-in manifest module's import, a built-in cmdlet's table).
    [switch] $SkipReference,
    [switch] $AsObject
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $PSScriptRoot 'BenchHelpers.psm1') -Force
$peer = Import-Module (Join-Path $root 'tests/peers/OpenClawPeer.psm1') -Force -PassThru
$modulePath = (Resolve-Path (Join-Path $root 'out/Moltbot')).Path
if (-not (Test-Path (Join-Path $modulePath 'Moltbot.psd1'))) { throw "Build the module first: dotnet pwsh ./build.ps1 Build" }
$pwsh = Get-BenchPwshPath
if (-not $SkipOpenClaw) {
    $node = Get-PeerNodePath
    $openclaw = Get-OpenClawEntryPath -Version 2026.1.30
}

function Get-LoadAverage {
    # The 1-minute load average (Linux), so that a reader can judge how noisy the run was; 'n/a' elsewhere.
    if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0] } else { 'n/a' }
}

$work = New-PeerTempDirectory -Prefix 'moltbot-bench-cold'
$rows = @()
try {
    $state = Join-Path $work 'state'
    $homeDir = Join-Path $work 'home'
    New-Item -ItemType Directory $homeDir | Out-Null
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $random = [Random]::new(7)
    $main = [ordered]@{
        'anthropic:default'    = [ordered]@{ type = 'token'; provider = 'anthropic'; token = (New-FakeSecret 'sk-ant-oat01-' 108 $random) }
        'openai-codex:default' = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = (New-FakeJwt -Random $random -ExpiresMs ($now + 5 * 86400000)); refresh = (New-FakeSecret 'rt_' 90 $random); expires = $now + 5 * 86400000; accountId = [guid]::NewGuid().ToString(); email = 'me@example.com' }
        'anthropic:api'        = [ordered]@{ type = 'api_key'; provider = 'anthropic'; key = (New-FakeSecret 'sk-ant-api03-' 108 $random); email = 'billing@example.com' }
    }
    $workAgent = [ordered]@{
        'openrouter:default'     = [ordered]@{ type = 'api_key'; provider = 'openrouter'; key = (New-FakeSecret 'sk-or-v1-' 73 $random) }
        'github-copilot:default' = [ordered]@{ type = 'token'; provider = 'github-copilot'; token = (New-FakeSecret 'ghu_' 40 $random); expires = $now + 3 * 86400000 }
    }
    Write-BenchJson (Join-Path $state 'agents/main/agent/auth-profiles.json') ([ordered]@{ version = 1; profiles = $main })
    Write-BenchJson (Join-Path $state 'agents/work/agent/auth-profiles.json') ([ordered]@{ version = 1; profiles = $workAgent })
    Write-BenchJson (Join-Path $state 'openclaw.json') ([ordered]@{
            agents = [ordered]@{ list = @(
                    [ordered]@{ id = 'main' }
                    [ordered]@{ id = 'work'; name = 'work'; workspace = (Join-Path $state 'workspace-work'); agentDir = (Join-Path $state 'agents/work/agent') }
                ) }
        })
    $allIds = @($main.Keys) + @($workAgent.Keys)

    # One environment for every child: what OpenClawPeer gives openclaw (scrubbed, isolated HOME and state dir).
    $envMap = & $peer { param($s, $h) Get-PeerEnvironment -StateDir $s -HomeDir $h } $state $homeDir
    $envMap['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $envMap['POWERSHELL_UPDATECHECK'] = 'Off'
    $import = "Import-Module '$($modulePath.Replace("'", "''"))'"

    $commands = [ordered]@{
        'pwsh'               = @{ File = $pwsh; Args = @('-NoProfile', '-c', '1') }
        'pwsh+Import-Module' = @{ File = $pwsh; Args = @('-NoProfile', '-c', $import) }
        'pwsh+Import+Get'    = @{ File = $pwsh; Args = @('-NoProfile', '-c', "$import; `$null = Get-MoltbotAuthProfile") }
        'moltbot'            = @{ File = $pwsh; Args = @('-NoProfile', '-c', "$import; Get-MoltbotAuthProfile") }
    }
    if (-not $SkipReference) {
        # What PowerShell itself costs for the same two steps, without Moltbot: importing a built-in manifest module, and a
        # built-in cmdlet (autoloaded from its manifest module) printing a one-row table.
        $trivial = Join-Path $work 'Trivial'
        New-Item -ItemType Directory $trivial | Out-Null
        Add-Type -OutputAssembly (Join-Path $trivial 'Trivial.dll') -TypeDefinition @'
using System.Management.Automation;
[Cmdlet(VerbsCommon.Get, "TrivialThing")]
public sealed class GetTrivialThingCommand : PSCmdlet { }
'@
        Set-Content -Encoding utf8NoBOM (Join-Path $trivial 'Trivial.psd1') ("@{ RootModule = 'Trivial.dll'; ModuleVersion = '1.0.0'; GUID = '0c5e1d3a-8f4b-4d2e-9a7c-1b6f0e2d4c8a'; " +
            "CmdletsToExport = @('Get-TrivialThing'); FunctionsToExport = @(); AliasesToExport = @(); VariablesToExport = @() }")
        $commands['ref:Import-Module trivial'] = @{ File = $pwsh; Args = @('-NoProfile', '-c', "Import-Module '$($trivial.Replace("'", "''"))'; Get-TrivialThing") }
        $commands['ref:Import-Module Utility'] = @{ File = $pwsh; Args = @('-NoProfile', '-c', 'Import-Module Microsoft.PowerShell.Utility') }
        $commands['ref:Get-Process table'] = @{ File = $pwsh; Args = @('-NoProfile', '-c', 'Get-Process -Id $PID') }
    }
    if (-not $SkipOpenClaw) {
        $commands['openclaw-2026.1.30'] = @{ File = $node; Args = @($openclaw, 'models', 'status', '--json') }
    }
    $display = @{
        'pwsh'               = 'pwsh -NoProfile -c 1'
        'pwsh+Import-Module' = 'pwsh -NoProfile -c "Import-Module out/Moltbot"'
        'pwsh+Import+Get'    = 'pwsh -NoProfile -c "Import-Module out/Moltbot; $null = Get-MoltbotAuthProfile"'
        'moltbot'            = 'pwsh -NoProfile -c "Import-Module out/Moltbot; Get-MoltbotAuthProfile"'
        'openclaw-2026.1.30' = 'openclaw models status --json'
        'ref:Import-Module trivial' = 'pwsh -NoProfile -c "Import-Module <temp>/Trivial; Get-TrivialThing" (reference: a binary module of one empty cmdlet)'
        'ref:Import-Module Utility' = 'pwsh -NoProfile -c "Import-Module Microsoft.PowerShell.Utility" (reference: a built-in manifest module)'
        'ref:Get-Process table'     = 'pwsh -NoProfile -c "Get-Process -Id $PID" (reference: a built-in cmdlet printing a table)'
    }

    $check = {
        param([string] $Name, [object] $Result)
        if ($Result.ExitCode -ne 0) { throw "$Name exited with $($Result.ExitCode): $($Result.StdErr)" }
        if ($Name -eq 'moltbot') {
            $missing = @($allIds | Where-Object { -not $Result.StdOut.Contains($_) })
            if ($missing) { throw "moltbot's listing lacks $($missing -join ', '). StdErr: $($Result.StdErr)" }
            if ($Result.StdErr.Trim()) { throw "moltbot wrote to stderr: $($Result.StdErr)" }
        }
        elseif ($Name -eq 'openclaw-2026.1.30') {
            # Never echo openclaw's stdout: its labels show parts of the (fake) secrets.
            $m = [regex]::Match($Result.StdOut, '(?m)^\{')
            if (-not $m.Success) { throw 'openclaw printed no JSON.' }
            $json = $Result.StdOut.Substring($m.Index) | ConvertFrom-Json -Depth 50
            $listed = @($json.auth.oauth.profiles | ForEach-Object profileId)
            $missing = @($main.Keys | Where-Object { $_ -notin $listed })
            if ($missing) { throw "openclaw's models status lacks $($missing -join ', ')." }
        }
    }

    # The count, once, through the same environment: exactly the seeded profiles, as typed objects.
    $count = Invoke-TimedProcess -FilePath $pwsh -Environment $envMap -WorkingDirectory $homeDir -ArgumentList @('-NoProfile', '-c',
        "$import; `$p = @(Get-MoltbotAuthProfile); `$t = @(`$p | Where-Object { `$_ -is [Moltbot.Models.MoltbotAuthProfile] }).Count; `"`$(`$p.Count) `$t`"")
    if ($count.ExitCode -ne 0 -or $count.StdOut.Trim() -ne "$($allIds.Count) $($allIds.Count)") {
        throw "Get-MoltbotAuthProfile returned '$($count.StdOut.Trim())' (count, typed), expected $($allIds.Count) of each. $($count.StdErr)"
    }

    $samples = [ordered]@{}
    foreach ($name in $commands.Keys) { $samples[$name] = [Collections.Generic.List[double]]::new() }
    $names = @($commands.Keys)
    Write-Host ("Timing {0} x {1} runs after {2} warm-ups (interleaved) ..." -f $names.Count, $Repetitions, $WarmUp)
    $loadBefore = Get-LoadAverage
    for ($i = -$WarmUp; $i -lt $Repetitions; $i++) {
        for ($k = 0; $k -lt $names.Count; $k++) {
            $name = $names[($k + $i + $WarmUp) % $names.Count]
            $c = $commands[$name]
            $r = Invoke-TimedProcess -FilePath $c.File -ArgumentList $c.Args -Environment $envMap -WorkingDirectory $homeDir
            & $check $name $r
            if ($i -ge 0) { $samples[$name].Add($r.Ms) }
        }
    }

    $loadAfter = Get-LoadAverage
    $stats = [ordered]@{}
    foreach ($name in $names) { $stats[$name] = Get-Stat $samples[$name] }
    foreach ($name in $names) {
        $s = $stats[$name]
        $rows += [pscustomobject]@{
            Command   = $name
            Runs      = $s.Count
            MedianMs  = [Math]::Round($s.Median, 0)
            P90Ms     = [Math]::Round($s.P90, 0)
            MinMs     = [Math]::Round($s.Min, 0)
            VsPwsh    = [Math]::Round($s.Median / $stats['pwsh'].Median, 2)
            CmdLine   = $display[$name]
        }
    }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

$importRatio = $stats['moltbot'].Median / $stats['pwsh'].Median
Write-Host ("Cold start, {0} timed runs each after {1} warm-ups, interleaved; {2}; {3:yyyy-MM-dd}; load average {4} before, {5} after" -f $Repetitions, $WarmUp, (Get-BenchMachine), (Get-Date), $loadBefore, $loadAfter)
foreach ($r in $rows) {
    Write-Host ("{0,-20} median {1,6:N0} ms  p90 {2,6:N0} ms  min {3,6:N0} ms  {4,5:N2}x pwsh   {5}" -f $r.Command, $r.MedianMs, $r.P90Ms, $r.MinMs, $r.VsPwsh, $r.CmdLine)
}
Write-Host ("Breakdown (differences of medians): Import-Module {0:N0} ms over bare pwsh; then Get-MoltbotAuthProfile (output discarded) {1:N0} ms; then formatting its table {2:N0} ms." -f
    ($stats['pwsh+Import-Module'].Median - $stats['pwsh'].Median), ($stats['pwsh+Import+Get'].Median - $stats['pwsh+Import-Module'].Median),
    ($stats['moltbot'].Median - $stats['pwsh+Import+Get'].Median))
Write-Host ("Goal moltbot/pwsh <= {0}: {1:N2} -> {2}" -f $ImportGoal, $importRatio, ($importRatio -le $ImportGoal ? 'met' : 'NOT met'))
if (-not $SkipOpenClaw) {
    $ocRatio = $stats['openclaw-2026.1.30'].Median / $stats['moltbot'].Median
    Write-Host ("Goal openclaw/moltbot >= {0}: {1:N2} -> {2}" -f $OpenClawGoal, $ocRatio, ($ocRatio -ge $OpenClawGoal ? 'met' : 'NOT met'))
}
if ($AsObject) { $rows }
