/**
 * Postal / street addresses.
 *
 * address_cue (Chinese) — the value after 地址, 住址, 住在, 家住, 居住在,
 *   收货地址, 收件地址, 寄件地址, 邮寄地址, 通讯地址, 家庭住址, 现住, 寄到, 送到,
 *   发到, 寄往: a run of
 *   Han characters, digits, letters and "#-()" (a single space allowed between
 *   a marker or digit and a digit or marker: 花园路 16 号院), cut at punctuation / line end, then trimmed back
 *   to the last address marker (号 室 楼 栋 幢 座 层 单元 弄 巷 路 街 道 村 组 区
 *   县 市 镇 乡 小区 大厦 公寓 花园 苑 院 里). It must reach street level: at
 *   least one of 路 街 道 巷 弄 号 栋 幢 楼 室 村 组 单元 小区 大厦 公寓 — "住在北京"
 *   or "家住朝阳区" (city/district only) is not an address.
 * address_zh — the same value without a cue when it starts with a province /
 *   municipality name (北京, 上海, 广东省…) and contains 市 … (路|街|道|巷)
 *   … digits + 号: a fully structured address.
 * address_cue (English) — the value after "I live at", "my address is",
 *   "address:", "home/shipping/mailing/billing address:", "ship to:",
 *   "deliver to", "send it to": an optional unit (Flat 2, Apt 4B, Suite 210),
 *   a house number, up to five words and a
 *   street suffix (Street, St, Avenue, Ave, Road, Rd, Blvd, Lane, Drive,
 *   Court, Way, Place, Parkway, Terrace, Close, Square, Highway, Loop…), then
 *   optionally comma-separated unit ("Apt 4B", "Suite 210"), locality
 *   words, state + ZIP or a UK postcode. "address: 0.0.0.0" or
 *   "IP address: 10.0.0.1" never match (no street suffix).
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { cueHits } from './cues.ts';

function isHan(c: number): boolean {
  return c >= 0x4e00 && c <= 0x9fff;
}

const MARKERS_1 = new Set('号室楼栋幢座层弄巷路街道村组区县市镇乡苑院里'.split(''));
const MARKERS_2 = ['单元', '小区', '大厦', '公寓', '花园', '广场', '中心'];
/** Words after which an address value has ended ("…90号附近", "…路旁边"). */
const ZH_STOP_WORDS = ['附近', '旁边', '对面', '一带', '周边', '那里', '这里', '那边', '这边', '电话', '手机', '联系', '邮编'];
const STREET_LEVEL = /[路街道巷弄号栋幢楼室村组]|单元|小区|大厦|公寓/;

function isAddrChar(c: number): boolean {
  return (
    isHan(c) ||
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 35 || c === 45 || c === 0xff03 || c === 0xff0d || c === 0x2014 ||
    c === 40 || c === 41 || c === 0xff08 || c === 0xff09
  );
}

const STOP_FIRST = new Set(ZH_STOP_WORDS.map((w) => w.charCodeAt(0)));
const MARKER1_CODES = new Set([...MARKERS_1].map((c) => c.charCodeAt(0)));
const MARKER2_LAST = new Set(MARKERS_2.map((w) => w.charCodeAt(w.length - 1)));

function isMarkerOrDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || MARKER1_CODES.has(c);
}

/** End of a Chinese address value starting at `pos`, or -1. */
export function chineseAddressEnd(text: string, pos: number, maxLen = 60): number {
  const lim = Math.min(text.length, pos + maxLen);
  let p = pos;
  while (p < lim) {
    const c = text.charCodeAt(p);
    if (c === 0x7684 /* 的 */) break;
    if (p > pos && STOP_FIRST.has(c) && ZH_STOP_WORDS.some((w) => text.startsWith(w, p))) break;
    if (isAddrChar(c)) {
      p++;
      continue;
    }
    // a single space between a marker/digit and a digit/marker ("花园路 16 号院")
    if ((c === 32 || c === 0x3000) && p > pos && isMarkerOrDigit(text.charCodeAt(p - 1)) && isMarkerOrDigit(text.charCodeAt(p + 1))) {
      p++;
      continue;
    }
    break;
  }
  // trim back to the last marker
  let end = -1;
  for (let i = p; i > pos; i--) {
    const c = text.charCodeAt(i - 1);
    if (MARKER1_CODES.has(c)) {
      end = i;
      break;
    }
    if (MARKER2_LAST.has(c) && MARKERS_2.some((m2) => i - m2.length >= pos && text.startsWith(m2, i - m2.length))) {
      end = i;
      break;
    }
  }
  if (end < 0) return -1;
  const v = text.slice(pos, end);
  if (!STREET_LEVEL.test(v)) return -1;
  // need at least two markers overall (e.g. 路 + 号, 市 + 路)
  let count = 0;
  let han = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (MARKER1_CODES.has(c)) count++;
    if (isHan(c)) han = true;
  }
  if (!han) return -1;
  if (count < 2 && !MARKERS_2.some((m2) => v.includes(m2))) return -1;
  return end;
}

const PROVINCES =
  '北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|深圳|广州|杭州|南京|成都|武汉|西安|苏州|厦门|青岛|大连|宁波';
const ZH_STRUCT_RE = new RegExp(
  `^(?:${PROVINCES})(?:省|市|自治区|特别行政区)?[\\u4e00-\\u9fff]{0,12}?(?:市|区|县)[\\u4e00-\\u9fff0-9]{0,20}?(?:路|街|道|巷|弄|段)[0-9]{1,5}号$`,
);
/** Cheap anchor for the structured pattern: a street marker, a house number and 号. */
const ZH_STREET_NO_RE = /[路街道巷弄段]\d{1,5}号/g;

