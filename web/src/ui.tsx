// Small shared pieces: form fields with labels, an error line, task helpers.
import type { ComponentChildren } from 'preact';
import { t, type Key } from './i18n';

export const CATEGORIES = ['shopping', 'transport', 'garden', 'repairs', 'tech_help', 'pets', 'company', 'other'] as const;

export function Field(props: { label: string; children: ComponentChildren }) {
  return <label class="field"><span>{props.label}</span>{props.children}</label>;
}

export function ErrorLine(props: { error: string | null }) {
  return props.error ? <p class="error" role="alert">{props.error}</p> : null;
}

export function CategoryText(props: { c: string }) {
  return <>{t(`category.${props.c}` as Key)}</>;
}

export function StatusBadge(props: { s: string }) {
  return <span class={`badge status-${props.s}`}>{t(`status.${props.s}` as Key)}</span>;
}

export function idempotencyKey() {
  return crypto.randomUUID();
}

export function when(ms: number | string) {
  return new Date(ms).toLocaleString(document.documentElement.lang);
}
