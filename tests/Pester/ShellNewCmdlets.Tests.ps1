# Issue 15, points 15-17: the cmdlets a first-time user looks for (Test-MoltbotAuthProfile, Set-MoltbotAuthProfile,
# Copy-MoltbotAuthProfile, Get-MoltbotAuthStatus), each tested with the command a user types, against a temp state dir.
# The -Online probe goes to the provider mock (tests/peers/providers/mock.mjs: /api/anthropic/whoami accepts only an
# access token the mock issued and answers 401 otherwise); nothing leaves loopback.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ProviderMock.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:SavedHome = $env:HOME
    $env:HOME = Join-Path $TestDrive 'home'
    New-Item -ItemType Directory -Force $env:HOME | Out-Null
    foreach ($v in 'CODEX_HOME', 'CLAUDE_CONFIG_DIR', 'QWEN_HOME', 'GEMINI_CLI_HOME') { Remove-Item "Env:$v" -ErrorAction Ignore }
    $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'

    function Get-Store([string] $Agent = 'main') {
        Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR "agents/$Agent/agent/auth-profiles.json") | ConvertFrom-Json -AsHashtable
    }
    function Set-Store([hashtable] $Doc, [string] $Agent = 'main') {
        $Doc | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $env:OPENCLAW_STATE_DIR "agents/$Agent/agent/auth-profiles.json")
    }
    function Get-Config { Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR 'openclaw.json') | ConvertFrom-Json -AsHashtable }
    function New-Fixture {
        # main: anthropic:default (setup token), openrouter:default (API key, ops@example.com); agent work (empty).
        $null = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        $script:Token = New-TestSetupToken
        ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken -ProfileId default
        $script:Key = 'sk-or-v1-' + [guid]::NewGuid().ToString('N')
        Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-TestSecret $script:Key) -Email ops@example.com
    }
    function Add-OAuthProfile([string] $Id = 'openai-codex:default', [long] $ExpiresMs, [string] $Refresh, [string] $Access) {
        $doc = Get-Store
        $entry = [ordered]@{ type = 'oauth'; provider = ($Id -split ':')[0]; access = ($Access ? $Access : 'fake-access-' + [guid]::NewGuid().ToString('N')); expires = $ExpiresMs }
        if ($Refresh) { $entry.refresh = $Refresh }
        Register-TestSecret $entry.access
        $doc.profiles[$Id] = $entry
        Set-Store $doc
    }
}

AfterAll {
    $env:HOME = $script:SavedHome
    Remove-Item Env:MOLTBOT_NO_GATEWAY_REFRESH, Env:MOLTBOT_ANTHROPIC_PROBE_URL -ErrorAction Ignore
}

