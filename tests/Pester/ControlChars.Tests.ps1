# Issue 12, finding 11 (terminal control characters from a store or config reach the terminal raw) and the -ExpiresIn
# and wildcard crash inputs of finding 8.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    $E = [char] 27
    # What a hostile or broken store can hold: clear screen, an OSC window title, a C1 CSI (U+009B), a device-status
    # query, a bidi override; none is an SGR colour, so PowerShell's own colouring (ESC [ ... m) is told apart below.
    $script:Clear = "$E[2J"
    $script:Title = "$E]0;PWNED$([char] 7)"
    $script:C1 = "$([char] 0x9B)0c"
    $script:Query = "$E[6n"
    $script:Bidi = "$([char] 0x202E)txt.exe"
    # A terminal could act on any of these (C0 but tab/LF/CR, DEL, C1, bidi controls, line/paragraph separators).
    $script:Unsafe = '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]'

    function Measure-Unsafe([string] $Text) {
        # PowerShell's own SGR colouring ($PSStyle, OutputRendering Ansi) is the only escape sequence allowed.
        ([regex]::Matches(($Text -replace "$([char] 27)\[[0-9;]*m", ''), $script:Unsafe)).Count
    }

    function New-HostileState {
        $state = New-TestStateDir
        $ids = [ordered]@{
            Clear = "openrouter:wipe$script:Clear"
            Title = "openrouter:t$script:Title"
            C1    = "evil${script:C1}:default"
        }
        $evilDir = Join-Path $state "agents/evil$script:Title/agent"
        $brokenDir = Join-Path $state "agents/broken$script:Clear/agent"
        foreach ($dir in (Join-Path $state 'agents/main/agent'), $evilDir, $brokenDir) { [IO.Directory]::CreateDirectory($dir) | Out-Null }
        $keys = 1..3 | ForEach-Object { $k = "sk-or-v1-CTRLCHARS$_$([guid]::NewGuid().ToString('N'))"; Register-TestSecret $k; $k }
        $far = [DateTimeOffset]::UtcNow.AddDays(30).ToUnixTimeMilliseconds()
        $store = [ordered]@{
            version    = 1
            profiles   = [ordered]@{
                $ids.Clear = [ordered]@{ type = 'api_key'; provider = 'openrouter'; key = $keys[0]; email = "x$script:Title@example.com"; displayName = $script:Bidi }
                $ids.Title = [ordered]@{ type = 'api_key'; provider = 'openrouter'; key = $keys[1]; accountId = "acct$script:Query" }
                $ids.C1    = [ordered]@{ type = 'token'; provider = "evil$script:C1"; token = $keys[2]; displayName = "dn$script:Clear" }
            }
            order      = [ordered]@{ openrouter = @($ids.Title, $ids.Clear) }
            usageStats = [ordered]@{ $ids.Title = [ordered]@{ disabledUntil = $far; disabledReason = "billing$script:Clear" } }
        }
        $json = $store | ConvertTo-Json -Depth 10
        # [IO.File]: these paths hold '[' and ']', which the provider cmdlets would read as wildcards.
        [IO.File]::WriteAllText((Join-Path $state 'agents/main/agent/auth-profiles.json'), $json)
        [IO.File]::WriteAllText((Join-Path $evilDir 'auth-profiles.json'), $json)
        [IO.File]::WriteAllText((Join-Path $brokenDir 'auth-profiles.json'), '{ "profiles": ')
        $config = [ordered]@{
            agents = [ordered]@{
                list = @(
                    [ordered]@{ id = 'main'; default = $true }
                    [ordered]@{ id = 'evil'; name = "Evil$script:Clear"; agentDir = $evilDir; model = "openrouter/m@openrouter:gone$script:Title" }
                    [ordered]@{ id = 'broken'; agentDir = $brokenDir }
                )
            }
        }
        [IO.File]::WriteAllText((Join-Path $state 'openclaw.json'), ($config | ConvertTo-Json -Depth 10))
        # How many control characters the state dir now holds (the two stores, the config, the two folder names).
        $storeText = (($ids.Values + $store.profiles.Values.ForEach({ $_.provider, $_.email, $_.displayName, $_.accountId }) + "billing$script:Clear") -join '')
        $planted = 2 * (Measure-Unsafe $storeText) + (Measure-Unsafe ("Evil$script:Clear" + "openrouter:gone$script:Title" + $evilDir + $brokenDir)) + (Measure-Unsafe ($evilDir + $brokenDir))
        [pscustomobject]@{ State = $state; Ids = $ids; EvilDir = $evilDir; BrokenDir = $brokenDir; Planted = $planted }
    }
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'Terminal control characters from a store or config (issue 12, finding 11)' {
    BeforeEach {
        $script:H = New-HostileState
    }

    It 'never reaches a terminal raw: views, ToString, verbose, warnings, WhatIf, errors and completions of a real pwsh' {
        # A child pwsh renders as a terminal would ($PSStyle.OutputRendering = 'Ansi': escape sequences kept), and
        # everything its host prints is read back from stdout and stderr.
        $script = Join-Path $TestDrive 'render.ps1'
        Set-Content $script @'
param($ModulePath, $StateDir, $ClearId, $TitleId)
$PSStyle.OutputRendering = 'Ansi'
$env:OPENCLAW_STATE_DIR = $StateDir
Import-Module $ModulePath
Get-MoltbotAuthProfile -Agent main, evil | Out-Host
Get-MoltbotAuthProfile -Agent main | Format-List | Out-Host
"ToString: $(Get-MoltbotAuthProfile -Agent main | Select-Object -First 1)"
Get-MoltbotAgent | Out-Host
Get-MoltbotAgent evil | Format-List | Out-Host
Get-MoltbotAuthOrder -Agent main | Out-Host
Resolve-MoltbotAuthProfile -Agent main -Provider openrouter | Out-Host
Get-MoltbotAuthOrder -Agent main | Format-List | Out-Host
Resolve-MoltbotAuthProfile -Agent main -Provider openrouter | Format-List | Out-Host
Resolve-MoltbotAuthProfile -Agent evil -Model (Get-MoltbotAgent evil).Model | Out-Host
Get-MoltbotAccessToken -Agent main -ProfileId $ClearId -Verbose | Out-Host
Get-MoltbotAccessToken -Agent main -ProfileId $ClearId | Format-List | Out-Host
Get-MoltbotState | Out-Host
Remove-MoltbotAuthProfile -Agent main -ProfileId $TitleId -WhatIf
Set-MoltbotApiKey -Agent evil -Provider openrouter -ApiKey ([System.Net.NetworkCredential]::new('', 'sk-or-v1-whatifonly').SecurePassword) -WhatIf -Verbose
Get-MoltbotAuthProfile -Agent broken
$ErrorView = 'NormalView'
Get-MoltbotAuthProfile -Agent broken
$ErrorView = 'ConciseView'
foreach ($line in 'Remove-MoltbotAuthProfile -Agent main -ProfileId ', 'Get-MoltbotAuthProfile -Agent ', 'Get-MoltbotAuthProfile -Provider ') {
    (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object { "completion: $($_.ListItemText) | $($_.ToolTip) | $($_.CompletionText)" }
}
'@
        $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script, $script:ModulePath, $H.State, $H.Ids.Clear, $H.Ids.Title) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.StandardOutputEncoding = [Text.Encoding]::UTF8; $psi.StandardErrorEncoding = [Text.Encoding]::UTF8
        $process = [System.Diagnostics.Process]::Start($psi)
        $stderrTask = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $rendered = $stdout + "`n" + $stderrTask.Result
        Add-TestTapRecord 'ControlChars child pwsh' $rendered

        $raw = Measure-Unsafe $rendered
        $escaped = ([regex]::Matches($rendered, '\\x[0-9A-F]{2}|\\u[0-9A-F]{4}')).Count
        Write-Host "    control characters planted in the state dir: $($H.Planted); raw in the rendered host output: $raw; shown escaped: $escaped"
        if ($raw -gt 0) {
            $sample = ($rendered -split "`n" | Where-Object { (Measure-Unsafe $_) -gt 0 } | Select-Object -First 5 | ForEach-Object { $_ -replace "$([char] 27)", '<ESC>' }) -join "`n"
            Write-Host "    first lines with a raw control character:`n$sample"
        }
        # The run really showed the hostile rows (escaped), so an empty output cannot pass.
        $rendered | Should -Match ([regex]::Escape('openrouter:wipe\x1B[2J'))
        $rendered | Should -Match ([regex]::Escape('\x9B0c'))
        $rendered | Should -Match ([regex]::Escape('\u202E'))
        $rendered | Should -Match 'What if:'
        $rendered | Should -Match 'WARNING:'
        $rendered | Should -Match 'VERBOSE:'
        $rendered | Should -Match 'MoltbotStoreUnreadable'
        $rendered | Should -Match 'completion: '
        $raw | Should -Be 0
    }

    It 'keeps the true values in the objects, and the error records and completions of this session are escaped' {
        $profiles = Get-MoltbotAuthProfile -Agent main
        ($profiles.ProfileId | Sort-Object) | Should -Be ($H.Ids.Values | Sort-Object)
        $clear = $profiles | Where-Object ProfileId -CEQ $H.Ids.Clear
        $clear.Email | Should -BeExactly "x$script:Title@example.com"
        $clear.DisplayName | Should -BeExactly $script:Bidi
        ($profiles | Where-Object ProfileId -CEQ $H.Ids.C1).Provider | Should -BeExactly "evil$script:C1"
        ($profiles | Where-Object ProfileId -CEQ $H.Ids.Title).AccountId | Should -BeExactly "acct$script:Query"
        (Get-MoltbotAgent evil).AgentDir | Should -BeExactly $H.EvilDir
        (Get-MoltbotAgent evil).Name | Should -BeExactly "Evil$script:Clear"
        (Get-MoltbotAuthOrder -Agent main).ProfileId | Should -Be @($H.Ids.Title, $H.Ids.Clear)
        # The pipeline still works on the exact values: the profile found by its true id, and removed by it.
        Get-MoltbotAuthProfile -Agent main -ProfileId $H.Ids.C1 | Remove-MoltbotAuthProfile -Force -NoGatewayRefresh
        (Get-MoltbotAuthProfile -Agent main).ProfileId | Should -Not -Contain $H.Ids.C1

        $PSStyle.OutputRendering = 'Ansi'
        try {
            $views = ($profiles | Out-String) + ($profiles | Format-List | Out-String) + (Get-MoltbotAgent -ErrorAction SilentlyContinue | Out-String) + "$($profiles[0])"
        }
        finally { $PSStyle.OutputRendering = 'Host' }
        Measure-Unsafe $views | Should -Be 0

        $err = Get-MoltbotAuthProfile -Agent broken 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }
        $err | Should -HaveCount 1
        $err.FullyQualifiedErrorId | Should -BeLike 'MoltbotStoreUnreadable,*'
        $err.TargetObject | Should -BeExactly (Join-Path $H.BrokenDir 'auth-profiles.json')
        Measure-Unsafe ($err.Exception.Message + $err.ErrorDetails.Message + $err.CategoryInfo.ToString() + ($err | Out-String)) | Should -Be 0

        $line = 'Remove-MoltbotAuthProfile -Agent main -ProfileId '
        $results = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $results | Should -HaveCount 2
        foreach ($m in $results) {
            Measure-Unsafe ($m.ListItemText + $m.ToolTip + $m.CompletionText) | Should -Be 0
            # The completion text re-parses to the exact stored id.
            $value = [scriptblock]::Create($m.CompletionText).InvokeReturnAsIs()
            $value | Should -BeIn @($H.Ids.Clear, $H.Ids.Title)
            @($H.Ids.Clear, $H.Ids.Title) -ccontains $value | Should -BeTrue
        }
    }
}

