#Requires -Version 7.4
<#
.SYNOPSIS
    Store-growth benchmark: one process upserts -Upserts distinct API-key profiles, one after the other, into one agent
    store that grows from 1 to -Upserts + 1 profiles; per-upsert latency per bucket of -Bucket profiles.
.DESCRIPTION
    Each implementation starts from the same seed (main's store holding anthropic:default, openclaw.json naming it) in
    a temporary state dir of its own, in one child process that warms up first (pwsh: the module and two upserts on a
    private scratch state dir) and then upserts openai:p0-000, openai:p0-001, ... one at a time:
      - 'moltbot Set-MoltbotApiKey': the cmdlet, called once per profile (as a script loop calls it);
      - 'moltbot core': the core beneath it (Moltbot.Core.Profiles.CredentialService.SaveApiKey with a fresh
        MoltbotState per upsert, as each cmdlet call makes one): the module's own cost without PowerShell's binding;
      - 'openclaw-2026.1.30 locked' (with -Node): openclaw's updateAuthProfileStoreWithLock() (bench/upsert-storm.mjs
        --mode locked), which writes the store only (openclaw.json is not touched by that path).
    Afterwards the store is checked without printing a secret: it parses, every profile is present with the key written
    (compared in memory), the seed survived; for moltbot also openclaw.json's auth.profiles names every profile.
    Prints per implementation the p50 (and p90) per-upsert latency of each bucket (0-99, 100-199, ... profiles already
    in the store), and with -Breakdown the median cost of each step of one upsert at the final size (parse, serialise,
    atomic write with flush, lock take/release, config parse/serialise/write), timed on copies of the final files.
.EXAMPLE
    dotnet pwsh ./build.ps1 Build; dotnet pwsh bench/store-growth.ps1 -Node -Breakdown
#>
[CmdletBinding()]
param(
    [int] $Upserts = 800,
    [int] $Bucket = 100,
    # Also run openclaw 2026.1.30's locked path (Node 24).
    [switch] $Node,
    # Time the steps of one upsert at the final size.
    [switch] $Breakdown,
    [int] $TimeoutSec = 900,
    [switch] $AsObject
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $PSScriptRoot 'BenchHelpers.psm1') -Force
$peer = Import-Module (Join-Path $root 'tests/peers/OpenClawPeer.psm1') -Force -PassThru
$modulePath = (Resolve-Path (Join-Path $root 'out/Moltbot')).Path
$pwsh = Get-BenchPwshPath

