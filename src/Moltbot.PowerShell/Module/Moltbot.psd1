@{
    RootModule           = 'Moltbot.dll'
    ModuleVersion        = '{{ModuleVersion}}'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    GUID                 = '6f0d2f7e-3b1a-4c8e-9a51-2d7c4e0b9a13'
    Author               = 'Moltbot contributors'
    CompanyName          = 'Moltbot'
    Copyright            = '(c) Moltbot contributors. MIT License.'
    Description          = 'Manages the credentials of Moltbot / OpenClaw agents (OAuth logins, setup tokens, API keys) in the same per-agent files the openclaw CLI uses, with OpenClaw-compatible locking.'
    FormatsToProcess     = @('Moltbot.format.ps1xml')
    CmdletsToExport      = @(
        'Get-MoltbotAgent'
        'New-MoltbotAgent'
        'Get-MoltbotAuthProfile'
        'Remove-MoltbotAuthProfile'
        'Set-MoltbotSetupToken'
        'Set-MoltbotApiKey'
        'Get-MoltbotAuthOrder'
        'Set-MoltbotAuthOrder'
        'Resolve-MoltbotAuthProfile'
        'Import-MoltbotLegacyCredential'
        'Connect-MoltbotProvider'
        'Get-MoltbotProvider'
        'Get-MoltbotAccessToken'
        'Update-MoltbotAuthProfile'
        'Get-MoltbotState'
        'Get-MoltbotExternalCredential'
        'Import-MoltbotExternalCredential'
        'Test-MoltbotAuthProfile'
        'Set-MoltbotAuthProfile'
        'Copy-MoltbotAuthProfile'
        'Get-MoltbotAuthStatus'
        'Remove-MoltbotAgent'
        'Disconnect-MoltbotProvider'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('OpenClaw', 'Moltbot', 'Clawdbot', 'OAuth', 'PKCE', 'Credentials', 'Anthropic', 'OpenAI', 'Codex', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = '{{ProjectUri}}'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
