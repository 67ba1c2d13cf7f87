/**
 * Passport numbers.
 *
 * cn_passport — People's Republic of China passports, reported without any
 *   context: ordinary e-passports E + 8 digits or E + letter (not I/O) +
 *   7 digits (EA…, EB…), older G + 8 digits, diplomatic/service/public
 *   affairs DE/SE/PE + 7 digits. Standalone token (util.ts), and not after an
 *   identifier-like label (order, sku, serial, error code, model/型号…).
 * passport_ctx — any other passport number (1–2 uppercase letters + 6–9
 *   digits, or 9 digits as in US passports) only when a passport context
 *   word (passport, 护照, 护照号, 护照号码, pasaporte, reisepass, passeport)
 *   appears at most 40 code units before it on the same line, and it is the
 *   first such token after that word.
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { cueHits } from './cues.ts';
import { makeNegativeContext, standaloneToken } from './util.ts';

const CN_PASSPORT_RE = /(?<![0-9A-Za-z_])(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[DSP]E\d{7})/g;
const PASSPORT_LABEL = /(?:passport|护照|通行证|travel document)/;
const EXTRA_NEG = /(?:error|err|错误码?|code|model|型号|part|零件|batch|批次|lot)/;
const passportNegativeContext = makeNegativeContext(PASSPORT_LABEL, 24, EXTRA_NEG);

export const cnPassportDetector: PiiDetector = {
  type: 'passport',
  name: 'cn_passport',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    CN_PASSPORT_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = CN_PASSPORT_RE.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      if (!standaloneToken(text, start, end)) continue;
      if (passportNegativeContext(text, start)) continue;
      out.push({ type: 'passport', start, end, detector: 'cn_passport' });
    }
    return out;
  },
};

const PASSPORT_VALUE_RE = /(?<![A-Za-z0-9_])(?:[A-Z]{1,2}\d{6,9}|\d{9})(?![A-Za-z0-9_])/g;

export const contextPassportDetector: PiiDetector = {
  type: 'passport',
  name: 'passport_ctx',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    let lastEnd = -1;
    for (const [, from] of cueHits(text).passport) {
      let to = Math.min(text.length, from + 40);
      const nl = text.slice(from, to).indexOf('\n');
      if (nl >= 0) to = from + nl;
      PASSPORT_VALUE_RE.lastIndex = 0;
      const v = PASSPORT_VALUE_RE.exec(text.slice(from, to));
      if (!v) continue;
      const start = from + v.index;
      const end = start + v[0].length;
      if (start < lastEnd) continue;
      if (!standaloneToken(text, start, end)) continue;
      out.push({ type: 'passport', start, end, detector: 'passport_ctx' });
      lastEnd = end;
    }
    return out;
  },
};

export const passportDetectors: readonly PiiDetector[] = [cnPassportDetector, contextPassportDetector];