const STREET_SUFFIX =
  '(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Parkway|Pkwy|Terrace|Close|Square|Sq|Highway|Hwy|Circle|Cir|Crescent|Row|Walk|Alley|Plaza|Trail|Loop|Gardens|Mews|Grove|Quay|Wharf|Esplanade|Broadway)';
const EN_WORDP = "[A-Z][A-Za-z'’.-]*(?![A-Za-z0-9])";
const EN_ADDR_RE = new RegExp(
  `^(?:(?:Flat|Apt|Apartment|Suite|Unit|Room)\\.?[ \\t]*#?[A-Za-z0-9-]{1,6},?[ \\t]+)?\\d{1,6}[A-Za-z]?(?:-\\d{1,5})?[ \\t]+(?:${EN_WORDP}[ \\t]+){0,4}${STREET_SUFFIX}\\b\\.?(?:[ \\t]+(?:North|South|East|West|NE|NW|SE|SW|N|S|E|W)\\b)?` +
    `(?:,?[ \\t]*(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Fl|Floor)\\.?[ \\t]*#?[A-Za-z0-9-]+|#[A-Za-z0-9-]+))?` +
    `(?:,[ \\t]*(?:[A-Z]{2}[ \\t]+\\d{5}(?:-\\d{4})?|\\d{5}(?:-\\d{4})?|[A-Z]{1,2}\\d[A-Z\\d]?[ \\t]*\\d[A-Z]{2}|${EN_WORDP}(?:[ \\t]+${EN_WORDP}){0,3}(?:[ \\t]+[A-Z]{2,3}[ \\t]+\\d{4,5}(?:-\\d{4})?|[ \\t]+\\d{4,5}|[ \\t]+[A-Z]{1,2}\\d[A-Z\\d]?[ \\t]*\\d[A-Z]{2})?)){0,4}`,
);
function enAddressEnd(text: string, pos: number): number {
  const m = EN_ADDR_RE.exec(text.slice(pos, pos + 200));
  if (!m) return -1;
  let v = m[0];
  // trailing "." belongs to the sentence unless it ends an abbreviation we kept
  while (v.endsWith(',') || v.endsWith(' ')) v = v.slice(0, -1);
  if (v.endsWith('.') && !/\b(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Sq|Hwy|Cir)\.$/.test(v)) v = v.slice(0, -1);
  if (/\b(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Sq|Hwy|Cir)\.$/.test(v)) {
    // sentence end after an abbreviation: keep the dot only if text continues on the same line
    const after = text.charCodeAt(pos + v.length);
    if (Number.isNaN(after) || after === 10) v = v.slice(0, -1);
  }
  return pos + v.length;
}

export const addressCueDetector: PiiDetector = {
  type: 'address',
  name: 'address_cue',
  detect(text: string): PiiFinding[] {
    const hits = cueHits(text);
    if (hits.addr_zh.length === 0 && hits.addr_en.length === 0) return [];
    const out: PiiFinding[] = [];
    let lastEnd = -1;
    for (const [, ce] of hits.addr_zh) {
      let vs = ce;
      while (vs < text.length) {
        const c = text.charCodeAt(vs);
        // spaces, ":", "：", "是", "在", "于"
        if (c === 32 || c === 9 || c === 58 || c === 0xff1a || c === 0x662f || c === 0x5728 || c === 0x4e8e || c === 0x3000) vs++;
        else break;
      }
      if (vs < lastEnd) continue;
      let end = chineseAddressEnd(text, vs);
      if (end < 0) {
        // English value after a Chinese cue ("地址：221B Baker Street")
        end = enAddressEnd(text, vs);
        if (end < 0) continue;
      }
      out.push({ type: 'address', start: vs, end, detector: 'address_cue' });
      lastEnd = end;
    }
    for (const [, ce] of hits.addr_en) {
      let vs = ce;
      while (vs < text.length && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
      let end = enAddressEnd(text, vs);
      if (end < 0) end = chineseAddressEnd(text, vs);
      if (end < 0) continue;
      out.push({ type: 'address', start: vs, end, detector: 'address_cue' });
    }
    if (out.length > 1) out.sort((a, b) => a.start - b.start);
    return out;
  },
};

export const structuredZhAddressDetector: PiiDetector = {
  type: 'address',
  name: 'address_zh',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    ZH_STREET_NO_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    let lastEnd = 0;
    while ((m = ZH_STREET_NO_RE.exec(text)) !== null) {
      const hitEnd = m.index + m[0].length;
      // earliest province start within 40 code units before the hit that yields a full match
      const from = Math.max(lastEnd, m.index - 40);
      const window = text.slice(from, hitEnd);
      let start = -1;
      for (let i = 0; i < window.length - m[0].length; i++) {
        if (!isHan(window.charCodeAt(i))) continue;
        if (ZH_STRUCT_RE.test(window.slice(i))) {
          start = from + i;
          break;
        }
      }
      if (start < 0) continue;
      const end = Math.max(hitEnd, chineseAddressEnd(text, start, 80));
      out.push({ type: 'address', start, end, detector: 'address_zh' });
      lastEnd = end;
      ZH_STREET_NO_RE.lastIndex = end;
    }
    return out;
  },
};

export const addressDetectors: readonly PiiDetector[] = [addressCueDetector, structuredZhAddressDetector];
