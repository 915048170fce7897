/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the Vite server proxies the API to the host (infra/run.sh or `dotnet run`), so the UI and
// the API share one origin as they do in production, where the host serves the built files itself.
const api = process.env.FOODORDERING_API ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { '/api': { target: api, changeOrigin: true } },
  },
  build: { outDir: 'dist', sourcemap: true },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    // A hang guard, not a speed bar: the tests render whole pages, which takes seconds on a busy 2-core machine.
    testTimeout: 30_000,
  },
});
