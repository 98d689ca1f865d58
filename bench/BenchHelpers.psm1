# Shared helpers of the benchmark scripts in bench/: statistics, temp folders, store files written the way the module
# writes them (JSON.stringify(data, null, 2) + "\n", no BOM, files 0600, folders 0700), SQLite-era databases shaped like
# OpenClaw 2026.9.6 (through the sqlite3 shell), and timed child processes.

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

function ConvertTo-BenchJsonText {
    <#
    .SYNOPSIS
        An object (ordered hashtables, arrays, strings, numbers) as compact JSON.stringify(data) would write it: no
        whitespace, non-ASCII as itself. The cells of OpenClaw's SQLite stores (openclaw-sqlite.md section 5).
    #>
    param([Parameter(Mandatory)] [object] $Data)
    $options = [Text.Json.JsonSerializerOptions]::new()
    $options.Encoder = [Text.Encodings.Web.JavaScriptEncoder]::UnsafeRelaxedJsonEscaping
    [Text.Json.JsonSerializer]::Serialize((ConvertTo-BenchJsonNode $Data), [Text.Json.Nodes.JsonNode], $options)
}

function Get-BenchSqlitePath {
    <# .SYNOPSIS The sqlite3 command-line shell (3.37+ for STRICT tables), or an error. #>
    $cmd = Get-Command sqlite3 -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $cmd) { throw 'The sqlite3 command-line shell is needed to seed SQLite-era stores (apt-get install sqlite3).' }
    $cmd.Source
}

