#Requires -Version 7.4
<#
.SYNOPSIS
    Self-check of the SQLite-era peers: for each of openclaw 2026.6.11, 2026.8.2 and 2026.9.6, one
    `models auth paste-token --provider anthropic` (a fake token on stdin) in a fresh temp state dir, then
    `models auth list --json`; prints pass/fail with the time of each call. Exits 1 when a version fails.
.PARAMETER Version
    The versions to check (default: all three).
.EXAMPLE
    dotnet pwsh tests/peers/Install-Peers.ps1; dotnet pwsh tests/peers/smoke-sqlite.ps1
#>
[CmdletBinding()]
param([ValidateSet('2026.6.11', '2026.8.2', '2026.9.6')] [string[]] $Version = @('2026.6.11', '2026.8.2', '2026.9.6'))
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'OpenClawPeer.psm1') -Force
# Anthropic setup tokens are checked for the prefix sk-ant-oat01- and a length of at least 80 (all three versions).
$token = 'sk-ant-oat01-FAKE-smoke-' + ('0123456789' * 8)
$failed = 0
$root = New-PeerTempDirectory -Prefix 'openclaw-peer-smoke-sqlite'
try {
    foreach ($v in $Version) {
        $problems = [Collections.Generic.List[string]]::new()
        $state = Join-Path $root "state-$v"
        $home_ = Join-Path $root "home-$v"
        $times = @()
        try {
            if (-not (Test-PeerInstalled -Version $v)) { throw "openclaw $v is not installed (run Install-Peers.ps1)" }
            $installed = Get-OpenClawVersion -Installed -Version $v
            if ($installed -ne $v) { $problems.Add("package.json says $installed") }
            # The SQLite-era CLIs read a piped secret up to the end of the line (LF is enough).
            $paste = Invoke-OpenClaw -Version $v -StateDir $state -HomeDir $home_ -TimeoutSeconds 300 `
                -ArgumentList 'models', 'auth', 'paste-token', '--provider', 'anthropic' -InputText "$token`n"
            $times += 'paste-token {0:N1} s' -f $paste.Duration.TotalSeconds
            if ($paste.ExitCode -ne 0) { $problems.Add("paste-token exited with $($paste.ExitCode): $($paste.StdErr.Trim())") }
            $list = Invoke-OpenClaw -Version $v -StateDir $state -HomeDir $home_ -TimeoutSeconds 300 -ArgumentList 'models', 'auth', 'list', '--json'
            $times += 'list --json {0:N1} s' -f $list.Duration.TotalSeconds
            if ($list.ExitCode -ne 0) { $problems.Add("list exited with $($list.ExitCode): $($list.StdErr.Trim())") }
            $json = $list.Json
            $p = if ($json) { @($json.profiles | Where-Object { $_.id -eq 'anthropic:manual' }) } else { @() }
            if (-not $json) { $problems.Add('list printed no JSON') }
            elseif ($p.Count -ne 1 -or $p[0].type -ne 'token') { $problems.Add('list --json has no token profile anthropic:manual') }
            # Where the shared store lives: the main agent DB (6.x) or the state DB (8.x/9.x).
            $expected = if ($v -eq '2026.6.11') { Join-Path $state 'agents/main/agent/openclaw-agent.sqlite' } else { Join-Path $state 'state/openclaw.sqlite' }
            if ($json -and $json.authStatePath -ne $expected) { $problems.Add("authStatePath is '$($json.authStatePath)', expected '$expected'") }
            if (-not (Test-Path -LiteralPath $expected)) { $problems.Add("$expected was not created") }
            # 8.2 and 9.6 create the empty dirs ~/.cache/openclaw and ~/.cache/openclaw-0; any file in HOME is a leak.
            $homeFiles = @(Get-ChildItem -Force -Recurse -File -LiteralPath $home_)
            if ($homeFiles.Count -ne 0) { $problems.Add("openclaw wrote into the temp HOME: $($homeFiles.FullName -join ', ')") }
        }
        catch { $problems.Add($_.Exception.Message) }
        $verdict = if ($problems.Count -eq 0) { 'PASS' } else { 'FAIL'; $failed++ }
        Write-Host ("{0} openclaw {1}: {2}" -f $verdict, $v, ($times -join ', '))
        foreach ($p in $problems) { Write-Host "     $p" }
    }
}
finally {
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module OpenClawPeer -ErrorAction SilentlyContinue
}
if ($failed) { exit 1 }
Write-Host 'smoke-sqlite: OK'
