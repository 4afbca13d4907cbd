// Builds the app into dist/ (the C++ build passes its own --outDir). Hashed files go to
// assets/ (served immutable); sw.js is generated with the list of files it precaches.
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';

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

export default defineConfig({
  plugins: [serviceWorker()],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 1200 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/media': 'http://127.0.0.1:8080', '/config.json': 'http://127.0.0.1:8080' } },
});
