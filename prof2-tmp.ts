import { sqliteTaskHub } from "./src/sql/sqlite-task-hub.js";
import { SqliteDriver } from "./src/sql/sql-driver.js";
const stats = new Map<string, [number, number]>();
for (const m of ["change", "all"] as const) {
  const orig = (SqliteDriver.prototype as any)[m];
  (SqliteDriver.prototype as any)[m] = function (sql: string, p: unknown) {
    const s = performance.now(); try { return orig.call(this, sql, p); } finally { const e = stats.get(sql) ?? [0, 0]; e[0] += performance.now() - s; e[1]++; stats.set(sql, e); }
  };
}
const hubMod = await import("./bench-tmp-lib.ts");
await hubMod.run(process.argv[2] ?? "mem", sqliteTaskHub(process.argv[2] === "file" ? "/tmp/benchhub2/h.db" : ":memory:", { synchronous: "normal" }), 2000, 5);
const tot = [...stats.values()].reduce((a, b) => a + b[0], 0);
for (const [sql, [t, n]] of [...stats].sort((a, b) => b[1][0] - a[1][0]).slice(0, 16)) console.log(`${(t / tot * 100).toFixed(1)}% ${t.toFixed(0)}ms n=${n} ${(t / n * 1000).toFixed(1)}us  ${sql.replace(/\s+/g, " ").slice(0, 110)}`);
