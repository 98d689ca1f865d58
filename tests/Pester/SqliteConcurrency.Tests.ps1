# Concurrency: openclaw 2026.9.6 and Moltbot writing the same SQLite auth store at the same time lose nothing.
# The openclaw side RUNS openclaw's own code (not a mimic): tests/peers/sqlite/upsert-storm.mjs imports
# `upsertAuthProfileWithLock` from openclaw's plugin SDK entry `openclaw/plugin-sdk/provider-auth` (the locked
# BEGIN IMMEDIATE read-modify-write that `models auth paste-api-key` uses) and upserts 300 api_key profiles in one node
# process. At the same time 2 pwsh processes (tests/peers/sqlite/moltbot-storm.ps1) each run 150 Set-MoltbotApiKey.
# All are released by one barrier file. Then every profile must be in the cell with its own key, the real CLI must list
# them, no JSON store may appear, and the DB files stay 0600.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force
    $script:Node = Get-PeerNodePath
    $script:OcDir = Join-Path $PSScriptRoot '../peers/openclaw-2026.9.6/node_modules/openclaw'
    $script:Storm = Join-Path $PSScriptRoot '../peers/sqlite/upsert-storm.mjs'
    $script:Reader = Join-Path $PSScriptRoot '../peers/sqlite/read-store.mjs'
    $script:Worker = Join-Path $PSScriptRoot '../peers/sqlite/moltbot-storm.ps1'
    $sha = [Security.Cryptography.SHA256]::Create()
    function Get-Sha([string] $s) { [Convert]::ToHexString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($s))).ToLowerInvariant() }
    function Get-FakeKey([string] $Label, [int] $I) { 'sk-FAKE-' + (Get-Sha "$Label/$I").Substring(0, 20) }

    function New-ChildPsi([string] $File, [string[]] $Arguments) {
        $psi = [Diagnostics.ProcessStartInfo]::new($File)
        foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.WorkingDirectory = $script:PeerHome
        foreach ($k in @($psi.Environment.Keys)) { if ($k -match '^(OPENCLAW_|MOLTBOT_|CLAWDBOT_)|_API_KEY$|^CODEX_HOME$') { [void] $psi.Environment.Remove($k) } }
        $psi.Environment['HOME'] = $script:PeerHome; $psi.Environment['OPENCLAW_HOME'] = $script:PeerHome
        $psi.Environment['OPENCLAW_STATE_DIR'] = $script:State; $psi.Environment['MOLTBOT_NO_GATEWAY_REFRESH'] = '1'
        $psi.Environment['NO_COLOR'] = '1'; $psi.Environment['CI'] = 'true'
        $psi.Environment['NODE_OPTIONS'] = '--disable-warning=ExperimentalWarning'
        $psi
    }
    function Invoke-Cli([string[]] $ArgumentList, [string] $InputText) {
        # Never echo the CLI's output (it shows parts of secrets). Self-contained: OpenClawPeer.psm1 may not know 9.6 yet.
        $psi = New-ChildPsi $script:Node (@((Join-Path $script:OcDir 'openclaw.mjs')) + $ArgumentList)
        $psi.RedirectStandardInput = $true
        $p = [Diagnostics.Process]::Start($psi)
        $o = $p.StandardOutput.ReadToEndAsync(); $e = $p.StandardError.ReadToEndAsync()
        if ($InputText) { $p.StandardInput.Write($InputText) }; $p.StandardInput.Close()
        if (-not $p.WaitForExit(400000)) { $p.Kill($true); throw "openclaw $($ArgumentList[0..3] -join ' ') timed out" }
        $p.WaitForExit()
        $p.ExitCode | Should -Be 0 -Because "openclaw $($ArgumentList[0..3] -join ' ') (stderr: $($e.Result))"
        $o.Result
    }
    function Read-Cell([string] $Db, [switch] $Shared) {
        $a = @($script:Reader, '--db', $Db); if ($Shared) { $a += '--shared' }
        (& $script:Node @a) | ConvertFrom-Json -AsHashtable
    }
    function Get-JsonFiles { @(Get-ChildItem -Recurse -Force -File -LiteralPath $script:State -Filter 'auth-*.json*' -ErrorAction Ignore) }

    function Invoke-Storm([string] $AgentDir, [string] $Agent, [int] $OcCount, [int] $MbCount, [string] $Tag) {
        $barrier = Join-Path $TestDrive "barrier-$Tag"
        $procs = @()
        $ready = @(Join-Path $TestDrive "ready-$Tag-oc"; Join-Path $TestDrive "ready-$Tag-1"; Join-Path $TestDrive "ready-$Tag-2")
        $ocArgs = @($script:Storm, '--count', $OcCount, '--prefix', $Tag, '--barrier', $barrier, '--ready', $ready[0], '--openclaw', $script:OcDir, '--out', (Join-Path $TestDrive "oc-$Tag.json"))
        if ($AgentDir) { $ocArgs += @('--agent-dir', $AgentDir) }
        $procs += [Diagnostics.Process]::Start((New-ChildPsi $script:Node $ocArgs))
        # The pwsh of this session, as tests/peers/lock/Storm.psm1 starts its children (its apphost in PSHOME).
        $pw = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh'); $pre = @()
        foreach ($n in 1, 2) {
            $procs += [Diagnostics.Process]::Start((New-ChildPsi $pw ($pre + @('-NoProfile', '-NonInteractive', '-File', $script:Worker, '-ModulePath', $script:ModulePath,
                            '-Agent', $Agent, '-Label', "mb-$Tag$n", '-Count', $MbCount, '-Barrier', $barrier, '-Ready', $ready[$n], '-Out', (Join-Path $TestDrive "mb-$Tag$n.json")))))
        }
        $outs = $procs | ForEach-Object { @{ P = $_; O = $_.StandardOutput.ReadToEndAsync(); E = $_.StandardError.ReadToEndAsync() } }
        # Release everyone together once each has imported its code (openclaw's SDK import takes seconds, more under load).
        $wait = [Diagnostics.Stopwatch]::StartNew()
        while (@($ready | Where-Object { -not (Test-Path -LiteralPath $_) }).Count -gt 0 -and $wait.Elapsed.TotalSeconds -lt 300) {
            if (@($procs | Where-Object HasExited).Count -gt 0) { break }
            Start-Sleep -Milliseconds 100
        }
        $script:Watch = [Diagnostics.Stopwatch]::StartNew()
        New-Item -ItemType File $barrier | Out-Null
        foreach ($x in $outs) { if (-not $x.P.WaitForExit(600000)) { $x.P.Kill($true) }; $x.P.WaitForExit() }
        $elapsed = $script:Watch.Elapsed.TotalSeconds
        $stderr = ($outs | ForEach-Object { $_.E.Result }) -join "`n"
        foreach ($f in @("oc-$Tag.json", "mb-${Tag}1.json", "mb-${Tag}2.json")) {
            Test-Path -LiteralPath (Join-Path $TestDrive $f) | Should -BeTrue -Because "the writer writes $f when it ends (its stderr: $($stderr.Substring(0, [Math]::Min(2000, $stderr.Length))))"
        }
        $oc = Get-Content -Raw (Join-Path $TestDrive "oc-$Tag.json") | ConvertFrom-Json
        $mb = 1, 2 | ForEach-Object { Get-Content -Raw (Join-Path $TestDrive "mb-$Tag$_.json") | ConvertFrom-Json }
        [pscustomobject]@{ Oc = $oc; Mb = $mb; Elapsed = $elapsed; OcWarnings = @([regex]::Matches($stderr, 'auth profile store update failed[^\r\n]*').Value) }
    }
    function Assert-Storm($R, $Cell, [string] $Tag, [int] $OcCount, [int] $MbCount, [string[]] $Initial) {
        $expected = @{}
        for ($i = 1; $i -le $OcCount; $i++) { $expected["openai:oc-$Tag-$i"] = Get-Sha (Get-FakeKey "oc-$Tag" $i) }
        foreach ($n in 1, 2) { for ($i = 1; $i -le $MbCount; $i++) { $expected["openai:mb-$Tag$n-$i"] = Get-Sha (Get-FakeKey "mb-$Tag$n" $i) } }
        $lost = @($expected.Keys | Where-Object { -not $Cell.profiles.ContainsKey($_) })
        $wrong = @($expected.Keys | Where-Object { $Cell.profiles.ContainsKey($_) -and $Cell.profiles[$_].secretSha256 -ne $expected[$_] })
        Write-Host ("  [{0}] openclaw wrote {1}/{2} (retries {3}, max write {4} ms), moltbot wrote {5}/{6} + {7}/{8} (max write {9}/{10} ms), cell {11} profiles, lost {12}, wrong key {13}, elapsed {14:n1} s" -f
            $Tag, $R.Oc.written, $OcCount, $R.Oc.retries, $R.Oc.perWriteMs.max, $R.Mb[0].written, $MbCount, $R.Mb[1].written, $MbCount, $R.Mb[0].maxWriteMs, $R.Mb[1].maxWriteMs, $Cell.count, $lost.Count, $wrong.Count, $R.Elapsed)
        foreach ($m in $R.Mb) { foreach ($f in $m.failures) { Write-Host "  Moltbot failure: $($f.ProfileId) $($f.ErrorId): $($f.Message)" } }
        foreach ($f in $R.Oc.failures) { Write-Host "  openclaw failure: $($f.profileId) after $($f.attempts): $($f.error)" }
        $R.Oc.failed | Should -Be 0
        $R.Mb.failed | Should -Be @(0, 0)
        ($lost | Select-Object -First 5) | Should -BeNullOrEmpty -Because "$($lost.Count) writes are missing from the cell"
        ($wrong | Select-Object -First 5) | Should -BeNullOrEmpty
        foreach ($id in $Initial) { $Cell.profiles.Keys | Should -Contain $id }
        $Cell.count | Should -Be ($expected.Count + $Initial.Count)
        $Cell.compact | Should -BeTrue
    }
}

