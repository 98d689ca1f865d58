BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
}

Describe 'The built module' {
    It 'imports from out/Moltbot with an explicit export list that matches the cmdlets' {
        $manifest = Import-PowerShellDataFile (Join-Path $script:ModulePath 'Moltbot.psd1')
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.FunctionsToExport | Should -HaveCount 0
        $manifest.AliasesToExport | Should -HaveCount 0
        $manifest.FormatsToProcess | Should -Contain 'Moltbot.format.ps1xml'
        $manifest.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        $exported = (Get-Module Moltbot).ExportedCmdlets.Keys | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'takes its version from Directory.Build.props, the one version source' {
        [xml] $props = Get-Content -Raw (Join-Path $PSScriptRoot '../../Directory.Build.props')
        $expected = $props.Project.PropertyGroup.MoltbotVersion | Where-Object { $_ } | Select-Object -First 1
        (Get-Module Moltbot).Version.ToString() | Should -Be $expected
        [Moltbot.Commands.MoltbotCmdlet].Assembly.GetName().Version.ToString() | Should -BeLike "$expected*"
    }

    It 'loads Moltbot.Core from dependencies/ in a private load context' {
        $null = New-TestStateDir
        Get-MoltbotAuthProfile | Out-Null
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' }
        $core | Should -HaveCount 1
        $core.Location | Should -BeLike '*dependencies*Moltbot.Core.dll'
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core).Name | Should -Be 'Moltbot.Dependencies'
    }

    It 'declares an output type on every cmdlet and uses only approved verbs' {
        $approved = (Get-Verb).Verb
        foreach ($cmd in Get-Command -Module Moltbot) {
            $cmd.OutputType | Should -Not -BeNullOrEmpty -Because "$($cmd.Name) must declare [OutputType]"
            $approved | Should -Contain $cmd.Verb
        }
    }

    It 'offers -WhatIf and -Confirm on every command that changes the disk' {
        foreach ($cmd in Get-Command -Module Moltbot -Verb Set, New, Remove) {
            $cmd.Parameters.Keys | Should -Contain 'WhatIf' -Because $cmd.Name
            $cmd.Parameters.Keys | Should -Contain 'Confirm' -Because $cmd.Name
        }
    }
}
