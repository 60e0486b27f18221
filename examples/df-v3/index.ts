/**
 * The Durable Functions JavaScript v3 samples as one app module: `npx taskhub start examples/df-v3/index.ts` runs it
 * (a module that registers with `df.app` needs no export), and `npx tsx examples/df-v3/main.ts` runs each sample once.
 */
import "./function-chaining.js";
import "./fan-out-fan-in.js";
import "./human-interaction.js";
import "./counter-entity.js";
