#Requires -Version 7.4
<#
.SYNOPSIS
    Refresh-storm benchmark: N separate processes ask for the same expired OAuth profile at once.
.DESCRIPTION
    For each contender count, signs in to the loopback test identity provider (tests/peers/idp/server.mjs, access tokens
    that live 2 s), waits until the token has expired, and releases N processes together through a start file:
      - 'moltbot': pwsh processes running Get-MoltbotAccessToken -AsPlainText (cross-agent refresh lock + store lock,
        ~8 ms polling);
      - 'openclaw-2026.1.30': Node processes running the 2026.1.30 refresh algorithm with proper-lockfile 4.1.2 and
        AUTH_STORE_LOCK_OPTIONS (retries 10, factor 2, min 100 ms, max 10 s, randomize, stale 30 s)
        (tests/peers/lock/hold.mjs refresh).
    Prints, per run: wall time from the barrier to each contender's answer (p50/p90/p99/max), the refresh grants the IdP
    saw (and any invalid_grant), and the waiter wake-up delay: for each hand-off of the lock to a contender that was
    already waiting, the time from the previous holder's release to the acquisition (both sides log UTC timestamps;
    for moltbot the cross-agent refresh lock, for Node the store lock).
    Wall times include the process's own work after the barrier (for pwsh: the cmdlet, not the start-up and module
    import, which happen before the barrier). RefreshLockTakers counts the contenders that still took the refresh lock
    (moltbot: the 'Refresh lock:' verbose line; the others found the peer's credential while waiting for it).
    With -InProcess, the 'moltbot' contenders are N runspaces of ONE pwsh (ForEach-Object -Parallel -ThrottleLimit N),
    released by a barrier after a warm-up (tests/peers/lock/Storm.psm1, Invoke-InProcessRefreshStorm); SharedInProcess
    counts those given the refresh of another runspace by the in-process gate, and the refresh round trip (one refresh
    alone, the same way in one runspace) is measured first: the goal is wall p99 <= round trip + 50 ms. OpenClaw has no
    in-process counterpart, so its rows stay separate Node processes.
.EXAMPLE
    dotnet pwsh ./build.ps1 Build; dotnet pwsh -c './bench/refresh-storm.ps1 -Contenders 16, 64'
#>
[CmdletBinding()]
param(
    # From a Unix shell, pass lists through -Command: pwsh -File reads the word '16,64' as the number 1664.
    [ValidateRange(1, 256)]
    [int[]] $Contenders = @(16, 64),
    [ValidateSet('moltbot', 'openclaw-2026.1.30')]
    [string[]] $Implementation = @('moltbot', 'openclaw-2026.1.30'),
    # moltbot contenders as runspaces of one pwsh instead of separate processes.
    [switch] $InProcess,
    [switch] $AsObject
)


$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/peers/lock/Storm.psm1') -Force
$modulePath = (Resolve-Path (Join-Path $root 'out/Moltbot')).Path
Import-Module (Join-Path $modulePath 'Moltbot.psd1') -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "moltbot-bench-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
New-Item -ItemType Directory $work | Out-Null
$idp = Start-TestIdp -AccessTtl 2 -Log (Join-Path $work 'idp.jsonl')
$savedState = $env:OPENCLAW_STATE_DIR
$rows = @()
$roundTrip = $null
try {
    if ($InProcess -and $Implementation -contains 'moltbot') {
        # The refresh round trip: one refresh alone, by one runspace after the same warm-up.
        $state = Join-Path $work 'round-trip'
        New-Item -ItemType Directory $state | Out-Null
        $env:OPENCLAW_STATE_DIR = $state
        Set-TestIdpMode $idp @{ accessTtl = 2; tokenDelayMs = 0 }
        Connect-TestProfile -Idp $idp | Out-Null
        Set-TestIdpMode $idp @{ accessTtl = 600 }
        Start-Sleep -Milliseconds 2100
        $one = (Invoke-InProcessRefreshStorm -WorkDir (Join-Path $state 'storm') -Count 1 -ModulePath $modulePath -TimeoutSec 600).Reports[0]
        if (-not $one.ok -or -not $one.refreshed) { throw "The round-trip refresh did not refresh: $($one.errorId) $($one.message)" }
        $roundTrip = [double] ($one.ended - $one.began)
        Write-Host "refresh round trip (one refresh alone, one runspace): $roundTrip ms"
    }
    foreach ($n in $Contenders) {
        foreach ($impl in $Implementation) {
            $state = Join-Path $work "$impl-$n"
            New-Item -ItemType Directory $state | Out-Null
            $env:OPENCLAW_STATE_DIR = $state
            Set-TestIdpMode $idp @{ accessTtl = 2; tokenDelayMs = 0 }
            Connect-TestProfile -Idp $idp | Out-Null
            Set-TestIdpMode $idp @{ accessTtl = 600 }
            Start-Sleep -Milliseconds 2100 # expired for both algorithms (OpenClaw 2026.1.30 has no margin)
            $skip = Get-TestIdpLineCount $idp

            $runspaces = $InProcess -and $impl -eq 'moltbot'
            $storm = if ($runspaces) {
                Invoke-InProcessRefreshStorm -WorkDir (Join-Path $state 'storm') -Count $n -ModulePath $modulePath -TimeoutSec 600
            }
            elseif ($impl -eq 'moltbot') {
                Invoke-RefreshStorm -WorkDir (Join-Path $state 'storm') -Count $n -ModulePath $modulePath -TimeoutSec 600
            }
            else {
                Invoke-RefreshStorm -WorkDir (Join-Path $state 'storm') -Count $n -Kind node -StateDir $state -TokenEndpoint "$($idp.Ready.issuer)/oauth/token" -TimeoutSec 600
            }
            $reports = $storm.Reports
            $events = @(Get-TestIdpEvents $idp -Skip $skip | Where-Object { $_.event -eq 'token' -and $_.grant_type -eq 'refresh_token' })
            if (@($reports).Count -ne $n) { throw "$impl/${n}: $(@($reports).Count) of $n contenders reported." }
            if ($runspaces) {
                $wall = [double[]] @($reports | Where-Object { $_.PSObject.Properties['ended'] } | ForEach-Object { [double] ($_.ended - $storm.Barrier) })
                $wake = [double[]] @()
                $takers = @($reports | Where-Object tookRefreshLock).Count
                $tokens = @($reports | Where-Object ok | ForEach-Object fingerprint | Sort-Object -Unique).Count
            }
            else {
                $wall = [double[]] @($reports | ForEach-Object { [double] $_.wallMs })
                $wake = [double[]] @(Get-HandoffDelays $reports)
                $takers = @($reports | Where-Object { $_.PSObject.Properties['acquired'] -and $null -ne $_.acquired }).Count
                $tokens = @($reports | Where-Object ok | ForEach-Object token | Sort-Object -Unique).Count
            }
            $row = [pscustomobject]@{
                Implementation = $impl + ($runspaces ? ' (runspaces)' : '')
                Contenders     = $n
                Failed         = @($reports | Where-Object { -not $_.ok }).Count
                DistinctTokens = $tokens
                RefreshGrants  = $events.Count
                InvalidGrant   = @($events | Where-Object { $_.PSObject.Properties['error'] -and $_.error -eq 'invalid_grant' }).Count
                TornReads      = @($reports | Where-Object { $_.PSObject.Properties['tornRead'] -and $_.tornRead }).Count
                WallP50ms      = [Math]::Round((Get-Percentile $wall 50), 1)
                WallP90ms      = [Math]::Round((Get-Percentile $wall 90), 1)
                WallP99ms      = [Math]::Round((Get-Percentile $wall 99), 1)
                WallMaxms      = [Math]::Round(($wall | Measure-Object -Maximum).Maximum, 1)
                Handoffs       = $wake.Count
                WakeP50ms      = [Math]::Round((Get-Percentile $wake 50), 1)
                WakeP90ms      = [Math]::Round((Get-Percentile $wake 90), 1)
                WakeMaxms      = if ($wake.Count) { [Math]::Round(($wake | Measure-Object -Maximum).Maximum, 1) } else { [double]::NaN }
                # moltbot: contenders that took the refresh lock; Node (hold.mjs): those that took the store lock.
                RefreshLockTakers = $takers
                SharedInProcess   = if ($runspaces) { @($reports | Where-Object shared).Count } else { $null }
                RoundTripms       = if ($runspaces) { $roundTrip } else { $null }
                GoalMet           = if ($runspaces) { (Get-Percentile $wall 99) -le $roundTrip + 50 } else { $null }
            }
            $rows += $row
            Write-Host ("{0,-24} n={1,-3} failed={2} tokens={3} refresh-grants={4} invalid_grant={5} wall p50/p90/p99/max={6}/{7}/{8}/{9} ms wake-up p50/p90/max={10}/{11}/{12} ms ({13} hand-offs) torn-reads={14} lock-takers={15}{16}" -f
                $row.Implementation, $row.Contenders, $row.Failed, $row.DistinctTokens, $row.RefreshGrants, $row.InvalidGrant,
                $row.WallP50ms, $row.WallP90ms, $row.WallP99ms, $row.WallMaxms, $row.WakeP50ms, $row.WakeP90ms, $row.WakeMaxms, $row.Handoffs, $row.TornReads,
                $row.RefreshLockTakers, ($runspaces ? " shared-in-process=$($row.SharedInProcess) goal(p99 <= $roundTrip + 50 ms)=$($row.GoalMet)" : ''))
        }
    }
}
finally {
    Stop-TestIdp $idp
    $env:OPENCLAW_STATE_DIR = $savedState
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
if ($AsObject) { $rows } else { $rows | Format-Table -AutoSize | Out-String -Width 250 | Write-Host }
