import { describe, expect, it } from "vitest";
import { appWithToken, businessUrl, sim, slowServerUrl } from "../support/simulator.ts";

// WeChat gives each try 5 s; these apps shorten it (deadlineMs) so the tests stay quick.
const DEADLINE_MS = 150;

async function appPushingTo(appid: string, url: string): Promise<void> {
  await sim.registerApp(appid);
  await sim.setPush(appid, { token: "simpushtoken", url, deadlineMs: DEADLINE_MS });
}

describe("WeChat tries a slow server three times", () => {
  it("a server slower than the deadline gets three tries, each given up on, and no answer", async () => {
    const appid = "wxsimpushretry0001";
    await appPushingTo(appid, slowServerUrl(2000));
    const push = await sim.pushMessage(appid, { type: "text", content: "slow" });
    const attempts = push.delivered?.attempts ?? [];
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      expect(attempt).toEqual({ error: `no answer within ${DEADLINE_MS} ms`, ms: expect.any(Number) });
      expect(attempt.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
      expect(attempt.ms).toBeLessThan(1000);
    }
    expect(push.delivered).not.toHaveProperty("answer");
    const { pushes } = await sim.pushes(appid);
    expect(pushes.at(-1)?.delivered).toEqual(push.delivered);
  });

  it("the same request arrives each time, and the answer that finally came in time is the one WeChat takes", async () => {
    const appid = "wxsimpushretry0002";
    const receiverApp = "wxsimpushretryrecv2";
    // The receiver is one of the simulator's own APIs: its request log shows what arrived, and two
    // slow faults hold the first two tries past the deadline.
    const receiver = businessUrl("/cgi-bin/get_api_domain_ip", await appWithToken(receiverApp));
    await sim.queueFault(receiverApp, { kind: "slow", delayMs: 1000, times: 2 });
    await appPushingTo(appid, receiver);
    const push = await sim.pushMessage(appid, { type: "text", content: "third time lucky" });
    const attempts = push.delivered?.attempts ?? [];
    expect(attempts.map((a) => a.status ?? a.error)).toEqual([
      `no answer within ${DEADLINE_MS} ms`,
      `no answer within ${DEADLINE_MS} ms`,
      200,
    ]);
    expect(push.delivered?.answer).toBe(attempts[2]?.body);
    const arrived = (await sim.requests(receiverApp)).map(({ at: _, ...request }) => request);
    expect(arrived).toHaveLength(3);
    for (const request of arrived) {
      expect(request).toEqual(arrived[0]);
      expect(request).toMatchObject({
        method: "POST",
        query: push.query,
        bodyText: push.body,
        contentType: "text/xml",
      });
    }
  });

  it("a server that cannot be reached gets three tries too", async () => {
    const appid = "wxsimpushretry0003";
    await appPushingTo(appid, "http://127.0.0.1:9/push");
    const push = await sim.pushMessage(appid, { type: "event", event: "subscribe" });
    const attempts = push.delivered?.attempts ?? [];
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts)
      expect(attempt).toEqual({ error: expect.any(String), ms: expect.any(Number) });
  });

  it("an answer in time ends the tries: success, empty, or an error status (which WeChat does not retry)", async () => {
    const appid = "wxsimpushretry0004";
    await appPushingTo(appid, slowServerUrl(0));
    const success = await sim.pushMessage(appid, { type: "text" });
    expect(success.delivered).toEqual({
      attempts: [{ status: 200, body: "success", ms: expect.any(Number) }],
      answer: "success",
      replyEncrypted: false,
    });
    await sim.setPush(appid, { url: slowServerUrl(0, { answer: "" }) });
    expect((await sim.pushMessage(appid, { type: "text" })).delivered?.answer).toBe("");
    await sim.setPush(appid, { url: slowServerUrl(0, { status: 500, answer: "oops" }) });
    const failed = await sim.pushMessage(appid, { type: "text" });
    expect(failed.delivered).toEqual({ attempts: [{ status: 500, body: "oops", ms: expect.any(Number) }] });
  });

  it("the deadline is WeChat's 5 s unless shortened, and never longer", async () => {
    const appid = "wxsimpushretry0005";
    await sim.registerApp(appid);
    expect((await sim.setPush(appid, { token: "simpushtoken" })).deadlineMs).toBe(5000);
    expect((await sim.raw("PUT", `/apps/${appid}/push`, { deadlineMs: 5001 })).status).toBe(400);
  });
});
