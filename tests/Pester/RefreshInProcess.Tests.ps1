# Issue 16, "one process, many runspaces": 64 runspaces of one real pwsh (ForEach-Object -Parallel -ThrottleLimit 64)
# ask for the same expired profile against the loopback test identity provider (tests/peers/idp, refresh token rotation
# with reuse detection). The in-process gate lets one of them refresh; the others are given its credential without
# taking the refresh file lock.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/lock/Storm.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Idp = Start-TestIdp -AccessTtl 2 -Log (Join-Path $TestDrive 'idp-audit.jsonl')
}

AfterAll {
    Stop-TestIdp $script:Idp
    Remove-Item Env:MOLTBOT_OPENAI_CODEX_AUTHORITY, Env:MOLTBOT_OPENAI_CODEX_REDIRECT_URI, Env:BROWSER, Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'A refresh storm inside one process' -Tag 'Refresh' {
    It '64 runspaces asking for the same expired profile cause exactly one refresh grant, get one token, and at most one takes the refresh lock' {
        Set-TestIdpMode $script:Idp @{ accessTtl = 2; tokenDelayMs = 0; failNext = @() }
        $state = New-TestStateDir
        Connect-TestProfile -Idp $script:Idp | Out-Null
        $store = Join-Path $state 'agents/main/agent/auth-profiles.json'
        Set-TestIdpMode $script:Idp @{ accessTtl = 600 }
        $auditStart = Get-TestIdpLineCount $script:Idp
        $old = (Get-Content -Raw $store | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default']
        Start-Sleep -Milliseconds 2100 # the 2 s access token is now really expired (and the storm starts after a warm-up)

        $storm = Invoke-InProcessRefreshStorm -WorkDir (Join-Path $TestDrive 'in-process') -Count 64 -ModulePath $script:ModulePath -TimeoutSec 600
        $reports = $storm.Reports

        $reports | Should -HaveCount 64
        @($reports | Where-Object { -not $_.ok } | ForEach-Object { "$($_.index): $($_.errorId) $($_.message)" }) | Should -BeNullOrEmpty
        $grants = @(Get-TestIdpEvents $script:Idp -Skip $auditStart | Where-Object { $_.event -eq 'token' -and $_.grant_type -eq 'refresh_token' })
        $grants | Should -HaveCount 1
        @($grants | Where-Object { $_.PSObject.Properties['error'] -and $_.error }) | Should -BeNullOrEmpty
        @($reports | ForEach-Object fingerprint | Sort-Object -Unique) | Should -HaveCount 1
        @($reports | Where-Object refreshed) | Should -HaveCount 1
        # The point of the gate: the others did not take the file lock in turn.
        @($reports | Where-Object tookRefreshLock).Count | Should -BeLessOrEqual 1
        @($reports | Where-Object { -not $_.tookRefreshLock -and -not $_.refreshed }).Count | Should -Be 63

        $new = (Get-Content -Raw $store | ConvertFrom-Json -AsHashtable).profiles['openai-codex:default']
        $new.refresh | Should -Not -Be $old.refresh
        $reports[0].fingerprint | Should -Be (Get-TokenFingerprint $new.access)
        Test-Path "$store.lock" | Should -BeFalse
    }
}
