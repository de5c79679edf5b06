// The outside checks (smoke, sdk-e2e) print one line per check and exit non-zero if any failed.

export function checklist(name: string) {
  let passes = 0;
  let failures = 0;
  return {
    check(label: string, ok: boolean, detail: unknown = "") {
      console.log(`${ok ? "ok  " : "FAIL"} ${label}${ok ? "" : ` ${JSON.stringify(detail)}`}`);
      if (ok) passes++;
      else failures++;
    },
    finish(): never {
      console.log(
        failures === 0
          ? `${name}: all ${passes} checks passed`
          : `${name}: ${failures} of ${passes + failures} checks failed`,
      );
      process.exit(failures === 0 ? 0 : 1);
    },
  };
}
