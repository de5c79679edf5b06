import { describe, expect, it } from "vitest";
import { appWithToken, businessUrl, sim } from "../support/simulator.ts";

const AES_KEY = "SimAppPushEncodingAESKey0123456789abcdefghi";

/** A receiver whose request log shows exactly what arrived (one of the simulator's own APIs). */
async function receiver(appid: string): Promise<string> {
  return businessUrl("/cgi-bin/get_api_domain_ip", await appWithToken(appid));
}

async function arrived(receiverApp: string) {
  return (await sim.requests(receiverApp)).map(({ at: _, ...request }) => request);
}

describe("replays are sent byte for byte", () => {
  it("a replayed safe-mode push is the same request: query, body and Content-Type", async () => {
    const appid = "wxsimpushreplay0001";
    const receiverApp = "wxsimpushreplayrecv1";
    await sim.registerApp(appid);
    await sim.setPush(appid, {
      token: "simpushtoken",
      encodingAESKey: AES_KEY,
      mode: "safe",
      format: "json",
      url: await receiver(receiverApp),
    });
    const push = await sim.pushMessage(appid, { type: "text", content: "once" });
    const replay = await sim.replayPush(appid, {
      query: push.query,
      body: push.body,
      contentType: push.contentType,
    });
    expect(replay).toMatchObject({ query: push.query, body: push.body, contentType: "application/json" });
    expect(replay.delivered.attempts).toEqual([
      { status: 200, body: expect.any(String), ms: expect.any(Number) },
    ]);
    const [original, again] = await arrived(receiverApp);
    expect(again).toEqual(original);
    expect(original).toMatchObject({
      bodyText: push.body,
      query: push.query,
      contentType: "application/json",
    });
    const { pushes } = await sim.pushes(appid);
    expect(pushes.map((p) => p.kind)).toEqual(["message", "replay"]);
    expect(pushes[1]?.envelope).toEqual(pushes[0]?.envelope);
  });

  it("an envelope recorded without a url can be replayed to one, and any envelope is sent as given", async () => {
    const appid = "wxsimpushreplay0002";
    const receiverApp = "wxsimpushreplayrecv2";
    await sim.registerApp(appid);
    await sim.setPush(appid, { token: "simpushtoken" });
    const push = await sim.pushMessage(appid, {
      type: "event",
      event: "VIEW",
      eventKey: "https://example.com/",
    });
    expect(push.delivered).toBeNull();
    const url = await receiver(receiverApp);
    const tampered = { ...push, query: { ...push.query, signature: "0".repeat(40) } };
    await sim.replayPush(appid, tampered, url);
    const [request] = await arrived(receiverApp);
    expect(request).toMatchObject({ bodyText: push.body, query: tampered.query, contentType: "text/xml" });
    expect((await sim.raw("POST", `/apps/${appid}/push/replay`, { envelope: push })).status).toBe(400);
  });
});
