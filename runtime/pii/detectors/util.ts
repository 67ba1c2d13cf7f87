/**
 * Shared helpers for the PII rule detectors: character classes, token
 * boundary checks, URL detection and "what label precedes this value" context.
 *
 * Boundary rule for digit-based values (phone, id_card, bank_card, passport):
 * a candidate is only reported when it stands as its own token, i.e.
 *   - the code unit before/after it is not an ASCII letter, digit or `_`
 *     (rejects hex strings, `0x…`, hashes, longer digit runs, identifiers);
 *   - it is not glued to another alphanumeric token through a joiner:
 *     `-` or `.` with an alphanumeric on the other side (UUID segments,
 *     version strings, decimals, `file.123`), `:` with a digit on the other
 *     side (timestamps), `/` or `\\` with a letter on the other side (URL and
 *     file paths), `+ # $ %` with an alphanumeric before them;
 *   - it is not inside a URL token (`scheme://…`, `www.…`).
 */

export function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** ASCII alnum or underscore. NaN (out of range) is false. */
export function isWordCode(c: number): boolean {
  return isAsciiAlnum(c) || c === 95;
}

/** True when text[start, end) is a standalone token per the boundary rule above. */
export function standaloneToken(text: string, start: number, end: number): boolean {
  const b = text.charCodeAt(start - 1);
  if (isWordCode(b)) return false;
  if (b === 45 /* - */ || b === 46 /* . */) {
    if (isAsciiAlnum(text.charCodeAt(start - 2))) return false;
  } else if (b === 58 /* : */) {
    if (isDigitCode(text.charCodeAt(start - 2))) return false;
  } else if (b === 47 /* / */ || b === 92 /* \ */) {
    if (isAsciiLetter(text.charCodeAt(start - 2))) return false;
  } else if (b === 43 /* + */ || b === 35 /* # */ || b === 36 /* $ */ || b === 37 /* % */) {
    if (isAsciiAlnum(text.charCodeAt(start - 2))) return false;
  }
  const a = text.charCodeAt(end);
  if (isWordCode(a)) return false;
  if (a === 45 || a === 46) {
    if (isAsciiAlnum(text.charCodeAt(end + 1))) return false;
  } else if (a === 58) {
    if (isDigitCode(text.charCodeAt(end + 1))) return false;
  } else if (a === 47 || a === 92) {
    if (isAsciiLetter(text.charCodeAt(end + 1))) return false;
  }
  if (insideUrl(text, start)) return false;
  return true;
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 0x3000;
}

/**
 * True when position `pos` lies inside a URL-ish token: walking back from
 * `pos` to the previous whitespace / quote / bracket / CJK character, the
 * token contains `://` or starts with `www.`.
 */
export function insideUrl(text: string, pos: number): boolean {
  let i = pos - 1;
  const stop = Math.max(0, pos - 300);
  let sawSlashSlash = false;
  for (; i >= stop; i--) {
    const c = text.charCodeAt(i);
    if (isSpaceCode(c) || c === 34 || c === 39 || c === 60 || c === 40 || c === 91 || c === 96 || c > 0x2e7f) break;
    if (c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58) {
      sawSlashSlash = true;
      break;
    }
  }
  if (sawSlashSlash) return true;
  const tokStart = i + 1;
  return text.startsWith('www.', tokStart) || text.startsWith('WWW.', tokStart);
}

/** Up to `max` code units before `pos`, cut at the previous line break. */
export function lineBefore(text: string, pos: number, max: number): string {
  const from = Math.max(0, pos - max);
  let s = text.slice(from, pos);
  const nl = s.lastIndexOf('\n');
  if (nl >= 0) s = s.slice(nl + 1);
  return s;
}

/** Up to `max` code units after `pos`, cut at the next line break. */
export function lineAfter(text: string, pos: number, max: number): string {
  let s = text.slice(pos, pos + max);
  const nl = s.indexOf('\n');
  if (nl >= 0) s = s.slice(0, nl);
  return s;
}

/**
 * Identifier-like labels that make a following number NOT personal data:
 * order / tracking / transaction / invoice numbers, request/trace ids,
 * serials, IMEIs, timestamps. Case-insensitive; matched against the short
 * window before a candidate.
 */
const NEG_LABEL =
  /(?:order(?:[ _-]?(?:id|no|num|number|sn))?|orderid|orderno|订单(?:号|编号)?|单号|运单|流水号?|交易(?:号|单号|编号)|tracking|txn|transaction|trade[_ -]?no|invoice|发票|ticket|工单|ref(?:erence)?|serial|序列号|编号|sn|imei|meid|uuid|guid|hash|sha\d*|md5|nonce|request[_ -]?id|req[_ -]?id|trace(?:[_ -]?id)?|span[_ -]?id|msg[_ -]?id|message[_ -]?id|session[_ -]?id|user[_ -]?id|uid|id|timestamp|时间戳|ts|epoch|build|版本|version|sku|qq|商品|product|isbn|issn|item|issue|bug|case|会议号|会议|meeting[ _-]?id|房间号|room[ _-]?id|pr)/gi;

/**
 * Build a "nearest label wins" context check. `positive` is the regex of
 * labels that announce the expected value (e.g. 手机/phone). Returns true when
 * the nearest label keyword in the `window` code units before `pos` (same
 * line) is a negative (identifier) label.
 */
export function makeNegativeContext(
  positive: RegExp,
  window = 24,
  extraNegative?: RegExp,
): (text: string, pos: number) => boolean {
  const pos0 = new RegExp(positive.source, 'gi');
  const extra = extraNegative ? new RegExp(extraNegative.source, 'gi') : null;
  return (text: string, pos: number): boolean => {
    // "#4716…": a number tagged with "#" is an identifier (Order #…, PR #…, item #…)
    if (text.charCodeAt(pos - 1) === 35) return true;
    const before = lineBefore(text, pos, window);
    if (before.length === 0) return false;
    let negEnd = lastMatchEnd(NEG_LABEL, before, true);
    if (extra) negEnd = Math.max(negEnd, lastMatchEnd(extra, before, true));
    if (negEnd < 0) return false;
    const posEnd = lastMatchEnd(pos0, before, false);
    return negEnd > posEnd;
  };
}

/**
 * End offset of the last match of `re` (global) in `s`, or -1. For the
 * negative-label regex, short ASCII keywords (id, sn, ts, uid, qq…) must be
 * whole words (not inside a longer identifier such as `valid` or `hosts`).
 */
function lastMatchEnd(re: RegExp, s: string, wordCheck: boolean): number {
  re.lastIndex = 0;
  let best = -1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const st = m.index;
    const en = st + m[0].length;
    if (wordCheck && isAsciiLetter(m[0].charCodeAt(0))) {
      // ASCII keywords must not be glued to surrounding letters/digits
      // ("valid", "hosts", "json" do not contain the labels id/ts/sn), except
      // across a camelCase boundary (orderId) or an underscore (order_id).
      // A plural "s" after the keyword is allowed (orders, ids).
      const first = m[0].charCodeAt(0);
      const prev = s.charCodeAt(st - 1);
      if (isDigitCode(prev)) continue;
      if (isAsciiLetter(prev) && !(isLower(prev) && isUpper(first))) continue;
      const next = s.charCodeAt(en);
      if (isLower(next) && (next !== 115 || isAsciiLetter(s.charCodeAt(en + 1)))) continue;
    }
    if (en > best) best = en;
  }
  return best;
}

/** Luhn (mod 10) check over a digits-only string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Strip everything but ASCII digits. */
export function digitsOnly(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}
