# Issue 15, point 13 in the SQLite era: Remove-MoltbotAgent on a state dir that the real openclaw 2026.9.6 made,
# delegated to that CLI's own `openclaw agents delete <id> --force --json`, from the user's side. The peers live in
# tests/peers/openclaw-<version> (Install-Peers.ps1). No gateway runs; the CLI's gateway port points at a free one.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force

    $script:ModulePath = Get-BuiltModulePath
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Invoke-Peer([string[]] $ArgumentList, [string] $InputText) {
        # Never echo openclaw's output into the log (it prints parts of secrets); exit code and stderr suffice.
        $r = Invoke-OpenClaw -Version '2026.9.6' -StateDir $script:State -HomeDir $script:PeerHome -ArgumentList $ArgumentList -InputText $InputText -TimeoutSeconds 300
        $r.ExitCode | Should -Be 0 -Because "openclaw $($ArgumentList[0..3] -join ' ') must succeed (stderr: $($r.StdErr))"
        $r
    }

    function Invoke-UserLine([string] $Line) {
        <# One command line in a child pwsh on this state dir; returns what its host showed ("What if" lines go to the host). #>
        $script = "Import-Module '$($script:ModulePath)'; `$ErrorActionPreference = 'Continue'; $Line"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($psi)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $text = $stdout + "`n" + $stderr.Result
        Add-TestTapRecord "ShellRemoveSqlite child pwsh: $Line" $text
        $text
    }

    function Read-Json([string] $Path) { Get-Content -Raw $Path | ConvertFrom-Json -AsHashtable }
}

