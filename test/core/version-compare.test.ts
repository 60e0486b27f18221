/**
 * compareVersions: Durable Functions' comparison rules (no version equals no version and is older than any; numeric
 * dotted versions compare as numbers; anything else as text, ignoring case), antisymmetric and transitive.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareVersions, isNoVersion } from "../../src/core/version-compare.js";

/** Asserts `a` < `b` and the mirror image. */
function older(a: string | undefined | null, b: string | undefined | null): void {
  assert.equal(compareVersions(a, b), -1, `${String(a)} < ${String(b)}`);
  assert.equal(compareVersions(b, a), 1, `${String(b)} > ${String(a)}`);
}

function same(a: string | undefined | null, b: string | undefined | null): void {
  assert.equal(compareVersions(a, b), 0, `${String(a)} = ${String(b)}`);
  assert.equal(compareVersions(b, a), 0, `${String(b)} = ${String(a)}`);
}

describe("compareVersions", () => {
  it("no version (undefined, null, empty, whitespace) equals no version", () => {
    for (const a of [undefined, null, "", " ", "\t"]) for (const b of [undefined, null, "", "  "]) same(a, b);
    assert.ok(isNoVersion(undefined) && isNoVersion(null) && isNoVersion(" \n") && !isNoVersion("0"));
  });

  it("no version is older than any version, even 0 and text", () => {
    for (const none of [undefined, null, ""])
      for (const v of ["0", "0.0", "1.0", "alpha", "v1"]) older(none, v);
  });

  it("numeric dotted versions compare component by component as numbers", () => {
    older("1.9", "1.10");
    older("1.2.3", "1.2.10");
    older("2", "10");
    older("1.0.0.9", "1.0.0.10");
    older("1.99.99", "2.0");
    older("0.9", "1");
  });

  it("a missing component counts as 0: 1 = 1.0 = 1.0.0, and 1.0 < 1.0.1", () => {
    same("1", "1.0");
    same("1.0", "1.0.0");
    same("2.0.0.0", "2");
    older("1.0", "1.0.1");
  });

  it("leading zeros and surrounding whitespace do not matter for numeric versions", () => {
    same("01.002", "1.2");
    same(" 1.2 ", "1.2");
    same("0.0", "0");
    older("1.09", "1.10");
  });

  it("components of any length compare exactly (no overflow)", () => {
    older("1.99999999999999999999", "1.100000000000000000000");
    same("12345678901234567890123", "12345678901234567890123.0");
    older("9007199254740993", "9007199254740994"); // both round to the same double
  });

  it("anything else compares as text, ignoring case", () => {
    same("Beta", "beta");
    same("V1.0-RELEASE", "v1.0-release");
    older("alpha", "beta");
    older("2025-01-01", "2025-06-01"); // dates compare as text: in order when written ISO-style
    older("v10", "v2"); // text, not numbers
  });

  it("a numeric version and a text version compare as text", () => {
    older("1.0", "v1.0");
    older("10", "9a");
    older("1.0", "1.0-beta");
  });

  it("text comparison is ordinal after upper-casing, as .NET's OrdinalIgnoreCase", () => {
    // '_' (0x5F) sorts after upper-case letters and before lower-case ones: upper-casing both puts it after 'A'.
    older("a", "_");
    older("A", "_");
    assert.equal(compareVersions("é", "É"), 0);
  });

  it("returns only -1, 0 or 1, antisymmetric over a mixed list, transitive among numeric and among text versions", () => {
    const numeric = [undefined, "", "0.1", "1", "1.0.1", "1.2", "1.10", "2", "10"];
    const text = [undefined, "", "alpha", "Beta", "v1", "v1.0-rc", "2025-01-01", "1a"];
    for (const a of [...numeric, ...text])
      for (const b of [...numeric, ...text]) {
        const order = compareVersions(a, b);
        assert.ok(order === -1 || order === 0 || order === 1);
        assert.equal(order, -compareVersions(b, a) || 0, `antisymmetric for ${String(a)}, ${String(b)}`);
      }
    for (const list of [numeric, text])
      for (const a of list)
        for (const b of list)
          for (const c of list)
            if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0)
              assert.ok(
                compareVersions(a, c) <= 0,
                `transitive: ${String(a)} <= ${String(b)} <= ${String(c)}`,
              );
  });

  it("mixing numeric and text versions is not transitive (as in Durable Functions): keep to one scheme", () => {
    older("2", "10"); // numbers
    older("10", "1a"); // text: '0' < 'A'
    older("1a", "2"); // text: '1' < '2'
  });
});
