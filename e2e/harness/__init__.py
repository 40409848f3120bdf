"""What the desktop end-to-end scenarios drive and watch, in one place.

The session itself (Xvfb, a D-Bus session bus, dunst, the tray watcher,
PulseAudio's null sink, gnome-keyring) is brought up by
`e2e/desktop-session.sh`; everything here assumes it is there.

    waiting        wait_until: poll a condition, fail with what was awaited
    paths          where the repository, the binaries and the output live
    server         a realtime server process of a test's own (and the OpenID provider)
    app            a profile (home, settings, autostart) and the app started in it
    notifications  the Notify calls a test's app made, and dunst's popups
    tray           the app's tray item over D-Bus: icon, menu, clicks
    sound          recording the null sink while the app plays
    keychain       the Secret Service entry the app keeps its session in
"""
