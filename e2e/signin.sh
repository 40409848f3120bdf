# Sourced by e2e/in-session.sh (same D-Bus session, dunst, tray watcher):
# signing in through the browser against the development OpenID provider,
# with a real Secret Service (gnome-keyring) holding the refresh token.
# Checks: the browser flow from the window's keyboard; the refresh token in
# the keychain and nowhere else; names and escaped markup in popups; a
# restart that comes back signed in without a browser; the idle relaunch,
# whose copy gets no token and restores the session from the keychain; a
# revoked session that signs out with a popup saying so.

# A fresh profile with an unlocked login keyring.
export HOME=$PWD/$out/home-signin XDG_CONFIG_HOME=$PWD/$out/home-signin/.config XDG_DATA_HOME=$PWD/$out/home-signin/.local/share
rm -rf "$HOME"; mkdir -p "$HOME"
eval "$(printf 'e2e-keyring-password' | gnome-keyring-daemon --unlock --components=secrets)"
wait_for "the Secret Service" has_name org.freedesktop.secrets

# Access tokens live 15 s, so the app renews several times during the test.
node dev-idp/server.mjs --access-ttl 15 >"$out/idp.out" 2>"$out/idp.log" & pids+=($!)
wait_for "the OpenID provider" grep -q issuer "$out/idp.out"
issuer=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["issuer"])' "$out/idp.out")
rm -f "$out/e2e-oidc.db"*
JWT_SECRET=$secret ./target/debug/realtime-server serve --bind 127.0.0.1:0 --db "$out/e2e-oidc.db" \
    --jwt-algorithm RS256 --jwks-discover --jwt-issuer "$issuer" --jwt-audience urn:urutibiz:realtime \
    >"$out/server-oidc.out" 2>"$out/server-oidc.log" & pids+=($!)
wait_for "the provider-backed server" grep -q "listening on" "$out/server-oidc.out"
base2=$(sed -n 's/^listening on //p' "$out/server-oidc.out")
oidc_connections() { curl -fsS "$base2/metrics" | sed -n 's/^realtime_connections //p'; }
oidc_connected() { test "$(oidc_connections)" = "1"; }
keychain_session() { secret-tool lookup service "UrutiBiz Realtime" username session-token 2>/dev/null; }
keychain_refresh_token() { keychain_session | python3 -c 'import json,sys; print(json.load(sys.stdin)["refreshToken"])'; }

# The app starts signed out; Enter on the focused "Sign in with UrutiBiz"
# opens "the browser": headless Chromium signing in as host-amina.
start_signin_app() {
    BROWSER=$PWD/dev-idp/browser-login.mjs IDP_LOGIN=host-amina \
        "$app_bin" --server "$base2" --issuer "$issuer" >>"$out/app-signin.log" 2>&1 & app=$!; pids+=($app)
}
sign_in_started() { grep -q "browser sign-in started" "$out/app-signin.log"; }
# A cold WebKit start in a fresh profile has taken over 20 s on CI: keep
# pressing Enter for up to a minute, until the page has loaded and takes it.
press_enter_until_signing_in() {
    local try=0
    for _ in $(seq 30); do
        # The window found first may already be gone (GTK can replace it while
        # the webview starts): look again each time, and let a miss retry.
        window=$(app_window --onlyvisible | tail -1) || true  # none for a moment: try again (tail: see in-session.sh)
        [ -n "$window" ] || { sleep 0.3; continue; }
        xdotool windowfocus --sync "$window" 2>/dev/null || xdotool windowfocus "$window" 2>/dev/null || true
        # Enter both ways, turn about: sent to the window, and typed through
        # XTEST at the focus (a webview that ignores one may take the other).
        if [ $((try++ % 2)) = 0 ]; then
            xdotool key --window "$window" Return 2>/dev/null || true
        else
            xdotool windowactivate --sync "$window" 2>/dev/null || true
            xdotool key Return 2>/dev/null || true
        fi
        for _ in $(seq 20); do sign_in_started && break; sleep 0.1; done
        sign_in_started && return 0
    done
    return 1
}
: >"$out/app-signin.log"
start_signin_app
window=$(visible_app_window) || fail "no sign-in window"
dunstctl close-all
sleep 1.5
import -window root "$out/signin.png"
if ! press_enter_until_signing_in; then
    # Seen about once in five runs here: the view is drawn at first, then
    # Enter never starts the sign-in (once the screen showed no window at
    # all after the tries, with the app still running). Say what the app
    # was doing (its threads, the windows, the screen), then start it once
    # more: the sign-in flow is what is under test, and a second refusal
    # still fails.
    echo "WARNING: 30 tries of Enter did not start the sign-in; the app's threads, windows and screen follow" >&2
    timeout 60 gdb -p "$app" -batch -ex "thread 1" -ex "bt 30" -ex "thread apply all bt 6" 2>/dev/null |
        grep -E "^Thread|^#|^\[Switching" | head -250 >&2 || true
    import -window root "$out/signin-stuck.png" 2>/dev/null || true
    xwininfo -root -tree 2>/dev/null | grep -iE "urutibiz|unmapped|[0-9]+x[0-9]+" | head -20 | sed 's/^/window: /' >&2 || true
    tail -5 "$out/app-signin.log" >&2
    kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true
    start_signin_app
    window=$(visible_app_window) || fail "no sign-in window on the second start"
    press_enter_until_signing_in || { tail -20 "$out/app-signin.log" >&2; fail "Enter on the sign-in view did not start a sign-in"; }
    echo "WARNING: the second start took Enter (the first: its threads above, $out/signin-stuck.png)" >&2
