import { describe, expect, it } from "vitest";
import { getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { errcodeWith, sim } from "../support/simulator.ts";

describe("transient upstream faults", () => {
  it("busy, HTTP 500 and garbage answers are retried until WeChat answers", async () => {
    const app = await registerApp("faults-mixed", "wxfaultsmixed01");
    await sim.queueFault(app.appId, { kind: "busy" });
    await sim.queueFault(app.appId, { kind: "http500" });
    await sim.queueFault(app.appId, { kind: "garbage" });

    const answer = await getToken(app);

    expect(answer.status).toBe(200);
    expect(await errcodeWith(answer.body.data.access_token)).toBe(0);
    expect(await upstreamTokenCalls(app.appId)).toBe(4);
  });

  it("errcode -1000 and a dropped connection are retried", async () => {
    const app = await registerApp("faults-drop", "wxfaultsdrop001", { tokenMode: "classic" });
    await sim.queueFault(app.appId, { kind: "busy1000" });
    await sim.queueFault(app.appId, { kind: "drop" });

    const answer = await getToken(app);

    expect(answer.status).toBe(200);
    expect(await upstreamTokenCalls(app.appId)).toBe(3);
  });

  it("an answer slower than the timeout is abandoned and retried", async () => {
    const app = await registerApp("faults-slow", "wxfaultsslow001");
    await sim.queueFault(app.appId, { kind: "slow", delayMs: 8000 });

    const answer = await getToken(app);

    expect(answer.status).toBe(200);
    expect(await upstreamTokenCalls(app.appId)).toBe(2);
  });
});
