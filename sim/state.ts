// Everything the simulator knows: the registered apps and every token it has issued.

import { type AppRegistration, newAppSettings, SimulatedApp } from "./app.ts";
import { TokenRegistry } from "./tokens.ts";

export class SimulatorState {
  readonly apps = new Map<string, SimulatedApp>();
  readonly tokens = new TokenRegistry();
  /** The shared clock in milliseconds; each app adds its own offset. */
  readonly baseNow: () => number;

  constructor(baseNow: () => number) {
    this.baseNow = baseNow;
  }

  /**
   * Registers a new app or updates an existing one (its tokens, counters and clock are kept).
   * Throws if a new app has no secret.
   */
  registerApp(registration: AppRegistration): SimulatedApp {
    const existing = this.apps.get(registration.appid);
    if (existing) {
      existing.update(registration);
      return existing;
    }
    if (registration.secret === undefined) {
      throw new Error(`app ${registration.appid} is not registered yet, so a secret is required`);
    }
    const app = new SimulatedApp(
      newAppSettings({ ...registration, secret: registration.secret }),
      this.baseNow,
    );
    this.apps.set(registration.appid, app);
    return app;
  }

  deleteApp(appid: string): boolean {
    this.tokens.forgetApp(appid);
    return this.apps.delete(appid);
  }
}
