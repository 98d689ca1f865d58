#Requires -Version 7.4
<#
.SYNOPSIS
    Writer-contention benchmark: N separate processes upsert different API-key profiles into the same agent store at once.
.DESCRIPTION
    Seeds a temporary state dir whose main agent holds one profile (anthropic:default), then starts -Processes contenders
    that each upsert -Upserts profiles of their own (openai:p<process>-<nnn>, each with its own fake key) into main's
    store, one after the other. All contenders import what they need and warm up first (pwsh: the module and two
    Set-MoltbotApiKey calls on a private scratch state dir), signal that they are ready, and are released together by a
    start file (the barrier), as bench/refresh-storm.ps1 does.
      - 'moltbot': pwsh processes calling Set-MoltbotApiKey in a loop (per upsert: the store lock, re-read, atomic
        write; then the config lock and auth.profiles in openclaw.json).
      - 'openclaw-2026.1.30 upsert' (with -Node): Node 24 processes calling openclaw 2026.1.30's own
        upsertAuthProfile() (unlocked read, in-place write; bench/upsert-storm.mjs --mode plain).
      - 'openclaw-2026.1.30 locked' (with -Node): the same through openclaw's updateAuthProfileStoreWithLock()
        (proper-lockfile 4.1.2 with AUTH_STORE_LOCK_OPTIONS; --mode locked).
    Afterwards the store is checked without printing a secret: it parses as JSON, every expected profile is present
    with the key its contender wrote (compared in memory), the pre-existing profile survived; for moltbot also
    openclaw.json parses and auth.profiles names every profile, and Get-MoltbotAuthProfile lists them all.
    Prints per implementation: profiles lost (goal 0), failed upserts, wall time from the barrier to the last
    contender's end, upserts per second, and each upsert's latency (p50/p90/max over all, and per process p50/p90).
.EXAMPLE
    dotnet pwsh ./build.ps1 Build; dotnet pwsh bench/writer-contention.ps1 -Node
#>
[CmdletBinding()]
param(
    [int] $Processes = 8,
    [int] $Upserts = 100,
    # Also run the two Node rows (openclaw 2026.1.30's own upsert, unlocked and locked).
    [switch] $Node,
    [int] $TimeoutSec = 900,
    [switch] $AsObject
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $PSScriptRoot 'BenchHelpers.psm1') -Force
$peer = Import-Module (Join-Path $root 'tests/peers/OpenClawPeer.psm1') -Force -PassThru
$modulePath = (Resolve-Path (Join-Path $root 'out/Moltbot')).Path
Import-Module (Join-Path $modulePath 'Moltbot.psd1') -Force
$pwsh = Get-BenchPwshPath

$childScript = @'
param([string] $ModulePath, [int] $Index, [int] $Count, [string] $RunId, [string] $Ready, [string] $Start, [string] $WarmState)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
function Get-BenchKey([int] $I) {
    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$RunId/$Index/$I"))
    'sk-bench-' + [Convert]::ToHexString($hash).Substring(0, 40).ToLowerInvariant()
}
# Warm up on a private scratch state dir: the first call's JIT is not what this benchmark measures.
$stormState = $env:OPENCLAW_STATE_DIR
$env:OPENCLAW_STATE_DIR = Join-Path $WarmState "w$Index"
foreach ($w in 1, 2) { Set-MoltbotApiKey -Provider openai -ProfileId "warm$w" -ApiKey (ConvertTo-SecureString "sk-warm-$w" -AsPlainText -Force) }
$env:OPENCLAW_STATE_DIR = $stormState
$keys = for ($i = 0; $i -lt $Count; $i++) { ConvertTo-SecureString (Get-BenchKey $i) -AsPlainText -Force }
$ids = for ($i = 0; $i -lt $Count; $i++) { 'p{0}-{1:d3}' -f $Index, $i }
$latencies = [double[]]::new($Count)
$failures = 0
$errors = @()
New-Item -ItemType File $Ready | Out-Null
while (-not [IO.File]::Exists($Start)) { [Threading.Thread]::Sleep(2) }
$began = ([DateTime]::UtcNow - [DateTime]::UnixEpoch).TotalMilliseconds
for ($i = 0; $i -lt $Count; $i++) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try { Set-MoltbotApiKey -Provider openai -ProfileId $ids[$i] -ApiKey $keys[$i] }
    catch { $failures++; $errors += $_.FullyQualifiedErrorId }
    $latencies[$i] = $watch.Elapsed.TotalMilliseconds
}
$ended = ([DateTime]::UtcNow - [DateTime]::UnixEpoch).TotalMilliseconds
[Console]::Out.WriteLine((@{ index = $Index; began = $began; ended = $ended; latencies = $latencies; failures = $failures; errors = @($errors | Select-Object -Unique) } | ConvertTo-Json -Compress))
'@

function Get-BenchKey([string] $RunId, [int] $Index, [int] $I) {
    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$RunId/$Index/$I"))
    'sk-bench-' + [Convert]::ToHexString($hash).Substring(0, 40).ToLowerInvariant()
}

