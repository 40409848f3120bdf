"""Signing in through the browser (OpenID code + PKCE against dev-idp), the
session kept in the Secret Service, and what ends or replaces it."""

import subprocess

from harness import keychain
from harness.waiting import wait_until


def test_browser_sign_in_keeps_the_refresh_token_in_the_keychain_only(oidc_server, provider, sign_in, profile):
    app = sign_in(oidc_server, provider)
    session = wait_until("the session in the Secret Service", keychain.session)
    assert (session["kind"], session["userId"], session["name"]) == ("provider", "host-amina", "Amina"), session
    assert len(session["refreshToken"]) > 20, session
    leaked = subprocess.run(["grep", "-rlF", session["refreshToken"], profile.home, app.log],
                            capture_output=True, text=True).stdout
    assert not leaked, f"the refresh token is written outside the keychain: {leaked}"


def test_a_restart_signs_in_from_the_keychain_without_a_browser(oidc_server, provider, sign_in, launch):
    sign_in(oidc_server, provider).stop()
    first = wait_until("the session in the Secret Service", keychain.session)["refreshToken"]
    wait_until("the app's socket to close", lambda: oidc_server.connections() == 0)
    launch("--hidden", "--server", oidc_server.base, "--issuer", provider.issuer, log="app-restarted",
           env={"BROWSER": "/bin/false"})
    wait_until("the restarted app to sign in from the keychain", lambda: oidc_server.connections() == 1)
    assert keychain.session()["refreshToken"] != first, "the refresh token was not rotated"


def test_a_session_ended_at_the_provider_signs_the_app_out_with_a_popup(oidc_server, provider, sign_in, notify_calls):
    sign_in(oidc_server, provider)
    provider.revoke(wait_until("the session in the Secret Service", keychain.session)["refreshToken"])
    # The next renewal is due within 80 % of the provider's 15 s token lifetime.
    wait_until("the popup saying the app signed out",
               lambda: notify_calls.find("Signed out of UrutiBiz"), timeout=30, every=0.5)
    assert keychain.session() is None, "the ended session is still in the keychain"


def test_another_persons_sign_in_forgets_the_previous_persons_cache(server, launch, host_token, profile):
    amina = launch("--hidden", "--token", host_token, "--server", server.base)
    wait_until("Amina's app to connect", lambda: server.connections() == 1)
    server.put_booking("b-9", "pending", title="Canon EOS R6")
    wait_until("Amina's history in the cache",
               lambda: "renter-jean requested Canon EOS R6" in profile.settings_path.read_text())
    amina.stop()
    jean = server.token("renter-jean", "renter", name="Jean")
    launch("--hidden", "--token", jean, "--server", server.base, log="app-jean")
    wait_until("the cache to change hands", lambda: profile.store().get("cacheOwner", "").endswith("\nrenter-jean"))
    assert "renter-jean requested Canon EOS R6" not in profile.settings_path.read_text(), \
        "Amina's history survived another person's sign-in"
