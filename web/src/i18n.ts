// German and English catalogues: the language comes from the browser unless the person
// picked one (kept in localStorage); every text of the app is a key of both catalogues.
import { signal } from './signal';
import en from './i18n/en.json';
import de from './i18n/de.json';

export type Lang = 'de' | 'en';
const catalogues: Record<Lang, Record<string, string>> = { en, de };
export type Key = keyof typeof en;

function initial(): Lang {
  const saved = localStorage.getItem('gd.lang');
  if (saved === 'de' || saved === 'en') return saved;
  return (navigator.languages ?? [navigator.language]).some((l) => l.toLowerCase().startsWith('de')) ? 'de' : 'en';
}

export const lang = signal<Lang>(initial());

export function setLang(l: Lang) {
  localStorage.setItem('gd.lang', l);
  document.documentElement.lang = l;
  lang.set(l);
}
document.documentElement.lang = lang.get();

export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = catalogues[lang.get()][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, p: string) => String(params[p] ?? `{${p}}`));
}
