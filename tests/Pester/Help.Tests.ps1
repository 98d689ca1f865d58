<#
    Help, documented examples and packaging, against the built module (out/Moltbot).

    - Every exported cmdlet (whatever the manifest exports at test time) has MAML help with a synopsis, a description,
      every real parameter described, at least two examples, and syntax/parameter metadata that matches the cmdlet.
    - Every ```powershell block in docs/en-US/*.md runs in a fresh runspace (module imported by path) against its own
      temporary state dir, prepared through the module with the agents `main` (default) and `work` and the profiles
      main/anthropic:default (setup token), main/openrouter:default (API key, ops@example.com) and
      work/anthropic:team (setup token), plus main/openai-codex:default, an oauth profile (fake tokens, valid for an
      hour) written into the store directly because a real one needs a login. The example fails when it throws or
      writes an error. Fake secrets are in
      ANTHROPIC_SETUP_TOKEN, OPENROUTER_API_KEY and GITHUB_COPILOT_TOKEN for examples that read a secret from the
      environment, as a CI job would.
      A block whose first lines hold a marker comment is skipped, and reported as skipped:
          # requires: network      needs a sign-in at a real identity provider (Connect-MoltbotProvider)
          # requires: interactive  needs a person at a prompt (Read-Host -AsSecureString, a mandatory-parameter prompt)
    - Packaging: Publish-PSResource to a file repository under TestDrive, then Install-PSResource and Install-Module
      (PowerShellGet 2.2.5, which pwsh 7.6 still ships) into an empty module path in a fresh pwsh, Import-Module by name
      and a command against a temporary state dir; the package and both installed copies carry the native SQLite of the
      five supported RIDs, and the installed module loads it from its own folder. See 'Packaging' below for how nothing
      reaches the real profile.
#>

BeforeDiscovery {
    $docs = Join-Path $PSScriptRoot '../../docs/en-US'
    $manifest = Join-Path $PSScriptRoot '../../out/Moltbot/Moltbot.psd1'
    if (-not (Test-Path $manifest)) { throw "The module is not built: run ./build.ps1 Build first ($manifest)." }
    $CmdletCases = @((Import-PowerShellDataFile $manifest).CmdletsToExport | Sort-Object | ForEach-Object { @{ Name = $_ } })

    $ExampleCases = foreach ($file in Get-ChildItem $docs -Filter *.md | Sort-Object Name) {
        $lines = [IO.File]::ReadAllLines($file.FullName)
        $title = $null
        $n = 0
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^#{1,3}\s+(?<t>.+)$') { $title = $Matches.t; continue }
            if ($lines[$i] -notmatch '^```powershell\s*$') { continue }
            $start = $i + 1
            $body = [System.Collections.Generic.List[string]]::new()
            for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^```\s*$'; $i++) { $body.Add($lines[$i]) }
            $n++
            $requires = $body | Where-Object { $_ -match '^\s*#\s*requires:\s*(?<r>network|interactive)\b' } | ForEach-Object { $Matches.r } | Select-Object -First 1
            @{
                File = $file.Name
                Line = $start
                Title = "$($file.BaseName) #$n ($title)"
                Code = $body -join "`n"
                Requires = $requires
            }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    Import-Module $script:ModulePath -Force
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Get-ParaText($Node) {
        # Help text nodes (description, synopsis) as one string.
        (@($Node) | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n"
    }

    function Get-ExpectedPipelineInput($Attribute) {
        $kinds = @(if ($Attribute.ValueFromPipelineByPropertyName) { 'ByPropertyName' }; if ($Attribute.ValueFromPipeline) { 'ByValue' })
        if ($kinds.Count -eq 0) { 'False' } else { 'True (' + ($kinds -join ', ') + ')' }
    }

    function ConvertTo-PipelineKinds([string] $Text) {
        if ($Text -match '^True \((?<k>[^)]+)\)') { @($Matches.k -split ',\s*' | Sort-Object) } else { @() }
    }
}

