# Connect-MoltbotProvider for the authorization-code providers (Google Gemini CLI, Google Antigravity, Chutes) and
# Anthropic's refresh-only definition, against the scripted provider mock (tests/peers/providers/mock.mjs) with the
# fake browser (tests/peers/idp/browser.sh) as $BROWSER. One mock serves the whole file.
#
# The headless tests run the cmdlet in a child pwsh with SSH_CONNECTION set and stdin a pipe: the child shows the
# authorize URL on its host (stdout), this test plays the browser on another machine (browser.mjs in print mode:
# it follows the mock's 302 and prints the callback URL without requesting it) and "pastes" that URL into the
# child's stdin. $BROWSER there is a wrapper that only leaves a marker, so the test can tell no browser was started.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ProviderMock.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force

    $peers = (Resolve-Path (Join-Path $PSScriptRoot '../peers')).Path
    $script:Node = Get-PeerNode
    $script:Browser = Join-Path $peers 'idp/browser.sh'
    $script:BrowserMjs = Join-Path $peers 'idp/browser.mjs'
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:Mock = Start-ProviderMock -LogPath (Join-Path $TestDrive 'mock.jsonl')
    $script:ChutesClient = 'cid_pester_' + [guid]::NewGuid().ToString('N').Substring(0, 8)

    # Everything this file sets in the environment, saved and restored in AfterAll.
    $script:Variables = @{}
    foreach ($name in 'AUTHORIZE_BASE', 'TOKEN_BASE', 'USERINFO_BASE', 'CODE_ASSIST_BASE') {
        $script:Variables["MOLTBOT_GOOGLE_GEMINI_CLI_$name"] = $script:Mock.Urls.Google
    }
    foreach ($name in 'AUTHORIZE_BASE', 'TOKEN_BASE', 'USERINFO_BASE', 'CODE_ASSIST_BASE', 'CODE_ASSIST_SANDBOX_BASE') {
        $script:Variables["MOLTBOT_GOOGLE_ANTIGRAVITY_$name"] = $script:Mock.Urls.Google
    }
    $script:Variables['MOLTBOT_CHUTES_AUTHORITY'] = $script:Mock.Urls.Chutes
    $script:Variables['MOLTBOT_ANTHROPIC_AUTHORITY'] = $script:Mock.Urls.Anthropic
    $script:Variables['BROWSER'] = $script:Browser
    $script:Cleared = 'SSH_CLIENT', 'SSH_TTY', 'SSH_CONNECTION', 'REMOTE_CONTAINERS', 'CODESPACES', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_PROJECT_ID',
        'CHUTES_CLIENT_ID', 'CHUTES_CLIENT_SECRET', 'MOLTBOT_CHUTES_CLIENT_ID', 'MOLTBOT_CHUTES_CLIENT_SECRET', 'CHUTES_OAUTH_SCOPES',
        'MOLTBOT_TEST_BROWSER_MODE', 'MOLTBOT_TEST_BROWSER_OUTPUT', 'MOLTBOT_GOOGLE_GEMINI_CLI_REDIRECT_URI', 'MOLTBOT_GOOGLE_ANTIGRAVITY_REDIRECT_URI',
        'CHUTES_OAUTH_REDIRECT_URI', 'OPENCLAW_STATE_DIR'
    $script:Saved = @{}
    foreach ($name in @($script:Variables.Keys) + $script:Cleared) { $script:Saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    foreach ($name in $script:Variables.Keys) { [Environment]::SetEnvironmentVariable($name, $script:Variables[$name]) }

    # Per provider: the id, the redirect variable and path, what a login needs, the mock's endpoint ids, what is stored.
    $script:Providers = @{
        'google-gemini-cli'  = @{ RedirectVariable = 'MOLTBOT_GOOGLE_GEMINI_CLI_REDIRECT_URI'; Path = '/oauth2callback'; Host = 'localhost'; Arguments = @{}
            Authorize = 'google.authorize'; Token = 'google.token'; ProfileId = 'google-gemini-cli:tester@example.com'; Extra = @('email', 'projectId') }
        'google-antigravity' = @{ RedirectVariable = 'MOLTBOT_GOOGLE_ANTIGRAVITY_REDIRECT_URI'; Path = '/oauth-callback'; Host = 'localhost'; Arguments = @{}
            Authorize = 'google.authorize'; Token = 'google.token'; ProfileId = 'google-antigravity:tester@example.com'; Extra = @('email', 'projectId') }
        'chutes'             = @{ RedirectVariable = 'CHUTES_OAUTH_REDIRECT_URI'; Path = '/oauth-callback'; Host = '127.0.0.1'; Arguments = @{ ClientId = $script:ChutesClient }
            Authorize = 'chutes.authorize'; Token = 'chutes.token'; ProfileId = 'chutes:tester'; Extra = @('accountId', 'clientId', 'email') }
    }

    function Get-FreePort {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start()
        try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    }

    function Set-Redirect([string] $Provider) {
        $p = $script:Providers[$Provider]
        $uri = "http://$($p.Host):$(Get-FreePort)$($p.Path)"
        [Environment]::SetEnvironmentVariable($p.RedirectVariable, $uri)
        $uri
    }

    function Invoke-Connect {
        param([string] $Provider, [hashtable] $Parameters = @{})
        $result = [pscustomobject]@{ Output = @(); Warnings = @(); Information = @(); Error = $null; Ms = 0 }
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            $result.Output = @(Connect-MoltbotProvider -Provider $Provider -TimeoutSec 60 @Parameters -WarningVariable w -InformationVariable i -WarningAction SilentlyContinue -InformationAction SilentlyContinue -ProgressAction SilentlyContinue)
        }
        catch { $result.Error = $_ }
        $result.Ms = $sw.ElapsedMilliseconds
        $result.Warnings = @($w | ForEach-Object { "$_" })
        $result.Information = @($i | ForEach-Object { "$_" })
        $result
    }

    function Get-MockRequests([string] $Endpoint) {
        <# The logged requests of an endpoint since the last reset; the log is written behind the answers, so wait for as
           many lines as the mock's counters (which are exact) say there were. #>
        $expected = [int] ((Get-ProviderMockStats $script:Mock).requests.$Endpoint)
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ($true) {
            $all = Get-ProviderMockLog $script:Mock
            $reset = -1
            for ($i = $all.Count - 1; $i -ge 0; $i--) { if ($all[$i].event -eq 'reset') { $reset = $i; break } }
            $hits = @($all | Select-Object -Skip ($reset + 1) | Where-Object { $_.event -eq 'request' -and $_.endpoint -eq $Endpoint })
            if ($hits.Count -ge $expected) { return $hits }
            if ([DateTime]::UtcNow -gt $deadline) { throw "The mock logged $($hits.Count) of $expected $Endpoint requests." }
            Start-Sleep -Milliseconds 50
        }
    }

    function Get-StoreEntry([string] $ProfileId) {
        $store = Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent/auth-profiles.json'
        if (-not (Test-Path $store)) { return $null }
        $entry = (Get-Content -Raw $store | ConvertFrom-Json -AsHashtable).profiles[$ProfileId]
        if ($entry) { foreach ($k in 'access', 'refresh') { if ($entry[$k]) { Register-TestSecret $entry[$k] } } }
        $entry
    }

    function Start-HeadlessConnect {
        <# Starts the cmdlet in a child pwsh of an SSH session (SSH_CONNECTION set; $BROWSER only leaves a marker). #>
        param([string] $Provider, [string] $Arguments = '')
        $resultFile = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).json"
        $marker = Join-Path $TestDrive "browser-started-$([guid]::NewGuid().ToString('N'))"
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($script:ModulePath)'
try {
    `$p = Connect-MoltbotProvider $Provider $Arguments -TimeoutSec 90 -WarningVariable w -WarningAction SilentlyContinue -ProgressAction SilentlyContinue
    [ordered]@{ ok = `$true; profileId = `$p.ProfileId; type = `$p.Type; warnings = @(`$w | % { "`$_" }) } | ConvertTo-Json | Set-Content '$resultFile'
} catch {
    [ordered]@{ ok = `$false; errorId = `$_.FullyQualifiedErrorId; message = "`$_"; warnings = @(`$w | % { "`$_" }) } | ConvertTo-Json | Set-Content '$resultFile'
}
"@
        $wrapper = Join-Path $TestDrive "no-browser-$([guid]::NewGuid().ToString('N')).sh"
        Set-Content -Path $wrapper -Value "#!/bin/sh`ntouch '$marker'`n"
        chmod +x $wrapper
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-Command', $script) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['SSH_CONNECTION'] = '203.0.113.7 50022 198.51.100.2 22'
        $psi.Environment['BROWSER'] = $wrapper
        $child = [System.Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Provider = $Provider; Child = $child; Stderr = $child.StandardError.ReadToEndAsync(); Result = $resultFile; Marker = $marker }
    }

    function Complete-HeadlessConnect {
        <# Reads the URL the child shows, signs in as a browser on another machine (browser.mjs print: it follows the mock's
           302 and prints the callback URL without requesting it), pastes that URL into the child's stdin, returns its report. #>
        param([psobject] $Started)
        $child = $Started.Child
        $shown = [System.Text.StringBuilder]::new()
        $pasted = $null
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            $url = $null
            while (-not $url) {
                $line = $child.StandardOutput.ReadLineAsync()
                if (-not $line.Wait([Math]::Max(1, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)) -or $null -eq $line.Result) {
                    throw "The child showed no authorize URL. Host: $shown stderr: $(if ($Started.Stderr.IsCompleted) { $Started.Stderr.Result })"
                }
                $null = $shown.AppendLine($line.Result)
                if ($line.Result.Trim() -match '^https?://\S+\?\S*client_id=') { $url = $line.Result.Trim() }
            }
            $env:MOLTBOT_TEST_BROWSER_MODE = 'print'
            $pasted = (& $script:Node $script:BrowserMjs $url | Select-Object -Last 1)
            Remove-Item Env:MOLTBOT_TEST_BROWSER_MODE
            if ($LASTEXITCODE -ne 0 -or -not $pasted) { throw "browser.mjs print failed ($LASTEXITCODE)." }
            $pasted = $pasted.Trim()
            if ($pasted -match '[?&]code=([^&#]+)') { Register-TestSecret ([uri]::UnescapeDataString($Matches[1])); Register-TestSecret $Matches[1] }
            $child.StandardInput.WriteLine($pasted)
            $child.StandardInput.Close()
            $rest = $child.StandardOutput.ReadToEndAsync()
            if (-not $child.WaitForExit(90000)) { throw 'The child pwsh did not finish within 90 s.' }
            $child.WaitForExit()
            $null = $shown.Append($rest.Result)
            if (-not (Test-Path $Started.Result)) { throw "The child pwsh reported nothing. Host: $shown stderr: $($Started.Stderr.Result)" }
            $report = Get-Content -Raw $Started.Result | ConvertFrom-Json
            # The host echoes the pasted line (it is the user's input, not the module's output): cut it out before the scan.
            $hostText = $shown.ToString().Replace($pasted, '<the pasted line, echoed by the host>')
            Add-TestTapRecord "child pwsh Connect-MoltbotProvider $($Started.Provider) (SSH)" ([ordered]@{ Host = $hostText; Ok = $report.ok; ErrorId = $report.errorId; Message = $report.message; Warnings = $report.warnings })
            $report | Add-Member -NotePropertyName Host -NotePropertyValue $hostText -PassThru |
                Add-Member -NotePropertyName BrowserStarted -NotePropertyValue (Test-Path $Started.Marker) -PassThru
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }

    function New-SeededProfile {
        <# A refreshable profile made from a mock seed (a live refresh family), already expired. #>
        param([string] $Provider, [string] $ProfileId, [hashtable] $Seed, [hashtable] $Extra = @{})
        $seedArgs = @{}
        foreach ($k in $Seed.Keys) { $seedArgs[$k] = $Seed[$k] }
        $s = New-ProviderMockSeed $script:Mock @seedArgs
        Register-TestSecret $s.access; Register-TestSecret $s.refresh
        $entry = [ordered]@{ type = 'oauth'; provider = $Provider; access = $s.access; refresh = $s.refresh; expires = 1000 }
        foreach ($k in $Extra.Keys) { $entry[$k] = $Extra[$k] }
        $dir = Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent'
        New-Item -ItemType Directory -Force $dir | Out-Null
        $store = Join-Path $dir 'auth-profiles.json'
        $doc = if (Test-Path $store) { Get-Content -Raw $store | ConvertFrom-Json -AsHashtable } else { [ordered]@{ version = 1; profiles = [ordered]@{} } }
        $doc.profiles[$ProfileId] = $entry
        $doc | ConvertTo-Json -Depth 10 | Set-Content $store
        if (-not $IsWindows) { chmod 600 $store }
        $s
    }
}

