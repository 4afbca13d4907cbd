// A Leaflet map with the configured tiles: task markers (circle markers: no image files)
// and, for picking a location, a click handler.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useEffect, useRef } from 'preact/hooks';
import { config } from './config';

export interface Pin { id: string; lat: number; lng: number; label: string; href?: string }

export function MapView(props: { center: [number, number]; pins: Pin[]; onPick?: (lat: number, lng: number) => void; label: string; picked?: [number, number] | null }) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, { center: props.center, zoom: 14 });
    map.current = m;
    layer.current = L.layerGroup().addTo(m);
    config().then((c) => L.tileLayer(c.mapTilesUrl, { maxZoom: 19, attribution: '© OpenStreetMap contributors' }).addTo(m));
    return () => { m.remove(); map.current = null; };
  }, []);
  useEffect(() => {
    const m = map.current;
    if (!m || !props.onPick) return;
    const h = (e: L.LeafletMouseEvent) => props.onPick!(e.latlng.lat, e.latlng.lng);
    m.on('click', h);
    return () => { m.off('click', h); };
  }, [props.onPick]);
  useEffect(() => { map.current?.setView(props.center); }, [props.center[0], props.center[1]]);
  useEffect(() => {
    const g = layer.current;
    if (!g) return;
    g.clearLayers();
    for (const p of props.pins) {
      const marker = L.circleMarker([p.lat, p.lng], { radius: 10, color: '#1b6b3a', fillOpacity: 0.7 }).addTo(g);
      const link = document.createElement('a');
      link.textContent = p.label;
      if (p.href) link.href = p.href;
      marker.bindPopup(link);
    }
    if (props.picked) L.circleMarker(props.picked, { radius: 8, color: '#b3261e' }).addTo(g);
  }, [props.pins, props.picked]);
  return <div ref={el} class="map" role="region" aria-label={props.label} />;
}
