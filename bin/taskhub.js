#!/usr/bin/env node
// The `taskhub` command. There is no build step in development: tsx is registered so that the TypeScript CLI and
// the user's TypeScript app module load directly.
import process from "node:process";
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
