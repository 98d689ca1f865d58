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

Describe 'Issue 15.12: messages that say what happened' {
    BeforeEach {
        $script:State = New-TestStateDir
    }

    It "15.12: New-MoltbotAgent '###' says the name becomes main, not that it is reserved" {
        $err = Get-Failure { New-MoltbotAgent '###' }
        $err.FullyQualifiedErrorId | Should -BeExactly 'MoltbotAgentReserved,Moltbot.Commands.NewMoltbotAgentCommand'
        "$err" | Should -BeLike "*'###' becomes the agent id 'main'*"
        "$err" | Should -Not -BeLike '*is reserved*'
        (Get-Failure { New-MoltbotAgent main }).ToString() | Should -BeLike "*'main' is OpenClaw's default agent*"
    }

    It '15.12: New-MoltbotAgent "Ops Team" tells the user the id is ops-team' {
        $agent = New-MoltbotAgent 'Ops Team' -WarningVariable w -WarningAction SilentlyContinue
        $agent.Id | Should -Be 'ops-team'
        "$w" | Should -BeLike "*'Ops Team'*'ops-team'*"
        New-MoltbotAgent plain -WarningVariable quiet -WarningAction SilentlyContinue | Out-Null
        $quiet | Should -HaveCount 0
    }

    It "15.12: -ProfileId 'bad id!' tells the user the id is anthropic:bad-id, and -PassThru shows it" {
        $p = ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken -ProfileId 'bad id!' -PassThru -NoGatewayRefresh -WarningVariable w -WarningAction SilentlyContinue
        $p.ProfileId | Should -Be 'anthropic:bad-id'
        "$w" | Should -BeLike "*'bad id!'*'anthropic:bad-id'*"
        ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken -ProfileId team -NoGatewayRefresh -WarningVariable quiet -WarningAction SilentlyContinue
        $quiet | Should -HaveCount 0
    }

    It '15.12: refreshing an API key says "an api_key credential"' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-TRAPSGRAMMAR') -NoGatewayRefresh
        $err = Get-Failure { Update-MoltbotAuthProfile -ProfileId openrouter:default -NoGatewayRefresh }
        "$err" | Should -BeLike '*is an api_key credential*'
        $err.ErrorDetails.RecommendedAction | Should -BeLike '*Set-MoltbotApiKey openrouter*'
    }

    It '15.12: an expired github-copilot token points to Connect-MoltbotProvider github-copilot, not Set-MoltbotSetupToken' {
        Set-MoltbotSetupToken -Provider github-copilot -Token (ConvertTo-TestSecret 'ghu_TRAPSEXPIRED') -ProfileId github -ExpiresIn 2h -NoGatewayRefresh
        $store = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        $doc = Get-Content -Raw $store | ConvertFrom-Json -AsHashtable
        $doc.profiles['github-copilot:github'].expires = [DateTimeOffset]::UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds()
        $doc | ConvertTo-Json -Depth 10 | Set-Content $store
        $err = Get-Failure { Get-MoltbotAccessToken -ProfileId github-copilot:github }
        $err | Should -Not -BeNullOrEmpty
        $err.ErrorDetails.RecommendedAction | Should -BeLike "*Connect-MoltbotProvider github-copilot*"
        $err.ErrorDetails.RecommendedAction | Should -Not -BeLike '*Set-MoltbotSetupToken*'
    }

    It '15.12: Get-Help -Online opens the page of the cmdlet in the repository' {
        # A fake xdg-open (what .NET starts for a URL on Linux) records the address Get-Help hands it.
        $bin = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'fake-bin')
        $opened = Join-Path $TestDrive 'opened.txt'
        Set-Content (Join-Path $bin 'xdg-open') "#!/bin/sh`nprintf '%s\n' `"`$1`" >> '$opened'`n"
        & chmod +x (Join-Path $bin 'xdg-open')
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-Command', "Import-Module '$($script:ModulePath)'; Get-Help Set-MoltbotSetupToken -Online") { $psi.ArgumentList.Add($a) }
        $psi.Environment['PATH'] = "$bin$([IO.Path]::PathSeparator)$env:PATH"
        $psi.Environment['BROWSER'] = $null
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $child = [System.Diagnostics.Process]::Start($psi)
        $stderr = $child.StandardError.ReadToEndAsync()
        $null = $child.StandardOutput.ReadToEnd()
        $child.WaitForExit(60000) | Should -BeTrue
        $stderr.Result | Should -BeNullOrEmpty
        $project = (Import-PowerShellDataFile (Join-Path $script:ModulePath 'Moltbot.psd1')).PrivateData.PSData.ProjectUri
        $project | Should -Match '^https://'
        Get-Content $opened | Should -Be "$project/blob/main/docs/en-US/Set-MoltbotSetupToken.md"
    }

    It '15.12: console help shows no markdown backticks or stars' {
        $help = Get-Help Set-MoltbotSetupToken -Full
        $text = @($help.description.Text) + @($help.parameters.parameter | ForEach-Object { $_.description.Text }) -join "`n"
        $text | Should -Match 'Set-MoltbotSetupToken cmdlet stores'
        $text | Should -Not -Match '`'
        $text | Should -Not -Match '\*\*'
    }

    It '15.12: the about topic is titled about_Moltbot, as it is named' {
        $about = Get-Help about_Moltbot | Out-String
        $about | Should -MatchExactly '\babout_Moltbot\b'
        $about | Should -Not -MatchExactly '\babout_moltbot\b'
    }
}

