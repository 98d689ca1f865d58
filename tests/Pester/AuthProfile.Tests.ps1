BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Profiles in the pipeline' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Token = New-TestSetupToken
        $script:Store = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
    }

    It 'returns exactly the expired profiles for Where Expires -lt (Get-Date)' {
        ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken
        Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-TestSecret 'sk-or-v1-PESTERKEY')
        Set-MoltbotSetupToken -Provider github-copilot -Token (ConvertTo-TestSecret 'ghu_PESTER') -ExpiresIn 3h
        $doc = Get-Content -Raw $script:Store | ConvertFrom-Json -AsHashtable
        $past = [DateTimeOffset]::UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds()
        $doc.profiles['openai-codex:default'] = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = 'a'; refresh = 'r'; expires = $past; accountId = 'acct' }
        $doc.profiles['openrouter:old'] = [ordered]@{ type = 'token'; provider = 'openrouter'; token = 't'; expires = $past }
        $doc | ConvertTo-Json -Depth 10 | Set-Content $script:Store

        $expired = Get-MoltbotAuthProfile | Where-Object Expires -lt (Get-Date)
        ($expired.ProfileId | Sort-Object) | Should -Be @('openai-codex:default', 'openrouter:old')
        (Get-MoltbotAuthProfile | Where-Object Status -eq Static).ProfileId | Sort-Object | Should -Be @('anthropic:manual', 'openrouter:default')
        (Get-MoltbotAuthProfile -ProfileId github-copilot:*).Status | Should -Be 'Expiring'
    }

    It 'never shows a secret in any view or stream' {
        $token = New-TestSetupToken -Marker 'NEVERSHOWN'
        $out = & {
            ConvertTo-TestSecret $token | Set-MoltbotSetupToken -PassThru -Verbose -Debug
            Get-MoltbotAuthProfile -Verbose -Debug | Format-Table | Out-String
            Get-MoltbotAuthProfile | Format-List * | Out-String
            Get-MoltbotAuthProfile | ConvertTo-Json
        } *>&1 | Out-String
        Add-TestTapRecord 'redirected streams (AuthProfile: never shows a secret)' $out
        $out | Should -Not -Match 'NEVERSHOWN'
        $out | Should -Match 'anthropic:manual'
        Get-Content -Raw $script:Store | Should -Match 'NEVERSHOWN'
    }

    It 'pipes profiles into Remove-MoltbotAuthProfile by property name' {
        New-MoltbotAgent work | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'k1')
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'k2') -Agent work
        ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken -Agent work
        Get-MoltbotAuthProfile -Provider openrouter | Remove-MoltbotAuthProfile -Force
        (Get-MoltbotAuthProfile | ForEach-Object { "$($_.Agent)/$($_.ProfileId)" }) | Should -Be @('work/anthropic:manual')
    }

    It 'leaves every file untouched under -WhatIf' {
        ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken
        $before = Get-TreeSnapshot $script:State
        ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken -ProfileId second -WhatIf
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'k') -WhatIf
        Set-MoltbotAuthOrder anthropic anthropic:manual -WhatIf
        Set-MoltbotAuthOrder anthropic anthropic:manual -Global -WhatIf
        Get-MoltbotAuthProfile | Remove-MoltbotAuthProfile -Force -WhatIf
        New-MoltbotAgent scratch -WhatIf
        Get-TreeSnapshot $script:State | Should -Be $before
    }

    It 'creates files 0600 and folders 0700' -Skip:$IsWindows {
        New-MoltbotAgent work | Out-Null
        ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken -Agent work
        Get-UnixMode (Join-Path $script:State 'agents/work/agent/auth-profiles.json') | Should -Be '600'
        Get-UnixMode (Join-Path $script:State 'openclaw.json') | Should -Be '600'
        foreach ($dir in 'agents', 'agents/work', 'agents/work/agent', 'agents/work/sessions') {
            Get-UnixMode (Join-Path $script:State $dir) | Should -Be '700' -Because $dir
        }
        Get-ChildItem -Recurse -Force $script:State -Filter '*.tmp' | Should -BeNullOrEmpty
        Get-ChildItem -Recurse -Force $script:State -Filter '*.lock' | Should -BeNullOrEmpty
    }

    It 'writes the store as OpenClaw does: 2-space JSON, LF, trailing newline, no BOM, no expires on a static token' {
        ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken
        $bytes = [IO.File]::ReadAllBytes($script:Store)
        $bytes[0] | Should -Be ([byte][char]'{')
        $text = [Text.Encoding]::UTF8.GetString($bytes)
        $text | Should -Not -Match "`r"
        $text.EndsWith("}`n") | Should -BeTrue
        $text | Should -Match '(?m)^  "profiles": \{$'
        $stored = ($text | ConvertFrom-Json -AsHashtable).profiles['anthropic:manual']
        $stored.Keys | Should -Not -Contain 'expires'
        $stored.type | Should -Be 'token'
    }
}

