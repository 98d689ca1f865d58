# Issue 16, "batching under one lock": pipeline input into Set-MoltbotApiKey, Set-MoltbotSetupToken,
# Remove-MoltbotAuthProfile and Set-MoltbotAuthOrder is written in batches (one locked update of the agent's store and
# one of openclaw.json per batch), with per-item errors, -WhatIf per item, and nothing acknowledged before it is on disk.
# The locked writes are counted twice: by the module's own counter (BatchCounters, in Moltbot.Core) and, independently,
# by a FileSystemWatcher seeing the store file replaced (each locked write is one atomic rename).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    Import-Module (Join-Path $PSScriptRoot '../../bench/BenchHelpers.psm1') -Force   # SQLite-era seeding (sqlite3 shell)

    $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' } | Select-Object -First 1
    $script:Counters = $core.GetType('Moltbot.Core.Profiles.BatchCounters', $true)
    function Get-StoreWrites { [long] $script:Counters.GetProperty('StoreWrites').GetValue($null) }
    function Get-ConfigWrites { [long] $script:Counters.GetProperty('ConfigWrites').GetValue($null) }

    function Get-Key([string] $Label, [int] $I) {
        $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$Label/$I"))
        'sk-batch-' + [Convert]::ToHexString($hash).Substring(0, 32).ToLowerInvariant()
    }
    function New-KeyRows([string] $Label, [int] $Count, [string] $Provider = 'openai') {
        # What Import-Csv gives: plain-text ApiKey columns (never registered one by one: they are derived and never printed).
        for ($i = 0; $i -lt $Count; $i++) { [pscustomobject]@{ Provider = $Provider; ApiKey = (Get-Key $Label $i); ProfileId = ('b{0:d4}' -f $i) } }
    }
    function Read-StoreProfiles([string] $Path) { ([IO.File]::ReadAllText($Path) | ConvertFrom-Json -AsHashtable).profiles }
    function Read-ConfigProfiles { ([IO.File]::ReadAllText((Join-Path $script:State 'openclaw.json')) | ConvertFrom-Json -AsHashtable).auth.profiles }
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Batching under one lock (issue 16), JSON era' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:StorePath = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        Set-MoltbotApiKey openrouter -ApiKey (ConvertTo-TestSecret 'sk-or-v1-BATCHSEED0123456789') -NoGatewayRefresh
    }

    It '16: 1,000 keys piped land (store and auth.profiles) in a handful of locked writes' {
        $rows = @(New-KeyRows 'thousand' 1000)
        # The watcher sees each atomic replacement of the store (a temp file renamed over it: Renamed, or Created
        # when the temp name is outside the filter); its events queue up without an action and are counted after.
        $watcher = [IO.FileSystemWatcher]::new((Split-Path $script:StorePath))
        $watcher.InternalBufferSize = 65536
        $tag = [guid]::NewGuid().ToString('N')
        $null = Register-ObjectEvent $watcher Renamed -SourceIdentifier "$tag-r"
        $null = Register-ObjectEvent $watcher Created -SourceIdentifier "$tag-c"
        $watcher.EnableRaisingEvents = $true
        $stores0 = Get-StoreWrites; $configs0 = Get-ConfigWrites
        try {
            $verbose = $rows | Set-MoltbotApiKey -NoGatewayRefresh -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Wrote a batch of *' }
            # Let the watcher deliver what the kernel reported; the count is read after, never timed.
            Start-Sleep -Milliseconds 500
        }
        finally { $watcher.EnableRaisingEvents = $false }
        $events = @(Get-Event -SourceIdentifier "$tag-r" -ErrorAction Ignore) + @(Get-Event -SourceIdentifier "$tag-c" -ErrorAction Ignore)
        $replaced = @($events | Where-Object { $_.SourceEventArgs.Name -eq 'auth-profiles.json' }).Count
        Unregister-Event -SourceIdentifier "$tag-r"; Unregister-Event -SourceIdentifier "$tag-c"
        foreach ($s in "$tag-r", "$tag-c") { Remove-Event -SourceIdentifier $s -ErrorAction Ignore }
        $watcher.Dispose()
        $stores = (Get-StoreWrites) - $stores0
        $configs = (Get-ConfigWrites) - $configs0

        $profiles = Read-StoreProfiles $script:StorePath
        $profiles.Count | Should -Be 1001
        $wrong = @(for ($i = 0; $i -lt 1000; $i++) { $p = $profiles[('openai:b{0:d4}' -f $i)]; if (-not $p -or $p.key -ne (Get-Key 'thousand' $i) -or $p.type -ne 'api_key') { $i } })
        $wrong.Count | Should -Be 0 -Because 'every key is stored under its own id (compared in memory)'
        $config = Read-ConfigProfiles
        @(for ($i = 0; $i -lt 1000; $i++) { if (-not $config.Contains(('openai:b{0:d4}' -f $i))) { $i } }).Count | Should -Be 0
        # 1,000 items, at most 256 a batch: at least 4 writes; a flush by age adds some, never one per row.
        $stores | Should -BeGreaterOrEqual 4
        $stores | Should -BeLessOrEqual 50
        $configs | Should -Be $stores
        @($verbose).Count | Should -Be $stores
        ($verbose | ForEach-Object { [int] ($_.Message -replace '^Wrote a batch of (\d+) .*$', '$1') } | Measure-Object -Sum).Sum | Should -Be 1000
        $replaced | Should -BeGreaterOrEqual 1 -Because "the watcher saw the store replaced ($(@($events).Count) events in the folder)"
        $replaced | Should -BeLessOrEqual 50 -Because 'the store file is replaced once per batch, not once per row'
    }

    It '16: a bad row in the middle fails alone with its own error id; the rows around it land and are passed through' {
        $rows = @(New-KeyRows 'badrow' 7)
        $rows[2].ApiKey = 'sk-has inner-space'
        $rows[4] | Add-Member Agent 'nosuchagent'
        $rows[5].ProfileId = ''   # bound as empty: PowerShell refuses the row itself (ValidateNotNullOrEmpty)
        $out = $rows | Set-MoltbotApiKey -PassThru -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        $out.ProfileId | Should -Be @('openai:b0000', 'openai:b0001', 'openai:b0003', 'openai:b0006')
        $ids = @($err | ForEach-Object FullyQualifiedErrorId)
        $ids | Should -Contain 'MoltbotInvalidApiKey,Moltbot.Commands.SetMoltbotApiKeyCommand'
        $ids | Should -Contain 'MoltbotAgentNotFound,Moltbot.Commands.SetMoltbotApiKeyCommand'
        $ids.Count | Should -Be 3
        ($err | Out-String) | Should -Not -Match 'sk-batch-|inner-space'
        $profiles = Read-StoreProfiles $script:StorePath
        @($profiles.Keys | Where-Object { $_ -like 'openai:*' } | Sort-Object) | Should -Be @('openai:b0000', 'openai:b0001', 'openai:b0003', 'openai:b0006')
        $profiles['openai:b0003'].key | Should -Be (Get-Key 'badrow' 3)
        (Read-ConfigProfiles).Keys | Where-Object { $_ -like 'openai:*' } | Sort-Object | Should -Be @('openai:b0000', 'openai:b0001', 'openai:b0003', 'openai:b0006')
    }

    It '16: without pipeline input an error still stops the command (as before)' {
        { Set-MoltbotApiKey openai -ApiKey (ConvertTo-TestSecret 'sk-has inner-space') -NoGatewayRefresh } | Should -Throw -ErrorId 'MoltbotInvalidApiKey,Moltbot.Commands.SetMoltbotApiKeyCommand'
    }

    It '16: -WhatIf on a pipe prints one line per item and writes nothing' {
        $before = [IO.File]::ReadAllText($script:StorePath)
        $configBefore = [IO.File]::ReadAllText((Join-Path $script:State 'openclaw.json'))
        $stores0 = Get-StoreWrites
        $script = {
            param($ModulePath, $State)
            $env:OPENCLAW_STATE_DIR = $State
            Import-Module $ModulePath
            $rows = 0..4 | ForEach-Object { [pscustomobject]@{ Provider = 'openai'; ApiKey = ('sk-proj-WHATIFBATCH{0}0123456789' -f $_); ProfileId = "w$_" } }
            $rows | Set-MoltbotApiKey -WhatIf
            [pscustomobject]@{ Provider = 'openrouter'; ApiKey = 'sk-or-v1-WHATIFREPLACE0123456789'; ProfileId = 'default' } | Set-MoltbotApiKey -WhatIf
            'openrouter:default', 'openrouter:default' | ForEach-Object { [pscustomobject]@{ ProfileId = $_; Agent = 'main' } } | Remove-MoltbotAuthProfile -WhatIf
        }
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $output = & $pwsh -NoProfile -NonInteractive -Command $script -args $script:ModulePath, $script:State 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $lines = @($output | ForEach-Object { "$_" } | Where-Object { $_ -like 'What if:*' })
        @($lines | Where-Object { $_ -match "Store an API key as profile 'openai:w\d'" }).Count | Should -Be 5
        @($lines | Where-Object { $_ -match "Replace the API key of profile 'openrouter:default'" }).Count | Should -Be 1
        @($lines | Where-Object { $_ -match "Remove 'openrouter:default'" -and $_ -match 'profiles' }).Count | Should -BeGreaterOrEqual 2
        ($output -join "`n") | Should -Not -Match 'WHATIFBATCH|WHATIFREPLACE'
        [IO.File]::ReadAllText($script:StorePath) | Should -Be $before
        [IO.File]::ReadAllText((Join-Path $script:State 'openclaw.json')) | Should -Be $configBefore
        (Get-StoreWrites) - $stores0 | Should -Be 0
    }

    It '16: Ctrl+C mid-pipe: every profile passed through is on disk, the store parses, no lock is left' {
        $ps = [powershell]::Create()
        try {
            $env:OPENCLAW_STATE_DIR = $script:State
            [void] $ps.AddScript({
                param($ModulePath, $State, $Label)
                $env:OPENCLAW_STATE_DIR = $State
                Import-Module $ModulePath
                # A slow source: items keep coming after the first batch is written, so the stop lands mid-pipe.
                0..5999 | ForEach-Object {
                    if ($_ % 200 -eq 199) { Start-Sleep -Milliseconds 5 }
                    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$Label/$_"))
                    [pscustomobject]@{ Provider = 'openai'; ApiKey = 'sk-batch-' + [Convert]::ToHexString($hash).Substring(0, 32).ToLowerInvariant(); ProfileId = ('b{0:d4}' -f $_) }
                } | Set-MoltbotApiKey -PassThru -NoGatewayRefresh
            }).AddArgument($script:ModulePath).AddArgument($script:State).AddArgument('ctrlc')
            $output = [Management.Automation.PSDataCollection[psobject]]::new()
            $input = [Management.Automation.PSDataCollection[psobject]]::new()
            $input.Complete()
            $async = $ps.BeginInvoke($input, $output)
            while ($output.Count -lt 300 -and -not $async.IsCompleted) { Start-Sleep -Milliseconds 10 }
            $ps.Stop()
            try { $ps.EndInvoke($async) } catch [Management.Automation.PipelineStoppedException] { }
            $ps.InvocationStateInfo.State | Should -Be 'Stopped' -Because 'the stop must land while items are still coming'
            $acknowledged = @($output | ForEach-Object ProfileId)
        }
        finally { $ps.Dispose() }
        $acknowledged.Count | Should -BeGreaterOrEqual 256
        $profiles = Read-StoreProfiles $script:StorePath   # parses
        @($acknowledged | Where-Object { -not $profiles.Contains($_) }).Count | Should -Be 0 -Because 'nothing acknowledged is lost'
        $config = Read-ConfigProfiles
        @($acknowledged | Where-Object { -not $config.Contains($_) }).Count | Should -Be 0
        $wrong = @($acknowledged | Where-Object { $profiles[$_].key -ne (Get-Key 'ctrlc' ([int] $_.Substring(8))) })
        $wrong.Count | Should -Be 0
        @(Get-ChildItem -Force -Recurse $script:State -Filter '*.lock').Count | Should -Be 0 -Because 'no lock is left behind'
        @($profiles.Keys | Where-Object { $_ -like 'openai:*' }).Count | Should -BeLessThan 6000 -Because 'the items still queued at the stop are not written'
    }

    It '16: Set-MoltbotSetupToken piped for several agents: one batch per agent, each in its own store' {
        New-MoltbotAgent work | Out-Null
        $stores0 = Get-StoreWrites
        $rows = 'main', 'work', 'main', 'work' | ForEach-Object { [pscustomobject]@{ Agent = $_ } }
        $tok = ConvertTo-TestSecret (New-TestSetupToken -Marker 'BATCHD')
        $out = $rows | Set-MoltbotSetupToken -Token $tok -PassThru -NoGatewayRefresh
        ((Get-StoreWrites) - $stores0) | Should -Be 2 -Because 'one locked write per agent store'
        @($out | ForEach-Object { "$($_.Agent)/$($_.ProfileId)" }) | Should -Be @('main/anthropic:manual', 'main/anthropic:manual', 'work/anthropic:manual', 'work/anthropic:manual')
        (Get-MoltbotAuthProfile -Agent work -ProfileId anthropic:manual).Type | Should -Be 'token'
    }

    It '16: several orders for one agent piped by property name are one locked update' {
        $k = ConvertTo-TestSecret 'sk-or-v1-BATCHORDER0123456789'
        Set-MoltbotApiKey openrouter -ApiKey $k -ProfileId second -NoGatewayRefresh
        Set-MoltbotApiKey openai -ApiKey (ConvertTo-TestSecret 'sk-proj-BATCHORDER0123456789') -ProfileId one -NoGatewayRefresh
        $stores0 = Get-StoreWrites
        $orders = @(
            [pscustomobject]@{ Provider = 'openrouter'; Agent = 'main' }
            [pscustomobject]@{ Provider = 'openai'; Agent = 'main' }
            [pscustomobject]@{ Provider = 'mistral'; Agent = 'main' }
        )
        $out = $orders | Set-MoltbotAuthOrder -ProfileId 'openrouter:second', 'openrouter:default' -PassThru -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        ((Get-StoreWrites) - $stores0) | Should -Be 1
        # openai and mistral hold no openrouter ids: each of those orders fails alone, the first lands.
        @($out).Count | Should -Be 1
        $out.Provider | Should -Be 'openrouter'
        @($err | ForEach-Object FullyQualifiedErrorId) | Should -Be @('MoltbotProviderMismatch,Moltbot.Commands.SetMoltbotAuthOrderCommand', 'MoltbotProviderMismatch,Moltbot.Commands.SetMoltbotAuthOrderCommand')
        (Get-MoltbotAuthOrder -Agent main -Provider openrouter).ProfileId | Should -Be @('openrouter:second', 'openrouter:default')
    }

    It '16: Remove-MoltbotAuthProfile of a pipe keeps the reference cleaning (other agents, auth.profiles, auth.order)' {
        New-MoltbotAgent work | Out-Null
        New-MoltbotAgent ops | Out-Null
        $k = ConvertTo-TestSecret 'sk-or-v1-BATCHREMOVE0123456789'
        Set-MoltbotApiKey openrouter -ApiKey $k -ProfileId team -Agent main -NoGatewayRefresh
        Set-MoltbotApiKey openrouter -ApiKey $k -ProfileId team -Agent work -NoGatewayRefresh
        Set-MoltbotApiKey openrouter -ApiKey $k -ProfileId solo -Agent work -NoGatewayRefresh
        Set-MoltbotApiKey openrouter -ApiKey $k -Agent ops -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter 'openrouter:team', 'openrouter:default' -Agent main -NoGatewayRefresh
        Set-MoltbotAuthOrder openrouter 'openrouter:team', 'openrouter:solo' -Global -NoGatewayRefresh
        # ops names team and solo in its own order without holding them (dangling mentions).
        $opsStore = Join-Path $script:State 'agents/ops/agent/auth-profiles.json'
        $ops = [IO.File]::ReadAllText($opsStore) | ConvertFrom-Json -AsHashtable
        $ops['order'] = @{ openrouter = @('openrouter:team', 'openrouter:solo', 'openrouter:default') }
        Write-BenchJson $opsStore $ops
        for ($i = 0; $i -lt 300; $i++) { Set-MoltbotApiKey mistral -ApiKey $k -ProfileId ('m{0:d3}' -f $i) -Agent work -NoGatewayRefresh }

        $stores0 = Get-StoreWrites; $configs0 = Get-ConfigWrites
        $pipe = @(Get-MoltbotAuthProfile -Agent main -ProfileId openrouter:team) + @(Get-MoltbotAuthProfile -Agent work | Where-Object ProfileId -ne 'openrouter:default')
        $removed = $pipe | Remove-MoltbotAuthProfile -Force -PassThru -NoGatewayRefresh -InformationVariable kept -Verbose 4>$null
        $removed.Count | Should -Be 303
        # main (1 batch), work (2 batches: 302 items at 256 a batch), and ops' dangling mentions: a few writes, not 303.
        ((Get-StoreWrites) - $stores0) | Should -BeLessOrEqual 12
        ((Get-ConfigWrites) - $configs0) | Should -BeLessOrEqual 4
        Get-MoltbotAuthProfile -Agent work | Should -BeNullOrEmpty
        (Get-MoltbotAuthProfile -Agent main).ProfileId | Should -Be @('openrouter:default')
        $config = [IO.File]::ReadAllText((Join-Path $script:State 'openclaw.json')) | ConvertFrom-Json -AsHashtable
        $config.auth.profiles.Keys | Should -Not -Contain 'openrouter:team' -Because 'once the last holder went, the config entry goes'
        $config.auth.profiles.Keys | Should -Not -Contain 'openrouter:solo'
        $config.auth.profiles.Keys | Should -Not -Contain 'mistral:m000'
        $config.auth.profiles.Keys | Should -Contain 'openrouter:default'
        @($config.auth.order.openrouter) | Should -Not -Contain 'openrouter:team'
        $opsAfter = [IO.File]::ReadAllText($opsStore) | ConvertFrom-Json -AsHashtable
        @($opsAfter.order.openrouter) | Should -Be @('openrouter:default') -Because "the dangling mentions in ops' order are cleaned"
        (Get-MoltbotAuthOrder -Agent main -Provider openrouter).ProfileId | Should -Be @('openrouter:default')
    }
}

