"""The idle relaunch: a while after its window closes the app replaces itself
with a hidden copy (to give WebKit's memory back), which must come back
signed in without a token on its command line."""

import os
import signal
import subprocess

from harness import keychain
from harness.waiting import wait_until


def test_a_session_kept_in_memory_only_holds_the_idle_relaunch(server, launch, host_token):
    # A token from the command line is never stored: a copy could not restore it.
    app = launch("--token", host_token, "--server", server.base, env={"URUTIBIZ_RELAUNCH_AFTER": "1"})
    wait_until("the app to connect", lambda: server.connections() == 1)
    app.wait_for_window()
    app.close_window()
    wait_until("the relaunch to be held",
               lambda: "not relaunching: the session is kept in memory only" in app.log_text())
    assert app.running(), "the process with a memory-only session relaunched or exited"
    assert server.connections() == 1, "the memory-only session lost its connection"


def test_the_idle_relaunch_restores_a_keychain_session_in_a_hidden_copy(oidc_server, provider, sign_in, launch, dunst):
    sign_in(oidc_server, provider).stop()
    wait_until("the app's socket to close", lambda: oidc_server.connections() == 0)
    args = ["--server", oidc_server.base, "--issuer", provider.issuer]
    first = launch(*args, log="app-relaunching", env={"BROWSER": "/bin/false", "URUTIBIZ_RELAUNCH_AFTER": "2"})
    wait_until("the app to sign in from the keychain", lambda: oidc_server.connections() == 1)
    first.wait_for_window()
    dunst.close_all()
    first.close_window()

    # A popup on screen waits for its click in this process: dismiss them.
    def handed_over():
        dunst.close_all()
        return not first.running()
    wait_until("the window's process to hand over", handed_over, timeout=45)
    pattern = "urutibiz-desktop --hidden " + " ".join(args)
    copy = int(wait_until("the hidden copy", lambda: subprocess.run(["pgrep", "-n", "-f", pattern],
                                                                    capture_output=True, text=True).stdout.strip()))
    try:
        with open(f"/proc/{copy}/cmdline", "rb") as cmdline:
            assert cmdline.read().split(b"\0")[1:-1] == [b"--hidden", *(a.encode() for a in args)]
        with open(f"/proc/{copy}/environ", "rb") as environ:
            assert not any(v.startswith(b"URUTIBIZ_TOKEN=") for v in environ.read().split(b"\0")), \
                "the copy inherited a token"
        wait_until("the copy to sign in from the keychain", lambda: oidc_server.connections() == 1, timeout=30)
        assert keychain.session() is not None
        windows = subprocess.run(["xdotool", "search", "--all", "--onlyvisible", "--pid", str(copy), "--name",
                                  "^UrutiBiz$"], capture_output=True, text=True).stdout
        assert not windows.strip(), "the copy opened a window"
    finally:
        os.kill(copy, signal.SIGTERM)
