<#
    Issue 12 (files): one bad agent never hides the others in a listing (a store over the size cap, a FIFO store), a
    0644 store warns once per file per session, and the peak memory of a 50 MB store (measured in a fresh pwsh, VmHWM).
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:ModulePath = Get-BuiltModulePath
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function New-Store([string] $State, [string] $Agent) {
        $dir = Join-Path $State "agents/$Agent/agent"
        New-Item -ItemType Directory -Force $dir | Out-Null
        Join-Path $dir 'auth-profiles.json'
    }
}

AfterAll {
    Remove-Item Env:OPENCLAW_STATE_DIR -ErrorAction Ignore
}

Describe 'A bad agent does not hide the others' {
    BeforeEach {
        $script:State = New-TestStateDir
        # 'a' sorts first: the old code's IOException ended the listing before 'b'.
        $script:BadStore = New-Store $script:State 'a'
        $null = New-Store $script:State 'b'
        Set-MoltbotApiKey -Agent b -Provider openrouter -ApiKey (ConvertTo-TestSecret 'sk-or-v1-PESTERLISTING')
    }

    It 'lists agent b and reports agent a''s <Kind> store as a typed error' -TestCases @(
        @{ Kind = 'oversized'; ErrorId = 'MoltbotFileTooLarge' }
        @{ Kind = 'FIFO'; ErrorId = 'MoltbotNotRegularFile' }
    ) {
        if ($Kind -eq 'FIFO') {
            if ($IsWindows) { Set-ItResult -Skipped -Because 'no FIFOs on Windows'; return }
            & mkfifo $script:BadStore
        }
        else {
            $fs = [IO.File]::Create($script:BadStore)
            try { $fs.SetLength(70MB) } finally { $fs.Dispose() } # sparse, over the old 64 MiB limit
        }
        # A child pwsh, so that a hang (the old code on a FIFO) fails the test instead of blocking the run.
        $script = {
            param($ModulePath, $State)
            Import-Module $ModulePath
            $env:OPENCLAW_STATE_DIR = $State
            $p = @(Get-MoltbotAuthProfile -ErrorVariable pe -ErrorAction SilentlyContinue)
            $a = @(Get-MoltbotAgent -ErrorVariable ae -ErrorAction SilentlyContinue)
            [ordered]@{
                profiles = @($p | ForEach-Object { "$($_.Agent)/$($_.ProfileId)" })
                profileErrors = @($pe | ForEach-Object { "$($_.FullyQualifiedErrorId)|$($_.CategoryInfo.Category)" })
                agents = @($a | ForEach-Object { $_.Id })
                agentErrors = @($ae | ForEach-Object { "$($_.FullyQualifiedErrorId)|$($_.CategoryInfo.Category)" })
            } | ConvertTo-Json -Compress
        }
        $psi = [Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($arg in '-NoProfile', '-NonInteractive', '-Command', "& { $script } '$($script:ModulePath)' '$($script:State)'") { $psi.ArgumentList.Add($arg) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $proc = [Diagnostics.Process]::Start($psi)
        $stdout = $proc.StandardOutput.ReadToEndAsync()
        $stderr = $proc.StandardError.ReadToEndAsync()
        if (-not $proc.WaitForExit(120000)) {
            $proc.Kill($true)
            throw "Get-MoltbotAuthProfile / Get-MoltbotAgent hung on the $Kind store (killed after 120 s)"
        }
        $json = $stdout.Result.Trim() -split "`n" | Select-Object -Last 1
        if (-not $json) { throw "no result: $($stderr.Result)" }
        $r = $json | ConvertFrom-Json
        Write-Host "    listing with a $Kind store in agent a: $($r.profiles.Count) profile(s) listed ($($r.profiles -join ', ')), errors $($r.profileErrors -join ', '); agents $($r.agents -join ', '), errors $($r.agentErrors -join ', '); $($sw.ElapsedMilliseconds) ms"
        $r.profiles | Should -Be @('b/openrouter:default')
        $r.profileErrors | Should -HaveCount 1
        $r.profileErrors[0] | Should -BeLike "$ErrorId,*|InvalidData"
        $r.agents | Should -Contain 'a'
        $r.agents | Should -Contain 'b'
        $r.agentErrors[0] | Should -BeLike "$ErrorId,*|InvalidData"
    }
}

Describe 'A store readable by others' {
    It 'warns once per file per session (0644), as ssh warns about a private key' -Skip:$IsWindows {
        $state = New-TestStateDir
        Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-TestSecret 'sk-or-v1-PESTERLOOSE')
        $store = Join-Path $state 'agents/main/agent/auth-profiles.json'
        [IO.File]::SetUnixFileMode($store, [Convert]::ToInt32('644', 8))
        $null = Get-MoltbotAuthProfile -WarningVariable first -WarningAction SilentlyContinue
        $null = Get-MoltbotAuthProfile -WarningVariable second -WarningAction SilentlyContinue
        $null = Get-MoltbotAgent -WarningVariable third -WarningAction SilentlyContinue
        Write-Host "    0644 store: $($first.Count) warning(s) on the first read, $($second.Count + $third.Count) on the next two"
        @($first | Where-Object { "$_" -like "*$store*0644*" }) | Should -HaveCount 1
        $second + $third | Should -BeNullOrEmpty
    }
}

Describe 'Memory of a 50 MB store' {
    It 'peaks at <Expect> for a <Size> store' -Skip:(-not $IsLinux) -TestCases @(
        @{ Size = '50 MB'; Bytes = 50MB; Expect = 'a typed error, nothing parsed' }
        @{ Size = '15 MB'; Bytes = 15MB; Expect = 'a parse under the cap' }
    ) {
        $state = New-TestStateDir
        $store = New-Store $state 'main'
        # Many small static profiles, as a store grows in practice (no secret: the keys are fake and never printed).
        $writer = [IO.StreamWriter]::new($store)
        try {
            $writer.Write("{`"version`":1,`"profiles`":{")
            $i = 0
            while ($writer.BaseStream.Length -lt $Bytes - 200) {
                if ($i) { $writer.Write(',') }
                $writer.Write("`"openrouter:p$i`":{`"type`":`"api_key`",`"provider`":`"openrouter`",`"key`":`"sk-or-v1-memory-$($i.ToString('d12'))`",`"email`":`"user$i@example.com`"}")
                $i++
                if ($i % 1000 -eq 0) { $writer.Flush() }
            }
            $writer.Write('}}')
        }
        finally { $writer.Dispose() }
        [IO.File]::SetUnixFileMode($store, [Convert]::ToInt32('600', 8))
        $length = (Get-Item $store).Length
        $script = {
            param($ModulePath, $State)
            Import-Module $ModulePath
            $env:OPENCLAW_STATE_DIR = $State
            $hwm = { [long] ((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', '') * 1KB }
            $before = & $hwm
            $n = @(Get-MoltbotAuthProfile -ErrorVariable e -ErrorAction SilentlyContinue).Count
            [ordered]@{ before = $before; after = (& $hwm); count = $n; errors = @($e | ForEach-Object FullyQualifiedErrorId) } | ConvertTo-Json -Compress
        }
        $json = & $script:Pwsh -NoProfile -NonInteractive -Command "& { $script } '$($script:ModulePath)' '$state'" | Select-Object -Last 1
        $r = $json | ConvertFrom-Json
        Write-Host ("    {0:N1} MiB store ({1} profiles): peak RSS {2:N0} MiB before the read, {3:N0} MiB after; {4} profile(s) listed, errors: {5}" -f ($length / 1MB), $i, ($r.before / 1MB), ($r.after / 1MB), $r.count, ($r.errors -join ', '))
        if ($Bytes -gt 16MB) {
            $r.errors | Should -HaveCount 1
            $r.errors[0] | Should -BeLike 'MoltbotFileTooLarge,*'
            $r.count | Should -Be 0
        }
        else {
            $r.errors | Should -BeNullOrEmpty
            $r.count | Should -Be $i
        }
    }
}
