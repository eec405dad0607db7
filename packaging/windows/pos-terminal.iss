; Inno Setup 6.3+ script: the Windows installer of the till (per machine, needs admin).
;
;   py -m PyInstaller --noconfirm --distpath dist packaging\pos-terminal.spec
;   iscc /DAppVersion=0.2.0 packaging\windows\pos-terminal.iss
;
; Installs the one-folder app (dist\pos-terminal) into Program Files, a start-menu entry
; for the till (PosTerminal.exe: no console window) and the data folder
; %ProgramData%\PosTerminal. The store holds PIN hashes, members' phones and the HQ
; token, so that folder is for SYSTEM, Administrators and the local group PosTerminal
; only (inheritance removed): the installing account is put in the group; add each
; cashier's Windows account with `net localgroup PosTerminal ACCOUNT /add` (it takes
; effect at that account's next sign-in). pos-terminal.ini beside
; the executables names that folder, so every cashier's Windows account opens the same
; store (terminal/datadir.py). An upgrade installs over the previous version (same
; AppId) and replaces the program folder; the data folder is never touched by an
; upgrade or an uninstall, and the till migrates its store the next time it opens.

#ifndef AppVersion
  #define AppVersion "0.2.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\pos-terminal"
#endif
#define AppName "POS Terminal"
#define DataDir "{commonappdata}\PosTerminal"
#define TillGroup "PosTerminal"

[Setup]
; The AppId is the installation's identity: never change it, or an upgrade would install
; a second copy beside the first.
AppId={{6F1C2B7E-3D4A-4E5B-9C8D-2A1F0E7B5C43}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=pos-terminal
DefaultDirName={autopf}\PosTerminal
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=pos-terminal-{#AppVersion}-setup
SetupIconFile=..\icons\pos-terminal.ico
UninstallDisplayIcon={app}\PosTerminal.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A till still open is closed (Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
Name: "zh"; MessagesFile: "compiler:Languages\Unofficial\ChineseSimplified.isl"
#endif
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Dirs]
; The store, its print spool and the demo store live here; never removed. Its ACL is set
; in [Run] (the till's group only), not here: Permissions only adds to the inherited ACL,
; and ProgramData lets every user read.
Name: "{#DataDir}"; Flags: uninsneveruninstall

[InstallDelete]
; An upgrade replaces the program whole: nothing of the previous build's libraries stays.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\ui\fonts\wqy-microhei.COPYRIGHT"; DestDir: "{app}"; DestName: "FONT-LICENSE.txt"; Flags: ignoreversion

[INI]
; Read by terminal/datadir.py: the per-machine data folder instead of the per-user one.
Filename: "{app}\pos-terminal.ini"; Section: "paths"; Key: "data_dir"; String: "{#DataDir}"; Flags: uninsdeletesection

[UninstallDelete]
; The program folder only: the data folder is never removed.
Type: files; Name: "{app}\pos-terminal.ini"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\PosTerminal.exe"; Parameters: "run"; WorkingDir: "{#DataDir}"
Name: "{group}\{#AppName} (demo)"; Filename: "{app}\PosTerminal.exe"; Parameters: "run --demo"; WorkingDir: "{#DataDir}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\PosTerminal.exe"; Parameters: "run"; WorkingDir: "{#DataDir}"; Tasks: desktopicon

[Run]
; The till's group (an existing one is kept: net then fails, harmlessly), the installing
; account in it, and the data folder's ACL: SYSTEM (S-1-5-18) and Administrators
; (S-1-5-32-544) full control, the group and the installing account modify (its group
; membership counts only from its next sign-in, the till starts now), nothing inherited.
Filename: "{sys}\net.exe"; Parameters: "localgroup {#TillGroup} /add /comment:""POS Terminal: may open the till's store"""; Flags: runhidden waituntilterminated
Filename: "{sys}\net.exe"; Parameters: "localgroup {#TillGroup} ""{username}"" /add"; Flags: runhidden waituntilterminated
Filename: "{sys}\icacls.exe"; Parameters: """{#DataDir}"" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F {#TillGroup}:(OI)(CI)M ""{username}"":(OI)(CI)M /T /C /Q"; Flags: runhidden waituntilterminated
Filename: "{app}\PosTerminal.exe"; Parameters: "run"; WorkingDir: "{#DataDir}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent runasoriginaluser
