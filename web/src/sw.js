// The service worker: keeps the app shell (index.html, the hashed assets, config and
// manifest) in a cache so that a reload offline still opens the app. Navigations go to the
// network first and fall back to the cached shell; hashed assets come from the cache. The
// API is never cached here: the app's data lives in WatermelonDB.
const SHELL = self.__SHELL__;
const CACHE = 'gooddeeds-shell-' + self.__VERSION__;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('gooddeeds-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/')) return;
  if (url.pathname === '/docs' || url.pathname.startsWith('/docs/')) return;  // the API reference: not the app
  if (req.mode === 'navigate') {
    event.respondWith(fetch(req).catch(() => caches.match('/', { cacheName: CACHE })));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit || fetch(req)));
    return;
  }
  event.respondWith(fetch(req).then((res) => {
    if (res.ok && SHELL.includes(url.pathname)) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  }).catch(() => caches.match(req, { cacheName: CACHE })));
});
