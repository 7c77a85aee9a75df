import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Router } from 'express';

const assets = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>engmetrics API</title>
  <link rel="stylesheet" href="assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="assets/swagger-ui-bundle.js"></script>
  <script src="init.js"></script>
</body>
</html>`;

// Relative addresses: the API may be served under a sub-path (a reverse proxy's /engmetrics/).
const init = `window.ui = SwaggerUIBundle({ url: '../openapi.json', dom_id: '#swagger-ui', persistAuthorization: false });`;

/** A browsable page for /openapi.json, from swagger-ui's own files served locally. */
export function mountDocs(router: Router): void {
  // The page lives at /docs/ so that its relative addresses hold under any sub-path.
  router.get('/docs', (req, res) => {
    if (!req.path.endsWith('/')) return res.redirect(301, 'docs/');
    res.type('html').send(page);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(init);
  });
  for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js'])
    router.get(`/docs/assets/${file}`, (_req, res) => {
      res.sendFile(join(assets, file), { maxAge: '1d' });
    });
}
