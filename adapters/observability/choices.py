"""The log levels and formats the command line offers (no imports: ``--help`` stays fast)."""

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
