#Requires -Version 7.4
<#
.SYNOPSIS
    Turns platyPS 0.14 markdown help (schema 2.0.0) into MAML (<Assembly>.dll-Help.xml) and about_*.help.txt.
.DESCRIPTION
    A small stand-in for platyPS's New-ExternalHelp, which the package registries here do not serve. It reads the
    same files platyPS writes and reads, in the same schema, so that platyPS can take over later without touching the
    markdown:

      <Cmdlet>.md        YAML front matter (external help file, Module Name, online version, schema: 2.0.0), then
                         '# <Cmdlet>' and the sections SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS,
                         OUTPUTS, NOTES and RELATED LINKS. Becomes one command:command in the MAML file named by
                         'external help file'.
      about_<Topic>.md   platyPS's about template: '# Topic', '## about_Topic', '# SHORT DESCRIPTION',
                         '# LONG DESCRIPTION', ... Becomes about_<Topic>.help.txt (80 columns, as platyPS renders it).
      <Module>.md        the module page (front matter with 'Module Guid'); checked, not converted (platyPS uses it
                         only for updatable-help cabinets).

    It is deliberately strict: a file that does not follow the schema stops the conversion with the file and line.
    It also checks what platyPS ignores but a reader relies on: each SYNTAX block must agree with the parameters'
    YAML metadata (names, parameter sets, mandatory, positional).

    MAML syntax items are generated from the parameters' metadata, as platyPS does (the SYNTAX text is only checked).
.PARAMETER Path
    The folder with the markdown files (docs/en-US).
.PARAMETER OutputPath
    The culture folder to write to (out/Moltbot/en-US). Created when missing.
.PARAMETER HelpFileName
    When given, every cmdlet page must name this file as its 'external help file' (for a binary module, the cmdlet
    assembly's name + '-Help.xml'; otherwise Get-Help silently shows only the generated syntax).
.PARAMETER ModuleName
    When given, every cmdlet page must carry this 'Module Name'.
.PARAMETER CommandName
    The cmdlets the module exports. Missing or extra pages are reported as warnings (the Pester help test fails on
    them; the build goes on so that a new cmdlet does not block everyone's build before its page exists).
.EXAMPLE
    ./tools/Convert-MarkdownHelp.ps1 -Path docs/en-US -OutputPath out/Moltbot/en-US -HelpFileName Moltbot.dll-Help.xml
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $HelpFileName,
    [string] $ModuleName,
    [string[]] $CommandName,
    # Where the cmdlet pages are online ('.../docs/en-US'): a page's 'online version' (the link Get-Help -Online opens)
    # must be <OnlineBase>/<Cmdlet>.md; a page that leaves it empty gets that link.
    [string] $OnlineBase
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:MSHelpNs = 'http://msdn.microsoft.com/mshelp'
$script:CommandSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$script:YamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Required', 'Position', 'Default value',
    'Accept pipeline input', 'Accept wildcard characters'
$script:RequiredYamlKeys = $script:YamlKeys | Where-Object { $_ -ne 'Accepted values' }

function Stop-Schema([string] $File, [int] $Line, [string] $Message) {
    $where = if ($Line -gt 0) { "${File}:$Line" } else { $File }
    throw "platyPS schema: ${where}: $Message"
}

#region Markdown reading

function Read-FrontMatter([string[]] $Lines, [string] $File) {
    # Returns @{ Meta = ordered; Start = index of the first body line }.
    $meta = [ordered]@{}
    if ($Lines.Count -eq 0 -or $Lines[0] -ne '---') { return @{ Meta = $null; Start = 0 } }
    for ($i = 1; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i] -eq '---') { return @{ Meta = $meta; Start = $i + 1 } }
        if ($Lines[$i] -match '^\s*$') { continue }
        if ($Lines[$i] -notmatch '^(?<k>[^:]+):\s*(?<v>.*?)\s*$') { Stop-Schema $File ($i + 1) "front matter line is not 'key: value': '$($Lines[$i])'" }
        $meta[$Matches.k.Trim()] = $Matches.v
    }
    Stop-Schema $File 1 'front matter is not closed with ---'
}

function ConvertTo-MarkdownNodes([string[]] $Lines, [int] $Start, [string] $File) {
    # Headings, fenced code blocks and paragraphs (runs of non-blank lines), with their line numbers.
    $nodes = [System.Collections.Generic.List[object]]::new()
    $para = $null
    $i = $Start
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        if ($line -match '^```(?<lang>[\w+-]*)\s*$') {
            if ($para) { $nodes.Add($para); $para = $null }
            $lang = $Matches.lang
            $startLine = $i + 1
            $body = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Lines.Count -and $Lines[$i] -notmatch '^```\s*$') { $body.Add($Lines[$i]); $i++ }
            if ($i -ge $Lines.Count) { Stop-Schema $File $startLine 'code block is not closed' }
            $nodes.Add([pscustomobject]@{ Kind = 'Code'; Lang = $lang; Text = ($body -join "`n"); Line = $startLine })
            $i++
            continue
        }
        if ($line -match '^(?<hashes>#{1,6})\s+(?<text>.+?)\s*$') {
            if ($para) { $nodes.Add($para); $para = $null }
            $nodes.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches.hashes.Length; Text = $Matches.text; Line = $i + 1 })
        }
        elseif ($line -match '^\s*$') {
            if ($para) { $nodes.Add($para); $para = $null }
        }
        else {
            if (-not $para) { $para = [pscustomobject]@{ Kind = 'Paragraph'; Lines = [System.Collections.Generic.List[string]]::new(); Line = $i + 1 } }
            $para.Lines.Add($line.TrimEnd())
        }
        $i++
    }
    if ($para) { $nodes.Add($para) }
    , $nodes
}

