// Development identity provider: oidc-provider (an OpenID Certified
// implementation) configured for the desktop app as a native public client
// (authorization code + PKCE, loopback redirect on any port), with JWT
// access tokens for the realtime server and rotating refresh tokens.
//
//   node server.mjs [--port 0] [--access-ttl 300]
//
// Prints one JSON line on stdout once listening: {"issuer": "...", "jwksUri": "..."}.
// The login form is oidc-provider's development interaction: the login is
// the account id (see ACCOUNTS), any password is accepted. Never expose it.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import Provider from "oidc-provider";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.IDP_PORT ?? "0" },
    host: { type: "string", default: "127.0.0.1" },
    "access-ttl": { type: "string", default: process.env.IDP_ACCESS_TTL ?? "300" },
  },
});

// The demo users: who they are on the marketplace.
const ACCOUNTS = {
  "host-amina": { name: "Amina", role: "host" },
  "renter-jean": { name: "Jean", role: "renter" },
  "host-eric": { name: "Eric", role: "host" },
  "admin-grace": { name: "Grace", role: "admin" },
};

export const CLIENT_ID = "urutibiz-desktop";
// The audience of access tokens: what the realtime server checks as `aud`.
export const RESOURCE = "urn:urutibiz:realtime";
const accessTtl = Number(args["access-ttl"]);

const http = createServer();
await new Promise((ok) => http.listen(Number(args.port), args.host, ok));
const issuer = `http://${args.host}:${http.address().port}`;

// A fresh signing key per start: the realtime server finds it by `kid`.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  clients: [
    {
      client_id: CLIENT_ID,
      application_type: "native",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      // RFC 8252 §7.3: for loopback redirects the provider ignores the port.
      redirect_uris: ["http://127.0.0.1/callback"],
    },
  ],
  async findAccount(_ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: account.name, role: account.role };
      },
    };
  },
  claims: { openid: ["sub"], profile: ["name", "role"] },
  scopes: ["openid", "offline_access", "profile", "realtime"],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== RESOURCE) throw new Error(`unknown resource ${indicator}`);
        return {
          scope: "realtime",
          audience: RESOURCE,
          accessTokenTTL: accessTtl,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        };
      },
    },
  },
  // The realtime server reads the role and the display name from the token.
  async extraTokenClaims(_ctx, token) {
    const account = ACCOUNTS[token.accountId];
    return account ? { role: account.role, name: account.name } : undefined;
  },
  rotateRefreshToken: () => true,
  ttl: {
    AccessToken: accessTtl,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 30 * 24 * 3600,
    Grant: 30 * 24 * 3600,
    Session: 30 * 24 * 3600,
    Interaction: 600,
  },
  cookies: { keys: ["urutibiz-dev-idp-cookie-key-not-secret"] },
});
provider.on("server_error", (_ctx, err) => console.error("server_error", err));
http.on("request", provider.callback());

console.log(JSON.stringify({ issuer, jwksUri: `${issuer}/jwks` }));
const stop = () => http.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
