/** Build of the Svelte renderer example (Svelte 5, compiled by its Vite plugin). */
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  plugins: [svelte({ configFile: false })],
  logLevel: "warn",
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
