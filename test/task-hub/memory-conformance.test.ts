/**
 * The core task hub conformance suite against the memory hub (no fast paths: it runs only the core suite).
 */
import { memoryTaskHub, MEMORY_MAX_MESSAGES_PER_WORK_ITEM } from "../../src/memory/memory-task-hub.js";
import { describeTaskHubConformance } from "../../src/testing/task-hub-conformance.js";

describeTaskHubConformance("memory", async () => memoryTaskHub(), {
  maxMessagesPerWorkItem: MEMORY_MAX_MESSAGES_PER_WORK_ITEM,
});