function Invoke-WriterStorm {
    param([string] $Implementation, [string] $Work)
    $state = Join-Path $Work 'state'
    $homeDir = Join-Path $Work 'home'
    $storm = Join-Path $Work 'storm'
    New-Item -ItemType Directory $homeDir, $storm | Out-Null
    $agentDir = Join-Path $state 'agents/main/agent'
    $storePath = Join-Path $agentDir 'auth-profiles.json'
    $seedKey = New-FakeSecret 'sk-ant-oat01-' 108
    Write-BenchJson $storePath ([ordered]@{ version = 1; profiles = [ordered]@{ 'anthropic:default' = [ordered]@{ type = 'token'; provider = 'anthropic'; token = $seedKey } } })
    Write-BenchJson (Join-Path $state 'openclaw.json') ([ordered]@{ auth = [ordered]@{ profiles = [ordered]@{ 'anthropic:default' = [ordered]@{ provider = 'anthropic'; mode = 'token' } } } })
    $runId = [guid]::NewGuid().ToString('N')
    $envMap = & $peer { param($s, $h) Get-PeerEnvironment -StateDir $s -HomeDir $h } $state $homeDir
    $envMap['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $envMap['POWERSHELL_UPDATECHECK'] = 'Off'
    $start = Join-Path $storm 'start'
    $childPath = Join-Path $storm 'contender.ps1'
    Set-Content -Path $childPath -Value $childScript

    $children = for ($p = 0; $p -lt $Processes; $p++) {
        $ready = Join-Path $storm "ready-$p"
        if ($Implementation -eq 'moltbot') {
            $file = $pwsh
            $argList = @('-NoProfile', '-NonInteractive', '-File', $childPath, $modulePath, $p, $Upserts, $runId, $ready, $start, (Join-Path $storm 'warm'))
        }
        else {
            $file = Get-PeerNodePath
            $argList = @((Join-Path $PSScriptRoot 'upsert-storm.mjs'), '--openclaw', (Split-Path (Get-OpenClawEntryPath -Version 2026.1.30)),
                '--agent-dir', $agentDir, '--index', $p, '--count', $Upserts, '--run-id', $runId, '--mode', ($Implementation -like '*locked' ? 'locked' : 'plain'),
                '--ready', $ready, '--barrier', $start)
        }
        $psi = [Diagnostics.ProcessStartInfo]::new($file)
        foreach ($a in $argList) { $psi.ArgumentList.Add([string] $a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.WorkingDirectory = $homeDir
        $psi.Environment.Clear()
        foreach ($kv in $envMap.GetEnumerator()) { $psi.Environment[$kv.Key] = $kv.Value }
        $proc = [Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Index = $p; Process = $proc; Ready = $ready; Stdout = $proc.StandardOutput.ReadToEndAsync(); Stderr = $proc.StandardError.ReadToEndAsync() }
    }
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (@($children | Where-Object { -not (Test-Path $_.Ready) }).Count) {
            $dead = $children | Where-Object { $_.Process.HasExited -and -not (Test-Path $_.Ready) } | Select-Object -First 1
            if ($dead) { throw "Contender $($dead.Index) exited before it was ready: $($dead.Stderr.Result)" }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'The contenders did not get ready in time.' }
            Start-Sleep -Milliseconds 20
        }
        $barrier = ([DateTime]::UtcNow - [DateTime]::UnixEpoch).TotalMilliseconds
        New-Item -ItemType File $start | Out-Null
        foreach ($c in $children) {
            $left = [Math]::Max(1, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            if (-not $c.Process.WaitForExit([int] $left)) { throw "Contender $($c.Index) did not finish in time." }
            $c.Process.WaitForExit()
        }
        $reports = foreach ($c in $children) {
            $line = $c.Stdout.Result -split "`n" | Where-Object { $_.Trim().StartsWith('{') } | Select-Object -Last 1
            if ($c.Process.ExitCode -ne 0 -or -not $line) { throw "Contender $($c.Index) failed (exit $($c.Process.ExitCode)): $($c.Stderr.Result)" }
            $line | ConvertFrom-Json
        }
    }
    finally {
        foreach ($c in $children) {
            if (-not $c.Process.HasExited) { $c.Process.Kill($true) }
            $c.Process.Dispose()
        }
    }

    # The store as it ended up: parse (strictly), then compare every expected key in memory.
    $parseOk = $true
    $present = 0; $wrong = 0
    $seedKept = $false
    try {
        $doc = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText($storePath))
        $profiles = $doc.RootElement.GetProperty('profiles')
        for ($p = 0; $p -lt $Processes; $p++) {
            for ($i = 0; $i -lt $Upserts; $i++) {
                $entry = [Text.Json.JsonElement]::new()
                if ($profiles.TryGetProperty(('openai:p{0}-{1:d3}' -f $p, $i), [ref] $entry)) {
                    $present++
                    $keyProp = [Text.Json.JsonElement]::new()
                    $ok = $entry.TryGetProperty('key', [ref] $keyProp) -and $keyProp.GetString() -eq (Get-BenchKey $runId $p $i) -and $entry.GetProperty('type').GetString() -eq 'api_key'
                    if (-not $ok) { $wrong++ }
                }
            }
        }
        $seed = [Text.Json.JsonElement]::new()
        $seedKept = $profiles.TryGetProperty('anthropic:default', [ref] $seed) -and $seed.GetProperty('token').GetString() -eq $seedKey
        $doc.Dispose()
    }
    catch { $parseOk = $false; Write-Warning "The store of $Implementation does not parse: $($_.Exception.Message)" }
    $expected = $Processes * $Upserts
    $configNote = ''
    if ($Implementation -eq 'moltbot') {
        try {
            $config = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText((Join-Path $state 'openclaw.json')))
            $inConfig = 0
            foreach ($prop in $config.RootElement.GetProperty('auth').GetProperty('profiles').EnumerateObject()) { if ($prop.Name -like 'openai:p*') { $inConfig++ } }
            $config.Dispose()
            $saved = $env:OPENCLAW_STATE_DIR
            try { $env:OPENCLAW_STATE_DIR = $state; $listed = @(Get-MoltbotAuthProfile -Agent main).Count } finally { $env:OPENCLAW_STATE_DIR = $saved }
            $configNote = "auth.profiles $inConfig/$expected, Get-MoltbotAuthProfile lists $listed/$($expected + 1)"
        }
        catch { $configNote = "openclaw.json does not parse: $($_.Exception.Message)" }
    }

    $all = [double[]] @($reports | ForEach-Object { $_.latencies } | ForEach-Object { [double] $_ })
    $wallMs = (($reports | ForEach-Object { [double] $_.ended } | Measure-Object -Maximum).Maximum) - $barrier
    $failed = ($reports | Measure-Object failures -Sum).Sum
    $perProcess = foreach ($r in ($reports | Sort-Object index)) {
        $s = Get-Stat ([double[]] @($r.latencies | ForEach-Object { [double] $_ }))
        [pscustomobject]@{ Index = $r.index; P50 = $s.Median; P90 = $s.P90 }
    }
    $overall = Get-Stat $all
    $errors = @($reports | ForEach-Object { if ($_.PSObject.Properties['errors']) { $_.errors } } | Where-Object { $_ } | Sort-Object -Unique)
    [pscustomobject]@{
        Implementation = $Implementation
        Processes      = $Processes
        Upserts        = $expected
        Lost           = $expected - ($present - $wrong)
        WrongValue     = $wrong
        FailedUpserts  = $failed
        ParseOk        = $parseOk
        SeedKept       = $seedKept
        WallMs         = [Math]::Round($wallMs, 0)
        UpsertsPerSec  = [Math]::Round($expected / ($wallMs / 1000), 1)
        P50ms          = [Math]::Round($overall.Median, 1)
        P90ms          = [Math]::Round($overall.P90, 1)
        MaxMs          = [Math]::Round($overall.Max, 1)
        PerProcess     = ($perProcess | ForEach-Object { '{0:N0}/{1:N0}' -f $_.P50, $_.P90 }) -join ' '
        Config         = $configNote
        Errors         = $errors -join ', '
    }
}

