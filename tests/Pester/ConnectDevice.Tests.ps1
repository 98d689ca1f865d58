# Device-code and user-code logins (Connect-MoltbotProvider github-copilot / qwen-portal / minimax-portal /
# openai-codex -DeviceCode) against the scripted provider mock (tests/peers/providers/mock.mjs, one per file).
# No console is involved: the code is read from the information stream (tag Moltbot.DeviceCode) or handed to
# -DeviceCodeHandler; the mock approves by script (its token endpoint answers pending as scripted, then success).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ProviderMock.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:MockLog = Join-Path $TestDrive 'mock.jsonl'
    $script:Mock = Start-ProviderMock -LogPath $script:MockLog -Interval 0
    Set-ProviderMockScript $script:Mock @{ settings = @{ 'minimax.intervalMs' = 20 } }
    $script:Vars = [ordered]@{
        MOLTBOT_GITHUB_COPILOT_GITHUB_URL  = $script:Mock.Urls.GitHub
        MOLTBOT_GITHUB_COPILOT_API_URL     = $script:Mock.Urls.GitHubApi
        MOLTBOT_QWEN_PORTAL_BASE_URL       = $script:Mock.Urls.Qwen
        MOLTBOT_MINIMAX_PORTAL_BASE_URL    = $script:Mock.Urls.MiniMax
        MOLTBOT_MINIMAX_PORTAL_CN_BASE_URL = $script:Mock.Urls.MiniMaxCn
        MOLTBOT_OPENAI_CODEX_AUTHORITY     = $script:Mock.Urls.Codex
    }
    foreach ($k in $script:Vars.Keys) { Set-Item "Env:$k" $script:Vars[$k] }
    Remove-Item Env:COPILOT_GITHUB_DOMAIN, Env:BROWSER -ErrorAction Ignore

    function Invoke-DeviceLogin {
        # Runs the cmdlet; returns output, the device-code records, host lines and the error (never thrown).
        param([string] $Provider, [hashtable] $Parameters = @{})
        $r = [pscustomobject]@{ Output = @(); Codes = @(); Host = @(); Warnings = @(); Error = $null; Ms = 0 }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        try {
            $r.Output = @(Connect-MoltbotProvider -Provider $Provider @Parameters -InformationVariable info -WarningVariable w `
                    -InformationAction SilentlyContinue -WarningAction SilentlyContinue -ProgressAction SilentlyContinue)
        }
        catch { $r.Error = $_ }
        $r.Ms = $watch.ElapsedMilliseconds
        $r.Codes = @($info | Where-Object { $_.Tags -contains 'Moltbot.DeviceCode' } | ForEach-Object MessageData)
        $r.Host = @($info | Where-Object { $_.Tags -contains 'PSHOST' } | ForEach-Object { "$_" })
        $r.Warnings = @($w | ForEach-Object { "$_" })
        Add-TestTapRecord "Connect-MoltbotProvider $Provider" ([ordered]@{ Host = $r.Host; Warnings = $r.Warnings; Error = "$($r.Error)" })
        Write-Host "    $Provider login: $($r.Ms) ms, $(@($r.Codes).Count) code record(s)$(if ($r.Error) { ", error $($r.Error.FullyQualifiedErrorId)" })"
        $r
    }

    function Get-StoreEntry([string] $Id, [string] $Agent = 'main') {
        $store = Join-Path $env:OPENCLAW_STATE_DIR "agents/$Agent/agent/auth-profiles.json"
        if (-not (Test-Path $store)) { return $null }
        $entry = (Get-Content -Raw $store | ConvertFrom-Json -AsHashtable).profiles[$Id]
        foreach ($f in 'access', 'refresh', 'token') { if ($entry -and $entry[$f]) { Register-TestSecret $entry[$f] } }
        $entry
    }

    function Get-MockTtl([string] $Provider) {
        $settings = (Invoke-RestMethod "$($script:Mock.Base)/__test/script").settings
        $specific = $settings."$Provider.accessTtl"
        if ($null -ne $specific) { [int] $specific } else { [int] $settings.accessTtl }
    }

    function Get-Config { Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR 'openclaw.json') | ConvertFrom-Json -AsHashtable }

    function Write-ExpiredProfile([string] $Id, [string] $Provider, [psobject] $Seed, [hashtable] $Extra = @{}) {
        # An expired oauth profile holding a seeded refresh token (the family the storm must refresh exactly once).
        Register-TestSecret $Seed.access; Register-TestSecret $Seed.refresh
        $dir = Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent'
        New-Item -ItemType Directory -Force $dir | Out-Null
        $entry = [ordered]@{ type = 'oauth'; provider = $Provider; access = $Seed.access; refresh = $Seed.refresh; expires = 1000 } + $Extra
        @{ version = 1; profiles = @{ $Id = $entry } } | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $dir 'auth-profiles.json')
    }
}

AfterAll {
    if ($script:Mock) { Stop-ProviderMock $script:Mock }
    foreach ($k in $script:Vars.Keys) { Remove-Item "Env:$k" -ErrorAction Ignore }
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Connect-MoltbotProvider device-code logins (provider mock)' -Tag 'OAuth' {
    BeforeEach {
        $script:State = New-TestStateDir
        Reset-ProviderMock $script:Mock
        Set-ProviderMockScript $script:Mock @{ settings = @{ 'minimax.intervalMs' = 20; 'github.login' = 'octocat' } }
    }

    It 'GitHub Copilot: signs in with no console, the code read from the information stream and the handler' {
        Set-ProviderMockScript $script:Mock @{ 'github.token' = @('pending', 'pending', 'success') }
        $handled = [System.Collections.Generic.List[object]]::new()
        $r = Invoke-DeviceLogin github-copilot @{ TimeoutSec = 60; DeviceCodeHandler = { param($code) $handled.Add($code) }.GetNewClosure() }
        $r.Error | Should -BeNullOrEmpty
        $r.Output[0].ProfileId | Should -Be 'github-copilot:github'
        $r.Output[0].Type | Should -Be 'token'

        $r.Codes | Should -HaveCount 1
        $code = $r.Codes[0]
        $code.GetType().FullName | Should -Be 'Moltbot.Core.OAuth.DeviceCodePrompt'
        $code.VerificationUri | Should -Be 'https://github.com/login/device'
        $code.UserCode | Should -Match '^[A-Z0-9]{4}-[A-Z0-9]{4}$'
        $code.Provider | Should -Be 'github-copilot'
        $handled | Should -HaveCount 1
        $handled[0].UserCode | Should -Be $code.UserCode
        ($r.Host -join "`n") | Should -Match ([regex]::Escape($code.UserCode))

        $entry = Get-StoreEntry 'github-copilot:github'
        ($entry.Keys | Sort-Object) | Should -Be @('email', 'provider', 'token', 'type')
        $entry.type | Should -Be 'token'
        $entry.provider | Should -Be 'github-copilot'
        $entry.token | Should -Match '^ghu_'
        $entry.email | Should -Match '\+octocat@users\.noreply\.github\.com$'
        (Get-Config).auth.profiles['github-copilot:github'].mode | Should -Be 'token'

        $stats = Get-ProviderMockStats $script:Mock
        $stats.requests.'github.token' | Should -Be 3
        $device = (Get-ProviderMockLog $script:Mock -Endpoint github.device)[-1]
        $device.scope | Should -Be 'read:user'
        $device.headers.accept | Should -Match 'json'
        Write-Host "    polls: $($stats.requests.'github.token')"
    }

    It 'GitHub Copilot: a second account is stored beside the first' {
        (Invoke-DeviceLogin github-copilot @{ TimeoutSec = 60 }).Error | Should -BeNullOrEmpty
        $first = (Get-StoreEntry 'github-copilot:github').token
        Set-ProviderMockScript $script:Mock @{ settings = @{ 'github.login' = 'hubot' } }
        $r = Invoke-DeviceLogin github-copilot @{ TimeoutSec = 60 }
        $r.Error | Should -BeNullOrEmpty
        $r.Output[0].ProfileId | Should -Match '^github-copilot:\d+\+hubot@users\.noreply\.github\.com$'
        ($r.Warnings -join "`n") | Should -Match 'holds another account'
        (Get-StoreEntry 'github-copilot:github').token | Should -Be $first
    }

    It 'GitHub Copilot: <Step> ends the login with <Id> and stores nothing' -ForEach @(
        @{ Step = 'access_denied'; Id = 'MoltbotAuthorizationDenied'; Category = 'AuthenticationError' }
        @{ Step = 'expired_token'; Id = 'MoltbotDeviceCodeExpired'; Category = 'OperationTimeout' }
        @{ Step = 'incorrect_device_code'; Id = 'MoltbotAuthenticationFailed'; Category = 'AuthenticationError' }
    ) {
        Set-ProviderMockScript $script:Mock @{ 'github.token' = @('pending', $Step) }
        $r = Invoke-DeviceLogin github-copilot @{ TimeoutSec = 60 }
        $r.Error.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        "$($r.Error.CategoryInfo.Category)" | Should -Be $Category
        Get-StoreEntry 'github-copilot:github' | Should -BeNullOrEmpty
    }

    It 'GitHub Copilot: -TimeoutSec ends a login that is never approved' {
        Set-ProviderMockScript $script:Mock @{ defaults = @{ 'github.token' = 'pending' } }
        $r = Invoke-DeviceLogin github-copilot @{ TimeoutSec = 2 }
        Set-ProviderMockScript $script:Mock @{ defaults = @{ 'github.token' = $null } }
        $r.Error.FullyQualifiedErrorId | Should -BeLike 'MoltbotLoginTimeout,*'
        $r.Ms | Should -BeLessThan 10000
    }

    It 'GitHub Copilot: Get-MoltbotAccessToken -Exchange returns a Copilot token and writes no file' {
        (Invoke-DeviceLogin github-copilot @{ TimeoutSec = 60 }).Error | Should -BeNullOrEmpty
        $before = Get-TreeSnapshot $script:State
        Set-ProviderMockScript $script:Mock @{ 'github.copilot' = @('ok', 'expires_ms', 'expires_string') }
        foreach ($variant in 'seconds', 'ms', 'string') {
            $t = Get-MoltbotAccessToken -ProfileId github-copilot:github -Exchange -AsPlainText
            Register-TestSecret $t.Token
            $t.Token | Should -Match '^tid='
            $t.Type | Should -Be 'copilot'
            ($t.Expires - [DateTime]::Now).TotalSeconds | Should -BeGreaterThan 0
            ($t.Expires - [DateTime]::Now).TotalDays | Should -BeLessThan 2
        }
        Get-TreeSnapshot $script:State | Should -Be $before
        Set-ProviderMockScript $script:Mock @{ 'github.copilot' = @('forbidden') }
        { Get-MoltbotAccessToken -ProfileId github-copilot:github -Exchange } | Should -Throw -ErrorId 'MoltbotCopilotTokenRefused*'
        (Get-ProviderMockStats $script:Mock).requests.'github.copilot' | Should -Be 4
    }

    It 'Qwen: PKCE device login through 400 pending and 429 slow_down stores oauth with no expiry skew' {
        Set-ProviderMockScript $script:Mock @{ 'qwen.token' = @('pending', 'slow_down', 'success') }
        $before = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $r = Invoke-DeviceLogin qwen @{ TimeoutSec = 60 }
        $r.Error | Should -BeNullOrEmpty
        $r.Output[0].ProfileId | Should -Be 'qwen-portal:default'
        $r.Codes[0].VerificationUriComplete | Should -Match 'user_code='
        $entry = Get-StoreEntry 'qwen-portal:default'
        ($entry.Keys | Sort-Object) | Should -Be @('access', 'expires', 'provider', 'refresh', 'type')
        $ttl = 1000 * (Get-MockTtl 'qwen')
        $statuses = (Get-ProviderMockStats $script:Mock).statuses.'qwen.token'
        $statuses.'400' | Should -Be 1
        $statuses.'429' | Should -Be 1
        $statuses.'200' | Should -Be 1
        $entry.expires | Should -BeGreaterOrEqual ($before + $ttl)
        $entry.expires | Should -BeLessOrEqual ([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() + $ttl)
        $device = (Get-ProviderMockLog $script:Mock -Endpoint qwen.device)[-1]
        $device.fields | Should -Contain 'code_challenge'
        $device.has_request_id | Should -BeTrue
        # the mock answers 200 only when base64url(SHA-256(code_verifier)) is the challenge of that device code
        (Get-ProviderMockLog $script:Mock -Endpoint qwen.token)[-1].code_verifier_length | Should -Be 43
    }

    It 'MiniMax -Region CN: user-code login stores expired_in as expires and writes the CN base URL' {
        Set-ProviderMockScript $script:Mock @{ 'minimax.token' = @('pending', 'pending', 'success') }
        $before = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $r = Invoke-DeviceLogin minimax-portal @{ Region = 'CN'; TimeoutSec = 60 }
        $r.Error | Should -BeNullOrEmpty
        $r.Output[0].ProfileId | Should -Be 'minimax-portal:default'
        $entry = Get-StoreEntry 'minimax-portal:default'
        ($entry.Keys | Sort-Object) | Should -Be @('access', 'expires', 'provider', 'refresh', 'type')
        $log = Get-ProviderMockLog $script:Mock -Endpoint minimax.token
        @($log | Where-Object region -ne 'cn') | Should -HaveCount 0
        # expires is MiniMax's absolute expired_in (mock: its clock + the access TTL), without skew.
        $ttl = 1000 * (Get-MockTtl 'minimax')
        $entry.expires | Should -BeGreaterOrEqual ($before + $ttl)
        $entry.expires | Should -BeLessOrEqual ([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() + $ttl)
        $cfg = (Get-Config).models.providers['minimax-portal']
        $cfg.baseUrl | Should -Be 'https://api.minimaxi.com/anthropic'
        $cfg.apiKey | Should -Be 'minimax-oauth'
        @($cfg.models.id) | Should -Be @('MiniMax-M2.1', 'MiniMax-M2.1-lightning')
        (Get-Config).auth.profiles['minimax-portal:default'].mode | Should -Be 'oauth'
    }

    It 'MiniMax: <Step> is refused with <Id>' -ForEach @(
        @{ Endpoint = 'minimax.code'; Step = 'wrong_state'; Id = 'MoltbotOAuthStateMismatch' }
        @{ Endpoint = 'minimax.token'; Step = 'error'; Id = 'MoltbotAuthenticationFailed' }
        @{ Endpoint = 'minimax.token'; Step = 'http_error'; Id = 'MoltbotAuthenticationFailed' }
    ) {
        Set-ProviderMockScript $script:Mock @{ $Endpoint = @($Step) }
        $r = Invoke-DeviceLogin minimax-portal @{ TimeoutSec = 60 }
        $r.Error.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Get-StoreEntry 'minimax-portal:default' | Should -BeNullOrEmpty
    }

    It 'OpenAI Codex -DeviceCode: polls through 403/404, exchanges the code and stores the account id' {
        Set-ProviderMockScript $script:Mock @{ 'codex.token' = @('pending', 'pending_404', 'success') }
        $r = Invoke-DeviceLogin openai-codex @{ DeviceCode = $true; TimeoutSec = 60 }
        $r.Error | Should -BeNullOrEmpty
        $r.Codes[0].VerificationUri | Should -Be "$($script:Mock.Urls.Codex)/codex/device"
        $r.Output[0].ProfileId | Should -Be 'openai-codex:default'
        $entry = Get-StoreEntry 'openai-codex:default'
        $entry.accountId | Should -Be '3f2c9a4e-7b1d-4c55-9e0a-2d8f6b1c7a90'
        # the mock accepts the exchange only with redirect_uri <issuer>/deviceauth/callback and the server-made verifier
        (Get-ProviderMockStats $script:Mock).statuses.'codex.exchange'.'200' | Should -Be 1
        (Get-ProviderMockStats $script:Mock).statuses.'codex.token'.'403' | Should -Be 1
        (Get-ProviderMockStats $script:Mock).statuses.'codex.token'.'404' | Should -Be 1
    }

    It 'reports each stored login to openclaw 2026.1.30 models status --json with the right type and status' -Tag 'Compat' {
        Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force
        $ttl = Get-MockTtl 'qwen'
        Set-ProviderMockScript $script:Mock @{ settings = @{ accessTtl = 3600 } }
        foreach ($p in @(@{ P = 'github-copilot'; A = @{} }, @{ P = 'qwen-portal'; A = @{} }, @{ P = 'minimax-portal'; A = @{ Region = 'Global' } })) {
            $a = $p.A + @{ TimeoutSec = 60 }
            (Invoke-DeviceLogin $p.P $a).Error | Should -BeNullOrEmpty
        }
        Set-ProviderMockScript $script:Mock @{ settings = @{ accessTtl = $ttl } }
        $status = Invoke-OpenClaw -StateDir $script:State -ArgumentList @('models', 'status', '--json')
        $status.ExitCode | Should -Be 0
        $json = $status.StdOut.Substring($status.StdOut.IndexOf('{')) | ConvertFrom-Json -Depth 20
        $all = @($json.auth.oauth.profiles)
        Write-Host "    openclaw reports: $(($all | ForEach-Object { "$($_.profileId)=$($_.type)/$($_.status)" }) -join ', ')"
        # a token without expires is 'static' to OpenClaw; oauth profiles with a future expires are 'ok'
        foreach ($expected in @(@{ Id = 'github-copilot:github'; Type = 'token'; Status = 'static' }, @{ Id = 'qwen-portal:default'; Type = 'oauth'; Status = 'ok' }, @{ Id = 'minimax-portal:default'; Type = 'oauth'; Status = 'ok' })) {
            $theirs = $all | Where-Object profileId -eq $expected.Id
            $theirs | Should -HaveCount 1 -Because $expected.Id
            $theirs.type | Should -Be $expected.Type
            $theirs.status | Should -Be $expected.Status
            $theirs.provider | Should -Be ($expected.Id -replace ':.*$')
        }
    }
}

Describe 'Refresh storms of device-code logins (provider mock)' -Tag 'OAuth', 'Storm' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
    }

    BeforeEach {
        $script:State = New-TestStateDir
        Reset-ProviderMock $script:Mock
    }

    It '<Provider>: <Count> processes yield exactly one refresh request' -ForEach @(
        @{ Provider = 'qwen-portal'; Mock = 'qwen'; Id = 'qwen-portal:default'; Count = 3 }
        @{ Provider = 'minimax-portal'; Mock = 'minimax'; Id = 'minimax-portal:default'; Count = 2; Region = 'cn' }
        @{ Provider = 'openai-codex'; Mock = 'codex'; Id = 'openai-codex:default'; Count = 2 }
    ) {
        $seedArgs = @{}
        if ($Region) { $seedArgs.Region = $Region }
        $seed = New-ProviderMockSeed $script:Mock $Mock @seedArgs
        Write-ExpiredProfile $Id $Provider $seed
        if ($Region -eq 'cn') {
            @{ models = @{ providers = @{ 'minimax-portal' = @{ baseUrl = 'https://api.minimaxi.com/anthropic'; models = @() } } } } |
                ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:State 'openclaw.json')
        }
        $storm = Invoke-RefreshStorm -WorkDir (Join-Path $TestDrive "storm-$Mock") -Count $Count -ModulePath $script:ModulePath -Provider $Provider -TimeoutSec 120
        foreach ($rep in $storm.Reports) { if ($rep.token) { Register-TestSecret $rep.token } }
        Add-TestTapRecord "storm $Provider" ($storm.Reports | Select-Object index, ok, errorId, message, refreshed)
        $stats = Get-ProviderMockStats $script:Mock
        Write-Host "    $Provider storm: $Count processes, refreshes $($stats.refreshesByFamily.($seed.family)), reuse $($stats.reuse), wall $(($storm.Reports | Measure-Object wallMs -Maximum).Maximum) ms"
        @($storm.Reports | Where-Object { -not $_.ok }) | Should -HaveCount 0 -Because (($storm.Reports | Where-Object { -not $_.ok } | ForEach-Object message) -join '; ')
        $stats.refreshesByFamily.($seed.family) | Should -Be 1
        $stats.reuse | Should -Be 0
        @($storm.Reports | Where-Object refreshed) | Should -HaveCount 1
        @($storm.Reports.token | Select-Object -Unique) | Should -HaveCount 1
        (Get-StoreEntry $Id).refresh | Should -Not -Be $seed.refresh
    }
}
