<#
    The secret scan (issue 7): nothing the cmdlets emitted during the whole Pester suite (output objects, errors,
    warnings, information, verbose, debug, what the host showed) and nothing in the Pester results contains any
    secret the suite used.

    build.ps1 Test runs this file in a second Invoke-Pester, in the same pwsh as the suite, after Stop-SecretTap
    (SecretTap.psm1 tells how the tap works). The secrets are only in that process's memory. The main run excludes this
    folder. Run on its own (no tap in the session), only the scanner's self-tests run; the scan itself is skipped.
#>

BeforeAll {
    # Never -Force: a fresh import would not matter for the state ($global:MoltbotSecretTap), but keep the tap's module.
    if (-not (Get-Module SecretTap)) { Import-Module (Join-Path $PSScriptRoot 'SecretTap.psm1') }
    $script:Tap = Get-Variable -Name MoltbotSecretTap -Scope Global -ValueOnly -ErrorAction Ignore
    $script:NoTap = 'no secret tap in this session: the scan runs after the whole suite in ./build.ps1 Test'

    # The minimums of a full run (about half of what the suite produced when this was written: 244 invocations, 170
    # secrets, 139 output and 33 error records, 495 verbose and 235 debug lines, 40 TestDrive harvests, ~540 KB), so
    # that a tap that broke silently (no defaults applied, no harvest, no transcript) fails instead of scanning nothing.
    $script:Minimum = [ordered]@{
        'cmdlet invocations tapped' = 120
        'secrets checked'           = 80
        'output records'            = 70
        'error records'             = 15
        'verbose lines'             = 200
        'debug lines'               = 120
        'TestDrive harvests'        = 20
        'extra records'             = 20
        'bytes scanned'             = 250KB
    }

    function Get-ScanTarget {
        @(Get-ChildItem -LiteralPath $script:Tap.Folder -File | ForEach-Object FullName) + @($script:Tap.ScanFiles | Where-Object { Test-Path -LiteralPath $_ })
    }

    function Format-Hit($Hit) { "$(Split-Path -Leaf $Hit.File) at offset $($Hit.Offset): a $($Hit.SecretLength)-character secret (sha256 $($Hit.Fingerprint)...)" }
}

Describe 'Secret scan of everything the cmdlets emitted during the suite' -Tag 'SecretScan' {
    It 'tapped enough of the suite for the scan to mean something' {
        if (-not $script:Tap) { Set-ItResult -Skipped -Because $script:NoTap; return }
        $records = $script:Tap.Summary.Records
        $errors = $records['error (ErrorVariable)'] + $records['error ($Error sweep)']
        $bytes = (Get-ScanTarget | ForEach-Object { (Get-Item -LiteralPath $_).Length } | Measure-Object -Sum).Sum
        $actual = [ordered]@{
            'cmdlet invocations tapped' = $script:Tap.Invocations
            'secrets checked'           = $script:Tap.SecretSet.Values.Count
            'output records'            = $records['output']
            'error records'             = $errors
            'verbose lines'             = $records['verbose (host, transcript lines)']
            'debug lines'               = $records['debug (host, transcript lines)']
            'TestDrive harvests'        = $script:Tap.Harvests.ContainsKey('TestDrive cleared') ? $script:Tap.Harvests['TestDrive cleared'] : 0
            'extra records'             = $records['extra (doc-example runspaces, child pwsh)']
            'bytes scanned'             = $bytes
        }
        Write-Host "    secret tap: $($script:Tap.Invocations) cmdlet invocations tapped; records per stream: $(($records.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ')"
        Write-Host "    secret tap: output types: $($script:Tap.Summary.OutputTypes -join ', '); -AsPlainText tokens left out: $($script:Tap.PlainTextExempt)"
        Write-Host "    secret tap: $($script:Tap.SecretSet.Values.Count) secrets (at least 12 characters) by origin: $(($script:Tap.SecretSet.Origins.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '); harvests: $(($script:Tap.Harvests.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ')"
        $script:Tap.HookErrors | Should -Be 0 -Because 'the invocation hook must never fail'
        if ($script:Tap.Filtered) { Set-ItResult -Skipped -Because 'a tag-filtered run: the minimums hold for the whole suite only'; return }
        foreach ($name in $script:Minimum.Keys) {
            $actual[$name] | Should -BeGreaterOrEqual $script:Minimum[$name] -Because "the tap of a full run has at least $($script:Minimum[$name]) $name"
        }
    }

    It 'finds none of the suite''s secrets in any tap file, the transcript or the Pester results' {
        if (-not $script:Tap) { Set-ItResult -Skipped -Because $script:NoTap; return }
        $targets = Get-ScanTarget
        $targets | Should -Not -BeNullOrEmpty
        $script:Tap.SecretSet.Values.Count | Should -BeGreaterThan 0
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $hits = @(Find-SecretInFile -Secrets $script:Tap.SecretSet -Path $targets)
        $bytes = ($targets | ForEach-Object { (Get-Item -LiteralPath $_).Length } | Measure-Object -Sum).Sum
        Write-Host ("    secret scan: {0} secrets checked in {1} files ({2}), {3:N0} bytes scanned in {4:N1} s; hits {5}" -f
            $script:Tap.SecretSet.Values.Count, $targets.Count, (($targets | ForEach-Object { Split-Path -Leaf $_ }) -join ', '), $bytes, $watch.Elapsed.TotalSeconds, $hits.Count)
        $hits | ForEach-Object { Format-Hit $_ } | Should -BeNullOrEmpty -Because 'no secret may reach any stream, the host or the test results'
    }
}