$implementations = @('moltbot')
if ($Node) { $implementations += 'openclaw-2026.1.30 upsert', 'openclaw-2026.1.30 locked' }
$rows = @()
foreach ($impl in $implementations) {
    $work = New-PeerTempDirectory -Prefix 'moltbot-bench-writers'
    try {
        Write-Host "Running $impl ($Processes processes x $Upserts upserts) ..."
        $row = Invoke-WriterStorm -Implementation $impl -Work $work
        $rows += $row
    }
    finally { Remove-Item -Recurse -Force $work -ErrorAction Ignore }
}

Write-Host ("Writer contention: {0} processes x {1} upserts of distinct profiles into one store, released by a barrier; {2}; {3:yyyy-MM-dd}" -f $Processes, $Upserts, (Get-BenchMachine), (Get-Date))
foreach ($r in $rows) {
    Write-Host ("{0,-26} lost {1}/{2} (wrong value {3}, failed upserts {4}), parse {5}, seed kept {6}; wall {7:N0} ms, {8:N1} upserts/s; latency p50/p90/max {9:N1}/{10:N1}/{11:N1} ms" -f
        $r.Implementation, $r.Lost, $r.Upserts, $r.WrongValue, $r.FailedUpserts, ($r.ParseOk ? 'ok' : 'FAILED'), $r.SeedKept, $r.WallMs, $r.UpsertsPerSec, $r.P50ms, $r.P90ms, $r.MaxMs)
    Write-Host ("{0,-26} per-process p50/p90 (ms): {1}" -f '', $r.PerProcess)
    if ($r.Config) { Write-Host ("{0,-26} {1}" -f '', $r.Config) }
    if ($r.Errors) { Write-Host ("{0,-26} errors: {1}" -f '', $r.Errors) }
    Write-Host ("{0,-26} goal 0 lost: {1}" -f '', (($r.Lost -eq 0 -and $r.ParseOk -and $r.SeedKept) ? 'met' : 'NOT met'))
}
if ($AsObject) { $rows }
