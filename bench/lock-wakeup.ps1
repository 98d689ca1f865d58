#Requires -Version 7.4
<#
.SYNOPSIS
    Lock wake-up benchmark (issue 16, "waiters that cost nothing"): how soon a waiter takes FileLock after a release,
    and how much CPU the waiters burn meanwhile, for three ways of waiting.
.DESCRIPTION
    Builds bench/lock-wakeup (a console over Moltbot.Core) and, per mode and contender count, starts N worker processes
    that take the same lock in turn, released together by a start file after forty warm-up acquisitions each. Each round a
    worker takes the lock, stamps 'acquired' (UTC), holds it for -HoldMs (a sleep: the holder's own work), stamps
    'released' just before the release, then stays away -GapMs so that its peers are the waiters.
    Modes:
      - fixed   : a poll every 4-8 ms that reads, parses and probes the lock each time (the wait before issue 16);
      - backoff : FileLockOptions' defaults: 4-8 ms for the first 100 ms, then a ceiling growing to 20 ms (pauses drawn
                  in [c/2, c]); one lstat per poll while the lock keeps its kind and size, a full look every 100 ms;
      - watch   : backoff plus a FileSystemWatcher (inotify) wake-up on the lock's delete (FileLockOptions.WakeOnRelease).
    Reports, per run: the hand-offs (all acquisitions sorted by time; the delay from the previous holder's release to
    the next acquisition), their p50/p90/p99/max, and the CPU time (user+sys) of all workers per second of waiting.
    Counts are checked: every worker reports every round, and no two holds overlap (the lock excluded them).
.EXAMPLE
    dotnet pwsh -c './bench/lock-wakeup.ps1 -Contenders 8, 64'
#>
[CmdletBinding()]
param(
    [ValidateRange(2, 256)] [int[]] $Contenders = @(8, 64),
    [ValidateSet('fixed', 'backoff', 'watch')] [string[]] $Mode = @('fixed', 'backoff', 'watch'),
    # Total hand-offs per run (rounds per worker = this / N, at least 2).
    [int] $HandOffs = 256,
    [int] $HoldMs = 20,
    [int] $GapMs = 30,
    [switch] $AsObject
)

$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/peers/lock/Storm.psm1') -Force # Get-Percentile
$bin = Join-Path $PSScriptRoot 'lock-wakeup/bin/bench'
& dotnet build (Join-Path $PSScriptRoot 'lock-wakeup/LockWakeup.csproj') -c Release -o $bin --nologo -v q | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'bench/lock-wakeup did not build.' }
$dll = Join-Path $bin 'LockWakeup.dll'

$work = Join-Path ([IO.Path]::GetTempPath()) "moltbot-wakeup-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
New-Item -ItemType Directory $work | Out-Null
$rows = @()
try {
    foreach ($n in $Contenders) {
        foreach ($m in $Mode) {
            $dir = Join-Path $work "$m-$n"
            New-Item -ItemType Directory $dir | Out-Null
            $target = Join-Path $dir 'auth-profiles.json'
            $start = Join-Path $dir 'start'
            $rounds = [Math]::Max(2, [Math]::Ceiling($HandOffs / $n))
            $workers = for ($i = 0; $i -lt $n; $i++) {
                $out = Join-Path $dir "worker-$i.jsonl"
                $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
                foreach ($a in $dll, 'worker', $target, $start, "$rounds", "$HoldMs", "$GapMs", $m, $out) { $psi.ArgumentList.Add($a) }
                $psi.UseShellExecute = $false
                $psi.RedirectStandardError = $true
                [pscustomobject]@{ Out = $out; Process = [System.Diagnostics.Process]::Start($psi) }
            }
            Start-Sleep -Seconds ([Math]::Max(3, $n / 8)) # start-up and the warm-up acquisition of every worker
            New-Item -ItemType File $start | Out-Null
            foreach ($w in $workers) {
                if (-not $w.Process.WaitForExit(600000)) { throw "A worker of $m/$n did not finish." }
                if ($w.Process.ExitCode -ne 0) { throw "A worker of $m/$n failed: $($w.Process.StandardError.ReadToEnd())" }
            }
            $lines = @($workers | ForEach-Object { Get-Content $_.Out | ForEach-Object { $_ | ConvertFrom-Json } })
            $holds = @($lines | Where-Object { $_.PSObject.Properties['acquired'] } | Sort-Object acquired)
            $cpu = @($lines | Where-Object { $_.PSObject.Properties['cpuMs'] })
            if ($holds.Count -ne $n * $rounds -or $cpu.Count -ne $n) { throw "$m/$n reported $($holds.Count) of $($n * $rounds) rounds and $($cpu.Count) of $n workers." }
            $delays = [System.Collections.Generic.List[double]]::new()
            for ($i = 1; $i -lt $holds.Count; $i++) {
                $d = $holds[$i].acquired - $holds[$i - 1].released
                if ($d -lt -0.5) { throw "$m/${n}: two holds overlap (acquired $($holds[$i].acquired) before the release at $($holds[$i - 1].released))." }
                $delays.Add([Math]::Max(0, $d))
            }
            $d = [double[]] $delays.ToArray()
            $waitedS = ($cpu | Measure-Object waitedTotalMs -Sum).Sum / 1000
            $row = [pscustomobject]@{
                Mode            = $m
                Contenders      = $n
                HandOffs        = $d.Count
                WakeP50ms       = [Math]::Round((Get-Percentile $d 50), 1)
                WakeP90ms       = [Math]::Round((Get-Percentile $d 90), 1)
                WakeP99ms       = [Math]::Round((Get-Percentile $d 99), 1)
                WakeMaxms       = [Math]::Round(($d | Measure-Object -Maximum).Maximum, 1)
                CpuMs           = [Math]::Round(($cpu | Measure-Object cpuMs -Sum).Sum, 0)
                WaitedS         = [Math]::Round($waitedS, 1)
                CpuMsPerWaitedS = [Math]::Round(($cpu | Measure-Object cpuMs -Sum).Sum / [Math]::Max(0.001, $waitedS), 1)
                WallS           = [Math]::Round(($cpu | Measure-Object wallMs -Maximum).Maximum / 1000, 1)
            }
            $rows += $row
            Write-Host ("{0,-8} n={1,-3} hand-offs={2} wake-up p50/p90/p99/max={3}/{4}/{5}/{6} ms cpu={7} ms over {8} s waited ({9} ms CPU per s waited) wall={10} s" -f
                $row.Mode, $row.Contenders, $row.HandOffs, $row.WakeP50ms, $row.WakeP90ms, $row.WakeP99ms, $row.WakeMaxms, $row.CpuMs, $row.WaitedS, $row.CpuMsPerWaitedS, $row.WallS)
        }
    }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
if ($AsObject) { $rows } else { $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host }
