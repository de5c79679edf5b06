// `npm run test:dotnet`: the legacy POST /api/v1/Common/WxToken driven by a real .NET client
// (SPEC §5, issue 13). LegacyClient.cs, the service's model classes and DataContractSerializer,
// is built and run with Debian's Mono (mono-mcs, libmono-system-runtime-serialization4.0-cil)
// against the simulator and the gateway under plain `wrangler dev`, the way smoke and test:sdk run
// it. First the model is shown to be the seed's (it serializes the seed's sample to SPEC §5's
// XML); then it reads the gateway's answers, success and refusal, and sends it reports it
// serialized itself, and as a form. Workerd runs no child processes, hence node:test here.
//
// Without Mono the test cannot say anything: under CI=true that fails (.ci/run installs Mono),
// elsewhere the tests are skipped with a message that says what to install.

import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type LocalGateway, startLocalGateway } from "../../scripts/local-gateway.ts";
import { type RunningSimulator, startSimulator } from "../../sim/server.ts";
import {
  type RequestResult,
  requestResultXml,
  SAMPLES,
  tokenReportXml,
  withSpecNilData,
} from "./datacontract-xml.ts";

const run = promisify(execFile);

const MONO_PACKAGES = "mono-mcs libmono-system-runtime-serialization4.0-cil";
const CLIENT_SOURCE = join(import.meta.dirname, "LegacyClient.cs");
/** The .NET service ran on a server in China: its DateTimes were local ones, +08:00. */
const CLIENT_ENV = { ...process.env, TZ: "Asia/Shanghai" };
const ADMIN_TOKEN = "dotnet-admin";
/** An appid whose token WeChat refuses (the simulator knows another secret for it). */
const REFUSED = { appKey: "dotnet-refused", appId: "wxdotnetrefused1" };
const APP = { appKey: "dotnet", appId: "wxdotnetclient01", appSecret: "dotnet-secret" };

function hasCommand(name: string): boolean {
  return spawnSync("/bin/sh", ["-c", `command -v ${name}`]).status === 0;
}

const missing = ["mcs", "mono"].filter((name) => !hasCommand(name));
const monoMissing =
  missing.length === 0
    ? undefined
    : `${missing.join(" and ")} not found: install Debian's ${MONO_PACKAGES} (apt-get install -y ${MONO_PACKAGES}; .ci/run does)`;

/** What LegacyClient.exe prints after reading an answer with DataContractSerializer. */
type ClientRead = {
  httpStatus: number;
  contentType: string;
  sent: string | null;
  body: string;
  reserialized: string;
  Message: string | null;
  Status: number;
  Total: number;
  Data: {
    errcode: number;
    errmsg: string | null;
    access_token: string | null;
    create_time: string;
    create_time_kind: string;
    expires_in: number;
    expires_time: string;
  } | null;
};

/**
 * The serializer writes a DateTime's fraction without trailing zeros (.418, not .4180000); the
 * seed's form, which the gateway writes, always has 7 digits. Both read as the same instant.
 */
function trimFractions(xml: string): string {
  return xml.replace(/\.(\d*?)0*(\+08:00)/g, (_, digits: string, offset: string) =>
    digits ? `.${digits}${offset}` : offset,
  );
}

