// Debian's Chromium driven by playwright-core (never a downloaded browser), for the site tests
// and the bench. In CI a missing Chromium is a failure (scripts/ci/site.sh installs it).
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Request } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumAvailable = () => existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Whether the catalog made this request while it answered a query: thumbnails are images it
 * shows, and Chromium itself asks for the page's icon again each time the address changes (the
 * catalog writes the query into it with history.replaceState), so neither counts.
 */
export const isQueryRequest = (r: Request) =>
  r.resourceType() !== 'image' && new URL(r.url()).pathname !== '/favicon.svg';
