/**
 * The HTTP API on the in-memory reference hub: the management-API, async-HTTP-pattern and entity-route
 * suites of `test/http/`, with every test host on a fresh `memoryTaskHub()` (the plain contract alone: no local
 * dispatch, so every start and step goes through claims).
 */
import { memoryTaskHub } from "../../src/index.js";
import { useTestHubBackend } from "./http-test-host.js";

useTestHubBackend({ flags: () => ({}), taskHub: () => memoryTaskHub() });

await import("./management-api.test.js");
await import("./async-http-pattern.test.js");
await import("./entities-http.test.js");
