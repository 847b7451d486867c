/**
 * Build of the Vue renderer example. Its components are `defineComponent` render functions in
 * TypeScript (no single-file components), so plain `tsc` checks their props against
 * shared/ui-props.ts and no Vue compiler plugin is needed.
 */
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  logLevel: "warn",
  define: { __VUE_OPTIONS_API__: "false", __VUE_PROD_DEVTOOLS__: "false" },
  build: {
    outDir: "dist",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // Dependencies carry `@__PURE__` comments rollup cannot place; harmless, and noisy.
      onwarn(warning, warn) {
        if (warning.code !== "INVALID_ANNOTATION") warn(warning);
      },
    },
  },
});
