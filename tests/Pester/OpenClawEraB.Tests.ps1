# One era-B store (auth-profiles.json + auth-state.json) shared by the real openclaw 2026.6.1 (the last release
# that keeps credentials in JSON files; npm, in tests/peers/openclaw-2026.6.1, on the Node 24 of tests/peers) and
# Moltbot: each reads what the other wrote, and Moltbot's writes keep every key that was there before.
# The peers are installed by tests/peers/Install-Peers.ps1 (build.ps1 Test runs it first).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot '../peers/OpenClawPeer.psm1') -Force

    function Invoke-OpenClaw61([string[]] $ArgumentList, [string] $InputText) {
        # openclaw prints parts of secrets in its labels and echoes nothing useful on success: never echo its raw
        # output into the test log; the exit code and stderr (no secrets there) are enough to diagnose a failure.
        $r = Invoke-OpenClaw -Version '2026.6.1' -StateDir $script:State -ArgumentList $ArgumentList -InputText $InputText
        $r.ExitCode | Should -Be 0 -Because "openclaw 2026.6.1 $($ArgumentList[0..2] -join ' ') must succeed (stderr: $($r.StdErr))"
        $r
    }

    function Read-Json([string] $Path) { Get-Content -Raw -LiteralPath $Path | ConvertFrom-Json -AsHashtable -Depth 50 }

    # Every key path of $Before must exist in $After with the same value, except the paths in $Changed (compared
    # only for existence). Returns the differences as strings (empty: nothing was lost or altered).
    function Compare-JsonSubset($Before, $After, [string] $Path = '$', [string[]] $Changed = @()) {
        if ($Before -is [Collections.IDictionary]) {
            if ($After -isnot [Collections.IDictionary]) { return "$Path is no longer an object" }
            foreach ($key in $Before.Keys) {
                $child = "$Path.$key"
                if (-not $After.Contains($key)) { "$child was lost"; continue }
                if ($child -notin $Changed) { Compare-JsonSubset $Before[$key] $After[$key] $child $Changed }
            }
            return
        }
        $a = ConvertTo-Json -InputObject $Before -Compress -Depth 50
        $b = ConvertTo-Json -InputObject $After -Compress -Depth 50
        if ($a -cne $b) { "$Path changed from $a to $b" }
    }

    # Every key path of $Document, in the same '$.a.b' form.
    function Get-JsonKeyPath($Document, [string] $Path = '$') {
        if ($Document -is [Collections.IDictionary]) {
            foreach ($key in $Document.Keys) { "$Path.$key"; Get-JsonKeyPath $Document[$key] "$Path.$key" }
        }
    }
}

