/**
 * Mainland China resident identity card numbers (GB 11643-1999).
 *
 * cn_id18 — 18 characters: 6-digit administrative division code whose first
 *   two digits are an existing province-level code (11–15, 21–23, 31–37,
 *   41–46, 50–54, 61–65, 71, 81–83; so the first digit is 1–8), an 8-digit
 *   birth date YYYYMMDD that is a real calendar date with 1900 ≤ year and not
 *   in the future, a 3-digit sequence, and an ISO 7064 MOD 11-2 check
 *   character (0–9 or X/x). May be written 6-8-4 with single spaces.
 * cn_id15 — legacy 15-digit form: division code (same province check),
 *   YYMMDD birth date (19YY) that is a real date, 3-digit sequence. No check
 *   digit, so it is also rejected after identifier labels (IMEI, order no.…).
 *
 * Both must be standalone tokens (see util.ts).
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { makeNegativeContext, standaloneToken } from './util.ts';

const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
  64, 65, 71, 81, 82, 83,
]);

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** ISO 7064 MOD 11-2 check character for the first 17 digits. */
export function idCardCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

export function provinceOk(code2: number): boolean {
  return PROVINCES.has(code2);
}

/** Real calendar date, 1900 ≤ y, not after `now`. */
export function validBirthDate(y: number, m: number, d: number, now: Date = new Date()): boolean {
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  if (d > dim) return false;
  const ny = now.getFullYear();
  if (y > ny) return false;
  if (y === ny) {
    const nm = now.getMonth() + 1;
    if (m > nm || (m === nm && d > now.getDate())) return false;
  }
  return true;
}

/** Full validation of an 18-character ID (no separators). */
export function validIdCard18(id: string, now?: Date): boolean {
  if (!/^[1-8]\d{16}[\dXx]$/.test(id)) return false;
  if (!provinceOk(Number(id.slice(0, 2)))) return false;
  if (!validBirthDate(Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14)), now)) return false;
  return idCardCheckChar(id).toUpperCase() === id[17].toUpperCase();
}

/** Validation of a legacy 15-digit ID. */
export function validIdCard15(id: string, now?: Date): boolean {
  if (!/^[1-8]\d{14}$/.test(id)) return false;
  if (!provinceOk(Number(id.slice(0, 2)))) return false;
  return validBirthDate(1900 + Number(id.slice(6, 8)), Number(id.slice(8, 10)), Number(id.slice(10, 12)), now);
}

// 18-digit form (optionally 6-8-4 with spaces) first, else the 15-digit legacy form.
const ID_RE = /(?<![0-9A-Za-z_])[1-8]\d{5}(?:( ?)(?:19|20)\d{2}[01]\d[0-3]\d\1\d{3}[\dXx]|\d{2}[01]\d[0-3]\d\d{3})/g;

const ID_LABEL = /(?:身份证|证件|居民身份|公民身份|id[ _-]?(?:card|no|number|#)|identity|national id|resident id)/;
const idNegativeContext = makeNegativeContext(ID_LABEL);

/**
 * One pass for both forms; findings carry detector 'cn_id18' or 'cn_id15'.
 */
export const cnIdDetector: PiiDetector = {
  type: 'id_card',
  name: 'cn_id',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    ID_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = ID_RE.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      if (m[0].length >= 18) {
        const id = m[1] ? m[0].replace(/ /g, '') : m[0];
        if (!validIdCard18(id) || !standaloneToken(text, start, end)) continue;
        out.push({ type: 'id_card', start, end, detector: 'cn_id18' });
      } else {
        if (!standaloneToken(text, start, end) || !validIdCard15(m[0]) || idNegativeContext(text, start)) continue;
        out.push({ type: 'id_card', start, end, detector: 'cn_id15' });
      }
    }
    return out;
  },
};

export const idCardDetectors: readonly PiiDetector[] = [cnIdDetector];
