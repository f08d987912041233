import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Two screens, one build: the cash register (pos.html) and the merchant dashboard (dashboard.html).
 * The gateway serves dist/ itself: the pages at /pos and /dashboard, hashed files under /assets/.
 * Absolute asset URLs (base '/') so a client-side sub-route such as /pos/history loads the same files.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Everything as files: the Content-Security-Policy allows no inline script and data: only for images.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { pos: here('pos.html'), dashboard: here('dashboard.html') },
    },
  },
});
