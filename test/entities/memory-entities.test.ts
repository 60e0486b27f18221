/**
 * The entity scenarios on the memory hub (the plain path: no fast paths, so empty entities are kept, not deleted).
 */
import { memoryTaskHub } from "../../src/index.js";
import { describeEntities } from "../support/e2e-entities.js";

describeEntities("memory hub", async () => memoryTaskHub());
describeEntities("memory hub, no session cache, batches of 3", async () => memoryTaskHub(), {
  maxCachedOrchestrations: 0,
  maxEntityOperationBatchSize: 3,
});