Describe 'openclaw 2026.6.1 and Moltbot share one era-B store without losing a key' -Tag 'Compat' {
    BeforeAll {
        $script:State = New-TestStateDir 'era-b'
        $script:AgentDir = Join-Path $script:State 'agents/main/agent'
        $script:ProfilesPath = Join-Path $script:AgentDir 'auth-profiles.json'
        $script:StatePath = Join-Path $script:AgentDir 'auth-state.json'

        # 1. openclaw 2026.6.1 writes the store. paste-token/paste-api-key read the secret from stdin (a clack text
        #    prompt submitted by a carriage return); order set goes to auth-state.json in 6.1.
        Invoke-OpenClaw61 @('models', 'auth', 'paste-token', '--provider', 'openrouter') "sk-or-v1-FAKE-MANUAL`r" | Out-Null
        Invoke-OpenClaw61 @('models', 'auth', 'paste-token', '--provider', 'openrouter', '--profile-id', 'openrouter:work', '--expires-in', '30d') "sk-or-v1-FAKE-WORK`r" | Out-Null
        Invoke-OpenClaw61 @('models', 'auth', 'paste-api-key', '--provider', 'anthropic') "sk-ant-api03-FAKE-MANUAL`r" | Out-Null
        Invoke-OpenClaw61 @('models', 'auth', 'order', 'set', '--provider', 'openrouter', 'openrouter:work', 'openrouter:manual') | Out-Null
        $script:WrittenByOpenClaw = @{ Profiles = (Read-Json $script:ProfilesPath); State = (Read-Json $script:StatePath) }

        # 2. By hand, what 6.1 writes only at run time (lastGood, usageStats with 6.1-only fields) and a profile
        #    field 6.1 does not know. 6.1 drops unknown profile fields when it loads the store, so ITS next save
        #    loses "note" (OpenClaw behaviour, see the last test; 2026.1.30 kept them). Moltbot must keep it.
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
        $profiles = Read-Json $script:ProfilesPath
        $profiles.profiles['openrouter:manual']['note'] = 'keep'
        $profiles | ConvertTo-Json -Depth 50 | Set-Content -LiteralPath $script:ProfilesPath
        $stateDoc = Read-Json $script:StatePath
        $stateDoc['lastGood'] = [ordered]@{ openrouter = 'openrouter:work' }
        $stateDoc['usageStats'] = [ordered]@{
            'openrouter:work' = [ordered]@{
                lastUsed = $now - 60000; errorCount = 0; lastFailureAt = $now - 3600000
                failureCounts = [ordered]@{ overloaded = 1; rate_limit = 2 }
                cooldownUntil = $now - 1000; cooldownReason = 'rate_limit'; cooldownModel = 'openrouter/auto'
            }
        }
        $stateDoc | ConvertTo-Json -Depth 50 | Set-Content -LiteralPath $script:StatePath
        $script:Before = @{ Profiles = (Read-Json $script:ProfilesPath); State = (Read-Json $script:StatePath) }
    }

    It 'openclaw 2026.6.1 wrote the two-file layout: profiles in auth-profiles.json, the order in auth-state.json' {
        $script:WrittenByOpenClaw.Profiles.Keys | Sort-Object | Should -Be @('profiles', 'version')
        $script:WrittenByOpenClaw.Profiles.profiles.Keys | Sort-Object | Should -Be @('anthropic:manual', 'openrouter:manual', 'openrouter:work')
        $script:WrittenByOpenClaw.Profiles.profiles['anthropic:manual'].type | Should -Be 'api_key'
        $script:WrittenByOpenClaw.State.Keys | Sort-Object | Should -Be @('order', 'version')
        $script:WrittenByOpenClaw.State.order.openrouter | Should -Be @('openrouter:work', 'openrouter:manual')
    }

    It 'Moltbot reads every profile and the order openclaw 2026.6.1 wrote' {
        $ours = Get-MoltbotAuthProfile -Agent main
        $ours.ProfileId | Sort-Object | Should -Be @('anthropic:manual', 'openrouter:manual', 'openrouter:work')
        ($ours | Where-Object ProfileId -eq 'anthropic:manual').Type | Should -Be 'api_key'
        ($ours | Where-Object ProfileId -eq 'openrouter:manual').Type | Should -Be 'token'
        ($ours | Where-Object ProfileId -eq 'openrouter:manual').Status | Should -Be 'Static'
        ($ours | Where-Object ProfileId -eq 'openrouter:work').Status | Should -Be 'Ok'
        (Get-MoltbotAuthOrder -Provider openrouter).ProfileId | Should -Be @('openrouter:work', 'openrouter:manual')
    }

    Context 'after Moltbot writes a new profile and the order of another provider' {
        BeforeAll {
            Set-MoltbotApiKey -Provider anthropic -ProfileId moltbot -ApiKey (ConvertTo-TestSecret 'sk-ant-api03-FAKE-MOLTBOT')
            Set-MoltbotAuthOrder -Provider anthropic -ProfileId 'anthropic:moltbot', 'anthropic:manual'
            $script:After = @{ Profiles = (Read-Json $script:ProfilesPath); State = (Read-Json $script:StatePath) }
        }

        It 'keeps every key of auth-profiles.json, with its value, and adds only the new profile' {
            Compare-JsonSubset $script:Before.Profiles $script:After.Profiles | Should -BeNullOrEmpty
            $added = Get-JsonKeyPath $script:After.Profiles | Where-Object { $_ -notin @(Get-JsonKeyPath $script:Before.Profiles) }
            $added | Where-Object { $_ -notlike '$.profiles.anthropic:moltbot*' } | Should -BeNullOrEmpty
            $script:After.Profiles.profiles['anthropic:moltbot'].key | Should -Be 'sk-ant-api03-FAKE-MOLTBOT'
        }

        It 'keeps every key of auth-state.json, with its value, and adds only the new order' {
            Compare-JsonSubset $script:Before.State $script:After.State | Should -BeNullOrEmpty
            $added = Get-JsonKeyPath $script:After.State | Where-Object { $_ -notin @(Get-JsonKeyPath $script:Before.State) }
            $added | Should -Be @('$.order.anthropic')
            $script:After.State.order.anthropic | Should -Be @('anthropic:moltbot', 'anthropic:manual')
        }

        It 'keeps the order in auth-state.json and out of auth-profiles.json' {
            $script:After.Profiles.Keys | Sort-Object | Should -Be @('profiles', 'version')
            $script:After.State.Keys | Sort-Object | Should -Be @('lastGood', 'order', 'usageStats', 'version')
        }

        It 'keeps a profile field openclaw 2026.6.1 does not know' {
            $script:After.Profiles.profiles['openrouter:manual'].note | Should -Be 'keep'
        }

        It 'openclaw 2026.6.1 lists every profile with the right type and status' {
            $r = Invoke-OpenClaw61 @('models', 'status', '--json')
            $status = $r.Json
            $status.auth.storePath | Should -Be $script:ProfilesPath
            $theirs = @{}
            $status.auth.oauth.profiles | ForEach-Object { $theirs[$_.profileId] = "$($_.type)/$($_.status)" }
            $theirs.Keys | Sort-Object | Should -Be @('anthropic:manual', 'anthropic:moltbot', 'openrouter:manual', 'openrouter:work')
            $theirs['anthropic:manual'] | Should -Be 'api_key/static'
            $theirs['anthropic:moltbot'] | Should -Be 'api_key/static'
            $theirs['openrouter:manual'] | Should -Be 'token/static'
            $theirs['openrouter:work'] | Should -Be 'token/ok'
            $status.auth.unusableProfiles | Should -BeNullOrEmpty
            # Moltbot reports the same type and status for each.
            Get-MoltbotAuthProfile -Agent main | ForEach-Object {
                "$($_.Type)/$($_.Status.ToString().ToLowerInvariant())" | Should -Be $theirs[$_.ProfileId] -Because $_.ProfileId
            }
        }

        It 'openclaw 2026.6.1 returns the order Moltbot set (<Provider>) from auth-state.json' -ForEach @(
            @{ Provider = 'anthropic'; Order = @('anthropic:moltbot', 'anthropic:manual') }
            @{ Provider = 'openrouter'; Order = @('openrouter:work', 'openrouter:manual') }
        ) {
            $r = Invoke-OpenClaw61 @('models', 'auth', 'order', 'get', '--provider', $Provider, '--json')
            $r.Json.order | Should -Be $Order
            # 6.1 names the state file here (2026.1.30 printed authStorePath).
            $r.Json.authStatePath | Should -Be $script:StatePath
        }

        It 'reading with openclaw 2026.6.1 rewrote neither file' {
            (Read-Json $script:ProfilesPath) | ConvertTo-Json -Depth 50 -Compress | Should -Be ($script:After.Profiles | ConvertTo-Json -Depth 50 -Compress)
            (Read-Json $script:StatePath) | ConvertTo-Json -Depth 50 -Compress | Should -Be ($script:After.State | ConvertTo-Json -Depth 50 -Compress)
        }

        It 'documents OpenClaw behaviour: the next save by openclaw 2026.6.1 itself drops the unknown field' {
            # Not Moltbot's doing: 6.1 normalizes profiles on load with a per-type field whitelist
            # (src/agents/auth-profiles/persisted.ts @2026.6.1), so any 6.1 save (here paste-api-key) loses "note".
            # Everything else, including what Moltbot wrote, survives that save.
            Invoke-OpenClaw61 @('models', 'auth', 'paste-api-key', '--provider', 'openrouter', '--profile-id', 'openrouter:key') "sk-or-v1-FAKE-KEY`r" | Out-Null
            $profiles = Read-Json $script:ProfilesPath
            $profiles.profiles['openrouter:manual'].Contains('note') | Should -BeFalse
            $profiles.profiles['anthropic:moltbot'].key | Should -Be 'sk-ant-api03-FAKE-MOLTBOT'
            Compare-JsonSubset $script:After.State (Read-Json $script:StatePath) | Should -BeNullOrEmpty
        }
    }
}
