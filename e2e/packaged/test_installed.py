"""The .deb as a user gets it: installed with apt, started as the OS starts
it, links handed over by the OS, removed without a trace."""

import os
import re
import subprocess

from harness.app import App, wait_live
from harness.package import PROGRAM, field, files, install, remove, newer_than, settle_clock
from harness.waiting import wait_until

# Update checks go to a closed loopback port, never the internet.
NO_UPDATES = {"URUTIBIZ_UPDATE_URL": "http://127.0.0.1:9/latest.json"}


def desktop_entry(package: str) -> str:
    return next(f for f in files(package) if re.match(r"^/usr/share/applications/.*\.desktop$", f))


def test_the_package_installs_a_program_an_entry_for_links_and_icons_and_removes_cleanly(deb_a, out):
    package = field(deb_a, "Package")
    remove(package, out / "apt.log")
    mark = settle_clock()
    install(deb_a, out / "apt.log")
    listed = files(package)
    assert str(PROGRAM) in listed, f"no {PROGRAM} in {listed}"
    entry = desktop_entry(package)
    text = open(entry).read()
    assert re.search(r"^MimeType=x-scheme-handler/urutibiz;?$", text, re.M), f"{entry} lacks the urutibiz:// scheme"
    assert re.search(r"^Exec=.* %U$", text, re.M), f"{entry} does not pass links to the program (%U)"
    validated = subprocess.run(["desktop-file-validate", entry], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert any(re.match(r"^/usr/share/icons/hicolor/.*\.png$", f) for f in listed), "no icons"

    remove(package, out / "apt.log")
    still = [f for f in listed if os.path.lexists(f) and not os.path.isdir(f)]
    assert not still, f"still there after removing {package}: {still}"
    # Nothing else the package made outside the user's data (apt's own
    # records live under /var; caches the system rebuilds are allowed).
    rebuilt = {"/etc/ld.so.cache", "/usr/share/applications/mimeinfo.cache",
               "/usr/share/icons/hicolor/icon-theme.cache"}
    left = [f for f in newer_than(mark, "/usr", "/etc", "/opt") if f not in rebuilt and "__pycache__" not in f]
    assert not left, f"left behind after removal: {left}"


def test_the_installed_app_sits_in_the_tray_and_pops_up_what_the_server_sends(
        installed_a, server, profile, out, notify_calls):
    app = App(profile, out / "app.log", "--hidden", "--token", server.token("host-amina", "host"),
              "--server", server.base, env=NO_UPDATES, program=PROGRAM)
    try:
        wait_live(app, server)
        server.notify("host-amina", "Installed and listening", "Hello from the server.")
        popup = wait_until("the popup", lambda: notify_calls.find("Installed and listening"))
        assert popup.body == "Hello from the server."
    finally:
        app.stop()


def test_a_link_opened_through_the_os_reaches_the_running_installed_app(installed_a, server, profile, out):
    entry = desktop_entry(installed_a)
    handler = subprocess.run(["xdg-mime", "query", "default", "x-scheme-handler/urutibiz"], capture_output=True,
                             text=True, env=profile.env).stdout.strip()
    assert handler == os.path.basename(entry), f"urutibiz:// is handled by {handler!r}"
    app = App(profile, out / "app.log", "--hidden", "--token", server.token("host-amina", "host"),
              "--server", server.base, env=NO_UPDATES, program=PROGRAM)
    try:
        wait_until("the installed app to connect", lambda: server.connections() == 1)
        # As a browser or mail client opens one: through the OS's handler lookup.
        env = {k: v for k, v in profile.env.items() if k not in ("BROWSER", "XDG_CURRENT_DESKTOP", "DE")}
        opened = subprocess.run(["xdg-open", "urutibiz://booking/b-7"], capture_output=True, text=True, env=env)
        assert opened.returncode == 0, opened.stdout + opened.stderr
        wait_until("the running app to take the link",
                   lambda: re.search(r"a second launch opened a link.*b-7", app.log_text()))
    finally:
        app.stop()
