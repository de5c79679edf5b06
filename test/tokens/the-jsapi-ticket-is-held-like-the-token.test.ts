import { describe, expect, it } from "vitest";
import { getToken, registerApp, reportToken } from "../support/gateway.ts";
import { ageAccessToken, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

describe("jsapi_ticket", () => {
  it("is fetched once and then served from the keeper", async () => {
    const app = await registerApp("ticket-held", "wxtickethelds01", { type: "officialaccount" });
    const first = await keeper(app.appId).getJsapiTicket();
    const second = await keeper(app.appId).getJsapiTicket();
    if (!first.ok || !second.ok) throw new Error("no ticket");
    expect(second.credential.value).toBe(first.credential.value);
    expect((await sim.state(app.appId)).calls.ticket).toBe(1);
  });

  it("is refetched when the access_token it was fetched with is replaced", async () => {
    const app = await registerApp("ticket-follows", "wxticketfollow1", { tokenMode: "classic" });
    await keeper(app.appId).getJsapiTicket();
    const old = (await getToken(app)).body.data.access_token;
    await ageAccessToken(app.appId, { secondsLeft: 3600, due: false });
    await reportToken(app, old);

    const after = await keeper(app.appId).getJsapiTicket();
    expect(after.ok).toBe(true);
    expect((await sim.state(app.appId)).calls.ticket).toBe(2);
  });

  it("when WeChat rejects the token behind getticket, the keeper refreshes the token once and retries", async () => {
    const app = await registerApp("ticket-rejected", "wxticketreject1");
    const old = (await getToken(app)).body.data.access_token;
    await sim.invalidate(app.appId, "stable");

    const ticket = await keeper(app.appId).getJsapiTicket();

    expect(ticket.ok).toBe(true);
    const current = await keeper(app.appId).getAccessToken();
    expect(current.ok && current.credential.value).not.toBe(old);
    expect(ticket.ok && ticket.accessToken?.value).toBe(current.ok && current.credential.value);
    const state = await sim.state(app.appId);
    expect(state.calls.ticket).toBe(2);
    expect(state.calls.stableNormal).toBe(2);
  });
});