Describe 'Help of <Name>' -ForEach $CmdletCases {
    BeforeAll {
        $script:Cmd = Get-Command $Name -Module Moltbot
        $script:Help = Get-Help $Name -Full
        $script:RealParameters = @($script:Cmd.Parameters.Values | Where-Object { $_.Name -notin $script:Common })
        $script:HelpParameters = @($script:Help.parameters.parameter | Where-Object { $_ })
    }

    It 'comes from the MAML file, with a synopsis' {
        # Without MAML, Get-Help falls back to a synopsis that is just the generated syntax.
        $synopsis = ($script:Help.Synopsis | Out-String).Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -BeLike "$Name *"
        # HelpFile is the bare name until Get-Help has resolved it to the full path.
        Split-Path -Leaf $script:Cmd.HelpFile | Should -Be 'Moltbot.dll-Help.xml'
        Join-Path $script:ModulePath 'en-US/Moltbot.dll-Help.xml' | Should -Exist
    }

    It 'has a description' {
        (Get-ParaText $script:Help.description).Trim().Length | Should -BeGreaterThan 40
    }

    It 'describes every real parameter, and no parameter that does not exist' {
        foreach ($p in $script:RealParameters) {
            $h = $script:HelpParameters | Where-Object name -eq $p.Name
            $h | Should -Not -BeNullOrEmpty -Because "-$($p.Name) must be documented"
            (Get-ParaText $h.description).Trim() | Should -Not -BeNullOrEmpty -Because "-$($p.Name) needs a description"
        }
        foreach ($h in $script:HelpParameters) {
            $script:RealParameters.Name | Should -Contain $h.name -Because "-$($h.name) is documented but the cmdlet has no such parameter"
        }
    }

    It 'documents each parameter with its real type, position, pipeline input, wildcards and aliases' {
        foreach ($p in $script:RealParameters) {
            $h = $script:HelpParameters | Where-Object name -eq $p.Name
            $type = [Nullable]::GetUnderlyingType($p.ParameterType) ?? $p.ParameterType
            $h.type.name | Should -Be $type.Name -Because "-$($p.Name) type"
            $attrs = @($p.ParameterSets.Values)
            if (@($attrs.Position | Select-Object -Unique).Count -eq 1) {
                $expected = if ($attrs[0].Position -eq [int]::MinValue) { 'named' } else { "$($attrs[0].Position)" }
                $h.position | Should -Be $expected -Because "-$($p.Name) position"
            }
            if (@($attrs.IsMandatory | Select-Object -Unique).Count -eq 1) {
                $h.required | Should -Be ($attrs[0].IsMandatory.ToString().ToLowerInvariant()) -Because "-$($p.Name) mandatory"
            }
            ConvertTo-PipelineKinds $h.pipelineInput | Should -Be (ConvertTo-PipelineKinds (Get-ExpectedPipelineInput $attrs[0])) -Because "-$($p.Name) pipeline input"
            $wild = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            $h.globbing | Should -Be $wild.ToString().ToLowerInvariant() -Because "-$($p.Name) wildcards"
            $aliases = if ($h.aliases -and $h.aliases -ne 'none') { @($h.aliases -split ',\s*' | Sort-Object) } else { @() }
            $aliases | Should -Be @($p.Aliases | Sort-Object) -Because "-$($p.Name) aliases"
        }
    }

    It 'has one syntax entry per parameter set, with the real parameters, mandatory flags and positions' {
        $items = @($script:Help.syntax.syntaxItem)
        $sets = @($script:Cmd.ParameterSets)
        $items.Count | Should -Be $sets.Count
        foreach ($set in $sets) {
            $real = @($set.Parameters | Where-Object { $_.Name -notin $script:Common })
            $realNames = @($real.Name | Sort-Object)
            $item = $items | Where-Object { (@($_.parameter.name | Sort-Object) -join ',') -eq ($realNames -join ',') } | Select-Object -First 1
            $item | Should -Not -BeNullOrEmpty -Because "the help needs a syntax entry for parameter set '$($set.Name)' ($($realNames -join ', '))"
            foreach ($r in $real) {
                $h = $item.parameter | Where-Object name -eq $r.Name
                $h.required | Should -Be $r.IsMandatory.ToString().ToLowerInvariant() -Because "-$($r.Name) in set '$($set.Name)'"
                $expected = if ($r.Position -eq [int]::MinValue) { 'named' } else { "$($r.Position)" }
                $h.position | Should -Be $expected -Because "-$($r.Name) in set '$($set.Name)'"
                ConvertTo-PipelineKinds $h.pipelineInput | Should -Be (ConvertTo-PipelineKinds (Get-ExpectedPipelineInput $r)) -Because "-$($r.Name) in set '$($set.Name)'"
            }
        }
    }

    It 'has at least two examples, each with code' {
        $examples = @($script:Help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) { $e.code.Trim() | Should -Not -BeNullOrEmpty -Because $e.title }
    }

    It 'documents its output type' {
        $declared = @($script:Cmd.OutputType.Name)
        $documented = @($script:Help.returnValues.returnValue.type.name)
        foreach ($t in $declared) { $documented | Should -Contain $t }
    }
}

