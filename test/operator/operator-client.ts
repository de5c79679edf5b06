// The operator tools of the admin API (SPEC §4) as the tests call them, and what they expect of
// clear_quota's month.

import type { z } from "@hono/zod-openapi";
import type { ApiQuotaSchema, RidRecordSchema } from "../../src/operator/schemas.ts";
import type { ClearAllowance } from "../../src/operator/tools.ts";
import { admin } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

export const CLEAR_QUOTA_PATH = "/cgi-bin/clear_quota";
export const QUOTA_GET_PATH = "/cgi-bin/openapi/quota/get";
export const RID_GET_PATH = "/cgi-bin/openapi/rid/get";

export type ApiQuota = z.infer<typeof ApiQuotaSchema>;

export type RidRecord = z.infer<typeof RidRecordSchema>;

export const quotaOf = (appKey: string, cgiPath: string) =>
  admin<ApiQuota>("GET", `/apps/${appKey}/quota?${new URLSearchParams({ cgi_path: cgiPath })}`);

export const ridOf = (appKey: string, rid: string) => admin<RidRecord>("GET", `/apps/${appKey}/rid/${rid}`);

export const allowanceOf = (appKey: string) => admin<ClearAllowance>("GET", `/apps/${appKey}/quota/clear`);

export const clearQuota = (appKey: string, body: unknown = { confirm: true }) =>
  admin<ClearAllowance>("POST", `/apps/${appKey}/quota/clear`, body);

/** Requests the simulator received on one WeChat path for the appid. */
export async function callsTo(appId: string, path: string): Promise<number> {
  return (await sim.state(appId)).calls.byPath[path] ?? 0;
}

/** The rid at the end of a WeChat errmsg. */
export function ridIn(errmsg: string | undefined): string {
  const rid = / rid: ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})$/.exec(errmsg ?? "")?.[1];
  if (!rid) throw new Error(`no rid in ${errmsg}`);
  return rid;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Seconds until the next China-time month begins, when clear_quota's allowance returns. */
export function secondsToNextChinaMonth(now = Date.now()): number {
  const china = new Date(now + CHINA_OFFSET_MS);
  const start = Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + 1, 1) - CHINA_OFFSET_MS;
  return Math.ceil((start - now) / 1000);
}
