import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** packages/web's build script (plain JavaScript: it also runs from `npm install` before anything else). */
const BUILD_SCRIPT = fileURLToPath(new URL('../../web/scripts/build.mjs', import.meta.url));

/**
 * Builds the register and dashboard screens when the build is missing or older than their sources
 * (a clone started without `npm install`'s prepare step, or after editing them). A failed build is
 * reported, not fatal: the APIs work without the screens, and /pos then says how to build them.
 */
export async function ensureWebScreens(): Promise<void> {
  if (!existsSync(BUILD_SCRIPT)) return;
  try {
    const { ensureWebBuilt } = (await import(pathToFileURL(BUILD_SCRIPT).href)) as { ensureWebBuilt(options: { quiet: boolean }): boolean };
    const started = Date.now();
    if (ensureWebBuilt({ quiet: true })) console.log(`Built the web screens (register and dashboard) in ${Date.now() - started} ms.`);
  } catch (error) {
    console.error(`The web screens could not be built (the APIs still work; run \`npm run build:web\` to see why):\n${(error as Error).message}`);
  }
}
