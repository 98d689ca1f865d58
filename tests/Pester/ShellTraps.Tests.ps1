<#
    Issue 15, points 1, 2, 5, 6 and 12: the traps a first-time user falls into, each tested with the command the user
    types. The -ExpiresIn literals are written unquoted on purpose: PowerShell's parser turns 90s into an Int16, 1y into
    an SByte and 365d into a Decimal before the cmdlet sees them, and that is what is under test.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Get-StoreDoc([string] $Agent = 'main') {
        $path = Join-Path $env:OPENCLAW_STATE_DIR "agents/$Agent/agent/auth-profiles.json"
        if (Test-Path $path) { Get-Content -Raw $path | ConvertFrom-Json -AsHashtable } else { $null }
    }

    function Get-Failure([scriptblock] $Command) {
        # The first error record a command writes or stops with (null when it does not fail).
        $ErrorActionPreference = 'Stop'
        try { & $Command | Out-Null; $null } catch { $_ }
    }

    function Get-ExpiresInSeconds([string] $ProfileId, [string] $Agent = 'main') {
        $ms = (Get-StoreDoc $Agent).profiles[$ProfileId].expires
        ($ms - [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()) / 1000
    }
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Issue 15.1: -ExpiresIn as the user types it' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Key = ConvertTo-TestSecret "sk-or-v1-TRAPS$([guid]::NewGuid().ToString('N'))"
    }

    It '15.1: -ExpiresIn 90s unquoted stores a token valid for 90 seconds, not an expired one' {
        $p = Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 90s -PassThru -NoGatewayRefresh
        $p.Status | Should -Not -Be 'Expired'
        Get-ExpiresInSeconds $p.ProfileId | Should -BeGreaterThan 80
        Get-ExpiresInSeconds $p.ProfileId | Should -BeLessOrEqual 90
    }

    It '15.1: -ExpiresIn <Literal> unquoted means <Days> days' -TestCases @(
        @{ Literal = '1y'; Days = 365; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 1y -PassThru -NoGatewayRefresh } }
        @{ Literal = '365d'; Days = 365; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 365d -PassThru -NoGatewayRefresh } }
        @{ Literal = '1.5d'; Days = 1.5; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 1.5d -PassThru -NoGatewayRefresh } }
        @{ Literal = '30 (a bare number)'; Days = 30; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 30 -PassThru -NoGatewayRefresh } }
        @{ Literal = "'12h' (quoted)"; Days = 0.5; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn '12h' -PassThru -NoGatewayRefresh } }
    ) {
        param($Literal, $Days, $Run)
        $p = & $Run
        $p.Status | Should -Not -Be 'Expired'
        $days = (Get-ExpiresInSeconds $p.ProfileId) / 86400
        $days | Should -BeGreaterThan ($Days - 0.01)
        $days | Should -BeLessOrEqual $Days
    }

    It '15.1: -ExpiresIn 5u unquoted is refused, saying PowerShell read it as a UInt32, and nothing is stored' {
        $err = Get-Failure { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 5u -NoGatewayRefresh }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        "$err" | Should -BeLike '*UInt32 5*5u*'
        "$err" | Should -BeLike "*'5d'*"
        Get-StoreDoc | Should -BeNullOrEmpty
    }

    It '15.1: the other number suffixes (<Literal>) are refused as well' -TestCases @(
        @{ Literal = '5uy'; Type = 'Byte'; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 5uy -NoGatewayRefresh } }
        @{ Literal = '5us'; Type = 'UInt16'; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 5us -NoGatewayRefresh } }
        @{ Literal = '5ul'; Type = 'UInt64'; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 5ul -NoGatewayRefresh } }
        @{ Literal = '5n'; Type = 'BigInteger'; Run = { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 5n -NoGatewayRefresh } }
    ) {
        param($Literal, $Type, $Run)
        $err = Get-Failure $Run
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        "$err" | Should -BeLike "*$Type 5*$Literal*"
        Get-StoreDoc | Should -BeNullOrEmpty
    }

    It '15.1: -ExpiresIn -5 is an expiry in the past: MoltbotInvalidExpiresIn, nothing stored' {
        $err = Get-Failure { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn -5 -NoGatewayRefresh }
        $err.FullyQualifiedErrorId | Should -BeExactly 'MoltbotInvalidExpiresIn,Moltbot.Commands.SetMoltbotSetupTokenCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -BeLike '*-5 days*in the past*'
        Get-StoreDoc | Should -BeNullOrEmpty
    }

    It '15.1: a lifetime too short to use (90 ticks, 30s) is MoltbotInvalidExpiresIn' {
        $ticks = Get-Failure { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn ([timespan]90) -NoGatewayRefresh }
        $ticks.FullyQualifiedErrorId | Should -BeExactly 'MoltbotInvalidExpiresIn,Moltbot.Commands.SetMoltbotSetupTokenCommand'
        "$ticks" | Should -BeLike '*90 ticks*'
        $seconds = Get-Failure { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 30s -NoGatewayRefresh }
        $seconds.FullyQualifiedErrorId | Should -BeExactly 'MoltbotInvalidExpiresIn,Moltbot.Commands.SetMoltbotSetupTokenCommand'
        "$seconds" | Should -BeLike '*30 seconds*'
        Get-StoreDoc | Should -BeNullOrEmpty
    }

    It '15.1: a TimeSpan passes as it is' {
        $p = Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn ([timespan]::FromHours(2)) -PassThru -NoGatewayRefresh
        (Get-ExpiresInSeconds $p.ProfileId) / 3600 | Should -BeGreaterThan 1.99
    }
}

