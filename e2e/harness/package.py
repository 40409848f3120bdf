"""The app's Debian package installed and removed with apt, as a user gets it
(root or sudo), and the site an update is offered from."""

import os
import subprocess
import time
from pathlib import Path


from .waiting import wait_until

PROGRAM = Path("/usr/bin/urutibiz-desktop")


def as_root(*args: str, log: Path | None = None) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = ["env", "DEBIAN_FRONTEND=noninteractive"]
    with open(log or os.devnull, "a") as out:
        subprocess.run([*sudo, *env, *args], check=True, stdout=out, stderr=subprocess.STDOUT, timeout=300)


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True, text=True, check=True).stdout.strip()


def installed_version(package: str) -> str | None:
    found = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else None


def install(deb: Path, log: Path) -> None:
    """Installs `deb` (dependencies resolved by apt; an older version allowed)."""
    as_root("apt-get", "install", "-y", "--allow-downgrades", str(deb.resolve()), log=log)


def remove(package: str, log: Path) -> None:
    if installed_version(package):
        as_root("apt-get", "remove", "-y", "--purge", package, log=log)


def files(package: str) -> list[str]:
    return subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=True).stdout.splitlines()


def stop_installed_apps() -> None:
    """The installed app outlives its first pid when it restarts after an update."""
    subprocess.run(["pkill", "-f", f"^{PROGRAM}"], capture_output=True)
    wait_until("the installed app to stop",
               lambda: subprocess.run(["pgrep", "-f", f"^{PROGRAM}"], capture_output=True).returncode != 0)


def newer_than(mark: float, *roots: str) -> list[str]:
    """Files under `roots` changed after `mark` (a time.time())."""
    found = []
    for root in roots:
        for directory, _, names in os.walk(root):
            for name in names:
                path = os.path.join(directory, name)
                try:
                    if os.lstat(path).st_mtime > mark:
                        found.append(path)
                except FileNotFoundError:
                    pass
    return found


def settle_clock() -> float:
    """A mark every file written from now on is newer than."""
    mark = time.time()
    time.sleep(1)
    return mark
