/**
 * The browser UI build (Vite, React): a multi-page build, one folder per app under web/, each
 * emitted as dist/web/<app>/index.html with content-hashed bundles shared in dist/web/assets/
 * (served by the gateway with a long immutable cache, see src/gateway/web-apps.ts). Add an app by
 * adding its index.html to `input`. The voice page (web/voice.html, voice.js…) is served as is.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const web = (path: string) => fileURLToPath(new URL(`./web/${path}`, import.meta.url));

export default defineConfig({
  root: web(''),
  base: '/',
  plugins: [react()],
  // The build never reaches the network: no CDN, no telemetry.
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        chat: web('chat/index.html'),
        canvas: web('canvas/index.html'),
        console: web('console/index.html'),
      },
    },
  },
});
