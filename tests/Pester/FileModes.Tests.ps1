<#
    "Every file and folder the module creates is 0600 / 0700 from the moment it exists."

    A scenario runs in a child pwsh started as `sh -c 'umask 000; exec ...'`, so nothing but the module's own mode
    arguments keeps a new file or folder private. It goes through every creating path of the module:
      phase 1: Import-MoltbotLegacyCredential (a legacy credentials/oauth.json made by the test), New-MoltbotAgent,
               Set-MoltbotApiKey, Set-MoltbotSetupToken, Set-MoltbotAuthOrder (agent and -Global: openclaw.json),
               Remove-MoltbotAuthProfile; each write takes the store/config lock file and writes a temp file that is
               renamed over the target;
      phase 2: Get-MoltbotAccessToken on an expired OAuth profile (put into the store by the test between the phases)
               whose token endpoint is a closed port (MOLTBOT_OPENAI_CODEX_AUTHORITY=http://127.0.0.1:9): the refresh
               fails, but only after the module has made <state>/locks/oauth-refresh and taken both locks.
    With strace (-ff, one log per thread) every creating syscall under the state dir is parsed: each O_CREAT open and
    each creat must carry 0600, each mkdir/mkdirat 0700, in the syscall itself, so there is no window in which the
    entry is wider; no chmod may widen anything. A negative control (`touch` and `mkdir` under the same trace) proves
    the parser flags a 0666 file and a 0777 folder. Without strace (or when ptrace is not permitted) those tests are
    skipped with the reason, and the fallback still runs: under umask 000, every entry the module created is exactly
    0600 / 0700 afterwards. Folders the test itself makes (the state dir, credentials/) are out of scope.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:Strace = (Get-Command strace -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    $script:Syscalls = 'openat,open,creat,mkdir,mkdirat,chmod,fchmod,fchmodat,rename,renameat,renameat2,link,linkat,symlink,symlinkat'
    # Why the strace tests cannot run here (they report it through Set-ItResult -Skipped); $null when they can.
    $script:StraceSkip = if ($IsWindows) { 'POSIX modes do not apply on Windows' }
    elseif (-not $script:Strace) { 'strace is not installed (apt-get install strace); the stat fallback still runs' }
    else {
        & $script:Strace -f -o /dev/null true 2>$null
        if ($LASTEXITCODE -ne 0) { "strace cannot trace here (ptrace not permitted? exit $LASTEXITCODE); the stat fallback still runs" }
    }

    $script:Phase1 = @'
param([string] $ModulePath, [string] $State, [string] $Result)
$ErrorActionPreference = 'Stop'
$report = [ordered]@{ umask = "$(& sh -c umask)"; ok = $false }
try {
    Import-Module $ModulePath
    $env:OPENCLAW_STATE_DIR = $State
    $null = Import-MoltbotLegacyCredential                       # agents/, agents/main/agent, the main store
    $null = New-MoltbotAgent work                                # agents/work/{agent,sessions}, workspace-work, openclaw.json
    Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-SecureString 'sk-or-v1-filemodes-key-0123456789' -AsPlainText -Force) -Agent work
    Set-MoltbotApiKey -Provider openai -ApiKey (ConvertTo-SecureString 'sk-proj-filemodes-key-0123456789' -AsPlainText -Force)
    Set-MoltbotSetupToken -Token (ConvertTo-SecureString ('sk-ant-oat01-FILEMODES' + ('x' * 58) + [guid]::NewGuid().ToString('N')) -AsPlainText -Force)
    Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:default -Agent main
    Set-MoltbotAuthOrder -Provider anthropic -ProfileId anthropic:default -Global
    Remove-MoltbotAuthProfile -ProfileId openai:default -Force
    $report.ok = $true
}
catch { $report.error = "$($_.FullyQualifiedErrorId): $_" }
$report | ConvertTo-Json | Set-Content -LiteralPath $Result
'@

    $script:Phase2 = @'
param([string] $ModulePath, [string] $State, [string] $Result)
$ErrorActionPreference = 'Stop'
$report = [ordered]@{ umask = "$(& sh -c umask)"; ok = $false }
try {
    Import-Module $ModulePath
    $env:OPENCLAW_STATE_DIR = $State
    $env:MOLTBOT_OPENAI_CODEX_AUTHORITY = 'http://127.0.0.1:9'   # a closed port: the refresh fails after the locks
    try { $null = Get-MoltbotAccessToken -ProfileId openai-codex:default -AsPlainText; $report.errorId = 'none' }
    catch { $report.errorId = $_.FullyQualifiedErrorId }
    $report.ok = $true
}
catch { $report.error = "$($_.FullyQualifiedErrorId): $_" }
$report | ConvertTo-Json | Set-Content -LiteralPath $Result
'@

    function Invoke-UnderUmask0 {
        <# Runs $Command under `sh -c 'umask 000; exec "$@"'`; returns { ExitCode, StdErr }. #>
        param([string[]] $Command, [int] $TimeoutSec = 180)
        $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($a in @('-c', 'umask 000; exec "$@"', 'sh') + $Command) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.WorkingDirectory = $TestDrive
        $p = [System.Diagnostics.Process]::Start($psi)
        try {
            $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
            if (-not $p.WaitForExit($TimeoutSec * 1000)) { $p.Kill($true); throw "$($Command[0]) did not finish within $TimeoutSec s." }
            $p.WaitForExit()
            [pscustomobject]@{ ExitCode = $p.ExitCode; StdErr = $err.Result; StdOut = $out.Result }
        }
        finally { $p.Dispose() }
    }

    function Get-StraceCommand([string] $Prefix) {
        @($script:Strace, '-ff', '-y', '-s', '4096', '-o', $Prefix, '-e', "trace=$($script:Syscalls)")
    }

    function Invoke-FileModeScenario {
        <# Runs both phases against a fresh state dir; returns the state dir, what existed before, the phase reports
           and (with -Trace) the strace log files. #>
        param([switch] $Trace)
        $root = Join-Path $TestDrive ('fm-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        [IO.Directory]::CreateDirectory($root, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') | Out-Null
        $state = Join-Path $root 'state'
        [IO.Directory]::CreateDirectory($state, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') | Out-Null
        $state = (Resolve-Path $state).Path
        # A legacy credentials/oauth.json (made by the test, so out of scope) for Import-MoltbotLegacyCredential.
        New-Item -ItemType Directory (Join-Path $state 'credentials') | Out-Null
        '{"anthropic":{"access":"legacy-access-filemodes","refresh":"legacy-refresh-filemodes","expires":1}}' |
            Set-Content (Join-Path $state 'credentials/oauth.json')
        $preexisting = @($state) + @(Get-ChildItem -Recurse -Force $state | ForEach-Object FullName)
        $traceDir = Join-Path $root 'trace'
        New-Item -ItemType Directory $traceDir | Out-Null
        $reports = @()
        foreach ($phase in 1, 2) {
            if ($phase -eq 2) {
                # Between the phases the test (not the module, not traced) adds an expired OAuth profile to the store.
                $store = Join-Path $state 'agents/main/agent/auth-profiles.json'
                $doc = Get-Content -Raw $store | ConvertFrom-Json -AsHashtable
                $doc.profiles['openai-codex:default'] = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = 'expired.access.filemodes'
                    refresh = 'expired-refresh-filemodes'; expires = 1000; accountId = 'acct-filemodes' }
                [IO.File]::WriteAllText($store, ($doc | ConvertTo-Json -Depth 10))
            }
            $scriptPath = Join-Path $root "phase$phase.ps1"
            Set-Content -LiteralPath $scriptPath -Value (Get-Variable "Phase$phase" -Scope Script -ValueOnly)
            $resultPath = Join-Path $root "phase$phase.json"
            $command = @($script:Pwsh, '-NoProfile', '-NonInteractive', '-File', $scriptPath, $script:ModulePath, $state, $resultPath)
            if ($Trace) { $command = (Get-StraceCommand (Join-Path $traceDir "phase$phase")) + $command }
            $run = Invoke-UnderUmask0 $command
            if (-not (Test-Path $resultPath)) { throw "Phase $phase reported nothing (exit $($run.ExitCode)): $($run.StdErr)" }
            $reports += Get-Content -Raw $resultPath | ConvertFrom-Json
        }
        [pscustomobject]@{
            State = $state; Preexisting = $preexisting; Reports = $reports
            TraceFiles = @(if ($Trace) { Get-ChildItem $traceDir -File | ForEach-Object FullName })
        }
    }

    function ConvertFrom-StraceLog {
        <# The creating/permission syscalls of strace logs that touch paths under $Root, each judged. #>
        param([string[]] $Path, [string] $Root)
        $prefix = $Root.TrimEnd('/') + '/'
        $q = '"(?<path>(?:[^"\\]|\\.)*)"'
        $dirfd = '(?:AT_FDCWD|\d+)(?:<[^>]*>)?'
        $patterns = [ordered]@{
            openat   = [regex]"\bopenat\($dirfd, $q, (?<flags>[A-Z0-9_|]+)(?:, (?<mode>0[0-7]*))?"
            open     = [regex]"(?<![a-z])open\($q, (?<flags>[A-Z0-9_|]+)(?:, (?<mode>0[0-7]*))?"
            creat    = [regex]"\bcreat\($q, (?<mode>0[0-7]*)"
            mkdir    = [regex]"(?<![a-z])mkdir\($q, (?<mode>0[0-7]*)"
            mkdirat  = [regex]"\bmkdirat\($dirfd, $q, (?<mode>0[0-7]*)"
            chmod    = [regex]"(?<![a-z])chmod\($q, (?<mode>0[0-7]*)"
            fchmodat = [regex]"\bfchmodat\($dirfd, $q, (?<mode>0[0-7]*)"
            fchmod   = [regex]"\bfchmod\(\d+<(?<path>[^>]*)>, (?<mode>0[0-7]*)"
            # Two names: a rename or a hard link makes the second name an entry with the first one's inode (and mode).
            rename   = [regex]"\b(?<call>rename(?:at2?)?|link(?:at)?)\((?:$dirfd, )?$q, (?:$dirfd, )?`"(?<target>(?:[^`"\\]|\\.)*)`""
            symlink  = [regex]"\bsymlink(?:at)?\($q, (?:$dirfd, )?`"(?<target>(?:[^`"\\]|\\.)*)`""
        }
        $results = [System.Collections.Generic.List[object]]::new()
        foreach ($file in $Path) {
            foreach ($line in [IO.File]::ReadLines($file)) {
                foreach ($kind in $patterns.Keys) {
                    $m = $patterns[$kind].Match($line)
                    if (-not $m.Success) { continue }
                    $p = [regex]::Unescape($m.Groups['path'].Value)
                    $source = $null
                    if ($m.Groups['target'].Success) { $source = $p; $p = [regex]::Unescape($m.Groups['target'].Value) }
                    if (-not $p.StartsWith($prefix, [StringComparison]::Ordinal)) { break }
                    $flags = $m.Groups['flags'].Value
                    $mode = if ($m.Groups['mode'].Success) { [Convert]::ToInt32($m.Groups['mode'].Value, 8) } else { $null }
                    $category = switch ($kind) {
                        { $_ -in 'openat', 'open' } { if ($flags -match '\bO_CREAT\b') { 'create-file' } else { 'open' } }
                        'creat' { 'create-file' }
                        { $_ -in 'mkdir', 'mkdirat' } { 'create-dir' }
                        { $_ -in 'chmod', 'fchmodat', 'fchmod' } { 'chmod' }
                        'symlink' { 'symlink' }
                        default { if ($m.Groups['call'].Value -like 'link*') { 'link' } else { 'rename' } }
                    }
                    if ($category -eq 'open') { break }
                    $violation = switch ($category) {
                        'create-file' { if ($mode -ne 0x180) { "created with mode $(if ($null -eq $mode) { 'none' } else { [Convert]::ToString($mode, 8) }), not 0600" } }
                        'create-dir' { if ($mode -ne 0x1C0) { "created with mode $([Convert]::ToString($mode, 8)), not 0700" } }
                        'chmod' { if (($mode -band 0x3F) -ne 0) { "chmod $([Convert]::ToString($mode, 8)) opens it to group/other" } }
                        'symlink' { 'a symlink (mode 0777) under the state dir' }
                    }
                    $results.Add([pscustomobject]@{
                        Kind = ($m.Groups['call'].Success ? $m.Groups['call'].Value : $kind); Category = $category; Path = $p; Relative = $p.Substring($prefix.Length); Source = $source
                        Mode = $mode; Flags = $flags; Failed = $line -match '\) = -1 '; Violation = $violation
                    })
                    break
                }
            }
        }
        # A name made by rename or link(2) is the source's inode: it has the mode the source was created with.
        $createdMode = @{}
        foreach ($r in $results) { if ($r.Category -eq 'create-file') { $createdMode[$r.Path] = $r.Mode } }
        foreach ($r in $results) {
            if ($r.Category -notin 'rename', 'link' -or $r.Failed) { continue }
            if ($createdMode.ContainsKey($r.Source)) {
                $r.Mode = $createdMode[$r.Source]
                if ($r.Mode -ne 0x180) { $r.Violation = "gets the inode of $(Split-Path -Leaf $r.Source), created $([Convert]::ToString($r.Mode, 8)), not 0600" }
            }
            else { $r.Violation = "gets the inode of $($r.Source), whose creation the trace did not see" }
        }
        $results
    }

    function Get-ModeViolation {
        <# Every entry under $State not in $Preexisting whose mode is not exactly 0700 (folder) / 0600 (file). #>
        param([string] $State, [string[]] $Preexisting)
        Get-ChildItem -Recurse -Force $State | Where-Object { $_.FullName -notin $Preexisting } | ForEach-Object {
            $mode = [int] [IO.File]::GetUnixFileMode($_.FullName)
            $want = if ($_.PSIsContainer) { 0x1C0 } else { 0x180 }
            [pscustomobject]@{ Relative = $_.FullName.Substring($State.Length + 1); Folder = $_.PSIsContainer; Mode = [Convert]::ToString($mode, 8); Ok = $mode -eq $want }
        }
    }
}

Describe 'Modes of everything the module creates (umask 000)' -Tag 'FileModes' -Skip:$IsWindows {
    It 'carries 0600 / 0700 in every creating syscall under the state dir, with no widening chmod (strace)' {
        if ($script:StraceSkip) { Set-ItResult -Skipped -Because $script:StraceSkip; return }
        $run = Invoke-FileModeScenario -Trace
        foreach ($r in $run.Reports) {
            $r.ok | Should -BeTrue -Because "the scenario must run ($($r.error))"
            $r.umask | Should -Be '0000' -Because 'the child runs under umask 000'
        }
        $run.Reports[1].errorId | Should -BeLike 'MoltbotRefreshFailed,*' -Because 'the refresh against a closed port fails after taking the locks'
        $run.TraceFiles | Should -Not -BeNullOrEmpty

        $calls = @(ConvertFrom-StraceLog -Path $run.TraceFiles -Root $run.State)
        $files = @($calls | Where-Object Category -eq 'create-file')
        $dirs = @($calls | Where-Object Category -eq 'create-dir')
        $chmods = @($calls | Where-Object Category -eq 'chmod')
        $renames = @($calls | Where-Object Category -eq 'rename')
        $links = @($calls | Where-Object Category -eq 'link')
        $violations = @($calls | Where-Object Violation)
        $kinds = ($calls | Group-Object Kind | Sort-Object Name | ForEach-Object { "$($_.Name) $($_.Count)" }) -join ', '
        Write-Host (("    file modes (strace): {0} O_CREAT/creat checked ({1} lock files, {2} temp files, {3} other), {4} mkdir checked, {10} lock files linked from a temp file, " +
            "{5} chmod (0 may widen), {6} renames and {9} hard links (each name checked against its source's creating mode); by syscall: {7}; violations {8}") -f $files.Count,
            @($files | Where-Object Relative -like '*.lock').Count, @($files | Where-Object Relative -like '*.tmp').Count,
            @($files | Where-Object { $_.Relative -notlike '*.lock' -and $_.Relative -notlike '*.tmp' }).Count,
            $dirs.Count, $chmods.Count, $renames.Count, $kinds, $violations.Count, $links.Count, @($links | Where-Object Relative -like '*.lock').Count)

        $violations | ForEach-Object { "$($_.Kind) $($_.Relative): $($_.Violation)" } | Should -BeNullOrEmpty

        # Coverage: every creating path of the module was seen, so the zero above is not vacuous.
        # A lock file appears by link(2) from a 0600 temp file (or, without hard links, by an O_CREAT open).
        $created = @($files.Relative) + @(@($links) + @($renames) | Where-Object { -not $_.Failed } | ForEach-Object Relative)
        foreach ($expected in 'agents/main/agent/auth-profiles.json.lock', 'agents/work/agent/auth-profiles.json.lock', 'openclaw.json.lock') {
            $created | Should -Contain $expected
        }
        foreach ($pattern in 'agents/main/agent/auth-profiles.json.*.tmp', 'agents/work/agent/auth-profiles.json.*.tmp', 'openclaw.json.*.tmp', 'locks/oauth-refresh/sha256-*.lock') {
            @($created | Where-Object { $_ -like $pattern }) | Should -Not -BeNullOrEmpty -Because "the scenario creates $pattern"
        }
        foreach ($expected in 'agents', 'agents/main', 'agents/main/agent', 'agents/work', 'agents/work/agent', 'agents/work/sessions', 'workspace-work', 'locks', 'locks/oauth-refresh') {
            $dirs.Relative | Should -Contain $expected
        }
        $renames | Where-Object { $_.Relative -eq 'agents/main/agent/auth-profiles.json' -and $_.Source -like '*/auth-profiles.json.*.tmp' } |
            Should -Not -BeNullOrEmpty -Because 'the store is written to a temp file renamed over it'

        # Every chmod sets the very mode the entry was created with: nothing is narrowed after the fact.
        $createdMode = @{}
        foreach ($c in @($files) + @($dirs)) { $createdMode[$c.Path] = $c.Mode }
        $narrowed = @($chmods | Where-Object { $createdMode.ContainsKey($_.Path) -and $createdMode[$_.Path] -ne $_.Mode })
        $narrowed | ForEach-Object { "$($_.Relative): created $([Convert]::ToString($createdMode[$_.Path], 8)), chmod $([Convert]::ToString($_.Mode, 8))" } | Should -BeNullOrEmpty

        # And the tree at the end agrees.
        @(Get-ModeViolation -State $run.State -Preexisting $run.Preexisting | Where-Object { -not $_.Ok }) |
            ForEach-Object { "$($_.Relative) $($_.Mode)" } | Should -BeNullOrEmpty
    }

    It 'negative control: the same parser flags a file made 0666, a folder made 0777 and a hard link to a 0666 file' {
        if ($script:StraceSkip) { Set-ItResult -Skipped -Because $script:StraceSkip; return }
        $state = Join-Path $TestDrive ('control-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        [IO.Directory]::CreateDirectory($state, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') | Out-Null
        $state = (Resolve-Path $state).Path
        $prefix = Join-Path $TestDrive ('control-trace-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $prefix | Out-Null
        $r1 = Invoke-UnderUmask0 ((Get-StraceCommand (Join-Path $prefix 'touch')) + @('touch', (Join-Path $state 'careless.json')))
        $r2 = Invoke-UnderUmask0 ((Get-StraceCommand (Join-Path $prefix 'mkdir')) + @('mkdir', (Join-Path $state 'careless-dir')))
        $r3 = Invoke-UnderUmask0 ((Get-StraceCommand (Join-Path $prefix 'ln')) + @('sh', '-c', ': > "$1/careless-src"; ln "$1/careless-src" "$1/careless-link"', 'sh', $state))
        $r1.ExitCode | Should -Be 0
        $r2.ExitCode | Should -Be 0
        $r3.ExitCode | Should -Be 0
        $calls = @(ConvertFrom-StraceLog -Path (Get-ChildItem $prefix -File).FullName -Root $state)
        $flagged = @($calls | Where-Object Violation)
        Write-Host "    file modes (negative control): $($calls.Count) creating syscalls parsed, $($flagged.Count) flagged: $(($flagged | ForEach-Object { "$($_.Kind) $($_.Relative) $([Convert]::ToString($_.Mode, 8))" }) -join '; ')"
        ($flagged | Where-Object { $_.Category -eq 'create-file' -and $_.Relative -eq 'careless.json' }).Mode | Should -Be 0x1B6 # 0666
        ($flagged | Where-Object { $_.Category -eq 'create-dir' -and $_.Relative -eq 'careless-dir' }).Mode | Should -Be 0x1FF # 0777
        ($flagged | Where-Object { $_.Category -eq 'link' -and $_.Relative -eq 'careless-link' }).Mode | Should -Be 0x1B6 -Because 'a hard link has the mode its 0666 source was created with'
        # The stat fallback catches the same two.
        @(Get-ModeViolation -State $state -Preexisting @() | Where-Object { -not $_.Ok }).Relative | Sort-Object | Should -Be @('careless-dir', 'careless-link', 'careless-src', 'careless.json')
    }

    It 'leaves every entry it created at exactly 0600 (files) / 0700 (folders) under umask 000 (no strace needed)' {
        $run = Invoke-FileModeScenario
        foreach ($r in $run.Reports) {
            $r.ok | Should -BeTrue -Because "the scenario must run ($($r.error))"
            $r.umask | Should -Be '0000'
        }
        $entries = @(Get-ModeViolation -State $run.State -Preexisting $run.Preexisting)
        $bad = @($entries | Where-Object { -not $_.Ok })
        Write-Host "    file modes (stat, umask 000): $(@($entries | Where-Object Folder).Count) folders and $(@($entries | Where-Object { -not $_.Folder }).Count) files created by the module checked; violations $($bad.Count)"
        $bad | ForEach-Object { "$($_.Relative) $($_.Mode)" } | Should -BeNullOrEmpty
        $entries.Relative | Should -Contain 'agents/main/agent/auth-profiles.json'
        $entries.Relative | Should -Contain 'agents/work/agent/auth-profiles.json'
        $entries.Relative | Should -Contain 'openclaw.json'
        $entries.Relative | Should -Contain 'locks/oauth-refresh'
        $entries.Relative | Should -Contain 'workspace-work'
    }
}
