BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    # The native SQLite the module ships (build.ps1 $NativeRuntimes), in NuGet's runtimes/<rid>/native layout.
    $script:NativeFiles = [ordered]@{
        'linux-arm64' = 'libe_sqlite3.so'
        'linux-x64' = 'libe_sqlite3.so'
        'osx-arm64' = 'libe_sqlite3.dylib'
        'osx-x64' = 'libe_sqlite3.dylib'
        'win-x64' = 'e_sqlite3.dll'
    }
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $script:Rid = "$os-$(([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture).ToString().ToLowerInvariant())"

    # In a fresh pwsh: import the module from $ModulePath, run a command so that Moltbot.Core loads, then read
    # SqliteRuntime.NativeVersion by reflection on the Moltbot.Core of the private context, and what the process mapped.
    $script:SqliteProbe = {
        param($ModulePath)
        $ErrorActionPreference = 'Stop'
        Import-Module $ModulePath
        $null = Get-MoltbotAgent
        $context = @([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Moltbot.Dependencies')
        $core = @($context.Assemblies | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' })
        $result = [ordered]@{ Contexts = $context.Count; Cores = $core.Count; Version = $null; Error = @() }
        try { $result.Version = $core[0].GetType('Moltbot.Core.Store.Sqlite.SqliteRuntime', $true).GetProperty('NativeVersion').GetValue($null) }
        catch { for ($e = $_.Exception; $e; $e = $e.InnerException) { $result.Error += "$($e.GetType().FullName): $($e.Message)" } }
        $sqlite = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Data.Sqlite' })
        $result.Sqlite = @($sqlite | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name + ' ' + $_.Location })
        $result.Mapped = if ($IsLinux) {
            @(Get-Content /proc/self/maps | Where-Object { $_ -match 'e_sqlite3\.so' } | ForEach-Object { ($_ -split '\s+', 6)[5] } | Sort-Object -Unique)
        } else { @() }
        [pscustomobject] $result | ConvertTo-Json -Compress
    }
    function Invoke-SqliteProbe([string] $Path) {
        $null = New-TestStateDir
        $output = & $script:Pwsh -NoProfile -NonInteractive -Command $script:SqliteProbe -args $Path
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output | Select-Object -Last 1) | ConvertFrom-Json
    }

    function Get-TargetFramework([string] $Path) {
        # TargetFrameworkAttribute and TargetPlatformAttribute of an assembly file, without loading it.
        $stream = [IO.File]::OpenRead($Path)
        try {
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([System.Reflection.PortableExecutable.PEReader]::new($stream))
            foreach ($handle in $reader.CustomAttributes) {
                $attribute = $reader.GetCustomAttribute($handle)
                if ($attribute.Constructor.Kind -ne [System.Reflection.Metadata.HandleKind]::MemberReference) { continue }
                $ctor = $reader.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle] $attribute.Constructor)
                if ($ctor.Parent.Kind -ne [System.Reflection.Metadata.HandleKind]::TypeReference) { continue }
                $name = $reader.GetString($reader.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle] $ctor.Parent).Name)
                if ($name -in 'TargetFrameworkAttribute', 'TargetPlatformAttribute') {
                    # The blob: prolog 01 00, then the first string argument (a one-byte length for these short names).
                    $blob = $reader.GetBlobBytes($attribute.Value)
                    "$($name -replace 'Attribute$'): $([Text.Encoding]::UTF8.GetString($blob, 3, $blob[2]))"
                }
            }
        }
        finally { $stream.Dispose() }
    }
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

    It 'lists a JSON-era state dir in a fresh pwsh without loading SQLite or the OAuth client (cold start)' {
        # Every dependency loads on first use: a listing of auth-profiles.json stores needs Moltbot.Core only. The store
        # holds an OAuth profile with a refresh token too, so the listing's SharedWith index (CredentialHolders) runs.
        $state = New-TestStateDir
        $agentDir = Join-Path $state 'agents/main/agent'
        New-Item -ItemType Directory -Force $agentDir | Out-Null
        $store = [ordered]@{ version = 1; profiles = [ordered]@{
                'openai-codex:default' = [ordered]@{ type = 'oauth'; provider = 'openai-codex'; access = 'at-cold-start'; refresh = 'rt-cold-start'; expires = 4102444800000 }
                'anthropic:api'        = [ordered]@{ type = 'api_key'; provider = 'anthropic'; key = 'sk-ant-api03-cold-start' }
            } }
        Register-TestSecret 'at-cold-start'; Register-TestSecret 'rt-cold-start'; Register-TestSecret 'sk-ant-api03-cold-start'
        $path = Join-Path $agentDir 'auth-profiles.json'
        [IO.File]::WriteAllText($path, ($store | ConvertTo-Json -Depth 5))
        if (-not $IsWindows) { [IO.File]::SetUnixFileMode($path, [IO.UnixFileMode] 'UserRead, UserWrite') }
        $probe = {
            param($ModulePath)
            $ErrorActionPreference = 'Stop'
            Import-Module $ModulePath
            $profiles = @(Get-MoltbotAuthProfile)
            $null = $profiles | Out-String
            $names = @([System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object { $_.Assemblies } | ForEach-Object { $_.GetName().Name })
            [pscustomobject]@{ Profiles = @($profiles.ProfileId | Sort-Object); Core = @($names -eq 'Moltbot.Core').Count; Loaded = @($names | Sort-Object -Unique) } | ConvertTo-Json -Compress
        }
        $output = & $script:Pwsh -NoProfile -NonInteractive -Command $probe -args $script:ModulePath
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = ($output | Select-Object -Last 1) | ConvertFrom-Json
        $result.Profiles | Should -Be @('anthropic:api', 'openai-codex:default')
        $result.Core | Should -Be 1 -Because 'the listing must have run through Moltbot.Core, or the absence below proves nothing'
        @($result.Loaded | Where-Object { $_ -like 'Microsoft.Data.Sqlite*' -or $_ -like 'SQLitePCLRaw*' -or $_ -like 'Duende*' }) |
            Should -BeNullOrEmpty -Because 'a JSON-era listing needs neither SQLite nor the OAuth client'
    }

    It 'ships native SQLite for linux-x64, linux-arm64, osx-arm64, osx-x64 and win-x64 only, in dependencies/runtimes' {
        $runtimes = Join-Path $script:ModulePath 'dependencies/runtimes'
        @(Get-ChildItem $runtimes -Directory | Sort-Object Name).Name | Should -Be @($script:NativeFiles.Keys)
        foreach ($rid in $script:NativeFiles.Keys) {
            $files = @(Get-ChildItem -Recurse -File (Join-Path $runtimes $rid) | ForEach-Object { [IO.Path]::GetRelativePath($runtimes, $_.FullName) -replace '\\', '/' })
            $files | Should -Be @("$rid/native/$($script:NativeFiles[$rid])")
            (Get-Item (Join-Path $runtimes "$rid/native/$($script:NativeFiles[$rid])")).Length | Should -BeGreaterThan 500KB
        }
        # Nothing native anywhere else in the module (the publish output's other RIDs, browser-wasm's e_sqlite3.a).
        @(Get-ChildItem -Recurse -File $script:ModulePath | Where-Object Name -match '^(lib)?e_sqlite3\.(so|dylib|dll|a)$' |
            ForEach-Object { [IO.Path]::GetRelativePath($runtimes, $_.FullName) -replace '\\', '/' } | Sort-Object) |
            Should -Be @($script:NativeFiles.Keys | ForEach-Object { "$_/native/$($script:NativeFiles[$_])" })
    }

    It 'ships the managed SQLite assemblies for net8.0 in dependencies/' {
        $deps = Join-Path $script:ModulePath 'dependencies'
        Get-TargetFramework (Join-Path $deps 'Microsoft.Data.Sqlite.dll') | Should -Be @('TargetFramework: .NETCoreApp,Version=v8.0')
        # SQLitePCLRaw's provider: its net6.0 build (P/Invoke of e_sqlite3), not netstandard2.0's nor net6.0-windows'.
        Get-TargetFramework (Join-Path $deps 'SQLitePCLRaw.provider.e_sqlite3.dll') | Should -Be @('TargetFramework: .NETCoreApp,Version=v6.0')
        Get-TargetFramework (Join-Path $deps 'SQLitePCLRaw.core.dll') | Should -Be @('TargetFramework: .NETStandard,Version=v2.0')
        Get-TargetFramework (Join-Path $deps 'SQLitePCLRaw.batteries_v2.dll') | Should -Be @('TargetFramework: .NETStandard,Version=v2.0')
    }

    It 'loads native SQLite from dependencies/runtimes/<rid>/native inside the private load context (STRICT tables: 3.37+)' {
        if (-not $script:NativeFiles.Contains($script:Rid)) { Set-ItResult -Skipped -Because "the module ships no native SQLite for $($script:Rid)" }
        $probe = Invoke-SqliteProbe $script:ModulePath
        $probe.Error | Should -BeNullOrEmpty
        $probe.Contexts | Should -Be 1
        $probe.Cores | Should -Be 1
        [version] $probe.Version | Should -BeGreaterOrEqual ([version] '3.37')
        $probe.Sqlite | Should -Be @("Moltbot.Dependencies $(Join-Path $script:ModulePath 'dependencies/Microsoft.Data.Sqlite.dll')")
        if ($IsLinux) {
            $probe.Mapped | Should -Be @(Join-Path $script:ModulePath "dependencies/runtimes/$($script:Rid)/native/libe_sqlite3.so")
        }
    }

    It 'says which platform has no native SQLite when its runtimes folder is missing' {
        if (-not $script:NativeFiles.Contains($script:Rid)) { Set-ItResult -Skipped -Because "the module ships no native SQLite for $($script:Rid)" }
        $copy = Join-Path $TestDrive 'no-native/Moltbot'
        New-Item -ItemType Directory -Force (Split-Path $copy) | Out-Null
        Copy-Item -Recurse $script:ModulePath $copy
        Remove-Item -Recurse -Force (Join-Path $copy "dependencies/runtimes/$($script:Rid)")
        $probe = Invoke-SqliteProbe $copy
        $probe.Version | Should -BeNullOrEmpty
        $probe.Error[-1] | Should -BeLike "System.DllNotFoundException: Moltbot has no native e_sqlite3 library for this platform ($($script:Rid)): *$($script:Rid)*does not exist. The module ships it for linux-x64, linux-arm64, osx-arm64, osx-x64, win-x64."
        $probe.Mapped | Should -BeNullOrEmpty
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
