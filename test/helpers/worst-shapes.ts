/** Inputs the pre-tokenizer does not split (and other worst cases of per-request work), about `n` code units each. */
export function worstShapes(n: number): Record<string, string> {
  let seed = 1;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const fill = (next: () => string): string => {
    const out: string[] = [];
    let len = 0;
    while (len < n) {
      const s = next();
      out.push(s);
      len += s.length;
    }
    return out.join('');
  };
  const punct = '!"#$%&()*+,-.:;<=>?@[]^_`{|}~';
  return {
    'a run': 'a'.repeat(n),
    'unpunctuated Chinese': fill(() => String.fromCharCode(0x4e00 + Math.floor(rnd() * 20000))),
    'mixed punctuation': fill(() => punct[Math.floor(rnd() * punct.length)]),
    'repeated emoji': fill(() => '😀👍🏽🇺🇳'),
    'line of digits': fill(() => String(Math.floor(rnd() * 10))),
    'a@a@…': 'a@'.repeat(n >> 1),
    'dense emails, phones': fill(() => `u${Math.floor(rnd() * 1e6)}@mail${Math.floor(rnd() * 100)}.com 13${String(Math.floor(rnd() * 1e9)).padStart(9, '0')} `),
  };
}
