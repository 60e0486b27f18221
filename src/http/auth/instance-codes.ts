/**
 * Instance codes: the credential in the status links a host hands out (`createCheckStatusResponse`,
 * `createHttpManagementPayload`, the management API's start and restart), scoped to one instance's routes.
 *
 * A code is `inst.` + base64url(HMAC-SHA256(secret, hub name + "\n" + instance ID)), the secret being 32 random
 * bytes kept in the key store (`keys.json`, see {@link KeyStore.instanceCodeSecret}). It opens the management routes
 * of that instance only (status, raise event, terminate, suspend, resume, rewind, restart, purge of that instance),
 * never hub-wide routes (list, purge by filter, start, entities) nor functions. Nothing is stored per instance: a code
 * is checked by computing it again and comparing in constant time. Rotating the secret
 * (`taskhub keys rotate-instance-codes`) voids every code handed out before.
 *
 * Durable Functions puts the system key in these links instead, which opens the whole management API to anyone who
 * got one status link from an anonymous function.
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { KeyStore } from "./key-store.js";

/** What every instance code starts with (no key made by `generateKey` contains a `.`). */
export const INSTANCE_CODE_PREFIX = "inst.";

/** True when `presented` has the form of an instance code (whether or not it is valid). */
export function looksLikeInstanceCode(presented: string): boolean {
  return presented.startsWith(INSTANCE_CODE_PREFIX);
}

/** Issues and checks the instance codes of one task hub. */
export class InstanceCodes {
  /**
   * @param hubName The task hub's name: a code is valid on its hub only (hubs may share a keys file).
   * @param secret The current secret, read on every use (so that a rotation takes effect at once).
   */
  constructor(
    readonly hubName: string,
    private readonly secret: () => Buffer,
  ) {}

  /** The code of `instanceId`. */
  codeFor(instanceId: string): string {
    return INSTANCE_CODE_PREFIX + this.#mac(instanceId).toString("base64url");
  }

  /** True when `presented` is the code of `instanceId`. Constant time in the code's content. */
  verify(presented: string, instanceId: string): boolean {
    const expected = Buffer.from(this.codeFor(instanceId), "utf8");
    const given = Buffer.from(presented, "utf8");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(instanceId: string): Buffer {
    return createHmac("sha256", this.secret()).update(`${this.hubName}\n${instanceId}`, "utf8").digest();
  }
}

/**
 * Instance codes signed with the key store's secret, created in the keys file when it has none. Should the file
 * become unreadable later, the secret read last stays in use.
 * @throws when the keys file cannot be read or written now (the caller decides what to do without it).
 */
export function keyStoreInstanceCodes(keys: KeyStore, hubName: string): InstanceCodes {
  let last = keys.instanceCodeSecret();
  return new InstanceCodes(hubName, () => {
    try {
      last = keys.instanceCodeSecret();
    } catch {
      // keep the last secret
    }
    return last;
  });
}
