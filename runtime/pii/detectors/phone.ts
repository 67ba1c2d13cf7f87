/**
 * Phone numbers.
 *
 * cn_mobile — mainland China mobile numbers: 11 digits 1[3-9]x… with an
 *   allocated 3-digit prefix (13x, 145–149, 15[0-35-9], 16[2567], 17[0-8],
 *   18x, 19[0-35-9]); optional +86 / 0086 / 86 / (+86) prefix; grouped
 *   3-4-4 with spaces or dashes, or ungrouped.
 * e164 — international `+CC …` numbers: `+`, 8–15 digits in total with
 *   spaces/dashes/dots/parentheses between groups, a country code that ITU
 *   has assigned, and per-country length sanity for +1 (NANP), +7, +44, +86;
 *   NANP 555-01xx numbers (reserved for fiction and examples) are skipped.
 *
 * Both reject candidates that are not standalone tokens (see util.ts: inside
 * longer digit runs, hex/hashes, version strings, URLs) and candidates whose
 * nearest preceding label is an identifier label (order no., tracking no.,
 * timestamp, request id…) rather than a phone label.
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { insideUrl, isAsciiAlnum, isDigitCode, makeNegativeContext, standaloneToken } from './util.ts';

const PHONE_LABEL = /(?:phone|tel|mobile|cell|call|dial|text|whatsapp|电话|手机|联系|致电|拨打|拨|打|热线|短信|sms|fax|传真)/;
export const phoneNegativeContext = makeNegativeContext(PHONE_LABEL);

/** Allocated mainland mobile prefixes (second+third digit after the leading 1). */
export function cnMobilePrefixOk(d2: number, d3: number): boolean {
  switch (d2) {
    case 3:
    case 8:
      return true;
    case 4:
      return d3 >= 5 && d3 <= 9;
    case 5:
      return d3 !== 4;
    case 6:
      return d3 === 2 || d3 === 5 || d3 === 6 || d3 === 7;
    case 7:
      return d3 <= 8;
    case 9:
      return d3 !== 4;
    default:
      return false;
  }
}

// prefix (optional) + 1[3-9]x + (8 digits | sep 4 sep 4) ; sep consistent via backreference.
const CN_MOBILE_RE = /(?<![0-9A-Za-z_])(?:(?:\+|00)86[ -]?|\(\+?86\) ?|\b86[ -]?)?1[3-9]\d(?:\d{8}|([ -])\d{4}\1\d{4})/g;

export const cnMobileDetector: PiiDetector = {
  type: 'phone',
  name: 'cn_mobile',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    CN_MOBILE_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = CN_MOBILE_RE.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      const v = m[0];
      // locate the leading "1" of the national number
      const natStart = end - (m[1] ? 13 : 11);
      const d2 = v.charCodeAt(natStart - start + 1) - 48;
      const d3 = v.charCodeAt(natStart - start + 2) - 48;
      if (!cnMobilePrefixOk(d2, d3)) {
        CN_MOBILE_RE.lastIndex = start + 1;
        continue;
      }
      let s = start;
      if (!standaloneToken(text, s, end)) {
        // The prefix may be what is glued to the left ("x+86 138…"): fall back to
        // the bare national number if that stands alone.
        if (natStart > start && standaloneToken(text, natStart, end) && !isAsciiAlnum(text.charCodeAt(natStart - 1))) {
          s = natStart;
        } else {
          continue;
        }
      }
      if (text.charCodeAt(s - 1) === 43 /* + */ && s === natStart) continue; // "+1381…" is E.164 territory
      if (phoneNegativeContext(text, s)) continue;
      out.push({ type: 'phone', start: s, end, detector: 'cn_mobile' });
    }
    return out;
  },
};

// ---------------------------------------------------------------- E.164

const CC1 = new Set([1, 7]);
const CC2 = new Set([
  20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62,
  63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
]);
const CC3 = new Set<number>();
for (const [a, b] of [
  [211, 213], [216, 216], [218, 218], [220, 258], [260, 269], [290, 291], [297, 299],
  [350, 359], [370, 383], [385, 387], [389, 389], [420, 421], [423, 423],
  [500, 509], [590, 599], [670, 670], [672, 692], [850, 850], [852, 853], [855, 856],
  [880, 880], [886, 886], [960, 968], [970, 977], [992, 996], [998, 998],
] as const) {
  for (let c = a; c <= b; c++) CC3.add(c);
}

/** Split a digit string into [countryCode, national] if it starts with an assigned ITU country code. */
export function splitCountryCode(d: string): [string, string] | null {
  const c1 = d.charCodeAt(0) - 48;
  if (CC1.has(c1)) return [d.slice(0, 1), d.slice(1)];
  const c2 = Number(d.slice(0, 2));
  if (CC2.has(c2)) return [d.slice(0, 2), d.slice(2)];
  const c3 = Number(d.slice(0, 3));
  if (CC3.has(c3)) return [d.slice(0, 3), d.slice(3)];
  return null;
}

function nationalOk(cc: string, nat: string): boolean {
  const n = nat.length;
  switch (cc) {
    case '1': // NANP: NXX-NXX-XXXX; 555-0100…0199 are reserved for fiction
      return n === 10 && nat[0] >= '2' && nat[3] >= '2' && !nat.startsWith('55501', 3);
    case '7':
      return n === 10;
    case '44':
      return n === 10 || n === 9;
    case '86':
      if (nat[0] === '1') return n === 11 && cnMobilePrefixOk(nat.charCodeAt(1) - 48, nat.charCodeAt(2) - 48);
      return n >= 9 && n <= 11 && nat[0] !== '0';
    default:
      return n >= 6 && n <= 13 && nat[0] !== '0';
  }
}

// "+" then digits with at most two separator characters between digits.
const E164_RE = /\+(?:\(?\d\)?(?:[ .-]|\) ?|\(| \()?){7,16}/g;

export const e164Detector: PiiDetector = {
  type: 'phone',
  name: 'e164',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    if (text.indexOf('+') < 0) return out;
    E164_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = E164_RE.exec(text)) !== null) {
      const start = m.index;
      let end = start + m[0].length;
      // trim trailing separators / unmatched parens
      while (end > start && !isDigitCode(text.charCodeAt(end - 1))) end--;
      const raw = text.slice(start, end);
      let digits = '';
      let open = 0;
      let bad = false;
      for (let i = 1; i < raw.length; i++) {
        const c = raw.charCodeAt(i);
        if (c >= 48 && c <= 57) digits += raw[i];
        else if (c === 40) open++;
        else if (c === 41) {
          if (--open < 0) bad = true;
        }
      }
      if (bad || open !== 0) continue;
      if (digits.length < 8 || digits.length > 15) continue;
      const b = text.charCodeAt(start - 1);
      if (isAsciiAlnum(b) || b === 95 || b === 43) continue; // "a+123…", "1+2…"
      const a = text.charCodeAt(end);
      if (isAsciiAlnum(a) || a === 95) continue;
      if ((a === 46 || a === 45) && isDigitCode(text.charCodeAt(end + 1))) continue;
      if (insideUrl(text, start)) continue;
      const split = splitCountryCode(digits);
      if (!split || !nationalOk(split[0], split[1])) continue;
      if (phoneNegativeContext(text, start)) continue;
      out.push({ type: 'phone', start, end, detector: 'e164' });
    }
    return out;
  },
};

export const phoneDetectors: readonly PiiDetector[] = [cnMobileDetector, e164Detector];
