import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// npm test runs the end-to-end stack test on its own, after the rest: its alerts must arrive within
// bounds measured in real seconds, which other tests' load on the same cores would stretch. The rest
// run side by side, at least two at a time (the default, one less than the cores, is one on two).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