function Invoke-BenchSqlite {
    <#
    .SYNOPSIS
        Runs a SQL script with the sqlite3 shell (-bail) on one database; throws on any error. With -Sidecars, then
        opens the database read-only once so its -wal (0 bytes) and -shm (32 KiB) stay beside it, as OpenClaw leaves
        them after a clean close (the sqlite3 shell deletes them when its read-write connection closes).
    #>
    param([Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Sql, [switch] $Sidecars)
    $sqlite = Get-BenchSqlitePath
    $script = "$Database.seed.sql"
    [IO.File]::WriteAllText($script, $Sql, [Text.UTF8Encoding]::new($false))
    try {
        $out = & $sqlite -bail $Database ".read '$($script.Replace("'", "''"))'" 2>&1
        if ($LASTEXITCODE -ne 0) { throw "sqlite3 failed on ${Database} (exit $LASTEXITCODE): $out" }
    }
    finally { Remove-Item -LiteralPath $script -Force -ErrorAction Ignore }
    if ($Sidecars) {
        $null = & $sqlite -readonly $Database 'SELECT count(*) FROM sqlite_master' 2>&1
        if ($LASTEXITCODE -ne 0) { throw "sqlite3 -readonly failed on $Database (exit $LASTEXITCODE)." }
    }
    if (-not $IsWindows) {
        foreach ($f in $Database, "$Database-wal", "$Database-shm") {
            if (Test-Path -LiteralPath $f) { [IO.File]::SetUnixFileMode($f, [IO.UnixFileMode] 'UserRead, UserWrite') }
        }
    }
}

function ConvertTo-BenchSqlLiteral([AllowNull()] [object] $Value) {
    if ($null -eq $Value) { return 'NULL' }
    if ($Value -is [int] -or $Value -is [long]) { return [string] $Value }
    "'" + ([string] $Value).Replace("'", "''") + "'"
}

function New-BenchDirectory([string] $Path) {
    # Each missing level 0700, as the module and OpenClaw create them.
    if ($IsWindows) { New-Item -ItemType Directory -Force $Path | Out-Null; return }
    $missing = [Collections.Generic.Stack[string]]::new()
    for ($d = $Path; $d -and -not (Test-Path -LiteralPath $d); $d = Split-Path -Parent $d) { $missing.Push($d) }
    while ($missing.Count) { [IO.Directory]::CreateDirectory($missing.Pop(), [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') | Out-Null }
}

function New-BenchSqliteAgentDb {
    <#
    .SYNOPSIS
        Creates <AgentDir>/openclaw-agent.sqlite shaped like OpenClaw 2026.9.6 (era D2) leaves it, with the auth tables
        only: user_version 23, STRICT schema_meta / auth_profile_store / auth_profile_state (DDL of openclaw-sqlite.md
        4.1), schema_meta rows 'historical-transcript-directives-v1' and 'primary' (role agent, agent id, app_version
        2026.9.6), row 'primary' of both auth tables holding the compact JSON cells; WAL, files 0600, folders 0700.
        Returns the database path.
    #>
    param(
        [Parameter(Mandatory)] [string] $AgentDir,
        [Parameter(Mandatory)] [string] $AgentId,
        # The store cell {version, profiles} (compact JSON text); default an empty store, as OpenClaw creates it.
        [string] $StoreJson = '{"version":1,"profiles":{}}',
        # The state cell {version, order, lastGood, usageStats}; none by default.
        [string] $StateJson,
        [string] $AppVersion = '2026.9.6',
        [int] $UserVersion = 23
    )
    New-BenchDirectory $AgentDir
    $db = Join-Path $AgentDir 'openclaw-agent.sqlite'
    if (Test-Path -LiteralPath $db) { throw "$db exists already." }
    # An empty 0600 file first: SQLite takes it as a new database and gives the -wal/-shm the same mode.
    [IO.File]::WriteAllBytes($db, [byte[]] @())
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode($db, [IO.UnixFileMode] 'UserRead, UserWrite') }
    $t = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $q = { param($v) ConvertTo-BenchSqlLiteral $v }
    $sql = @"
PRAGMA journal_mode=WAL;
BEGIN IMMEDIATE;
CREATE TABLE schema_meta (
  meta_key TEXT NOT NULL PRIMARY KEY,
  role TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  agent_id TEXT,
  app_version TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE auth_profile_store (
  store_key TEXT NOT NULL PRIMARY KEY,
  store_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE auth_profile_state (
  state_key TEXT NOT NULL PRIMARY KEY,
  state_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO schema_meta VALUES ('historical-transcript-directives-v1', 'agent', 1, NULL, NULL, $t, $t);
INSERT INTO schema_meta VALUES ('primary', 'agent', $UserVersion, $(& $q $AgentId), $(& $q $AppVersion), $t, $t);
INSERT INTO auth_profile_store VALUES ('primary', $(& $q $StoreJson), $t);

"@
    if ($StateJson) { $sql += "INSERT INTO auth_profile_state VALUES ('primary', $(& $q $StateJson), $t);`n" }
    $sql += "PRAGMA user_version=$UserVersion;`nCOMMIT;`n"
    Invoke-BenchSqlite -Database $db -Sql $sql -Sidecars
    $db
}

function New-BenchSqliteStateDb {
    <#
    .SYNOPSIS
        Creates $State/state/openclaw.sqlite shaped like OpenClaw 2026.9.6 (era D2): user_version 18, STRICT
        schema_meta (row 'primary', role global, app_version 2026.9.6), config_machine_state (exact DDL of
        openclaw-sqlite.md 4.2) with config.lastTouchedAt, auth.sharedStore = {"location":"<SharedStore>"} and any
        -Rows (state_key = compact JSON), and agent_databases with a row per -AgentId (path relative to $State).
        WAL, files 0600, folders 0700. Returns the database path.
    #>
    param(
        [Parameter(Mandatory)] [string] $State,
        [ValidateSet('legacy-main', 'state-db')] [string] $SharedStore = 'legacy-main',
        [string[]] $AgentId = @(),
        [Collections.IDictionary] $Rows = @{},
        [string] $AppVersion = '2026.9.6',
        [int] $UserVersion = 18
    )
    $dir = Join-Path $State 'state'
    New-BenchDirectory $dir
    $db = Join-Path $dir 'openclaw.sqlite'
    if (Test-Path -LiteralPath $db) { throw "$db exists already." }
    [IO.File]::WriteAllBytes($db, [byte[]] @())
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode($db, [IO.UnixFileMode] 'UserRead, UserWrite') }
    $t = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $q = { param($v) ConvertTo-BenchSqlLiteral $v }
    $sb = [Text.StringBuilder]::new()
    [void] $sb.Append(@"
PRAGMA journal_mode=WAL;
BEGIN IMMEDIATE;
CREATE TABLE schema_meta (
  meta_key TEXT NOT NULL PRIMARY KEY,
  role TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  agent_id TEXT,
  app_version TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE config_machine_state (
      state_key TEXT NOT NULL PRIMARY KEY,
      value_json TEXT NOT NULL,
      updated_at_ms INTEGER NOT NULL
    ) STRICT;
CREATE TABLE agent_databases (
  agent_id TEXT NOT NULL PRIMARY KEY,
  path TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  size_bytes INTEGER
) STRICT;
INSERT INTO schema_meta VALUES ('primary', 'global', $UserVersion, NULL, $(& $q $AppVersion), $t, $t);
INSERT INTO config_machine_state VALUES ('config.lastTouchedAt', '"2026-12-01T00:00:00.000Z"', $t);
INSERT INTO config_machine_state VALUES ('auth.sharedStore', '{"location":"$SharedStore"}', $t);

"@)
    foreach ($key in $Rows.Keys) { [void] $sb.Append("INSERT INTO config_machine_state VALUES ($(& $q ([string] $key)), $(& $q ([string] $Rows[$key])), $t);`n") }
    foreach ($id in $AgentId) { [void] $sb.Append("INSERT INTO agent_databases VALUES ($(& $q $id), $(& $q "agents/$id/agent/openclaw-agent.sqlite"), 23, $t, NULL);`n") }
    [void] $sb.Append("PRAGMA user_version=$UserVersion;`nCOMMIT;`n")
    Invoke-BenchSqlite -Database $db -Sql $sb.ToString() -Sidecars
    $db
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
        Starts a process with redirected stdin (closed at once, after writing -InputText if given), stdout and stderr,
        and returns { Ms, ExitCode, StdOut, StdErr }. Ms is a Stopwatch from just before Process.Start to the
        process's exit.
    #>
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [string] $InputText,
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
    $psi.StandardInputEncoding = [Text.UTF8Encoding]::new($false)
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
        if ($InputText) { $p.StandardInput.Write($InputText) }
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
    Invoke-TimedProcess, Get-BenchMachine, ConvertTo-BenchJsonText, Get-BenchSqlitePath, Invoke-BenchSqlite,
    New-BenchSqliteAgentDb, New-BenchSqliteStateDb
