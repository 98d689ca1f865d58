# Get-MoltbotExternalCredential and Import-MoltbotExternalCredential against the built module: an external CLI's file
# in its real shape (Codex CLI's ~/.codex/auth.json with JWT access tokens, fake secrets) under a temp HOME, listed,
# imported with OpenClaw's mirror rules (identity, fresher wins, no-op), -WhatIf changing no file, the pipeline, the
# hand-over (-TakeOwnership), and the SQLite-era id openai:codex-cli read back by the real openclaw 2026.9.6; the JSON
# era's profile read back by openclaw 2026.1.30 models status.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:CliVariables = 'CODEX_HOME', 'CLAUDE_CONFIG_DIR', 'QWEN_HOME', 'GEMINI_CLI_HOME'
    $script:SavedEnv = @{ HOME = $env:HOME; CODEX_HOME = $env:CODEX_HOME; CLAUDE_CONFIG_DIR = $env:CLAUDE_CONFIG_DIR; QWEN_HOME = $env:QWEN_HOME; GEMINI_CLI_HOME = $env:GEMINI_CLI_HOME; MOLTBOT_NO_GATEWAY_REFRESH = $env:MOLTBOT_NO_GATEWAY_REFRESH; MOLTBOT_OPENCLAW_CLI = $env:MOLTBOT_OPENCLAW_CLI; MOLTBOT_NODE = $env:MOLTBOT_NODE }

    function ConvertTo-Base64Url([string] $Text) {
        [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Text)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
    }

    function New-CodexAccess([datetime] $ExpiresUtc, [string] $Account = 'acct-pester-1', [string] $Email = 'pester@example.com') {
        # A ChatGPT access token as Codex holds it: a JWT with exp, the account id and the email claims (fake signature).
        $payload = [ordered]@{
            sub = 'user-' + [guid]::NewGuid().ToString('N')
            exp = [DateTimeOffset]::new($ExpiresUtc.ToUniversalTime()).ToUnixTimeSeconds()
            'https://api.openai.com/auth' = [ordered]@{ chatgpt_account_id = $Account; chatgpt_plan_type = 'plus' }
            'https://api.openai.com/profile' = [ordered]@{ email = $Email; email_verified = $true }
        }
        $jwt = (ConvertTo-Base64Url '{"alg":"RS256","typ":"JWT"}') + '.' + (ConvertTo-Base64Url ($payload | ConvertTo-Json -Compress -Depth 5)) + '.c2lnbmF0dXJl'
        Register-TestSecret $jwt
        $jwt
    }

    function New-Refresh([string] $Marker = 'RT') {
        $value = "rt_$Marker" + [guid]::NewGuid().ToString('N') + [guid]::NewGuid().ToString('N')
        Register-TestSecret $value
        $value
    }

    function Write-CodexAuth([string] $Access, [string] $Refresh, [string] $Account = 'acct-pester-1') {
        # Codex CLI's auth.json, with the fields OpenClaw does not read (they must survive a takeover).
        $idToken = (ConvertTo-Base64Url '{"alg":"RS256"}') + '.' + (ConvertTo-Base64Url '{"email":"pester@example.com","sub":"id"}') + '.c2ln'
        Register-TestSecret $idToken
        $doc = [ordered]@{
            OPENAI_API_KEY = $null
            auth_mode = 'chatgpt'
            tokens = [ordered]@{ id_token = $idToken; access_token = $Access; refresh_token = $Refresh; account_id = $Account }
            last_refresh = '2026-12-01T10:00:00.123456Z'
            agent_identity = [ordered]@{ kind = 'cli'; tags = @('a', 'ü') }
        }
        $dir = Join-Path $env:HOME '.codex'
        New-Item -ItemType Directory -Force $dir | Out-Null
        $path = Join-Path $dir 'auth.json'
        [IO.File]::WriteAllText($path, ($doc | ConvertTo-Json -Depth 5))
        [IO.File]::SetUnixFileMode($path, [IO.UnixFileMode] 'UserRead, UserWrite')
        $path
    }

    function Write-LocalProfile([string] $Access, [string] $Refresh, [datetime] $ExpiresUtc, [string] $Account = 'acct-pester-1', [string] $Email = 'pester@example.com') {
        $dir = Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent'
        New-Item -ItemType Directory -Force $dir | Out-Null
        $store = [ordered]@{ version = 1; profiles = [ordered]@{ 'openai-codex:codex-cli' = [ordered]@{
                    type = 'oauth'; provider = 'openai-codex'; access = $Access; refresh = $Refresh
                    expires = [DateTimeOffset]::new($ExpiresUtc.ToUniversalTime()).ToUnixTimeMilliseconds(); accountId = $Account; email = $Email } } }
        $path = Join-Path $dir 'auth-profiles.json'
        [IO.File]::WriteAllText($path, ($store | ConvertTo-Json -Depth 6))
        $path
    }

    function Get-Stored([string] $ProfileId = 'openai-codex:codex-cli') {
        (Get-Content -Raw (Join-Path $env:OPENCLAW_STATE_DIR 'agents/main/agent/auth-profiles.json') | ConvertFrom-Json -AsHashtable).profiles[$ProfileId]
    }

    function Get-AllHashes {
        # Every file under the temp HOME and the state dir, with its hash: "nothing changed" byte for byte.
        Get-TreeSnapshot $env:HOME
        Get-TreeSnapshot $env:OPENCLAW_STATE_DIR
    }

    function Restore-Env {
        foreach ($kv in $script:SavedEnv.GetEnumerator()) {
            if ($null -eq $kv.Value) { Remove-Item "Env:$($kv.Key)" -ErrorAction Ignore } else { Set-Item -Path "Env:$($kv.Key)" -Value $kv.Value }
        }
    }
}

