"""Moved to server/claude_code.py: the gateway owns Claude Code's settings
(the tray and the settings page both read it there). Kept as a re-export for
older imports."""
from server.claude_code import (ClaudeCodeError, ClaudeCodeLink, connect, disconnect,  # noqa: F401
                                is_connected, settings_path)