# One child: warm-up on a scratch state dir, then $Count upserts, one JSON line of latencies on stdout (never a key).
$childScript = @'
param([string] $ModulePath, [string] $Mode, [int] $Count, [string] $RunId, [string] $WarmState)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
function Get-BenchKey([int] $I) {
    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$RunId/0/$I"))
    'sk-bench-' + [Convert]::ToHexString($hash).Substring(0, 40).ToLowerInvariant()
}
$stormState = $env:OPENCLAW_STATE_DIR
$env:OPENCLAW_STATE_DIR = $WarmState
# The module loads Moltbot.Core into an isolated load context at its first call: its types are found there.
Set-MoltbotApiKey -Provider openai -ProfileId warm0 -ApiKey (ConvertTo-SecureString 'sk-warm-0' -AsPlainText -Force)
$core = [Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' } | Select-Object -First 1
$stateType = $core.GetType('Moltbot.Core.Agents.MoltbotState', $true)
$serviceType = $core.GetType('Moltbot.Core.Profiles.CredentialService', $true)
function Save-Core([string] $Id, [string] $Key) {
    $state = $stateType::Resolve($null)
    $agent = $state.RequireAgent('main')
    $serviceType::new($state, $null).SaveApiKey($agent, 'openai', $Id, $Key, $null, [Threading.CancellationToken]::None)
}
foreach ($w in 1, 2) {
    if ($Mode -eq 'core') { Save-Core "openai:warm$w" "sk-warm-$w" }
    else { Set-MoltbotApiKey -Provider openai -ProfileId "warm$w" -ApiKey (ConvertTo-SecureString "sk-warm-$w" -AsPlainText -Force) }
}
$env:OPENCLAW_STATE_DIR = $stormState
$latencies = [double[]]::new($Count)
$failures = 0
$errors = @()
for ($i = 0; $i -lt $Count; $i++) {
    $id = 'p0-{0:d3}' -f $i
    $key = Get-BenchKey $i
    if ($Mode -eq 'core') {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        try { Save-Core "openai:$id" $key } catch { $failures++; $errors += $_.Exception.GetType().Name }
    }
    else {
        $secure = ConvertTo-SecureString $key -AsPlainText -Force
        $watch = [Diagnostics.Stopwatch]::StartNew()
        try { Set-MoltbotApiKey -Provider openai -ProfileId $id -ApiKey $secure } catch { $failures++; $errors += $_.FullyQualifiedErrorId }
    }
    $latencies[$i] = $watch.Elapsed.TotalMilliseconds
}
[Console]::Out.WriteLine((@{ latencies = $latencies; failures = $failures; errors = @($errors | Select-Object -Unique) } | ConvertTo-Json -Compress))
'@

# The steps of one upsert, each timed alone on copies of the final store and config (medians of $Rounds rounds).
$breakdownScript = @'
param([string] $ModulePath, [string] $StorePath, [string] $ConfigPath, [string] $Scratch, [int] $Rounds)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$null = Get-MoltbotAgent # loads Moltbot.Core into the module's own load context
$core = [Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' } | Select-Object -First 1
function T([string] $Name) { $core.GetType("Moltbot.Core.$Name", $true) }
$SecureFile = T 'IO.SecureFile'; $AuthStoreFile = T 'Store.AuthStoreFile'; $OpenClawConfig = T 'Config.OpenClawConfig'
$FileLock = T 'Locking.FileLock'; $MoltbotState = T 'Agents.MoltbotState'
function Median([scriptblock] $Step) {
    $times = for ($r = 0; $r -lt $Rounds + 3; $r++) { $w = [Diagnostics.Stopwatch]::StartNew(); & $Step; $w.Elapsed.TotalMilliseconds }
    $sorted = @($times | Select-Object -Skip 3 | Sort-Object)
    $sorted[[int] [Math]::Floor($sorted.Count / 2)]
}
$storeCopy = Join-Path $Scratch 'agents/main/agent/auth-profiles.json'
$configCopy = Join-Path $Scratch 'openclaw.json'
$SecureFile::WriteAtomic($storeCopy, [IO.File]::ReadAllBytes($StorePath))
$SecureFile::WriteAtomic($configCopy, [IO.File]::ReadAllBytes($ConfigPath))
$store = $AuthStoreFile::TryLoad($storeCopy)
$storeBytes = [IO.File]::ReadAllBytes($storeCopy)
$config = $OpenClawConfig::Load($configCopy)
$configBytes = [IO.File]::ReadAllBytes($configCopy)
$rows = [ordered]@{
    'store read + parse (TryLoad)'             = Median { $null = $AuthStoreFile::TryLoad($storeCopy) }
    'store re-read of its own write (copy)'    = & { $AuthStoreFile::Save($storeCopy, $store); Median { $null = $AuthStoreFile::TryLoad($storeCopy) } }
    'store serialise (one)'                    = Median { $null = $store.Serialize() }
    'store atomic write (temp, flush, rename)' = Median { $SecureFile::WriteAtomic($storeCopy, $storeBytes) }
    'store lock take + release'                = Median { ($FileLock::Acquire($storeCopy, $null, [Threading.CancellationToken]::None)).Dispose() }
    'config read + parse (JSON5)'              = Median { $null = $OpenClawConfig::Load($configCopy) }
    'config re-read of its own write (copy)'   = & { $config.Save(); Median { $null = $OpenClawConfig::Load($configCopy) } }
    'config atomic write (temp, flush, rename)' = Median { $SecureFile::WriteAtomic($configCopy, $configBytes) }
    'config lock take + release'               = Median { ($FileLock::Acquire($configCopy, $null, [Threading.CancellationToken]::None)).Dispose() }
    'MoltbotState + RequireAgent'              = Median { $null = ($MoltbotState::Resolve($null)).RequireAgent('main') }
}
[Console]::Out.WriteLine(($rows | ConvertTo-Json -Compress))
'@

function Get-BenchKey([string] $RunId, [int] $I) {
    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$RunId/0/$I"))
    'sk-bench-' + [Convert]::ToHexString($hash).Substring(0, 40).ToLowerInvariant()
}

function Invoke-Child([string] $File, [string[]] $ArgumentList, [Collections.IDictionary] $EnvMap, [string] $WorkingDirectory) {
    $run = Invoke-TimedProcess -FilePath $File -ArgumentList $ArgumentList -Environment $EnvMap -WorkingDirectory $WorkingDirectory -TimeoutSeconds $TimeoutSec
    $line = $run.StdOut -split "`n" | Where-Object { $_.Trim().StartsWith('{') } | Select-Object -Last 1
    if ($run.ExitCode -ne 0 -or -not $line) { throw "$File failed (exit $($run.ExitCode)): $($run.StdErr)" }
    $line | ConvertFrom-Json
}

function Invoke-Growth {
    param([string] $Implementation, [string] $Work)
    $state = Join-Path $Work 'state'
    $homeDir = Join-Path $Work 'home'
    $scratch = Join-Path $Work 'scratch'
    New-Item -ItemType Directory $homeDir, $scratch | Out-Null
    $agentDir = Join-Path $state 'agents/main/agent'
    $storePath = Join-Path $agentDir 'auth-profiles.json'
    $configPath = Join-Path $state 'openclaw.json'
    $seedKey = New-FakeSecret 'sk-ant-oat01-' 108
    Write-BenchJson $storePath ([ordered]@{ version = 1; profiles = [ordered]@{ 'anthropic:default' = [ordered]@{ type = 'token'; provider = 'anthropic'; token = $seedKey } } })
    Write-BenchJson $configPath ([ordered]@{ auth = [ordered]@{ profiles = [ordered]@{ 'anthropic:default' = [ordered]@{ provider = 'anthropic'; mode = 'token' } } } })
    $runId = [guid]::NewGuid().ToString('N')
    $envMap = & $peer { param($s, $h) Get-PeerEnvironment -StateDir $s -HomeDir $h } $state $homeDir
    $envMap['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $envMap['POWERSHELL_UPDATECHECK'] = 'Off'
    $isMoltbot = $Implementation -like 'moltbot*'
    if ($isMoltbot) {
        $childPath = Join-Path $Work 'growth.ps1'
        Set-Content -Path $childPath -Value $childScript
        $mode = $Implementation -eq 'moltbot core' ? 'core' : 'cmdlet'
        $report = Invoke-Child $pwsh @('-NoProfile', '-NonInteractive', '-File', $childPath, $modulePath, $mode, $Upserts, $runId, (Join-Path $Work 'warm')) $envMap $homeDir
    }
    else {
        $ready = Join-Path $Work 'ready'
        $barrier = Join-Path $Work 'barrier'
        New-Item -ItemType File $barrier | Out-Null # no barrier: one process starts at once
        $report = Invoke-Child (Get-PeerNodePath) @((Join-Path $PSScriptRoot 'upsert-storm.mjs'), '--openclaw', (Split-Path (Get-OpenClawEntryPath -Version 2026.1.30)),
            '--agent-dir', $agentDir, '--index', '0', '--count', $Upserts, '--run-id', $runId, '--mode', 'locked', '--ready', $ready, '--barrier', $barrier) $envMap $homeDir
    }

    # The store as it ended up: parse (strictly), then compare every expected key in memory.
    $parseOk = $true; $present = 0; $wrong = 0; $seedKept = $false; $total = 0
    try {
        $doc = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText($storePath))
        $profiles = $doc.RootElement.GetProperty('profiles')
        foreach ($p in $profiles.EnumerateObject()) { $total++ }
        for ($i = 0; $i -lt $Upserts; $i++) {
            $entry = [Text.Json.JsonElement]::new()
            if ($profiles.TryGetProperty(('openai:p0-{0:d3}' -f $i), [ref] $entry)) {
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
    $configNote = ''
    if ($isMoltbot) {
        try {
            $config = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText($configPath))
            $inConfig = 0
            foreach ($prop in $config.RootElement.GetProperty('auth').GetProperty('profiles').EnumerateObject()) { if ($prop.Name -like 'openai:p0-*') { $inConfig++ } }
            $config.Dispose()
            $configNote = "auth.profiles $inConfig/$Upserts"
            if ($inConfig -ne $Upserts) { $parseOk = $false }
        }
        catch { $parseOk = $false; $configNote = "openclaw.json does not parse: $($_.Exception.Message)" }
    }

    $lat = [double[]] @($report.latencies | ForEach-Object { [double] $_ })
    if ($lat.Count -ne $Upserts) { throw "$Implementation reported $($lat.Count) latencies, expected $Upserts." }
    $buckets = for ($b = 0; $b -lt $Upserts; $b += $Bucket) {
        $slice = [double[]] $lat[$b..([Math]::Min($Upserts, $b + $Bucket) - 1)]
        $s = Get-Stat $slice
        [pscustomobject]@{ From = $b; To = [Math]::Min($Upserts, $b + $Bucket) - 1; P50 = [Math]::Round($s.Median, 2); P90 = [Math]::Round($s.P90, 2) }
    }
    $steps = $null
    if ($Breakdown -and $isMoltbot -and $Implementation -eq 'moltbot core') {
        $bdPath = Join-Path $Work 'breakdown.ps1'
        Set-Content -Path $bdPath -Value $breakdownScript
        $bdScratch = Join-Path $Work 'breakdown'
        $bdEnv = & $peer { param($s, $h) Get-PeerEnvironment -StateDir $s -HomeDir $h } $bdScratch $homeDir
        $steps = Invoke-Child $pwsh @('-NoProfile', '-NonInteractive', '-File', $bdPath, $modulePath, $storePath, $configPath, $bdScratch, 50) $bdEnv $homeDir
    }
    [pscustomobject]@{
        Implementation = $Implementation
        Upserts        = $Upserts
        Lost           = $Upserts - ($present - $wrong)
        WrongValue     = $wrong
        FailedUpserts  = [int] $report.failures
        StoreProfiles  = $total
        ParseOk        = $parseOk
        SeedKept       = $seedKept
        TotalMs        = [Math]::Round(($lat | Measure-Object -Sum).Sum, 0)
        Buckets        = $buckets
        Config         = $configNote
        Errors         = ($report.PSObject.Properties['errors'] ? (@($report.errors) | Where-Object { $_ }) -join ', ' : '')
        Steps          = $steps
    }
}

$implementations = @('moltbot Set-MoltbotApiKey', 'moltbot core')
if ($Node) { $implementations += 'openclaw-2026.1.30 locked' }
$rows = foreach ($impl in $implementations) {
    $work = New-PeerTempDirectory -Prefix 'moltbot-bench-growth'
    try {
        Write-Host "Running $impl ($Upserts upserts into one growing store) ..."
        Invoke-Growth -Implementation $impl -Work $work
    }
    finally { Remove-Item -Recurse -Force $work -ErrorAction Ignore }
}

Write-Host ("Store growth: one process, {0} upserts of distinct profiles into one store (1 -> {1} profiles); {2}; {3:yyyy-MM-dd}" -f $Upserts, ($Upserts + 1), (Get-BenchMachine), (Get-Date))
Write-Host ("{0,-28} {1}" -f 'p50/p90 ms per upsert at', (($rows[0].Buckets | ForEach-Object { '{0,11}' -f ('{0}-{1}' -f $_.From, $_.To) }) -join ''))
foreach ($r in $rows) {
    Write-Host ("{0,-28} {1}" -f $r.Implementation, (($r.Buckets | ForEach-Object { '{0,11}' -f ('{0:N1}/{1:N1}' -f $_.P50, $_.P90) }) -join ''))
    Write-Host ("{0,-28} lost {1}/{2} (wrong value {3}, failed {4}), {5} profiles in the store, parse {6}, seed kept {7}, total {8:N0} ms{9}" -f '',
        $r.Lost, $r.Upserts, $r.WrongValue, $r.FailedUpserts, $r.StoreProfiles, ($r.ParseOk ? 'ok' : 'FAILED'), $r.SeedKept, $r.TotalMs, ($r.Config ? "; $($r.Config)" : ''))
    if ($r.Errors) { Write-Host ("{0,-28} errors: {1}" -f '', $r.Errors) }
    $last = $r.Buckets[-1]
    if ($r.Implementation -like 'moltbot*') { Write-Host ("{0,-28} goal <= 3 ms per upsert at {1}: {2}" -f '', $Upserts, ($last.P50 -le 3 ? 'met' : 'NOT met')) }
    if ($r.Steps) {
        Write-Host ("{0,-28} steps of one upsert at {1} profiles (median ms):" -f '', $r.StoreProfiles)
        foreach ($p in $r.Steps.PSObject.Properties) { Write-Host ("{0,-30} {1,-44} {2,7:N3}" -f '', $p.Name, [double] $p.Value) }
    }
}
if ($AsObject) { $rows }
