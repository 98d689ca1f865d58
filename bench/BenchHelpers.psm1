# Shared helpers of the benchmark scripts in bench/: statistics, temp folders, store files written the way the module
# writes them (JSON.stringify(data, null, 2) + "\n", no BOM, files 0600, folders 0700), and timed child processes.

Set-StrictMode -Version 3.0

function Get-Stat {
    <#
    .SYNOPSIS
        Median (mean of the two middle values for an even count), p90 (nearest rank), min and max of a sample, in ms.
    #>
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [double[]] $Values)
    if ($Values.Count -eq 0) { return [pscustomobject]@{ Count = 0; Median = [double]::NaN; P90 = [double]::NaN; Min = [double]::NaN; Max = [double]::NaN } }
    $sorted = [double[]] ($Values | Sort-Object)
    $n = $sorted.Count
    $median = if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    $p90 = $sorted[[Math]::Max(0, [Math]::Min($n - 1, [int] [Math]::Ceiling(0.9 * $n) - 1))]
    [pscustomobject]@{ Count = $n; Median = $median; P90 = $p90; Min = $sorted[0]; Max = $sorted[$n - 1] }
}

function Write-BenchJson {
    <#
    .SYNOPSIS
        Writes an object (ordered hashtables, arrays, strings, numbers) as JSON.stringify(data, null, 2) + "\n" would:
        2-space indent, LF, no BOM, non-ASCII as itself; the file 0600 and missing folders 0700.
    #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [object] $Data)
    $dir = Split-Path -Parent $Path
    if (-not (Test-Path -LiteralPath $dir)) {
        if ($IsWindows) { New-Item -ItemType Directory -Force $dir | Out-Null }
        else {
            # Create each missing level with 0700, as the module does.
            $missing = [Collections.Generic.Stack[string]]::new()
            for ($d = $dir; $d -and -not (Test-Path -LiteralPath $d); $d = Split-Path -Parent $d) { $missing.Push($d) }
            while ($missing.Count) { [IO.Directory]::CreateDirectory($missing.Pop(), [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') | Out-Null }
        }
    }
    $options = [Text.Json.JsonSerializerOptions]::new()
    $options.WriteIndented = $true
    $options.Encoder = [Text.Encodings.Web.JavaScriptEncoder]::UnsafeRelaxedJsonEscaping
    $text = [Text.Json.JsonSerializer]::Serialize((ConvertTo-BenchJsonNode $Data), [Text.Json.Nodes.JsonNode], $options).Replace("`r`n", "`n") + "`n"
    [IO.File]::WriteAllText($Path, $text, [Text.UTF8Encoding]::new($false))
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode($Path, [IO.UnixFileMode] 'UserRead, UserWrite') }
}

function ConvertTo-BenchJsonNode([object] $Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [Collections.IDictionary]) {
        $obj = [Text.Json.Nodes.JsonObject]::new()
        foreach ($key in $Value.Keys) { $obj[[string] $key] = ConvertTo-BenchJsonNode $Value[$key] }
        return , $obj # JsonObject is enumerable: keep PowerShell from unrolling it
    }
    if ($Value -is [string]) { return [Text.Json.Nodes.JsonValue]::Create([string] $Value) }
    if ($Value -is [bool]) { return [Text.Json.Nodes.JsonValue]::Create([bool] $Value) }
    if ($Value -is [Collections.IEnumerable]) {
        $arr = [Text.Json.Nodes.JsonArray]::new()
        foreach ($item in $Value) { $arr.Add((ConvertTo-BenchJsonNode $item)) }
        return , $arr
    }
    if ($Value -is [int] -or $Value -is [long]) { return [Text.Json.Nodes.JsonValue]::Create([long] $Value) }
    if ($Value -is [double]) { return [Text.Json.Nodes.JsonValue]::Create([double] $Value) }
    throw "Unsupported value of type $($Value.GetType())"
}

function New-FakeSecret {
    <# .SYNOPSIS A fake secret: a prefix and $Length characters in all (letters, digits, '-' and '_'). #>
    param([string] $Prefix = '', [int] $Length = 64, [Random] $Random = [Random]::new())
    $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    $chars = [char[]]::new([Math]::Max(0, $Length - $Prefix.Length))
    for ($i = 0; $i -lt $chars.Length; $i++) { $chars[$i] = $alphabet[$Random.Next($alphabet.Length)] }
    $Prefix + [string]::new($chars)
}

function New-FakeJwt {
    <# .SYNOPSIS A JWT-shaped fake access token of about $Length characters (header.payload.signature, base64url). #>
    param([int] $Length = 1800, [Random] $Random = [Random]::new(), [long] $ExpiresMs = 0)
    $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $header = & $b64 '{"alg":"RS256","kid":"bench","typ":"JWT"}'
    $claims = & $b64 ('{"aud":["https://api.openai.com/v1"],"exp":' + [long] ($ExpiresMs / 1000) + ',"https://api.openai.com/auth":{"chatgpt_account_id":"' + [guid]::NewGuid() + '","chatgpt_plan_type":"plus"},"iss":"https://auth.openai.com","scp":["openid","profile","email","offline_access"],"sub":"auth0|' + (New-FakeSecret -Length 24 -Random $Random) + '"}')
    $signature = New-FakeSecret -Length ([Math]::Max(43, $Length - $header.Length - $claims.Length - 2)) -Random $Random
    "$header.$claims.$signature"
}

function Get-BenchPwshPath {
    <# .SYNOPSIS The real pwsh binary of this session (the dotnet tool's apphost under 'dotnet pwsh'). #>
    Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
}

function Invoke-TimedProcess {
    <#
    .SYNOPSIS
        Starts a process with redirected stdin (closed at once), stdout and stderr, and returns { Ms, ExitCode, StdOut,
        StdErr }. Ms is a Stopwatch from just before Process.Start to the process's exit.
    #>
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [Collections.IDictionary] $Environment,
        [string] $WorkingDirectory,
        [int] $TimeoutSeconds = 300
    )
    $psi = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.StandardOutputEncoding = [Text.UTF8Encoding]::new($false)
    $psi.StandardErrorEncoding = [Text.UTF8Encoding]::new($false)
    if ($WorkingDirectory) { $psi.WorkingDirectory = $WorkingDirectory }
    if ($Environment) {
        $psi.Environment.Clear()
        foreach ($key in $Environment.Keys) { $psi.Environment[[string] $key] = [string] $Environment[$key] }
    }
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    try {
        $outTask = $p.StandardOutput.ReadToEndAsync()
        $errTask = $p.StandardError.ReadToEndAsync()
        $p.StandardInput.Close()
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            try { $p.Kill($true) } catch { }
            throw "$FilePath $($ArgumentList -join ' ') did not exit within $TimeoutSeconds s (killed)."
        }
        $watch.Stop()
        [pscustomobject]@{
            Ms       = $watch.Elapsed.TotalMilliseconds
            ExitCode = $p.ExitCode
            StdOut   = $outTask.GetAwaiter().GetResult()
            StdErr   = $errTask.GetAwaiter().GetResult()
        }
    }
    finally { $p.Dispose() }
}

function Get-BenchMachine {
    <# .SYNOPSIS One line describing the machine: cores, memory, OS, .NET, PowerShell. #>
    $mem = if ($IsLinux -and (Test-Path /proc/meminfo)) {
        $kb = [long] ((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '')
        ', {0:N0} GB' -f ($kb / 1MB)
    } else { '' }
    $load = if ($IsLinux -and (Test-Path /proc/loadavg)) { ', load ' + ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { '' }
    '{0} cores{1}, {2}, .NET {3}, PowerShell {4}{5}' -f [Environment]::ProcessorCount, $mem,
        [Runtime.InteropServices.RuntimeInformation]::OSDescription, [Environment]::Version, $PSVersionTable.PSVersion, $load
}

Export-ModuleMember -Function Get-Stat, Write-BenchJson, New-FakeSecret, New-FakeJwt, Get-BenchPwshPath,
    Invoke-TimedProcess, Get-BenchMachine