Describe 'about_Moltbot' {
    It 'is found by Get-Help and covers the flows, the storage layout, the locks and the error ids' {
        $text = Get-Help about_Moltbot | Out-String
        $text | Should -Match 'SHORT DESCRIPTION'
        foreach ($topic in 'OPENCLAW_STATE_DIR', 'auth-profiles.json.lock', 'MOLTBOT_OPENAI_CODEX_AUTHORITY', '30 seconds', '0600') {
            $text | Should -BeLike "*$topic*"
        }
        # Every stable error id of the core (and of the OAuth login, once it exists) is listed.
        Get-MoltbotAgent | Out-Null
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Moltbot.Core' } | Select-Object -First 1
        $holders = @($core.GetType('Moltbot.Core.ErrorIds'), $core.GetType('Moltbot.Core.OAuth.OAuthErrorIds'), $core.GetType('Moltbot.Core.External.ExternalErrorIds')) | Where-Object { $_ }
        foreach ($f in $holders.GetFields()) {
            $text | Should -BeLike "*$($f.GetValue($null))*" -Because 'about_Moltbot lists every stable error id'
        }
    }
}

Describe 'Documented examples' {
    BeforeAll {
        $script:SavedEnv = @{}
        $script:ExampleEnv = @{
            ANTHROPIC_SETUP_TOKEN = New-TestSetupToken -Marker 'DOCEXAMPLE'
            OPENROUTER_API_KEY = 'sk-or-v1-doc-example-not-a-real-key'
            GITHUB_COPILOT_TOKEN = 'ghu_doc_example_not_a_real_token'
        }
        foreach ($secret in $script:ExampleEnv.Values) { Register-TestSecret $secret }
        foreach ($name in @($script:ExampleEnv.Keys) + 'OPENCLAW_STATE_DIR', 'MOLTBOT_OPENAI_CODEX_AUTHORITY', 'MOLTBOT_OPENAI_CODEX_REDIRECT_URI', 'BROWSER', 'HOME', 'CODEX_HOME', 'CLAUDE_CONFIG_DIR', 'QWEN_HOME', 'GEMINI_CLI_HOME') {
            $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        }
        $script:RealState = Join-Path ([Environment]::GetFolderPath('UserProfile')) '.openclaw'
        $script:RealStateBefore = if (Test-Path $script:RealState) { Get-TreeSnapshot $script:RealState } else { '<absent>' }
    }

    AfterAll {
        foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
    }

    BeforeEach {
        foreach ($name in $script:ExampleEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:ExampleEnv[$name]) }
        foreach ($name in 'MOLTBOT_OPENAI_CODEX_AUTHORITY', 'MOLTBOT_OPENAI_CODEX_REDIRECT_URI', 'BROWSER') { [Environment]::SetEnvironmentVariable($name, $null) }
        # The fixture every example may rely on, made through the module itself.
        $script:State = New-TestStateDir
        New-MoltbotAgent work | Out-Null
        ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken -ProfileId default # (issue 15: the default id is now anthropic:manual)
        Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-TestSecret 'sk-or-v1-fixture') -Email ops@example.com
        ConvertTo-TestSecret (New-TestSetupToken) | Set-MoltbotSetupToken -Agent work -ProfileId team
        $store = Join-Path $script:State 'agents/main/agent/auth-profiles.json'
        $doc = Get-Content -Raw $store | ConvertFrom-Json -AsHashtable
        $doc.profiles['openai-codex:default'] = [ordered]@{
            type = 'oauth'; provider = 'openai-codex'; access = 'fake-access'; refresh = 'fake-refresh'
            expires = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeMilliseconds(); accountId = 'acct-doc-example'
        }
        $doc | ConvertTo-Json -Depth 10 | Set-Content $store
        # The external CLIs' files are looked for in a temp home (set in this process only), which holds a Codex CLI
        # sign-in in its real shape (fake tokens) for the examples of Get-/Import-MoltbotExternalCredential.
        $env:HOME = Join-Path $TestDrive ('home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        foreach ($v in 'CLAUDE_CONFIG_DIR', 'QWEN_HOME', 'GEMINI_CLI_HOME') { Remove-Item "Env:$v" -ErrorAction Ignore }
        $env:CODEX_HOME = Join-Path $env:HOME '.codex'
        New-Item -ItemType Directory -Force $env:CODEX_HOME | Out-Null
        $b64 = { param($t) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($t)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $claims = @{ exp = [DateTimeOffset]::UtcNow.AddDays(3).ToUnixTimeSeconds(); 'https://api.openai.com/auth' = @{ chatgpt_account_id = 'acct-doc-cli' }
            'https://api.openai.com/profile' = @{ email = 'doc-cli@example.com' } } | ConvertTo-Json -Compress
        $access = (& $b64 '{"alg":"RS256"}') + '.' + (& $b64 $claims) + '.ZG9jLWV4YW1wbGU'
        $refresh = 'rt_doc_example_' + [guid]::NewGuid().ToString('N')
        Register-TestSecret $access
        Register-TestSecret $refresh
        @{ auth_mode = 'chatgpt'; tokens = @{ access_token = $access; refresh_token = $refresh; account_id = 'acct-doc-cli' } } |
            ConvertTo-Json | Set-Content (Join-Path $env:CODEX_HOME 'auth.json')
    }

    AfterEach {
        foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
    }

    # One It per block, so that a marked block can be skipped on its own (-Skip is evaluated once per It call).
    # Names are built here: Pester expands <templates> only in tests that run, not in skipped ones.
    foreach ($case in $ExampleCases) {
    $marker = if ($case.Requires) { " [requires: $($case.Requires)]" } else { '' }
    It "$($case.Title) runs ($($case.File):$($case.Line))$marker" -ForEach @($case) -Skip:([bool]$case.Requires) {
        $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $iss.ImportPSModule([string[]] @((Join-Path $script:ModulePath 'Moltbot.psd1')))
        $runspace = [runspacefactory]::CreateRunspace($iss)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddScript("Set-Location -LiteralPath '$($script:State)'").AddStatement().AddScript($Code)
            $async = $ps.BeginInvoke()
            if (-not $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60))) {
                $ps.Stop()
                throw "The example did not finish within 60 s: $Title"
            }
            $thrown = $null
            $output = $null
            try { $output = $ps.EndInvoke($async) } catch { $thrown = $_.Exception.InnerException ?? $_.Exception }
            # This runspace is out of the secret scan's reach: hand it what the example emitted.
            Add-TestTapRecord "docs example $Title" ([ordered]@{ Output = @($output); Thrown = $thrown; Error = @($ps.Streams.Error)
                Warning = @($ps.Streams.Warning); Verbose = @($ps.Streams.Verbose); Debug = @($ps.Streams.Debug); Information = @($ps.Streams.Information) })
            $thrown | Should -BeNullOrEmpty -Because "the example must not throw ($($thrown.Message))"
            $errors = @($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" })
            $errors | Should -BeNullOrEmpty -Because 'the example must not write an error'
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
    }

    It 'never touched the real ~/.openclaw' {
        $after = if (Test-Path $script:RealState) { Get-TreeSnapshot $script:RealState } else { '<absent>' }
        $after | Should -Be $script:RealStateBefore
    }
}