Describe 'Issue 15.12: the sign-in tells the time left once, and -Manual starts no browser' -Tag 'OAuth' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'ProviderMock.psm1') -Force
        $script:Mock = Start-ProviderMock -LogPath (Join-Path $TestDrive 'traps-mock.jsonl') -Interval 0

        function Invoke-ChildPwsh([string] $Script, [hashtable] $Environment) {
            # A child pwsh with stdin closed (a prompt reads end of input); returns its stdout.
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $Script) { $psi.ArgumentList.Add($a) }
            foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
            foreach ($k in 'SSH_CLIENT', 'SSH_TTY', 'SSH_CONNECTION', 'REMOTE_CONTAINERS', 'CODESPACES') { $psi.Environment[$k] = $null }
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $child = [System.Diagnostics.Process]::Start($psi)
            $child.StandardInput.Close()
            $stderr = $child.StandardError.ReadToEndAsync()
            $stdout = $child.StandardOutput.ReadToEnd()
            if (-not $child.WaitForExit(90000)) { $child.Kill($true); throw 'The child pwsh did not finish within 90 s.' }
            Add-TestTapRecord 'child pwsh (ShellTraps)' ([ordered]@{ StdOut = $stdout; StdErr = $stderr.Result })
            $stdout
        }
    }

    AfterAll {
        if ($script:Mock) { Stop-ProviderMock $script:Mock }
    }

    BeforeEach {
        $script:State = New-TestStateDir
        Reset-ProviderMock $script:Mock
    }

    It '15.12: the waiting progress of a device login gives the time left only as SecondsRemaining' {
        Set-ProviderMockScript $script:Mock @{ 'github.token' = @('pending', 'success'); settings = @{ 'github.interval' = 1 } }
        $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $iss.ImportPSModule([string[]] @((Join-Path $script:ModulePath 'Moltbot.psd1')))
        $env:MOLTBOT_GITHUB_COPILOT_GITHUB_URL = $script:Mock.Urls.GitHub
        $env:MOLTBOT_GITHUB_COPILOT_API_URL = $script:Mock.Urls.GitHubApi
        $runspace = [runspacefactory]::CreateRunspace($iss)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddScript('$ProgressPreference = "Continue"; Connect-MoltbotProvider github-copilot -NoGatewayRefresh -InformationAction SilentlyContinue')
            $out = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $out.ProfileId | Should -Be 'github-copilot:github'
            # The cmdlet updates one ProgressRecord: each entry is that record as it was last written.
            $waiting = @($ps.Streams.Progress | Where-Object Activity -like 'Connect-MoltbotProvider*')
            $waiting.Count | Should -BeGreaterThan 0
            foreach ($record in $waiting) {
                $record.StatusDescription | Should -Not -Match '\d+\s*s\b|left|remaining'
                $record.SecondsRemaining | Should -BeGreaterThan 0
            }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
            Remove-Item Env:MOLTBOT_GITHUB_COPILOT_GITHUB_URL, Env:MOLTBOT_GITHUB_COPILOT_API_URL -ErrorAction Ignore
        }
    }

    It '15.12: Connect-MoltbotProvider -Manual shows the URL and starts no browser (without -Manual the same shell does)' {
        $marker = Join-Path $TestDrive 'browser-started.txt'
        $browser = Join-Path $TestDrive 'fake-browser.sh'
        Set-Content $browser "#!/bin/sh`nprintf '%s\n' `"`$1`" >> '$marker'`n"
        & chmod +x $browser
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $environment = @{
            OPENCLAW_STATE_DIR = $script:State; BROWSER = $browser; DISPLAY = ':99'
            MOLTBOT_OPENAI_CODEX_AUTHORITY = $script:Mock.Urls.Codex
            MOLTBOT_OPENAI_CODEX_REDIRECT_URI = "http://localhost:$port/auth/callback"
        }
        $manual = Invoke-ChildPwsh "Import-Module '$($script:ModulePath)'; Connect-MoltbotProvider openai-codex -Manual -NoGatewayRefresh" $environment
        $manual | Should -Match '/authorize\?'
        Test-Path $marker | Should -BeFalse -Because '-Manual must not start a browser'

        $null = Invoke-ChildPwsh "Import-Module '$($script:ModulePath)'; Connect-MoltbotProvider openai-codex -TimeoutSec 2 -NoGatewayRefresh" $environment
        Test-Path $marker | Should -BeTrue -Because 'the same shell without -Manual starts the browser (the fake one)'
        Get-Content $marker | Should -Match '/authorize\?'
    }
}

