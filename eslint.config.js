// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
);
