// Builds the app into dist/ (the C++ build passes its own --outDir). Hashed files go to
// assets/ (served immutable); sw.js is generated with the list of files it precaches.
// docs/ is the API reference at /docs: public/docs/ plus Swagger UI's files from npm.
import { defineConfig, type Plugin } from 'vite';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

function serviceWorker(): Plugin {
  return {
    name: 'gooddeeds-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.map'));
      const shell = ['/', '/config.json', '/manifest.webmanifest', ...files.map((f) => `/${f}`)];
      const source = readFileSync(new URL('./src/sw.js', import.meta.url), 'utf8')
        .replace('self.__SHELL__', JSON.stringify(shell))
        .replace('self.__VERSION__', JSON.stringify(String(files.sort().join('|').length) + '-' + files.length + '-' + files.find((f) => f.endsWith('.js'))));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

// Copies what the /docs page loads from swagger-ui-dist (and its licence texts) into the
// output's docs/, after the bundle is written: they are not part of the app's bundle, so
// the service worker does not precache them.
function swaggerUi(): Plugin {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const files: Record<string, string> = {
    'swagger-ui-bundle.js': 'swagger-ui-bundle.js',
    'swagger-ui.css': 'swagger-ui.css',
    'swagger-ui-bundle.js.LICENSE.txt': 'swagger-ui-bundle.js.LICENSE.txt',
    LICENSE: 'swagger-ui-LICENSE.txt',
    NOTICE: 'swagger-ui-NOTICE.txt',
  };
  return {
    name: 'gooddeeds-swagger-ui',
    apply: 'build',
    writeBundle(options) {
      const out = path.join(options.dir ?? 'dist', 'docs');
      mkdirSync(out, { recursive: true });
      for (const [from, to] of Object.entries(files)) copyFileSync(path.join(dist, from), path.join(out, to));
    },
  };
}

export default defineConfig({
  plugins: [serviceWorker(), swaggerUi()],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 1200 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/media': 'http://127.0.0.1:8080', '/config.json': 'http://127.0.0.1:8080' } },
});
