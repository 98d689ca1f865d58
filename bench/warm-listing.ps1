#Requires -Version 7.4
<#
.SYNOPSIS
    Warm-listing benchmark: all profiles of 100 agents x 20 profiles, in one warm pwsh session with the module imported.
.DESCRIPTION
    Seeds a temporary OPENCLAW_STATE_DIR with -Agents agents (main first) of -ProfilesPerAgent profiles each, written as
    the module writes them (JSON.stringify(data, null, 2) + "\n", files 0600, folders 0700):
      - per agent 20 profiles: anthropic token (static and expiring), anthropic oauth, anthropic and openai and openrouter
        api_key, openai-codex oauth (JWT-sized access tokens of ~1.8 KB, refresh token, expiry, accountId, email),
        google-gemini-cli oauth (projectId), github-copilot and openrouter tokens with expiries;
      - a per-agent order for openai-codex, lastGood, usageStats (lastUsed, an error count, a cooldown in the future);
      - openclaw.json with agents.list (id, name, workspace, agentDir as New-MoltbotAgent writes them), auth.profiles
        and auth.order (anthropic and openai).
    Then, in this session (module imported, -WarmUp untimed runs of each), times -Iterations runs of each way of
    listing every profile of every agent, interleaved (Stopwatch around the collection of the output into an array):
      - 'Get-MoltbotAuthProfile'                 : the idiomatic call (no -Agent = every agent);
      - 'Get-MoltbotAuthProfile -Agent *'        : the same through the wildcard;
      - 'Get-MoltbotAgent | % { ... -Agent $_.Id }': one call per agent, as a script might loop;
      - 'naive ConvertFrom-Json'                 : Get-ChildItem <state>/agents -Recurse -Filter auth-profiles.json |
        Get-Content -Raw | ConvertFrom-Json, flattened into one row per profile (agent, id, provider, type, expires),
        the baseline a user could write without the module (no status, order, legacy view or era-B merge).
    Every run is checked: exactly Agents x ProfilesPerAgent objects (MoltbotAuthProfile for the module), one per
    (agent, profile id). Prints median, p90, min per way, the ratio to the naive loop, and whether the goal
    (median of the one-call listings <= -GoalMs) is met.
.PARAMETER Era
    Json (default): the stores above as auth-profiles.json files (OpenClaw up to 2026.6.1). Sqlite: the same seed (same
    random seed, same profiles, order, lastGood and usageStats) in a state dir shaped like OpenClaw 2026.9.6 (era D2),
    seeded with the sqlite3 shell: state/openclaw.sqlite (user_version 18, STRICT config_machine_state with
    auth.sharedStore = {"location":"legacy-main"}, agent_databases) and per agent
    agents/<id>/agent/openclaw-agent.sqlite (user_version 23, STRICT schema_meta / auth_profile_store /
    auth_profile_state, row 'primary' of each holding the compact JSON cells {version,profiles} and
    {version,order,lastGood,usageStats}), WAL, 0-byte -wal and 32 KiB -shm as OpenClaw leaves them, files 0600. With
    legacy-main every agent's own DB holds its 20 profiles (main's DB is also the shared store the others read under
    theirs), so every profile must come back with Store 'agent-db'. The naive loop has no SQLite counterpart and runs
    for Json only. Both: both state dirs in one session, every (era, way) pair interleaved in the same rotation.
.EXAMPLE
    dotnet pwsh ./build.ps1 Build; dotnet pwsh bench/warm-listing.ps1
.EXAMPLE
    dotnet pwsh bench/warm-listing.ps1 -Era Both
#>
[CmdletBinding()]
param(
    [int] $Agents = 100,
    [int] $ProfilesPerAgent = 20,
    [int] $Iterations = 40,
    [int] $WarmUp = 5,
    [double] $GoalMs = 50,
    # The module to measure (default: out/Moltbot of this repo), e.g. a build of an older commit for a before/after.
    [string] $ModulePath,
    [ValidateSet('Json', 'Sqlite', 'Both')] [string] $Era = 'Json',
    # Only the ways whose names match one of these wildcards (default: all), e.g. -Way 'Get-MoltbotAuthProfile*'.
    [Alias('Way')] [string[]] $WayFilter = @('*'),
    [switch] $AsObject
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
if ($ProfilesPerAgent -ne 20) { throw 'The seed has exactly 20 profiles per agent.' }
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $PSScriptRoot 'BenchHelpers.psm1') -Force
Import-Module (Join-Path (Split-Path $PSScriptRoot) 'tests/peers/OpenClawPeer.psm1') -Force   # New-PeerTempDirectory
$modulePath = (Resolve-Path ($ModulePath ? $ModulePath : (Join-Path $root 'out/Moltbot'))).Path
Import-Module (Join-Path $modulePath 'Moltbot.psd1') -Force

