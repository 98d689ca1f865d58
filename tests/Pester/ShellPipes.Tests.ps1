# Issue 15, points 7-11: objects that pipe where a PowerShell user expects them to, and output people can use
# (JSON/CSV exports, table views at 80 and 160 columns, the Rank property). Every test types what a user types.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force

    function Get-Ids { process { "$($_.Agent)/$($_.ProfileId)" } }
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Point 7: agents and agent names pipe into every cmdlet with -Agent' {
    BeforeEach {
        $script:State = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        New-MoltbotAgent ops | Out-Null
        $script:Key = ConvertTo-TestSecret 'sk-or-v1-PIPESKEY0123456789'
        $script:Token = New-TestSetupToken -Marker 'PIPES'
        Set-MoltbotApiKey openrouter -ApiKey $script:Key -Agent work
        Set-MoltbotApiKey openrouter -ApiKey $script:Key -Agent ops
        Set-MoltbotApiKey openrouter -ApiKey $script:Key
    }

    It '15.7: Get-MoltbotAgent work | Get-MoltbotAuthProfile lists that agent''s profiles' {
        Get-MoltbotAgent work | Get-MoltbotAuthProfile | Get-Ids | Should -Be @('work/openrouter:default')
        @(Get-MoltbotAgent | Get-MoltbotAuthProfile | Get-Ids) | Sort-Object | Should -Be @('main/openrouter:default', 'ops/openrouter:default', 'work/openrouter:default')
    }

    It '15.7: ''work'' | Get-MoltbotAuthProfile takes the plain name, and a typo is MoltbotAgentNotFound' {
        'work' | Get-MoltbotAuthProfile | Get-Ids | Should -Be @('work/openrouter:default')
        'work', 'ops' | Get-MoltbotAuthProfile | Get-Ids | Should -Be @('work/openrouter:default', 'ops/openrouter:default')
        'wrok' | Get-MoltbotAuthProfile -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentNotFound*'
    }

    It '15.7: Get-MoltbotAgent work | Set-MoltbotSetupToken -Token $t stores in that agent, and a piped token still binds to -Token' {
        $t = ConvertTo-TestSecret $script:Token
        Get-MoltbotAgent work | Set-MoltbotSetupToken -Token $t -PassThru | Get-Ids | Should -Be @('work/anthropic:manual')
        $t | Set-MoltbotSetupToken -PassThru | Get-Ids | Should -Be @('main/anthropic:manual')
        Get-Content -Raw (Join-Path $script:State 'agents/work/agent/auth-profiles.json') | Should -Match 'anthropic:manual'
        # The piped SecureString did not also become an agent name.
        (Get-MoltbotAgent).Id | Sort-Object | Should -Be @('main', 'ops', 'work')
    }

    It '15.7: Get-MoltbotAgent work | Set-MoltbotApiKey openai -ApiKey $k stores in that agent' {
        $k = ConvertTo-TestSecret 'sk-proj-PIPESOPENAI0123456789'
        Get-MoltbotAgent work | Set-MoltbotApiKey openai -ApiKey $k -PassThru | Get-Ids | Should -Be @('work/openai:default')
        Get-MoltbotAuthProfile -Agent main, ops -Provider openai | Should -BeNullOrEmpty
    }

    It '15.7: Get-MoltbotAgent | Import-MoltbotLegacyCredential imports into each agent' {
        $legacy = Join-Path $script:State 'agents/ops/agent/auth.json'
        @{ anthropic = @{ type = 'api_key'; key = 'sk-ant-api03-PIPESLEGACY0123456789' } } | ConvertTo-Json | Set-Content $legacy
        Register-TestSecret 'sk-ant-api03-PIPESLEGACY0123456789'
        $r = Get-MoltbotAgent | Import-MoltbotLegacyCredential
        ($r | Where-Object Imported).Agent | Should -Be @('ops')
        (Get-MoltbotAuthProfile -Agent ops -Provider anthropic).Type | Should -Be 'api_key'
    }

    It '15.7: ''work'',''main'' | Get-MoltbotAuthOrder shows the orders of those agents' {
        Set-MoltbotApiKey openrouter -ApiKey $script:Key -Agent work -ProfileId second
        Set-MoltbotAuthOrder openrouter 'openrouter:second', 'openrouter:default' -Agent work
        Set-MoltbotAuthOrder openrouter 'openrouter:default' -Agent ops
        $orders = 'work', 'main' | Get-MoltbotAuthOrder
        $orders.Agent | Should -Be @('work')
        $orders.ProfileId | Should -Be @('openrouter:second', 'openrouter:default')
        (Get-MoltbotAgent ops | Get-MoltbotAuthOrder).ProfileId | Should -Be @('openrouter:default')
    }

    It '15.7: profiles keep binding ProfileId and Agent: Get-MoltbotAuthProfile | Remove-MoltbotAuthProfile' {
        Get-MoltbotAuthProfile -Agent work, ops | Remove-MoltbotAuthProfile -Force
        Get-MoltbotAuthProfile | Get-Ids | Should -Be @('main/openrouter:default')
    }

    It '15.7: the other cmdlets with -Agent take an agent from the pipeline' {
        (Get-MoltbotAgent work | Resolve-MoltbotAuthProfile -Provider openrouter)[0].Agent | Should -Be 'work'
        $tok = 'work' | Get-MoltbotAccessToken -Provider openrouter
        $tok.Agent | Should -Be 'work'
        'ops' | Set-MoltbotAuthOrder openrouter 'openrouter:default' -PassThru | ForEach-Object Agent | Should -Be 'ops'
        'ops' | Remove-MoltbotAuthProfile -ProfileId openrouter:default -Force
        Get-MoltbotAuthProfile -Agent ops | Should -BeNullOrEmpty
        Get-MoltbotAuthProfile -Agent work | Should -Not -BeNullOrEmpty
    }

    It '15.7: Import-Csv keys.csv | Set-MoltbotApiKey stores one key per row (Provider, ApiKey, Agent, ProfileId)' {
        $k1 = 'sk-proj-PIPESCSVONE0123456789'; $k2 = 'sk-or-v1-PIPESCSVTWO0123456789'
        Register-TestSecret $k1; Register-TestSecret $k2
        $csv = Join-Path $TestDrive 'keys.csv'
        @(
            [pscustomobject]@{ Provider = 'openai'; ApiKey = $k1; Agent = 'work'; ProfileId = 'team' }
            [pscustomobject]@{ Provider = 'openrouter'; ApiKey = $k2; Agent = 'ops'; ProfileId = 'csv' }
        ) | Export-Csv $csv
        $out = Import-Csv $csv | Set-MoltbotApiKey -PassThru
        $out | Get-Ids | Should -Be @('work/openai:team', 'ops/openrouter:csv')
        ($out | Out-String) | Should -Not -Match 'PIPESCSV'
        Get-Content -Raw (Join-Path $script:State 'agents/work/agent/auth-profiles.json') | Should -Match ([regex]::Escape($k1))
        Get-Content -Raw (Join-Path $script:State 'agents/ops/agent/auth-profiles.json') | Should -Match ([regex]::Escape($k2))
    }

    It '15.7: -Agent takes a MoltbotAgent object on the command line too' {
        $work = Get-MoltbotAgent work
        Get-MoltbotAuthProfile -Agent $work | Get-Ids | Should -Be @('work/openrouter:default')
        Set-MoltbotApiKey openai -ApiKey (ConvertTo-TestSecret 'sk-proj-PIPESOBJ0123456789') -Agent $work -PassThru | Get-Ids | Should -Be @('work/openai:default')
    }

    It '15.7: an object that names no agent is not turned into one (a CSV row''s text never becomes an agent name)' {
        # (PowerShell's own InputObjectNotBound error carries the piped object as TargetObject: a marker, not a secret.)
        $row = [pscustomobject]@{ Provider = 'openai'; Note = 'PIPESCSVROW' }
        $out = & { $row | Get-MoltbotAuthProfile } 2>&1
        $out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object FullyQualifiedErrorId | Should -BeLike 'InputObjectNotBound*'
        ($out | Out-String) | Should -Not -Match 'PIPESCSVROW'
        # A provider piped into Connect-MoltbotProvider binds -Provider only; -Agent stays the default (-WhatIf
        # writes to the host, so the command runs in a child pwsh).
        $script = {
            param($ModulePath, $State)
            $env:OPENCLAW_STATE_DIR = $State
            Import-Module $ModulePath
            Get-MoltbotProvider openai-codex | Connect-MoltbotProvider -WhatIf
        }
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $output = & $pwsh -NoProfile -NonInteractive -Command $script -args (Get-BuiltModulePath), $script:State 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output -join "`n") | Should -Match "What if: .*agent 'main'"
    }
}

