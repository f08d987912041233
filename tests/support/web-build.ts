// The browser tests need the built screens (packages/web/dist): build them when missing or stale, as
// `npm install` and `counterpay start` do, so a test run from a fresh clone never serves an old build.
// @ts-expect-error plain JavaScript build script without type declarations
import { ensureWebBuilt } from '../../packages/web/scripts/build.mjs';

export function ensureScreensBuilt(): void {
  (ensureWebBuilt as (options: { quiet: boolean }) => boolean)({ quiet: true });
}