Describe 'Batching under one lock (issue 16), SQLite era (2026.9.6 shape)' -Tag 'Sqlite' {
    BeforeAll {
        if (-not (Get-Command sqlite3 -ErrorAction Ignore)) { throw 'sqlite3 is needed to seed the SQLite-era state dir.' }
    }
    BeforeEach {
        $script:State = New-TestStateDir
        $null = New-BenchSqliteStateDb -State $script:State -SharedStore legacy-main -AgentId main, work
        foreach ($id in 'main', 'work') { $null = New-BenchSqliteAgentDb -AgentDir (Join-Path $script:State "agents/$id/agent") -AgentId $id }
        Write-BenchJson (Join-Path $script:State 'openclaw.json') ([ordered]@{
                agents = [ordered]@{ list = @(foreach ($id in 'main', 'work') { [ordered]@{ id = $id; agentDir = (Join-Path $script:State "agents/$id/agent") } }) }
            })
        $script:SavedNoGateway = $env:MOLTBOT_NO_GATEWAY_REFRESH
        $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'
    }
    AfterEach {
        if ($null -eq $script:SavedNoGateway) { Remove-Item Env:MOLTBOT_NO_GATEWAY_REFRESH -ErrorAction Ignore } else { $env:MOLTBOT_NO_GATEWAY_REFRESH = $script:SavedNoGateway }
    }

    It '16: 600 keys piped into an agent DB land in a few transactions, with a bad row failing alone' {
        $rows = @(New-KeyRows 'sqlite' 600)
        $rows[300].ApiKey = ' '
        $stores0 = Get-StoreWrites
        $out = $rows | ForEach-Object { $_ | Add-Member Agent 'work' -PassThru } | Set-MoltbotApiKey -PassThru -NoGatewayRefresh -ErrorVariable err -ErrorAction SilentlyContinue
        $stores = (Get-StoreWrites) - $stores0
        $stores | Should -BeGreaterOrEqual 3
        $stores | Should -BeLessOrEqual 40
        @($out).Count | Should -Be 599
        @($err | ForEach-Object FullyQualifiedErrorId) | Should -Be @('MoltbotInvalidApiKey,Moltbot.Commands.SetMoltbotApiKeyCommand')
        $cell = (& (Get-BenchSqlitePath) -readonly (Join-Path $script:State 'agents/work/agent/openclaw-agent.sqlite') "SELECT store_json FROM auth_profile_store WHERE store_key='primary'") -join "`n"
        $profiles = ($cell | ConvertFrom-Json -AsHashtable).profiles
        $wrong = @(for ($i = 0; $i -lt 600; $i++) { if ($i -ne 300) { $p = $profiles[('openai:b{0:d4}' -f $i)]; if (-not $p -or $p.key -ne (Get-Key 'sqlite' $i)) { $i } } })
        $wrong.Count | Should -Be 0
        $profiles.Contains('openai:b0300') | Should -BeFalse
        @(Get-ChildItem -Recurse -Force -File $script:State -Filter 'auth-*.json*').Count | Should -Be 0 -Because 'no JSON store appears in a SQLite era'
        $config = Read-ConfigProfiles
        @($out.ProfileId | Where-Object { -not $config.Contains($_) }).Count | Should -Be 0
        # And the removal of them all, batched too.
        $stores0 = Get-StoreWrites
        $gone = $out | Remove-MoltbotAuthProfile -Force -PassThru -NoGatewayRefresh
        @($gone).Count | Should -Be 599
        ((Get-StoreWrites) - $stores0) | Should -BeLessOrEqual 40
        Get-MoltbotAuthProfile -Agent work | Should -BeNullOrEmpty
    }
}
