import { describe, expect, it } from "vitest";
import { CODE_WEBHOOK_SECRET, type CodeWebhookBody, SIM_BASE, sim } from "../support/simulator.ts";

// The simulator process is shared by all test files (and outlives a watch-mode rerun), so each
// test posts to targets of its own, reads back only those, and never clears the list.
const RUN = crypto.randomUUID().slice(0, 8);
const email = (name: string) => `${name}+${RUN}@example.com`;
const phone = () =>
  `+86138${String((crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % 1e8).padStart(8, "0")}`;

function codeBody(target: string, code = "123456"): CodeWebhookBody {
  return {
    appKey: "simcodes",
    channel: target.includes("@") ? "email" : "phone",
    target,
    code,
    expiresAt: new Date(Date.now() + 300_000).toISOString(),
    ttlSeconds: 300,
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** X-Gateway-Signature as the gateway makes it: t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>. */
async function sign(bodyText: string, t = nowSeconds(), secret = CODE_WEBHOOK_SECRET): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${t}.${bodyText}`)));
  return `t=${t},v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function post(bodyText: string, signature: string | null): Promise<Response> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Gateway-Event": "verification-code",
  };
  if (signature !== null) headers["X-Gateway-Signature"] = signature;
  return fetch(`${SIM_BASE}/__sim/codes`, { method: "POST", headers, body: bodyText });
}

describe("the code webhook receiver checks signatures", () => {
  it("lists a correctly signed code with signatureValid true, answering 204", async () => {
    const body = codeBody(email("alice"), "482913");
    const bodyText = JSON.stringify(body);
    const signature = await sign(bodyText);
    const before = Date.now();
    const res = await post(bodyText, signature);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");

    const codes = await sim.codes(body.target);
    expect(codes).toHaveLength(1);
    expect(codes[0]).toEqual({
      receivedAt: expect.any(Number),
      event: "verification-code",
      signature,
      signatureValid: true,
      body,
      bodyText,
    });
    expect(codes[0]?.receivedAt).toBeGreaterThanOrEqual(before - 5_000);
  });

  it("marks a signature made with another secret invalid", async () => {
    const target = phone();
    const bodyText = JSON.stringify(codeBody(target));
    await post(bodyText, await sign(bodyText, nowSeconds(), "not-the-secret"));
    const [received] = await sim.codes(target);
    expect(received?.signatureValid).toBe(false);
    expect(received?.body?.code).toBe("123456");
  });

  it("marks a signature over a different body invalid", async () => {
    const body = codeBody(email("tampered"));
    const signature = await sign(JSON.stringify({ ...body, code: "000000" }));
    await post(JSON.stringify(body), signature);
    expect((await sim.codes(body.target)).map((c) => c.signatureValid)).toEqual([false]);
  });

  it("marks a signature whose t is more than 300 s away invalid, either way", async () => {
    // 10 s beyond the window, so the worker's and the simulator's clocks need not agree exactly.
    const margin = 300 + 10;
    const stale = codeBody(email("stale"));
    const future = codeBody(email("future"));
    await post(JSON.stringify(stale), await sign(JSON.stringify(stale), nowSeconds() - margin));
    await post(JSON.stringify(future), await sign(JSON.stringify(future), nowSeconds() + margin));
    expect((await sim.codes(stale.target))[0]?.signatureValid).toBe(false);
    expect((await sim.codes(future.target))[0]?.signatureValid).toBe(false);
  });

  it("marks a missing or malformed signature header invalid", async () => {
    const missing = codeBody(email("nosig"));
    const upper = codeBody(email("uppersig"));
    await post(JSON.stringify(missing), null);
    // The contract says lowercase hex.
    const signature = await sign(JSON.stringify(upper));
    await post(
      JSON.stringify(upper),
      signature.replace(/v1=(\w+)$/, (_, hex: string) => `v1=${hex.toUpperCase()}`),
    );
    expect(await sim.codes(missing.target)).toEqual([
      expect.objectContaining({ signature: null, signatureValid: false }),
    ]);
    expect((await sim.codes(upper.target))[0]?.signatureValid).toBe(false);
  });

  it("keeps a body that is not JSON as text, with body null", async () => {
    const bodyText = `not json ${RUN}`;
    expect((await post(bodyText, await sign(bodyText))).status).toBe(204);
    const received = (await sim.codes()).filter((c) => c.bodyText === bodyText);
    expect(received).toEqual([expect.objectContaining({ body: null, signatureValid: true })]);
  });

  it("filters by target and lists codes oldest first", async () => {
    const target = email("filter-me");
    const otherTarget = email("someone-else");
    for (const code of ["111111", "222222"]) {
      const bodyText = JSON.stringify(codeBody(target, code));
      await post(bodyText, await sign(bodyText));
    }
    const other = JSON.stringify(codeBody(otherTarget, "333333"));
    await post(other, await sign(other));

    const mine = await sim.codes(target);
    expect(mine.map((c) => c.body?.code)).toEqual(["111111", "222222"]);
    expect(mine.every((c) => c.body?.target === target)).toBe(true);
    expect(await sim.codes(email("nobody"))).toEqual([]);
    expect((await sim.codes()).some((c) => c.body?.target === otherTarget)).toBe(true);
  });

  it("rejects other methods and sub-paths", async () => {
    expect((await fetch(`${SIM_BASE}/__sim/codes`, { method: "PUT", body: "{}" })).status).toBe(405);
    expect((await fetch(`${SIM_BASE}/__sim/codes/x`)).status).toBe(404);
  });
});