Describe 'The list views' {
    It 'show every public property of <Type>, so Format-List never falls back to the raw properties' -TestCases @(
        'MoltbotAuthProfile', 'MoltbotAgent', 'MoltbotAuthOrder', 'MoltbotProfileCandidate', 'MoltbotLegacyImport', 'MoltbotStateInfo', 'MoltbotAccessToken', 'MoltbotProvider', 'MoltbotProviderEndpoint', 'MoltbotProviderParameter', 'MoltbotExternalCredential', 'MoltbotExternalImport' | ForEach-Object { @{ Type = $_ } }
    ) {
        param($Type)
        $t = [type] "Moltbot.Models.$Type"
        $properties = $t.GetProperties() | Where-Object { -not $_.GetCustomAttributes([System.Management.Automation.HiddenAttribute], $true) } | ForEach-Object Name
        $list = Get-FormatData -TypeName $t.FullName -PowerShellVersion $PSVersionTable.PSVersion | ForEach-Object FormatViewDefinition |
            Where-Object { $_.Control -is [System.Management.Automation.ListControl] }
        $list | Should -HaveCount 1
        $labels = $list.Control.Entries[0].Items | ForEach-Object { if ($_.Label) { $_.Label } else { $_.DisplayEntry.Value } }
        ($labels | Sort-Object) | Should -Be ($properties | Sort-Object)
    }
}

