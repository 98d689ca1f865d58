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
        Get-MoltbotAgent work | Set-MoltbotSetupToken -Token $t -PassThru | Get-Ids | Should -Be @('work/anthropic:default')
        $t | Set-MoltbotSetupToken -PassThru | Get-Ids | Should -Be @('main/anthropic:default')
        Get-Content -Raw (Join-Path $script:State 'agents/work/agent/auth-profiles.json') | Should -Match 'anthropic:default'
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
