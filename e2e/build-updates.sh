#!/usr/bin/env bash
# Builds the release installers twice for the update test: version A (the
# repository's version) and version B (A's patch version + 1), both trusting
# a throwaway update key made here (never the release key) and allowed to
# fetch updates over loopback http. B's packages are signed with that key.
# Only the app crate is rebuilt for B. Leaves target/e2e-updater/{a,b}/.
#
#   e2e/build-updates.sh            release builds (as scripts/bundle.sh ships)
#   e2e/build-updates.sh --debug    dev-profile builds: the same bundler,
#                                   configuration and signatures, on the
#                                   dependencies `cargo test` already built
#                                   (what scripts/test.sh uses: a cold
#                                   release build takes ten minutes here)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release debug=()
# In the dev profile, cargo is asked for the same packages as the test
# build (scripts/test.sh), so it resolves the same features and reuses
# every dependency (the app alone would rebuild a hundred crates).
[ "${1:-}" = --debug ] && profile=debug debug=(--debug)
runner=()
[ "$profile" = debug ] && runner=(-- -p urutibiz-desktop -p urutibiz-realtime-server -p urutibiz-client)
bundle=target/$profile/bundle
out=target/e2e-updater
rm -rf "$out"; mkdir -p "$out/a" "$out/b"
tauri=ui/node_modules/.bin/tauri
CI=true "$tauri" signer generate --ci -w "$out/update.key" -p "" >/dev/null
export TAURI_SIGNING_PRIVATE_KEY="$(cat "$out/update.key")" TAURI_SIGNING_PRIVATE_KEY_PASSWORD=""
version_a=$(python3 -c 'import json; print(json.load(open("src-tauri/tauri.conf.json"))["version"])')
version_b=$(python3 -c 'import sys; a = sys.argv[1].split("."); a[2] = str(int(a[2]) + 1); print(".".join(a))' "$version_a")
config() { # version
    python3 - "$1" "$(cat "$out/update.key.pub")" <<'PY'
import json, sys
print(json.dumps({
    "version": sys.argv[1],
    "bundle": {"createUpdaterArtifacts": True},
    "plugins": {"updater": {"pubkey": sys.argv[2], "dangerousInsecureTransportProtocol": True}},
}))
PY
}
config "$version_a" > "$out/a.conf.json"
config "$version_b" > "$out/b.conf.json"
rm -rf "$bundle"
scripts/bundle.sh "${debug[@]}" --config "$out/a.conf.json" "${runner[@]}"
cp "$bundle"/deb/*.deb "$bundle"/rpm/*.rpm "$out/a/"
rm -rf "$bundle"
scripts/bundle.sh "${debug[@]}" --config "$out/b.conf.json" "${runner[@]}"
cp "$bundle"/deb/*.deb* "$bundle"/rpm/*.rpm* "$out/b/"
ls -la "$out/a" "$out/b"
ls "$out"/b/*.deb.sig >/dev/null || { echo "version B's .deb was not signed" >&2; exit 1; }
echo "built $version_a and $version_b, $profile profile (signed with a throwaway key)"