fi
# Headless Chromium starts, signs in and follows the redirect: allow a minute.
for _ in $(seq 600); do oidc_connected && break; sleep 0.1; done
oidc_connected || fail "the browser sign-in did not connect the app"
echo "signed in through the browser (OpenID code + PKCE, loopback redirect)"
dunstctl close-all
sleep 1
import -window root "$out/signed-in.png"

session=$(keychain_session) || fail "no session in the Secret Service"
python3 - "$session" <<'PY' || fail "unexpected keychain entry"
import json, sys
s = json.loads(sys.argv[1])
assert s["kind"] == "provider" and s["userId"] == "host-amina" and s["name"] == "Amina", s
assert len(s["refreshToken"]) > 20, s
PY
refresh=$(keychain_refresh_token)
if grep -rqF "$refresh" "$HOME" "$out/app-signin.log"; then fail "the refresh token leaked outside the keychain"; fi
echo "the refresh token is in the Secret Service, not in settings, cache or logs"

# Names, not ids, cleaned of what could disguise them (the backend's name has
# a right-to-left override, a zero-width space and a blank filler: the popup
# says "Jean"), and other people's markup shown as text.
service2=$(JWT_SECRET=$secret ./target/debug/realtime-server token --sub marketplace --role service --ttl 1h)
curl -fsS -X PUT "$base2/api/v1/users/renter-jean" -H "Authorization: Bearer $service2" \
    -H 'content-type: application/json' -d '{"displayName":"\u202eJean\u200b\u3164"}' >/dev/null
dunstctl close-all; sleep 0.3
before=$(dunst_count)
curl -fsS -X PUT "$base2/api/v1/bookings/b-9" -H "Authorization: Bearer $service2" -H 'content-type: application/json' \
    -d '{"hostId":"host-amina","renterId":"renter-jean","status":"pending","title":"Canon EOS R6"}' >/dev/null
wait_for "the named booking popup" more_notifications_than "$before"
sleep 1.5
before=$(dunst_count)
curl -fsS -X POST "$base2/api/v1/publish" -H "Authorization: Bearer $service2" -H 'content-type: application/json' \
    -d '{"room":"user-host-amina","event":"notification","data":{"type":"message","title":"Message from Jean","body":"<b>Free</b> & <a href=\"http://evil.example\">cheap</a>","data":{"chatId":"c-1","fromName":"Jean"}}}' >/dev/null
wait_for "the message popup" more_notifications_than "$before"
dunstctl close-all; sleep 0.3
dunstctl history > "$out/dunst-history-signin.json"
python3 - "$out/dunst-history-signin.json" <<'PY'
import json, sys
history = json.load(open(sys.argv[1]))["data"][0]
seen = [(n["summary"]["data"], n["body"]["data"]) for n in history]
assert ("Booking requested — Canon EOS R6 (Jean)", "Jean requested Canon EOS R6.") in seen, seen
# dunst keeps the body as received and renders it as markup: escaped, the
# tags Jean typed are shown as characters, never as bold text or a link.
assert ("Jean", '&lt;b&gt;Free&lt;/b&gt; &amp; &lt;a href="http://evil.example"&gt;cheap&lt;/a&gt;') in seen, seen
print("popups name Jean, and a message's markup shows as text")
PY

