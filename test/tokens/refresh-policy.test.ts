import { describe, expect, it } from "vitest";
import { chinaDay, chinaIso, nextChinaMidnight } from "../../src/platform/time.ts";
import {
  afterReportRefresh,
  budgetAllows,
  type CredentialState,
  dueAfterSameStableToken,
  isServeable,
  reportMayRefreshNow,
  retryAfterFailure,
  shouldActOnReport,
} from "../../src/tokens/policy.ts";

const NOW = Date.UTC(2026, 10, 21, 4, 0, 0); // 12:00 in China

function state(overrides: Partial<CredentialState> = {}): CredentialState {
  return {
    value: "TOKEN",
    createdAt: NOW - 60_000,
    expiresAt: NOW + 3_600_000,
    confirmedAt: NOW - 60_000,
    rejected: false,
    dueAt: NOW + 3_000_000,
    failuresInRow: 0,
    retryAt: null,
    reportStreak: 0,
    lastReportRefreshAt: null,
    reportBackoffUntil: null,
    ...overrides,
  };
}

describe("refresh policy", () => {
  it("acts on a report only for the current token that is old enough or was seen rejected", () => {
    expect(shouldActOnReport(state(), "TOKEN", NOW)).toBe(true);
    expect(shouldActOnReport(state(), "OLD", NOW)).toBe(false);
    expect(shouldActOnReport(state({ confirmedAt: NOW - 5_000 }), "TOKEN", NOW)).toBe(false);
    expect(shouldActOnReport(state({ confirmedAt: NOW - 5_000, rejected: true }), "TOKEN", NOW)).toBe(true);
    expect(shouldActOnReport(state({ value: null }), "TOKEN", NOW)).toBe(false);
  });

  it("does not hand out a token in its last seconds", () => {
    expect(isServeable(state({ expiresAt: NOW + 5_000 }), NOW)).toBe(false);
    expect(isServeable(state({ expiresAt: NOW + 60_000 }), NOW)).toBe(true);
  });

  it("re-arms a same-token stable answer inside WeChat's window and never sooner than 30 s", () => {
    expect(dueAfterSameStableToken(NOW + 600_000, NOW)).toBe(NOW + 270_000 + 60_000);
    expect(dueAfterSameStableToken(NOW + 280_000, NOW)).toBe(NOW + 30_000);
  });

  it("backs off transient failures exponentially up to 10 minutes and waits quota out until midnight", () => {
    const midnight = nextChinaMidnight(NOW);
    expect(retryAfterFailure("transient", -1, 1, NOW, midnight)).toBe(NOW + 30_000);
    expect(retryAfterFailure("transient", -1, 3, NOW, midnight)).toBe(NOW + 120_000);
    expect(retryAfterFailure("transient", -1, 20, NOW, midnight)).toBe(NOW + 600_000);
    expect(retryAfterFailure("quota", 45009, 1, NOW, midnight)).toBe(midnight);
    expect(retryAfterFailure("quota", 45011, 1, NOW, midnight)).toBe(NOW + 60_000);
  });

  it("backs report-driven refreshes off while they follow each other: 30 s, doubling, up to 30 minutes", () => {
    let s = state();
    const waits: number[] = [];
    let at = NOW;
    for (let i = 0; i < 9; i++) {
      s = { ...s, ...afterReportRefresh(s, at) };
      waits.push((s.reportBackoffUntil! - at) / 1000);
      expect(reportMayRefreshNow(s, s.reportBackoffUntil! - 1)).toBe(false);
      expect(reportMayRefreshNow(s, s.reportBackoffUntil!)).toBe(true);
      at = s.reportBackoffUntil!;
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1800, 1800, 1800]);
    // After an hour without report-driven refreshes, the next one starts afresh.
    const quiet = { ...s, ...afterReportRefresh(s, at + 3_600_000) };
    expect(quiet.reportStreak).toBe(1);
    expect(quiet.reportBackoffUntil! - (at + 3_600_000)).toBe(30_000);
  });

  it("a report-driven refresh also waits out a failure backoff", () => {
    expect(reportMayRefreshNow(state({ retryAt: NOW + 1_000 }), NOW)).toBe(false);
    expect(reportMayRefreshNow(state({ retryAt: NOW - 1_000 }), NOW)).toBe(true);
  });

  it("keeps the last part of the daily budget for scheduled refreshes", () => {
    expect(budgetAllows("report", 899, 1000)).toBe(true);
    expect(budgetAllows("report", 900, 1000)).toBe(false);
    expect(budgetAllows("scheduled", 999, 1000)).toBe(true);
    expect(budgetAllows("scheduled", 1000, 1000)).toBe(false);
  });

  it("counts days and formats times in China time (UTC+8), where WeChat's quotas reset", () => {
    expect(chinaDay(Date.UTC(2026, 10, 21, 15, 59, 59))).toBe("2026-11-21");
    expect(chinaDay(Date.UTC(2026, 10, 21, 16, 0, 0))).toBe("2026-11-22");
    expect(nextChinaMidnight(NOW)).toBe(Date.UTC(2026, 10, 21, 16, 0, 0));
    expect(chinaIso(NOW)).toBe("2026-11-21T12:00:00+08:00");
  });
});