<#
    Packaging. Install-PSResource -Scope CurrentUser on Linux/macOS installs into $HOME/.local/share/powershell/Modules
    (PSResourceGet derives it from HOME), and keeps its repository list in LocalApplicationData/PSResourceGet
    (XDG_DATA_HOME, else $HOME/.local/share); PowerShellGet 2 keeps its list under XDG_CACHE_HOME and installs into the
    user module path pwsh derives from XDG_DATA_HOME. Install-PSResource has no -Path (Save-PSResource has, but then
    nothing would test the install itself), so each child pwsh gets a throw-away HOME and XDG_* folders under TestDrive
    (created first: .NET reports a missing LocalApplicationData folder as '', and PSResourceGet then writes relative to
    the current directory), and PSModulePath names only that HOME's empty module folder. Install-PSResource and
    Install-Module then do exactly what they do for a user, inside TestDrive. On Windows the known folders ignore those
    variables, so this test is skipped there.
#>
Describe 'Packaging' -Skip:$IsWindows {
    BeforeAll {
        $script:PkgRoot = Join-Path $TestDrive 'packaging'
        $script:Repo = Join-Path $script:PkgRoot 'repository'
        $script:RepoName = 'MoltbotTest-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        New-Item -ItemType Directory -Force $script:Repo | Out-Null

        $script:RealRepoStore = Join-Path ([Environment]::GetFolderPath('LocalApplicationData', 'DoNotVerify')) 'PSResourceGet/PSResourceRepository.xml'
        $script:RealRepoStoreBefore = if (Test-Path $script:RealRepoStore) { (Get-FileHash $script:RealRepoStore).Hash } else { '<absent>' }
        $script:RealUserModules = Join-Path ([Environment]::GetFolderPath('UserProfile')) '.local/share/powershell/Modules/Moltbot'
        $script:RealUserModulesBefore = Test-Path $script:RealUserModules

        function New-Sandbox([string] $Name) {
            $sandboxHome = Join-Path $script:PkgRoot $Name
            foreach ($d in '.local/share/powershell/Modules', '.config', '.cache') { New-Item -ItemType Directory -Force (Join-Path $sandboxHome $d) | Out-Null }
            $state = Join-Path $script:PkgRoot "$Name-state"
            New-Item -ItemType Directory -Force $state | Out-Null
            @{
                HOME = $sandboxHome
                XDG_DATA_HOME = Join-Path $sandboxHome '.local/share'
                XDG_CONFIG_HOME = Join-Path $sandboxHome '.config'
                XDG_CACHE_HOME = Join-Path $sandboxHome '.cache'
                PSModulePath = Join-Path $sandboxHome '.local/share/powershell/Modules'
                OPENCLAW_STATE_DIR = $state
            }
        }

        function Invoke-Sandboxed([hashtable] $Environment, [string] $Script) {
            # A fresh pwsh with the sandbox environment; the script's last output line is JSON.
            $file = Join-Path $script:PkgRoot ('step-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
            Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'`n" + $Script)
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.WorkingDirectory = $script:PkgRoot
            foreach ($k in 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_HOME', 'CLAWDBOT_STATE_DIR', 'OPENCLAW_OAUTH_DIR') { $null = $psi.Environment.Remove($k) }
            foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
            $p = [System.Diagnostics.Process]::Start($psi)
            $stderr = $p.StandardError.ReadToEndAsync()
            $stdout = $p.StandardOutput.ReadToEnd()
            if (-not $p.WaitForExit(180000)) { $p.Kill($true); throw "The sandboxed pwsh did not finish within 180 s." }
            $p.WaitForExit()
            if ($p.ExitCode -ne 0) { throw "The sandboxed pwsh failed ($($p.ExitCode)):`n$stdout`n$($stderr.Result)" }
            $last = ($stdout -split "`n" | Where-Object { $_.Trim() }) | Select-Object -Last 1
            $last | ConvertFrom-Json
        }

        # Publish a copy: out/Moltbot is rebuilt whenever someone runs ./build.ps1 Build, so take a complete one.
        $source = Join-Path $script:PkgRoot 'source/Moltbot'
        $script:NativeEntries = @('linux-arm64/native/libe_sqlite3.so', 'linux-x64/native/libe_sqlite3.so', 'osx-arm64/native/libe_sqlite3.dylib',
            'osx-x64/native/libe_sqlite3.dylib', 'win-x64/native/e_sqlite3.dll') | ForEach-Object { "dependencies/runtimes/$_" }
        $needed = @('Moltbot.psd1', 'Moltbot.dll', 'Moltbot.format.ps1xml', 'dependencies/Moltbot.Core.dll', 'en-US/Moltbot.dll-Help.xml', 'en-US/about_Moltbot.help.txt') + $script:NativeEntries
        for ($attempt = 1; ; $attempt++) {
            Remove-Item -Recurse -Force $source -ErrorAction Ignore
            New-Item -ItemType Directory -Force (Split-Path $source) | Out-Null
            Copy-Item -Recurse $script:ModulePath $source -ErrorAction SilentlyContinue
            $missing = $needed | Where-Object { -not (Test-Path (Join-Path $source $_)) }
            if (-not $missing) { break }
            if ($attempt -ge 10) { throw "out/Moltbot is incomplete (missing $($missing -join ', ')): run ./build.ps1 Build." }
            Start-Sleep -Seconds 3
        }
        $script:Sandbox = New-Sandbox 'psresourceget'
        $published = Invoke-Sandboxed $script:Sandbox @"
Register-PSResourceRepository -Name '$($script:RepoName)' -Uri '$($script:Repo)' -Trusted
Publish-PSResource -Path '$source' -Repository '$($script:RepoName)'
@{ Packages = @((Get-ChildItem '$($script:Repo)' -Filter *.nupkg).Name) } | ConvertTo-Json -Compress
"@
        $script:Packages = @($published.Packages)
    }

    AfterAll {
        if ($script:Sandbox) {
            Invoke-Sandboxed $script:Sandbox @"
if (Get-PSResourceRepository -Name '$($script:RepoName)' -ErrorAction Ignore) { Unregister-PSResourceRepository -Name '$($script:RepoName)' }
@{ Left = @(Get-PSResourceRepository | Where-Object Name -like 'MoltbotTest-*').Count } | ConvertTo-Json -Compress
"@ | Out-Null
        }
    }

    It 'publishes the built module, with its help, to a local file repository with Publish-PSResource' {
        $version = (Import-PowerShellDataFile (Join-Path $script:ModulePath 'Moltbot.psd1')).ModuleVersion
        $script:Packages | Should -Be @("Moltbot.$version.nupkg")
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead((Join-Path $script:Repo $script:Packages[0]))
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($e in 'Moltbot.psd1', 'Moltbot.dll', 'dependencies/Moltbot.Core.dll', 'en-US/Moltbot.dll-Help.xml', 'en-US/about_Moltbot.help.txt') {
            $entries | Should -Contain $e
        }
        # Native SQLite for the five supported RIDs, and for no other.
        @($entries | Where-Object { $_ -like 'dependencies/runtimes/*' } | Sort-Object) | Should -Be $script:NativeEntries
    }

    It 'installs with Install-PSResource into an empty module path, imports by name and runs a command' {
        $result = Invoke-Sandboxed $script:Sandbox @"
Install-PSResource Moltbot -Repository '$($script:RepoName)' -TrustRepository -Scope CurrentUser
`$m = Import-Module Moltbot -PassThru
Set-MoltbotApiKey -Provider openrouter -ApiKey (ConvertTo-SecureString 'sk-or-v1-package-test' -AsPlainText -Force)
@{
    ModuleBase = `$m.ModuleBase
    Version = `$m.Version.ToString()
    Profiles = @(Get-MoltbotAuthProfile | ForEach-Object { "`$(`$_.Agent)/`$(`$_.ProfileId)" })
    Synopsis = (Get-Help Get-MoltbotAuthProfile).Synopsis
    About = [bool](Get-Help about_Moltbot | Out-String | Select-String 'SHORT DESCRIPTION')
    Installed = @(Get-InstalledPSResource Moltbot -Scope CurrentUser).Count
    Natives = @(Get-ChildItem -Recurse -File (Join-Path `$m.ModuleBase 'dependencies/runtimes') | ForEach-Object { [IO.Path]::GetRelativePath(`$m.ModuleBase, `$_.FullName) } | Sort-Object)
    Sqlite = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'Moltbot.Dependencies').Assemblies |
        Where-Object { `$_.GetName().Name -eq 'Moltbot.Core' } | ForEach-Object { `$_.GetType('Moltbot.Core.Store.Sqlite.SqliteRuntime', `$true).GetProperty('NativeVersion').GetValue(`$null) }
    Mapped = @(Get-Content /proc/self/maps -ErrorAction Ignore | Where-Object { `$_ -match 'e_sqlite3\.so' } | ForEach-Object { (`$_ -split '\s+', 6)[5] } | Sort-Object -Unique)
} | ConvertTo-Json -Compress
"@
        $result.ModuleBase | Should -BeLike "$($script:Sandbox.PSModulePath)*Moltbot*"
        $result.Profiles | Should -Be @('main/openrouter:default')
        $result.Synopsis | Should -Be 'Lists the credential profiles stored for OpenClaw agents.'
        $result.About | Should -BeTrue
        $result.Installed | Should -Be 1
        # The installed copy carries the native SQLite, and the module loads it from there.
        $result.Natives | Should -Be $script:NativeEntries
        [version] $result.Sqlite | Should -BeGreaterOrEqual ([version] '3.37')
        if ($IsLinux) {
            $arch = ([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture).ToString().ToLowerInvariant()
            $result.Mapped | Should -Be @(Join-Path $result.ModuleBase "dependencies/runtimes/linux-$arch/native/libe_sqlite3.so")
        }
        Join-Path $script:Sandbox.OPENCLAW_STATE_DIR 'agents/main/agent/auth-profiles.json' | Should -Exist
    }

    It 'installs with Install-Module (PowerShellGet) from the same repository, imports by name and runs a command' {
        $sandbox = New-Sandbox 'powershellget'
        $result = Invoke-Sandboxed $sandbox @"
Register-PSRepository -Name '$($script:RepoName)' -SourceLocation '$($script:Repo)' -InstallationPolicy Trusted
try {
    Install-Module Moltbot -Repository '$($script:RepoName)' -Scope CurrentUser
    `$m = Import-Module Moltbot -PassThru
    `$natives = @(Get-ChildItem -Recurse -File (Join-Path `$m.ModuleBase 'dependencies/runtimes') | ForEach-Object { [IO.Path]::GetRelativePath(`$m.ModuleBase, `$_.FullName) } | Sort-Object)
    @{ ModuleBase = `$m.ModuleBase; Agents = @((Get-MoltbotAgent).Id); Profiles = @(Get-MoltbotAuthProfile).Count; Natives = `$natives } | ConvertTo-Json -Compress
}
finally { Unregister-PSRepository -Name '$($script:RepoName)' }
"@
        $result.ModuleBase | Should -BeLike "$($sandbox.PSModulePath)*Moltbot*"
        $result.Agents | Should -Be @('main')
        $result.Profiles | Should -Be 0
        $result.Natives | Should -Be $script:NativeEntries
    }

    It 'left the real repository list and the real user module folder alone' {
        $after = if (Test-Path $script:RealRepoStore) { (Get-FileHash $script:RealRepoStore).Hash } else { '<absent>' }
        $after | Should -Be $script:RealRepoStoreBefore
        Test-Path $script:RealUserModules | Should -Be $script:RealUserModulesBefore
    }
}
