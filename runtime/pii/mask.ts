/**
 * Masking helpers: render a finding without printing the value in the clear.
 *
 *   phone      138****5678 (mainland: first 3 + last 4 of the 11 digits),
 *              +44****0958 (E.164: country code + last 4; last 2 when short)
 *   email      a***@example.com (first character of the local part)
 *   bank_card  ****1234 (last 4, as on receipts)
 *   alipay     phone or e-mail style, by value
 *   id_card [ID_CARD] · passport [PASSPORT] · wechat [WECHAT] · name [NAME] · address [ADDRESS]
 */
import { splitCountryCode } from './detectors/phone.ts';
import type { PiiFinding, PiiType } from './types.ts';

export const REDACTION_TOKENS: Readonly<Record<PiiType, string>> = Object.freeze({
  phone: '[PHONE]',
  id_card: '[ID_CARD]',
  bank_card: '[BANK_CARD]',
  email: '[EMAIL]',
  passport: '[PASSPORT]',
  wechat: '[WECHAT]',
  alipay: '[ALIPAY]',
  name: '[NAME]',
  address: '[ADDRESS]',
});

function digitsOf(s: string): string {
  return s.replace(/[^0-9]/g, '');
}

function maskPhone(value: string, detector: string): string {
  const d = digitsOf(value);
  if (detector !== 'e164' || (!value.startsWith('+') && !value.startsWith('00'))) {
    if (d.length >= 11) {
      const nat = d.slice(d.length - 11);
      return `${nat.slice(0, 3)}****${nat.slice(7)}`;
    }
  }
  const split = splitCountryCode(d);
  if (split) {
    const [cc, nat] = split;
    if (cc === '86' && nat.length === 11 && nat[0] === '1') return `+86 ${nat.slice(0, 3)}****${nat.slice(7)}`;
    const keep = nat.length >= 8 ? 4 : 2;
    return `+${cc}****${nat.slice(nat.length - keep)}`;
  }
  return REDACTION_TOKENS.phone;
}

function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return REDACTION_TOKENS.email;
  return `${value[0]}***@${value.slice(at + 1)}`;
}

function maskCard(value: string): string {
  const d = digitsOf(value);
  return d.length >= 12 ? `****${d.slice(-4)}` : REDACTION_TOKENS.bank_card;
}

/** Masked rendering of one finding's value. Never returns the value itself. */
export function maskValue(text: string, finding: PiiFinding): string {
  const value = text.slice(finding.start, finding.end);
  let out: string;
  switch (finding.type) {
    case 'phone':
      out = maskPhone(value, finding.detector);
      break;
    case 'email':
      out = maskEmail(value);
      break;
    case 'bank_card':
      out = maskCard(value);
      break;
    case 'alipay':
      out = value.includes('@') ? maskEmail(value) : maskPhone(value, 'cn_mobile');
      break;
    default:
      out = REDACTION_TOKENS[finding.type];
  }
  // paranoia: a mask must never contain the clear value
  return value.length > 0 && out.includes(value) ? REDACTION_TOKENS[finding.type] : out;
}

/** Replace every finding's span with its mask. Findings must not overlap (detectPii guarantees it). */
export function maskText(text: string, findings: readonly PiiFinding[]): string {
  if (findings.length === 0) return text;
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const f of sorted) {
    if (f.start < pos) continue; // overlapping input: keep the first
    out += text.slice(pos, f.start) + maskValue(text, f);
    pos = f.end;
  }
  return out + text.slice(pos);
}

/** Masked values for display/logging, e.g. ["phone 138****5678", "email a***@x.com"]. */
export function describeFindings(text: string, findings: readonly PiiFinding[]): string[] {
  return findings.map((f) => `${f.type} ${maskValue(text, f)}`);
}
