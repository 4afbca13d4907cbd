// The server's settings for the app (/config.json): the map tile URL of --map-tiles-url.
export interface AppConfig { mapTilesUrl: string }
let cached: Promise<AppConfig> | null = null;
export function config(): Promise<AppConfig> {
  return (cached ??= fetch('/config.json').then((r) => r.json()).catch(() => ({ mapTilesUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png' })));
}
