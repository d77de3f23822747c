"""Import a claude-code-router config (``switchboard import-ccr``).

``import_ccr(text, environ=..., secrets=..., existing=...)`` is the pure-ish
core the settings page calls; ``main(argv)`` is the command line. The CCR
file is only ever read.
"""
from server.ccr_import.cli import DEFAULT_CCR_PATH, main
from server.ccr_import.convert import CCRImportError, ImportResult, import_ccr, parse_ccr
from server.ccr_import.json5 import JSON5Error, loads

__all__ = ["CCRImportError", "DEFAULT_CCR_PATH", "ImportResult", "JSON5Error", "import_ccr",
           "loads", "main", "parse_ccr"]
