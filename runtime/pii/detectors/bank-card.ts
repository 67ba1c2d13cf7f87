/**
 * Payment card numbers (PANs).
 *
 * luhn_card — 13–19 digits, ungrouped or grouped with a single consistent
 *   separator (space or dash) as 4-4-4-4[-1..4], 4-4-4-1..3, 4-6-5 (Amex) or
 *   4-6-4 (Diners), Luhn-valid, and inside a known IIN range with a length
 *   that network issues:
 *     Visa 4 (13/16/19) · Mastercard 51–55, 2221–2720 (16) · Amex 34, 37 (15)
 *     UnionPay 62, 81 (16–19) · JCB 3528–3589 (16–19)
 *     Discover 6011, 644–649, 65 (16–19) · Diners 300–305, 36, 38, 39 (14–19)
 *     Maestro 50, 56–58, 6304, 6759, 6761–6763 (12–19) · Mir 2200–2204 (16–19)
 *
 * Hard negatives (documented rule, "code contexts"): a Luhn-valid, in-range
 * number is still NOT reported when
 *   1. it is not a standalone token (util.ts standaloneToken): glued to
 *      letters/digits/underscore — hex strings, `0x…`, hashes, longer digit
 *      runs — or joined by `-`/`.` to an alphanumeric (UUIDs, versions,
 *      decimals), or inside a URL;
 *   2. the nearest label keyword in the 24 code units before it (same line)
 *      is an identifier label rather than a card label: order/订单/单号,
 *      tracking/运单, txn/transaction/交易号/流水号, invoice/发票, ref,
 *      serial/序列号/编号, IMEI, uuid/hash/nonce, request/trace/session/user
 *      id, id, timestamp/时间戳, sku, version… (a card label such as
 *      card/卡号/银行卡/visa after it wins: "order card no: 4…" is a card);
 *   3. it is one of the well-known public test PANs published by payment
 *      processors (4111 1111 1111 1111, 4242 4242 4242 4242, …) — these
 *      appear in integration code and docs and identify nobody.
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { digitsOnly, luhnValid, makeNegativeContext, standaloneToken } from './util.ts';

/** Public test PANs (Stripe, Braintree, Adyen, PayPal docs). */
export const TEST_PANS: ReadonlySet<string> = new Set([
  '4111111111111111', '4242424242424242', '4000056655665556', '4012888888881881', '4222222222222',
  '4000000000000002', '4000000000000077', '4000000000009995', '4000002500003155', '4000000000000069',
  '5555555555554444', '5200828282828210', '5105105105105100', '2223003122003222', '5454545454545454',
  '378282246310005', '371449635398431', '378734493671000', '6011111111111117', '6011000990139424',
  '30569309025904', '38520000023237', '36227206271667', '3530111333300000', '3566002020360505',
  '6200000000000005', '6250941006528599', '6205500000000000004',
]);

/** Network whose IIN range and length rules accept the digits, or null. */
export function cardNetwork(d: string): string | null {
  const n = d.length;
  const p1 = d.charCodeAt(0) - 48;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (p1 === 4) return n === 13 || n === 16 || n === 19 ? 'visa' : null;
  if (p2 >= 51 && p2 <= 55) return n === 16 ? 'mastercard' : null;
  if (p4 >= 2221 && p4 <= 2720) return n === 16 ? 'mastercard' : null;
  if (p4 >= 2200 && p4 <= 2204) return n >= 16 && n <= 19 ? 'mir' : null;
  if (p2 === 34 || p2 === 37) return n === 15 ? 'amex' : null;
  if (p2 === 62 || p2 === 81) return n >= 16 && n <= 19 ? 'unionpay' : null;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19 ? 'jcb' : null;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return n >= 16 && n <= 19 ? 'discover' : null;
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19 ? 'diners' : null;
  if (p2 === 50 || (p2 >= 56 && p2 <= 58) || p4 === 6304 || p4 === 6759 || (p4 >= 6761 && p4 <= 6763)) {
    return n >= 12 && n <= 19 ? 'maestro' : null;
  }
  return null;
}

/** Luhn-valid, in a known IIN range, 13–19 digits. */
export function validCardNumber(d: string): boolean {
  return d.length >= 13 && d.length <= 19 && cardNetwork(d) !== null && luhnValid(d);
}

// ungrouped 13-19 digits, or 4 + groups with a consistent separator.
const CARD_RE = /(?<![0-9A-Za-z_])(?:[2-8]\d{12,18}|[2-8]\d{3}([ -])(?:\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,4})?|\d{6}\1\d{4,5}))/g;

const CARD_LABEL = /(?:card|卡号|银行卡|信用卡|借记卡|储蓄卡|卡|visa|mastercard|amex|unionpay|银联|pan|cc[ _-]?(?:num|no)|账号|帐号|account|acct|iban)/;
const cardNegativeContext = makeNegativeContext(CARD_LABEL);

export const luhnCardDetector: PiiDetector = {
  type: 'bank_card',
  name: 'luhn_card',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    CARD_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = CARD_RE.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      const d = m[1] ? digitsOnly(m[0]) : m[0];
      if (d.length < 13 || d.length > 19) continue;
      if (!validCardNumber(d)) continue;
      if (TEST_PANS.has(d)) continue;
      if (!standaloneToken(text, start, end)) continue;
      if (cardNegativeContext(text, start)) continue;
      out.push({ type: 'bank_card', start, end, detector: 'luhn_card' });
    }
    return out;
  },
};

export const bankCardDetectors: readonly PiiDetector[] = [luhnCardDetector];
