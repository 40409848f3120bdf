import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_TOKEN_KEY, RealtimeClient, RealtimeError } from "../../src/client";

/** Records the bearer token of each HTTP call. */
function fetchSeeingTokens(): string[] {
  const seen: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (_url: string, init: RequestInit) => {
      seen.push((init.headers as Record<string, string>).authorization);
      return new Response("{}", { status: 200 });
    }),
  );
  return seen;
}

afterEach(() => {
  localStorage.clear();
  vi.unstubAllGlobals();
});

describe("where the token is kept", () => {
  it("is memory by default: a token in localStorage is not read, and setToken's is not written there", async () => {
    localStorage.setItem(DEFAULT_TOKEN_KEY, "planted-by-a-script");
    const seen = fetchSeeingTokens();
    const client = new RealtimeClient({ url: "http://rt.test" });
    await expect(client.http("GET", "/api/v1/notifications")).rejects.toEqual(new RealtimeError("unauthorized", "no token"));
    client.setToken("t-memory");
    await client.http("GET", "/api/v1/notifications");
    expect(seen).toEqual(["Bearer t-memory"]);
    expect(localStorage.getItem(DEFAULT_TOKEN_KEY)).toBe("planted-by-a-script");
    client.setToken(null);
    await expect(client.http("GET", "/api/v1/notifications")).rejects.toBeInstanceOf(RealtimeError);
    client.close();
  });

  it("is the site's getter when given one", async () => {
    localStorage.setItem(DEFAULT_TOKEN_KEY, "planted-by-a-script");
    const seen = fetchSeeingTokens();
    const client = new RealtimeClient({ url: "http://rt.test", getToken: async () => "t-from-the-sdk" });
    await client.http("GET", "/api/v1/notifications");
    expect(seen).toEqual(["Bearer t-from-the-sdk"]);
    client.close();
  });

  it("is localStorage.token only when the site opts in, as the seed kept it", async () => {
    localStorage.setItem(DEFAULT_TOKEN_KEY, "t-stored");
    const seen = fetchSeeingTokens();
    const client = new RealtimeClient({ url: "http://rt.test", tokenStorage: "localStorage" });
    await client.http("GET", "/api/v1/notifications");
    client.setToken("t-new");
    expect(localStorage.getItem(DEFAULT_TOKEN_KEY)).toBe("t-new");
    await client.http("GET", "/api/v1/notifications");
    expect(seen).toEqual(["Bearer t-stored", "Bearer t-new"]);
    client.close();
  });
});
