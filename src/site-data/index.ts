// The catalog site's public API: build and serve (the CLI's `mhub site`). The build needs Astro,
// a dev dependency: the site builds from a clone, not from the installed CLI.
export { API_PATH, type BuildSiteOptions, buildSite, defaultSiteOut, siteRoot } from './build-site.ts';
export { serveStatic } from './serve.ts';
