// zh and en: the browser's language first, switchable, the choice remembered in localStorage.
import { ref } from 'vue';
import { messages, type Lang } from './messages.ts';

const STORE = 'gw.console.lang';

function initial(): Lang {
  const saved = localStorage.getItem(STORE);
  if (saved === 'zh' || saved === 'en') return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export const lang = ref<Lang>(initial());
document.documentElement.lang = lang.value === 'zh' ? 'zh-CN' : 'en';

export function setLang(l: Lang): void {
  lang.value = l;
  localStorage.setItem(STORE, l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

/** The message for `key` in the current language ({name} placeholders filled from vars); English, then the key itself. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const text = messages[lang.value][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

export function locale(): string {
  return lang.value === 'zh' ? 'zh-CN' : 'en-US';
}
