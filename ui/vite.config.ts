/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `--mode browser-test` builds a page with Tauri's IPC mocked, for the
// Chromium test; the app build never contains it.
export default defineConfig(({ mode }) => ({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: mode === "browser-test" ? "dist-test" : "dist",
    target: "es2021",
    rollupOptions: {
      input:
        mode === "browser-test"
          ? { harness: new URL("./browser-harness.html", import.meta.url).pathname }
          : { main: new URL("./index.html", import.meta.url).pathname },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
}));
