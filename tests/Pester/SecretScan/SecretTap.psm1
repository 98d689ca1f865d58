#Requires -Version 7.4
<#
    SecretTap: records everything the Moltbot cmdlets emit during a Pester run, and every secret the run used, so that
    SecretScan.Tests.ps1 can prove that no secret reached any stream (issue 7).

    build.ps1 Test runs the whole Pester suite in one child pwsh between Start-SecretTap and Stop-SecretTap, then runs
    SecretScan.Tests.ps1 in a second Invoke-Pester in the same process.

    The tap (no cmdlet or test changes needed):
      - $PSDefaultParameterValues for '*-Moltbot*': -Verbose and -Debug on (PS 7: Continue, no prompt), with
        -WarningAction Continue (a compiled cmdlet's -Debug still makes its warnings Inquire, even in PS 7.6: a prompt
        a non-interactive run answers with an error), and
        -OutVariable/-ErrorVariable/-WarningVariable/-InformationVariable '+<global list>' ('+' appends to the global
        ArrayList found by scope lookup). The OutVariable default is a script block: PowerShell evaluates it on every
        invocation, which counts the invocation and harvests secrets before the cmdlet runs.
      - A sweep of $Error (every error record of a Moltbot command, also those of calls that passed their own
        -ErrorVariable, and terminating ones caught by try/catch or Should -Throw).
      - Start-Transcript of the run: what the host showed (verbose, debug, warnings, error views, Pester's log).
      - Add-SecretTapRecord for what tests run outside this runspace (the documented examples' runspaces, child pwsh).
    The secrets (never written to disk; they live only in this process, $global:MoltbotSecretTap.SecretSet):
      - registered by the tests' helpers (New-TestSetupToken, ConvertTo-TestSecret);
      - harvested from every auth-profiles.json / auth-state.json / auth.json / credentials/oauth.json and any other
        JSON file under the test's TestDrive (fields key, token, access, refresh, id_token, access_token,
        refresh_token), and the OAuth authorization codes the fake browser wrote (callback files): before every
        cmdlet invocation (so that rotated tokens are known too) and when Pester clears a TestDrive (a hook on
        Pester's Clear-TestDrive / Remove-TestDrive, so that the last tokens a test wrote are known).
    Stop-SecretTap serializes the records deeply (ConvertTo-TapText) into files of the tap folder (0600, folder 0700).
#>
Set-StrictMode -Version 3.0

$script:MinSecretLength = 12
$script:SecretFields = 'key', 'token', 'access', 'refresh', 'id_token', 'access_token', 'refresh_token', 'apiKey', 'api_key'
$script:SecretFieldRegex = [regex]::new('"(?:' + (($script:SecretFields | ForEach-Object { [regex]::Escape($_) }) -join '|') + ')"\s*:\s*"((?:[^"\\]|\\.)*)', 'Compiled')
$script:CodeRegex = [regex]::new('[?&#]code=([^&#\s"]+)', 'Compiled')
$script:FileMode600 = [IO.UnixFileMode] 'UserRead, UserWrite'
$script:DirMode700 = [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute'

function Get-Tap {
    <# The active tap of this session, or $null. #>
    $tap = Get-Variable -Name MoltbotSecretTap -Scope Global -ValueOnly -ErrorAction Ignore
    if ($tap -and $tap.Active) { $tap } else { $null }
}

function New-SecretSet {
    <# An empty secret set: values (ordinal) and how many came from each origin. #>
    [pscustomobject]@{
        Values  = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
        Origins = [System.Collections.Generic.Dictionary[string, int]]::new()
    }
}

function Add-SecretValue {
    <# Adds a secret (and its URL-escaped form when that differs) to a set; ignores values shorter than the minimum. #>
    param([Parameter(Mandatory)] [object] $Set, [AllowNull()] [AllowEmptyString()] [string] $Value, [string] $Origin = 'other')
    if ([string]::IsNullOrWhiteSpace($Value)) { return }
    $Value = $Value.Trim()
    if ($Value.Length -lt $script:MinSecretLength) { return }
    if ($Set.Values.Add($Value)) {
        $Set.Origins[$Origin] = 1 + ($Set.Origins.ContainsKey($Origin) ? $Set.Origins[$Origin] : 0)
    }
    $escaped = [uri]::EscapeDataString($Value)
    if ($escaped -cne $Value) { [void] $Set.Values.Add($escaped) }
}

function Get-SecretFromText {
    <# The secret-looking values of JSON text (the secret fields) and of callback URLs (code=). #>
    param([string] $Text)
    foreach ($m in $script:SecretFieldRegex.Matches($Text)) {
        $raw = $m.Groups[1].Value
        $value = try { [regex]::Unescape($raw) } catch { $raw }
        [pscustomobject]@{ Origin = 'harvested from JSON files'; Value = $value }
    }
    foreach ($m in $script:CodeRegex.Matches($Text)) {
        $code = $m.Groups[1].Value
        [pscustomobject]@{ Origin = 'authorization codes'; Value = $code }
        [pscustomobject]@{ Origin = 'authorization codes'; Value = [uri]::UnescapeDataString($code) }
    }
}

function Invoke-SecretHarvest {
    <# Harvests every secret of the JSON and callback files under $Root into the tap's set (files re-read only when changed). #>
    param([string] $Root, [string] $Reason = 'invocation')
    $tap = Get-Tap
    if (-not $tap -or -not $tap.Active -or -not $Root -or -not [IO.Directory]::Exists($Root)) { return }
    $tap.Harvests[$Reason] = 1 + ($tap.Harvests.ContainsKey($Reason) ? $tap.Harvests[$Reason] : 0)
    $options = [IO.EnumerationOptions]::new()
    $options.RecurseSubdirectories = $true
    $options.IgnoreInaccessible = $true
    $options.AttributesToSkip = [IO.FileAttributes]::ReparsePoint
    try {
        foreach ($file in [IO.DirectoryInfo]::new($Root).EnumerateFiles('*', $options)) {
            $name = $file.Name
            $isJson = $name.EndsWith('.json', [StringComparison]::OrdinalIgnoreCase) -or $name.EndsWith('.jsonl', [StringComparison]::OrdinalIgnoreCase) -or
                $name.EndsWith('.json5', [StringComparison]::OrdinalIgnoreCase) -or ($name -like '*.json.*.tmp') -or ($name -like '*.bak*' -and $name -like '*.json*')
            $isCallback = $name -like 'callback-*.txt'
            # Length 0: nothing to learn, and a FIFO (the tests of issue 12 plant them as stores) reports 0 too;
            # opening one for reading would block the whole run until a writer comes, which is never.
            if (-not ($isJson -or $isCallback) -or $file.Length -eq 0 -or $file.Length -gt 4MB) { continue }
            $stamp = "$($file.LastWriteTimeUtc.Ticks)/$($file.Length)"
            $key = $file.FullName
            if ($tap.FileStamps.ContainsKey($key) -and $tap.FileStamps[$key] -eq $stamp) { continue }
            $tap.FileStamps[$key] = $stamp
            $text = try { [IO.File]::ReadAllText($key) } catch { continue }
            foreach ($s in Get-SecretFromText $text) { Add-SecretValue -Set $tap.SecretSet -Value $s.Value -Origin $s.Origin }
        }
    }
    catch [IO.IOException] { }
    catch [UnauthorizedAccessException] { }
}

function Register-TapSecret {
    <# Called by the tests' helpers (TestHelpers.psm1) for every secret they make or pass to a cmdlet. #>
    param([AllowNull()] [AllowEmptyString()] [string] $Value, [string] $Origin = 'registered by tests')
    $tap = Get-Tap
    if ($tap -and $tap.Active) { Add-SecretValue -Set $tap.SecretSet -Value $Value -Origin $Origin }
}

function Update-ErrorSweep {
    <# Copies the error records of Moltbot commands from $global:Error into the tap (each once). #>
    $tap = Get-Tap
    if (-not $tap -or -not $tap.Active) { return }
    foreach ($e in @($global:Error)) {
        if ($null -eq $e -or -not $tap.SweptErrors.Add($e)) { continue }
        $record = if ($e -is [System.Management.Automation.ErrorRecord]) { $e } elseif ($e -is [System.Management.Automation.IContainsErrorRecord]) { $e.ErrorRecord } else { $null }
        $isMoltbot = $false
        if ($record) {
            $command = $record.InvocationInfo?.MyCommand?.Name
            $isMoltbot = ($command -like '*-Moltbot*') -or ($record.FullyQualifiedErrorId -like '*Moltbot*')
        }
        if (-not $isMoltbot -and $e -is [Exception]) { $isMoltbot = $e.GetType().FullName -like 'Moltbot.*' -or "$($e.TargetSite?.DeclaringType)" -like 'Moltbot.*' }
        if ($isMoltbot) { [void] $tap.ErrorRecords.Add($e) }
    }
}

function Invoke-SecretTapHook {
    <# Runs before every Moltbot cmdlet (through the OutVariable default): counts it and harvests secrets. #>
    $tap = Get-Tap
    if (-not $tap -or -not $tap.Active) { return }
    $tap.Invocations++
    try {
        $state = $env:OPENCLAW_STATE_DIR
        $drive = Get-Variable -Name TestDrive -Scope Global -ValueOnly -ErrorAction Ignore
        if ($drive -and [IO.Directory]::Exists("$drive")) { Invoke-SecretHarvest -Root "$drive" -Reason 'before an invocation' }
        elseif ($state -and $state.StartsWith([IO.Path]::GetTempPath(), [StringComparison]::Ordinal)) { Invoke-SecretHarvest -Root $state -Reason 'before an invocation' }
        Update-ErrorSweep
    }
    catch { $tap.HookErrors++ }
}

function Add-SecretTapRecord {
    <# Adds what a test got from a runspace or process the tap cannot reach (serialized now, scanned later). #>
    param([Parameter(Mandatory)] [string] $Source, [AllowNull()] [object] $InputObject)
    $tap = Get-Tap
    if (-not $tap -or -not $tap.Active) { return }
    [void] $tap.Extra.Add("### $Source`n" + (ConvertTo-TapText $InputObject))
}

function Start-SecretTap {
    <# Starts tapping the Moltbot cmdlets of this session, with the tap files in $Folder. #>
    param([Parameter(Mandatory)] [string] $Folder, [switch] $Filtered)
    if (Test-Path $Folder) { Remove-Item -Recurse -Force $Folder }
    if ($IsWindows) { New-Item -ItemType Directory $Folder | Out-Null }
    else { [IO.Directory]::CreateDirectory($Folder, $script:DirMode700) | Out-Null; [IO.File]::SetUnixFileMode($Folder, $script:DirMode700) }
    $Folder = (Resolve-Path $Folder).Path

    $global:__MoltbotTapOut = [System.Collections.ArrayList]::new()
    $global:__MoltbotTapErr = [System.Collections.ArrayList]::new()
    $global:__MoltbotTapWarn = [System.Collections.ArrayList]::new()
    $global:__MoltbotTapInfo = [System.Collections.ArrayList]::new()
    $global:MoltbotSecretTap = [pscustomobject]@{
        Active       = $true
        Filtered     = [bool] $Filtered
        Folder       = $Folder
        Transcript   = Join-Path $Folder 'transcript.txt'
        SecretSet    = New-SecretSet
        Invocations  = 0
        HookErrors   = 0
        Harvests     = [System.Collections.Generic.Dictionary[string, int]]::new()
        FileStamps   = [System.Collections.Generic.Dictionary[string, string]]::new()
        SweptErrors  = [System.Collections.Generic.HashSet[object]]::new([System.Collections.Generic.ReferenceEqualityComparer]::Instance)
        ErrorRecords = [System.Collections.ArrayList]::new()
        Extra        = [System.Collections.ArrayList]::new()
        ScanFiles    = [System.Collections.Generic.List[string]]::new()
        PlainTextExempt = 0
        Summary      = $null
    }
    $global:PSDefaultParameterValues['*-Moltbot*:OutVariable'] = { $null = Invoke-SecretTapHook; '+__MoltbotTapOut' }
    $global:PSDefaultParameterValues['*-Moltbot*:ErrorVariable'] = '+__MoltbotTapErr'
    $global:PSDefaultParameterValues['*-Moltbot*:WarningVariable'] = '+__MoltbotTapWarn'
    $global:PSDefaultParameterValues['*-Moltbot*:InformationVariable'] = '+__MoltbotTapInfo'
    $global:PSDefaultParameterValues['*-Moltbot*:Verbose'] = $true
    $global:PSDefaultParameterValues['*-Moltbot*:Debug'] = $true
    $global:PSDefaultParameterValues['*-Moltbot*:WarningAction'] = 'Continue'

    # Harvest a TestDrive right before Pester clears it: the last tokens a test wrote are known too.
    $pester = Get-Module Pester
    if (-not $pester) { throw 'Import Pester before Start-SecretTap.' }
    & $pester {
        if (-not (Get-Variable -Name __MoltbotOrigClear -Scope Script -ErrorAction Ignore)) {
            $script:__MoltbotOrigClear = ${function:Clear-TestDrive}
            $script:__MoltbotOrigRemove = ${function:Remove-TestDrive}
            if (-not $script:__MoltbotOrigClear -or -not $script:__MoltbotOrigRemove) { throw 'Pester has no Clear-TestDrive/Remove-TestDrive to hook.' }
            function script:Clear-TestDrive([String[]] $Exclude, [string] $TestDrivePath) {
                if (SecretTap\Get-Tap) { SecretTap\Invoke-SecretHarvest -Root $TestDrivePath -Reason 'TestDrive cleared' }
                & $script:__MoltbotOrigClear -Exclude $Exclude -TestDrivePath $TestDrivePath
            }
            function script:Remove-TestDrive($TestDrivePath) {
                if (SecretTap\Get-Tap) { SecretTap\Invoke-SecretHarvest -Root $TestDrivePath -Reason 'TestDrive cleared' }
                & $script:__MoltbotOrigRemove $TestDrivePath
            }
        }
    }

    New-TapFile $global:MoltbotSecretTap.Transcript ''
    Start-Transcript -LiteralPath $global:MoltbotSecretTap.Transcript -Append -UseMinimalHeader | Out-Null
}

function Stop-SecretTap {
    <# Stops the tap and writes the serialized records into the tap folder; returns the tap. #>
    $tap = Get-Tap
    if (-not $tap -or -not $tap.Active) { return $tap }
    Update-ErrorSweep
    try { Stop-Transcript | Out-Null } catch { }
    foreach ($name in 'OutVariable', 'ErrorVariable', 'WarningVariable', 'InformationVariable', 'Verbose', 'Debug', 'WarningAction') {
        $global:PSDefaultParameterValues.Remove("*-Moltbot*:$name")
    }

    $counts = [ordered]@{}
    $write = {
        param([string] $Name, [System.Collections.IEnumerable] $Items, [string] $Stream)
        $sb = [Text.StringBuilder]::new()
        $n = 0
        foreach ($item in $Items) {
            $n++
            [void] $sb.Append("### $Stream #$n`n").Append((ConvertTo-TapText $item)).Append("`n")
        }
        New-TapFile (Join-Path $tap.Folder $Name) $sb.ToString()
        $counts[$Stream] = $n
    }
    & $write 'output.txt' $global:__MoltbotTapOut 'output'
    & $write 'errors.txt' $global:__MoltbotTapErr 'error (ErrorVariable)'
    & $write 'errors-swept.txt' $tap.ErrorRecords 'error ($Error sweep)'
    & $write 'warnings.txt' $global:__MoltbotTapWarn 'warning'
    & $write 'information.txt' $global:__MoltbotTapInfo 'information'
    New-TapFile (Join-Path $tap.Folder 'extra.txt') (($tap.Extra | ForEach-Object { $_ }) -join "`n")
    $counts['extra (doc-example runspaces, child pwsh)'] = $tap.Extra.Count
    $transcript = if (Test-Path $tap.Transcript) { [IO.File]::ReadAllLines($tap.Transcript) } else { @() }
    $counts['verbose (host, transcript lines)'] = @($transcript | Where-Object { $_ -like 'VERBOSE: *' }).Count
    $counts['debug (host, transcript lines)'] = @($transcript | Where-Object { $_ -like 'DEBUG: *' }).Count
    $counts['warning (host, transcript lines)'] = @($transcript | Where-Object { $_ -like 'WARNING: *' }).Count
    $tap.Active = $false
    $tap.Summary = [pscustomobject]@{ Records = $counts; OutputTypes = @($global:__MoltbotTapOut | Group-Object { $_.GetType().Name } | ForEach-Object { "$($_.Name) $($_.Count)" }) }
    $tap
}

function New-TapFile([string] $Path, [string] $Text) {
    # Created 0600 from the start (the text is a secret only when the scan fails, but be careful anyway).
    $options = [IO.FileStreamOptions]::new()
    $options.Mode = [IO.FileMode]::Create
    $options.Access = [IO.FileAccess]::Write
    if (-not $IsWindows) { $options.UnixCreateMode = $script:FileMode600 }
    $fs = [IO.FileStream]::new($Path, $options)
    try { $bytes = [Text.UTF8Encoding]::new($false).GetBytes($Text); $fs.Write($bytes, 0, $bytes.Length) } finally { $fs.Dispose() }
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode($Path, $script:FileMode600) }
}

function ConvertTo-TapText {
    <# Everything a record holds, as text: ToString() and every property, recursively (depth 4); error records with the
       whole exception chain, ErrorDetails, TargetObject and CategoryInfo. -AsPlainText tokens are left out (counted). #>
    param([AllowNull()] [object] $InputObject, [int] $Depth = 4)
    $sb = [Text.StringBuilder]::new()
    $seen = [System.Collections.Generic.HashSet[object]]::new([System.Collections.Generic.ReferenceEqualityComparer]::Instance)
    Add-TapText $sb $InputObject $Depth '' $seen
    $sb.ToString()
}

function Add-TapText {
    param([Text.StringBuilder] $Sb, [object] $Value, [int] $Depth, [string] $Indent, $Seen)
    if ($null -eq $Value) { [void] $Sb.Append($Indent).Append("<null>`n"); return }
    # Plain assignments, never `$x = if/try {...}`: a pipeline would unroll a collection (an empty one to $null).
    $base = $Value
    if ($Value -is [psobject] -and $Value.PSObject.BaseObject -isnot [System.Management.Automation.PSCustomObject]) { $base = $Value.PSObject.BaseObject }
    if ($null -eq $base) { [void] $Sb.Append($Indent).Append("<null>`n"); return }
    if ($base -is [string]) { [void] $Sb.Append($Indent).Append($base).Append("`n"); return }
    $type = $base.GetType()
    if ($type.IsPrimitive -or $type.IsEnum -or $base -is [decimal] -or $base -is [datetime] -or $base -is [datetimeoffset] -or $base -is [timespan] -or $base -is [guid] -or $base -is [uri] -or $base -is [type]) {
        [void] $Sb.Append($Indent).Append("$base").Append("`n"); return
    }
    if ($base -is [securestring]) { [void] $Sb.Append($Indent).Append("<SecureString, $($base.Length) characters>`n"); return }
    if (-not $type.IsValueType -and -not $Seen.Add($base)) { [void] $Sb.Append($Indent).Append("<seen $($type.Name)>`n"); return }

    if ($base -is [System.Management.Automation.ErrorRecord]) { Add-ErrorRecordText $Sb $base $Depth $Indent $Seen; return }
    if ($base -is [Exception]) { Add-ExceptionText $Sb $base $Depth $Indent $Seen; return }
    if ($base -is [System.Management.Automation.InformationRecord]) {
        [void] $Sb.Append($Indent).Append("InformationRecord: $base`n").Append($Indent).Append("  Tags: $($base.Tags -join ', ') Source: $($base.Source)`n")
        if ($Depth -gt 0) { Add-TapText $Sb $base.MessageData ($Depth - 1) ($Indent + '  ') $Seen }
        return
    }
    if ($base -is [System.Management.Automation.InformationalRecord]) {
        [void] $Sb.Append($Indent).Append("$($type.Name): $($base.Message)`n"); return
    }
    if ($base -is [System.Management.Automation.HostInformationMessage]) { [void] $Sb.Append($Indent).Append("$($base.Message)`n"); return }

    $text = try { "$base" } catch { "<ToString threw $($_.Exception.GetType().Name)>" }
    [void] $Sb.Append($Indent).Append("[$($type.FullName)] ").Append($text).Append("`n")
    if ($Depth -le 0) { return }
    if ($base -is [System.Collections.IDictionary]) {
        foreach ($k in @($base.Keys)) {
            [void] $Sb.Append($Indent).Append("  [$k]:`n")
            Add-TapText $Sb $base[$k] ($Depth - 1) ($Indent + '    ') $Seen
        }
        return
    }
    if ($base -is [System.Collections.IEnumerable]) {
        $i = 0
        foreach ($item in $base) {
            if ($i++ -ge 100) { [void] $Sb.Append($Indent).Append("  ...`n"); break }
            Add-TapText $Sb $item ($Depth - 1) ($Indent + '  ') $Seen
        }
        return
    }
    $isAccessToken = $type.FullName -eq 'Moltbot.Models.MoltbotAccessToken'
    foreach ($p in @($Value.PSObject.Properties)) {
        if ($isAccessToken -and $p.Name -eq 'Token') {
            $v = $base.Token
            if ($v -is [string]) {
                # Get-MoltbotAccessToken -AsPlainText: the caller asked for exactly this value. Left out, and counted.
                $tap = Get-Tap
                if ($tap) { $tap.PlainTextExempt++ }
                [void] $Sb.Append($Indent).Append("  .Token: <the -AsPlainText value, requested by the caller: not scanned>`n")
                continue
            }
        }
        $v = $null
        try { $v = $p.Value } catch { $v = "<getter threw $($_.Exception.GetType().Name): $($_.Exception.Message)>" }
        [void] $Sb.Append($Indent).Append("  .$($p.Name):`n")
        Add-TapText $Sb $v ($Depth - 1) ($Indent + '    ') $Seen
    }
}

function Add-ErrorRecordText {
    param([Text.StringBuilder] $Sb, [System.Management.Automation.ErrorRecord] $Record, [int] $Depth, [string] $Indent, $Seen)
    # InvocationInfo is left out on purpose: it holds the caller's script line (the test's own source), not the module's words.
    [void] $Sb.Append($Indent).Append("ErrorRecord: $Record`n")
    [void] $Sb.Append($Indent).Append("  FullyQualifiedErrorId: $($Record.FullyQualifiedErrorId)`n")
    [void] $Sb.Append($Indent).Append("  CategoryInfo: $($Record.CategoryInfo) | $($Record.CategoryInfo.GetMessage()) | Reason $($Record.CategoryInfo.Reason) | Target $($Record.CategoryInfo.TargetName) ($($Record.CategoryInfo.TargetType))`n")
    if ($Record.ErrorDetails) {
        [void] $Sb.Append($Indent).Append("  ErrorDetails.Message: $($Record.ErrorDetails.Message)`n")
        [void] $Sb.Append($Indent).Append("  ErrorDetails.RecommendedAction: $($Record.ErrorDetails.RecommendedAction)`n")
    }
    [void] $Sb.Append($Indent).Append("  TargetObject:`n")
    if ($Depth -gt 0) { Add-TapText $Sb $Record.TargetObject ([Math]::Min(2, $Depth - 1)) ($Indent + '    ') $Seen }
    [void] $Sb.Append($Indent).Append("  Exception:`n")
    if ($Record.Exception) { Add-ExceptionText $Sb $Record.Exception $Depth ($Indent + '    ') $Seen }
}

function Add-ExceptionText {
    param([Text.StringBuilder] $Sb, [Exception] $Exception, [int] $Depth, [string] $Indent, $Seen)
    $e = $Exception
    $level = 0
    while ($e -and $level -lt 10) {
        [void] $Sb.Append($Indent).Append("[$($e.GetType().FullName)] Message: $($e.Message)`n")
        [void] $Sb.Append($Indent).Append("  ToString: $e`n")
        foreach ($k in @($e.Data.Keys)) { [void] $Sb.Append($Indent).Append("  Data[$k]: $($e.Data[$k])`n") }
        foreach ($p in @($e.PSObject.Properties | Where-Object { $_.Name -notin 'Message', 'Data', 'InnerException', 'StackTrace', 'TargetSite', 'Source', 'HResult', 'HelpLink', 'ErrorRecord', 'WasThrownFromThrowStatement', 'InnerExceptions' })) {
            $v = $null
            try { $v = $p.Value } catch { }
            if ($null -ne $v -and ($v -is [string] -or $v.GetType().IsPrimitive -or $v.GetType().IsEnum)) { [void] $Sb.Append($Indent).Append("  .$($p.Name): $v`n") }
        }
        if ($e -is [System.Management.Automation.IContainsErrorRecord] -and $e.ErrorRecord -and $Depth -gt 0 -and $Seen.Add($e.ErrorRecord)) {
            Add-ErrorRecordText $Sb $e.ErrorRecord ($Depth - 1) ($Indent + '  ') $Seen
        }
        if ($e -is [AggregateException]) {
            foreach ($inner in $e.InnerExceptions) { if ($inner -ne $e.InnerException) { Add-ExceptionText $Sb $inner ($Depth - 1) ($Indent + '  ') $Seen } }
        }
        $e = $e.InnerException
        $level++
        if ($e) { [void] $Sb.Append($Indent).Append("  InnerException:`n"); $Indent += '  ' }
    }
}

function Find-SecretInFile {
    <# Every occurrence of a secret of $Secrets in the files; a hit names the file, the offset, the secret's length and a
       12-hex fingerprint (SHA-256), never the secret. #>
    param([Parameter(Mandatory)] [object] $Secrets, [Parameter(Mandatory)] [string[]] $Path)
    $values = @($Secrets.Values)
    foreach ($file in $Path) {
        if (-not (Test-Path -LiteralPath $file)) { continue }
        $text = [IO.File]::ReadAllText($file)
        foreach ($s in $values) {
            $at = $text.IndexOf($s, [StringComparison]::Ordinal)
            if ($at -ge 0) {
                [pscustomobject]@{
                    File = $file; Offset = $at; SecretLength = $s.Length
                    Fingerprint = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($s))).Substring(0, 12).ToLowerInvariant()
                }
            }
        }
    }
}

Export-ModuleMember -Function Get-Tap, New-SecretSet, Add-SecretValue, Get-SecretFromText, Invoke-SecretHarvest, Register-TapSecret, Update-ErrorSweep,
    Invoke-SecretTapHook, Add-SecretTapRecord, Start-SecretTap, Stop-SecretTap, ConvertTo-TapText, Find-SecretInFile