function New-ListingSeed([string] $State, [int] $AgentCount) {
    # The agents (id, agentDir, store) and openclaw.json of the seed; the same content for either era (seed 42).
    $random = [Random]::new(42)
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $hour = 3600000L
    $day = 24 * $hour
    $agentsList = [Collections.Generic.List[object]]::new()
    $seedAgents = [Collections.Generic.List[object]]::new()
    for ($a = 0; $a -lt $AgentCount; $a++) {
        $id = if ($a -eq 0) { 'main' } else { 'agent-{0:d3}' -f $a }
        $agentDir = Join-Path $State "agents/$id/agent"
        $agentsList.Add([ordered]@{ id = $id; name = $id; workspace = (Join-Path $State "workspace-$id"); agentDir = $agentDir })
        $jwt = { param($exp) New-FakeJwt -Length (1700 + $random.Next(300)) -Random $random -ExpiresMs $exp }
        $profiles = [ordered]@{
            'anthropic:default'       = [ordered]@{ type = 'token'; provider = 'anthropic'; token = (New-FakeSecret 'sk-ant-oat01-' 108 $random) }
            'anthropic:team'          = [ordered]@{ type = 'token'; provider = 'anthropic'; token = (New-FakeSecret 'sk-ant-oat01-' 108 $random); expires = $now + 300 * $day }
            'anthropic:expiring'      = [ordered]@{ type = 'token'; provider = 'anthropic'; token = (New-FakeSecret 'sk-ant-oat01-' 108 $random); expires = $now + 2 * $hour }
            'anthropic:claude-cli'    = [ordered]@{ type = 'oauth'; provider = 'anthropic'; access = (New-FakeSecret 'sk-ant-oat01-' 108 $random); refresh = (New-FakeSecret 'sk-ant-ort01-' 108 $random); expires = $now + 8 * $hour; email = "ops+$id@example.com" }
            'anthropic:api'           = [ordered]@{ type = 'api_key'; provider = 'anthropic'; key = (New-FakeSecret 'sk-ant-api03-' 108 $random); email = 'billing@example.com' }
            'anthropic:ci'            = [ordered]@{ type = 'api_key'; provider = 'anthropic'; key = (New-FakeSecret 'sk-ant-api03-' 108 $random) }
            'openai-codex:default'    = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = (& $jwt ($now + 10 * $day)); refresh = (New-FakeSecret 'rt_' 90 $random); expires = $now + 10 * $day; accountId = [guid]::NewGuid().ToString(); email = "$id@example.com" }
            'openai-codex:work'       = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = (& $jwt ($now + 3 * $day)); refresh = (New-FakeSecret 'rt_' 90 $random); expires = $now + 3 * $day; accountId = [guid]::NewGuid().ToString(); email = "work-$id@example.com" }
            'openai-codex:stale'      = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = (& $jwt ($now - $hour)); refresh = (New-FakeSecret 'rt_' 90 $random); expires = $now - $hour; accountId = [guid]::NewGuid().ToString() }
            'openai-codex:expired'    = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = (& $jwt ($now - $day)); expires = $now - $day; email = "old-$id@example.com" }
            'openai:default'          = [ordered]@{ type = 'api_key'; provider = 'openai'; key = (New-FakeSecret 'sk-proj-' 164 $random) }
            'openai:batch'            = [ordered]@{ type = 'api_key'; provider = 'openai'; key = (New-FakeSecret 'sk-proj-' 164 $random); email = 'batch@example.com' }
            'openai:eval'             = [ordered]@{ type = 'api_key'; provider = 'openai'; key = (New-FakeSecret 'sk-proj-' 164 $random); displayName = 'Evaluation key' }
            'openrouter:default'      = [ordered]@{ type = 'api_key'; provider = 'openrouter'; key = (New-FakeSecret 'sk-or-v1-' 73 $random); email = 'ops@example.com' }
            'openrouter:backup'       = [ordered]@{ type = 'api_key'; provider = 'openrouter'; key = (New-FakeSecret 'sk-or-v1-' 73 $random) }
            'openrouter:manual'       = [ordered]@{ type = 'token'; provider = 'openrouter'; token = (New-FakeSecret 'sk-or-v1-' 73 $random); expires = $now + 30 * $day }
            'github-copilot:default'  = [ordered]@{ type = 'token'; provider = 'github-copilot'; token = (New-FakeSecret 'ghu_' 40 $random); expires = $now + 3 * $day }
            'github-copilot:org'      = [ordered]@{ type = 'token'; provider = 'github-copilot'; token = (New-FakeSecret 'ghu_' 40 $random); expires = $now + 20 * $hour }
            'google-gemini-cli:default' = [ordered]@{ type = 'oauth'; provider = 'google-gemini-cli'; access = (New-FakeSecret 'ya29.' 220 $random); refresh = (New-FakeSecret '1//0g' 103 $random); expires = $now + $hour; email = "$id@gmail.example.com"; projectId = "proj-$id" }
            'google-gemini-cli:lab'   = [ordered]@{ type = 'oauth'; provider = 'google-gemini-cli'; access = (New-FakeSecret 'ya29.' 220 $random); refresh = (New-FakeSecret '1//0g' 103 $random); expires = $now + 5 * $hour; email = "lab-$id@gmail.example.com"; projectId = "lab-$id" }
        }
        $store = [ordered]@{
            version    = 1
            profiles   = $profiles
            order      = [ordered]@{ 'openai-codex' = @('openai-codex:work', 'openai-codex:default', 'openai-codex:stale') }
            lastGood   = [ordered]@{ 'openai-codex' = 'openai-codex:work'; anthropic = 'anthropic:default' }
            usageStats = [ordered]@{
                'openai-codex:work'  = [ordered]@{ lastUsed = $now - 60000; errorCount = 0 }
                'anthropic:default'  = [ordered]@{ lastUsed = $now - 3600000; errorCount = 0 }
                'anthropic:team'     = [ordered]@{ lastUsed = $now - 7200000; errorCount = 2; cooldownUntil = $now + 10 * 60000 }
                'openrouter:default' = [ordered]@{ lastUsed = $now - $day }
            }
        }
        $seedAgents.Add([pscustomobject]@{ Id = $id; AgentDir = $agentDir; Store = $store })
    }
    $authProfiles = [ordered]@{}
    foreach ($name in $profiles.Keys) { $authProfiles[$name] = [ordered]@{ provider = $profiles[$name].provider; mode = $profiles[$name].type } }
    $config = [ordered]@{
        agents = [ordered]@{ list = $agentsList.ToArray() }
        auth   = [ordered]@{
            profiles = $authProfiles
            order    = [ordered]@{ anthropic = @('anthropic:team', 'anthropic:default', 'anthropic:api'); openai = @('openai:default', 'openai:batch') }
        }
    }
    [pscustomobject]@{ Agents = $seedAgents; Config = $config }
}

