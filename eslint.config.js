// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layers of `src/`, lowest first. A folder may import its own layer's folder and the layers below; never a layer
 * above, nor another folder of its own layer (so there are no import circles between folders). `src/index.ts`
 * (the public entry point) sits on top of all of them. See "Layers" in docs/glossary.md.
 */
const LAYERS = [
  ["core"],
  ["api"],
  ["orchestration"],
  ["task-hub"],
  ["tracing"],
  ["memory", "sql"],
  ["entities"],
  ["client"],
  ["worker"],
  ["http", "schedules", "sidecar"],
  ["app"],
  ["testing", "host", "compat"],
  ["cli"],
];

/**
 * Folders that never call a tracer: the records, the app-facing API, the pure executor and the hub contract. Spans
 * come from the I/O edges (src/tracing and the layers above it).
 */
const NO_TRACER = new Set(["core", "api", "orchestration", "task-hub"]);

/** Deepest sub-folder level (`src/<layer>/a/b/c.ts`) that gets its own exact pattern; deeper files share the last. */
const MAX_DEPTH = 4;

/** One block per layer folder and depth: `no-restricted-imports` patterns naming the folders it may not import. */
function layerBlocks() {
  const blocks = [];
  LAYERS.forEach((layer, tier) => {
    for (const folder of layer) {
      const forbidden = [...layer.filter((f) => f !== folder), ...LAYERS.slice(tier + 1).flat()];
      for (let depth = 1; depth <= MAX_DEPTH; depth++) {
        const up = "\\.\\./".repeat(depth);
        const patterns = forbidden.map((other) => ({
          regex: `^${up}${other}(?:/|$)`,
          message: `Layers run one way: src/${folder} may not import src/${other} (see "Layers" in docs/glossary.md).`,
        }));
        if (NO_TRACER.has(folder))
          patterns.push({
            regex: "^@opentelemetry/",
            message: `src/${folder} calls no tracer: spans come from src/tracing and the I/O edges above it.`,
          });
        patterns.push({
          regex: `^${up}index\\.js$`,
          message: `Layers run one way: src/${folder} may not import the public entry point src/index.ts.`,
        });
        const sub = "*/".repeat(depth - 1);
        blocks.push({
          files: [depth < MAX_DEPTH ? `src/${folder}/${sub}*.ts` : `src/${folder}/${sub}**/*.ts`],
          rules: { "no-restricted-imports": ["error", { patterns }] },
        });
      }
    }
  });
  return blocks;
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".taskhub/**", "coverage/**", ".scratch/**", "docs/api/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // One clock (src/task-hub/clock.ts): the engine reads time through a `Clock`, so tests can run it on virtual time.
    files: ["src/**/*.ts"],
    ignores: ["src/task-hub/clock.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Read time through the Clock (src/task-hub/clock.ts)." },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "Read time through the Clock (src/task-hub/clock.ts): new Date(clock.now()).",
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: "Read time through the Clock (src/task-hub/clock.ts).",
        },
      ],
    },
  },
  ...layerBlocks(),
  {
    // The dashboard's own modules: plain ES modules run by the browser (no build step).
    files: ["dashboard/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        [
          "window",
          "document",
          "location",
          "history",
          "sessionStorage",
          "fetch",
          "URLSearchParams",
          "HashChangeEvent",
          "ResizeObserver",
          "setInterval",
          "clearInterval",
          "console",
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
);