function ConvertTo-ConsoleText([string] $Text) {
    <# Markdown inline markup as the console shows it (issue 15, point 12): a code span loses its backticks (`x`, and
       `` `[ `` with a backtick inside), **strong** and *emphasis* lose their stars, [text](uri) becomes the text (with
       the uri when it is absolute). Inside a code span nothing else changes, so `gh*` keeps its star. Code blocks are
       not paragraphs: they are left as they are. #>
    $plain = {
        param([string] $t)
        $t = [regex]::Replace($t, '\[(?<t>[^\]]+)\]\((?<u>[^)\s]+)\)', { param($m) if ($m.Groups['u'].Value -match '^[a-z]+://') { "$($m.Groups['t'].Value) ($($m.Groups['u'].Value))" } else { $m.Groups['t'].Value } })
        $t = [regex]::Replace($t, '(?<![\w*])\*\*(?=\S)(?<x>.+?)(?<=\S)\*\*(?![\w*])', '${x}')
        [regex]::Replace($t, '(?<![\w*])\*(?=[^\s*])(?<x>[^*]+?)(?<=[^\s*])\*(?![\w*])', '${x}')
    }
    $sb = [System.Text.StringBuilder]::new()
    $at = 0
    foreach ($m in [regex]::Matches($Text, '(?<!`)(?<ticks>`+)(?!`)(?<c>.+?)(?<!`)\k<ticks>(?!`)')) {
        [void]$sb.Append((& $plain $Text.Substring($at, $m.Index - $at)))
        $code = $m.Groups['c'].Value
        # CommonMark: one space on both sides of a span's content is padding (`` `[ `` is the code `[).
        if ($code.Length -ge 2 -and $code.StartsWith(' ') -and $code.EndsWith(' ') -and $code.Trim().Length -gt 0) { $code = $code.Substring(1, $code.Length - 2) }
        [void]$sb.Append($code)
        $at = $m.Index + $m.Length
    }
    [void]$sb.Append((& $plain $Text.Substring($at)))
    $sb.ToString()
}

function Get-ParagraphText($Node) {
    # A paragraph as one string: lines of a list keep their breaks, other soft breaks become spaces; inline markup as
    # the console shows it.
    $isList = $Node.Lines | Where-Object { $_ -match '^\s*([-*+]|\d+\.)\s' }
    $text = if ($isList) { ($Node.Lines | ForEach-Object { $_.Trim() }) -join "`n" }
    else { ($Node.Lines | ForEach-Object { $_.Trim() }) -join ' ' }
    ConvertTo-ConsoleText $text
}