function New-ListingState([string] $State, [int] $AgentCount) {
    # Era JSON: auth-profiles.json per agent, then openclaw.json.
    $seed = New-ListingSeed $State $AgentCount
    foreach ($agent in $seed.Agents) { Write-BenchJson (Join-Path $agent.AgentDir 'auth-profiles.json') $agent.Store }
    Write-BenchJson (Join-Path $State 'openclaw.json') $seed.Config
}

function New-SqliteListingState([string] $State, [int] $AgentCount) {
    # Era D2 (OpenClaw 2026.9.6), shared store legacy-main: the state DB, then one agent DB per agent, then openclaw.json.
    $seed = New-ListingSeed $State $AgentCount
    $null = New-BenchSqliteStateDb -State $State -SharedStore legacy-main -AgentId @($seed.Agents.Id)
    foreach ($agent in $seed.Agents) {
        $storeCell = ConvertTo-BenchJsonText ([ordered]@{ version = $agent.Store.version; profiles = $agent.Store.profiles })
        $stateCell = ConvertTo-BenchJsonText ([ordered]@{ version = $agent.Store.version; order = $agent.Store.order; lastGood = $agent.Store.lastGood; usageStats = $agent.Store.usageStats })
        $null = New-BenchSqliteAgentDb -AgentDir $agent.AgentDir -AgentId $agent.Id -StoreJson $storeCell -StateJson $stateCell
    }
    Write-BenchJson (Join-Path $State 'openclaw.json') $seed.Config
}