Describe 'Issue 15.12: a refresh tells the truth about an agent whose store it could not read' -Tag 'Refresh' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
        $script:Idp = Start-TestIdp -AccessTtl 2 -Log (Join-Path $TestDrive 'traps-idp.jsonl')
    }

    AfterAll {
        Stop-TestIdp $script:Idp
        Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER -ErrorAction Ignore
    }

    It '15.12: the warning says the store could not be read, not that the agent holds a copy' {
        Set-TestIdpMode $script:Idp @{ accessTtl = 2; tokenDelayMs = 0; failNext = @() }
        $state = New-TestStateDir
        Connect-TestProfile -Idp $script:Idp | Out-Null
        Set-TestIdpMode $script:Idp @{ accessTtl = 600 }
        $broken = New-Item -ItemType Directory -Force (Join-Path $state 'agents/broken/agent')
        '{ this is not json' | Set-Content (Join-Path $broken 'auth-profiles.json')
        Start-Sleep -Milliseconds 2100 # the 2 s access token is now expired: the next read refreshes it
        $null = Get-MoltbotAccessToken -Provider openai-codex -WarningVariable w -WarningAction SilentlyContinue
        $about = @($w | Where-Object { "$_" -like "*'broken'*" })
        $about | Should -HaveCount 1
        "$about" | Should -BeLike "*store of agent 'broken' could not be read*not known whether it holds a copy*"
        "$about" | Should -Not -BeLike "*'broken' holds a copy*"
        Get-Content -Raw (Join-Path $broken 'auth-profiles.json') | Should -BeLike '{ this is not json*'
    }
}
