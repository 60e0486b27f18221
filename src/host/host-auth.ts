/**
 * The authorization of a host's HTTP server as its configuration says: local-dev mode (no keys), else the keys file,
 * the system key, the instance codes of its status links and bearer tokens. Shared by `taskhub start` and
 * `taskhub dashboard`.
 * @module
 */
import { randomBytes } from "node:crypto";
import { Authorizer } from "../http/auth/authorizer.js";
import { InstanceCodes, keyStoreInstanceCodes } from "../http/auth/instance-codes.js";
import { JwtVerifier } from "../http/auth/jwt.js";
import { KeyStore } from "../http/auth/key-store.js";
import type { HostConfig } from "./config.js";

/** A host's authorizer and the instance codes it signs status links with. */
export interface HostAuth {
  readonly authorizer: Authorizer;
  /** Absent in local-dev mode (links carry no code). */
  readonly codes: InstanceCodes | undefined;
  /** Why the keys file could not hold the instance-code secret (the codes then last as long as the process). */
  readonly unstoredSecret: string | undefined;
}

/** Builds the authorization of `config`. */
export function createHostAuth(config: HostConfig): HostAuth {
  const jwt = config.jwt ? new JwtVerifier(config.jwt) : undefined;
  const keys = new KeyStore(config.keysFile);
  const systemKey = config.localDev ? undefined : config.systemKey;
  const signed = config.localDev ? undefined : instanceCodes(keys, config.hubName);
  const authorizer = new Authorizer({
    localDev: config.localDev,
    keys,
    systemKey,
    instanceCodes: signed?.codes,
    jwt,
  });
  return { authorizer, codes: signed?.codes, unstoredSecret: signed?.unstored };
}

/**
 * The instance codes of the host's status links, signed with the key store's secret; with a secret for this process
 * only when the keys file cannot be written (`unstored`: why, for the banner), so that links still carry a code
 * scoped to their instance.
 */
function instanceCodes(keys: KeyStore, hubName: string): { codes: InstanceCodes; unstored?: string } {
  try {
    return { codes: keyStoreInstanceCodes(keys, hubName) };
  } catch (error) {
    const secret = randomBytes(32);
    return { codes: new InstanceCodes(hubName, () => secret), unstored: (error as Error).message };
  }
}