Describe 'openclaw 2026.9.6 and Moltbot write one SQLite store at the same time' -Tag 'Compat', 'Sqlite' {
    BeforeAll {
        $script:State = New-TestStateDir 'sqlite-concurrency'
        $script:PeerHome = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory -Force $script:PeerHome | Out-Null
        $script:SavedEnv = @{ HOME = $env:HOME; MOLTBOT_NO_GATEWAY_REFRESH = $env:MOLTBOT_NO_GATEWAY_REFRESH }
        $env:HOME = $script:PeerHome; $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'
        $script:Token = New-TestSetupToken 'CONC'
        # The real CLI creates the stores once (FINDINGS.md S1, S3, S4): the shared store (state-db ownership on a fresh
        # 9.6 dir), agent work, and work's DB (order clear creates it, empty).
        Invoke-Cli @('models', 'auth', 'paste-token', '--provider', 'anthropic') "$script:Token`n" | Out-Null
        Invoke-Cli @('agents', 'add', 'work', '--non-interactive', '--workspace', (Join-Path $TestDrive 'ws')) | Out-Null
        Invoke-Cli @('models', 'auth', 'order', 'clear', '--provider', 'anthropic', '--agent', 'work') | Out-Null
        $script:WorkDir = Join-Path $script:State 'agents/work/agent'
        $script:WorkDb = Join-Path $script:WorkDir 'openclaw-agent.sqlite'
        $script:StateDb = Join-Path $script:State 'state/openclaw.sqlite'
        for ($i = 1; $i -le 300; $i++) { Register-TestSecret (Get-FakeKey 'oc-w' $i); Register-TestSecret (Get-FakeKey 'oc-s' $i) }
        foreach ($n in 1, 2) { for ($i = 1; $i -le 150; $i++) { Register-TestSecret (Get-FakeKey "mb-w$n" $i); Register-TestSecret (Get-FakeKey "mb-s$n" $i) } }
    }
    AfterAll {
        foreach ($kv in $script:SavedEnv.GetEnumerator()) { if ($null -eq $kv.Value) { Remove-Item "Env:$($kv.Key)" -ErrorAction Ignore } else { Set-Item "Env:$($kv.Key)" $kv.Value } }
    }

    It "agent work's DB: 300 openclaw upserts and 2 x 150 Moltbot writes, interleaved, lose nothing" {
        $r = Invoke-Storm -AgentDir $script:WorkDir -Agent 'work' -OcCount 300 -MbCount 150 -Tag 'w'
        $cell = Read-Cell $script:WorkDb
        Assert-Storm $r $cell 'w' 300 150 @()
        $list = Invoke-Cli @('models', 'auth', 'list', '--agent', 'work', '--json')
        $json = $list.Substring([regex]::Match($list, '(?m)^\{').Index) | ConvertFrom-Json
        $ids = @($json.profiles.id)
        foreach ($id in $cell.profiles.Keys) { $ids | Should -Contain $id }
    }

    It 'the shared store (state DB): 300 openclaw upserts and 2 x 150 Moltbot writes lose nothing' {
        $r = Invoke-Storm -AgentDir $null -Agent 'main' -OcCount 300 -MbCount 150 -Tag 's'
        Assert-Storm $r (Read-Cell $script:StateDb -Shared) 's' 300 150 @('anthropic:manual')
    }

    It 'no JSON store appeared and the databases are still 0600' {
        Get-JsonFiles | Should -BeNullOrEmpty
        $dbs = @(Get-ChildItem -Force -File -Path "$script:WorkDb*", "$script:StateDb*")
        $dbs | ForEach-Object { Get-UnixMode $_.FullName | Should -Be '600' -Because $_.FullName }
    }
}
