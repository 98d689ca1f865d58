# Issue 15, points 3, 4, 13, 14: removing a profile, an agent and a provider login, from the user's side.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force

    $script:ModulePath = Get-BuiltModulePath
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Read-Json([string] $Path) { Get-Content -Raw $Path | ConvertFrom-Json -AsHashtable }

    function Invoke-UserLine([string] $Line) {
        <# Runs one command line in a child pwsh on this state dir and returns what its host showed ("What if" lines
           go to the host, not to a stream). #>
        $script = "Import-Module '$($script:ModulePath)'; `$ErrorActionPreference = 'Continue'; $Line"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.Environment['OPENCLAW_STATE_DIR'] = $env:OPENCLAW_STATE_DIR
        $psi.Environment['HOME'] = $TestDrive
        $process = [System.Diagnostics.Process]::Start($psi)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $text = $stdout + "`n" + $stderr.Result
        Add-TestTapRecord "ShellRemove child pwsh: $Line" $text
        $text
    }
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Remove-MoltbotAuthProfile: every reference, every agent (points 3, 4)' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Config = Join-Path $script:State 'openclaw.json'
        $script:MainStore = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        $script:WorkStore = Join-Path $script:State 'agents/work/agent/auth-profiles.json'
        New-MoltbotAgent work | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-TEAM') -ProfileId team -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-DEF') -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter openrouter:team, openrouter:default -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter openrouter:team, openrouter:default -Global -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-WORK') -ProfileId solo -Agent work -NoGatewayRefresh
    }

    It '15.3: Remove-MoltbotAuthProfile openrouter:team leaves no reference in openclaw.json, the store or another agent''s order' {
        # work's own order names main's profile (as a hand edit or an older CLI leaves it)
        $doc = Read-Json $script:WorkStore
        $doc.order = @{ openrouter = @('openrouter:team', 'openrouter:solo') }
        $doc | ConvertTo-Json -Depth 10 | Set-Content $script:WorkStore

        Remove-MoltbotAuthProfile openrouter:team -Force -NoGatewayRefresh

        $config = Read-Json $script:Config
        $config.auth.profiles.Keys | Should -Not -Contain 'openrouter:team'
        $config.auth.order.openrouter | Should -Be @('openrouter:default')
        (Read-Json $script:MainStore).order.openrouter | Should -Be @('openrouter:default')
        (Read-Json $script:WorkStore).order.openrouter | Should -Be @('openrouter:solo')
        (Get-MoltbotAuthProfile -Agent work).OrderRank | Should -Not -BeNullOrEmpty
        Get-Content -Raw $script:Config, $script:MainStore, $script:WorkStore | Should -Not -Match 'openrouter:team'
    }

    It '15.3: Remove -WhatIf shows each reference as its own "What if" line and changes nothing' {
        $before = Get-TreeSnapshot $script:State
        $lines = @((Invoke-UserLine 'Remove-MoltbotAuthProfile openrouter:team -WhatIf') -split "`n" | Where-Object { $_ -match '^What if' })
        Get-TreeSnapshot $script:State | Should -Be $before
        $lines.Count | Should -Be 4
        ($lines -join "`n") | Should -Match "agent 'main' profiles"
        ($lines -join "`n") | Should -Match "agent 'main' order.openrouter"
        ($lines -join "`n") | Should -Match 'openclaw.json auth.profiles'
        ($lines -join "`n") | Should -Match 'openclaw.json auth.order.openrouter'
    }

    It '15.3: removing a profile another agent still holds says that auth.profiles stays, and why' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-TEAM2') -ProfileId team -Agent work -NoGatewayRefresh
        Remove-MoltbotAuthProfile openrouter:team -Agent main -Force -NoGatewayRefresh -InformationVariable info
        $text = ($info | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match "Kept 'openrouter:team' in openclaw.json auth.profiles: agent 'work' still holds it"
        (Read-Json $script:Config).auth.profiles.Keys | Should -Contain 'openrouter:team'
        (Read-Json $script:MainStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
        (Read-Json $script:WorkStore).profiles.Keys | Should -Contain 'openrouter:team'
    }

    It '15.4: Remove-MoltbotAuthProfile openrouter:solo finds the profile in agent work without -Agent' {
        Remove-MoltbotAuthProfile openrouter:solo -Force -NoGatewayRefresh
        (Read-Json $script:WorkStore).profiles.Keys | Should -Not -Contain 'openrouter:solo'
        (Read-Json $script:Config).auth.profiles.Keys | Should -Not -Contain 'openrouter:solo'
    }

    It '15.4: Remove-MoltbotAuthProfile team (a short id, as Set accepts it) removes openrouter:team' {
        Remove-MoltbotAuthProfile team -Force -NoGatewayRefresh -PassThru | ForEach-Object ProfileId | Should -Be 'openrouter:team'
        (Read-Json $script:MainStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
    }

    It '15.4: a short id that matches two providers is refused with the candidates' {
        Set-MoltbotApiKey anthropic (ConvertTo-TestSecret 'sk-ant-api03-PESTER') -ProfileId team -NoGatewayRefresh
        { Remove-MoltbotAuthProfile team -Force -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotProfileIdAmbiguous,*' -ExpectedMessage "*'anthropic:team', 'openrouter:team'*"
        (Read-Json $script:MainStore).profiles.Keys | Should -Contain 'openrouter:team'
        (Read-Json $script:MainStore).profiles.Keys | Should -Contain 'anthropic:team'
    }

    It '15.4: a profile held by two agents is refused without -Agent, naming both; the pipeline removes both' {
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-TEAM2') -ProfileId team -Agent work -NoGatewayRefresh
        $err = { Remove-MoltbotAuthProfile openrouter:team -Force -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotProfileHeldByAgents,*' -PassThru
        "$err" | Should -Match 'held by agents main, work'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Read-Json $script:MainStore).profiles.Keys | Should -Contain 'openrouter:team'

        Get-MoltbotAuthProfile -ProfileId openrouter:team | Remove-MoltbotAuthProfile -Force -NoGatewayRefresh
        (Read-Json $script:MainStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
        (Read-Json $script:WorkStore).profiles.Keys | Should -Not -Contain 'openrouter:team'
        (Read-Json $script:Config).auth.profiles.Keys | Should -Not -Contain 'openrouter:team'
    }

    It '15.4: Remove-MoltbotAuthProfile -Agent nope says the agent does not exist' {
        $err = { Remove-MoltbotAuthProfile openrouter:team -Agent wrok -Force -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotAgentNotFound,*' -PassThru
        "$err" | Should -Match "Did you mean 'work'"
        Test-Path (Join-Path $script:State 'agents/wrok') | Should -BeFalse
    }

    It '15.4: a profile no agent holds is ProfileNotFound' {
        Remove-MoltbotAuthProfile openrouter:nothing -Force -NoGatewayRefresh -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotProfileNotFound,*'
        "$($e[0])" | Should -Match 'No agent holds'
    }
}

Describe 'Remove-MoltbotAgent (point 13)' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Config = Join-Path $script:State 'openclaw.json'
        $script:MainStore = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        New-MoltbotAgent work | Out-Null
        New-MoltbotAgent ops | Out-Null
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-MAIN') -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-WORK') -ProfileId only-work -Agent work -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-WORK2') -ProfileId shared -Agent work -NoGatewayRefresh
        Set-MoltbotApiKey openrouter (ConvertTo-TestSecret 'sk-or-v1-PESTER-OPS') -ProfileId shared -Agent ops -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter openrouter:only-work, openrouter:default -Global -NoGatewayRefresh
    }

    It '15.13: Remove-MoltbotAgent work -Force removes its store, its agents.list entry and the references only it held' {
        $out = Remove-MoltbotAgent work -Force -PassThru -NoGatewayRefresh -InformationVariable info
        $out.Id | Should -Be 'work'
        $out.ProfileCount | Should -Be 2
        Test-Path (Join-Path $script:State 'agents/work/agent') | Should -BeFalse
        Test-Path (Join-Path $script:State 'agents/work/sessions') | Should -BeTrue -Because 'sessions are kept, and said so'
        Test-Path (Join-Path $script:State 'workspace-work') | Should -BeTrue
        (($info | ForEach-Object { "$_" }) -join "`n") | Should -Match 'Kept .*agents/work/sessions'
        $config = Read-Json $script:Config
        $config.agents.list.id | Should -Be @('main', 'ops')
        $config.auth.profiles.Keys | Should -Not -Contain 'openrouter:only-work'
        $config.auth.profiles.Keys | Should -Contain 'openrouter:shared' -Because 'ops still holds it'
        $config.auth.order.openrouter | Should -Be @('openrouter:default')
        (Get-MoltbotAgent).Id | Should -Not -Contain 'work'
        (Get-MoltbotAuthProfile -Agent ops).ProfileId | Should -Be 'openrouter:shared'
    }

    It '15.13: Remove-MoltbotAgent work -WhatIf lists each change and writes nothing' {
        $before = Get-TreeSnapshot $script:State
        $text = Invoke-UserLine 'Remove-MoltbotAgent work -WhatIf'
        Get-TreeSnapshot $script:State | Should -Be $before
        $text | Should -Match "What if: .*Remove the entry of agent 'work'.*agents.list"
        $text | Should -Match "What if: .*Remove 'openrouter:only-work'.*openclaw.json auth.order.openrouter"
        $text | Should -Match 'What if: .*Delete the file.*agents/work/agent/auth-profiles.json'
    }

    It '15.13: Remove-MoltbotAgent asks for confirmation (ConfirmImpact High)' {
        (Get-Command Remove-MoltbotAgent).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        $text = Invoke-UserLine 'Remove-MoltbotAgent work'   # -NonInteractive: the prompt cannot be answered
        $text | Should -Match 'Confirm|NonInteractive|prompt'
        Test-Path (Join-Path $script:State 'agents/work/agent/auth-profiles.json') | Should -BeTrue
    }

    It '15.13: Remove-MoltbotAgent main is refused' {
        Remove-MoltbotAgent main -Force -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentIsDefault,*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Test-Path $script:MainStore | Should -BeTrue
    }

    It '15.13: Remove-MoltbotAgent wrok says there is no such agent and names the closest' {
        Remove-MoltbotAgent wrok -Force -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentNotFound,*'
        "$($e[0])" | Should -Match "Did you mean 'work'"
    }

    It '15.13: Get-MoltbotAgent | Remove-MoltbotAgent removes each piped agent, refusing main and going on' {
        Get-MoltbotAgent | Remove-MoltbotAgent -Force -NoGatewayRefresh -ErrorVariable e -ErrorAction SilentlyContinue
        @($e).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MoltbotAgentIsDefault,*'
        (Get-MoltbotAgent).Id | Should -Be @('main')
        (Read-Json $script:Config).auth.profiles.Keys | Should -Be @('openrouter:default')
    }
}