if (monoMissing && process.env.CI === "true") {
  test("a .NET DataContractSerializer client uses the legacy endpoint", () => {
    assert.fail(`the .NET client test needs Mono, and CI must run it: ${monoMissing}`);
  });
} else {
  if (monoMissing) console.warn(`skipping the .NET client test: ${monoMissing}`);
  describe("a .NET DataContractSerializer client", { skip: monoMissing }, () => {
    let workDir = "";
    let exe = "";
    let simulator: RunningSimulator;
    let gateway: LocalGateway;
    let key = "";
    let refusedKey = "";

    /** Runs the client; asynchronously, because the simulator answers the gateway from this process. */
    async function client(...args: string[]): Promise<string> {
      try {
        return (await run("mono", [exe, ...args], { env: CLIENT_ENV })).stdout;
      } catch (error) {
        const e = error as { stderr?: string; message: string };
        throw new Error(`LegacyClient.exe ${args[0]} failed: ${e.stderr || e.message}`);
      }
    }

    async function read(accept: string, apiKey = key, appId = APP.appId): Promise<ClientRead> {
      return JSON.parse(await client("read", gateway.url, apiKey, appId, accept)) as ClientRead;
    }

    async function upstreamTokenCalls(appId: string): Promise<number> {
      const state = (await (await fetch(`${simulator.url}/__sim/apps/${appId}`)).json()) as {
        calls: { token: number; stableNormal: number; stableForce: number };
      };
      return state.calls.token + state.calls.stableNormal + state.calls.stableForce;
    }

    async function register(appKey: string, appId: string, appSecret: string): Promise<string> {
      // Classic mode: the report tests replace the token by forced refreshes in quick succession,
      // which stable mode spaces 30 s apart (WeChat's own limit on force_refresh).
      const put = await gateway.admin("PUT", `/apps/${appKey}`, { appId, appSecret, tokenMode: "classic" });
      assert.equal(put.status, 201, JSON.stringify(put.body));
      const created = await gateway.admin("POST", `/apps/${appKey}/keys`);
      return (created.body.data as { key: string }).key;
    }

    /** The token a JSON reader of the legacy endpoint gets, to compare with what .NET read. */
    async function legacyJson(): Promise<RequestResult> {
      const response = await fetch(`${gateway.url}/api/v1/Common/WxToken?appid=${APP.appId}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}` },
      });
      return (await response.json()) as RequestResult;
    }

    before(async () => {
      workDir = mkdtempSync(join(tmpdir(), "gateway-dotnet-"));
      exe = join(workDir, "LegacyClient.exe");
      await run("mcs", [
        "-nologo",
        "-r:System.Runtime.Serialization",
        "-r:System.Xml",
        `-out:${exe}`,
        CLIENT_SOURCE,
      ]);
      simulator = await startSimulator({ port: 0, quiet: true });
      simulator.simulator.registerApp({ appid: APP.appId, secret: APP.appSecret });
      simulator.simulator.registerApp({ appid: REFUSED.appId, secret: "the-secret-wechat-knows" });
      gateway = await startLocalGateway({
        port: 8000 + Math.floor(Math.random() * 1000),
        wechatApiBase: simulator.url,
        adminToken: ADMIN_TOKEN,
        persistTo: join(workDir, "state"),
        quiet: true,
      });
      key = await register(APP.appKey, APP.appId, APP.appSecret);
      refusedKey = await register(REFUSED.appKey, REFUSED.appId, "a-secret-wechat-does-not-know");
    });

    after(async () => {
      gateway?.stop();
      await simulator?.close();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    test("serializes the seed's sample to SPEC §5's XML: the model is the service's", async () => {
      const samples = JSON.parse(await client("samples")) as Record<string, string>;
      assert.equal(samples.success, requestResultXml(SAMPLES.success));
      assert.equal(withSpecNilData(samples.refusal ?? ""), requestResultXml(SAMPLES.refusal));
      assert.equal(samples.wechatRefusal, requestResultXml(SAMPLES.wechatRefusal));
      assert.equal(samples.report, tokenReportXml("91_sample-token"));
    });

    for (const accept of ["application/xml", "text/xml"]) {
      test(`reads the token from the XML answer (Accept: ${accept})`, async () => {
        const answer = await read(accept);
        assert.equal(answer.httpStatus, 200, answer.body);
        assert.match(answer.contentType, new RegExp(`^${accept}`));
        assert.equal(answer.Status, 0);
        assert.equal(answer.Message, "");
        assert.equal(answer.Total, 0);
        const json = (await legacyJson()).Data!;
        const data = answer.Data!;
        assert.equal(data.access_token, json.access_token);
        assert.equal(data.errcode, 0);
        assert.equal(data.errmsg, "ok");
        assert.ok(data.expires_in > 7000 && data.expires_in <= 7200, String(data.expires_in));
        // A local DateTime that prints back exactly as the gateway wrote it: nothing was lost.
        assert.equal(data.create_time_kind, "Local");
        assert.equal(data.create_time, json.create_time);
        assert.equal(data.expires_time, json.expires_time);
        // Written again by the serializer, the answer is the same bytes (up to the fraction's zeros).
        assert.equal(trimFractions(answer.body), answer.reserialized);
      });
    }

    for (const contentType of ["application/xml", "text/xml"]) {
      test(`sends a WxAccess_Token report it serialized itself (${contentType})`, async () => {
        const stale = (await read("application/xml")).Data!.access_token!;
        const refresh = await gateway.admin("POST", `/apps/${APP.appKey}/token/refresh`);
        assert.equal(refresh.status, 200, JSON.stringify(refresh.body));
        const current = (await legacyJson()).Data!.access_token;
        assert.notEqual(current, stale);
        const calls = await upstreamTokenCalls(APP.appId);

        const answer = JSON.parse(
          await client("report-xml", gateway.url, key, APP.appId, "application/xml", contentType, stale),
        ) as ClientRead;
        assert.equal(answer.sent, tokenReportXml(stale));
        assert.equal(answer.httpStatus, 200, answer.body);
        assert.equal(answer.Status, 0);
        assert.equal(answer.Data?.access_token, current);
        assert.equal(await upstreamTokenCalls(APP.appId), calls);
      });
    }

    test("sends a form report (access_token=…)", async () => {
      const stale = (await read("text/xml")).Data!.access_token!;
      assert.equal((await gateway.admin("POST", `/apps/${APP.appKey}/token/refresh`)).status, 200);
      const current = (await legacyJson()).Data!.access_token;
      const calls = await upstreamTokenCalls(APP.appId);
      const answer = JSON.parse(
        await client("report-form", gateway.url, key, APP.appId, "text/xml", stale),
      ) as ClientRead;
      assert.equal(answer.httpStatus, 200, answer.body);
      assert.equal(answer.Status, 0);
      assert.equal(answer.Data?.access_token, current);
      assert.equal(await upstreamTokenCalls(APP.appId), calls);
    });

    test("reads a refusal as Status 1 with a Message and no Data", async () => {
      const emptyReport = async () =>
        JSON.parse(
          await client("report-xml", gateway.url, key, APP.appId, "application/xml", "text/xml", ""),
        ) as ClientRead;
      const refusals: [string, () => Promise<ClientRead>, number][] = [
        ["unknown key", () => read("application/xml", "not-a-key"), 401],
        ["another app's appid", () => read("application/xml", key, REFUSED.appId), 403],
        ["an empty report", emptyReport, 400],
      ];
      for (const [what, ask, status] of refusals) {
        const answer = await ask();
        assert.equal(answer.httpStatus, status, `${what}: ${answer.body}`);
        assert.equal(answer.Status, 1, what);
        assert.ok(answer.Message && answer.Message.length > 0, what);
        assert.equal(answer.Total, 0, what);
        assert.equal(answer.Data, null, what);
        assert.equal(answer.body, withSpecNilData(answer.reserialized), what);
      }
    });

    test("reads WeChat's refusal: Status 1, WeChat's errcode and errmsg in Data", async () => {
      const answer = await read("application/xml", refusedKey, REFUSED.appId);
      assert.equal(answer.httpStatus, 502, answer.body);
      assert.equal(answer.Status, 1);
      assert.ok(answer.Message && answer.Message.length > 0);
      assert.equal(answer.Data?.errcode, 40125);
      assert.ok(answer.Data?.errmsg && answer.Data.errmsg.length > 0);
      assert.equal(answer.Data?.access_token, "");
      assert.equal(answer.Data?.create_time, "0001-01-01T00:00:00.0000000");
      assert.equal(answer.body, answer.reserialized);
      assert.equal((await upstreamTokenCalls(REFUSED.appId)) > 0, true);
    });
  });
}