# The ways of listing, each returning the rows it produced.
$ways = [ordered]@{
    'Get-MoltbotAuthProfile'                     = { Get-MoltbotAuthProfile }
    'Get-MoltbotAuthProfile -Agent *'            = { Get-MoltbotAuthProfile -Agent * }
    'Get-MoltbotAgent | % { ... -Agent $_.Id }'  = { Get-MoltbotAgent | ForEach-Object { Get-MoltbotAuthProfile -Agent $_.Id } }
    'naive ConvertFrom-Json'                     = {
        foreach ($file in Get-ChildItem (Join-Path $env:OPENCLAW_STATE_DIR 'agents') -Recurse -Filter auth-profiles.json) {
            $doc = $file | Get-Content -Raw | ConvertFrom-Json
            $agent = $file.Directory.Parent.Name
            foreach ($p in $doc.profiles.PSObject.Properties) {
                [pscustomobject]@{ Agent = $agent; ProfileId = $p.Name; Provider = $p.Value.provider; Type = $p.Value.type; Expires = $p.Value.PSObject.Properties['expires']?.Value }
            }
        }
    }
}
$naive = 'naive ConvertFrom-Json'
$eras = switch ($Era) { 'Both' { 'Json', 'Sqlite' } default { $Era } }
# The (era, way) pairs to time; the naive loop reads auth-profiles.json files, so it runs for the JSON era only.
# pwsh -File passes 'a*,b*' as one string: split it (no way's name has a comma).
$selected = @(foreach ($name in $ways.Keys) { foreach ($pattern in ($WayFilter -split ',')) { if ($name -like $pattern) { $name; break } } })
if (-not $selected) { throw "No way matches -Way $($WayFilter -join ', ')." }
$pairs = @(foreach ($e in $eras) { foreach ($way in $selected) { if ($e -eq 'Json' -or $way -ne $naive) { [pscustomobject]@{ Era = $e; Way = $way; Key = "$e|$way" } } } })