Describe 'Test-MoltbotAuthProfile (point 15)' {
    BeforeEach { New-Fixture }

    It '15.15: Test-MoltbotAuthProfile tells for each credential whether it is usable now, with a reason' {
        $now = [DateTimeOffset]::UtcNow
        $doc = Get-Store
        $doc.profiles['anthropic:old'] = [ordered]@{ type = 'token'; provider = 'anthropic'; token = (New-TestSetupToken 'OLD'); expires = $now.AddHours(-1).ToUnixTimeMilliseconds() }
        $doc.profiles['anthropic:soon'] = [ordered]@{ type = 'token'; provider = 'anthropic'; token = (New-TestSetupToken 'SOON'); expires = $now.AddHours(3).ToUnixTimeMilliseconds() }
        $cut = 'sk-ant-oat01-' + 'cut' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Register-TestSecret $cut
        $doc.profiles['anthropic:cut'] = [ordered]@{ type = 'token'; provider = 'anthropic'; token = $cut }
        $doc.profiles['anthropic:empty'] = [ordered]@{ type = 'token'; provider = 'anthropic'; token = '' }
        $doc.profiles['openai-codex:stale'] = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = 'fake-stale-access'; expires = $now.AddMinutes(-5).ToUnixTimeMilliseconds() }
        $doc.profiles['openai-codex:renewable'] = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = 'fake-old-access'; refresh = 'fake-refresh-x'; expires = $now.AddMinutes(-5).ToUnixTimeMilliseconds() }
        $doc.usageStats = @{ 'openrouter:default' = @{ cooldownUntil = $now.AddMinutes(30).ToUnixTimeMilliseconds(); errorCount = 2 } }
        foreach ($s in 'fake-stale-access', 'fake-old-access', 'fake-refresh-x') { Register-TestSecret $s }
        Set-Store $doc

        $results = @(Test-MoltbotAuthProfile -Agent main)
        $by = @{}; foreach ($r in $results) { $by[$r.ProfileId] = $r }
        $results.Count | Should -Be 8
        $by['anthropic:default'].Usable | Should -BeTrue
        $by['anthropic:default'].Result | Should -Be 'Ok'
        $by['anthropic:old'].Usable | Should -BeFalse
        $by['anthropic:old'].Result | Should -Be 'Expired'
        $by['anthropic:soon'].Usable | Should -BeTrue
        $by['anthropic:soon'].Result | Should -Be 'Expiring'
        $by['anthropic:cut'].Result | Should -Be 'Malformed'
        $by['anthropic:cut'].Reason | Should -BeLike '*too short*'
        $by['anthropic:empty'].Result | Should -Be 'Missing'
        $by['openai-codex:stale'].Result | Should -Be 'Expired'
        $by['openai-codex:stale'].Reason | Should -BeLike '*no refresh token*'
        $by['openai-codex:renewable'].Usable | Should -BeTrue
        $by['openrouter:default'].Result | Should -Be 'InCooldown'
        $by['openrouter:default'].Usable | Should -BeFalse
        $by['openrouter:default'].Reason | Should -BeLike '*2 errors*'
        foreach ($r in $results) { $r.Reason | Should -Not -BeNullOrEmpty; $r.Probed | Should -BeFalse }
        # No secret in any property.
        $text = $results | ConvertTo-Json | Out-String
        foreach ($s in $script:Token, $script:Key, $cut, 'fake-refresh-x') { $text | Should -Not -BeLike "*$s*" }
    }

    It '15.15: Test-MoltbotAuthProfile -Quiet returns one boolean for a script' {
        $ok = Test-MoltbotAuthProfile -Quiet
        $ok | Should -BeOfType [bool]
        $ok | Should -BeTrue
        Add-OAuthProfile 'openai-codex:stale' -ExpiresMs ([DateTimeOffset]::UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds())
        $all = @(Test-MoltbotAuthProfile -Quiet)
        $all.Count | Should -Be 1
        $all[0] | Should -BeFalse
        Test-MoltbotAuthProfile -Provider anthropic -Quiet | Should -BeTrue
        Test-MoltbotAuthProfile -ProfileId 'anthropic:nope' -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
        Test-MoltbotAuthProfile -Agent work -Quiet | Should -BeFalse -Because 'an agent without credentials has nothing usable'
    }

    It '15.15: Get-MoltbotAuthProfile | Test-MoltbotAuthProfile, Get-MoltbotAgent | and agent names from the pipeline' {
        ConvertTo-TestSecret (New-TestSetupToken 'WORK') | Set-MoltbotSetupToken -Agent work -ProfileId team
        $piped = @(Get-MoltbotAuthProfile | Test-MoltbotAuthProfile)
        $piped.Count | Should -Be 3
        @($piped | Where-Object Agent -EQ work).ProfileId | Should -Be 'anthropic:team'
        @(Get-MoltbotAuthProfile -Agent work | Test-MoltbotAuthProfile).ProfileId | Should -Be 'anthropic:team'
        @('work' | Test-MoltbotAuthProfile).ProfileId | Should -Be 'anthropic:team'
        @(Get-MoltbotAgent work | Test-MoltbotAuthProfile).ProfileId | Should -Be 'anthropic:team'
        $err = $null
        Test-MoltbotAuthProfile -Agent wrok -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentNotFound*'
        "$($err[0])" | Should -BeLike "*Did you mean 'work'*"
    }

    It "15.15: pwsh -c 'exit (Test-MoltbotAuthProfile -Check)' exits 0, 1 or 2 as 'models status --check'" {
        $run = {
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$($script:ModulePath)'; exit (Test-MoltbotAuthProfile -Check)") { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
            $psi.Environment['OPENCLAW_STATE_DIR'] = $env:OPENCLAW_STATE_DIR
            $psi.Environment['HOME'] = $env:HOME
            $p = [System.Diagnostics.Process]::Start($psi)
            $out = $p.StandardOutput.ReadToEndAsync(); $errText = $p.StandardError.ReadToEndAsync()
            $p.WaitForExit(120000) | Should -BeTrue
            Add-TestTapRecord 'child pwsh Test-MoltbotAuthProfile -Check' ([ordered]@{ Out = $out.Result; Err = $errText.Result })
            $p.ExitCode
        }
        & $run | Should -Be 0
        Set-MoltbotAuthProfile anthropic:default -ExpiresIn ([TimeSpan]::FromHours(2))
        & $run | Should -Be 2
        Add-OAuthProfile 'openai-codex:stale' -ExpiresMs ([DateTimeOffset]::UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds())
        & $run | Should -Be 1
    }

    Context '-Online against the provider mock' {
        BeforeAll {
            $script:MockLog = Join-Path $TestDrive 'mock.jsonl'
            $script:Mock = Start-ProviderMock -LogPath $script:MockLog
            $env:MOLTBOT_ANTHROPIC_PROBE_URL = "$($script:Mock.Base)/api/anthropic/whoami"
        }
        AfterAll {
            Remove-Item Env:MOLTBOT_ANTHROPIC_PROBE_URL -ErrorAction Ignore
            Stop-ProviderMock $script:Mock
        }

        It '15.15: Test-MoltbotAuthProfile -Online: a credential the provider accepts is usable, a 401 is not, and the token is never logged' {
            $seed = New-ProviderMockSeed $script:Mock anthropic
            Register-TestSecret $seed.access; Register-TestSecret $seed.refresh
            $expires = [DateTimeOffset]::UtcNow.AddSeconds([int]$seed.expires_in).ToUnixTimeMilliseconds()
            Add-OAuthProfile 'anthropic:live' -ExpiresMs $expires -Refresh $seed.refresh -Access $seed.access
            Add-OAuthProfile 'anthropic:revoked' -ExpiresMs $expires -Refresh 'fake-dead-refresh'
            Register-TestSecret 'fake-dead-refresh'

            $offline = @(Test-MoltbotAuthProfile -Provider anthropic)
            @($offline | Where-Object Usable).Count | Should -Be 3 -Because 'offline, all three look usable'

            $results = @(Test-MoltbotAuthProfile -Provider anthropic -Online -Verbose 4>&1)
            $verbose = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $objects = @($results | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $by = @{}; foreach ($r in $objects) { $by[$r.ProfileId] = $r }
            $by['anthropic:live'].Usable | Should -BeTrue
            $by['anthropic:live'].Probed | Should -BeTrue
            $by['anthropic:live'].ProbeStatusCode | Should -Be 200
            $by['anthropic:revoked'].Usable | Should -BeFalse
            $by['anthropic:revoked'].Result | Should -Be 'Rejected'
            $by['anthropic:revoked'].ProbeStatusCode | Should -Be 401
            $by['anthropic:default'].Result | Should -Be 'Rejected' -Because 'the mock did not issue that setup token'
            Test-MoltbotAuthProfile -ProfileId anthropic:live -Online -Quiet | Should -BeTrue
            Test-MoltbotAuthProfile -Provider anthropic -Online -Quiet | Should -BeFalse

            $log = Get-ProviderMockLog $script:Mock -Endpoint anthropic.api
            $log.Count | Should -Be 7 -Because 'three profiles, then one, then three: one request each'
            @($log | Where-Object status -EQ 200).Count | Should -Be 3
            $raw = Get-Content -Raw $script:MockLog
            $all = ($objects | ConvertTo-Json | Out-String) + ($verbose -join "`n")
            foreach ($s in $seed.access, $script:Token) {
                $raw | Should -Not -BeLike "*$s*"
                $all | Should -Not -BeLike "*$s*"
            }
        }
    }
}

