"""Request shapes trimmed from Claude Code's own captures (issue 18 §2).

Taken from ``fixtures/clients/claude_code_tool_result_turn.json`` (Claude
Code 2.1): its Read and Bash tool schemas and the start of its system
prompt, shortened so the whole check stays small. Regenerate by hand when
Claude Code's shapes change; nothing here is read at run time from outside
the package.
"""
from __future__ import annotations

from typing import Any

READ_TOOL: dict[str, Any] = {'name': 'Read',
 'description': 'Reads a file from the local filesystem.\n'
                '\n'
                '- `file_path` must be an absolute path.\n'
                '- Reads up to 2000 lines by default.\n'
                '- You can optionally specify a line offset and limit (especially handy for long files), but '
                "it's recommended to read the whole file by not providing these parameters\n"
                '- Results are returned using cat -n format, with line numbers starting at 1\n'
                '- Reads images (PNG, JPG, …) and presents them visually. Reads PDFs via the `pages` '
                'parameter (e.g. "1-5", max 20 pages/request; required for PDFs over 10 pages). Reads '
                'Jupyter notebooks (.ipynb) as cells with outputs.\n'
                '- Reading a directory, a missing file, or an empty file returns an error or system reminder '
                'rather than content.',
 'input_schema': {'type': 'object',
                  'properties': {'file_path': {'description': 'The absolute path to the file to read',
                                               'type': 'string'},
                                 'offset': {'description': 'The line number to start reading from. Only '
                                                           'provide if the file is too large to read at once',
                                            'type': 'integer',
                                            'minimum': 0,
                                            'maximum': 9007199254740991},
                                 'limit': {'description': 'The number of lines to read. Only provide if the '
                                                          'file is too large to read at once.',
                                           'type': 'integer',
                                           'exclusiveMinimum': 0,
                                           'maximum': 9007199254740991},
                                 'pages': {'description': 'Page range for PDF files (e.g., "1-5", "3", '
                                                          '"10-20"). Only applicable to PDF files. Maximum '
                                                          '20 pages per request.',
                                           'type': 'string'}},
                  'required': ['file_path'],
                  'additionalProperties': False}}

BASH_TOOL: dict[str, Any] = {'name': 'Bash',
 'description': 'Executes a bash command and returns its output.\n'
                '\n'
                '- Working directory persists between calls, but prefer absolute paths — `cd` in a compound '
                'command can trigger a permission prompt. Shell state (env vars, functions) does not '
                "persist; the shell is initialized from the user's profile.\n"
                '- IMPORTANT: Avoid using this tool to run `cat`, `head`, `tail`, `sed`, `awk`, or `echo` '
                'commands, unless explicitly instructed or after you have verified that a dedicated tool '
                'cannot accomplish your task. Instead, use the appropriate dedicated tool as this will '
                'provide a much better experience for the user.\n'
                '- `timeout` is in milliseconds: default 120000, max 600000.',
 'input_schema': {'type': 'object',
                  'properties': {'command': {'description': 'The command to execute', 'type': 'string'},
                                 'timeout': {'description': 'Optional timeout in milliseconds (max 600000)',
                                             'type': 'number'},
                                 'description': {'description': 'Clear, concise description of what this '
                                                                'command does in active voice. Never use '
                                                                'words like "complex" or "risk" in the '
                                                                'description - just describe what it does.\n',
                                                 'type': 'string'},
                                 'run_in_background': {'description': 'Set to true to run this command in '
                                                                      'the background.',
                                                       'type': 'boolean'},
                                 'dangerouslyDisableSandbox': {'description': 'Set this to true to '
                                                                              'dangerously override sandbox '
                                                                              'mode and run commands without '
                                                                              'sandboxing.',
                                                               'type': 'boolean'}},
                  'required': ['command'],
                  'additionalProperties': False}}

SYSTEM: list[dict[str, Any]] = [{'type': 'text', 'text': "You are a Claude agent, built on Anthropic's Claude Agent SDK."},
 {'type': 'text',
  'text': '\n'
          'You are an interactive agent that helps users with software engineering tasks.\n'
          '\n'
          'IMPORTANT: Assist with authorized security testing, defensive security, CTF challenges, and '
          'educational contexts. Refuse requests for destructive techniques, DoS attacks, mass targeting, '
          'supply chain compromise, or detection evasion for malicious purposes. Dual-use security tools (C2 '
          'frameworks, credential testing, exploit development) require clear authorization context: '
          'pentesting engagements, CTF competitions, security research, or defensive use cases.\n'
          '\n'
          '# Harness\n'
          ' - Text you output outside of tool use is displayed to the user as Github-flavored markdown in a '
          'terminal.\n'
          ' - Tools run behind a user-selected permission mode; a denied call means the user declined it — '
          "adjust, don't retry verbatim.\n"
          ' - `<system-reminder>` tags in messages and tool results are injected by the harness, not the '
          'user. Hooks may intercept tool calls; treat hook output as user feedback.\n'
          ' - Prefer the dedicated file/search tools over shell commands when one fits. Independent tool '
          'calls can run in parallel in one response.\n'
          " - Reference code as `file_path:line_number` — it's clickable.\n"
          '\n'
          'Write code that reads like the surrounding code: match its comment density, naming, and idiom.\n'}]

REMINDER = "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# currentDate\nToday's date is 2026-11-25.\n\n      IMPORTANT: this context may or may not be relevant to your tasks. You should not respond to this context unless it is highly relevant to your task.\n</system-reminder>\n\n"

METADATA = {"user_id": "switchboard-check"}
