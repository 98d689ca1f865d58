# Get-MoltbotAccessToken / Update-MoltbotAuthProfile against the test identity provider (oidc-provider with refresh
# token rotation and reuse detection: a reused refresh token answers 400 invalid_grant AND revokes the grant).
# Storms run separate pwsh processes released together by a start file; the interop tests lock the store with
# proper-lockfile 4.1.2 and OpenClaw 2026.1.30's options (tests/peers/lock/hold.mjs).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Node = Get-PeerNode
    $script:Hold = Get-HoldScript
    $script:Idp = Start-TestIdp -AccessTtl 2 -Log (Join-Path $TestDrive 'idp-audit.jsonl')

    function New-LoggedInState {
        <# A fresh state dir with a profile signed in through the browser; its access token lives 2 s. Refreshed tokens
           then live 10 min, so that a storm's winner leaves a credential the others can use. #>
        param([string[]] $CopyTo = @())
        Set-TestIdpMode $script:Idp @{ accessTtl = 2; tokenDelayMs = 0; failNext = @() }
        $state = New-TestStateDir
        Connect-TestProfile -Idp $script:Idp | Out-Null
        $store = Join-Path $state 'agents/main/agent/auth-profiles.json'
        foreach ($agent in $CopyTo) {
            $dir = Join-Path $state "agents/$agent/agent"
            New-Item -ItemType Directory -Force $dir | Out-Null
            Copy-Item $store (Join-Path $dir 'auth-profiles.json')
        }
        Set-TestIdpMode $script:Idp @{ accessTtl = 600 }
        $script:AuditStart = Get-TestIdpLineCount $script:Idp
        [pscustomobject]@{ State = $state; Store = $store; Entry = (Get-Content -Raw $store | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default'] }
    }

    function Get-RefreshGrants { @(Get-TestIdpEvents $script:Idp -Skip $script:AuditStart | Where-Object { $_.event -eq 'token' -and $_.grant_type -eq 'refresh_token' }) }

    function Get-Entry([string] $Path) { (Get-Content -Raw $Path | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default'] }

    function Get-DeadPid {
        $p = Start-Process -FilePath 'true' -PassThru
        $p.WaitForExit()
        $p.Id
    }
}

AfterAll {
    Stop-TestIdp $script:Idp
    Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER, Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Refresh storms: separate processes, one refresh' -Tag 'Refresh' {
    It '16 pwsh processes asking for the same expired profile cause exactly one refresh and all get the same token' {
        $s = New-LoggedInState
        Start-Sleep -Milliseconds 2100 # the 2 s access token is now really expired

        $storm = Invoke-RefreshStorm -WorkDir (Join-Path $TestDrive 'storm-a') -Count 16 -ModulePath $script:ModulePath
        $reports = $storm.Reports

        $failed = @($reports | Where-Object { -not $_.ok })
        $failed | ForEach-Object { "$($_.index): $($_.errorId) $($_.message)" } | Should -BeNullOrEmpty
        $grants = Get-RefreshGrants
        $grants | Should -HaveCount 1
        $grants[0].status | Should -Be 200
        $grants[0].presented_refresh_token_fp | Should -Be (Get-TokenFingerprint $s.Entry.refresh)
        @(Get-TestIdpEvents $script:Idp -Skip $script:AuditStart | Where-Object error -eq 'invalid_grant') | Should -HaveCount 0
        @($reports.token | Sort-Object -Unique) | Should -HaveCount 1
        @($reports | Where-Object refreshed) | Should -HaveCount 1
        $entry = Get-Entry $s.Store
        $entry.access | Should -Be $reports[0].token
        Get-TokenFingerprint $entry.refresh | Should -Be $grants[0].issued_refresh_token_fp
        $entry.email | Should -Be $s.Entry.email
        $entry.accountId | Should -Be $script:Idp.Ready.account_id
    }

    It 'the same with the profile copied into three agents: one refresh, and every copy ends with the new refresh token' {
        $s = New-LoggedInState -CopyTo 'a', 'b'
        $copies = 'main', 'a', 'b' | ForEach-Object { Join-Path $s.State "agents/$_/agent/auth-profiles.json" }
        (Get-FileHash $copies).Hash | Sort-Object -Unique | Should -HaveCount 1

        $storm = Invoke-RefreshStorm -WorkDir (Join-Path $TestDrive 'storm-b') -Count 15 -Agents 'main', 'a', 'b' -ModulePath $script:ModulePath
        $reports = $storm.Reports

        @($reports | Where-Object { -not $_.ok }) | ForEach-Object { "$($_.index): $($_.errorId) $($_.message)" } | Should -BeNullOrEmpty
        $grants = Get-RefreshGrants
        $grants | Should -HaveCount 1
        $grants[0].status | Should -Be 200
        @(Get-TestIdpEvents $script:Idp -Skip $script:AuditStart | Where-Object error -eq 'invalid_grant') | Should -HaveCount 0
        @($reports.token | Sort-Object -Unique) | Should -HaveCount 1
        foreach ($copy in $copies) {
            $entry = Get-Entry $copy
            Get-TokenFingerprint $entry.refresh | Should -Be $grants[0].issued_refresh_token_fp -Because "$copy must hold the rotated token"
            $entry.access | Should -Be $reports[0].token
        }
    }
}

Describe 'A refresher in another pid namespace (issue 12, finding 1)' -Tag 'Refresh' {
    It 'keeps its locks while it refreshes: the others wait, and the old refresh token is presented once' {
        # Two contenders each in a pid namespace of its own (as in containers sharing the state dir) and one on the
        # host; the token endpoint takes 3 s, so whoever refreshes holds both locks that long. A pid read from another
        # namespace's lock is meaningless here (the contender is pid 1 there): judged by it, the lock looked abandoned
        # at once, the waiter took it and presented the same refresh token again (invalid_grant, grant revoked).
        $probe = & unshare --pid --fork --mount-proc true 2>&1
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because "unshare --pid is refused here: $probe"; return }
        $s = New-LoggedInState
        Start-Sleep -Milliseconds 2100
        Set-TestIdpMode $script:Idp @{ tokenDelayMs = 3000 }
        try {
            $storm = Invoke-RefreshStorm -WorkDir (Join-Path $TestDrive 'storm-pidns') -Count 3 -InPidNamespace 0, 1 -ModulePath $script:ModulePath
        }
        finally { Set-TestIdpMode $script:Idp @{ tokenDelayMs = 0 } }
        $reports = $storm.Reports
        $grants = Get-RefreshGrants
        $reused = @(Get-TestIdpEvents $script:Idp -Skip $script:AuditStart | Where-Object error -eq 'invalid_grant')
        $mostPresented = ($grants | Group-Object presented_refresh_token_fp | Measure-Object Count -Maximum).Maximum
        Write-Host ("    pid namespaces: 3 contenders (2 namespaced), {0} refresh request(s), {1} invalid_grant, one refresh token presented at most {2} time(s); wall {3} ms" -f
            $grants.Count, $reused.Count, $mostPresented, (($reports.wallMs | Measure-Object -Maximum).Maximum))
        @($reports | Where-Object { -not $_.ok }) | ForEach-Object { "$($_.index): $($_.errorId) $($_.message)" } | Should -BeNullOrEmpty
        $grants | Should -HaveCount 1
        $grants[0].status | Should -Be 200
        $reused | Should -HaveCount 0
        @($reports.token | Sort-Object -Unique) | Should -HaveCount 1
        Get-TokenFingerprint (Get-Entry $s.Store).refresh | Should -Be $grants[0].issued_refresh_token_fp
    }
}

Describe 'Interop with proper-lockfile 4.1.2 (OpenClaw 2026.1.30 lock options)' -Tag 'Refresh' {
    It 'waits while a Node peer holds the store lock, then returns the credentials it wrote without calling the IdP' {
        $s = New-LoggedInState
        $known = 'peer-written-access-' + [guid]::NewGuid().ToString('N')
        $locked = Join-Path $TestDrive "locked-$([guid]::NewGuid().ToString('N'))"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Node)
        foreach ($a in $script:Hold, 'hold', '--store', $s.Store, '--hold-ms', '1500', '--locked-file', $locked, '--write-access', $known, '--write-expires-in', '3600') { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $node = [System.Diagnostics.Process]::Start($psi)
        try {
            $out = $node.StandardOutput.ReadToEndAsync(); $err = $node.StandardError.ReadToEndAsync()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (-not (Test-Path $locked)) {
                if ($node.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "hold.mjs did not lock: $($err.Result)" }
                Start-Sleep -Milliseconds 10
            }
            (Get-Item "$($s.Store).lock").PSIsContainer | Should -BeTrue # proper-lockfile's lock is a directory

            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            $t = Get-MoltbotAccessToken openai-codex -AsPlainText
            $sw.Stop()

            $node.WaitForExit(20000) | Should -BeTrue
            $peer = $out.Result | ConvertFrom-Json
            $t.Token | Should -Be $known
            $t.Refreshed | Should -BeFalse
            $sw.ElapsedMilliseconds | Should -BeGreaterThan 800 -Because 'it waited for the peer'
            Get-RefreshGrants | Should -HaveCount 0
            $peer.wrote.access_fp | Should -Be (Get-TokenFingerprint $known)
        }
        finally {
            if (-not $node.HasExited) { $node.Kill() }
            $node.Dispose()
        }
    }

    It 'makes a proper-lockfile peer wait while the module holds the store lock during a slow refresh' {
        $s = New-LoggedInState
        Set-TestIdpMode $script:Idp @{ tokenDelayMs = 2000 }
        $lockFile = "$($s.Store).lock"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Node)
        foreach ($a in $script:Hold, 'lock', '--store', $s.Store, '--wait-for', $lockFile) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $node = [System.Diagnostics.Process]::Start($psi)
        try {
            $out = $node.StandardOutput.ReadToEndAsync(); $err = $node.StandardError.ReadToEndAsync()
            Start-Sleep -Milliseconds 300 # node is up and polling for the module's lock file
            $all = @(Get-MoltbotAccessToken openai-codex -AsPlainText -Verbose 4>&1)
            Add-TestTapRecord 'redirected streams (Refresh: proper-lockfile peer waits)' $all
            $t = $all | Where-Object { $_ -is [Moltbot.Models.MoltbotAccessToken] }
            $verbose = ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Where-Object Message -like 'Refresh lock:*').Message
            $node.WaitForExit(30000) | Should -BeTrue -Because "proper-lockfile must get the lock after the module ($($err.Result))"
            $peer = $out.Result | ConvertFrom-Json

            $t.Refreshed | Should -BeTrue
            $verbose -match 'store lock waited [\d.]+ ms, released (\S+);' | Should -BeTrue -Because "the verbose stream reports the lock times ($verbose)"
            $storeReleased = ([DateTime]::Parse($Matches[1], [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind) - [DateTime]::UnixEpoch).TotalMilliseconds
            $peer.acquiredAt - $peer.attemptAt | Should -BeGreaterThan 1500 -Because 'node tried while the refresh was in flight'
            $peer.acquiredAt | Should -BeGreaterOrEqual ($storeReleased - 5) -Because 'node got the lock only after the module released it'
            $peer.refresh_fp | Should -Be (Get-TokenFingerprint (Get-Entry $s.Store).refresh) -Because 'node saw the store the module had finished writing'
            Get-RefreshGrants | Should -HaveCount 1
        }
        finally {
            Set-TestIdpMode $script:Idp @{ tokenDelayMs = 0 }
            if (-not $node.HasExited) { $node.Kill() }
            $node.Dispose()
        }
    }
}

Describe 'Recovery and failures' -Tag 'Refresh' {
    It 'recovers locks left by killed processes (a Moltbot sidecar with a dead pid, an OpenClaw one 200 s old, a proper-lockfile directory 60 s old)' {
        $s = New-LoggedInState
        $created = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
        # A lock of this pid namespace and boot (as Moltbot writes it) whose pid is dead: passed at once.
        if ($IsLinux) {
            $ns = (Get-Item /proc/self/ns/pid).LinkTarget
            $boot = (Get-Content /proc/sys/kernel/random/boot_id -Raw).Trim()
            [IO.File]::WriteAllText("$($s.Store).lock", "{`n  `"pid`": $(Get-DeadPid),`n  `"createdAt`": `"$created`",`n  `"pidNamespace`": `"$ns`",`n  `"bootId`": `"$boot`"`n}")
        } else {
            [IO.File]::WriteAllText("$($s.Store).lock", "{`n  `"pid`": $(Get-DeadPid),`n  `"createdAt`": `"$created`"`n}")
            (Get-Item "$($s.Store).lock").LastWriteTimeUtc = [DateTime]::UtcNow.AddSeconds(-40)
        }
        $provider = 'openai-codex'; $profileId = 'openai-codex:default'
        $hash = [System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes("$provider`0$profileId"))
        $refreshLock = Join-Path $s.State ("locks/oauth-refresh/sha256-" + [Convert]::ToHexString($hash).ToLowerInvariant() + '.lock')
        New-Item -ItemType Directory -Force (Split-Path $refreshLock) | Out-Null
        [IO.File]::WriteAllText($refreshLock, "{`n  `"pid`": $(Get-DeadPid),`n  `"createdAt`": `"$created`"`n}")
        # OpenClaw's lock names no pid namespace (its pid may live in a container): stale only once older than 180 s.
        (Get-Item $refreshLock).LastWriteTimeUtc = [DateTime]::UtcNow.AddSeconds(-200)

        $t = Get-MoltbotAccessToken openai-codex -AsPlainText
        $t.Refreshed | Should -BeTrue
        Test-Path "$($s.Store).lock" | Should -BeFalse
        Test-Path $refreshLock | Should -BeFalse
        Get-RefreshGrants | Should -HaveCount 1

        # A proper-lockfile directory whose owner died: stale once its mtime is over 30 s old.
        $dir = New-Item -ItemType Directory "$($s.Store).lock"
        $dir.LastWriteTime = (Get-Date).AddSeconds(-60)
        $u = Update-MoltbotAuthProfile -ProfileId openai-codex:default -PassThru
        $u.Status | Should -Be 'Ok'
        Test-Path "$($s.Store).lock" | Should -BeFalse
        Get-RefreshGrants | Should -HaveCount 2
    }

    It 'a refresh refused with <Status> <Code> keeps the profile byte-identical and reports the stable id and the code' -ForEach @(
        @{ Status = 400; Code = 'invalid_grant'; Body = @{ error = 'invalid_grant'; error_description = 'grant request is invalid' } }
        @{ Status = 401; Code = 'refresh_token_reused'; Body = @{ error = @{ message = 'Your refresh token has already been used to generate a new access token.'; type = 'invalid_request_error'; code = 'refresh_token_reused' } } }
    ) {
        $s = New-LoggedInState
        $before = [IO.File]::ReadAllBytes($s.Store)
        $fail = @{ grant_type = 'refresh_token'; status = $Status; body = $Body }
        Set-TestIdpMode $script:Idp @{ failNext = @($fail, $fail) }

        $streams = @()
        $caught = $null
        try { $streams = @(Get-MoltbotAccessToken openai-codex -Verbose -ErrorAction Stop *>&1) } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MoltbotRefreshFailed,*'
        $caught.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$caught" | Should -Match $Code
        $caught.ErrorDetails.RecommendedAction | Should -Match 'Connect-MoltbotProvider'
        [IO.File]::ReadAllBytes($s.Store) | Should -Be $before

        # Update-MoltbotAuthProfile: the same as a non-terminating error, and the pipeline goes on.
        $more = @(Update-MoltbotAuthProfile -ProfileId openai-codex:default -Verbose -ErrorAction Continue *>&1)
        Add-TestTapRecord "redirected streams (Refresh: refused with $Status $Code)" ([ordered]@{ Streams = $streams; More = $more; Caught = $caught })
        $errors = @($more | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotRefreshFailed,*'
        "$($errors[0])" | Should -Match $Code
        [IO.File]::ReadAllBytes($s.Store) | Should -Be $before

        $text = (@($streams) + @($more) + @($caught, $caught.Exception.InnerException, $caught.ErrorDetails) | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Not -Match ([regex]::Escape($s.Entry.refresh))
        $text | Should -Not -Match ([regex]::Escape($s.Entry.access))
        $grants = Get-RefreshGrants
        $grants | Should -HaveCount 2
        $grants.injected | Should -Be @('before', 'before')
    }
}

Describe 'Get-MoltbotAccessToken and Update-MoltbotAuthProfile' -Tag 'Refresh' {
    It 'returns a usable token as a SecureString with no IdP call, and never shows the token' {
        $s = New-LoggedInState
        $first = Get-MoltbotAccessToken openai-codex -AsPlainText # refreshes the 2 s token
        $first.Refreshed | Should -BeTrue
        $t = Get-MoltbotAccessToken -Model 'openai-codex/gpt-5.2@openai-codex:default'
        $t | Should -BeOfType 'Moltbot.Models.MoltbotAccessToken'
        $t.Token | Should -BeOfType 'System.Security.SecureString'
        $t.Refreshed | Should -BeFalse
        $t.ProfileId | Should -Be 'openai-codex:default'
        $t.AccountId | Should -Be $script:Idp.Ready.account_id
        $t.Expires | Should -BeGreaterThan (Get-Date).AddMinutes(5)
        [System.Net.NetworkCredential]::new('', $t.Token).Password | Should -Be $first.Token
        (($first | Format-Table | Out-String) + ($first | Format-List | Out-String) + "$first") | Should -Not -Match ([regex]::Escape($first.Token))
        Get-RefreshGrants | Should -HaveCount 1
    }

    It 'Update-MoltbotAuthProfile refreshes from the pipeline, -WhatIf does nothing, static profiles are skipped (verbose) from the pipeline and an error when named' {
        $s = New-LoggedInState
        Set-MoltbotApiKey -Provider openai -ApiKey (ConvertTo-TestSecret 'sk-proj-TESTKEY0123456789abcdef') -Confirm:$false
        $before = [IO.File]::ReadAllBytes($s.Store)

        Get-MoltbotAuthProfile | Update-MoltbotAuthProfile -WhatIf -ErrorAction SilentlyContinue
        [IO.File]::ReadAllBytes($s.Store) | Should -Be $before
        Get-RefreshGrants | Should -HaveCount 0

        $out = @(Get-MoltbotAuthProfile | Update-MoltbotAuthProfile -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue -Verbose 4>&1)
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Where-Object Message -like 'Skipping profile*')
        $out = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $out | Should -HaveCount 1
        $out[0].ProfileId | Should -Be 'openai-codex:default'
        $out[0].Status | Should -Be 'Ok'
        @($errs) | Should -HaveCount 0
        $verbose | Should -HaveCount 1
        $verbose[0].Message | Should -Match "Skipping profile 'openai:default'.*api_key credential is static"
        Update-MoltbotAuthProfile -ProfileId openai:default -ErrorVariable named -ErrorAction SilentlyContinue
        @($named) | Should -HaveCount 1
        $named[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotProfileNotRefreshable,*'
        Get-RefreshGrants | Should -HaveCount 1
        Get-TokenFingerprint (Get-Entry $s.Store).refresh | Should -Be (Get-RefreshGrants)[0].issued_refresh_token_fp
    }
}
