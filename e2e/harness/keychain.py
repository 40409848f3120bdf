"""The app's session in the Secret Service (gnome-keyring, started by e2e/desktop-session.sh)."""

import json
import subprocess

SERVICE = "UrutiBiz Realtime"


def session() -> dict | None:
    """The stored session (kind, userId, name, refreshToken …), or None."""
    found = subprocess.run(["secret-tool", "lookup", "service", SERVICE, "username", "session-token"],
                           capture_output=True, text=True)
    return json.loads(found.stdout) if found.returncode == 0 and found.stdout.strip() else None


def forget() -> None:
    """No session stored: a scenario's profile starts signed out."""
    subprocess.run(["secret-tool", "clear", "service", SERVICE], capture_output=True)
