#Requires -Version 7.4
<#
.SYNOPSIS
    Self-check of the peers harness: imports OpenClawPeer.psm1, prints the openclaw version and the result of one
    `openclaw models status --json` on an empty temp state dir. Exits 1 when something is wrong.
.EXAMPLE
    dotnet pwsh tests/peers/Install-Peers.ps1; dotnet pwsh tests/peers/smoke.ps1
#>
[CmdletBinding()]
param()
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'OpenClawPeer.psm1') -Force
$root = New-PeerTempDirectory -Prefix 'openclaw-peer-smoke'
try {
    Write-Host "node     : $(Get-PeerNodePath)"
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $version = Get-OpenClawVersion
    Write-Host "openclaw : $version (--version took $([Math]::Round($watch.Elapsed.TotalSeconds, 1)) s)"

    $state = Join-Path $root 'state'
    $r = Invoke-OpenClaw -StateDir $state -ArgumentList 'models', 'status', '--json'
    Write-Host "models status --json: exit $($r.ExitCode) in $([Math]::Round($r.Duration.TotalSeconds, 1)) s"
    if ($r.StdErr) { Write-Host "stderr   : $($r.StdErr.Trim())" }
    Write-Host $r.StdOut.TrimEnd()

    $problems = @()
    if ($version -ne '2026.1.30') { $problems += "expected openclaw 2026.1.30, got '$version'" }
    if ($r.ExitCode -ne 0) { $problems += "models status exited with $($r.ExitCode)" }
    $json = $r.Json
    if (-not $json) { $problems += 'models status printed no JSON' }
    elseif ($json.auth.storePath -ne (Join-Path $state 'agents/main/agent/auth-profiles.json')) {
        $problems += "unexpected auth.storePath '$($json.auth.storePath)' (OPENCLAW_STATE_DIR not honored?)"
    }
    if (@(Get-ChildItem -Force -LiteralPath $r.HomeDir).Count -ne 0) { $problems += "openclaw wrote into the temp HOME $($r.HomeDir)" }
    if (Test-Path -LiteralPath $state) { $problems += "models status created $state (expected: read-only)" }
    if ($problems) {
        foreach ($p in $problems) { Write-Host "FAIL: $p" }
        exit 1
    }
    Write-Host 'smoke: OK'
}
finally {
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module OpenClawPeer -ErrorAction SilentlyContinue  # its OnRemove deletes the temp HOME
}
