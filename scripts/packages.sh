# Sourced by the other scripts: installs Debian packages that are missing.
# Skips apt-get entirely when everything is already there.

ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Building the server.
BUILD_PACKAGES=(build-essential pkg-config ca-certificates curl git)
# Building the Tauri app (WebKitGTK, tray, sound, keychain).
DESKTOP_PACKAGES=(file libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
    libsoup-3.0-dev libssl-dev libasound2-dev libdbus-1-dev)
# Running the app headless and checking it from outside: X, D-Bus, a
# notification daemon, a tray watcher, screenshots, Chromium for the UI test
# and as the sign-in browser, a PulseAudio null sink to record the sounds the
# app plays, a Secret Service (gnome-keyring) to hold the session, and
# the desktop-entry tools that check the installed package's link scheme,
# sudo, which the updater installs a .deb with when pkexec is absent,
# gdb, to show what a stuck app was doing when an e2e step times out, and
# pytest, which runs the desktop scenarios (e2e/scenarios/).
CHECK_PACKAGES=(xvfb xauth x11-utils xdotool imagemagick dbus dbus-x11 libglib2.0-bin dunst libnotify-bin
    haskell-status-notifier-item-utils chromium fonts-dejavu-core
    pulseaudio pulseaudio-utils libasound2-plugins sox
    gnome-keyring libsecret-tools
    desktop-file-utils xdg-utils sudo
    gdb python3-pytest)

# Clustered mode's tests start their own PostgreSQL (scripts/postgres.sh,
# server/tests/common/postgres.rs).
CLUSTER_PACKAGES=(postgresql)

# Node.js for the UI; Debian's when the machine has none.
ensure_node() {
    command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
}

# Installs the UI's npm packages (from the lock file) and builds it; the
# Tauri build embeds ui/dist.
build_ui() {
    ensure_node
    (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
}

# The web package (@urutibiz/realtime-react), its demo page and tests.
install_web() {
    ensure_node
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
}

# The development OpenID provider (oidc-provider) and the headless browser
# script that signs in through it; the demo and the tests start it.
install_dev_idp() {
    ensure_node
    (cd dev-idp && npm ci --no-audit --no-fund --loglevel=error)
}
