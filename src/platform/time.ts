/** WeChat's daily quotas reset at midnight China time (UTC+8), so "today" is counted there too. */
const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86_400_000;

/** The China-time calendar day of an instant, e.g. "2026-11-21". */
export function chinaDay(nowMs: number): string {
  return new Date(nowMs + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The next midnight in China time after `nowMs`, when WeChat's daily quotas reset. */
export function nextChinaMidnight(nowMs: number): number {
  return Math.floor((nowMs + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS + DAY_MS - CHINA_OFFSET_MS;
}

/** ISO 8601 with an explicit +08:00 offset, the way our users' WeChat dashboards show time. */
export function chinaIso(ms: number): string {
  return `${new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

export function secondsUntil(targetMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((targetMs - nowMs) / 1000));
}

/** The China-time calendar month of an instant, e.g. "2026-11": clear_quota's allowance is per month. */
export function chinaMonth(nowMs: number): string {
  return chinaDay(nowMs).slice(0, 7);
}

/** The first midnight of the next China-time month after `nowMs`, when clear_quota's allowance returns. */
export function nextChinaMonthStart(nowMs: number): number {
  const china = new Date(nowMs + CHINA_OFFSET_MS);
  return Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + 1, 1) - CHINA_OFFSET_MS;
}
