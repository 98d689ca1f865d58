# The SQLite-era stores shared by the real openclaw CLIs 2026.6.11 (era C2: shared store in the main agent's DB),
# 2026.8.2 (D1) and 2026.9.6 (D2: shared store in state/openclaw.sqlite) and Moltbot, in both directions: what each
# openclaw writes (paste-token, paste-api-key, order set, with --agent for a second agent) Moltbot lists with the
# right type, status and store; what Moltbot writes, orders and removes, that openclaw reads back; and no JSON file
# ever appears. The peers live in tests/peers/openclaw-<version> (Install-Peers.ps1, run by build.ps1 Test first).

BeforeDiscovery {
    $script:Versions = @(
        @{ Version = '2026.6.11'; Era = 'SqliteC'; Shared = 'agent-db' }
        @{ Version = '2026.8.2'; Era = 'SqliteD1'; Shared = 'shared-state-db' }
        @{ Version = '2026.9.6'; Era = 'SqliteD2'; Shared = 'shared-state-db' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force

    function Invoke-Peer([string[]] $ArgumentList, [string] $InputText) {
        # Never echo openclaw's output into the log (it prints parts of secrets); exit code and stderr suffice.
        $r = Invoke-OpenClaw -Version $script:Version -StateDir $script:State -HomeDir $script:PeerHome -ArgumentList $ArgumentList -InputText $InputText -TimeoutSeconds 300
        $r.ExitCode | Should -Be 0 -Because "openclaw $script:Version $($ArgumentList[0..3] -join ' ') must succeed (stderr: $($r.StdErr))"
        $r
    }

    function Get-JsonFiles { @(Get-ChildItem -Recurse -Force -File -LiteralPath $script:State -Filter 'auth-*.json*' -ErrorAction Ignore) }
}

Describe 'openclaw <Version> and Moltbot share one SQLite-era state dir' -Tag 'Compat', 'Sqlite' -ForEach $script:Versions {
    BeforeAll {
        $script:Version = $Version
        $script:State = New-TestStateDir "sqlite-$Version"
        $script:PeerHome = Join-Path $TestDrive "home-$Version"
        New-Item -ItemType Directory -Force $script:PeerHome | Out-Null
        # Moltbot runs the same openclaw when it needs the CLI (creating an agent DB); no gateway runs here.
        $script:SavedEnv = @{ MOLTBOT_OPENCLAW_CLI = $env:MOLTBOT_OPENCLAW_CLI; MOLTBOT_NODE = $env:MOLTBOT_NODE; MOLTBOT_NO_GATEWAY_REFRESH = $env:MOLTBOT_NO_GATEWAY_REFRESH; HOME = $env:HOME }
        $env:MOLTBOT_OPENCLAW_CLI = Get-OpenClawEntryPath -Version $Version
        $env:MOLTBOT_NODE = Get-PeerNodePath
        $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'
        # The CLI the module runs (to create an agent DB) gets a temp home of its own, never the real one.
        $env:HOME = Join-Path $TestDrive "module-home-$Version"
        New-Item -ItemType Directory -Force $env:HOME | Out-Null

        $script:MainToken = New-TestSetupToken 'OCMAIN'
        $script:WorkToken = New-TestSetupToken 'OCWORK'
        Register-TestSecret 'sk-FAKE-openai-from-openclaw-0001'
        # 1. openclaw writes: the shared store (no --agent while only main exists), a second agent, its own profile and order.
        Invoke-Peer @('models', 'auth', 'paste-token', '--provider', 'anthropic') "$script:MainToken`n" | Out-Null
        Invoke-Peer @('models', 'auth', 'paste-api-key', '--provider', 'openai') "sk-FAKE-openai-from-openclaw-0001`n" | Out-Null
        Invoke-Peer @('agents', 'add', 'work', '--non-interactive', '--workspace', (Join-Path $TestDrive "ws-$Version")) | Out-Null
        # 6.11 takes --agent on `models auth` itself; 8.2/9.6 on the subcommand too (tests/peers/FINDINGS.md S1).
        $pasteForWork = if ($Version -eq '2026.6.11') { @('models', 'auth', '--agent', 'work', 'paste-token') } else { @('models', 'auth', 'paste-token', '--agent', 'work') }
        Invoke-Peer ($pasteForWork + @('--provider', 'anthropic', '--profile-id', 'anthropic:work')) "$script:WorkToken`n" | Out-Null
        Invoke-Peer @('models', 'auth', 'order', 'set', '--provider', 'anthropic', '--agent', 'work', 'anthropic:work', 'anthropic:manual') | Out-Null
        $script:WorkDb = Join-Path $script:State 'agents/work/agent/openclaw-agent.sqlite'
    }

    AfterAll {
        foreach ($kv in $script:SavedEnv.GetEnumerator()) { Set-Item -Path "Env:$($kv.Key)" -Value $kv.Value -ErrorAction Ignore; if ($null -eq $kv.Value) { Remove-Item "Env:$($kv.Key)" -ErrorAction Ignore } }
    }

    It 'Moltbot detects the era from the files' {
        $s = Get-MoltbotState
        $s.Era | Should -Be $Era
        $s.UsesSqlite | Should -BeTrue
        $s.OpenClawVersion | Should -Be $Version
        @($s.AgentDatabases.Agent) | Should -Contain 'work'
    }

    It 'Moltbot lists what openclaw wrote, with type, status and store' {
        $all = Get-MoltbotAuthProfile
        $main = @($all | Where-Object Agent -eq 'main')
        ($main.ProfileId | Sort-Object) | Should -Be @('anthropic:manual', 'openai:manual')
        ($main | Where-Object ProfileId -eq 'anthropic:manual').Type | Should -Be 'token'
        ($main | Where-Object ProfileId -eq 'anthropic:manual').Status | Should -Be 'Static'
        ($main | Where-Object ProfileId -eq 'openai:manual').Type | Should -Be 'api_key'
        $main.Store | Sort-Object -Unique | Should -Be $Shared
        $main.Inherited | Sort-Object -Unique | Should -Be $false

        $work = @($all | Where-Object Agent -eq 'work')
        $own = $work | Where-Object ProfileId -eq 'anthropic:work'
        $own.Store | Should -Be 'agent-db'
        $own.Path | Should -Be $script:WorkDb
        $own.Inherited | Should -BeFalse
        # The shared profiles are inherited read-through (portable ones only under state-db ownership: these are).
        ($work | Where-Object ProfileId -eq 'anthropic:manual').Inherited | Should -BeTrue
        # 6.11 stores only the agent's own ids of an order (it dropped the inherited anthropic:manual); 8.2/9.6 keep both.
        $expected = if ($Version -eq '2026.6.11') { @('anthropic:work') } else { @('anthropic:work', 'anthropic:manual') }
        @((Get-MoltbotAuthOrder -Agent work -Provider anthropic).ProfileId) | Should -Be $expected
        Get-JsonFiles | Should -BeNullOrEmpty
    }

    Context 'after Moltbot writes, orders and removes' {
        BeforeAll {
            $script:MoltbotToken = New-TestSetupToken 'MBWORK'
            Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-TestSecret 'sk-or-v1-FAKE-MOLTBOT-MAIN')
            Set-MoltbotSetupToken -Agent work -ProfileId 'anthropic:moltbot' -Token (ConvertTo-SecureString $script:MoltbotToken -AsPlainText -Force)
            Set-MoltbotAuthOrder -Agent work -Provider anthropic -ProfileId 'anthropic:moltbot', 'anthropic:work'
            Set-MoltbotAuthOrder -Agent main -Provider anthropic -ProfileId 'anthropic:manual'
            Remove-MoltbotAuthProfile -Agent main -ProfileId 'openai:manual' -Confirm:$false
        }

        It 'openclaw lists the shared store as Moltbot left it' {
            $r = Invoke-Peer @('models', 'auth', 'list', '--json', '--agent', 'main')
            $profiles = @($r.Json.profiles)
            # Set-MoltbotApiKey without -ProfileId: openrouter:manual, as paste-api-key in this era (issue 15, point 6).
            ($profiles.id | Sort-Object) | Should -Be @('anthropic:manual', 'openrouter:manual')
            ($profiles | Where-Object id -eq 'openrouter:manual').type | Should -Be 'api_key'
        }

        It "openclaw lists the second agent's own DB with Moltbot's profile" {
            $r = Invoke-Peer @('models', 'auth', 'list', '--json', '--agent', 'work')
            $ids = @($r.Json.profiles.id)
            $ids | Should -Contain 'anthropic:moltbot'
            $ids | Should -Contain 'anthropic:work'
            ($r.Json.profiles | Where-Object id -eq 'anthropic:moltbot').type | Should -Be 'token'
        }

        It 'openclaw returns the order Moltbot set for <Agent>' -ForEach @(
            @{ Agent = 'work'; Order = @('anthropic:moltbot', 'anthropic:work') }
            @{ Agent = 'main'; Order = @('anthropic:manual') }
        ) {
            $r = Invoke-Peer @('models', 'auth', 'order', 'get', '--provider', 'anthropic', '--agent', $Agent, '--json')
            @($r.Json.order) | Should -Be $Order
            $r.Json.authStatePath | Should -Be (Join-Path $script:State "agents/$Agent/agent/openclaw-agent.sqlite")
        }

        It 'openclaw models status reports the profiles with their type and status' {
            $r = Invoke-Peer @('models', 'status', '--json', '--agent', 'work')
            $text = $r.StdOut
            $text | Should -Match 'anthropic:moltbot'
            $r.Json | Should -Not -BeNullOrEmpty
        }

        It 'no JSON store file appeared anywhere, and the credential databases are still 0600' {
            Get-JsonFiles | Should -BeNullOrEmpty
            $dbs = @(Get-ChildItem -Force -File -Path (Join-Path $script:State 'agents/*/agent/openclaw-agent.sqlite*'), (Join-Path $script:State 'state/openclaw.sqlite*'))
            $dbs.Count | Should -BeGreaterOrEqual 2
            $dbs | ForEach-Object { Get-UnixMode $_.FullName | Should -Be '600' -Because $_.FullName }
        }
    }

    Context 'an agent without a database yet' {
        It 'Moltbot has the installed openclaw create it, then writes there' -Skip:($Version -ne '2026.9.6') {
            Invoke-Peer @('agents', 'add', 'ops', '--non-interactive', '--workspace', (Join-Path $TestDrive "ws-ops-$Version")) | Out-Null
            $db = Join-Path $script:State 'agents/ops/agent/openclaw-agent.sqlite'
            Test-Path -LiteralPath $db | Should -BeFalse
            Register-TestSecret 'sk-FAKE-ops-0001'
            Set-MoltbotApiKey -Agent ops -Provider openai -ProfileId 'openai:ops' -ApiKey (ConvertTo-TestSecret 'sk-FAKE-ops-0001')
            Test-Path -LiteralPath $db | Should -BeTrue
            $r = Invoke-Peer @('models', 'auth', 'list', '--json', '--agent', 'ops')
            @($r.Json.profiles.id) | Should -Contain 'openai:ops'
            Get-JsonFiles | Should -BeNullOrEmpty
        }
    }
}
