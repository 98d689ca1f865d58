# A running openclaw 2026.9.6 gateway on a loopback port: a profile the module writes is in the gateway's
# models.authStatus right after the command returns (the module asks the gateway to reload through the installed
# CLI: models.authRefresh); -NoGatewayRefresh skips that request.
# The peer is installed by tests/peers/Install-Peers.ps1 (build.ps1 Test runs it first).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force

    function Get-GatewayProfileIds([object] $Gateway) {
        $status = Invoke-OpenClawGatewayCall -Gateway $Gateway -Method models.authStatus -Params @{}
        @($status.providers | ForEach-Object { $_.profiles } | ForEach-Object { $_.profileId })
    }
}

Describe 'A running openclaw 2026.9.6 gateway sees what Moltbot writes' -Tag 'Compat', 'Sqlite', 'Gateway' {
    BeforeAll {
        $script:State = New-TestStateDir 'gateway-9.6'
        $script:PeerHome = Join-Path $TestDrive 'gateway-home'
        New-Item -ItemType Directory -Force $script:PeerHome | Out-Null
        $script:Saved = @{ MOLTBOT_OPENCLAW_CLI = $env:MOLTBOT_OPENCLAW_CLI; MOLTBOT_NODE = $env:MOLTBOT_NODE; MOLTBOT_NO_GATEWAY_REFRESH = $env:MOLTBOT_NO_GATEWAY_REFRESH; OPENCLAW_GATEWAY_PORT = $env:OPENCLAW_GATEWAY_PORT; HOME = $env:HOME }
        $env:MOLTBOT_OPENCLAW_CLI = Get-OpenClawEntryPath -Version '2026.9.6'
        $env:MOLTBOT_NODE = Get-PeerNodePath
        Remove-Item Env:MOLTBOT_NO_GATEWAY_REFRESH, Env:OPENCLAW_GATEWAY_PORT -ErrorAction Ignore
        # The CLI the module runs gets a temp home of its own (never the real one; the peer harness refuses to share it).
        $env:HOME = Join-Path $TestDrive 'module-home'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null

        $token = New-TestSetupToken 'GWMAIN'
        $r = Invoke-OpenClaw -Version '2026.9.6' -StateDir $script:State -HomeDir $script:PeerHome -ArgumentList 'models', 'auth', 'paste-token', '--provider', 'anthropic' -InputText "$token`n" -TimeoutSeconds 300
        $r.ExitCode | Should -Be 0 -Because "paste-token must succeed (stderr: $($r.StdErr))"
        $script:Gateway = Start-OpenClawGateway -Version '2026.9.6' -StateDir $script:State -HomeDir $script:PeerHome -TimeoutSeconds 400
        Write-Host "gateway 2026.9.6 ready on 127.0.0.1:$($script:Gateway.Port) after $($script:Gateway.ReadySeconds) s ($($script:Gateway.Attempts) start(s))"
    }

    AfterAll {
        if ($script:Gateway) { Stop-OpenClawGateway $script:Gateway }
        foreach ($kv in $script:Saved.GetEnumerator()) { if ($null -eq $kv.Value) { Remove-Item "Env:$($kv.Key)" -ErrorAction Ignore } else { Set-Item "Env:$($kv.Key)" $kv.Value } }
    }

    It 'Get-MoltbotState finds the gateway listening on its port' {
        $s = Get-MoltbotState
        $s.GatewayListening | Should -BeTrue
        $s.GatewayPort | Should -Be $script:Gateway.Port
        $s.Era | Should -Be 'SqliteD2'
    }

    It 'a profile Moltbot writes is in models.authStatus right after the command returns' {
        # A write with -NoGatewayRefresh asks nothing of the gateway; the next refresh reloads the whole store.
        $quiet = Set-MoltbotApiKey -Provider openrouter -ProfileId 'openrouter:quiet' -ApiKey (ConvertTo-TestSecret 'sk-or-v1-FAKE-QUIET-0001') -NoGatewayRefresh -Verbose 4>&1
        ($quiet | Out-String) | Should -Match 'NoGatewayRefresh'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $verbose = Set-MoltbotApiKey -Provider openai -ProfileId 'openai:moltbot' -ApiKey (ConvertTo-TestSecret 'sk-FAKE-GATEWAY-0001') -Verbose 4>&1 -WarningVariable warnings
        $watch.Stop()
        $warnings | Should -BeNullOrEmpty
        ($verbose | Out-String) | Should -Match 'Gateway: Refreshed'
        Write-Host ("Set-MoltbotApiKey with the gateway refresh took {0:N1} s" -f $watch.Elapsed.TotalSeconds)
        $ids = Get-GatewayProfileIds $script:Gateway
        $ids | Should -Contain 'openai:moltbot'
        $ids | Should -Contain 'openrouter:quiet' -Because 'the refresh reloads the whole store'
        $ids | Should -Contain 'anthropic:manual'
    }

    It 'a removal is gone from models.authStatus right after the command returns' {
        Remove-MoltbotAuthProfile -ProfileId 'openrouter:quiet' -Confirm:$false
        Get-GatewayProfileIds $script:Gateway | Should -Not -Contain 'openrouter:quiet'
    }
}
