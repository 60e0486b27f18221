/**
 * The session cache is sized by weight (history events plus a fixed share per session), not by a count: 5,000 small
 * sessions stay (the old count bound of 2,000 evicted live instances), and a few long histories push out the least
 * recently used.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrchestrationSession } from "../../src/orchestration/orchestration-session.js";
import { SESSION_WEIGHT, SessionCache } from "../../src/worker/session-cache.js";

const session = (historyLength: number) => ({ historyLength }) as OrchestrationSession;

describe("session cache", () => {
  it("keeps every small session within the weight, with no count bound by default", () => {
    const cache = new SessionCache({ maxSessions: Number.POSITIVE_INFINITY, maxHistoryEvents: 500_000 });
    for (let i = 0; i < 5000; i++) cache.put(`i${i}`, session(15));
    assert.equal(cache.size, 5000);
    assert.equal(cache.weight, 5000 * (15 + SESSION_WEIGHT));
    assert.ok(cache.take("i0"), "the oldest is still there");
  });

  it("evicts the least recently used by weight, and never keeps one heavier than the whole cache", () => {
    const cache = new SessionCache({ maxSessions: Number.POSITIVE_INFINITY, maxHistoryEvents: 1000 });
    for (let i = 0; i < 10; i++) cache.put(`s${i}`, session(40)); // 10 × 50
    assert.equal(cache.weight, 500);
    cache.take("s0");
    cache.put("s0", session(40)); // s0 is now the most recent
    cache.put("big", session(590)); // 600: s1..s2 must go (500 + 600 - 1000 = 100 → two of 50)
    assert.equal(cache.take("s1"), undefined);
    assert.equal(cache.take("s2"), undefined);
    assert.ok(cache.take("s3"));
    assert.ok(cache.take("s0"));
    cache.put("huge", session(2000));
    assert.equal(cache.take("huge"), undefined, "heavier than the cache: not kept");
  });

  it("honours a count bound when one is set, and 0 disables the cache", () => {
    const bounded = new SessionCache({ maxSessions: 3, maxHistoryEvents: 1_000_000 });
    for (let i = 0; i < 5; i++) bounded.put(`b${i}`, session(1));
    assert.equal(bounded.size, 3);
    assert.equal(bounded.take("b1"), undefined);
    const off = new SessionCache({ maxSessions: 0, maxHistoryEvents: 1_000_000 });
    off.put("x", session(1));
    assert.equal(off.size, 0);
  });
});