Describe 'Crash inputs of -ExpiresIn and wildcards (issue 12, finding 8)' {
    BeforeEach {
        $script:State = New-TestStateDir
        $script:Key = ConvertTo-TestSecret "sk-or-v1-EXPIRES$([guid]::NewGuid().ToString('N'))"
    }

    It 'refuses -ExpiresIn <Value> with MoltbotInvalidExpiresIn and writes nothing' -TestCases @(
        @{ Value = '3000000d' }, @{ Value = '9999y' }, @{ Value = [timespan]::MaxValue }, @{ Value = '99999999999999999d' }, @{ Value = 1e300 }
    ) {
        param($Value)
        $err = $null
        try { Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn $Value -ErrorAction Stop; throw 'no error' }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeExactly 'MoltbotInvalidExpiresIn,Moltbot.Commands.SetMoltbotSetupTokenCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        for ($e = $err.Exception; $e; $e = $e.InnerException) {
            $e | Should -Not -BeOfType [ArgumentOutOfRangeException]
            $e | Should -Not -BeOfType [OverflowException]
        }
        Test-Path (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -BeFalse
    }

    It 'still stores a long expiry that fits (7000y)' {
        Set-MoltbotSetupToken -Provider openrouter -Token $script:Key -ExpiresIn 7000y -NoGatewayRefresh
        (Get-MoltbotAuthProfile -ProfileId openrouter:manual).Expires.Year | Should -BeGreaterThan 9000
    }

    It 'refuses the invalid wildcard <Pattern> of <Command> with MoltbotInvalidWildcard' -TestCases @(
        @{ Command = 'Get-MoltbotAuthProfile'; Parameter = 'Agent'; Pattern = '[' }
        @{ Command = 'Get-MoltbotAuthProfile'; Parameter = 'Provider'; Pattern = 'open[' }
        @{ Command = 'Get-MoltbotAuthProfile'; Parameter = 'ProfileId'; Pattern = '[a-' }
        @{ Command = 'Get-MoltbotAgent'; Parameter = 'Name'; Pattern = '[' }
        @{ Command = 'Get-MoltbotAuthOrder'; Parameter = 'Provider'; Pattern = '[' }
    ) {
        param($Command, $Parameter, $Pattern)
        Set-MoltbotApiKey -Provider openrouter -ApiKey $script:Key -NoGatewayRefresh
        $splat = @{ $Parameter = $Pattern }
        $err = $null
        try { & $Command @splat -ErrorAction Stop | Out-Null; throw 'no error' }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeExactly "MoltbotInvalidWildcard,Moltbot.Commands.$($Command -replace '-', '')Command"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -BeExactly $Pattern
        $err.Exception.GetType().FullName | Should -Be 'Moltbot.Core.MoltbotException'
    }

    It 'matches an escaped bracket literally, and completes an id typed up to a lone [' {
        Set-MoltbotApiKey -Provider openrouter -ProfileId 'openrouter:[x' -ApiKey $script:Key -NoGatewayRefresh
        (Get-MoltbotAuthProfile -ProfileId 'openrouter:`[x*').ProfileId | Should -Be 'openrouter:[x'
        # What is typed so far is not a valid pattern: the completer matches it literally rather than offering nothing.
        $line = 'Remove-MoltbotAuthProfile -ProfileId openrouter:['
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be "'openrouter:[x'"
    }
}
