// `npm start`'s last step: serve site/dist on 127.0.0.1 (PORT, default 4321) until Ctrl-C.
import { defaultSiteOut } from '../src/site-data/build-site.ts';
import { serveStatic } from '../src/site-data/serve.ts';

const server = await serveStatic(process.argv[2] ?? defaultSiteOut, {
  port: Number(process.env.PORT ?? 4321),
});
console.log(`catalog: ${server.url}/  (Ctrl-C to stop)`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