AfterAll {
    Restore-Env
}

Describe 'External CLI credentials (Codex CLI file, JSON-era store)' {
    BeforeEach {
        $script:State = New-TestStateDir
        # HOME is set inside this pwsh only: the CLIs' files are looked for there, never in the real home.
        $env:HOME = Join-Path $TestDrive ('home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        # The CLIs' own folder variables would point elsewhere: every CLI looks in the temp home.
        foreach ($v in $script:CliVariables + 'MOLTBOT_OPENCLAW_CLI') { Remove-Item "Env:$v" -ErrorAction Ignore }
        $script:Access = New-CodexAccess ([datetime]::UtcNow.AddDays(5))
        $script:Refresh = New-Refresh 'CLI'
    }

    AfterEach {
        Restore-Env
    }

    It 'lists what the Codex CLI holds, with account, expiry, mirror id and no token in any view' {
        $path = Write-CodexAuth $script:Access $script:Refresh
        $c = @(Get-MoltbotExternalCredential)
        $c | Should -HaveCount 1
        $c[0].Cli | Should -Be 'codex'
        $c[0].DisplayName | Should -Be 'Codex CLI'
        $c[0].Provider | Should -Be 'openai-codex'
        $c[0].ProfileId | Should -Be 'openai-codex:codex-cli'
        $c[0].Type | Should -Be 'oauth'
        $c[0].AccountId | Should -Be 'acct-pester-1'
        $c[0].Email | Should -Be 'pester@example.com'
        $c[0].Status | Should -Be 'Ok'
        $c[0].HasRefreshToken | Should -BeTrue
        $c[0].Source | Should -Be 'File'
        $c[0].Path | Should -Be $path
        $c[0].SharedWith | Should -BeNullOrEmpty
        $c[0].Expires | Should -BeGreaterThan ([datetime]::Now.AddDays(4))
        $c[0].LastModified | Should -Not -BeNullOrEmpty
        $text = ($c | Format-Table | Out-String) + ($c | Format-List | Out-String) + ($c | Format-List * | Out-String)
        $text | Should -Match 'codex'
        $text.Contains($script:Refresh) | Should -BeFalse
        $text.Contains($script:Access) | Should -BeFalse
        # By alias, too.
        (Get-MoltbotExternalCredential -Cli openai-codex).Cli | Should -Be 'codex'
    }

    It 'reports a named CLI without a file, an unknown name and an unreadable file as typed, non-terminating errors' {
        $errs = $null
        $out = @(Get-MoltbotExternalCredential -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty -Because 'an unnamed CLI without a file is simply not listed'

        Get-MoltbotExternalCredential codex, nope -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        ($errs.FullyQualifiedErrorId | Sort-Object) | Should -Be @('MoltbotExternalCliNotFound,Moltbot.Commands.GetMoltbotExternalCredentialCommand', 'MoltbotExternalCredentialNotFound,Moltbot.Commands.GetMoltbotExternalCredentialCommand')
        ($errs | ForEach-Object { $_.CategoryInfo.Category } | Sort-Object -Unique) | Should -Be 'ObjectNotFound'

        $dir = Join-Path $env:HOME '.codex'
        New-Item -ItemType Directory -Force $dir | Out-Null
        Set-Content (Join-Path $dir 'auth.json') '{ "tokens": '
        Get-MoltbotExternalCredential -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'MoltbotExternalCredentialInvalid,Moltbot.Commands.GetMoltbotExternalCredentialCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'imports a missing profile as openai-codex:codex-cli, recorded in openclaw.json, and shows the shared chain' {
        Write-CodexAuth $script:Access $script:Refresh | Out-Null
        $r = Import-MoltbotExternalCredential -Cli codex
        $r.Action | Should -Be 'Imported'
        $r.ProfileId | Should -Be 'openai-codex:codex-cli'
        $r.Agent | Should -Be 'main'
        $stored = Get-Stored
        $stored.type | Should -Be 'oauth'
        $stored.access | Should -Be $script:Access
        $stored.refresh | Should -Be $script:Refresh
        $stored.accountId | Should -Be 'acct-pester-1'
        $stored.email | Should -Be 'pester@example.com'
        $config = Get-Content -Raw (Join-Path $script:State 'openclaw.json') | ConvertFrom-Json -AsHashtable
        $config.auth.profiles['openai-codex:codex-cli'].provider | Should -Be 'openai-codex'
        $config.auth.profiles['openai-codex:codex-cli'].mode | Should -Be 'oauth'
        Get-UnixMode (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -Be '600'

        $shared = (Get-MoltbotExternalCredential codex).SharedWith
        $shared | Should -HaveCount 1
        $shared[0].Kind | Should -Be 'Agent'
        $shared[0].Name | Should -Be 'main'
        $shared[0].ProfileId | Should -Be 'openai-codex:codex-cli'
        "$($shared[0])" | Should -Be "agent 'main' (openai-codex:codex-cli)"
        (Get-MoltbotAuthProfile -ProfileId openai-codex:codex-cli).Status | Should -Be 'Ok'
    }

    It 'refuses another account with MoltbotExternalIdentityMismatch (also with -Force), writes nothing, and the pipeline goes on' {
        Write-CodexAuth (New-CodexAccess ([datetime]::UtcNow.AddDays(5)) 'acct-pester-OTHER' 'other@example.com') $script:Refresh 'acct-pester-OTHER' | Out-Null
        $store = Write-LocalProfile (New-CodexAccess ([datetime]::UtcNow.AddHours(1))) (New-Refresh 'LOCAL') ([datetime]::UtcNow.AddHours(1))
        $before = Get-AllHashes
        foreach ($force in $false, $true) {
            $errs = $null
            $out = @(Import-MoltbotExternalCredential -Cli codex -Force:$force -ErrorVariable errs -ErrorAction SilentlyContinue; 'after')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'MoltbotExternalIdentityMismatch,Moltbot.Commands.ImportMoltbotExternalCredentialCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            $errs[0].ErrorDetails.RecommendedAction | Should -Match '-ProfileId'
            $out[0].Action | Should -Be 'Refused'
            $out[-1] | Should -Be 'after'
        }
        Get-AllHashes | Should -Be $before
        # Beside it under another id, it is imported.
        (Import-MoltbotExternalCredential -Cli codex -ProfileId other).ProfileId | Should -Be 'openai-codex:other'
        (Get-Stored 'openai-codex:other').accountId | Should -Be 'acct-pester-OTHER'
        (Get-Stored).refresh | Should -Not -Be $script:Refresh
    }

    It 'updates a strictly older local copy and keeps a fresher one (byte for byte)' {
        Write-CodexAuth $script:Access $script:Refresh | Out-Null
        Write-LocalProfile (New-CodexAccess ([datetime]::UtcNow.AddHours(-2))) (New-Refresh 'OLD') ([datetime]::UtcNow.AddHours(-2)) | Out-Null
        $r = Import-MoltbotExternalCredential codex
        $r.Action | Should -Be 'Updated'
        $r.Reason | Should -Match 'fresher.*\(expired\)'
        (Get-Stored).refresh | Should -Be $script:Refresh

        $freshRefresh = New-Refresh 'FRESH'
        $store = Write-LocalProfile (New-CodexAccess ([datetime]::UtcNow.AddDays(20))) $freshRefresh ([datetime]::UtcNow.AddDays(20))
        $before = Get-AllHashes
        $kept = Import-MoltbotExternalCredential codex
        $kept.Action | Should -Be 'KeptLocal'
        $kept.Reason | Should -Match '^local is fresher'
        Get-AllHashes | Should -Be $before
        (Get-Stored).refresh | Should -Be $freshRefresh
    }

    It 'is a no-op on an equal credential: every file stays byte for byte' {
        Write-CodexAuth $script:Access $script:Refresh | Out-Null
        (Import-MoltbotExternalCredential codex).Action | Should -Be 'Imported'
        $before = Get-AllHashes
        $r = Import-MoltbotExternalCredential codex -Verbose 4>&1
        ($r | Where-Object { $_ -is [Moltbot.Models.MoltbotExternalImport] }).Action | Should -Be 'Unchanged'
        Get-AllHashes | Should -Be $before
        Write-Host "    files compared: $(@($before).Count)"
    }

    It '-WhatIf prints one What-if line per entry naming the decision and leaves every file byte for byte' {
        $cliFile = Write-CodexAuth $script:Access $script:Refresh
        $before = Get-AllHashes
        $home_ = $env:HOME
        $env:HOME = $script:SavedEnv.HOME # the child pwsh starts with the real HOME, then moves to the temp one itself
        try {
            $script = {
                param($ModulePath, $State, $TempHome)
                $env:OPENCLAW_STATE_DIR = $State
                $env:HOME = $TempHome
                Import-Module $ModulePath
                Import-MoltbotExternalCredential -Cli codex -WhatIf
                Import-MoltbotExternalCredential -Cli codex -TakeOwnership -WhatIf
                Get-MoltbotExternalCredential | Import-MoltbotExternalCredential -WhatIf
            }
            $output = & $script:Pwsh -NoProfile -NonInteractive -Command $script -args $script:ModulePath, $script:State, $home_ 2>&1
        }
        finally { $env:HOME = $home_ }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $text = $output -join "`n"
        Add-TestTapRecord 'child pwsh (Import -WhatIf)' $text
        $lines = @($output | Where-Object { "$_" -match '^What if:' })
        $lines | Should -HaveCount 3
        $lines[0] | Should -Match "Import the Codex CLI credential as new profile 'openai-codex:codex-cli' \(the agent has no such profile\)"
        $lines[1] | Should -Match "take the refresh token away from Codex CLI .*'codex login'"
        $lines[2] | Should -Match 'Import the Codex CLI credential'
        $text.Contains($script:Refresh) | Should -BeFalse
        Get-AllHashes | Should -Be $before
        Test-Path (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -BeFalse

        # With a profile in place (an equal one: the no-op entry gets its line too), still nothing changes.
        (Import-MoltbotExternalCredential codex).Action | Should -Be 'Imported'
        $before = Get-AllHashes
        Import-MoltbotExternalCredential codex -TakeOwnership -WhatIf | Should -BeNullOrEmpty
        Get-AllHashes | Should -Be $before
        (Get-Content -Raw $cliFile | ConvertFrom-Json).tokens.refresh_token | Should -Be $script:Refresh
    }

    It 'imports through the pipeline: Get-MoltbotExternalCredential | Import-MoltbotExternalCredential' {
        Write-CodexAuth $script:Access $script:Refresh | Out-Null
        $r = @(Get-MoltbotExternalCredential | Import-MoltbotExternalCredential)
        $r | Should -HaveCount 1
        $r[0].Cli | Should -Be 'codex'
        $r[0].Action | Should -Be 'Imported'
        (Get-Stored).refresh | Should -Be $script:Refresh
    }

    It '-TakeOwnership imports, empties only the CLI''s refresh token (0600, foreign fields kept) and warns that the CLI must sign in' {
        $cliFile = Write-CodexAuth $script:Access $script:Refresh
        [IO.File]::SetUnixFileMode($cliFile, [IO.UnixFileMode] 'UserRead, UserWrite, GroupRead, OtherRead')
        $original = Get-Content -Raw $cliFile | ConvertFrom-Json -AsHashtable
        $warnings = $null
        $r = Import-MoltbotExternalCredential -Cli codex -TakeOwnership -WarningVariable warnings -WarningAction SilentlyContinue
        $r.Action | Should -Be 'TookOwnership'
        $r.SignInCommand | Should -Be 'codex login'
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match "run 'codex login'"
        (Get-Stored).refresh | Should -Be $script:Refresh

        $after = Get-Content -Raw $cliFile | ConvertFrom-Json -AsHashtable
        $after.tokens.refresh_token | Should -Be ''
        $after.tokens.access_token | Should -Be $script:Access
        $after.tokens.id_token | Should -Be $original.tokens.id_token
        $after.tokens.account_id | Should -Be 'acct-pester-1'
        $after.auth_mode | Should -Be 'chatgpt'
        $after.last_refresh | Should -Be $original.last_refresh
        $after.agent_identity.tags | Should -Be @('a', 'ü')
        $after.ContainsKey('OPENAI_API_KEY') | Should -BeTrue
        Get-UnixMode $cliFile | Should -Be '600'

        $c = Get-MoltbotExternalCredential codex
        $c.HasRefreshToken | Should -BeFalse
        $c.Status | Should -Be 'NoRefreshToken'
        $c.SharedWith | Should -BeNullOrEmpty
        # Once more: nothing left to take; the profile (with the refresh token) is kept.
        $again = Import-MoltbotExternalCredential -Cli codex -TakeOwnership -WarningVariable warnings -WarningAction SilentlyContinue
        $again.Action | Should -Be 'KeptLocal'
        $again.Reason | Should -Match 'nothing to take over'
        $warnings | Should -BeNullOrEmpty
    }

    It '-TakeOwnership of Qwen Code takes over its abandoned oauth_creds.lock (mtime over 10 s), keeps token_type and removes the lock' {
        $dir = Join-Path $env:HOME '.qwen'
        New-Item -ItemType Directory -Force $dir | Out-Null
        $access = 'qwen-access-PESTER' + [guid]::NewGuid().ToString('N')
        Register-TestSecret $access
        $file = Join-Path $dir 'oauth_creds.json'
        [IO.File]::WriteAllText($file, ([ordered]@{ access_token = $access; token_type = 'Bearer'; refresh_token = $script:Refresh
                    resource_url = 'portal.qwen.ai'; expiry_date = [DateTimeOffset]::UtcNow.AddHours(5).ToUnixTimeMilliseconds() } | ConvertTo-Json))
        $lock = Join-Path $dir 'oauth_creds.lock'
        Set-Content $lock ([guid]::NewGuid().ToString()) -NoNewline # Qwen Code's lock: a UUID
        (Get-Item $lock).LastWriteTimeUtc = [datetime]::UtcNow.AddSeconds(-11)

        $r = Import-MoltbotExternalCredential -Cli qwen -TakeOwnership -WarningAction SilentlyContinue
        $r.Action | Should -Be 'TookOwnership'
        $r.ProfileId | Should -Be 'qwen-portal:qwen-cli'
        $after = Get-Content -Raw $file | ConvertFrom-Json -AsHashtable
        $after.refresh_token | Should -Be ''
        $after.access_token | Should -Be $access
        $after.token_type | Should -Be 'Bearer'
        $after.resource_url | Should -Be 'portal.qwen.ai'
        Test-Path $lock | Should -BeFalse
        (Get-Stored 'qwen-portal:qwen-cli').refresh | Should -Be $script:Refresh
    }

    It 'refuses an API key with MoltbotExternalCredentialNotImportable and points at Set-MoltbotApiKey' {
        $key = 'sk-proj-PESTER' + [guid]::NewGuid().ToString('N')
        Register-TestSecret $key
        New-Item -ItemType Directory -Force (Join-Path $env:HOME '.codex') | Out-Null
        [IO.File]::WriteAllText((Join-Path $env:HOME '.codex/auth.json'), (@{ OPENAI_API_KEY = $key } | ConvertTo-Json))
        (Get-MoltbotExternalCredential codex).Status | Should -Be 'Static'
        $errs = $null
        Import-MoltbotExternalCredential codex -ErrorVariable errs -ErrorAction SilentlyContinue | ForEach-Object Action | Should -Be 'Refused'
        $errs[0].FullyQualifiedErrorId | Should -Be 'MoltbotExternalCredentialNotImportable,Moltbot.Commands.ImportMoltbotExternalCredentialCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].ErrorDetails.RecommendedAction | Should -Match 'Set-MoltbotApiKey'
        Test-Path (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -BeFalse
    }

    It 'stores a profile that openclaw 2026.1.30 models status --json reports as an ok oauth profile' -Tag 'Compat' {
        Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force
        Write-CodexAuth $script:Access $script:Refresh | Out-Null
        (Import-MoltbotExternalCredential codex).Action | Should -Be 'Imported'
        $status = Invoke-OpenClaw -StateDir $script:State -ArgumentList @('models', 'status', '--json')
        $status.ExitCode | Should -Be 0 -Because $status.StdErr
        $json = $status.StdOut.Substring($status.StdOut.IndexOf('{')) | ConvertFrom-Json -Depth 20
        $theirs = $json.auth.oauth.profiles | Where-Object profileId -eq 'openai-codex:codex-cli'
        $theirs | Should -HaveCount 1
        $theirs.type | Should -Be 'oauth'
        $theirs.status | Should -Be 'ok'
        $theirs.provider | Should -Be 'openai-codex'
        Write-Host "    openclaw 2026.1.30 models status: $([int] $status.Duration.TotalMilliseconds) ms"
    }
}

Describe 'External CLI credentials in a SQLite-era state (openclaw 2026.9.6)' -Tag 'Compat', 'Sqlite' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force
        $script:State = New-TestStateDir 'sqlite-external'
        $script:PeerHome = Join-Path $TestDrive 'peer-home-external'
        New-Item -ItemType Directory -Force $script:PeerHome | Out-Null
        $env:MOLTBOT_OPENCLAW_CLI = Get-OpenClawEntryPath -Version '2026.9.6'
        $env:MOLTBOT_NODE = Get-PeerNodePath
        $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'
        $env:HOME = Join-Path $TestDrive 'home-sqlite-external'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        foreach ($v in $script:CliVariables) { Remove-Item "Env:$v" -ErrorAction Ignore }
        # openclaw 2026.9.6 makes the state dir (its databases) with a first credential.
        $key = 'sk-FAKE-openrouter-external-0001'
        Register-TestSecret $key
        $r = Invoke-OpenClaw -Version '2026.9.6' -StateDir $script:State -HomeDir $script:PeerHome -ArgumentList @('models', 'auth', 'paste-api-key', '--provider', 'openrouter') -InputText "$key`n" -TimeoutSeconds 300
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $script:Access = New-CodexAccess ([datetime]::UtcNow.AddDays(5))
        $script:Refresh = New-Refresh 'SQL'
        Write-CodexAuth $script:Access $script:Refresh | Out-Null
    }

    AfterAll {
        Restore-Env
    }

    It 'imports the Codex CLI credential as openai:codex-cli, which openclaw 2026.9.6 lists as oauth' {
        (Get-MoltbotState).UsesSqlite | Should -BeTrue
        (Get-MoltbotExternalCredential codex).ProfileId | Should -Be 'openai:codex-cli'
        $r = Import-MoltbotExternalCredential codex
        $r.Action | Should -Be 'Imported'
        $r.ProfileId | Should -Be 'openai:codex-cli'
        $r.Provider | Should -Be 'openai'
        $p = Get-MoltbotAuthProfile -ProfileId openai:codex-cli
        $p.Type | Should -Be 'oauth'
        $p.Provider | Should -Be 'openai'
        @(Get-ChildItem -Recurse -Force -File $script:State -Filter 'auth-*.json*') | Should -BeNullOrEmpty

        $list = Invoke-OpenClaw -Version '2026.9.6' -StateDir $script:State -HomeDir $script:PeerHome -ArgumentList @('models', 'auth', 'list', '--json', '--agent', 'main') -TimeoutSeconds 300
        $list.ExitCode | Should -Be 0 -Because $list.StdErr
        $theirs = @($list.Json.profiles | Where-Object id -eq 'openai:codex-cli')
        $theirs | Should -HaveCount 1
        $theirs[0].type | Should -Be 'oauth'
        Write-Host "    openclaw 2026.9.6 models auth list: $([int] $list.Duration.TotalMilliseconds) ms; ids: $(@($list.Json.profiles.id) -join ', ')"

        # Equal again: a no-op.
        (Import-MoltbotExternalCredential codex).Action | Should -Be 'Unchanged'
    }
}
