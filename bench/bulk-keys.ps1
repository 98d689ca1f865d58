<#
.SYNOPSIS
    Bulk provisioning (issue 16): 1,000 API keys piped into Set-MoltbotApiKey in one process, against openclaw
    2026.1.30's locked upsert called 1,000 times in one Node process.
.DESCRIPTION
    Each run starts from a fresh state dir (one seeded profile in the store and in openclaw.json).
      - 'moltbot': a child pwsh imports the module, then times `Import-Csv keys.csv | Set-MoltbotApiKey` (rows with
        Provider, ApiKey, ProfileId; the CSV file 0600 in the run's temp folder, removed afterwards). The wall starts
        after Import-Module and includes Import-Csv; no warm-up (the first call's JIT is part of the figure). The child
        also reports how many locked store and config writes the batches made.
      - 'openclaw-2026.1.30 locked' (with -Node): bench/upsert-storm.mjs --mode locked --count 1000 in one Node 24
        process: openclaw's updateAuthProfileStoreWithLock() once per key, the locked upsert of 2026.1.30 (it has no
        upsertAuthProfileWithLock; its paste path records auth.profiles in a separate config write, which this row
        does not do). The wall starts after openclaw's modules are imported.
    Checked for every run: the store parses; every one of the 1,000 profiles is there with its own key (compared in
    memory, never printed) and type api_key; the seed profile is kept; for moltbot, auth.profiles of openclaw.json
    names all 1,000 and Get-MoltbotAuthProfile lists 1,001.
.EXAMPLE
    dotnet pwsh ./build.ps1 Build; dotnet pwsh bench/bulk-keys.ps1 -Node -Runs 3
#>
[CmdletBinding()]
param(
    [int] $Keys = 1000,
    [int] $Runs = 3,
    # Also run the Node row (openclaw 2026.1.30's locked upsert).
    [switch] $Node,
    [int] $TimeoutSec = 600,
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
param([string] $ModulePath, [string] $Csv)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' } | Select-Object -First 1
$counters = $core.GetType('Moltbot.Core.Profiles.BatchCounters')
$watch = [Diagnostics.Stopwatch]::StartNew()
Import-Csv $Csv | Set-MoltbotApiKey -NoGatewayRefresh -ErrorVariable failed -ErrorAction SilentlyContinue
$watch.Stop()
[Console]::Out.WriteLine((@{
    wallMs = $watch.Elapsed.TotalMilliseconds; failures = @($failed).Count; errors = @($failed | ForEach-Object FullyQualifiedErrorId | Select-Object -Unique)
    storeWrites = $counters.GetProperty('StoreWrites').GetValue($null); configWrites = $counters.GetProperty('ConfigWrites').GetValue($null)
} | ConvertTo-Json -Compress))
'@

function Get-BenchKey([string] $RunId, [int] $I) {
    # The derivation of bench/upsert-storm.mjs (index 0): sk-bench- + 40 hex of SHA-256("<run>/0/<i>").
    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$RunId/0/$I"))
    'sk-bench-' + [Convert]::ToHexString($hash).Substring(0, 40).ToLowerInvariant()
}

function Invoke-BulkRun {
    param([string] $Implementation, [string] $Work)
    $state = Join-Path $Work 'state'
    $homeDir = Join-Path $Work 'home'
    $runDir = Join-Path $Work 'run'
    New-Item -ItemType Directory $homeDir, $runDir | Out-Null
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode($runDir, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') }
    $agentDir = Join-Path $state 'agents/main/agent'
    $storePath = Join-Path $agentDir 'auth-profiles.json'
    $seedKey = New-FakeSecret 'sk-ant-oat01-' 108
    Write-BenchJson $storePath ([ordered]@{ version = 1; profiles = [ordered]@{ 'anthropic:default' = [ordered]@{ type = 'token'; provider = 'anthropic'; token = $seedKey } } })
    Write-BenchJson (Join-Path $state 'openclaw.json') ([ordered]@{ auth = [ordered]@{ profiles = [ordered]@{ 'anthropic:default' = [ordered]@{ provider = 'anthropic'; mode = 'token' } } } })
    $runId = [guid]::NewGuid().ToString('N')
    $ids = for ($i = 0; $i -lt $Keys; $i++) { 'openai:p0-{0:d3}' -f $i }
    $envMap = & $peer { param($s, $h) Get-PeerEnvironment -StateDir $s -HomeDir $h } $state $homeDir
    $envMap['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $envMap['POWERSHELL_UPDATECHECK'] = 'Off'

    $report = $null
    if ($Implementation -eq 'moltbot') {
        $csv = Join-Path $runDir 'keys.csv'
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add('"Provider","ApiKey","ProfileId"')
        for ($i = 0; $i -lt $Keys; $i++) { $lines.Add(('"openai","{0}","{1}"' -f (Get-BenchKey $runId $i), $ids[$i])) }
        [IO.File]::WriteAllLines($csv, $lines)
        if (-not $IsWindows) { [IO.File]::SetUnixFileMode($csv, [IO.UnixFileMode] 'UserRead, UserWrite') }
        $childPath = Join-Path $runDir 'bulk.ps1'
        Set-Content -Path $childPath -Value $childScript
        $r = Invoke-TimedProcess -FilePath $pwsh -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $childPath, $modulePath, $csv) -Environment $envMap -WorkingDirectory $homeDir -TimeoutSeconds $TimeoutSec
        Remove-Item -LiteralPath $csv -Force
        $line = $r.StdOut -split "`n" | Where-Object { $_.Trim().StartsWith('{') } | Select-Object -Last 1
        if ($r.ExitCode -ne 0 -or -not $line) { throw "The moltbot run failed (exit $($r.ExitCode)): $($r.StdErr)" }
        $report = $line | ConvertFrom-Json
    }
    else {
        $ready = Join-Path $runDir 'ready'
        $barrier = Join-Path $runDir 'go'
        New-Item -ItemType File $barrier | Out-Null # released at once: the wall starts after openclaw's imports
        $r = Invoke-TimedProcess -FilePath (Get-PeerNodePath) -ArgumentList @((Join-Path $PSScriptRoot 'upsert-storm.mjs'),
            '--openclaw', (Split-Path (Get-OpenClawEntryPath -Version 2026.1.30)), '--agent-dir', $agentDir, '--index', '0',
            '--count', "$Keys", '--run-id', $runId, '--mode', 'locked', '--ready', $ready, '--barrier', $barrier) -Environment $envMap -WorkingDirectory $homeDir -TimeoutSeconds $TimeoutSec
        $line = $r.StdOut -split "`n" | Where-Object { $_.Trim().StartsWith('{') } | Select-Object -Last 1
        if ($r.ExitCode -ne 0 -or -not $line) { throw "The openclaw run failed (exit $($r.ExitCode)): $($r.StdErr)" }
        $node = $line | ConvertFrom-Json
        $report = [pscustomobject]@{ wallMs = [double] $node.ended - [double] $node.began; failures = $node.failures; errors = @(); storeWrites = $Keys - $node.failures; configWrites = 0 }
    }

    # The store as it ended up: parse (strictly), then compare every expected key in memory.
    $parseOk = $true; $present = 0; $wrong = 0; $seedKept = $false
    try {
        $doc = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText($storePath))
        $profiles = $doc.RootElement.GetProperty('profiles')
        for ($i = 0; $i -lt $Keys; $i++) {
            $entry = [Text.Json.JsonElement]::new()
            if ($profiles.TryGetProperty($ids[$i], [ref] $entry)) {
                $present++
                $keyProp = [Text.Json.JsonElement]::new()
                $ok = $entry.TryGetProperty('key', [ref] $keyProp) -and $keyProp.GetString() -eq (Get-BenchKey $runId $i) -and $entry.GetProperty('type').GetString() -eq 'api_key'
                if (-not $ok) { $wrong++ }
            }
        }
        $seed = [Text.Json.JsonElement]::new()
        $seedKept = $profiles.TryGetProperty('anthropic:default', [ref] $seed) -and $seed.GetProperty('token').GetString() -eq $seedKey
        $doc.Dispose()
    }
    catch { $parseOk = $false; Write-Warning "The store of $Implementation does not parse: $($_.Exception.Message)" }
    $inConfig = $null; $listed = $null
    if ($Implementation -eq 'moltbot') {
        $config = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText((Join-Path $state 'openclaw.json')))
        $names = [Collections.Generic.HashSet[string]]::new()
        foreach ($prop in $config.RootElement.GetProperty('auth').GetProperty('profiles').EnumerateObject()) { [void] $names.Add($prop.Name) }
        $config.Dispose()
        $inConfig = @($ids | Where-Object { $names.Contains($_) }).Count
        $saved = $env:OPENCLAW_STATE_DIR
        try { $env:OPENCLAW_STATE_DIR = $state; $listed = @(Get-MoltbotAuthProfile -Agent main).Count } finally { $env:OPENCLAW_STATE_DIR = $saved }
    }
    [pscustomobject]@{
        Implementation = $Implementation
        Keys           = $Keys
        Lost           = $Keys - ($present - $wrong)
        WrongValue     = $wrong
        Failed         = $report.failures
        ParseOk        = $parseOk
        SeedKept       = $seedKept
        InConfig       = $inConfig
        Listed         = $listed
        WallMs         = [Math]::Round([double] $report.wallMs, 0)
        StoreWrites    = $report.storeWrites
        ConfigWrites   = $report.configWrites
        Errors         = @($report.errors) -join ', '
    }
}

$implementations = @('moltbot')
if ($Node) { $implementations += 'openclaw-2026.1.30 locked' }
$rows = @()
foreach ($impl in $implementations) {
    for ($run = 1; $run -le $Runs; $run++) {
        $work = New-PeerTempDirectory -Prefix 'moltbot-bench-bulk'
        try {
            Write-Host "Running $impl ($Keys keys, run $run of $Runs) ..."
            $rows += Invoke-BulkRun -Implementation $impl -Work $work
        }
        finally { Remove-Item -Recurse -Force $work -ErrorAction Ignore }
    }
}

Write-Host ("Bulk keys: {0} API keys into one store from one process, {1} run(s) each; {2}; {3:yyyy-MM-dd}" -f $Keys, $Runs, (Get-BenchMachine), (Get-Date))
foreach ($group in ($rows | Group-Object Implementation)) {
    $walls = [double[]] @($group.Group | ForEach-Object WallMs)
    $s = Get-Stat $walls
    $ok = @($group.Group | Where-Object { $_.Lost -eq 0 -and $_.ParseOk -and $_.SeedKept -and ($_.Implementation -ne 'moltbot' -or ($_.InConfig -eq $Keys -and $_.Listed -eq $Keys + 1)) }).Count -eq $group.Count
    $first = $group.Group[0]
    Write-Host ("{0,-26} wall median {1:N0} ms (min {2:N0}, max {3:N0}); {4:N0} keys/s; lost {5}, wrong {6}, failed {7}; locked writes: store {8}, config {9} (first run); checks {10}" -f
        $group.Name, $s.Median, $s.Min, $s.Max, ($Keys / ($s.Median / 1000)), (($group.Group | Measure-Object Lost -Sum).Sum), (($group.Group | Measure-Object WrongValue -Sum).Sum),
        (($group.Group | Measure-Object Failed -Sum).Sum), $first.StoreWrites, $first.ConfigWrites, ($ok ? 'ok' : 'FAILED'))
    if ($first.Implementation -eq 'moltbot') {
        Write-Host ("{0,-26} auth.profiles {1}/{2}, Get-MoltbotAuthProfile lists {3}/{4}; goal <= 1000 ms: {5}" -f '', $first.InConfig, $Keys, $first.Listed, ($Keys + 1), ($s.Median -le 1000 ? 'met' : 'NOT met'))
    }
    foreach ($e in @($group.Group | Where-Object Errors)) { Write-Host ("{0,-26} errors: {1}" -f '', $e.Errors) }
}
if ($AsObject) { $rows }
