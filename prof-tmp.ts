import { sqliteTaskHub } from "./src/sql/sqlite-task-hub.js";
const hubMod = await import("./bench-tmp-lib.ts");
await hubMod.run("mem", sqliteTaskHub(":memory:"), 3000, 5);
