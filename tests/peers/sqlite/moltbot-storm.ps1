# moltbot-storm.ps1: one Moltbot writer for tests/Pester/SqliteConcurrency.Tests.ps1: imports the built module, waits for the
# barrier file, then runs Set-MoltbotApiKey -Provider openai -ProfileId <Label>-<i> -NoGatewayRefresh Count times (key =
# sk-FAKE- + sha256("<Label>/<i>") hex [0..20), as upsert-storm.mjs derives it) and writes a JSON summary (never a key) to -Out.
# A failed write is recorded (ErrorId, message), not retried.
param([string] $ModulePath, [string] $Agent, [string] $Label, [int] $Count, [string] $Barrier, [string] $Out, [string] $Ready)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$sha = [Security.Cryptography.SHA256]::Create()
function KeyFor([string] $l, [int] $i) { 'sk-FAKE-' + ([Convert]::ToHexString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes("$l/$i"))).ToLowerInvariant().Substring(0, 20)) }
# (Process.StartTime cannot always be read on Linux: the time since the script started stands in.)
$importMs = [int] ([DateTime]::Now - ([Diagnostics.Process]::GetCurrentProcess().StartTime ?? [DateTime]::Now)).TotalMilliseconds
if ($Ready) { New-Item -ItemType File -Force $Ready | Out-Null }
$w0 = [Diagnostics.Stopwatch]::StartNew()
while (-not (Test-Path -LiteralPath $Barrier)) { Start-Sleep -Milliseconds 10 }
$waitMs = $w0.ElapsedMilliseconds
$watch = [Diagnostics.Stopwatch]::StartNew()
$written = 0; $failures = [Collections.Generic.List[object]]::new(); $max = 0; $slow = 0
for ($i = 1; $i -le $Count; $i++) {
    $t = $watch.ElapsedMilliseconds
    try {
        $sec = ConvertTo-SecureString (KeyFor $Label $i) -AsPlainText -Force
        $p = @{ Provider = 'openai'; ProfileId = "$Label-$i"; ApiKey = $sec; NoGatewayRefresh = $true }
        if ($Agent) { $p.Agent = $Agent }
        Set-MoltbotApiKey @p
        $written++
    } catch {
        $failures.Add([ordered]@{ ProfileId = "openai:$Label-$i"; ErrorId = $_.FullyQualifiedErrorId; Message = $_.Exception.Message })
    }
    $d = $watch.ElapsedMilliseconds - $t; if ($d -gt $max) { $max = $d }; if ($d -ge 1000) { $slow++ }
}
$summary = [ordered]@{ side = 'moltbot'; label = $Label; agent = $Agent; requested = $Count; written = $written; failed = $failures.Count; failures = @($failures | Select-Object -First 10); startupMs = $importMs; waitMs = $waitMs; elapsedMs = $watch.ElapsedMilliseconds; maxWriteMs = $max; writesOver1s = $slow }
$json = $summary | ConvertTo-Json -Compress -Depth 5
Set-Content -LiteralPath $Out -Value $json
$json