Describe 'Point 8: Get-MoltbotAuthOrder lists every order, like Get-MoltbotAuthProfile lists every profile' {
    BeforeEach {
        $script:State = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        New-MoltbotAgent ops | Out-Null
        $k = ConvertTo-TestSecret 'sk-or-v1-PIPESORDER0123456789'
        foreach ($agent in 'main', 'work', 'ops') {
            Set-MoltbotApiKey openrouter -ApiKey $k -Agent $agent
            Set-MoltbotApiKey openrouter -ApiKey $k -Agent $agent -ProfileId second
        }
        Set-MoltbotAuthOrder openrouter 'openrouter:second', 'openrouter:default' -Agent work
        Set-MoltbotAuthOrder openrouter 'openrouter:default' -Agent ops
        Set-MoltbotAuthOrder openrouter 'openrouter:second' -Global
    }

    It '15.8: Get-MoltbotAuthOrder with no arguments shows every agent''s order and the global auth.order, each with its scope' {
        $orders = Get-MoltbotAuthOrder
        $orders | ForEach-Object { '{0}|{1}|{2}' -f $_.Scope, $_.Agent, ($_.ProfileId -join ',') } | Should -Be @(
            # agents in Get-MoltbotAgent's order, then the global order
            'Agent|ops|openrouter:default'
            'Agent|work|openrouter:second,openrouter:default'
            'Global||openrouter:second'
        )
        ($orders | Where-Object Scope -eq Global).Path | Should -Be (Join-Path $script:State 'openclaw.json')
        ($orders | Where-Object Agent -eq work).Path | Should -Be (Join-Path $script:State 'agents/work/agent/auth-profiles.json')
    }

    It '15.8: Get-MoltbotAuthOrder -Agent w*, ops takes a wildcard list (no global), -Global alone only the global order' {
        (Get-MoltbotAuthOrder -Agent w*, ops).Agent | Should -Be @('work', 'ops')
        (Get-MoltbotAuthOrder -Agent w*, ops).Scope | Should -Not -Contain 'Global'
        $global = Get-MoltbotAuthOrder -Global
        $global.Scope | Should -Be @('Global')
        (Get-MoltbotAuthOrder -Agent ops -Global).Scope | Should -Be @('Agent', 'Global')
        (Get-MoltbotAuthOrder open* -Agent ops).ProfileId | Should -Be @('openrouter:default')
    }

    It '15.8: Get-MoltbotAuthOrder -Agent wrk, ops says MoltbotAgentNotFound (as Get-MoltbotAuthProfile does) and still lists ops' {
        $orders = Get-MoltbotAuthOrder -Agent wrk, ops -ErrorVariable err -ErrorAction SilentlyContinue
        $orders.Agent | Should -Be @('ops')
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentNotFound*'
        $err[0].Exception.Message | Should -Match 'work'
        Get-MoltbotAuthProfile -Agent wrk -ErrorVariable perr -ErrorAction SilentlyContinue | Out-Null
        $perr[0].Exception.Message | Should -Be $err[0].Exception.Message
        { Get-MoltbotAuthOrder -Agent '[' } | Should -Throw -ErrorId 'MoltbotInvalidWildcard*'
    }
}

