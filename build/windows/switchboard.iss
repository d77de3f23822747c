; Switchboard's Windows installer (Inno Setup 6). Per-user: no admin rights,
; installs into %LOCALAPPDATA%\Programs\Switchboard, Start-menu entry under
; the user's profile, optional "start when I sign in" (the same HKCU Run value
; the tray's own "Start at login" item writes).
;
; Built by `python build/build_app.py --package` on Windows, which runs:
;   iscc /DAppVersion=<pyproject version> /DSourceDir=<dist\switchboard> /O<dist> build\windows\switchboard.iss
; Without /D defines it uses the values below (relative to this file).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\dist\switchboard"
#endif
#define AppExe "Switchboard.exe"

[Setup]
; Keep AppId forever: it is how upgrades find the installed copy.
AppId={{CAB9B4C7-4791-4514-893A-C7558D2CB835}
AppName=Switchboard
AppVersion={#AppVersion}
AppVerName=Switchboard {#AppVersion}
AppPublisher=Switchboard
AppComments=Serves the Anthropic Messages API on 127.0.0.1:3456 and routes it to the provider you choose.
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\Switchboard
DisableDirPage=auto
DefaultGroupName=Switchboard
DisableProgramGroupPage=yes
OutputBaseFilename=Switchboard-{#AppVersion}-setup
SetupIconFile=..\..\assets\icons\switchboard.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName=Switchboard
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; A running Switchboard holds its files: ask it to close (Restart Manager).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "autostart"; Description: "Start Switchboard when I sign in"; GroupDescription: "Start-up:"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{userprograms}\Switchboard"; Filename: "{app}\{#AppExe}"
Name: "{userdesktop}\Switchboard"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "Switchboard"; ValueData: """{app}\{#AppExe}"""; Flags: uninsdeletevalue; Tasks: autostart
; Also remove the value the app itself may have written ("Start at login").
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: none; ValueName: "Switchboard"; Flags: uninsdeletevalue dontcreatekey

[Run]
Filename: "{app}\{#AppExe}"; Description: "Start Switchboard now"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; Stop a running copy so its files can be removed (per-user: only this user's).
Filename: "{sys}\taskkill.exe"; Parameters: "/IM {#AppExe} /F"; Flags: runhidden; RunOnceId: "StopSwitchboard"

[UninstallDelete]
; Config, logs and keyring entries are the user's; only PyInstaller leftovers go.
Type: filesandordirs; Name: "{app}\_internal"