Describe 'Set-MoltbotAuthProfile and Copy-MoltbotAuthProfile (point 16)' {
    BeforeEach { New-Fixture }

    It '15.16: Set-MoltbotAuthProfile -Email changes the email in the store and auth.profiles, and keeps the secret byte for byte' {
        $before = Get-Store
        $p = Set-MoltbotAuthProfile -ProfileId openrouter:default -Email billing@example.com -DisplayName 'Team key' -PassThru
        $p.Email | Should -Be 'billing@example.com'
        $p.DisplayName | Should -Be 'Team key'
        $after = Get-Store
        $after.profiles['openrouter:default'].key | Should -BeExactly $script:Key
        $after.profiles['openrouter:default'].key | Should -BeExactly $before.profiles['openrouter:default'].key
        $after.profiles['openrouter:default'].email | Should -Be 'billing@example.com'
        (Get-Config).auth.profiles['openrouter:default'].email | Should -Be 'billing@example.com'
        # An empty string removes it from both.
        Set-MoltbotAuthProfile openrouter:default -Email ''
        (Get-Store).profiles['openrouter:default'].Keys | Should -Not -Contain 'email'
        (Get-Config).auth.profiles['openrouter:default'].Keys | Should -Not -Contain 'email'
        (Get-Store).profiles['openrouter:default'].key | Should -BeExactly $script:Key
    }

    It '15.16: Set-MoltbotAuthProfile -ExpiresIn sets a token expiry; api_key and oauth are refused with MoltbotExpiryNotSettable' {
        $p = Set-MoltbotAuthProfile anthropic:default -ExpiresIn ([TimeSpan]::FromDays(30)) -PassThru
        $p.Status | Should -Be 'Ok'
        $stored = (Get-Store).profiles['anthropic:default']
        $stored.token | Should -BeExactly $script:Token
        $days = ([DateTimeOffset]::FromUnixTimeMilliseconds($stored.expires) - [DateTimeOffset]::UtcNow).TotalDays
        $days | Should -BeGreaterThan 29.9
        $days | Should -BeLessOrEqual 30
        Set-MoltbotAuthProfile anthropic:default -NoExpiry
        (Get-Store).profiles['anthropic:default'].Keys | Should -Not -Contain 'expires'

        $before = Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent/auth-profiles.json')
        { Set-MoltbotAuthProfile openrouter:default -ExpiresIn ([TimeSpan]::FromDays(30)) } | Should -Throw -ErrorId 'MoltbotExpiryNotSettable*' -ExpectedMessage '*api_key never expires*'
        Add-OAuthProfile 'openai-codex:default' -ExpiresMs ([DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeMilliseconds()) -Refresh 'fake-r'
        Register-TestSecret 'fake-r'
        $before = Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent/auth-profiles.json')
        { Set-MoltbotAuthProfile openai-codex:default -Expires (Get-Date).AddDays(3) } | Should -Throw -ErrorId 'MoltbotExpiryNotSettable*' -ExpectedMessage "*provider's*"
        Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent/auth-profiles.json') | Should -BeExactly $before
        { Set-MoltbotAuthProfile anthropic:default } | Should -Throw -ErrorId 'MoltbotNothingToSet*'
        { Set-MoltbotAuthProfile anthropic:default -Expires (Get-Date).AddDays(-1) } | Should -Throw -ErrorId 'MoltbotInvalidExpiresIn*'
        { Set-MoltbotAuthProfile anthropic:nope -Email a@b.c } | Should -Throw -ErrorId 'MoltbotProfileNotFound*'
        { Set-MoltbotAuthProfile anthropic:default -Agent nope -Email a@b.c } | Should -Throw -ErrorId 'MoltbotAgentNotFound*'
    }

    It '15.16: Get-MoltbotAuthProfile | Set-MoltbotAuthProfile -WhatIf changes nothing; without -WhatIf it changes each piped profile' {
        ConvertTo-TestSecret (New-TestSetupToken 'WORK') | Set-MoltbotSetupToken -Agent work -ProfileId team
        $snapshot = Get-TreeSnapshot $env:OPENCLAW_STATE_DIR
        Get-MoltbotAuthProfile -Provider anthropic | Set-MoltbotAuthProfile -DisplayName 'Claude team' -WhatIf
        Get-TreeSnapshot $env:OPENCLAW_STATE_DIR | Should -Be $snapshot
        Get-MoltbotAuthProfile -Provider anthropic | Set-MoltbotAuthProfile -DisplayName 'Claude team'
        (Get-Store main).profiles['anthropic:default'].displayName | Should -Be 'Claude team'
        (Get-Store work).profiles['anthropic:team'].displayName | Should -Be 'Claude team'
    }

    It '15.16: Copy-MoltbotAuthProfile copies an api_key or token to an existing agent, secret and fields as stored' {
        $copy = Copy-MoltbotAuthProfile openrouter:default -Destination work -PassThru
        $copy.Agent | Should -Be 'work'
        $copy.Email | Should -Be 'ops@example.com'
        (Get-Store work).profiles['openrouter:default'].key | Should -BeExactly $script:Key
        Get-MoltbotAuthProfile -Agent main -Provider anthropic | Copy-MoltbotAuthProfile -Destination work
        (Get-Store work).profiles['anthropic:default'].token | Should -BeExactly $script:Token
        (Get-Store main).profiles.Keys | Should -Contain 'openrouter:default' -Because 'a copy leaves the source'
    }

    It '15.16: Set- and Copy-MoltbotAuthProfile take a short id (team) as Set-MoltbotApiKey and Remove-MoltbotAuthProfile do' {
        Set-MoltbotApiKey -Provider openrouter -ProfileId team -ApiKey (ConvertTo-TestSecret 'sk-or-v1-PESTERSHORTID0123456789')
        (Set-MoltbotAuthProfile team -Email team@example.com -PassThru).ProfileId | Should -Be 'openrouter:team'
        (Get-Store).profiles['openrouter:team'].email | Should -Be 'team@example.com'
        (Copy-MoltbotAuthProfile team -Destination work -PassThru).ProfileId | Should -Be 'openrouter:team'
        (Get-Store work).profiles['openrouter:team'].key | Should -BeExactly 'sk-or-v1-PESTERSHORTID0123456789'
        Set-MoltbotApiKey -Provider mistral -ProfileId team -ApiKey (ConvertTo-TestSecret 'PESTERMISTRALSHORTID0123456789')
        { Set-MoltbotAuthProfile team -Email x@example.com } | Should -Throw -ErrorId 'MoltbotProfileIdAmbiguous*' -ExpectedMessage "*'mistral:team'*'openrouter:team'*"
    }

    It '15.16: Copy-MoltbotAuthProfile refuses an oauth login (MoltbotProfileNotPortable) unless -Force, then warns about the shared refresh token' {
        Add-OAuthProfile 'openai-codex:default' -ExpiresMs ([DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeMilliseconds()) -Refresh 'fake-rt-shared'
        Register-TestSecret 'fake-rt-shared'
        { Copy-MoltbotAuthProfile openai-codex:default -Destination work } | Should -Throw -ErrorId 'MoltbotProfileNotPortable*' -ExpectedMessage '*two owners*'
        Test-Path (Join-Path $env:OPENCLAW_STATE_DIR 'agents/work/agent/auth-profiles.json') | Should -BeFalse
        Copy-MoltbotAuthProfile openai-codex:default -Destination work -Force -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -BeLike "*same refresh token*two owners*"
        (Get-Store work).profiles['openai-codex:default'].refresh | Should -BeExactly 'fake-rt-shared'
        @(Get-MoltbotAuthProfile -Agent work -ProfileId openai-codex:default).SharedWith.Count | Should -BeGreaterThan 0
    }

    It '15.16: Copy-MoltbotAuthProfile keeps an existing profile unless -Force, needs an existing agent, and -WhatIf writes nothing' {
        Copy-MoltbotAuthProfile openrouter:default -Destination work -WhatIf
        Test-Path (Join-Path $env:OPENCLAW_STATE_DIR 'agents/work/agent/auth-profiles.json') | Should -BeFalse
        $err = { Copy-MoltbotAuthProfile openrouter:default -Destination wrok } | Should -Throw -ErrorId 'MoltbotAgentNotFound*' -PassThru
        "$err" | Should -BeLike "*Did you mean 'work'*"
        Test-Path (Join-Path $env:OPENCLAW_STATE_DIR 'agents/wrok') | Should -BeFalse -Because 'a typo never creates an agent'
        { Copy-MoltbotAuthProfile openrouter:default -Destination main } | Should -Throw -ErrorId 'MoltbotCopySameAgent*'
        $other = 'sk-or-v1-other-' + [guid]::NewGuid().ToString('N')
        Set-MoltbotApiKey -Provider openrouter -Agent work -ApiKey (ConvertTo-TestSecret $other)
        { Copy-MoltbotAuthProfile openrouter:default -Destination work } | Should -Throw -ErrorId 'MoltbotProfileExists*'
        (Get-Store work).profiles['openrouter:default'].key | Should -BeExactly $other
        Copy-MoltbotAuthProfile openrouter:default -Destination work -Force
        (Get-Store work).profiles['openrouter:default'].key | Should -BeExactly $script:Key
    }
}

Describe 'Get-MoltbotAuthStatus (point 17)' {
    BeforeEach { New-Fixture }

    It '15.17: Get-MoltbotAuthStatus shows per agent and provider the profile that would be used, and what is missing' {
        # work runs an Anthropic model but has no credential; auth.order names openai, which nobody has a key for.
        $config = Get-Config
        ($config.agents.list | Where-Object id -EQ work).model = 'anthropic/claude-sonnet-4-5'
        $config.auth.order = @{ openai = @('openai:default') }
        $config | ConvertTo-Json -Depth 10 | Set-Content (Join-Path $env:OPENCLAW_STATE_DIR 'openclaw.json')
        Set-MoltbotAuthProfile anthropic:default -ExpiresIn ([TimeSpan]::FromHours(3))

        $all = @(Get-MoltbotAuthStatus)
        $main = @{}; foreach ($s in $all | Where-Object Agent -EQ main) { $main[$s.Provider] = $s }
        $main['anthropic'].ProfileId | Should -Be 'anthropic:default'
        $main['anthropic'].Type | Should -Be 'token'
        $main['anthropic'].Status | Should -Be 'Expiring'
        $main['anthropic'].Expires | Should -BeOfType [DateTimeOffset]
        $main['openrouter'].ProfileId | Should -Be 'openrouter:default'
        $main['openrouter'].Status | Should -Be 'Static'
        $main['openai'].Missing | Should -BeTrue
        $main['openai'].Sources | Should -Contain 'auth.order'
        $work = @($all | Where-Object { $_.Agent -eq 'work' -and $_.Provider -eq 'anthropic' })
        $work.Count | Should -Be 1
        $work[0].Missing | Should -BeTrue
        $work[0].Model | Should -Be 'anthropic/claude-sonnet-4-5'
        $work[0].Sources | Should -Contain 'model'

        $missing = @(Get-MoltbotAuthStatus -Missing)
        $missing | ForEach-Object { $_.Missing | Should -BeTrue }
        @($missing | Where-Object { $_.Agent -eq 'work' -and $_.Provider -eq 'anthropic' }).Count | Should -Be 1
        # After a copy, work uses main's token.
        Copy-MoltbotAuthProfile anthropic:default -Destination work
        (Get-MoltbotAuthStatus -Agent work -Provider anthropic).ProfileId | Should -Be 'anthropic:default'
    }

    It '15.17: Get-MoltbotAuthStatus -Agent takes wildcards and pipeline input, -Provider filters, and the view reads at 80 columns' {
        @(Get-MoltbotAuthStatus -Agent 'm*' -Provider anthropic).Count | Should -Be 1
        @(Get-MoltbotAuthStatus -Agent 'm*', 'w*').Agent | Sort-Object -Unique | Should -Be @('main', 'work')
        @('main' | Get-MoltbotAuthStatus -Provider openrouter).ProfileId | Should -Be 'openrouter:default'
        @(Get-MoltbotAgent main | Get-MoltbotAuthStatus -Provider openrouter).ProfileId | Should -Be 'openrouter:default'
        $err = $null
        Get-MoltbotAuthStatus -Agent wrok -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentNotFound*'
        $table = Get-MoltbotAuthStatus -Agent main | Out-String -Width 80
        $lines = $table -split "`r?`n"
        ($lines | Where-Object { $_.Length -gt 80 }) | Should -BeNullOrEmpty
        $table | Should -BeLike '*Provider*ProfileId*Status*'
        $table | Should -BeLike '*openrouter:default*'
        # A profile id with a terminal control character reaches the screen escaped, in the table and in the list.
        $doc = Get-Store
        $doc.profiles["openai:evil`e[31m"] = [ordered]@{ type = 'api_key'; provider = 'openai'; key = 'sk-evil-not-real' }
        Register-TestSecret 'sk-evil-not-real'
        Set-Store $doc
        foreach ($shown in (Get-MoltbotAuthStatus -Agent main -Provider openai | Out-String), (Get-MoltbotAuthStatus -Agent main -Provider openai | Format-List | Out-String),
            (Test-MoltbotAuthProfile -Provider openai | Out-String), (Test-MoltbotAuthProfile -Provider openai | Format-List | Out-String)) {
            $shown | Should -BeLike '*openai:evil*'
            $shown.Contains([char]27 + '[31m') | Should -BeFalse
        }
        $json = Get-MoltbotAuthStatus -Agent main | ConvertTo-Json | Out-String
        $json | Should -Not -BeLike "*$($script:Key)*"
        $json | Should -Not -BeLike "*$($script:Token)*"
    }
}
