# Helpers shared by the Pester suites. Every suite works on a throw-away state dir, never on ~/.openclaw.

function Get-BuiltModulePath {
    $path = Join-Path $PSScriptRoot '../../out/Moltbot'
    if (-not (Test-Path (Join-Path $path 'Moltbot.psd1'))) { throw "The module is not built: run ./build.ps1 Build first ($path)." }
    (Resolve-Path $path).Path
}

function New-TestStateDir {
    <# Creates a fresh state dir under TestDrive and points OPENCLAW_STATE_DIR (and HOME for child processes) at it. #>
    param([string] $Name = ('state-' + [guid]::NewGuid().ToString('N').Substring(0, 8)))
    $dir = Join-Path $TestDrive $Name
    New-Item -ItemType Directory -Force $dir | Out-Null
    $env:OPENCLAW_STATE_DIR = $dir
    Remove-Item Env:OPENCLAW_CONFIG_PATH, Env:OPENCLAW_OAUTH_DIR, Env:CLAWDBOT_STATE_DIR -ErrorAction Ignore
    $dir
}

function Register-TestSecret([string] $Value) {
    <# Tells the secret scan (SecretScan/SecretTap.psm1, active only in ./build.ps1 Test) about a secret the tests use. #>
    if ((Get-Variable -Name MoltbotSecretTap -Scope Global -ValueOnly -ErrorAction Ignore) -and (Get-Command SecretTap\Register-TapSecret -ErrorAction Ignore)) {
        SecretTap\Register-TapSecret $Value
    }
}

function Add-TestTapRecord([string] $Source, [object] $InputObject) {
    <# Hands what a test got from a runspace or child process the tap cannot reach to the secret scan (when active). #>
    if ((Get-Variable -Name MoltbotSecretTap -Scope Global -ValueOnly -ErrorAction Ignore) -and (Get-Command SecretTap\Add-SecretTapRecord -ErrorAction Ignore)) {
        SecretTap\Add-SecretTapRecord -Source $Source -InputObject $InputObject
    }
}

function ConvertTo-TestSecret([string] $Value) {
    Register-TestSecret $Value
    ConvertTo-SecureString $Value -AsPlainText -Force
}

function New-TestSetupToken([string] $Marker = 'PESTER') {
    # A syntactically valid Anthropic setup token (fake): prefix, then at least 80 characters in all.
    $token = 'sk-ant-oat01-' + $Marker + ('x' * (80 - 13 - $Marker.Length)) + [guid]::NewGuid().ToString('N')
    Register-TestSecret $token
    $token
}

function Get-UnixMode([string] $Path) {
    '{0}' -f [Convert]::ToString([int] [IO.File]::GetUnixFileMode($Path), 8)
}

function Get-TreeSnapshot([string] $Root) {
    Get-ChildItem -Recurse -Force $Root | Sort-Object FullName | ForEach-Object {
        if ($_.PSIsContainer) { "$($_.FullName)/" } else { "$($_.FullName) $(Get-FileHash -Algorithm SHA256 $_.FullName | ForEach-Object Hash)" }
    }
}

Export-ModuleMember -Function *
