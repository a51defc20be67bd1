/// <reference types="vitest" />
import { defineConfig } from "vite";

// The browser code only ever calls relative URLs (/api/...). In development the
// Vite dev server forwards them to a local backend, the same job nginx does in
// the container, so no host name is ever baked into the bundle.
const backendUrl = process.env.BACKEND_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  server: {
    proxy: {
      "/api": { target: backendUrl, changeOrigin: true },
      "/mcp": { target: backendUrl, changeOrigin: true },
      "/healthz": { target: backendUrl, changeOrigin: true },
      "/readyz": { target: backendUrl, changeOrigin: true },
    },
  },
  build: {
    outDir: "dist",
    // The container serves the files from / behind nginx; no source maps in
    // the image keeps it small and does not ship the sources.
    sourcemap: false,
    target: "es2020",
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