AfterAll {
    Stop-ProviderMock $script:Mock
    foreach ($name in $script:Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $script:Saved[$name]) }
}

Describe 'Connect-MoltbotProvider: authorization-code providers against the provider mock' -Tag 'OAuth' {
    BeforeEach {
        foreach ($name in $script:Cleared) { [Environment]::SetEnvironmentVariable($name, $null) }
        $env:BROWSER = $script:Browser
        $script:State = New-TestStateDir
        $env:MOLTBOT_TEST_BROWSER_OUTPUT = Join-Path $TestDrive "callback-$([guid]::NewGuid().ToString('N')).txt"
        Reset-ProviderMock $script:Mock | Out-Null
    }

    It '<_> signs in through the browser and stores the profile with its fields and expiry' -ForEach 'google-gemini-cli', 'google-antigravity', 'chutes' {
        $p = $script:Providers[$_]
        $redirect = Set-Redirect $_
        $before = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $r = Invoke-Connect $_ $p.Arguments
        $after = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $r.Error | Should -BeNullOrEmpty -Because "$($r.Error)"
        $r.Output | Should -HaveCount 1
        $r.Output[0].ProfileId | Should -Be $p.ProfileId
        $r.Output[0].Type | Should -Be 'oauth'
        $entry = Get-StoreEntry $p.ProfileId
        ($entry.Keys | Sort-Object) | Should -Be (@('access', 'expires', 'provider', 'refresh', 'type') + $p.Extra | Sort-Object)
        $entry.provider | Should -Be $_
        # expires_in 3600 from the mock, less 5 min (Chutes: floor(expires_in) - 5 min, at least now + 30 s).
        $entry.expires | Should -BeGreaterOrEqual ($before + 3300000 - 1000)
        $entry.expires | Should -BeLessOrEqual ($after + 3300000)
        $config = Get-Content -Raw (Join-Path $script:State 'openclaw.json') | ConvertFrom-Json -AsHashtable
        $config.auth.profiles[$p.ProfileId].provider | Should -Be $_
        $config.auth.profiles[$p.ProfileId].mode | Should -Be 'oauth'
        $token = @(Get-MockRequests $p.Token)
        $token | Should -HaveCount 1
        $token[0].status | Should -Be 200
        $token[0].redirect_uri | Should -Be $redirect
        $token[0].code_verifier_length | Should -Be 64
        if ($_ -like 'google-*') {
            $entry.projectId | Should -Be 'mock-project-4711'
            $entry.email | Should -Be 'tester@example.com'
            $token[0].has_client_secret | Should -BeTrue
            ($r.Warnings -join "`n") | Should -Match 'suspended accounts'
        }
        else {
            $entry.clientId | Should -Be $script:ChutesClient
            $entry.email | Should -Be 'tester'
            $entry.accountId | Should -Match '^user-'
            $token[0].client_id | Should -Be $script:ChutesClient
            $token[0].has_client_secret | Should -BeFalse
        }
        $requests = (Get-ProviderMockStats $script:Mock).requests
        Write-Host "    $_ login: $($r.Ms) ms, requests $(($requests.PSObject.Properties | ForEach-Object { "$($_.Name) x$($_.Value)" }) -join ', ')"
    }

    It 'google-gemini-cli onboards a free-tier account, polls the operation and stores its project' {
        Set-Redirect 'google-gemini-cli' | Out-Null
        Set-ProviderMockScript $script:Mock @{ 'google.loadCodeAssist' = @('allowed_tiers'); 'google.onboardUser' = @('operation'); 'google.operation' = @('done') } | Out-Null
        $r = Invoke-Connect 'google-gemini-cli'
        $r.Error | Should -BeNullOrEmpty -Because "$($r.Error)"
        (Get-StoreEntry 'google-gemini-cli:tester@example.com').projectId | Should -Be 'mock-project-4711'
        (Get-MockRequests 'google.onboardUser')[0].tier_id | Should -Be 'free-tier'
        @(Get-MockRequests 'google.operation') | Should -HaveCount 1
        Write-Host "    onboarding with one 5 s operation poll: login $($r.Ms) ms"
    }

    It 'google-gemini-cli stores the -ProjectId when Code Assist names none, and sends it' {
        Set-Redirect 'google-gemini-cli' | Out-Null
        $env:GOOGLE_CLOUD_PROJECT = 'env-project'
        Set-ProviderMockScript $script:Mock @{ 'google.loadCodeAssist' = @('no_project') } | Out-Null
        $r = Invoke-Connect 'google-gemini-cli' @{ ProjectId = 'my-gcp-project' }
        $r.Error | Should -BeNullOrEmpty -Because "$($r.Error)"
        (Get-StoreEntry 'google-gemini-cli:tester@example.com').projectId | Should -Be 'my-gcp-project'
        (Get-MockRequests 'google.loadCodeAssist')[0].sent_project | Should -Be 'my-gcp-project'
    }

    It 'google-gemini-cli without any project for a tier that needs one fails with MoltbotProjectIdRequired and stores nothing' {
        Set-Redirect 'google-gemini-cli' | Out-Null
        Set-ProviderMockScript $script:Mock @{ 'google.loadCodeAssist' = @('no_project') } | Out-Null
        $r = Invoke-Connect 'google-gemini-cli'
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotProjectIdRequired,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-StoreEntry 'google-gemini-cli:tester@example.com' | Should -BeNullOrEmpty
    }

    Context 'in an SSH session (three child pwsh started together)' {
        BeforeAll {
            foreach ($name in $script:Cleared) { [Environment]::SetEnvironmentVariable($name, $null) }
            $env:BROWSER = $script:Browser
            $script:State = New-TestStateDir
            Reset-ProviderMock $script:Mock | Out-Null
            $script:Redirects = @{}
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            $started = foreach ($id in 'google-gemini-cli', 'google-antigravity', 'chutes') {
                $script:Redirects[$id] = Set-Redirect $id
                $arguments = if ($script:Providers[$id].Arguments.ClientId) { "-ClientId $($script:Providers[$id].Arguments.ClientId)" } else { '' }
                Start-HeadlessConnect -Provider $id -Arguments $arguments
            }
            $script:Headless = @{}
            foreach ($s in $started) { $script:Headless[$s.Provider] = Complete-HeadlessConnect $s }
            # The Describe's BeforeEach gives every It a fresh state dir and mock counters: read what the logins left now.
            $script:HeadlessEntries = @{}
            $script:HeadlessTokens = @{}
            foreach ($id in $script:Headless.Keys) {
                $p = $script:Providers[$id]
                $script:HeadlessEntries[$id] = Get-StoreEntry $p.ProfileId
                $script:HeadlessTokens[$id] = @(Get-MockRequests $p.Token | Where-Object redirect_uri -EQ $script:Redirects[$id])
            }
            Write-Host "    three headless logins in child pwsh: $($sw.ElapsedMilliseconds) ms"
        }

        It '<_> shows the URL, starts no browser and takes the pasted redirect URL' -ForEach 'google-gemini-cli', 'google-antigravity', 'chutes' {
            $p = $script:Providers[$_]
            $report = $script:Headless[$_]
            $report.ok | Should -BeTrue -Because "$($report.message)"
            $report.profileId | Should -Be $p.ProfileId
            $report.BrowserStarted | Should -BeFalse -Because 'no browser is started in a remote session'
            $report.Host | Should -Match 'Paste the redirect URL'
            $script:HeadlessEntries[$_].provider | Should -Be $_
            $script:HeadlessEntries[$_].refresh | Should -Not -BeNullOrEmpty
            $script:HeadlessTokens[$_] | Should -HaveCount 1
            $script:HeadlessTokens[$_][0].status | Should -Be 200
        }
    }

    It '<_> ends with MoltbotAuthorizationDenied when the user refuses, and stores nothing' -ForEach 'google-gemini-cli', 'google-antigravity', 'chutes' {
        $p = $script:Providers[$_]
        Set-Redirect $_ | Out-Null
        Set-ProviderMockScript $script:Mock @{ $p.Authorize = @('access_denied') } | Out-Null
        $r = Invoke-Connect $_ $p.Arguments
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotAuthorizationDenied,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($r.Error)" | Should -Match 'access_denied'
        Test-Path (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -BeFalse
        (Get-ProviderMockStats $script:Mock).requests.($p.Token) | Should -BeNullOrEmpty
    }

    It '<_> reports a refused code (invalid_grant) as MoltbotAuthenticationFailed and stores nothing' -ForEach 'google-gemini-cli', 'google-antigravity', 'chutes' {
        $p = $script:Providers[$_]
        Set-Redirect $_ | Out-Null
        Set-ProviderMockScript $script:Mock @{ $p.Token = @('invalid_grant') } | Out-Null
        $r = Invoke-Connect $_ $p.Arguments
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotAuthenticationFailed,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($r.Error)" | Should -Match 'invalid_grant'
        Test-Path (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -BeFalse
        if (Test-Path (Join-Path $script:State 'openclaw.json')) { Get-Content -Raw (Join-Path $script:State 'openclaw.json') | Should -Not -Match $_ }
    }

    It 'chutes without a client says how to register one; a parameter the provider does not take is refused' {
        Set-Redirect 'chutes' | Out-Null
        $r = Invoke-Connect 'chutes'
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotInvalidOAuthSetting,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($r.Error)" | Should -Match 'CHUTES_CLIENT_ID'
        $r.Error.ErrorDetails.RecommendedAction | Should -Match 'OAuth app'
        $r = Invoke-Connect 'chutes' @{ ClientId = $script:ChutesClient; ProjectId = 'nope' }
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotLoginParameterNotSupported,Moltbot.Commands.ConnectMoltbotProviderCommand'
        @((Get-ProviderMockStats $script:Mock).requests.PSObject.Properties) | Should -HaveCount 0
    }

    It 'chutes takes its client from CHUTES_CLIENT_ID and a secret as a SecureString' {
        Set-Redirect 'chutes' | Out-Null
        $env:CHUTES_CLIENT_ID = $script:ChutesClient
        $secret = 'csc_pester_' + [guid]::NewGuid().ToString('N')
        Set-ProviderMockScript $script:Mock @{ settings = @{ 'chutes.clientSecret' = $secret } } | Out-Null
        try {
            $r = Invoke-Connect 'chutes' @{ ClientSecret = (ConvertTo-TestSecret $secret); Verbose = $true }
        }
        finally { Set-ProviderMockScript $script:Mock @{ settings = @{ 'chutes.clientSecret' = $null } } | Out-Null }
        $r.Error | Should -BeNullOrEmpty -Because "$($r.Error)"
        $entry = Get-StoreEntry 'chutes:tester'
        $entry.clientId | Should -Be $script:ChutesClient
        (Get-Content -Raw (Join-Path $script:State 'agents/main/agent/auth-profiles.json')).Contains($secret) | Should -BeFalse
        (Get-MockRequests 'chutes.token')[0].has_client_secret | Should -BeTrue
    }

    It 'anthropic has no login: the refusal points at Set-MoltbotSetupToken and claude setup-token' {
        $r = Invoke-Connect 'anthropic'
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotProviderNotSupported,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'NotImplemented'
        "$($r.Error)" | Should -Match 'setup token'
        $r.Error.ErrorDetails.RecommendedAction | Should -Match 'Set-MoltbotSetupToken'
        $r.Error.ErrorDetails.RecommendedAction | Should -Match 'claude setup-token'
        Test-Path (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -BeFalse
    }

    It 'is reported by openclaw 2026.1.30 models status --json: every login and the Anthropic oauth profile as oauth, ok' -Tag 'Compat' {
        Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force
        foreach ($id in 'google-gemini-cli', 'google-antigravity', 'chutes') {
            Set-Redirect $id | Out-Null
            $r = Invoke-Connect $id $script:Providers[$id].Arguments
            $r.Error | Should -BeNullOrEmpty -Because "$id $($r.Error)"
        }
        $seed = New-SeededProfile -Provider anthropic -ProfileId 'anthropic:default' -Seed @{ Provider = 'anthropic' }
        $null = Get-MoltbotAccessToken -ProfileId 'anthropic:default' -AsPlainText   # refresh it: now valid for an hour (less 5 min)
        $status = Invoke-OpenClaw -StateDir $script:State -ArgumentList @('models', 'status', '--json')
        $status.ExitCode | Should -Be 0 -Because $status.StdErr
        $json = $status.StdOut.Substring($status.StdOut.IndexOf('{')) | ConvertFrom-Json -Depth 20
        foreach ($id in @($script:Providers.Keys | ForEach-Object { $script:Providers[$_].ProfileId }) + 'anthropic:default') {
            $theirs = @($json.auth.oauth.profiles | Where-Object profileId -EQ $id)
            $theirs | Should -HaveCount 1 -Because "openclaw lists $id"
            $theirs[0].type | Should -Be 'oauth' -Because $id
            $theirs[0].status | Should -Be 'ok' -Because $id
            Write-Host "    openclaw 2026.1.30: $id type $($theirs[0].type), status $($theirs[0].status)"
        }
        Register-TestSecret $seed.refresh
    }
}

Describe 'Refresh storms of the authorization-code providers and Anthropic: separate processes, one refresh each' -Tag 'Refresh' {
    BeforeAll {
        foreach ($name in $script:Cleared) { [Environment]::SetEnvironmentVariable($name, $null) }
        $script:State = New-TestStateDir
        Reset-ProviderMock $script:Mock | Out-Null
        $script:Cases = @(
            @{ Provider = 'google-gemini-cli'; Seed = @{ Provider = 'google'; Client = 'gemini-cli' }; Extra = @{ projectId = 'storm-project'; email = 'storm@example.com' } }
            @{ Provider = 'google-antigravity'; Seed = @{ Provider = 'google'; Client = 'antigravity' }; Extra = @{ projectId = 'rising-fact-p41fc' } }
            @{ Provider = 'chutes'; Seed = @{ Provider = 'chutes'; ClientId = 'cid_storm' }; Extra = @{ clientId = 'cid_storm'; email = 'tester' } }
            @{ Provider = 'anthropic'; Seed = @{ Provider = 'anthropic' }; Extra = @{} }
        )
        $script:Seeds = @{}
        foreach ($c in $script:Cases) { $script:Seeds[$c.Provider] = New-SeededProfile -Provider $c.Provider -ProfileId "$($c.Provider):default" -Seed $c.Seed -Extra $c.Extra }
        # One storm: 12 pwsh processes, 3 per provider, released together on one store (they also contend for its lock).
        $script:Storm = Invoke-RefreshStorm -WorkDir (Join-Path $TestDrive 'storm') -Count 12 -ModulePath $script:ModulePath -Providers @($script:Cases.Provider)
        foreach ($t in @($script:Storm.Reports.token | Where-Object { $_ } | Sort-Object -Unique)) { Register-TestSecret $t }
        $script:Stats = Get-ProviderMockStats $script:Mock
        Write-Host ("    storm: 12 processes (3 per provider), wall {0} ms, refresh requests {1}, reuse {2}" -f (($script:Storm.Reports.wallMs | Measure-Object -Maximum).Maximum), $script:Stats.refreshRequests, $script:Stats.reuse)
    }

    It '<Provider>: 3 pwsh processes cause one refresh request, all get the same token, and <Kept> is kept' -ForEach @(
        @{ Provider = 'google-gemini-cli'; Kept = 'projectId' }
        @{ Provider = 'google-antigravity'; Kept = 'projectId' }
        @{ Provider = 'chutes'; Kept = 'clientId' }
        @{ Provider = 'anthropic'; Kept = 'every other field' }
    ) {
        $case = $script:Cases | Where-Object { $_.Provider -eq $Provider }
        $seed = $script:Seeds[$Provider]
        $reports = @($script:Storm.Reports | Where-Object provider -EQ $Provider)
        $refreshes = $script:Stats.refreshesByFamily.($seed.family)
        Write-Host ("    {0}: {1} processes, {2} refresh request(s) for family {3}, slowest {4} ms" -f $Provider, $reports.Count, $refreshes, $seed.family, (($reports.wallMs | Measure-Object -Maximum).Maximum))
        $reports | Should -HaveCount 3
        @($reports | Where-Object { -not $_.ok }) | ForEach-Object { "$($_.index): $($_.errorId) $($_.message)" } | Should -BeNullOrEmpty
        $refreshes | Should -Be 1
        $script:Stats.reuse | Should -Be 0
        $script:Stats.revokedFamilies | Should -Not -Contain $seed.family
        @($reports.token | Sort-Object -Unique) | Should -HaveCount 1
        @($reports | Where-Object refreshed) | Should -HaveCount 1
        $entry = Get-StoreEntry "${Provider}:default"
        $entry.access | Should -Be $reports[0].token
        $entry.expires | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(50).ToUnixTimeMilliseconds())
        foreach ($k in $case.Extra.Keys) { $entry[$k] | Should -Be $case.Extra[$k] -Because "$k is kept" }
        if ($Provider -like 'google-*') { $entry.refresh | Should -Be $seed.refresh -Because 'Google keeps the refresh token' }
        else { $entry.refresh | Should -Not -Be $seed.refresh -Because "$Provider rotated it" }
    }
}
