import { describe, it } from "vitest";
import { FAST_FAULTS, type ProxyApi, proxyCall } from "./fault-matrix.ts";

// Fault matrix, path (c): the transparent proxy, a GET (/cgi-bin/get_api_domain_ip) and a POST
// (/wxa/generate_urllink) with the SDK's token. The proxy never retries: what WeChat answered comes back
// as it came — an HTTP 500 from WeChat is WeChat's 500 with WeChat's page, not a gateway crash — and
// no answer at all is a 502 in WeChat's -1 shape. The slow fault is in
// a-slow-wechat-is-abandoned-at-each-timeout.test.ts. Expectations and their sources: fault-matrix.ts.

const APIS: ProxyApi[] = ["get_api_domain_ip (GET)", "generate_urllink (POST)"];
const OUTCOME = {
  busy: "WeChat's -1 passed back as it came",
  http500: "WeChat's own 500 page passed back",
  garbage: "the garbage passed back byte for byte",
  drop: '502 {"errcode":-1}',
} as const;

const PROXY_CELLS = FAST_FAULTS.flatMap((kind) => APIS.map((api) => ({ kind, api, outcome: OUTCOME[kind] })));

describe.concurrent("(c) the proxy", () => {
  it.each(PROXY_CELLS)("$kind on $api → $outcome, the SDK's token untouched", ({ kind, api }) =>
    proxyCall(kind, `px-${api.startsWith("get") ? "ip" : "link"}-${kind}`, api),
  );
});
