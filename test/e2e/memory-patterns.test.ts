/**
 * The orchestration patterns and the management scenarios end to end on the memory hub (the plain path: no fast
 * paths), with the session cache on and off.
 */
import { memoryTaskHub } from "../../src/index.js";
import { describeManagement } from "../support/e2e-management.js";
import { describePatterns } from "../support/e2e-patterns.js";

describePatterns("memory hub", async () => memoryTaskHub());
describePatterns("memory hub, no session cache", async () => memoryTaskHub(), { maxCachedOrchestrations: 0 });
describeManagement("memory hub", async () => memoryTaskHub());
