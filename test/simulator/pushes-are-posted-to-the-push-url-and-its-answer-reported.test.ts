import { describe, expect, it } from "vitest";
import { appWithToken, businessUrl, type ComponentView, pushRequest, sim } from "../support/simulator.ts";

/**
 * Tests run the gateway where the simulator cannot reach it, so a push URL here is one of the
 * simulator's own APIs called with an app's token: that app's request log then shows exactly what
 * the simulator POSTed.
 */
async function receiver(appid: string): Promise<string> {
  return businessUrl("/cgi-bin/get_api_domain_ip", await appWithToken(appid));
}

async function settledPushes(component: string): Promise<ComponentView["pushes"]> {
  for (let i = 0; i < 100; i++) {
    const { pushes } = await sim.component(component);
    if (pushes.every((p) => p.delivered !== "pending")) return pushes;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("pushes still pending");
}

describe("pushes are POSTed to the push URL and its answer reported", () => {
  it("a component registered with a pushUrl is pushed a verify ticket at once", async () => {
    const component = "wxsimpushurl0001";
    const receiverApp = "wxsimpushurlrecv1";
    const url = await receiver(receiverApp);
    await sim.registerComponent(component, { pushUrl: url });
    const [push] = await settledPushes(component);
    expect(push?.infoType).toBe("component_verify_ticket");
    expect(push?.delivered).toEqual({ status: 200, body: expect.stringContaining('"errcode":43001') });
    const [logged] = await sim.requests(receiverApp);
    expect(logged).toMatchObject({
      method: "POST",
      query: push?.envelope.query,
      accessTokenInQuery: true,
      bodyText: push?.envelope.body,
      contentType: "text/xml",
    });
  });

  it("a push made on demand answers with what the receiver said, and is the request pushRequest builds", async () => {
    const component = "wxsimpushurl0002";
    const receiverApp = "wxsimpushurlrecv2";
    const url = await receiver(receiverApp);
    await sim.registerComponent(component, { pushUrl: url });
    await settledPushes(component);
    const push = await sim.pushVerifyTicket(component);
    expect(push.delivered).toEqual({ status: 200, body: expect.stringContaining('"errcode":43001') });
    const granted = await sim.authorizeApp(component, { authorizerAppid: "wxsimpushurlapp2" });
    expect(granted.delivered).toMatchObject({ status: 200 });

    await (await fetch(pushRequest(url, granted.push))).text();
    const requests = await sim.requests(receiverApp);
    const [bySimulator, byTest] = requests.slice(-2).map(({ at: _, ...request }) => request);
    expect(byTest).toEqual(bySimulator);
    expect(requests).toHaveLength(4);
  });

  it("a receiver that cannot be reached is reported as an error; without a pushUrl nothing is sent", async () => {
    const component = "wxsimpushurl0003";
    await sim.registerComponent(component, { pushUrl: "http://127.0.0.1:9/events" });
    const push = await sim.pushVerifyTicket(component);
    expect(push.delivered).toEqual({ error: expect.any(String) });
    await sim.registerComponent(component, { pushUrl: null });
    expect((await sim.pushVerifyTicket(component)).delivered).toBeNull();
    expect((await sim.component(component)).pushUrl).toBeNull();
  });
});