Describe 'Points 9-11: exports, table views and Rank' {
    BeforeEach {
        $script:State = New-TestStateDir
        New-MoltbotAgent research | Out-Null
        $k = ConvertTo-TestSecret 'sk-or-v1-PIPESEXPORT0123456789'
        Set-MoltbotApiKey openrouter -ApiKey $k -ProfileId team-shared-key -Email 'someone@example.com'
        Set-MoltbotApiKey openrouter -ApiKey $k -ProfileId backup
        Set-MoltbotApiKey openai -ApiKey $k -Agent research -Email 'ops.team@example-company.com'
        ConvertTo-TestSecret (New-TestSetupToken -Marker 'PIPESEXP') | Set-MoltbotSetupToken -ExpiresIn 30d
        # An expired OAuth profile, as OpenClaw leaves one.
        $store = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        $doc = Get-Content -Raw $store | ConvertFrom-Json -AsHashtable
        $doc.profiles['openai-codex:default'] = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = 'a'; refresh = 'r'; expires = [DateTimeOffset]::UtcNow.AddHours(-2).ToUnixTimeMilliseconds(); accountId = 'acct-1' }
        $doc.profiles['mistral:old'] = [ordered]@{ type = 'token'; provider = 'mistral'; token = 't'; expires = [DateTimeOffset]::UtcNow.AddHours(-2).ToUnixTimeMilliseconds() }
        $doc | ConvertTo-Json -Depth 10 | Set-Content $store
    }

    It '15.9: Get-MoltbotAuthProfile | ConvertTo-Json gives status names, dates with offsets, null for never, no display-only properties' {
        $json = Get-MoltbotAuthProfile | ConvertTo-Json
        $json | Should -Not -Match 'Display"'
        $json | Should -Not -Match '9999'
        $json | Should -Not -Match '"Status":\s*\d'
        $back = $json | ConvertFrom-Json -DateKind String
        ($back | Where-Object ProfileId -eq 'openrouter:team-shared-key').Status | Should -Be 'Static'
        ($back | Where-Object ProfileId -eq 'openrouter:team-shared-key').ExpiresAt | Should -BeNullOrEmpty
        ($back | Where-Object ProfileId -eq 'openrouter:team-shared-key').HasExpiry | Should -BeFalse
        ($back | Where-Object ProfileId -eq 'mistral:old').Status | Should -Be 'Expired'
        $back.Status | Should -BeIn ([enum]::GetNames([Moltbot.Models.MoltbotProfileStatus]))
        ($back | Where-Object ProfileId -eq 'anthropic:manual').ExpiresAt | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$'
        ($back | Where-Object ProfileId -eq 'anthropic:manual').HasExpiry | Should -BeTrue
        $back[0].PSObject.Properties.Name | Should -Not -Contain 'Expires'
        $back[0].PSObject.Properties.Name | Should -Contain 'Rank'
        $back[0].PSObject.Properties.Name | Should -Not -Contain 'OrderRank'
    }

    It '15.9: Export-Csv / ConvertTo-Csv of every listing reads well (names, offsets, empty for never, no display columns)' {
        $csv = Join-Path $TestDrive 'profiles.csv'
        Get-MoltbotAuthProfile | Export-Csv $csv
        $rows = Import-Csv $csv
        ($rows | Where-Object ProfileId -eq 'openrouter:backup').Status | Should -Be 'Static'
        ($rows | Where-Object ProfileId -eq 'openrouter:backup').ExpiresAt | Should -Be ''
        ([DateTimeOffset] ($rows | Where-Object ProfileId -eq 'anthropic:manual').ExpiresAt).Offset | Should -Be ([DateTimeOffset]::Now.Offset)
        (Get-Content -Raw $csv) | Should -Not -Match '9999|\w+Display\b|System\.|Moltbot\.Models'
        ($rows | Where-Object ProfileId -eq 'openrouter:backup').SharedWith | Should -Be ''
        # A list is one readable cell, not its type name.
        Set-MoltbotAuthOrder openrouter 'openrouter:team-shared-key', 'openrouter:backup'
        (Get-MoltbotAuthOrder | ConvertTo-Csv | ConvertFrom-Csv).ProfileId | Should -Be 'openrouter:team-shared-key, openrouter:backup'
        (Get-MoltbotAuthOrder | ConvertTo-Json | ConvertFrom-Json).ProfileId | Should -Be @('openrouter:team-shared-key', 'openrouter:backup')
        (Get-MoltbotAuthOrder).ProfileId.Length | Should -Be 2
        foreach ($listing in { Get-MoltbotAgent }, { Get-MoltbotAuthOrder }, { Resolve-MoltbotAuthProfile openrouter }, { Get-MoltbotAccessToken -Provider openrouter }) {
            $text = (& $listing | ConvertTo-Csv) -join "`n"
            $text | Should -Not -Match '\w+Display\b|9999|System\.String\[\]' -Because "$listing"
            ((& $listing | ConvertTo-Json -Depth 3) -join "`n") | Should -Not -Match 'Display"|9999' -Because "$listing"
        }
        (Get-MoltbotAccessToken -Provider openrouter | ConvertTo-Json | ConvertFrom-Json).ExpiresAt | Should -BeNullOrEmpty
    }

    It '15.9: Where-Object Expires -lt (Get-Date) still returns exactly the expired profiles, never the ones without expiry' {
        (Get-MoltbotAuthProfile | Where-Object Expires -lt (Get-Date)).ProfileId | Sort-Object | Should -Be @('mistral:old', 'openai-codex:default')
        (Get-MoltbotAuthProfile | Sort-Object Expires | Select-Object -Last 1).HasExpiry | Should -BeFalse
    }

    It '15.10: the default tables keep whole headers and whole ids at 80 columns and use 160 columns' {
        Set-MoltbotAuthOrder openrouter 'openrouter:team-shared-key', 'openrouter:backup' -Global
        $views = @(
            @{ Name = 'profiles'; Run = { Get-MoltbotAuthProfile }; Headers = 'ProfileId', 'Type', 'Status', 'Expires', 'Shared', 'Account'; Ids = 'openrouter:team-shared-key', 'openai-codex:default', 'anthropic:manual', 'openai:default' }
            @{ Name = 'agents'; Run = { Get-MoltbotAgent }; Headers = 'Id', 'Default', 'InConfig', 'Profiles', 'AgentDir'; Ids = 'main', 'research' }
            @{ Name = 'orders'; Run = { Get-MoltbotAuthOrder }; Headers = 'Scope', 'Agent', 'Provider', 'ProfileId'; Ids = 'openrouter:team-shared-key' }
            @{ Name = 'candidates'; Run = { Resolve-MoltbotAuthProfile openrouter }; Headers = 'Rank', 'ProfileId', 'Usable', 'Reason'; Ids = 'openrouter:team-shared-key', 'openrouter:backup' }
        )
        foreach ($view in $views) {
            foreach ($width in 80, 160) {
                $lines = (& $view.Run | Format-Table | Out-String -Width $width) -split "`r?`n"
                $headerLines = for ($i = 1; $i -lt $lines.Count; $i++) { if ($lines[$i] -match '^-+(\s+-+)*\s*$') { $lines[$i - 1] } }
                $headerLines | Should -Not -BeNullOrEmpty -Because "$($view.Name) at $width"
                foreach ($header in $headerLines) {
                    @(-split $header) | Should -Be $view.Headers -Because "$($view.Name) at ${width}: every header whole, on one line"
                }
                $text = $lines -join "`n"
                foreach ($id in $view.Ids) { $text | Should -Match "(?m)(^|\s)$([regex]::Escape($id))(\s|,|$)" -Because "$($view.Name) at ${width}: '$id' whole" }
                $lines | Where-Object { $_.Length -gt $width } | Should -BeNullOrEmpty
            }
        }
        # The wide terminal shows the accounts whole; the profiles are grouped by agent.
        $wide = Get-MoltbotAuthProfile | Out-String -Width 160
        $wide | Should -Match 'ops\.team@example-company\.com'
        $wide | Should -Match 'Agent: research'
    }

    It '15.11: Rank is the runtime''s position among the usable profiles, with or without an explicit order (OrderRank still answers)' {
        $profiles = Get-MoltbotAuthProfile -Agent main -Provider openrouter
        $profiles | Should -HaveCount 2
        $candidates = Resolve-MoltbotAuthProfile openrouter | Where-Object Usable
        foreach ($c in $candidates) { ($profiles | Where-Object ProfileId -eq $c.ProfileId).Rank | Should -Be $c.Rank }
        (($profiles | ForEach-Object Rank | Sort-Object) -join ',') | Should -Be '1,2'
        (Get-MoltbotAuthProfile -ProfileId mistral:old).Rank | Should -BeNullOrEmpty    # expired: skipped
        (Get-MoltbotAuthProfile -ProfileId openai-codex:default).Rank | Should -Be 1     # expired, but refreshable: tried
        Set-MoltbotAuthOrder openrouter 'openrouter:backup' -Agent main
        (Get-MoltbotAuthProfile -ProfileId openrouter:backup).Rank | Should -Be 1
        (Get-MoltbotAuthProfile -ProfileId openrouter:team-shared-key).Rank | Should -BeNullOrEmpty    # left out of the order
        (Get-MoltbotAuthProfile -ProfileId openrouter:backup).OrderRank | Should -Be 1
        (Get-Help Get-MoltbotAuthProfile -Full | Out-String) | Should -Match 'Rank is the position'
    }
}
