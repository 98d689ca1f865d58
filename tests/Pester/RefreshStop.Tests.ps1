# Issue 12, finding 2: Ctrl+C during a refresh must not throw the rotated refresh token away.
# The test identity provider (oidc-provider: rotation, and reuse detection that revokes the whole grant) sits behind
# tests/peers/idp/hold-proxy.mjs, which forwards each token request at once (the IdP rotates the token) and holds the
# answer for a few seconds. The command is stopped while the answer is held: in-process with PowerShell.Stop(), and in a
# real pwsh child with SIGINT (pwsh's Ctrl+C handler turns it into a pipeline stop). The module must wait for the answer,
# store it, then report the stop; the next refresh must then present the new refresh token, never the old one.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Node = Get-PeerNode
    $script:Idp = Start-TestIdp -AccessTtl 2 -Log (Join-Path $TestDrive 'idp-audit.jsonl')
    $script:HoldMs = 4000

    function Read-ProxyLine([int] $TimeoutMs) {
        if (-not $script:Proxy.Pending) { $script:Proxy.Pending = $script:Proxy.Process.StandardOutput.ReadLineAsync() }
        if (-not $script:Proxy.Pending.Wait($TimeoutMs)) { throw "The hold proxy printed nothing within $TimeoutMs ms." }
        $line = $script:Proxy.Pending.Result
        $script:Proxy.Pending = $null
        if ($null -eq $line) { throw 'The hold proxy ended.' }
        $line | ConvertFrom-Json
    }

    function Wait-ProxyEvent([string[]] $Name, [int] $TimeoutMs = 60000) {
        $deadline = [DateTime]::UtcNow.AddMilliseconds($TimeoutMs)
        while ($true) {
            $left = [int][Math]::Max(1, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            $e = Read-ProxyLine -TimeoutMs $left
            if ($e.event -in $Name) { return $e }
        }
    }

    $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Node)
    foreach ($a in (Join-Path $PSScriptRoot '../peers/idp/hold-proxy.mjs'), '--target', $script:Idp.Ready.issuer, '--hold-ms', "$script:HoldMs", '--parent-pid', "$PID") { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.BeginErrorReadLine()
    $script:Proxy = [pscustomobject]@{ Process = $process; Pending = $null; Url = $null }
    $script:Proxy.Url = (Read-ProxyLine -TimeoutMs 30000).url

    function New-LoggedInState {
        <# A fresh state dir (and HOME for children) with a profile signed in directly at the IdP; its access token lives 2 s. #>
        Set-TestIdpMode $script:Idp @{ accessTtl = 2; tokenDelayMs = 0; failNext = @() }
        $state = New-TestStateDir
        $script:ChildHome = Join-Path $TestDrive ('home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Force $script:ChildHome | Out-Null
        Connect-TestProfile -Idp $script:Idp | Out-Null
        Set-TestIdpMode $script:Idp @{ accessTtl = 600 }
        $script:AuditStart = Get-TestIdpLineCount $script:Idp
        $store = Join-Path $state 'agents/main/agent/auth-profiles.json'
        [pscustomobject]@{ State = $state; Store = $store; OldRefresh = (Get-Entry $store).refresh }
    }

    function Get-Entry([string] $Path) { (Get-Content -Raw $Path | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default'] }

    function Get-RefreshGrants { @(Get-TestIdpEvents $script:Idp -Skip $script:AuditStart | Where-Object { $_.event -eq 'token' -and $_.grant_type -eq 'refresh_token' }) }

    function Assert-RotatedTokenKept([object] $S, [string] $Label, [double] $StopMs) {
        # The answer was delivered (the client waited for it), and the store holds what the IdP issued.
        $fate = Wait-ProxyEvent -Name 'delivered', 'client-gone' -TimeoutMs 30000
        $first = @(Get-RefreshGrants)
        $first | Should -HaveCount 1
        $first[0].status | Should -Be 200
        $entry = Get-Entry $S.Store
        $entry.refresh | Should -Not -Be $S.OldRefresh -Because 'the IdP rotated the token the store held'
        Get-TokenFingerprint $entry.refresh | Should -Be $first[0].issued_refresh_token_fp
        $fate.event | Should -Be 'delivered' -Because 'the module must wait for the answer of a request the IdP has processed'

        # The next refresh (directly at the IdP) presents the rotated token and succeeds; the grant is intact.
        $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = $script:Idp.Ready.issuer
        Update-MoltbotAuthProfile -ProfileId 'openai-codex:default' -ErrorAction Stop
        $grants = @(Get-RefreshGrants)
        $grants | Should -HaveCount 2
        $grants[1].status | Should -Be 200
        $grants[1].presented_refresh_token_fp | Should -Be $first[0].issued_refresh_token_fp
        @($grants | Where-Object grant_revoked) | Should -HaveCount 0
        $twice = @($grants | Group-Object presented_refresh_token_fp | Where-Object Count -gt 1).Count
        $twice | Should -Be 0
        Write-Host ("{0}: stop to return {1:0} ms (answer held {2} ms after the IdP rotated; limit 20 s); refresh requests {3}; tokens presented twice {4}; grant revoked 0" -f
            $Label, $StopMs, $script:HoldMs, $grants.Count, $twice)
    }
}

AfterAll {
    if ($script:Proxy -and $script:Proxy.Process) {
        if (-not $script:Proxy.Process.HasExited) { $script:Proxy.Process.Kill(); $script:Proxy.Process.WaitForExit(5000) | Out-Null }
        $script:Proxy.Process.Dispose()
    }
    Stop-TestIdp $script:Idp
    Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER, Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Ctrl+C during a refresh keeps the rotated token (issue 12, finding 2)' -Tag 'Refresh' {
    It 'Update-MoltbotAuthProfile stopped in-process with PowerShell.Stop() while the answer is held stores it, then reports the stop' {
        $s = New-LoggedInState
        $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = $script:Proxy.Url
        $ps = [powershell]::Create()
        try {
            [void]$ps.AddScript("Import-Module '$($script:ModulePath)'; Update-MoltbotAuthProfile -ProfileId 'openai-codex:default'")
            $async = $ps.BeginInvoke()
            Wait-ProxyEvent -Name 'answered' | Out-Null # the IdP has rotated the token; its answer is held
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $stopMs = $sw.Elapsed.TotalMilliseconds
            $reported = $null
            try { $ps.EndInvoke($async) } catch { $reported = $_.Exception }
            if ($reported -is [System.Management.Automation.MethodInvocationException]) { $reported = $reported.InnerException }
            $reported | Should -BeOfType ([System.Management.Automation.PipelineStoppedException])
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $stopMs | Should -BeLessThan 20000
        }
        finally {
            $ps.Dispose()
        }
        Assert-RotatedTokenKept $s 'PowerShell.Stop() during Update-MoltbotAuthProfile' $stopMs
    }

    It 'Get-MoltbotAccessToken (auto-refresh) in a pwsh child stopped with SIGINT while the answer is held stores it, then reports the stop' {
        $s = New-LoggedInState
        Start-Sleep -Milliseconds 2100 # the 2 s access token has expired: the next Get-MoltbotAccessToken refreshes
        $psi = [System.Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
        $script = "Import-Module '$($script:ModulePath)'; `$t = Get-MoltbotAccessToken -Provider openai-codex; 'RETURNED'"
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['HOME'] = $script:ChildHome
        $psi.Environment['OPENCLAW_STATE_DIR'] = $s.State
        $psi.Environment['MOLTBOT_OPENAI_CODEX_AUTHORITY'] = $script:Proxy.Url
        # Started by .NET, the child has the default SIGINT disposition (a background job of a non-interactive shell
        # would inherit SIGINT ignored, and then pwsh never sees it).
        $child = [System.Diagnostics.Process]::Start($psi)
        try {
            $stdout = $child.StandardOutput.ReadToEndAsync()
            $stderr = $child.StandardError.ReadToEndAsync()
            Wait-ProxyEvent -Name 'answered' | Out-Null
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            /bin/kill -INT $child.Id
            $child.WaitForExit(60000) | Should -BeTrue
            $stopMs = $sw.Elapsed.TotalMilliseconds
            $out = $stdout.Result
            $out | Should -Not -Match 'RETURNED' -Because 'the pipeline was stopped, not completed'
            $child.ExitCode | Should -Not -Be 0
            $stderr.Result | Should -Not -Match 'Exception|Moltbot[A-Z]' -Because 'a stop is not an error'
            $stopMs | Should -BeLessThan 20000
        }
        finally {
            if (-not $child.HasExited) { $child.Kill() }
            $child.Dispose()
        }
        Assert-RotatedTokenKept $s 'SIGINT to pwsh during Get-MoltbotAccessToken' $stopMs
    }
}