# A restart comes back signed in from the keychain, with no browser at all.
kill $app; wait $app 2>/dev/null || true
wait_for "the app's socket to close" bash -c "test \"\$(curl -fsS $base2/metrics | sed -n 's/^realtime_connections //p')\" = 0"
BROWSER=/bin/false "$app_bin" --hidden --server "$base2" --issuer "$issuer" >"$out/app-signin-restart.log" 2>&1 & app=$!; pids+=($app)
wait_for "the restarted app to sign in from the keychain" oidc_connected
rotated=$(keychain_refresh_token)
[ "$rotated" != "$refresh" ] || fail "the refresh token was not rotated"
echo "after a restart the app signed in from the keychain without the browser (refresh token rotated)"
kill $app; wait $app 2>/dev/null || true
wait_for "the app's socket to close" bash -c "test \"\$(curl -fsS $base2/metrics | sed -n 's/^realtime_connections //p')\" = 0"

# With the window closed for a while, the app relaunches itself hidden (to
# give WebKit's memory back): the copy gets no token on its command line,
# restores the session from the keychain and holds the connection.
BROWSER=/bin/false URUTIBIZ_RELAUNCH_AFTER=2 "$app_bin" --server "$base2" --issuer "$issuer" \
    >"$out/app-signin-relaunch.log" 2>&1 & app=$!; pids+=($app)
window=$(visible_app_window) || fail "no window to close"
wait_for "the app to sign in from the keychain" oidc_connected
dunstctl close-all
close_window
first=$app
gone() { # exited (a zombie until this shell reaps it)
    local state; state=$(awk '{print $3}' /proc/$first/stat 2>/dev/null || true)
    [ -z "$state" ] || [ "$state" = Z ]
}
# A popup on screen waits for its click in this process: dismiss them.
handed_over() { dunstctl close-all; gone; }
WAIT_TENTHS=450 wait_for "the window's process to hand over" handed_over
relaunched_pid() { pgrep -n -f "urutibiz-desktop --hidden --server $base2 --issuer"; }
has_copy() { relaunched_pid >/dev/null; }
wait_for "the hidden copy" has_copy
wait "$first" 2>/dev/null || true
app=$(relaunched_pid); pids+=($app)
copy_args=$(tr '\0' '\n' </proc/$app/cmdline | tail -n +2 | tr '\n' ' ')
[ "$copy_args" = "--hidden --server $base2 --issuer $issuer " ] || fail "the copy's command line: $copy_args"
! tr '\0' '\n' </proc/$app/environ | grep -q '^URUTIBIZ_TOKEN=' || fail "the copy inherited a token"
WAIT_TENTHS=300 wait_for "the copy to sign in from the keychain" oidc_connected
! app_window --onlyvisible >/dev/null || fail "the copy opened a window"
relaunched_rss=$(rss_kib); relaunched_pss=$(pss_kib)
echo "the closed window's process relaunched itself hidden; the copy (no token on its command line) restored the session from the keychain"

# The session is ended at the provider: at the next renewal the app signs
# out and says so.
sleep 1
current=$(keychain_refresh_token)
# Every Notify call the daemon gets, with its arguments.
dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" \
    >"$out/notify-calls.log" 2>&1 & pids+=($!)
sleep 0.5
curl -fsS -X POST "$issuer/token/revocation" -d "token=$current" -d token_type_hint=refresh_token \
    -d client_id=urutibiz-desktop >/dev/null
signed_out_popup() { grep -q "Signed out of UrutiBiz" "$out/notify-calls.log"; }
# The next renewal is due within 80% of the 15 s token lifetime.
for _ in $(seq 30); do signed_out_popup && break; sleep 1; done
signed_out_popup || fail "no popup after the provider ended the session"
keychain_session >/dev/null && fail "the ended session is still in the keychain"
echo "a session revoked at the provider signed the app out, with a popup saying so"
kill $app; wait $app 2>/dev/null || true

# Another person signs in on this computer: nothing of Amina's cached
# history or position is shown or resumed for them.
settings_file=$(find "$XDG_DATA_HOME" -name settings.json | head -1)
[ -n "$settings_file" ] || fail "no settings file"
grep -q "Jean requested Canon EOS R6" "$settings_file" || fail "expected Amina's cached history before the switch"
jean=$(JWT_SECRET=$secret ./target/debug/realtime-server token --sub renter-jean --role renter --name Jean --ttl 1h)
"$app_bin" --hidden --token "$jean" --server "$base2" >"$out/app-switch.log" 2>&1 & app=$!; pids+=($app)
wait_for "Jean's app to connect" oidc_connected
owner_is_jean() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("cacheOwner","").endswith("\nrenter-jean") else 1)' "$settings_file"; }
wait_for "the cache to change hands" owner_is_jean
grep -q "Jean requested Canon EOS R6" "$settings_file" && fail "Amina's history survived another user's sign-in"
echo "another user's sign-in forgot the previous user's cached history and position"
kill $app; wait $app 2>/dev/null || true
