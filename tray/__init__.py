"""Switchboard's tray app: the server in a thread, a menu in the system tray."""
