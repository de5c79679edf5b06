// Running a sim/ module as a command (`node sim/server.ts …`) while it stays importable: `main`
// runs only when the module is the process's entry point, and a failure exits 1 with its message.

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

export function runAsCommand(moduleUrl: string, main: () => Promise<void>): void {
  if (!isEntryPoint(moduleUrl)) return;
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
