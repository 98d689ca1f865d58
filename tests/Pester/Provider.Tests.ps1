# Get-MoltbotProvider against the built module: the registry as typed objects, filtering, wildcard errors, the
# endpoint variables shown as overridden, the default views, completion, and piping into Connect-MoltbotProvider.
# Every expectation is computed from the registry itself (Moltbot.Core's ProviderRegistry), so providers added to it
# are covered without changing this file.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $null = Get-MoltbotProvider # loads Moltbot.Core
    # Moltbot.Core lives in the module's private load context: reach the registry by reflection.
    $core = @([System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object Assemblies | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' })[0]
    $script:Registry = @($core.GetType('Moltbot.Core.OAuth.ProviderRegistry', $true).GetProperty('All').GetValue($null))

    function Get-ProviderVariables {
        # Every variable Get-MoltbotProvider can show as overridden, of every provider.
        foreach ($p in $script:Registry) {
            foreach ($e in $p.Endpoints) { $e.Variable }
            if ($p.RedirectUriVariable) { $p.RedirectUriVariable }
        }
    }

    function Clear-ProviderVariables {
        foreach ($v in @(Get-ProviderVariables | Sort-Object -Unique)) { Remove-Item "Env:$v" -ErrorAction Ignore }
    }
}

AfterAll {
    Clear-ProviderVariables
}

Describe 'Get-MoltbotProvider' {
    BeforeEach {
        $script:State = New-TestStateDir
        Clear-ProviderVariables
    }

    It 'lists every provider of the registry, in its order, as typed objects that carry no secret' {
        $all = @(Get-MoltbotProvider)
        Write-Host "    registry: $($script:Registry.Count) provider(s): $($script:Registry.Id -join ', '); endpoints: $(($all.Endpoints | Measure-Object).Count)"
        $all.Id | Should -Be @($script:Registry.Id)
        $codex = $all | Where-Object Id -eq 'openai-codex'
        $codex | Should -Not -BeNullOrEmpty
        $codex.Aliases | Should -Be @('codex', 'chatgpt')
        $codex.StoredProviderIds | Should -Be @('openai')
        $codex.Flows | Should -Be @([Moltbot.Models.MoltbotLoginFlow]::AuthorizationCode, [Moltbot.Models.MoltbotLoginFlow]::DeviceCode)
        $codex.ClientId | Should -Be 'app_EMoamEEZ73f0CkXaXp7hrann'
        $codex.RedirectUri | Should -Be ([uri] 'http://localhost:1455/auth/callback')
        $codex.RedirectUriVariable | Should -Be 'MOLTBOT_OPENAI_CODEX_REDIRECT_URI'
        $codex.Refreshable | Should -BeTrue
        $codex.RotatesRefreshToken | Should -BeTrue
        $codex.StoredType | Should -Be 'oauth'
        $codex.PkceStyle | Should -Be 'Base64Url'
        ($codex.Endpoints | ForEach-Object { "$($_.Name)=$($_.Url)" }) | Should -Be @(
            'authorize=https://auth.openai.com/oauth/authorize', 'token=https://auth.openai.com/oauth/token',
            'deviceUsercode=https://auth.openai.com/api/accounts/deviceauth/usercode', 'deviceToken=https://auth.openai.com/api/accounts/deviceauth/token',
            'deviceVerification=https://auth.openai.com/codex/device', 'deviceCallback=https://auth.openai.com/deviceauth/callback',
            'revoke=https://auth.openai.com/oauth/revoke')

        $secrets = @($script:Registry | Where-Object PublicClientSecret | ForEach-Object PublicClientSecret)
        $text = ($all | ConvertTo-Json -Depth 5) + ($all | Format-List | Out-String -Width 400) + ($all | Format-Table | Out-String -Width 400)
        for ($i = 0; $i -lt $all.Count; $i++) {
            $p = $all[$i]; $d = $script:Registry[$i]
            $p | Should -BeOfType 'Moltbot.Models.MoltbotProvider'
            $p.Aliases | Should -Be @($d.Aliases)
            @($p.Flows | ForEach-Object ToString) | Should -Be @($d.Flows | ForEach-Object ToString)
            $p.Refreshable | Should -Be $d.Refreshable
            $p.RotatesRefreshToken | Should -Be $d.RotatesRefreshToken
            $p.HasPublicClientSecret | Should -Be ($null -ne $d.PublicClientSecret)
            $p.ClientId | Should -Be $d.ClientId
            $p.ClientIdVariable | Should -Be ($d.VariablePrefix + 'CLIENT_ID')
            $p.ProfileIdRule | Should -Be $d.ProfileIdRule
            @($p.LoginParameters.Name) | Should -Be @($d.LoginParameters.Name)
            $p.Endpoints.Count | Should -Be $d.Endpoints.Count
            foreach ($e in $p.Endpoints) {
                $e | Should -BeOfType 'Moltbot.Models.MoltbotProviderEndpoint'
                $e.Variable | Should -Match '^MOLTBOT_[A-Z0-9_]+$'
                $e.Overridden | Should -BeFalse
                $e.Url | Should -Be $e.DefaultUrl
            }
            $p.PSObject.Properties.Name | Should -Not -Contain 'PublicClientSecret'
        }
        foreach ($s in $secrets) { $text | Should -Not -Match ([regex]::Escape($s)) }
        Write-Host "    public client secrets in the registry: $($secrets.Count), shown: 0"
    }

    It 'filters by id, alias and wildcard, by -Refreshable and by -Flow' {
        (Get-MoltbotProvider openai-codex).Id | Should -Be 'openai-codex'
        (Get-MoltbotProvider CHATGPT).Id | Should -Be 'openai-codex'
        (Get-MoltbotProvider 'chat*').Id | Should -Be 'openai-codex'
        @(Get-MoltbotProvider 'zz-no-such-*').Count | Should -Be 0
        @(Get-MoltbotProvider codex, 'openai-*', chatgpt).Id | Should -Be @('openai-codex')

        @(Get-MoltbotProvider -Refreshable).Id | Should -Be @($script:Registry | Where-Object Refreshable | ForEach-Object Id)
        foreach ($flow in [enum]::GetNames([Moltbot.Models.MoltbotLoginFlow])) {
            $expected = @($script:Registry | Where-Object { @($_.Flows | ForEach-Object ToString) -contains $flow } | ForEach-Object Id)
            $got = @(Get-MoltbotProvider -Flow $flow | ForEach-Object Id)
            $got | Should -Be $expected -Because "-Flow $flow"
            Write-Host "    -Flow ${flow}: $($got.Count) provider(s)"
        }
        @(Get-MoltbotProvider -Flow AuthorizationCode).Id | Should -Contain 'openai-codex'
        { Get-MoltbotProvider -Flow Telepathy } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,Moltbot.Commands.GetMoltbotProviderCommand'
    }

    It 'reports a name that is no provider with MoltbotProviderNotFound and still returns the others' {
        $out = @(Get-MoltbotProvider no-such-provider, codex -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Id | Should -Be @('openai-codex')
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'MoltbotProviderNotFound,Moltbot.Commands.GetMoltbotProviderCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'no-such-provider'
    }

    It 'refuses the invalid wildcard <Pattern> with MoltbotInvalidWildcard before anything is listed' -TestCases @(
        @{ Pattern = '[' }, @{ Pattern = 'open[ai' }
    ) {
        param($Pattern)
        $out = @()
        $err = $null
        try { $out = @(Get-MoltbotProvider $Pattern -ErrorAction Stop) } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeExactly 'MoltbotInvalidWildcard,Moltbot.Commands.GetMoltbotProviderCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $out | Should -HaveCount 0
        @(Get-MoltbotProvider ('openai-codex' -replace 'a', '[a]')).Id | Should -Be 'openai-codex'
    }

    It 'shows every endpoint variable of every provider as overridden when it is set, with the URL it gives' {
        $port = 47000
        $checked = 0
        foreach ($d in $script:Registry) {
            Clear-ProviderVariables
            $variables = @($d.Endpoints.Variable | Sort-Object -Unique)
            foreach ($v in $variables) {
                Clear-ProviderVariables
                $base = "http://127.0.0.1:$port/proxy-$($v.ToLowerInvariant())"
                Set-Item "Env:$v" $base
                $p = Get-MoltbotProvider $d.Id
                foreach ($e in $p.Endpoints) {
                    if ($e.Variable -eq $v) {
                        $e.Overridden | Should -BeTrue -Because "$($d.Id) $($e.Name) is moved by $v"
                        $e.Url.AbsoluteUri | Should -Be ($base + $e.DefaultUrl.PathAndQuery) -Because "$($d.Id) $($e.Name) keeps its path (and query)"
                        $checked++
                    } else {
                        $e.Overridden | Should -BeFalse -Because "$($d.Id) $($e.Name) is moved by $($e.Variable), not $v"
                        $e.Url | Should -Be $e.DefaultUrl
                    }
                }
                ($p | Select-Object -ExpandProperty Endpoints | Format-Table | Out-String -Width 300) | Should -Match ([regex]::Escape($base))
            }
            if ($d.RedirectUriVariable) {
                Clear-ProviderVariables
                $redirect = "http://127.0.0.1:$($port + 1)/moved/callback"
                Set-Item "Env:$($d.RedirectUriVariable)" $redirect
                $p = Get-MoltbotProvider $d.Id
                $p.RedirectUriOverridden | Should -BeTrue
                $p.RedirectUri | Should -Be ([uri] $redirect)
                $checked++
            }
        }
        Write-Host "    endpoint and redirect URLs checked under their variables: $checked"
        $checked | Should -BeGreaterOrEqual 3
    }

    It 'reports a variable value a login would refuse, and still returns the provider with the endpoint Url null' {
        $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = 'http://proxy.example.com'
        $p = Get-MoltbotProvider codex -ErrorVariable errs -ErrorAction SilentlyContinue
        $p.Id | Should -Be 'openai-codex'
        $p.Endpoints | ForEach-Object { $_.Url | Should -BeNullOrEmpty; $_.Overridden | Should -BeTrue }
        @($errs) | Should -HaveCount 1 -Because 'authorize and token share the variable: one error for it'
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'MoltbotInvalidOAuthSetting,Moltbot.Commands.GetMoltbotProviderCommand'
        ($p.Endpoints | Format-Table | Out-String) | Should -Match 'refused'
    }

    It 'renders the table and list views through the escaped display properties' {
        $all = @(Get-MoltbotProvider)
        $table = $all | Format-Table | Out-String -Width 200
        $table | Should -Match '^\s*Id\s+Flows\s+Refresh\s+Stores\s+DisplayName' -Because 'the default table view'
        foreach ($p in $all) { $table | Should -Match ([regex]::Escape($p.Id)) }
        $table | Should -Match 'openai-codex\s+AuthorizationCode, DeviceCode\s+rotates\s+oauth\s+OpenAI Codex \(ChatGPT\)'
        $list = Get-MoltbotProvider codex | Format-List | Out-String -Width 300
        $list | Should -Match 'RedirectUri\s+: http://localhost:1455/auth/callback'
        $list | Should -Match 'Aliases\s+: \{codex, chatgpt\}'
        $list | Should -Match 'HasPublicClientSecret\s+: False'
        $list | Should -Match 'Endpoints\s+: \{authorize = https://auth.openai.com/oauth/authorize, token = '
        $endpoints = Get-MoltbotProvider codex | Select-Object -ExpandProperty Endpoints | Format-Table | Out-String -Width 200
        $endpoints | Should -Match 'Name\s+Overridden\s+Variable\s+Url'
        $endpoints | Should -Match 'token\s+False\s+MOLTBOT_OPENAI_CODEX_AUTHORITY\s+https://auth.openai.com/oauth/token'
        Write-Host "    table: $(@($table -split "`n" | Where-Object { $_.Trim() }).Count) lines; list of codex: $(@($list -split "`n" | Where-Object { $_.Trim() }).Count) lines"
    }

    It 'completes ids and aliases of every provider, aliases with a tooltip naming the id' {
        $matches = (TabExpansion2 -inputScript 'Get-MoltbotProvider ' -cursorColumn 20).CompletionMatches
        $expected = @($script:Registry | ForEach-Object { $_.Id; $_.Aliases } | Sort-Object -Unique)
        @($matches.CompletionText | Sort-Object) | Should -Be $expected
        ($matches | Where-Object CompletionText -eq 'chatgpt').ToolTip | Should -BeLike 'alias of openai-codex: *'
        ($matches | Where-Object CompletionText -eq 'openai-codex').ToolTip | Should -BeLike 'OpenAI Codex (ChatGPT) (*'
        $connect = (TabExpansion2 -inputScript 'Connect-MoltbotProvider co' -cursorColumn 26).CompletionMatches.CompletionText
        $connect | Should -Contain 'codex'
        $logins = @($script:Registry | Where-Object { $_.Flows.Count -eq 0 } | ForEach-Object Id)
        foreach ($id in $logins) {
            (TabExpansion2 -inputScript "Connect-MoltbotProvider $id" -cursorColumn (24 + $id.Length)).CompletionMatches.CompletionText | Should -Not -Contain $id
        }
        Write-Host "    completions of Get-MoltbotProvider: $($matches.Count); refresh-only providers kept out of Connect's: $($logins.Count)"
    }
}

Describe 'Get-MoltbotProvider | Connect-MoltbotProvider' {
    BeforeEach {
        $script:State = New-TestStateDir
        Clear-ProviderVariables
    }

    It 'binds the provider by property name (Id): -WhatIf names the piped provider and signs in to nothing' {
        $script = {
            param($ModulePath, $State)
            $env:OPENCLAW_STATE_DIR = $State
            Import-Module $ModulePath
            Get-MoltbotProvider codex | Connect-MoltbotProvider -WhatIf
        }
        $output = & $script:Pwsh -NoProfile -NonInteractive -Command $script -args $script:ModulePath, $script:State 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $text = $output -join "`n"
        $text | Should -Match 'What if: .*Sign in to OpenAI Codex \(ChatGPT\)'
        Test-Path (Join-Path $script:State 'agents/main/agent/auth-profiles.json') | Should -BeFalse

        # The binding is by the Id property: an object naming a provider without a login reaches the login's refusal.
        $err = $null
        try { [pscustomobject] @{ Id = 'no-such-provider' } | Connect-MoltbotProvider -WhatIf -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeExactly 'MoltbotProviderNotSupported,Moltbot.Commands.ConnectMoltbotProviderCommand'
        $err.TargetObject | Should -Be 'no-such-provider'
        (Get-Command Connect-MoltbotProvider).Parameters['Provider'].Aliases | Should -Contain 'Id'
    }
}
