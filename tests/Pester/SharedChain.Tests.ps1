# The "randomly logged out" case end to end (issue 14): a module profile and the REAL Codex CLI 0.169.0
# (tests/peers/codex-cli) on the SAME refresh chain at the test identity provider, which rotates refresh tokens and
# detects reuse (a rotated token presented again answers invalid_grant and revokes the whole grant). The Codex CLI
# runs with a temp HOME / CODEX_HOME, its refresh URL on the idp (CODEX_REFRESH_TOKEN_URL_OVERRIDE; it posts JSON, which
# the idp takes with --accept-json) and its model API on the idp's /__test/unauthorized/, which answers 401, so that
# Codex refreshes its auth.json ('unauthorized_recovery'); nothing leaves loopback. Every figure is counted from the
# idp's own audit log, never from a client.
#   1. the bug, as a control: a mirror import, a module refresh (-Force, with the warning), then Codex refreshes with
#      its file's token: invalid_grant, the grant is revoked, and the module's next refresh fails too;
#   2. the chosen design: SharedWith shows the Codex CLI, a refresh without -Force is refused with nothing sent,
#      -TakeOwnership hands the chain over, and module and Codex refresh with no invalid_grant at all;
#   3. a mirror whose Codex CLI refreshed first takes the CLI's credential instead of presenting its dead token.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    # Every CLI of the registry is read (SharedWith): their folder variables are cleared, so all look in the temp home.
    $script:CliVariables = 'CODEX_HOME', 'CLAUDE_CONFIG_DIR', 'QWEN_HOME', 'GEMINI_CLI_HOME'
    $script:SavedEnv = @{ HOME = $env:HOME }
    foreach ($v in $script:CliVariables) { $script:SavedEnv[$v] = [Environment]::GetEnvironmentVariable($v); Remove-Item "Env:$v" -ErrorAction Ignore }
    $script:Codex = Join-Path $PSScriptRoot '../peers/codex-cli/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex'
    $script:Supported = $IsLinux -and [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'X64'
    if ($script:Supported -and -not (Test-Path $script:Codex)) {
        throw "The Codex CLI peer is missing at $($script:Codex): run tests/peers/Install-Peers.ps1."
    }
    $script:Idp = Start-TestIdp -AccessTtl 600 -Log (Join-Path $TestDrive 'idp-audit.jsonl') -AcceptJson
    $script:Mirror = 'openai-codex:codex-cli'

    function ConvertTo-Base64Url([string] $Text) {
        [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Text)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
    }

    function New-SharedChain {
        <# A state dir and a home in which the Codex CLI is signed in on a real grant of the idp: the login is made by the
           module (the idp plays auth.openai.com; `codex login` cannot be pointed at it), its tokens are written to
           $CODEX_HOME/auth.json as Codex writes them, and the module's profile is removed again, so that the CLI alone
           holds the chain, as after `codex login`. #>
        $state = New-TestStateDir
        $homeDir = Join-Path $TestDrive ('home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $codexHome = Join-Path $homeDir '.codex'
        New-Item -ItemType Directory -Force $codexHome | Out-Null
        [IO.File]::SetUnixFileMode($codexHome, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
        $env:HOME = $homeDir
        $env:CODEX_HOME = $codexHome
        Connect-TestProfile -Idp $script:Idp | Out-Null
        $store = Join-Path $state 'agents/main/agent/auth-profiles.json'
        $entry = (Get-Content -Raw $store | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default']
        Register-TestSecret $entry.access
        Register-TestSecret $entry.refresh
        # Codex reads its id_token for the account (unverified): the same claims the idp puts in its access tokens.
        $idToken = (ConvertTo-Base64Url '{"alg":"none"}') + '.' + (ConvertTo-Base64Url (@{
                    email = $entry.email
                    'https://api.openai.com/auth' = @{ chatgpt_account_id = $entry.accountId; chatgpt_plan_type = 'plus' }
                } | ConvertTo-Json -Compress)) + '.c2ln'
        Register-TestSecret $idToken
        $auth = Join-Path $codexHome 'auth.json'
        [IO.File]::WriteAllText($auth, ([ordered]@{
                    OPENAI_API_KEY = $null
                    auth_mode = 'chatgpt'
                    tokens = [ordered]@{ id_token = $idToken; access_token = $entry.access; refresh_token = $entry.refresh; account_id = $entry.accountId }
                    last_refresh = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.ffffffZ')
                } | ConvertTo-Json -Depth 5))
        [IO.File]::SetUnixFileMode($auth, [IO.UnixFileMode] 'UserRead, UserWrite')
        $iss = $script:Idp.Ready.issuer
        [IO.File]::WriteAllText((Join-Path $codexHome 'config.toml'), @"
model = "gpt-5"
model_provider = "loopback"
check_for_update_on_startup = false
cli_auth_credentials_store = "file"
chatgpt_base_url = "$iss/__test/unauthorized/backend-api/"

[model_providers.loopback]
name = "loopback"
base_url = "$iss/__test/unauthorized/v1"
wire_api = "responses"
requires_openai_auth = true
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false
"@)
        Remove-MoltbotAuthProfile -ProfileId 'openai-codex:default' -Force | Out-Null
        [pscustomobject]@{ State = $state; Store = $store; Auth = $auth; Original = $entry; Start = (Get-TestIdpLineCount $script:Idp) }
    }

    function Invoke-CodexCli([object] $Chain) {
        <# One `codex exec` of the real Codex CLI: its model API answers 401, so it refreshes auth.json at the idp (or
           tries to) and gives up. Returns the exit code, the time and the idp events it caused; its output stays here
           (it names no token, but it is not the test's to print). #>
        $before = Get-TestIdpLineCount $script:Idp
        $psi = [Diagnostics.ProcessStartInfo]::new($script:Codex)
        foreach ($a in 'exec', '--skip-git-repo-check', 'say hi') { $psi.ArgumentList.Add($a) }
        $psi.Environment['HOME'] = $env:HOME
        $psi.Environment['CODEX_HOME'] = $env:CODEX_HOME
        $psi.Environment['CODEX_REFRESH_TOKEN_URL_OVERRIDE'] = "$($script:Idp.Ready.issuer)/oauth/token"
        foreach ($v in 'OPENAI_API_KEY', 'CODEX_API_KEY', 'OPENAI_BASE_URL', 'HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY') { $psi.Environment.Remove($v) | Out-Null }
        $psi.WorkingDirectory = $env:HOME
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $p.StandardInput.Close()
            $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
            if (-not $p.WaitForExit(90000)) { $p.Kill($true); throw 'codex exec did not end within 90 s.' }
            $p.WaitForExit()
            Add-TestTapRecord 'codex exec' ($out.Result + $err.Result)
            $events = @(Get-TestIdpEvents $script:Idp -Skip $before)
            [pscustomobject]@{
                ExitCode = $p.ExitCode; Ms = $sw.ElapsedMilliseconds; Events = $events
                Refreshes = @($events | Where-Object { $_.event -eq 'token' -and $_.grant_type -eq 'refresh_token' })
                Rejected = @($events | Where-Object event -eq 'unauthorized').Count
            }
        }
        finally { $p.Dispose() }
    }

    function Get-Refreshes([int] $Skip) { @(Get-TestIdpEvents $script:Idp -Skip $Skip | Where-Object { $_.event -eq 'token' -and $_.grant_type -eq 'refresh_token' }) }
    function Get-InvalidGrants([int] $Skip) { @(Get-TestIdpEvents $script:Idp -Skip $Skip | Where-Object { $_.event -eq 'token' -and $_.error -eq 'invalid_grant' }) }
    function Get-Mirror([object] $Chain) { (Get-Content -Raw $Chain.Store | ConvertFrom-Json -AsHashtable).profiles[$script:Mirror] }
    function Get-CodexAuth([object] $Chain) { Get-Content -Raw $Chain.Auth | ConvertFrom-Json -AsHashtable }
}

AfterAll {
    Stop-TestIdp $script:Idp
    foreach ($k in $script:SavedEnv.Keys) { if ($null -eq $script:SavedEnv[$k]) { Remove-Item "Env:$k" -ErrorAction Ignore } else { Set-Item "Env:$k" $script:SavedEnv[$k] } }
    Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER, Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'One refresh chain, two owners: the module and the real Codex CLI' -Tag 'Refresh' {
    BeforeEach {
        if (-not $script:Supported) { Set-ItResult -Skipped -Because 'the Codex CLI peer is the linux-x64 build' }
    }

    It 'control: a mirror refreshed by the module leaves Codex a dead token; its refresh revokes the chain and the module is logged out' {
        $c = New-SharedChain
        $r0 = Get-TokenFingerprint $c.Original.refresh
        Import-MoltbotExternalCredential -Cli codex -WarningAction SilentlyContinue | Out-Null
        (Get-Mirror $c).refresh | Should -Be $c.Original.refresh

        $m1 = Get-TestIdpLineCount $script:Idp
        Update-MoltbotAuthProfile -ProfileId $script:Mirror -Force -WarningVariable signedOut -WarningAction SilentlyContinue
        $module1 = Get-Refreshes $m1
        $module1 | Should -HaveCount 1
        $module1[0].status | Should -Be 200
        $module1[0].presented_refresh_token_fp | Should -Be $r0
        @($signedOut) | Should -HaveCount 1
        "$signedOut" | Should -BeLike "*Codex CLI ($($c.Auth))*signed out*'codex login'*-TakeOwnership*"
        $r1 = $module1[0].issued_refresh_token_fp

        $codex = Invoke-CodexCli $c
        $codex.Rejected | Should -BeGreaterThan 0 -Because 'Codex called its (401) model API'
        $codex.Refreshes.Count | Should -BeGreaterThan 0 -Because 'Codex refreshed after the 401'
        $codex.Refreshes.presented_refresh_token_fp | Sort-Object -Unique | Should -Be $r0 -Because "Codex's file still holds the token the module rotated"
        $codex.Refreshes[0].error | Should -Be 'invalid_grant'
        $codex.Refreshes[0].grant_revoked | Should -BeTrue -Because 'reuse detection revokes the whole grant'
        (Get-CodexAuth $c).tokens.refresh_token | Should -Be $c.Original.refresh

        $m2 = Get-TestIdpLineCount $script:Idp
        Update-MoltbotAuthProfile -ProfileId $script:Mirror -ErrorVariable loggedOut -ErrorAction SilentlyContinue
        $module2 = Get-Refreshes $m2
        $module2 | Should -HaveCount 1
        $module2[0].presented_refresh_token_fp | Should -Be $r1
        $module2[0].error | Should -Be 'invalid_grant' -Because 'the chain was revoked: the module is logged out too'
        @($loggedOut) | Should -HaveCount 1
        $loggedOut[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotRefreshFailed,*'
        "$($loggedOut[0])" | Should -BeLike '*invalid_grant*'

        $all = Get-Refreshes $c.Start
        $invalid = Get-InvalidGrants $c.Start
        Write-Host ("    control (bug): {0} refresh requests at the idp (module {1}, Codex CLI {2} in {3} ms), {4} invalid_grant (Codex CLI {5}, module {6}), grant revoked: {7}" -f
            $all.Count, ($module1.Count + $module2.Count), $codex.Refreshes.Count, $codex.Ms, $invalid.Count,
            @($codex.Refreshes | Where-Object error -eq 'invalid_grant').Count, @($module2 | Where-Object error -eq 'invalid_grant').Count,
            [bool]($codex.Refreshes | Where-Object grant_revoked))
        $invalid.Count | Should -BeGreaterOrEqual 2
    }

    It 'design: SharedWith names the Codex CLI, a refresh is refused with nothing sent, -TakeOwnership hands the chain over, and nobody is logged out' {
        $c = New-SharedChain
        $r0 = Get-TokenFingerprint $c.Original.refresh
        # A second agent with a login of its own: the pipeline goes on past the refused profile.
        New-MoltbotAgent -Name work | Out-Null
        Connect-TestProfile -Idp $script:Idp -Agent work | Out-Null
        Import-MoltbotExternalCredential -Cli codex -WarningAction SilentlyContinue | Out-Null

        $listed = Get-MoltbotAuthProfile -Agent main -ProfileId $script:Mirror
        $holder = @($listed.SharedWith) | Where-Object Kind -eq 'ExternalCli'
        $holder | Should -HaveCount 1
        $holder.Name | Should -Be 'codex'
        $holder.Path | Should -Be $c.Auth
        "$holder" | Should -Be "Codex CLI ($($c.Auth))"
        $listed.SharedDisplay | Should -Be 'codex'
        @(Get-MoltbotAuthProfile -Shared).ProfileId | Should -Be @($script:Mirror)
        ($listed | Format-Table | Out-String -Width 200) | Should -Match 'Shared\s+Account[\s\S]*\bcodex\b'

        $n0 = Get-TestIdpLineCount $script:Idp
        $out = Get-MoltbotAuthProfile -Provider openai-codex | Update-MoltbotAuthProfile -PassThru -ErrorVariable refused -ErrorAction SilentlyContinue
        @($refused) | Should -HaveCount 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotSharedRefreshToken,*'
        $refused[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        "$($refused[0])" | Should -BeLike '*Codex CLI*Nothing was sent*'
        $refused[0].ErrorDetails.RecommendedAction | Should -BeLike '*Import-MoltbotExternalCredential -Cli codex -TakeOwnership*'
        @($out).Agent | Should -Be @('work') -Because 'the pipeline went on with the other profile'
        $refusedRequests = @(Get-Refreshes $n0 | Where-Object presented_refresh_token_fp -eq $r0)
        $refusedRequests | Should -HaveCount 0 -Because 'nothing of the shared chain was presented'
        (Get-Refreshes $n0) | Should -HaveCount 1 -Because "only agent 'work' was refreshed"
        (Get-Mirror $c).refresh | Should -Be $c.Original.refresh

        $handed = Import-MoltbotExternalCredential -Cli codex -TakeOwnership -WarningVariable handOver -WarningAction SilentlyContinue
        $handed.Action | Should -Be 'TookOwnership'
        $handed.SignInCommand | Should -Be 'codex login'
        "$handOver" | Should -BeLike "*Codex CLI*no longer holds a refresh token*'codex login'*"
        $auth = Get-CodexAuth $c
        $auth.tokens.refresh_token | Should -Be ''
        $auth.tokens.access_token | Should -Be $c.Original.access -Because 'the CLI keeps working until its access token expires'
        $auth.auth_mode | Should -Be 'chatgpt'
        @((Get-MoltbotAuthProfile -Agent main -ProfileId $script:Mirror).SharedWith) | Should -HaveCount 0

        $m1 = Get-TestIdpLineCount $script:Idp
        Update-MoltbotAuthProfile -ProfileId $script:Mirror -Agent main -WarningVariable noWarning
        $module1 = Get-Refreshes $m1
        $module1 | Should -HaveCount 1
        $module1[0].status | Should -Be 200
        $module1[0].presented_refresh_token_fp | Should -Be $r0
        @($noWarning) | Should -HaveCount 0
        $r1 = $module1[0].issued_refresh_token_fp

        $codex = Invoke-CodexCli $c
        $codex.Rejected | Should -BeGreaterThan 0 -Because 'Codex called its (401) model API'
        $chainFps = @($r0, $r1)
        @($codex.Refreshes | Where-Object { $_.presented_refresh_token_fp -and $chainFps -contains $_.presented_refresh_token_fp }) | Should -HaveCount 0 -Because 'the CLI holds no token of the chain any more'
        @($codex.Refreshes | Where-Object status -eq 200) | Should -HaveCount 0

        $m2 = Get-TestIdpLineCount $script:Idp
        $token = Get-MoltbotAccessToken -ProfileId $script:Mirror -Agent main -RejectedToken (Get-Mirror $c).access -AsPlainText
        $module2 = Get-Refreshes $m2
        $module2 | Should -HaveCount 1
        $module2[0].status | Should -Be 200
        $module2[0].presented_refresh_token_fp | Should -Be $r1
        $token.Refreshed | Should -BeTrue
        Register-TestSecret $token.Token

        $invalid = Get-InvalidGrants $c.Start
        Write-Host ("    design: the refused refresh sent {0} requests of the shared chain; module refreshes after the hand-over: {1} (all 200); Codex CLI: {2} refresh attempt(s) in {3} ms presenting no token of the chain (answers: {4}); invalid_grant in total: {5}; -TakeOwnership warnings: {6}" -f
            $refusedRequests.Count, ($module1.Count + $module2.Count), $codex.Refreshes.Count, $codex.Ms, (($codex.Refreshes.error | Sort-Object -Unique) -join ','), $invalid.Count, @($handOver).Count)
        $invalid | Should -HaveCount 0
    }

    It 'a mirror whose Codex CLI refreshed first takes the CLI credential and presents nothing' {
        $c = New-SharedChain
        Import-MoltbotExternalCredential -Cli codex -WarningAction SilentlyContinue | Out-Null
        $codex = Invoke-CodexCli $c
        @($codex.Refreshes | Where-Object status -eq 200).Count | Should -BeGreaterThan 0 -Because 'Codex rotated the chain it shares with the mirror'
        @($codex.Refreshes | Where-Object error) | Should -HaveCount 0
        $cli = Get-CodexAuth $c
        Register-TestSecret $cli.tokens.access_token; Register-TestSecret $cli.tokens.refresh_token; Register-TestSecret $cli.tokens.id_token
        $cli.tokens.refresh_token | Should -Not -Be $c.Original.refresh

        $m1 = Get-TestIdpLineCount $script:Idp
        $verbose = Update-MoltbotAuthProfile -ProfileId $script:Mirror -Verbose 4>&1 | ForEach-Object { "$_" }
        Get-Refreshes $m1 | Should -HaveCount 0 -Because 'the mirror took the CLI credential instead of presenting its dead token'
        $mirror = Get-Mirror $c
        $mirror.refresh | Should -Be $cli.tokens.refresh_token
        $mirror.access | Should -Be $cli.tokens.access_token
        ($verbose -join "`n") | Should -BeLike '*Adopted the fresher credential of Codex CLI*'
        Write-Host ("    adopt: Codex CLI refreshed {0} time(s) in {1} ms; the module then sent {2} requests; invalid_grant in total: {3}" -f
            $codex.Refreshes.Count, $codex.Ms, (Get-Refreshes $m1).Count, (Get-InvalidGrants $c.Start).Count)
        Get-InvalidGrants $c.Start | Should -HaveCount 0
    }
}
