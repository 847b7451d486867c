/**
 * Build of the admin UI (`ui/dist`), served by the server at `/admin` (see
 * src/http/routes/admin-ui.ts). Relative asset URLs (`base: "./"`), so the same files work under
 * any mount path; hash routing keeps every page at `/admin/`.
 */
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  plugins: [react(), tailwindcss()],
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
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