Describe 'Issue 15.2: a writer never creates an agent by a typo' {
    BeforeEach {
        $script:State = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        $script:Before = Get-TreeSnapshot $script:State
        $script:Token = New-TestSetupToken -Marker 'TRAPSAGENT'
    }

    It '15.2: <Command> -Agent wrok fails with MoltbotAgentNotFound, names work, and creates nothing' -TestCases @(
        @{ Command = 'Set-MoltbotSetupToken'; Run = { Set-MoltbotSetupToken -Agent wrok -Token (ConvertTo-TestSecret $script:Token) -NoGatewayRefresh } }
        @{ Command = 'Set-MoltbotApiKey'; Run = { Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSAGENT') -Agent wrok -NoGatewayRefresh } }
        @{ Command = 'Set-MoltbotAuthOrder'; Run = { Set-MoltbotAuthOrder -Agent wrok -Provider anthropic -ProfileId anthropic:manual -NoGatewayRefresh } }
        @{ Command = 'Import-MoltbotLegacyCredential'; Run = { Import-MoltbotLegacyCredential -Agent wrok -NoGatewayRefresh } }
        @{ Command = 'Import-MoltbotExternalCredential'; Run = { Import-MoltbotExternalCredential -Agent wrok -NoGatewayRefresh } }
        @{ Command = 'Connect-MoltbotProvider'; Run = { Connect-MoltbotProvider github-copilot -Agent wrok -NoGatewayRefresh } }
        @{ Command = 'Update-MoltbotAuthProfile'; Run = { Update-MoltbotAuthProfile -Agent wrok -ProfileId anthropic:manual -NoGatewayRefresh } }
        @{ Command = 'Get-MoltbotAccessToken'; Run = { Get-MoltbotAccessToken -Agent wrok -Provider anthropic } }
        @{ Command = 'Resolve-MoltbotAuthProfile'; Run = { Resolve-MoltbotAuthProfile -Agent wrok -Provider anthropic } }
    ) {
        param($Command, $Run)
        $err = Get-Failure $Run
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$err" | Should -BeLike "*'wrok'*'work'*"
        $err.ErrorDetails.RecommendedAction | Should -BeLike '*New-MoltbotAgent wrok*'
        Get-TreeSnapshot $script:State | Should -Be $script:Before
        (Get-MoltbotAgent).Id | Should -Not -Contain 'wrok'
    }

    It '15.2: the agent is created on purpose with New-MoltbotAgent, then the same write works' {
        New-MoltbotAgent wrok | Out-Null
        $p = Set-MoltbotSetupToken -Agent wrok -Token (ConvertTo-TestSecret $script:Token) -PassThru -NoGatewayRefresh
        $p.Agent | Should -Be 'wrok'
        (Get-StoreDoc wrok).profiles.Keys | Should -Contain $p.ProfileId
    }

    It '15.2: the default agent always exists, and an agent known only by its folder on disk is accepted' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSMAIN') -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSMAIN2') -Agent main -ProfileId second -NoGatewayRefresh
        (Get-StoreDoc main).profiles.Keys | Should -Contain 'openrouter:second'
        New-Item -ItemType Directory -Force (Join-Path $script:State 'agents/ondisk/agent') | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSDISK') -Agent ondisk -NoGatewayRefresh
        (Get-StoreDoc ondisk).profiles.Count | Should -Be 1
    }
}

