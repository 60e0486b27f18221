/**
 * Worker versioning decisions: the options and their defaults (as Durable Functions: CurrentOrOlder, Reject, the
 * worker's version defaulting to its defaultVersion), and which instance versions each strategy lets a worker run.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { versionMismatch, workerVersioning, type WorkerVersioning } from "../../src/core/versioning.js";

const worker = (version: string, matchStrategy: "Strict" | "CurrentOrOlder"): WorkerVersioning => ({
  version,
  matchStrategy,
  failureStrategy: "Reject",
});

describe("workerVersioning (options)", () => {
  it("checks no version without one: no options, no defaultVersion, or strategy None", () => {
    assert.equal(workerVersioning(undefined, undefined), undefined);
    assert.equal(workerVersioning({}, undefined), undefined);
    assert.equal(workerVersioning({ matchStrategy: "Strict" }, ""), undefined);
    assert.equal(workerVersioning({ version: "2.0", matchStrategy: "None" }, undefined), undefined);
  });

  it("defaults to CurrentOrOlder and Reject, with defaultVersion as the worker's version", () => {
    assert.deepEqual(workerVersioning(undefined, "1.0"), {
      version: "1.0",
      matchStrategy: "CurrentOrOlder",
      failureStrategy: "Reject",
    });
    assert.deepEqual(workerVersioning({ failureStrategy: "Fail" }, "1.0"), {
      version: "1.0",
      matchStrategy: "CurrentOrOlder",
      failureStrategy: "Fail",
    });
  });

  it("versioning.version wins over defaultVersion", () => {
    assert.equal(workerVersioning({ version: "3.0", matchStrategy: "Strict" }, "1.0")?.version, "3.0");
  });

  it("refuses unknown strategies and options, and versions that are not strings, naming them", () => {
    assert.throws(
      () => workerVersioning({ matchStrategy: "strict" as never }, "1"),
      (e: Error) =>
        e.name === "InvalidArgumentError" &&
        /matchStrategy must be one of None, Strict, CurrentOrOlder/.test(e.message),
    );
    assert.throws(
      () => workerVersioning({ failureStrategy: "Abandon" as never }, "1"),
      /failureStrategy must be one of Reject, Fail \(got "Abandon"\)/,
    );
    assert.throws(
      () => workerVersioning({ verison: "1" } as never, undefined),
      /Unknown versioning option 'verison'/,
    );
    assert.throws(
      () => workerVersioning({ version: 2 as never }, undefined),
      /versioning.version must be a string/,
    );
    assert.throws(() => workerVersioning(undefined, 2 as never), /defaultVersion must be a string/);
    assert.throws(() => workerVersioning("1.0" as never, undefined), /versioning must be an object/);
  });
});

describe("versionMismatch (which instances a worker runs)", () => {
  it("Strict runs its version only (compared as versions: 1.0 is 1.0.0), never an unversioned instance", () => {
    const strict = worker("1.0", "Strict");
    assert.equal(versionMismatch("1.0", strict), undefined);
    assert.equal(versionMismatch("1.0.0", strict), undefined);
    assert.match(
      versionMismatch("1.1", strict)!,
      /version '1.1', not this worker's version '1.0' \(matchStrategy Strict\)/,
    );
    assert.match(versionMismatch("0.9", strict)!, /'0.9'.*'1.0'/);
    assert.match(
      versionMismatch(undefined, strict)!,
      /The instance has no version, not this worker's version '1.0'/,
    );
  });

  it("CurrentOrOlder runs its version, older ones and unversioned instances, not newer ones", () => {
    const current = worker("2.0", "CurrentOrOlder");
    for (const ok of ["2.0", "2", "1.9", "1.10", "0.1", undefined, ""])
      assert.equal(versionMismatch(ok, current), undefined, String(ok));
    assert.equal(
      versionMismatch("2.1", current),
      "The instance's version '2.1' is newer than this worker's version '2.0' (matchStrategy CurrentOrOlder).",
    );
    assert.match(versionMismatch("10.0", current)!, /'10.0' is newer/);
  });

  it("a worker that checks no version runs everything", () => {
    assert.equal(versionMismatch("99", undefined), undefined);
    assert.equal(versionMismatch(undefined, undefined), undefined);
  });
});
