/** 1234567 → "1,234,567" (toLocaleString costs microseconds on the routing hot path). */
export function thousands(n: number): string {
  const r = Math.round(n);
  if (r < 1000 && r > -1000) return String(r);
  const s = String(r);
  const neg = s.startsWith('-');
  const d = neg ? s.slice(1) : s;
  let out = '';
  for (let i = d.length; i > 0; i -= 3) out = d.slice(Math.max(0, i - 3), i) + (out ? `,${out}` : '');
  return neg ? `-${out}` : out;
}

/** 300000 → "300k", 1500000 → "1.5M". */
export function formatTokens(n: number): string {
  if (n >= 1e6) return `${oneDecimal(n / 1e6)}M`;
  if (n >= 1e3) return `${oneDecimal(n / 1e3)}k`;
  return String(n);
}

function oneDecimal(x: number): string {
  return String(Math.round(x * 10) / 10);
}