function Split-ByHeading($Nodes, [int] $Level, [string] $File) {
    # Groups nodes under each heading of the given level; nodes before the first heading must not exist.
    $groups = [System.Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($n in $Nodes) {
        if ($n.Kind -eq 'Heading' -and $n.Level -eq $Level) {
            $current = [pscustomobject]@{ Title = $n.Text; Line = $n.Line; Nodes = [System.Collections.Generic.List[object]]::new() }
            $groups.Add($current)
            continue
        }
        if ($n.Kind -eq 'Heading' -and $n.Level -lt $Level) { Stop-Schema $File $n.Line "unexpected level-$($n.Level) heading '$($n.Text)'" }
        if (-not $current) { Stop-Schema $File $n.Line "content before the first level-$Level heading" }
        $current.Nodes.Add($n)
    }
    , $groups
}

function Get-TextBlocks($Nodes, [string] $File, [string] $Section, [switch] $AllowCode) {
    # The paragraphs (and code blocks, when allowed) of a section, as MAML paragraphs.
    $paras = [System.Collections.Generic.List[string]]::new()
    foreach ($n in $Nodes) {
        switch ($n.Kind) {
            'Paragraph' { $paras.Add((Get-ParagraphText $n)) }
            'Code' { if ($AllowCode) { $paras.Add($n.Text) } else { Stop-Schema $File $n.Line "a code block is not allowed in $Section" } }
            default { Stop-Schema $File $n.Line "a heading ('$($n.Text)') is not allowed in $Section" }
        }
    }
    , $paras
}

#endregion

#region Command pages

function Read-YamlBlock($Node, [string] $File, [string] $ParameterName) {
    $map = [ordered]@{}
    $lineNo = $Node.Line
    foreach ($raw in $Node.Text -split "`n") {
        $lineNo++
        if ($raw -match '^\s*$') { continue }
        if ($raw -notmatch '^(?<k>[A-Za-z][A-Za-z ]*):(?:\s+(?<v>.*?))?\s*$') { Stop-Schema $File $lineNo "-${ParameterName}: YAML line is not 'Key: value': '$raw'" }
        $key = $Matches.k
        $value = if ($Matches.ContainsKey('v')) { $Matches.v } else { '' }
        if ($key -notin $script:YamlKeys) { Stop-Schema $File $lineNo "-${ParameterName}: unknown YAML key '$key' (known: $($script:YamlKeys -join ', '))" }
        if ($map.Contains($key)) { Stop-Schema $File $lineNo "-${ParameterName}: duplicate YAML key '$key'" }
        $map[$key] = $value
    }
    foreach ($k in $script:RequiredYamlKeys) {
        if (-not $map.Contains($k)) { Stop-Schema $File $Node.Line "-${ParameterName}: YAML key '$k' is missing" }
    }
    if ([string]::IsNullOrWhiteSpace($map['Type'])) { Stop-Schema $File $Node.Line "-${ParameterName}: Type is empty" }
    if ($map['Required'] -notin 'True', 'False') { Stop-Schema $File $Node.Line "-${ParameterName}: Required must be True or False" }
    if ($map['Position'] -notmatch '^(Named|\d+)$') { Stop-Schema $File $Node.Line "-${ParameterName}: Position must be Named or a number" }
    if ($map['Accept wildcard characters'] -notin 'True', 'False') { Stop-Schema $File $Node.Line "-${ParameterName}: Accept wildcard characters must be True or False" }
    if ($map['Accept pipeline input'] -notmatch '^(False|True \((ByValue|ByPropertyName)(, (ByValue|ByPropertyName))?\))$') {
        Stop-Schema $File $Node.Line "-${ParameterName}: Accept pipeline input must be False or True (ByValue|ByPropertyName[, ...])"
    }
    if ([string]::IsNullOrWhiteSpace($map['Parameter Sets'])) { Stop-Schema $File $Node.Line "-${ParameterName}: Parameter Sets is empty (use (All))" }
    [pscustomobject]@{
        Type = $map['Type'].Trim()
        Sets = @($map['Parameter Sets'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
        Aliases = @($map['Aliases'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
        AcceptedValues = @(if ($map.Contains('Accepted values')) { $map['Accepted values'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ } })
        Required = $map['Required'] -eq 'True'
        Position = $map['Position']
        DefaultValue = $(if ([string]::IsNullOrWhiteSpace($map['Default value'])) { 'None' } else { $map['Default value'].Trim() })
        PipelineInput = $map['Accept pipeline input']
        Globbing = $map['Accept wildcard characters'] -eq 'True'
        Line = $Node.Line
    }
}

function Read-SyntaxLine([string] $Text, [string] $Command, [string] $File, [int] $Line) {
    # Parses 'Cmd [-A] <T> [[-B] <T>] -C <T> [-D <T>] [-E] [<CommonParameters>]' into parameter forms.
    $flat = ($Text -split "`n" | ForEach-Object { $_.Trim() }) -join ' '
    if (-not $flat.StartsWith($Command + ' ') -and $flat -ne $Command) { Stop-Schema $File $Line "the syntax must start with '$Command'" }
    $rest = $flat.Substring($Command.Length)
    $params = [System.Collections.Generic.List[object]]::new()
    $common = $false
    $patterns = @(
        @{ Re = '\G\s*\[\[-(?<n>\w+)\]\s+<(?<t>[^>]+)>\]'; Required = $false; Positional = $true }
        @{ Re = '\G\s*\[-(?<n>\w+)\]\s+<(?<t>[^>]+)>'; Required = $true; Positional = $true }
        @{ Re = '\G\s*\[-(?<n>\w+)(?:\s+<(?<t>[^>]+)>)?\]'; Required = $false; Positional = $false }
        @{ Re = '\G\s*-(?<n>\w+)(?:\s+<(?<t>[^>]+)>)?'; Required = $true; Positional = $false }
    )
    $pos = 0
    while ($pos -lt $rest.Length) {
        if ($rest.Substring($pos).Trim().Length -eq 0) { break }
        $m = [regex]::new('\G\s*\[<CommonParameters>\]').Match($rest, $pos)
        if ($m.Success) { $common = $true; $pos += $m.Length; continue }
        $matched = $false
        foreach ($p in $patterns) {
            $m = [regex]::new($p.Re).Match($rest, $pos)
            if ($m.Success) {
                $params.Add([pscustomobject]@{ Name = $m.Groups['n'].Value; Required = $p.Required; Positional = $p.Positional; IsSwitch = -not $m.Groups['t'].Success })
                $pos += $m.Length
                $matched = $true
                break
            }
        }
        if (-not $matched) { Stop-Schema $File $Line "cannot read the syntax at '$($rest.Substring($pos).Trim())'" }
    }
    [pscustomobject]@{ Parameters = $params; Common = $common }
}

function Read-CommandPage([string] $File, [string[]] $Lines) {
    $name = [IO.Path]::GetFileNameWithoutExtension($File)
    $fm = Read-FrontMatter $Lines $File
    if (-not $fm.Meta) { Stop-Schema $File 1 'a cmdlet page must start with YAML front matter (---)' }
    foreach ($key in 'external help file', 'Module Name', 'online version', 'schema') {
        if (-not $fm.Meta.Contains($key)) { Stop-Schema $File 1 "front matter key '$key' is missing" }
    }
    if ($fm.Meta['schema'] -ne '2.0.0') { Stop-Schema $File 1 "schema must be 2.0.0, not '$($fm.Meta['schema'])'" }
    if ($HelpFileName -and $fm.Meta['external help file'] -ne $HelpFileName) {
        Stop-Schema $File 1 "external help file must be '$HelpFileName' (the cmdlet assembly's help file), not '$($fm.Meta['external help file'])'"
    }
    if ($ModuleName -and $fm.Meta['Module Name'] -ne $ModuleName) { Stop-Schema $File 1 "Module Name must be '$ModuleName'" }
    if ($OnlineBase) {
        $online = "$($OnlineBase.TrimEnd('/'))/$name.md"
        if (-not $fm.Meta['online version']) { $fm.Meta['online version'] = $online }
        elseif ($fm.Meta['online version'] -ne $online) { Stop-Schema $File 1 "online version must be '$online' (build.ps1's OnlineHelpBase), not '$($fm.Meta['online version'])'" }
    }

    $nodes = ConvertTo-MarkdownNodes $Lines $fm.Start $File
    if ($nodes.Count -eq 0 -or $nodes[0].Kind -ne 'Heading' -or $nodes[0].Level -ne 1) { Stop-Schema $File ($fm.Start + 1) "the page must start with '# $name'" }
    if ($nodes[0].Text -cne $name) { Stop-Schema $File $nodes[0].Line "the title '$($nodes[0].Text)' must equal the file name '$name'" }
    $body = $nodes.GetRange(1, $nodes.Count - 1)
    $sections = @{}
    foreach ($s in (Split-ByHeading $body 2 $File)) {
        if ($s.Title -cnotin $script:CommandSections) { Stop-Schema $File $s.Line "unknown section '## $($s.Title)' (known: $($script:CommandSections -join ', '))" }
        if ($sections.ContainsKey($s.Title)) { Stop-Schema $File $s.Line "duplicate section '## $($s.Title)'" }
        $sections[$s.Title] = $s
    }
    foreach ($required in $script:CommandSections) {
        if (-not $sections.ContainsKey($required)) { Stop-Schema $File 0 "section '## $required' is missing" }
    }

    $synopsis = Get-TextBlocks $sections['SYNOPSIS'].Nodes $File 'SYNOPSIS'
    if ($synopsis.Count -eq 0) { Stop-Schema $File $sections['SYNOPSIS'].Line 'SYNOPSIS is empty' }
    $description = Get-TextBlocks $sections['DESCRIPTION'].Nodes $File 'DESCRIPTION' -AllowCode
    if ($description.Count -eq 0) { Stop-Schema $File $sections['DESCRIPTION'].Line 'DESCRIPTION is empty' }

    # SYNTAX: one bare code block (one parameter set), or '### SetName [(Default)]' + code block per set.
    $syntaxNodes = $sections['SYNTAX'].Nodes
    $syntax = [System.Collections.Generic.List[object]]::new()
    if ($syntaxNodes.Count -eq 1 -and $syntaxNodes[0].Kind -eq 'Code') {
        $syntax.Add([pscustomobject]@{ Name = '__AllParameterSets'; IsDefault = $true; Code = $syntaxNodes[0] })
    }
    else {
        foreach ($g in (Split-ByHeading $syntaxNodes 3 $File)) {
            if ($g.Title -notmatch '^(?<set>\S+)(?<def> \(Default\))?$') { Stop-Schema $File $g.Line "a parameter set heading is '### Name' or '### Name (Default)'" }
            $setName = $Matches.set
            $isDefault = $Matches.ContainsKey('def')
            if ($g.Nodes.Count -ne 1 -or $g.Nodes[0].Kind -ne 'Code') { Stop-Schema $File $g.Line "parameter set '$setName' must hold exactly one code block" }
            $syntax.Add([pscustomobject]@{ Name = $setName; IsDefault = $isDefault; Code = $g.Nodes[0] })
        }
        if ($syntax.Count -eq 0) { Stop-Schema $File $sections['SYNTAX'].Line 'SYNTAX has no code block' }
        if (@($syntax | Where-Object IsDefault).Count -gt 1) { Stop-Schema $File $sections['SYNTAX'].Line 'more than one parameter set is marked (Default)' }
    }
    foreach ($s in $syntax) {
        if ($s.Code.Lang) { Stop-Schema $File $s.Code.Line "a SYNTAX code block has no language (platyPS writes a bare ```), not '$($s.Code.Lang)'" }
        $s | Add-Member -NotePropertyName Parsed -NotePropertyValue (Read-SyntaxLine $s.Code.Text $name $File $s.Code.Line)
    }
    $setNames = @($syntax.Name)

    # EXAMPLES
    $examples = [System.Collections.Generic.List[object]]::new()
    foreach ($g in (Split-ByHeading $sections['EXAMPLES'].Nodes 3 $File)) {
        $intro = [System.Collections.Generic.List[string]]::new()
        $remarks = [System.Collections.Generic.List[string]]::new()
        $code = [System.Collections.Generic.List[string]]::new()
        foreach ($n in $g.Nodes) {
            switch ($n.Kind) {
                'Code' {
                    if ($remarks.Count -gt 0) { Stop-Schema $File $n.Line "example '$($g.Title)': text between two code blocks" }
                    $code.Add($n.Text)
                }
                'Paragraph' { if ($code.Count -eq 0) { $intro.Add((Get-ParagraphText $n)) } else { $remarks.Add((Get-ParagraphText $n)) } }
                default { Stop-Schema $File $n.Line "example '$($g.Title)': unexpected heading '$($n.Text)'" }
            }
        }
        if ($code.Count -eq 0) { Stop-Schema $File $g.Line "example '$($g.Title)' has no code block" }
        $examples.Add([pscustomobject]@{ Title = $g.Title; Introduction = $intro; Code = ($code -join "`n`n"); Remarks = $remarks })
    }

    # PARAMETERS
    $parameters = [System.Collections.Generic.List[object]]::new()
    $hasCommon = $false
    foreach ($g in (Split-ByHeading $sections['PARAMETERS'].Nodes 3 $File)) {
        if ($g.Title -in 'CommonParameters', '<CommonParameters>') { $hasCommon = $true; continue }
        if ($g.Title -notmatch '^-(?<p>\w+)$') { Stop-Schema $File $g.Line "a parameter heading is '### -Name' or '### CommonParameters', not '### $($g.Title)'" }
        $pname = $Matches.p
        if ($parameters | Where-Object Name -eq $pname) { Stop-Schema $File $g.Line "parameter -$pname is documented twice" }
        $text = [System.Collections.Generic.List[string]]::new()
        $blocks = [System.Collections.Generic.List[object]]::new()
        foreach ($n in $g.Nodes) {
            if ($n.Kind -eq 'Paragraph') {
                if ($blocks.Count -gt 0) { Stop-Schema $File $n.Line "-${pname}: the description goes before the yaml block" }
                $text.Add((Get-ParagraphText $n))
            }
            elseif ($n.Kind -eq 'Code' -and $n.Lang -eq 'yaml') { $blocks.Add((Read-YamlBlock $n $File $pname)) }
            else { Stop-Schema $File $n.Line "-${pname}: only a description and ```yaml blocks are allowed" }
        }
        if ($text.Count -eq 0) { Stop-Schema $File $g.Line "-$pname has no description" }
        if ($blocks.Count -eq 0) { Stop-Schema $File $g.Line "-$pname has no ```yaml metadata block" }
        foreach ($b in $blocks) {
            foreach ($set in $b.Sets) {
                if ($set -ne '(All)' -and $set -notin $setNames) { Stop-Schema $File $b.Line "-${pname}: parameter set '$set' is not in SYNTAX ($($setNames -join ', '))" }
            }
            if ($setNames.Count -eq 1 -and $setNames[0] -eq '__AllParameterSets' -and ($b.Sets -join ',') -ne '(All)') {
                Stop-Schema $File $b.Line "-${pname}: with a single parameter set, Parameter Sets is (All)"
            }
        }
        $parameters.Add([pscustomobject]@{ Name = $pname; Description = $text; Blocks = $blocks })
    }

    # SYNTAX text must agree with the metadata, set by set.
    foreach ($s in $syntax) {
        $inSet = @($parameters | ForEach-Object {
                $p = $_
                $b = $p.Blocks | Where-Object { $_.Sets -contains '(All)' -or $_.Sets -contains $s.Name } | Select-Object -First 1
                if ($b) { [pscustomobject]@{ Name = $p.Name; Block = $b } }
            })
        $written = $s.Parsed.Parameters
        foreach ($w in $written) {
            $m = $inSet | Where-Object Name -eq $w.Name
            if (-not $m) { Stop-Schema $File $s.Code.Line "SYNTAX ($($s.Name)) names -$($w.Name), which PARAMETERS does not document for that set" }
            if ($w.Required -ne $m.Block.Required) { Stop-Schema $File $s.Code.Line "SYNTAX ($($s.Name)) shows -$($w.Name) as $(if ($w.Required) {'mandatory'} else {'optional'}), the YAML says Required: $($m.Block.Required)" }
            if ($w.Positional -ne ($m.Block.Position -ne 'Named')) { Stop-Schema $File $s.Code.Line "SYNTAX ($($s.Name)) and the YAML disagree on whether -$($w.Name) is positional" }
            if ($w.IsSwitch -ne ($m.Block.Type -eq 'SwitchParameter')) { Stop-Schema $File $s.Code.Line "SYNTAX ($($s.Name)) and the YAML disagree on whether -$($w.Name) is a switch" }
        }
        foreach ($m in $inSet) {
            if (-not ($written | Where-Object Name -eq $m.Name)) { Stop-Schema $File $s.Code.Line "SYNTAX ($($s.Name)) leaves out -$($m.Name)" }
        }
        if ($s.Parsed.Common -ne $hasCommon) { Stop-Schema $File $s.Code.Line "[<CommonParameters>] in SYNTAX and '### CommonParameters' must go together" }
    }

    # INPUTS / OUTPUTS
    $io = @{}
    foreach ($section in 'INPUTS', 'OUTPUTS') {
        $list = [System.Collections.Generic.List[object]]::new()
        foreach ($g in (Split-ByHeading $sections[$section].Nodes 3 $File)) {
            $list.Add([pscustomobject]@{ TypeName = $g.Title; Description = (Get-TextBlocks $g.Nodes $File "$section/$($g.Title)") })
        }
        $io[$section] = $list
    }

    $notes = Get-TextBlocks $sections['NOTES'].Nodes $File 'NOTES' -AllowCode

    $links = [System.Collections.Generic.List[object]]::new()
    if ($fm.Meta['online version']) { $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $fm.Meta['online version'] }) }
    foreach ($n in $sections['RELATED LINKS'].Nodes) {
        if ($n.Kind -ne 'Paragraph') { Stop-Schema $File $n.Line 'RELATED LINKS holds only [text](uri) lines' }
        foreach ($l in $n.Lines) {
            if ($l.Trim() -notmatch '^\[(?<t>[^\]]+)\]\((?<u>[^)]*)\)$') { Stop-Schema $File $n.Line "a related link is '[text](uri)', not '$l'" }
            # Links to sibling pages are for the markdown; MAML gets the name only, as platyPS writes it.
            $uri = if ($Matches.u -match '^[a-z]+://') { $Matches.u } else { '' }
            $links.Add([pscustomobject]@{ Text = $Matches.t; Uri = $uri })
        }
    }

    [pscustomobject]@{
        Name = $name
        HelpFile = $fm.Meta['external help file']
        Synopsis = $synopsis
        Description = $description
        Syntax = $syntax
        Examples = $examples
        Parameters = $parameters
        Inputs = $io['INPUTS']
        Outputs = $io['OUTPUTS']
        Notes = $notes
        Links = $links
    }
}

#endregion

#region MAML writing

function Write-Paras([System.Xml.XmlWriter] $W, [string] $Element, [string] $Ns, $Paras) {
    $W.WriteStartElement('maml', $Element, $Ns)
    foreach ($p in $Paras) { $W.WriteElementString('maml', 'para', $script:MamlNs, $p) }
    $W.WriteEndElement()
}

function Write-MamlParameter([System.Xml.XmlWriter] $W, $Parameter, $Block, [bool] $InSyntax) {
    $W.WriteStartElement('command', 'parameter', $script:CommandNs)
    $W.WriteAttributeString('required', $Block.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', 'true')
    $W.WriteAttributeString('globbing', $Block.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Block.PipelineInput)
    $W.WriteAttributeString('position', $Block.Position.ToLowerInvariant())
    $W.WriteAttributeString('aliases', $(if ($Block.Aliases.Count) { $Block.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Name)
    Write-Paras $W 'description' $script:MamlNs $Parameter.Description
    if ($InSyntax -and $Block.AcceptedValues.Count) {
        $W.WriteStartElement('command', 'parameterValueGroup', $script:CommandNs)
        foreach ($v in $Block.AcceptedValues) {
            $W.WriteStartElement('command', 'parameterValue', $script:CommandNs)
            $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('variableLength', 'false')
            $W.WriteString($v); $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    $isSwitch = $Block.Type -eq 'SwitchParameter'
    if (-not ($InSyntax -and $isSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $W.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($Block.Type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $script:DevNs)
    $W.WriteElementString('maml', 'name', $script:MamlNs, $Block.Type)
    $W.WriteElementString('maml', 'uri', $script:MamlNs, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $script:DevNs, $Block.DefaultValue)
    $W.WriteEndElement()
}

function Get-ExampleTitle([string] $Title) { "-------------------------- $Title --------------------------" }

function Write-MamlCommand([System.Xml.XmlWriter] $W, $Cmd) {
    $W.WriteStartElement('command', 'command', $script:CommandNs)
    $W.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNs)
    $W.WriteAttributeString('xmlns', 'command', $null, $script:CommandNs)
    $W.WriteAttributeString('xmlns', 'dev', $null, $script:DevNs)
    $W.WriteAttributeString('xmlns', 'MSHelp', $null, $script:MSHelpNs)

    $verb, $noun = $Cmd.Name -split '-', 2
    $W.WriteStartElement('command', 'details', $script:CommandNs)
    $W.WriteElementString('command', 'name', $script:CommandNs, $Cmd.Name)
    $W.WriteElementString('command', 'verb', $script:CommandNs, $verb)
    $W.WriteElementString('command', 'noun', $script:CommandNs, $noun)
    Write-Paras $W 'description' $script:MamlNs $Cmd.Synopsis
    $W.WriteEndElement()

    Write-Paras $W 'description' $script:MamlNs $Cmd.Description

    # Syntax items from the metadata: positional parameters by position, then the others in page order.
    $W.WriteStartElement('command', 'syntax', $script:CommandNs)
    foreach ($s in $Cmd.Syntax) {
        $W.WriteStartElement('command', 'syntaxItem', $script:CommandNs)
        $W.WriteElementString('maml', 'name', $script:MamlNs, $Cmd.Name)
        $members = @($Cmd.Parameters | ForEach-Object {
                $p = $_
                $b = $p.Blocks | Where-Object { $_.Sets -contains '(All)' -or $_.Sets -contains $s.Name } | Select-Object -First 1
                if ($b) { [pscustomobject]@{ P = $p; B = $b; Key = $(if ($b.Position -eq 'Named') { [int]::MaxValue } else { [int]$b.Position }) } }
            })
        $index = 0
        foreach ($m in ($members | ForEach-Object { $_ | Add-Member -PassThru -NotePropertyName Index -NotePropertyValue ($index++) } | Sort-Object Key, Index)) {
            Write-MamlParameter $W $m.P $m.B $true
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $script:CommandNs)
    foreach ($p in $Cmd.Parameters) { Write-MamlParameter $W $p $p.Blocks[0] $false }
    $W.WriteEndElement()

    foreach ($kind in @(@{ List = 'inputTypes'; Item = 'inputType'; Data = $Cmd.Inputs }, @{ List = 'returnValues'; Item = 'returnValue'; Data = $Cmd.Outputs })) {
        $W.WriteStartElement('command', $kind.List, $script:CommandNs)
        foreach ($t in $kind.Data) {
            $W.WriteStartElement('command', $kind.Item, $script:CommandNs)
            $W.WriteStartElement('dev', 'type', $script:DevNs)
            $W.WriteElementString('maml', 'name', $script:MamlNs, $t.TypeName)
            $W.WriteEndElement()
            Write-Paras $W 'description' $script:MamlNs $t.Description
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    $W.WriteStartElement('maml', 'alertSet', $script:MamlNs)
    Write-Paras $W 'alert' $script:MamlNs $Cmd.Notes
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $script:CommandNs)
    foreach ($e in $Cmd.Examples) {
        $W.WriteStartElement('command', 'example', $script:CommandNs)
        $W.WriteElementString('maml', 'title', $script:MamlNs, (Get-ExampleTitle $e.Title))
        if ($e.Introduction.Count) { Write-Paras $W 'introduction' $script:MamlNs $e.Introduction }
        $W.WriteElementString('dev', 'code', $script:DevNs, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $script:DevNs)
        foreach ($p in $e.Remarks) { $W.WriteElementString('maml', 'para', $script:MamlNs, $p) }
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $script:CommandNs)
    foreach ($l in $Cmd.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $script:MamlNs)
        $W.WriteElementString('maml', 'linkText', $script:MamlNs, $l.Text)
        $W.WriteElementString('maml', 'uri', $script:MamlNs, $l.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

function Write-MamlFile([string] $Target, $Commands) {
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $settings.NewLineChars = "`n"
    $w = [System.Xml.XmlWriter]::Create($Target, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', 'http://msh')
        $w.WriteAttributeString('schema', 'maml')
        foreach ($c in $Commands) { Write-MamlCommand $w $c }
        $w.WriteEndElement()
        $w.WriteEndDocument()
    }
    finally { $w.Dispose() }
    # Read it back: a file Get-Help cannot parse must not leave the build.
    [xml] (Get-Content -Raw $Target) | Out-Null
}

#endregion

#region About topics

function Format-Wrapped([string] $Text, [string] $Indent, [string] $Hanging, [int] $Width = 80) {
    $out = [System.Collections.Generic.List[string]]::new()
    $line = ''
    $prefix = $Indent
    foreach ($word in ($Text -split ' ' | Where-Object { $_ -ne '' })) {
        if ($line -and ($prefix.Length + $line.Length + 1 + $word.Length) -gt $Width) {
            $out.Add($prefix + $line)
            $line = $word
            $prefix = $Indent + $Hanging
        }
        else { $line = if ($line) { "$line $word" } else { $word } }
    }
    if ($line) { $out.Add($prefix + $line) }
    $out
}

function Convert-AboutPage([string] $File, [string[]] $Lines) {
    $fm = Read-FrontMatter $Lines $File
    $nodes = ConvertTo-MarkdownNodes $Lines $fm.Start $File
    $expected = [IO.Path]::GetFileNameWithoutExtension($File)
    if ($nodes.Count -lt 2 -or $nodes[0].Kind -ne 'Heading' -or $nodes[0].Level -ne 1) { Stop-Schema $File 1 "an about topic starts with '# <Topic name>'" }
    if ($nodes[1].Kind -ne 'Heading' -or $nodes[1].Level -ne 2 -or $nodes[1].Text -ne $expected) {
        Stop-Schema $File $nodes[1].Line "the second heading of an about topic is '## $expected' (the name the help system looks up)"
    }
    $h1 = @($nodes | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 } | Select-Object -Skip 1 | ForEach-Object Text)
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if ($h1 -cnotcontains $required) { Stop-Schema $File 0 "an about topic needs '# $required'" }
    }
    $sb = [System.Text.StringBuilder]::new()
    for ($i = 0; $i -lt $nodes.Count; $i++) {
        $n = $nodes[$i]
        switch ($n.Kind) {
            'Heading' {
                if ($i -eq 0) { [void]$sb.AppendLine('TOPIC') }
                elseif ($i -eq 1) { [void]$sb.AppendLine('    ' + $n.Text).AppendLine() } # about_Moltbot, as the topic is named
                elseif ($n.Level -eq 1) { [void]$sb.AppendLine($n.Text.ToUpperInvariant()) }
                elseif ($n.Level -eq 2) { [void]$sb.AppendLine($n.Text) }
                else { [void]$sb.AppendLine('    ' + $n.Text.ToUpperInvariant()) }
            }
            'Paragraph' {
                if ($n.Lines | Where-Object { $_ -match '^\s*\|' }) { Stop-Schema $File $n.Line 'tables cannot be rendered in an about topic; use a list' }
                foreach ($logical in ((Get-ParagraphText $n) -split "`n")) {
                    $hanging = if ($logical -match '^([-*+]|\d+\.)\s') { '  ' } else { '' }
                    foreach ($l in (Format-Wrapped $logical '    ' $hanging)) { [void]$sb.AppendLine($l) }
                }
                [void]$sb.AppendLine()
            }
            'Code' {
                foreach ($l in ($n.Text -split "`n")) { [void]$sb.AppendLine(('    ' + $l).TrimEnd()) }
                [void]$sb.AppendLine()
            }
        }
    }
    $text = ($sb.ToString() -replace "`r`n", "`n" -replace "`n{3,}", "`n`n").TrimEnd() + "`n"
    [pscustomobject]@{ Name = $expected; Text = $text }
}

#endregion

#region Module page

function Test-ModulePage([string] $File, [string[]] $Lines, [string[]] $CommandPages) {
    $fm = Read-FrontMatter $Lines $File
    foreach ($key in 'Module Name', 'Module Guid') {
        if (-not $fm.Meta.Contains($key)) { Stop-Schema $File 1 "module page front matter key '$key' is missing" }
    }
    $nodes = ConvertTo-MarkdownNodes $Lines $fm.Start $File
    $title = "$($fm.Meta['Module Name']) Module"
    if ($nodes.Count -eq 0 -or $nodes[0].Kind -ne 'Heading' -or $nodes[0].Text -ne $title) { Stop-Schema $File ($fm.Start + 1) "the module page starts with '# $title'" }
    $listed = @($nodes | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 3 } | ForEach-Object {
            if ($_.Text -notmatch '^\[(?<n>[^\]]+)\]\((?<f>[^)]+)\)$') { Stop-Schema $File $_.Line "a cmdlet entry is '### [Name](Name.md)'" }
            $Matches.n
        })
    $missing = $CommandPages | Where-Object { $_ -notin $listed }
    $extra = $listed | Where-Object { $_ -notin $CommandPages }
    if ($missing) { Write-Warning "${File}: the module page does not list $($missing -join ', ')." }
    if ($extra) { Write-Warning "${File}: the module page lists $($extra -join ', '), which have no page." }
}

#endregion

$source = (Resolve-Path $Path).Path
$files = @(Get-ChildItem -Path $source -Filter *.md -File | Sort-Object Name)
if ($files.Count -eq 0) { throw "No markdown help in $source." }
New-Item -ItemType Directory -Force $OutputPath | Out-Null

$commands = [System.Collections.Generic.List[object]]::new()
$abouts = [System.Collections.Generic.List[object]]::new()
$modulePages = [System.Collections.Generic.List[object]]::new()
foreach ($f in $files) {
    $lines = [IO.File]::ReadAllLines($f.FullName)
    $fm = Read-FrontMatter $lines $f.Name
    if ($f.BaseName -like 'about_*') { $abouts.Add((Convert-AboutPage $f.Name $lines)) }
    elseif ($fm.Meta -and $fm.Meta.Contains('Module Guid')) { $modulePages.Add(@{ File = $f.Name; Lines = $lines }) }
    else { $commands.Add((Read-CommandPage $f.Name $lines)) }
}
foreach ($m in $modulePages) { Test-ModulePage $m.File $m.Lines @($commands.Name) }

if ($CommandName) {
    $undocumented = $CommandName | Where-Object { $_ -notin $commands.Name }
    $stale = $commands.Name | Where-Object { $_ -notin $CommandName }
    if ($undocumented) { Write-Warning "No help page in $source for: $($undocumented -join ', ') (add docs/en-US/<Cmdlet>.md)." }
    if ($stale) { Write-Warning "Help pages for cmdlets the module does not export: $($stale -join ', ')." }
}

foreach ($group in ($commands | Group-Object HelpFile)) {
    $target = Join-Path $OutputPath $group.Name
    Write-MamlFile $target ($group.Group | Sort-Object Name)
    Write-Verbose "Wrote $target ($($group.Count) cmdlets)."
    Get-Item $target
}
foreach ($a in $abouts) {
    $target = Join-Path $OutputPath "$($a.Name).help.txt"
    [IO.File]::WriteAllText($target, $a.Text, [System.Text.UTF8Encoding]::new($false))
    Get-Item $target
}