Describe 'Errors' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Store = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
    }

    It 'refuses a bad setup token with a stable id and writes nothing' {
        { Set-MoltbotSetupToken -Token (ConvertTo-TestSecret 'sk-ant-api03-notasetuptoken') } |
            Should -Throw -ErrorId 'MoltbotInvalidSetupToken,Moltbot.Commands.SetMoltbotSetupTokenCommand'
        Test-Path $script:Store | Should -BeFalse
    }

    It 'refuses to overwrite a store it cannot parse and names the file' {
        New-Item -ItemType Directory -Force (Split-Path $script:Store) | Out-Null
        Set-Content -Path $script:Store -Value '{"version":1,"profiles":{"x":{"type":"token","token":"sk-SECRET' -NoNewline
        $before = Get-FileHash $script:Store
        $err = { Set-MoltbotSetupToken -Token (ConvertTo-TestSecret (New-TestSetupToken)) } |
            Should -Throw -ErrorId 'MoltbotStoreUnreadable,Moltbot.Commands.SetMoltbotSetupTokenCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike "*$($script:Store)*"
        $err.Exception.Message | Should -Not -Match 'SECRET'
        (Get-FileHash $script:Store).Hash | Should -Be $before.Hash

        Get-MoltbotAuthProfile -ErrorVariable listErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $listErrors[0].FullyQualifiedErrorId | Should -Be 'MoltbotStoreUnreadable,Moltbot.Commands.GetMoltbotAuthProfileCommand'
    }

    It 'reports an unknown agent as ObjectNotFound without stopping the pipeline' {
        $result = Get-MoltbotAuthProfile -Agent ghost -ErrorVariable e -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'MoltbotAgentNotFound,Moltbot.Commands.GetMoltbotAuthProfileCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'refuses main and duplicate agents' {
        { New-MoltbotAgent MAIN } | Should -Throw -ErrorId 'MoltbotAgentReserved,Moltbot.Commands.NewMoltbotAgentCommand'
        New-MoltbotAgent ops | Out-Null
        { New-MoltbotAgent ops } | Should -Throw -ErrorId 'MoltbotAgentExists,Moltbot.Commands.NewMoltbotAgentCommand'
    }

    It 'refuses an order naming an unknown profile and keeps the old order' {
        ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken
        Set-MoltbotAuthOrder anthropic anthropic:manual
        { Set-MoltbotAuthOrder anthropic anthropic:manual, anthropic:nope } |
            Should -Throw -ErrorId 'MoltbotProfileNotFound,Moltbot.Commands.SetMoltbotAuthOrderCommand'
        (Get-MoltbotAuthOrder anthropic).ProfileId | Should -Be @('anthropic:manual')
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $script:State = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'k') -Agent work -ProfileId 'team'
    }

    It 'completes <Line>' -ForEach @(
        @{ Line = 'Get-MoltbotAuthProfile -Agent '; Expected = @('main', 'work') }
        @{ Line = 'Get-MoltbotAuthProfile -Agent w'; Expected = @('work') }
        @{ Line = 'Remove-MoltbotAuthProfile -Agent work -ProfileId '; Expected = @('openrouter:team') }
        @{ Line = 'Set-MoltbotAuthOrder -Provider openr'; Expected = @('openrouter') }
    ) {
        $env:OPENCLAW_STATE_DIR = $script:State
        $matches = (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
        $matches | Should -Be $Expected
    }
}

Describe 'Routing and legacy import' {
    BeforeEach {
        $script:State = New-TestStateDir
    }

    It 'pins a profile with model@profileId and warns when the pin names no usable profile' {
        ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken
        Set-MoltbotApiKey anthropic (ConvertTo-TestSecret 'sk-ant-api03-x') -ProfileId work
        $pinned = Resolve-MoltbotAuthProfile -Model 'anthropic/claude-sonnet-4-5@anthropic:work'
        $pinned[0].ProfileId | Should -Be 'anthropic:work'
        $pinned[0].Pinned | Should -BeTrue
        $pinned[0].Model | Should -Be 'anthropic/claude-sonnet-4-5'
        $pinned[0].PinnedProfileId | Should -Be 'anthropic:work'

        $unpinned = Resolve-MoltbotAuthProfile -Model 'anthropic/claude@anthropic:ghost' -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -HaveCount 1
        ($unpinned | Where-Object Usable).ProfileId | Should -Be @('anthropic:manual', 'anthropic:work')
        { Resolve-MoltbotAuthProfile -Model 'claude' } | Should -Throw -ErrorId 'MoltbotInvalidProvider,Moltbot.Commands.ResolveMoltbotAuthProfileCommand'
    }

    It 'imports legacy files once, reports what it skipped, and leaves the disk alone under -WhatIf' {
        New-Item -ItemType Directory -Force (Join-Path $script:State 'credentials'), (Join-Path $script:State 'agents/main/agent') | Out-Null
        '{"anthropic":{"access":"a","refresh":"r","expires":1},"broken":42}' | Set-Content (Join-Path $script:State 'credentials/oauth.json')
        '{"openrouter":{"type":"api_key","key":"k"}}' | Set-Content (Join-Path $script:State 'agents/main/agent/auth.json')
        $before = Get-TreeSnapshot $script:State
        Import-MoltbotLegacyCredential -WhatIf
        Get-TreeSnapshot $script:State | Should -Be $before

        $first = Import-MoltbotLegacyCredential
        ($first | Where-Object Imported).ProfileId | Sort-Object | Should -Be @('anthropic:default', 'openrouter:default')
        ($first | Where-Object { -not $_.Imported }).ProfileId | Should -Be @('broken:default')
        Test-Path (Join-Path $script:State 'agents/main/agent/auth.json') | Should -BeFalse
        Test-Path (Join-Path $script:State 'credentials/oauth.json') | Should -BeTrue

        $storeBefore = Get-FileHash (Join-Path $script:State 'agents/main/agent/auth-profiles.json')
        $second = Import-MoltbotLegacyCredential
        @($second | Where-Object Imported) | Should -HaveCount 0
        (Get-FileHash (Join-Path $script:State 'agents/main/agent/auth-profiles.json')).Hash | Should -Be $storeBefore.Hash
    }
}
