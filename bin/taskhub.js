#!/usr/bin/env node
// The `taskhub` command. An installed package runs the built CLI in dist/; a checkout of the repository (which has
// src/ and no build step in development) runs the TypeScript sources. Either way tsx is registered, for ES modules
// and for CommonJS, so that the user's own TypeScript app module loads without a build step, whether its package is
// `"type": "module"` or CommonJS (there its `import ... from "taskhub"` becomes a require of Taskhub's ES modules).
import { existsSync } from "node:fs";
import process from "node:process";
import { URL } from "node:url";
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
registerCommonJs();
const source = new URL("../src/cli/main.ts", import.meta.url);
const built = new URL("../dist/cli/main.js", import.meta.url);
const { main } = await import(existsSync(source) ? source.href : built.href);
process.exitCode = await main(process.argv.slice(2));