Describe 'Remove-MoltbotAgent in a SQLite-era state dir, through openclaw 2026.9.6 (point 13)' -Tag 'Compat', 'Sqlite' {
    BeforeAll {
        $script:State = New-TestStateDir 'sqlite-remove'
        $script:Config = Join-Path $script:State 'openclaw.json'
        $script:PeerHome = Join-Path $TestDrive 'peer-home'
        New-Item -ItemType Directory -Force $script:PeerHome | Out-Null
        $script:SavedEnv = @{}
        foreach ($name in 'MOLTBOT_OPENCLAW_CLI', 'MOLTBOT_NODE', 'MOLTBOT_NO_GATEWAY_REFRESH', 'HOME', 'OPENCLAW_GATEWAY_PORT') {
            $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        }
        $script:Cli96 = Get-OpenClawEntryPath -Version '2026.9.6'
        $env:MOLTBOT_OPENCLAW_CLI = $script:Cli96
        $env:MOLTBOT_NODE = Get-PeerNodePath
        $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'
        # `agents delete` asks a gateway first: never one of another suite's.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        try { $listener.Start(); $env:OPENCLAW_GATEWAY_PORT = [string]([Net.IPEndPoint] $listener.LocalEndpoint).Port } finally { $listener.Stop() }
        # The CLI the module runs gets a temp home of its own (its trash is there), never the real one.
        $env:HOME = Join-Path $TestDrive 'module-home'
        New-Item -ItemType Directory -Force $env:HOME | Out-Null
        $script:Trash = Join-Path $env:HOME '.Trash'

        $script:MainToken = New-TestSetupToken 'OCMAIN'
        $script:WorkToken = New-TestSetupToken 'OCWORK'
        $script:Workspace = Join-Path $TestDrive 'ws-work'
        Invoke-Peer @('models', 'auth', 'paste-token', '--provider', 'anthropic') "$script:MainToken`n" | Out-Null
        Invoke-Peer @('agents', 'add', 'work', '--non-interactive', '--workspace', $script:Workspace) | Out-Null
        Invoke-Peer @('models', 'auth', 'paste-token', '--agent', 'work', '--provider', 'anthropic', '--profile-id', 'anthropic:work') "$script:WorkToken`n" | Out-Null
        Invoke-Peer @('models', 'auth', 'order', 'set', '--provider', 'anthropic', '--agent', 'work', 'anthropic:work', 'anthropic:manual') | Out-Null
        $script:WorkDb = Join-Path $script:State 'agents/work/agent/openclaw-agent.sqlite'
        # A folder-only agent (no config entry): the module sees it, openclaw refuses to delete it.
        New-Item -ItemType Directory -Force (Join-Path $script:State 'agents/ghost/agent') | Out-Null
    }

    AfterAll {
        foreach ($kv in $script:SavedEnv.GetEnumerator()) {
            if ($null -eq $kv.Value) { Remove-Item "Env:$($kv.Key)" -ErrorAction Ignore } else { Set-Item -Path "Env:$($kv.Key)" -Value $kv.Value }
        }
    }

    It '15.13: the state dir is the SQLite era, with the agent, its profile and its config entry' {
        (Get-MoltbotState).UsesSqlite | Should -BeTrue
        (Get-MoltbotAgent).Id | Should -Contain 'work'
        (Get-MoltbotAuthProfile | Where-Object Agent -eq 'work').ProfileId | Should -Contain 'anthropic:work'
        (Read-Json $script:Config).auth.profiles.Keys | Should -Contain 'anthropic:work'
        $script:WorkDb | Should -Exist
    }

    It '15.13: Remove-MoltbotAgent work -WhatIf shows the openclaw agents delete it would run and runs nothing' {
        $configBefore = Get-Content -Raw $script:Config
        $text = Invoke-UserLine 'Remove-MoltbotAgent work -WhatIf'
        $text | Should -Match ([regex]::Escape("openclaw agents delete work --force"))
        $text | Should -Match 'Move to the trash'
        # 9.6 writes agents.entries, whose workspace path this module does not read: the line names it in words.
        $text | Should -Match "Move to the trash .* on target .the workspace of agent 'work'"
        $text | Should -Match ([regex]::Escape("on target `"$(Split-Path $script:WorkDb)`""))
        $text | Should -Match ([regex]::Escape("openclaw.json auth.profiles"))
        Get-Content -Raw $script:Config | Should -BeExactly $configBefore
        $script:WorkDb | Should -Exist
        $script:Trash | Should -Not -Exist
    }

    It '15.13: without an openclaw CLI Remove-MoltbotAgent work is refused, naming the command to run' {
        $env:MOLTBOT_OPENCLAW_CLI = Join-Path $TestDrive 'no-such-openclaw.mjs'
        try {
            Remove-MoltbotAgent work -Force -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        } finally { $env:MOLTBOT_OPENCLAW_CLI = $script:Cli96 }
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentRemovalUnsupported,*'
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        $err[0].Exception.Message | Should -Match 'no openclaw CLI was found'
        $err[0].ErrorDetails.RecommendedAction + $err[0].Exception.RecommendedAction | Should -Match ([regex]::Escape('openclaw agents delete work --force'))
        $script:WorkDb | Should -Exist
    }

    It '15.13: with openclaw 2026.6.11 (older than the 2026.9.6 state dir) Remove-MoltbotAgent work is refused' {
        $env:MOLTBOT_OPENCLAW_CLI = Get-OpenClawEntryPath -Version '2026.6.11'
        try {
            Remove-MoltbotAgent work -Force -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        } finally { $env:MOLTBOT_OPENCLAW_CLI = $script:Cli96 }
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentRemovalUnsupported,*'
        $err[0].Exception.Message | Should -Match '2026\.6\.11, older than the 2026\.9\.6'
        $script:WorkDb | Should -Exist
        (Get-MoltbotAgent).Id | Should -Contain 'work'
    }

    It '15.13: when openclaw refuses (Remove-MoltbotAgent ghost, an agent it does not know) the error carries its exit code' {
        Remove-MoltbotAgent ghost -Force -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotOpenClawAgentDeleteFailed,*'
        $err[0].Exception.ExitCode | Should -Be 1
        $err[0].Exception.Message | Should -Match 'exited with code 1: .*not found'
        $err[0].Exception.Message | Should -Not -Match ([regex]::Escape($script:WorkToken.Substring(0, 30)))
        Join-Path $script:State 'agents/ghost/agent' | Should -Exist
    }

    It '15.13: Remove-MoltbotAgent work -Force removes it through openclaw: gone from Get-MoltbotAgent and Get-MoltbotAuthProfile, folders in the trash' {
        $out = Remove-MoltbotAgent work -Force -PassThru -NoGatewayRefresh -InformationVariable info -ErrorVariable err
        $err.Count | Should -Be 0
        $out.Id | Should -Be 'work'
        (Get-MoltbotAgent).Id | Should -Not -Contain 'work'
        @(Get-MoltbotAuthProfile | Where-Object { $_.Agent -eq 'work' -or $_.ProfileId -eq 'anthropic:work' }) | Should -BeNullOrEmpty
        # main's shared profile stays, and its config entry; the entry only work held goes (openclaw leaves it).
        (Get-MoltbotAuthProfile -Agent main).ProfileId | Should -Contain 'anthropic:manual'
        $config = Read-Json $script:Config
        $config.auth.profiles.Keys | Should -Not -Contain 'anthropic:work'
        $config.auth.profiles.Keys | Should -Contain 'anthropic:manual'
        $config.agents.entries.Keys | Should -Not -Contain 'work'
        # openclaw moved workspace, agent dir (with its database) and sessions to the trash, and said so.
        $script:WorkDb | Should -Not -Exist
        $script:Workspace | Should -Not -Exist
        @(Get-ChildItem -Recurse -Force -File $script:Trash -Filter 'openclaw-agent.sqlite').Count | Should -Be 1
        $moved = @($info | Where-Object { $_.Tags -contains 'Moltbot.AgentFolderTrashed' } | ForEach-Object { "$($_.MessageData)" })
        $moved | Should -Contain "Moved to the trash by openclaw: $script:Workspace."
        $moved | Should -Contain "Moved to the trash by openclaw: $(Split-Path $script:WorkDb)."
        # openclaw itself no longer knows the agent.
        $list = Invoke-Peer @('agents', 'list', '--json')
        $list.StdOut | Should -Not -Match '"work"'
    }
}
