# Locked refresh on SQLite-era stores (openclaw-sqlite.md §4, §5, §7, §8) against the test identity provider
# (oidc-provider with refresh token rotation and reuse detection, tests/peers/idp): storms of separate pwsh processes
# on an expired ChatGPT/Codex profile (provider `openai` from OpenClaw 2026.6.1, `openai-codex` before) must cause
# exactly one refresh grant and no invalid_grant, under the cross-agent lock named as OpenClaw names it; and a 9.6
# pending refresh fence is waited for, never overwritten.
# The D2 (9.6) state dir is made by the real openclaw 2026.9.6 CLI (tests/peers/openclaw-2026.9.6); era C and the
# fence case use dbs built here with /usr/bin/sqlite3 and the exact DDL of §4 (as tests/Moltbot.Core.Tests/Sqlite/SqliteFixtures.cs).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Sqlite3 = '/usr/bin/sqlite3'
    $script:Peers = (Resolve-Path (Join-Path $PSScriptRoot '../peers')).Path
    $script:OpenClaw96 = Join-Path $script:Peers 'openclaw-2026.9.6/node_modules/openclaw/openclaw.mjs'
    $script:SavedHome = $env:HOME
    $env:HOME = Join-Path $TestDrive 'home' # never the real ~/.openclaw, here or in any child process
    New-Item -ItemType Directory -Force $env:HOME | Out-Null
    $script:Idp = Start-TestIdp -AccessTtl 600 -Log (Join-Path $TestDrive 'idp-audit.jsonl')

    function Invoke-Sql([string] $Db, [string] $Sql) {
        $out = @(".timeout 10000`n$Sql" | & $script:Sqlite3 -bail -batch $Db 2>&1)
        if ($LASTEXITCODE -ne 0) { throw "sqlite3 $Db failed ($LASTEXITCODE): $($out -join ' ')" }
        $out
    }

    function Get-SqlText([string] $Value) { "'" + $Value.Replace("'", "''") + "'" }

    function Get-NowMs { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }

    function New-PrivateDir([string] $Path) {
        New-Item -ItemType Directory -Force $Path | Out-Null
        [IO.File]::SetUnixFileMode($Path, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
    }

    function New-SqliteDb([string] $Path, [string[]] $Ddl, [string[]] $Rows, [int] $UserVersion) {
        # An empty 0600 file first: SQLite takes it as a new database and gives -wal/-shm the same mode.
        $fs = [IO.FileStream]::new($Path, [IO.FileStreamOptions]@{ Mode = 'CreateNew'; Access = 'Write'; UnixCreateMode = [IO.UnixFileMode] 'UserRead, UserWrite' })
        $fs.Dispose()
        $result = Invoke-Sql $Path ("PRAGMA journal_mode=WAL;`nBEGIN IMMEDIATE;`n" + (($Ddl + $Rows) -join ";`n") + ";`nPRAGMA user_version=$UserVersion;`nCOMMIT;")
        @($result)[0] | Should -Be 'wal'
    }

    function New-SqliteFixture {
        <# A state dir with state/openclaw.sqlite and agents/main/agent/openclaw-agent.sqlite of era C (v1, not STRICT)
           or D2 (9.6: agent 23 / state 18, STRICT, auth.sharedStore legacy-main); the DDL of openclaw-sqlite.md §4. #>
        param([Parameter(Mandatory)] [string] $State, [ValidateSet('C', 'D2')] [string] $Shape)
        $strict = $Shape -eq 'C' ? '' : ' STRICT'
        $agentVersion = $Shape -eq 'C' ? 1 : 23
        $stateVersion = $Shape -eq 'C' ? 1 : 18
        $app = $Shape -eq 'C' ? 'NULL' : "'2026.9.6'"
        $now = Get-NowMs
        $meta = "CREATE TABLE schema_meta (`n  meta_key TEXT NOT NULL PRIMARY KEY,`n  role TEXT NOT NULL,`n  schema_version INTEGER NOT NULL,`n  agent_id TEXT,`n  app_version TEXT,`n  created_at INTEGER NOT NULL,`n  updated_at INTEGER NOT NULL`n)$strict"
        $store = "CREATE TABLE auth_profile_store (`n  store_key TEXT NOT NULL PRIMARY KEY,`n  store_json TEXT NOT NULL,`n  updated_at INTEGER NOT NULL`n)$strict"
        $stateTable = "CREATE TABLE auth_profile_state (`n  state_key TEXT NOT NULL PRIMARY KEY,`n  state_json TEXT NOT NULL,`n  updated_at INTEGER NOT NULL`n)$strict"
        New-PrivateDir $State
        New-PrivateDir (Join-Path $State 'state')
        New-PrivateDir (Join-Path $State 'agents/main/agent')
        if ($Shape -eq 'C') {
            $ddl = $meta, "CREATE TABLE auth_profile_state (`n  store_key TEXT NOT NULL PRIMARY KEY,`n  state_json TEXT NOT NULL,`n  updated_at INTEGER NOT NULL`n)"
            $rows = @("INSERT INTO schema_meta VALUES ('primary','global',1,NULL,NULL,$now,$now)")
        }
        else {
            $ddl = $meta,
                "CREATE TABLE config_machine_state (`n      state_key TEXT NOT NULL PRIMARY KEY,`n      value_json TEXT NOT NULL,`n      updated_at_ms INTEGER NOT NULL`n    ) STRICT",
                "CREATE TABLE agent_databases (`n  agent_id TEXT NOT NULL PRIMARY KEY,`n  path TEXT NOT NULL,`n  schema_version INTEGER NOT NULL,`n  last_seen_at INTEGER NOT NULL,`n  size_bytes INTEGER`n) STRICT"
            $rows = "INSERT INTO schema_meta VALUES ('primary','global',18,NULL,'2026.9.6',$now,$now)",
                "INSERT INTO config_machine_state VALUES ('config.lastTouchedAt','`"2026-12-01T00:00:00.000Z`"',$now)",
                "INSERT INTO config_machine_state VALUES ('auth.sharedStore','{`"location`":`"legacy-main`"}',$now)",
                "INSERT INTO agent_databases VALUES ('main','agents/main/agent/openclaw-agent.sqlite',23,$now,NULL)"
        }
        New-SqliteDb (Join-Path $State 'state/openclaw.sqlite') $ddl $rows $stateVersion
        $rows = @()
        if ($Shape -ne 'C') { $rows += "INSERT INTO schema_meta VALUES ('historical-transcript-directives-v1','agent',1,NULL,NULL,$now,$now)" }
        $rows += "INSERT INTO schema_meta VALUES ('primary','agent',$agentVersion,'main',$app,$now,$now)",
            "INSERT INTO auth_profile_store VALUES ('primary','{`"version`":1,`"profiles`":{}}',$now)"
        New-SqliteDb (Join-Path $State 'agents/main/agent/openclaw-agent.sqlite') ($meta, $store, $stateTable) $rows $agentVersion
    }

    function New-CliStateD2([string] $State) {
        <# openclaw 2026.9.6 creates the state DB and the main agent DB (`models auth order clear --agent main`); then the
           ownership row of an upgraded install, auth.sharedStore = legacy-main, as a BEGIN IMMEDIATE upsert. #>
        if (-not (Test-Path $script:OpenClaw96)) { throw "openclaw 2026.9.6 is not installed: run tests/peers/Install-Peers.ps1 ($script:OpenClaw96)." }
        $peerHome = Join-Path $TestDrive 'peer-home'
        New-Item -ItemType Directory -Force $peerHome | Out-Null
        $psi = [Diagnostics.ProcessStartInfo]::new((Get-PeerNode))
        foreach ($a in $script:OpenClaw96, 'models', 'auth', 'order', 'clear', '--provider', 'anthropic', '--agent', 'main') { $psi.ArgumentList.Add($a) }
        foreach ($name in @($psi.Environment.Keys)) { if ($name -match '^(OPENCLAW_|CLAWDBOT_|MOLTBOT_|ANTHROPIC_|OPENAI_)') { [void] $psi.Environment.Remove($name) } }
        $psi.Environment['HOME'] = $peerHome; $psi.Environment['OPENCLAW_HOME'] = $peerHome; $psi.Environment['OPENCLAW_STATE_DIR'] = $State
        $psi.Environment['NO_COLOR'] = '1'; $psi.Environment['CI'] = 'true'; $psi.Environment['OPENCLAW_HIDE_BANNER'] = '1'
        $psi.Environment['NODE_OPTIONS'] = '--disable-warning=ExperimentalWarning'
        $psi.Environment['NODE_COMPILE_CACHE'] = Join-Path $script:Peers 'node_modules/.cache/node-compile-cache'
        $psi.WorkingDirectory = $peerHome
        $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.RedirectStandardInput = $true
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $p.StandardInput.Close()
            $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
            if (-not $p.WaitForExit(120000)) { $p.Kill($true); throw 'openclaw 2026.9.6 did not finish within 120 s.' }
            $p.WaitForExit()
            # Its output is not echoed (openclaw may print parts of secrets); exit code and stderr suffice.
            $p.ExitCode | Should -Be 0 -Because "openclaw 2026.9.6 models auth order clear must succeed ($($err.Result))"
        }
        finally { $p.Dispose() }
        Invoke-Sql (Join-Path $State 'state/openclaw.sqlite') ("BEGIN IMMEDIATE;`nINSERT INTO config_machine_state(state_key, value_json, updated_at_ms) VALUES ('auth.sharedStore', '{`"location`":`"legacy-main`"}', $(Get-NowMs)) " +
            "ON CONFLICT(state_key) DO UPDATE SET value_json=excluded.value_json, updated_at_ms=excluded.updated_at_ms;`nCOMMIT;") | Out-Null
    }

    function Set-StoreCell([string] $Db, [string] $Json) {
        # As an OpenClaw writer: BEGIN IMMEDIATE, upsert of row 'primary', compact JSON, updated_at = now (ms).
        Invoke-Sql $Db ("BEGIN IMMEDIATE;`nINSERT INTO auth_profile_store(store_key, store_json, updated_at) VALUES ('primary', $(Get-SqlText $Json), $(Get-NowMs)) " +
            "ON CONFLICT(store_key) DO UPDATE SET store_json=excluded.store_json, updated_at=excluded.updated_at;`nCOMMIT;") | Out-Null
    }

    function Get-StoreCell([string] $Db) { (Invoke-Sql $Db "SELECT store_json FROM auth_profile_store WHERE store_key='primary';") -join "`n" }

    function Get-OpenClawLockId([string] $Provider, [string] $ProfileId) {
        # openclaw-sqlite.md §8 (6.10+): two 64-bit FNV-1a-style lanes over the UTF-8 bytes of the compact JSON [provider, profileId].
        $json = ConvertTo-Json -Compress -InputObject @($Provider, $ProfileId)
        $mod = [System.Numerics.BigInteger]::Pow(2, 64)
        $prime = [System.Numerics.BigInteger]::Parse('1099511628211')
        $k = [System.Numerics.BigInteger]::Parse('11400714819323198485')
        $a = [System.Numerics.BigInteger]::Parse('14695981039346656037')
        $b = [System.Numerics.BigInteger]::Parse('11160318154034397263')
        foreach ($byte in [Text.Encoding]::UTF8.GetBytes($json)) {
            $a = (($a -bxor [System.Numerics.BigInteger] $byte) * $prime) % $mod
            $b = (($b -bxor ([System.Numerics.BigInteger] $byte + $k)) * $prime) % $mod
        }
        'lock-' + ([UInt64] $a).ToString('x16') + ([UInt64] $b).ToString('x16')
    }

    function Get-Sha256LockId([string] $Provider, [string] $ProfileId) {
        'sha256-' + [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$Provider`0$ProfileId"))).ToLowerInvariant()
    }

    function New-LoginCredential {
        <# Signs in through the fake browser into a throw-away JSON-era state dir and returns the stored credential. #>
        $login = New-TestStateDir
        Connect-TestProfile -Idp $script:Idp | Out-Null
        $entry = (Get-Content -Raw (Join-Path $login 'agents/main/agent/auth-profiles.json') | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default']
        Register-TestSecret $entry.access
        Register-TestSecret $entry.refresh
        $entry
    }

    function ConvertTo-ExpiredCell([hashtable] $Entry, [string] $Provider, [string] $ProfileId) {
        $cred = [ordered]@{ type = 'oauth'; provider = $Provider; access = $Entry.access; refresh = $Entry.refresh; expires = (Get-NowMs) - 60000 }
        foreach ($key in 'accountId', 'email') { if ($Entry[$key]) { $cred[$key] = $Entry[$key] } }
        [ordered]@{ version = 1; profiles = [ordered]@{ $ProfileId = $cred } } | ConvertTo-Json -Compress -Depth 5
    }

    function Start-LockWatch([string] $Dir) {
        <# Polls $Dir (recursively) every few ms on a runspace; records each file name with when it was first and last seen (epoch ms). #>
        $seen = [hashtable]::Synchronized(@{}) # one writer (the poller); read after it stopped
        $stop = [Threading.ManualResetEventSlim]::new($false)
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Dir, $Seen, $Stop)
                while (-not $Stop.IsSet) {
                    try {
                        if ([IO.Directory]::Exists($Dir)) {
                            foreach ($f in [IO.Directory]::EnumerateFiles($Dir, '*', [IO.SearchOption]::AllDirectories)) {
                                $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
                                $name = [IO.Path]::GetRelativePath($Dir, $f)
                                if ($Seen.ContainsKey($name)) { $Seen[$name][1] = $now } else { $Seen[$name] = [long[]] @($now, $now) }
                            }
                        }
                    }
                    catch [IO.IOException] { } # a file or folder vanished while listing
                    catch [UnauthorizedAccessException] { }
                    [Threading.Thread]::Sleep(3)
                }
            }).AddArgument($Dir).AddArgument($seen).AddArgument($stop)
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke(); Seen = $seen; Stop = $stop }
    }

    function Stop-LockWatch([object] $Watch) {
        $Watch.Stop.Set()
        $null = $Watch.PowerShell.EndInvoke($Watch.Handle)
        $Watch.PowerShell.Dispose()
        $Watch.Seen
    }

    function Get-JsonStores([string] $State) {
        @(Get-ChildItem -Recurse -Force -File -LiteralPath $State -ErrorAction Ignore | Where-Object Name -in 'auth-profiles.json', 'auth-state.json', 'auth-profiles.json.lock')
    }

    function Invoke-SqliteStorm {
        <# Separate pwsh processes (16 unless told) ask for the expired profile at once while the first refresh takes 1.5 s at the IdP. #>
        param([string] $State, [string] $Db, [string] $Provider, [string] $ProfileId, [hashtable] $Login, [string] $Name, [int] $Count = 16)
        $before = Get-StoreCell $Db
        $audit = Get-TestIdpLineCount $script:Idp
        Set-TestIdpMode $script:Idp @{ accessTtl = 600; tokenDelayMs = 1500; failNext = @() }
        $watch = Start-LockWatch (Join-Path $State 'locks')
        try {
            $storm = Invoke-RefreshStorm -WorkDir (Join-Path $TestDrive "storm-$Name") -Count $Count -Provider $Provider -ModulePath $script:ModulePath
        }
        finally {
            $seen = Stop-LockWatch $watch
            Set-TestIdpMode $script:Idp @{ tokenDelayMs = 0 }
        }
        $events = Get-TestIdpEvents $script:Idp -Skip $audit
        $reports = $storm.Reports
        foreach ($t in @($reports.token | Where-Object { $_ } | Sort-Object -Unique)) { Register-TestSecret $t }
        [pscustomobject]@{
            Reports = $reports; Events = $events; Seen = $seen; Before = $before
            Grants = @($events | Where-Object { $_.event -eq 'token' -and $_.grant_type -eq 'refresh_token' })
            Entry = (Get-StoreCell $Db | ConvertFrom-Json -AsHashtable).profiles[$ProfileId]
        }
    }

    function Assert-OneRefresh([object] $Run, [hashtable] $Login, [string] $Provider, [string] $State, [string[]] $LockIds, [int] $Count = 16) {
        @($Run.Reports | Where-Object { -not $_.ok }) | ForEach-Object { "$($_.index): $($_.errorId) $($_.message)" } | Should -BeNullOrEmpty
        $Run.Reports | Should -HaveCount $Count
        $Run.Grants | Should -HaveCount 1
        $Run.Grants[0].status | Should -Be 200
        $Run.Grants[0].presented_refresh_token_fp | Should -Be (Get-TokenFingerprint $Login.refresh)
        @($Run.Events | Where-Object error -eq 'invalid_grant') | Should -HaveCount 0
        # Every process got the same new token (fingerprints only: a failing Should prints its values).
        $fps = @($Run.Reports | ForEach-Object { Get-TokenFingerprint $_.token } | Sort-Object -Unique)
        $fps | Should -HaveCount 1
        $fps[0] | Should -Not -Be (Get-TokenFingerprint $Login.access)
        @($Run.Reports | Where-Object refreshed) | Should -HaveCount 1
        # The SQLite cell holds the rotated credential, the rest of the entry as it was.
        Get-TokenFingerprint $Run.Entry.refresh | Should -Be $Run.Grants[0].issued_refresh_token_fp
        Get-TokenFingerprint $Run.Entry.access | Should -Be $fps[0]
        $Run.Entry.provider | Should -Be $Provider
        $Run.Entry.email | Should -Be $Login.email
        $Run.Entry.accountId | Should -Be $script:Idp.Ready.account_id
        $Run.Entry.expires | Should -BeGreaterThan ((Get-NowMs) + 300000)
        # The cross-agent lock, named as OpenClaw names it, existed while the IdP answered the refresh, and is gone.
        # (The module writes a lock's content to '<lock>.moltbot-<pid>-<guid>.tmp' first and then links it in: those are not locks.)
        $expected = @($LockIds | ForEach-Object { "oauth-refresh/$_.lock" } | Sort-Object)
        @($Run.Seen.Keys | Where-Object { $_ -notlike '*.tmp' } | Sort-Object) | Should -Be $expected
        $granted = ([DateTimeOffset]::Parse($Run.Grants[0].ts, [Globalization.CultureInfo]::InvariantCulture)).ToUnixTimeMilliseconds()
        foreach ($name in $expected) {
            # Orderings, not durations: the poller samples the folder, so a busy machine may see the lock late.
            $Run.Seen[$name][0] | Should -BeLessThan $granted -Because "$name was taken before the refresh was granted"
            $Run.Seen[$name][1] | Should -BeGreaterOrEqual ($granted - 250) -Because "$name was held until the refresh answered"
            Test-Path (Join-Path $State "locks/$name") | Should -BeFalse
        }
        Get-JsonStores $State | Should -BeNullOrEmpty
    }
}

AfterAll {
    Stop-TestIdp $script:Idp
    $env:HOME = $script:SavedHome
    Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER, Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Locked refresh on SQLite-era stores' -Tag 'Refresh', 'Sqlite' {
    It 'computes the lock name with the FNV lanes of the spec (its test vectors)' {
        Get-OpenClawLockId 'openai' 'openai:me@example.com' | Should -Be 'lock-98b549f98aa9ad78cf535d85c44baf72'
        Get-OpenClawLockId 'anthropic' 'anthropic:default' | Should -Be 'lock-d86ff71f0416cea6738a705bf801262d'
    }

    It 'D2 (state dir made by openclaw 2026.9.6), provider openai: 16 processes, one refresh grant, no invalid_grant, the lock-(32 hex).lock held' {
        $login = New-LoginCredential
        $state = New-TestStateDir 'd2-cli'
        New-CliStateD2 $state
        $db = Join-Path $state 'agents/main/agent/openclaw-agent.sqlite'
        $profileId = "openai:$($login.email)"
        Set-StoreCell $db (ConvertTo-ExpiredCell $login 'openai' $profileId)
        $s = Get-MoltbotState
        $s.Era | Should -Be 'SqliteD2'
        Invoke-Sql $db "SELECT role, schema_version, agent_id, app_version FROM schema_meta WHERE meta_key='primary';" | Should -Be 'agent|23|main|2026.9.6'

        $run = Invoke-SqliteStorm -State $state -Db $db -Provider 'openai' -ProfileId $profileId -Login $login -Name 'd2'

        Assert-OneRefresh $run $login 'openai' $state @(Get-OpenClawLockId 'openai' $profileId)
        (Get-StoreCell $db | ConvertFrom-Json -AsHashtable).profiles.Keys | Should -Be @($profileId)
        Invoke-Sql (Join-Path $state 'state/openclaw.sqlite') "SELECT value_json FROM config_machine_state WHERE state_key='auth.sharedStore';" | Should -Be '{"location":"legacy-main"}'
        Invoke-Sql $db 'PRAGMA user_version;' | Should -Be '23'
    }

    It 'era C (6.5-7.35 dbs), provider openai-codex: 8 processes, one refresh grant, under both lock names (lock- and sha256-)' {
        $login = New-LoginCredential
        $state = New-TestStateDir 'c-fixture'
        New-SqliteFixture -State $state -Shape C
        $db = Join-Path $state 'agents/main/agent/openclaw-agent.sqlite'
        $profileId = 'openai-codex:default'
        Set-StoreCell $db (ConvertTo-ExpiredCell $login 'openai-codex' $profileId)
        (Get-MoltbotState).Era | Should -Be 'SqliteC'

        $run = Invoke-SqliteStorm -State $state -Db $db -Provider 'openai-codex' -ProfileId $profileId -Login $login -Name 'c' -Count 8

        Assert-OneRefresh $run $login 'openai-codex' $state @((Get-OpenClawLockId 'openai-codex' $profileId), (Get-Sha256LockId 'openai-codex' $profileId)) -Count 8
        Invoke-Sql $db 'PRAGMA user_version;' | Should -Be '1'
    }

    It 'D2: waits for a pending 9.6 refresh fence, never overwrites it, and returns what the owner wrote, with no grant' {
        $state = New-TestStateDir 'd2-fence'
        New-SqliteFixture -State $state -Shape D2
        (Get-MoltbotState).Era | Should -Be 'SqliteD2'
        $db = Join-Path $state 'agents/main/agent/openclaw-agent.sqlite'
        $provider = 'openai'; $profileId = 'openai:tester@example.com'
        $claim = [guid]::NewGuid().ToString('N')
        $digest = {
            param($Kind, $Secret)
            $json = ConvertTo-Json -Compress -InputObject @('openclaw.oauth-refresh-generation', 1, $profileId, $provider, $Kind, $Secret)
            [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($json))).ToLowerInvariant()
        }
        $oldAccess = 'fence-old-access-' + [guid]::NewGuid().ToString('N'); $oldRefresh = 'fence-old-refresh-' + [guid]::NewGuid().ToString('N')
        $fresh = [ordered]@{ access = 'fence-owner-access-' + [guid]::NewGuid().ToString('N'); refresh = 'fence-owner-refresh-' + [guid]::NewGuid().ToString('N') }
        $oldAccess, $oldRefresh, $fresh.access, $fresh.refresh | ForEach-Object { Register-TestSecret $_ }
        $marker = [ordered]@{ version = 1; profiles = [ordered]@{ $profileId = [ordered]@{
                    type = 'oauth'; provider = $provider
                    access = "openclaw-oauth-refresh-fence:v1:${claim}:access:$(& $digest 'access' $oldAccess)"
                    refresh = "openclaw-oauth-refresh-fence:v1:${claim}:refresh:$(& $digest 'refresh' $oldRefresh)"
                    expires = 1; accountId = $script:Idp.Ready.account_id; email = 'tester@example.com' } } } | ConvertTo-Json -Compress -Depth 5
        Set-StoreCell $db $marker
        $audit = Get-TestIdpLineCount $script:Idp

        $ready = Join-Path $TestDrive "fence-ready-$claim"
        $job = Start-Job -ArgumentList $script:ModulePath, $profileId, $ready -ScriptBlock {
            param($ModulePath, $ProfileId, $Ready)
            $ErrorActionPreference = 'Stop'
            Import-Module $ModulePath
            New-Item -ItemType File $Ready | Out-Null
            $sw = [Diagnostics.Stopwatch]::StartNew()
            try {
                $t = Get-MoltbotAccessToken -ProfileId $ProfileId -AsPlainText
                $fp = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($t.Token))).ToLowerInvariant().Substring(0, 12)
                [pscustomobject]@{ ok = $true; fp = $fp; refreshed = $t.Refreshed; ms = $sw.ElapsedMilliseconds }
            }
            catch { [pscustomobject]@{ ok = $false; error = "$($_.FullyQualifiedErrorId): $_"; ms = $sw.ElapsedMilliseconds } }
        }
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (-not (Test-Path $ready)) {
                if ($job.State -ne 'Running' -or [DateTime]::UtcNow -gt $deadline) { throw "The background Get-MoltbotAccessToken did not start: $($job.State) $($job.ChildJobs[0].JobStateInfo.Reason)" }
                Start-Sleep -Milliseconds 20
            }
            # While the module waits, the cell stays the marker (polled, as the owner's compare-and-swap would see it).
            $polls = 0
            $until = [DateTime]::UtcNow.AddMilliseconds(1200)
            while ([DateTime]::UtcNow -lt $until) {
                Get-StoreCell $db | Should -Be $marker -Because 'the module must never overwrite a pending fence'
                $polls++
                Start-Sleep -Milliseconds 50
            }
            $job.State | Should -Be 'Running' -Because 'Get-MoltbotAccessToken waits while the fence is pending'
            $polls | Should -BeGreaterThan 5

            # The owner finishes its refresh: one BEGIN IMMEDIATE upsert of the fresh credential over the marker.
            $freshCell = [ordered]@{ version = 1; profiles = [ordered]@{ $profileId = [ordered]@{
                        type = 'oauth'; provider = $provider; access = $fresh.access; refresh = $fresh.refresh
                        expires = (Get-NowMs) + 3600000; accountId = $script:Idp.Ready.account_id; email = 'tester@example.com' } } } | ConvertTo-Json -Compress -Depth 5
            Set-StoreCell $db $freshCell

            $job | Wait-Job -Timeout 60 | Out-Null
            $job.State | Should -Be 'Completed'
            $r = @(Receive-Job $job)[-1]
        }
        finally { $job | Remove-Job -Force }

        $r.ok | Should -BeTrue -Because "$($r.error)"
        $r.fp | Should -Be (Get-TokenFingerprint $fresh.access)
        $r.refreshed | Should -BeFalse
        $r.ms | Should -BeGreaterThan 1000 -Because 'it waited for the owner'
        Get-StoreCell $db | Should -Be $freshCell -Because 'the module wrote nothing'
        @(Get-TestIdpEvents $script:Idp -Skip $audit | Where-Object event -eq 'token') | Should -HaveCount 0
        Test-Path (Join-Path $state 'locks/oauth-refresh') -PathType Container | Should -BeFalse -Because 'waiting on a fence takes no refresh lock'
        Get-JsonStores $state | Should -BeNullOrEmpty
    }
}
