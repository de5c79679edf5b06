// Everything the simulator knows: the registered apps and third-party platforms, and every token
// it has issued.

import { type AppRegistration, newAppSettings, SimulatedApp } from "./app.ts";
import { type ComponentRegistration, newComponentSettings, SimulatedComponent } from "./component.ts";
import { randomBase64Url } from "./responses.ts";
import { TokenRegistry } from "./tokens.ts";

export class SimulatorState {
  readonly apps = new Map<string, SimulatedApp>();
  readonly tokens = new TokenRegistry();
  readonly components = new Map<string, SimulatedComponent>();
  /** component_access_tokens, apart from app tokens so that no business API takes one. */
  readonly componentTokens = new TokenRegistry();
  /** Where the simulator says what it did on its own (pushes to a pushUrl). */
  log: ((line: string) => void) | undefined;
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

  /**
   * The app, registered now if it is not yet: an authorizer the simulator learns of from an
   * authorization, whose secret nobody knows (its tokens come from its third-party platform).
   */
  ensureApp(appid: string): SimulatedApp {
    return this.apps.get(appid) ?? this.registerApp({ appid, secret: `unknown-${randomBase64Url(24)}` });
  }

  /**
   * Registers a new third-party platform or updates one (its tickets, tokens and authorizations are
   * kept), and its appid as an app with the component secret. Throws if a new one has no secret.
   */
  registerComponent(registration: ComponentRegistration): {
    component: SimulatedComponent;
    created: boolean;
  } {
    const existing = this.components.get(registration.appid);
    if (existing) {
      existing.update(registration);
      if (registration.secret !== undefined)
        this.registerApp({ appid: registration.appid, secret: registration.secret });
      return { component: existing, created: false };
    }
    if (registration.secret === undefined) {
      throw new Error(`component ${registration.appid} is not registered yet, so a secret is required`);
    }
    const app = this.registerApp({ appid: registration.appid, secret: registration.secret });
    const component = new SimulatedComponent(
      newComponentSettings({ ...registration, secret: registration.secret }),
      app,
    );
    this.components.set(registration.appid, component);
    return { component, created: true };
  }

  /** Forgets the app and its tokens (and the third-party platform, if the appid is one). */
  deleteApp(appid: string): boolean {
    this.tokens.forgetApp(appid);
    this.componentTokens.forgetApp(appid);
    this.components.delete(appid);
    return this.apps.delete(appid);
  }
}