$work = New-PeerTempDirectory -Prefix 'moltbot-bench-listing'
$savedState = $env:OPENCLAW_STATE_DIR
$savedHome = $env:HOME
$rows = @()
try {
    # Never the real ~/.openclaw: HOME too points into the temp folder.
    $env:HOME = Join-Path $work 'home'
    [void] [IO.Directory]::CreateDirectory($env:HOME)
    $states = @{}
    foreach ($e in $eras) {
        $state = Join-Path $work ($e -eq 'Json' ? 'state' : 'state-sqlite')
        $seedWatch = [Diagnostics.Stopwatch]::StartNew()
        if ($e -eq 'Json') {
            New-ListingState $state $Agents
            $bytes = (Get-ChildItem (Join-Path $state 'agents') -Recurse -Filter auth-profiles.json | Measure-Object Length -Sum).Sum
            $what = 'stores'
        }
        else {
            New-SqliteListingState $state $Agents
            $bytes = (Get-ChildItem $state -Recurse -Filter '*.sqlite' | Measure-Object Length -Sum).Sum
            $what = 'SQLite databases, 2026.9.6 shape, shared store legacy-main'
        }
        $states[$e] = $state
        Write-Host ("Seeded {0} agents x {1} profiles ({2:N0} KB of {3}) in {4:N1} s: {5}" -f $Agents, $ProfilesPerAgent, ($bytes / 1KB), $what, $seedWatch.Elapsed.TotalSeconds, $state)
    }
    $expected = $Agents * $ProfilesPerAgent
    $agentIds = for ($a = 0; $a -lt $Agents; $a++) { if ($a -eq 0) { 'main' } else { 'agent-{0:d3}' -f $a } }

    $check = {
        param([string] $Way, [object[]] $Items, [string] $ForEra)
        $label = $Era -eq 'Json' ? $Way : "$Way ($ForEra)"
        if ($Items.Count -ne $expected) { throw "$label returned $($Items.Count) objects, expected $expected." }
        if ($Way -ne $naive) {
            $wrong = @($Items | Where-Object { $_ -isnot [Moltbot.Models.MoltbotAuthProfile] }).Count
            if ($wrong) { throw "$label returned $wrong objects that are not MoltbotAuthProfile." }
        }
        $distinct = [Collections.Generic.HashSet[string]]::new()
        foreach ($i in $Items) { [void] $distinct.Add("$($i.Agent)/$($i.ProfileId)") }
        if ($distinct.Count -ne $expected) { throw "$label returned $($distinct.Count) distinct (agent, profile) pairs, expected $expected." }
        if ($ForEra -eq 'Sqlite') {
            $perAgent = @{}
            foreach ($i in $Items) {
                if ($i.Store -ne 'agent-db' -or $i.Inherited) { throw "$label returned $($i.Agent)/$($i.ProfileId) from store '$($i.Store)' (inherited $($i.Inherited)), expected the agent's own 'agent-db'." }
                $perAgent[$i.Agent] = 1 + ($perAgent[$i.Agent] ?? 0)
            }
            foreach ($id in $agentIds) {
                if ($perAgent[$id] -ne $ProfilesPerAgent) { throw "$label returned $($perAgent[$id] ?? 0) profiles of agent '$id', expected $ProfilesPerAgent." }
            }
        }
    }

    $samples = [ordered]@{}
    foreach ($pair in $pairs) { $samples[$pair.Key] = [Collections.Generic.List[double]]::new() }
    for ($i = -$WarmUp; $i -lt $Iterations; $i++) {
        # Rotate the order each iteration so no (era, way) always runs right after another.
        $order = for ($k = 0; $k -lt $pairs.Count; $k++) { $pairs[($k + $i + $WarmUp) % $pairs.Count] }
        foreach ($pair in $order) {
            $env:OPENCLAW_STATE_DIR = $states[$pair.Era]
            $block = $ways[$pair.Way]
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $items = @(& $block)
            $watch.Stop()
            & $check $pair.Way $items $pair.Era
            if ($i -ge 0) { $samples[$pair.Key].Add($watch.Elapsed.TotalMilliseconds) }
        }
    }

    $naiveMedian = $samples.Contains("Json|$naive") ? (Get-Stat $samples["Json|$naive"]).Median : [double]::NaN
    foreach ($pair in $pairs) {
        $s = Get-Stat $samples[$pair.Key]
        # The goal is for a listing in one call; the loop of one call per agent is shown for comparison.
        $isModule = $pair.Way -ne $naive -and $pair.Way -notlike '*%*'
        $jsonMedian = $samples.Contains("Json|$($pair.Way)") ? (Get-Stat $samples["Json|$($pair.Way)"]).Median : [double]::NaN
        $rows += [pscustomobject]@{
            Era      = $pair.Era
            Way      = $pair.Way
            Objects  = $expected
            MedianMs = [Math]::Round($s.Median, 1)
            P90Ms    = [Math]::Round($s.P90, 1)
            MinMs    = [Math]::Round($s.Min, 1)
            VsNaive  = [Math]::Round($s.Median / $naiveMedian, 2)
            VsJson   = [Math]::Round($s.Median / $jsonMedian, 2)
            Goal     = if ($isModule) { "<= $GoalMs ms" } else { '' }
            GoalMet  = if ($isModule) { $s.Median -le $GoalMs } else { $null }
        }
    }
}
finally {
    $env:OPENCLAW_STATE_DIR = $savedState
    $env:HOME = $savedHome
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

if ($Era -eq 'Json') {
    # The report as it was before -Era.
    Write-Host ("Warm listing of {0} agents x {1} profiles, {2} timed runs of each after {3} warm-ups; module {4}; {5}; {6:yyyy-MM-dd}" -f $Agents, $ProfilesPerAgent, $Iterations, $WarmUp, $modulePath, (Get-BenchMachine), (Get-Date))
}
else {
    Write-Host ("Warm listing of {0} agents x {1} profiles ({2}), {3} timed runs of each after {4} warm-ups, interleaved; module {5}; {6}; {7:yyyy-MM-dd HH:mm} UTC" -f $Agents, $ProfilesPerAgent, ($eras -join ' and '), $Iterations, $WarmUp, $modulePath, (Get-BenchMachine), [DateTime]::UtcNow)
}
foreach ($r in $rows) {
    $verdict = if ($r.Way -eq $naive) { '(baseline)' } elseif ($null -eq $r.GoalMet) { '(no goal: one call per agent)' } elseif ($r.GoalMet) { "goal $($r.Goal): met" } else { "goal $($r.Goal): NOT met" }
    if ($Era -eq 'Json') {
        Write-Host ("{0,-45} {1} objects  median {2,7:N1} ms  p90 {3,7:N1} ms  min {4,7:N1} ms  {5,5:N2}x naive  {6}" -f $r.Way, $r.Objects, $r.MedianMs, $r.P90Ms, $r.MinMs, $r.VsNaive, $verdict)
        continue
    }
    $ratio = if ([double]::IsNaN($r.VsNaive)) { '' } else { '{0,5:N2}x naive JSON' -f $r.VsNaive }
    if ($r.Era -eq 'Sqlite' -and -not [double]::IsNaN($r.VsJson)) { $ratio = '{0,5:N2}x JSON era' -f $r.VsJson }
    Write-Host ("{0,-6} {1,-45} {2} objects  median {3,7:N1} ms  p90 {4,7:N1} ms  min {5,7:N1} ms  {6,-18}  {7}" -f $r.Era, $r.Way, $r.Objects, $r.MedianMs, $r.P90Ms, $r.MinMs, $ratio, $verdict)
}
if ($AsObject) { $rows }