Describe 'The scanner finds what it looks for (self-test)' -Tag 'SecretScan' {
    BeforeAll {
        function New-PlantedSecret { 'planted-' + [guid]::NewGuid().ToString('N') + [guid]::NewGuid().ToString('N').Substring(0, 8) }
        function Write-Scratch([string] $Name, [string] $Text) { $p = Join-Path $TestDrive $Name; [IO.File]::WriteAllText($p, $Text); $p }
    }

    It 'finds a secret planted in a scratch tap file, at the right offset, and nothing in a clean one' {
        $secret = New-PlantedSecret
        $set = New-SecretSet
        Add-SecretValue -Set $set -Value $secret -Origin 'planted'
        Add-SecretValue -Set $set -Value 'short' -Origin 'planted'   # under the minimum length: not a secret to look for
        $set.Values.Count | Should -Be 1
        $dirty = Write-Scratch 'dirty.txt' ("### output #1`n[Moltbot.Models.MoltbotAuthProfile] anthropic:default`n  .Note:`n    see $secret here`n")
        $clean = Write-Scratch 'clean.txt' "### output #1`n[Moltbot.Models.MoltbotAuthProfile] anthropic:default`n"
        $hits = @(Find-SecretInFile -Secrets $set -Path $dirty, $clean)
        $hits | Should -HaveCount 1
        $hits[0].File | Should -Be $dirty
        $hits[0].Offset | Should -Be ([IO.File]::ReadAllText($dirty).IndexOf($secret))
        (Format-Hit $hits[0]) | Should -Not -Match ([regex]::Escape($secret)) -Because 'a hit never shows the secret'
    }

    It 'finds a secret that appears only inside an error record''s exception chain' {
        $secret = New-PlantedSecret
        $set = New-SecretSet
        Add-SecretValue -Set $set -Value $secret
        function Invoke-Refused {
            # Fails as a cmdlet does: a terminating error whose inner exception alone holds the secret.
            [CmdletBinding()] param([string] $Body)
            $inner = [System.Net.Http.HttpRequestException]::new("token endpoint answered 400: {`"refresh_token`":`"$Body`"}")
            $outer = [InvalidOperationException]::new('The refresh was refused.', $inner)
            $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($outer, 'MoltbotRefreshFailed', 'AuthenticationError', 'openai-codex:default'))
        }
        $caught = $null
        try { Invoke-Refused -Body $secret -ErrorVariable captured } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        "$caught" | Should -Not -Match $secret -Because 'the record''s own text is clean: only the serializer''s depth finds it'
        # The ErrorRecord (as $Error and catch see it) and what -ErrorVariable holds for a terminating error (the
        # CmdletInvocationException that carries the record).
        $captured | Should -HaveCount 1
        foreach ($item in $caught, $captured[0]) {
            $file = Write-Scratch "error-$([guid]::NewGuid().ToString('N')).txt" (ConvertTo-TapText $item)
            @(Find-SecretInFile -Secrets $set -Path $file) | Should -HaveCount 1 -Because "the serialized $($item.GetType().Name) holds the inner message"
        }
    }

    It 'finds a secret held only by a nested property of an output object, an ErrorDetails text or a TargetObject' {
        $secret = New-PlantedSecret
        $set = New-SecretSet
        Add-SecretValue -Set $set -Value $secret
        $nested = [pscustomobject]@{ ProfileId = 'a:b'; Detail = [pscustomobject]@{ Inner = @{ deep = @('x', $secret) } } }
        "$nested" | Should -Not -Match $secret
        $withDetails = [System.Management.Automation.ErrorRecord]::new([Exception]::new('clean'), 'X', 'InvalidData', $null)
        $withDetails.ErrorDetails = [System.Management.Automation.ErrorDetails]::new('clean') 
        $withDetails.ErrorDetails.RecommendedAction = "retry with $secret"
        $withTarget = [System.Management.Automation.ErrorRecord]::new([Exception]::new('clean'), 'X', 'InvalidData', [pscustomobject]@{ Store = @{ token = $secret } })
        foreach ($item in $nested, $withDetails, $withTarget) {
            $file = Write-Scratch "obj-$([guid]::NewGuid().ToString('N')).txt" (ConvertTo-TapText $item)
            @(Find-SecretInFile -Secrets $set -Path $file) | Should -HaveCount 1
        }
    }

    It 'harvests the secret fields of a store and the code of a callback URL' {
        $access = 'eyJhbGciOi.' + [guid]::NewGuid().ToString('N')
        $refresh = 'rt-' + [guid]::NewGuid().ToString('N')
        $code = [guid]::NewGuid().ToString('N') + '-_x'
        $store = "{`"version`":1,`"profiles`":{`"openai-codex:default`":{`"type`":`"oauth`",`"access`":`"$access`",`"refresh`":`"$refresh`",`"accountId`":`"acct-not-a-secret-0001`"},`"anthropic:default`":{`"type`":`"token`",`"token`":`"sk-ant-oat01-0123456789`"},`"x:y`":{`"type`":`"api_key`",`"key`":`"k`"}}}"
        $found = @(Get-SecretFromText $store) + @(Get-SecretFromText "http://localhost:1455/auth/callback?code=$code&state=abc")
        $set = New-SecretSet
        foreach ($f in $found) { Add-SecretValue -Set $set -Value $f.Value -Origin $f.Origin }
        $set.Values | Should -Contain $access
        $set.Values | Should -Contain $refresh
        $set.Values | Should -Contain 'sk-ant-oat01-0123456789'
        $set.Values | Should -Contain $code
        $set.Values | Should -Not -Contain 'acct-not-a-secret-0001'
        $set.Values | Should -Not -Contain 'k'
    }
}