Describe 'Issue 15.5: a write that imports legacy credentials says so' {
    BeforeEach {
        $script:State = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        New-Item -ItemType Directory -Force (Join-Path $script:State 'credentials') | Out-Null
        $script:LegacyAccess = "legacy-access-$([guid]::NewGuid().ToString('N'))"
        Register-TestSecret $script:LegacyAccess
        @{ 'openai-codex' = @{ access = $script:LegacyAccess; refresh = 'legacy-refresh-TRAPS'; expires = 1 } } | ConvertTo-Json |
            Set-Content (Join-Path $script:State 'credentials/oauth.json')
        Register-TestSecret 'legacy-refresh-TRAPS'
    }

    It '15.5: the first API key of a new agent warns that openai-codex:default came from credentials/oauth.json' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSLEGACY') -Agent work -NoGatewayRefresh -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -HaveCount 1
        "$w" | Should -BeLike "*Agent 'work'*'openai-codex:default'*oauth.json*"
        "$w" | Should -Not -BeLike "*$($script:LegacyAccess)*"
        (Get-StoreDoc work).profiles.Keys | Sort-Object | Should -Be @('openai-codex:default', 'openrouter:default')
    }

    It '15.5: the next write into the same agent imports nothing and warns nothing' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSLEGACY') -Agent work -NoGatewayRefresh -WarningAction SilentlyContinue
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSLEGACY2') -Agent work -ProfileId two -NoGatewayRefresh -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -HaveCount 0
    }

    It '15.5: Import-MoltbotLegacyCredential reports the import as output, not as a warning' {
        $out = Import-MoltbotLegacyCredential -Agent work -NoGatewayRefresh -WarningVariable w -WarningAction SilentlyContinue
        ($out | Where-Object Imported).ProfileId | Should -Be 'openai-codex:default'
        $w | Should -HaveCount 0
    }
}

Describe 'Issue 15.6: default profile ids as OpenClaw names the same action' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Token = New-TestSetupToken -Marker 'TRAPSIDS'
    }

    It '15.6: Set-MoltbotSetupToken without -ProfileId stores anthropic:manual, as openclaw models auth paste-token' {
        $p = ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken -PassThru -NoGatewayRefresh
        $p.ProfileId | Should -Be 'anthropic:manual'
        (Get-StoreDoc).profiles.Keys | Should -Be @('anthropic:manual')
        $config = Get-Content -Raw (Join-Path $script:State 'openclaw.json') | ConvertFrom-Json -AsHashtable
        $config.auth.profiles.Keys | Should -Contain 'anthropic:manual'
    }

    It '15.6: Set-MoltbotApiKey stores <provider>:default in the single-file era, where OpenClaw has no paste-api-key' {
        (Set-MoltbotApiKey openai (ConvertTo-TestSecret 'sk-TRAPSKEY1') -PassThru -NoGatewayRefresh).ProfileId | Should -Be 'openai:default'
    }

    It '15.6: Set-MoltbotApiKey stores <provider>:manual beside an auth-state.json (2026.4.5+, paste-api-key)' {
        $dir = New-Item -ItemType Directory -Force (Join-Path $script:State 'agents/main/agent')
        '{"version":1,"profiles":{}}' | Set-Content (Join-Path $dir 'auth-profiles.json')
        '{"version":1}' | Set-Content (Join-Path $dir 'auth-state.json')
        (Set-MoltbotApiKey openai (ConvertTo-TestSecret 'sk-TRAPSKEY2') -PassThru -NoGatewayRefresh).ProfileId | Should -Be 'openai:manual'
    }

    It '15.6: re-running Set-MoltbotSetupToken on a store that holds anthropic:default (an older Moltbot) replaces that one' {
        ConvertTo-TestSecret (New-TestSetupToken -Marker 'OLDMOLTBOT') | Set-MoltbotSetupToken -ProfileId default -NoGatewayRefresh
        $p = ConvertTo-TestSecret $script:Token | Set-MoltbotSetupToken -PassThru -NoGatewayRefresh
        $p.ProfileId | Should -Be 'anthropic:default'
        $doc = Get-StoreDoc
        $doc.profiles.Keys | Should -Be @('anthropic:default')
        $doc.profiles['anthropic:default'].token | Should -Be $script:Token
    }
}

