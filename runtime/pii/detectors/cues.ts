/**
 * Shared cue-word scan for the context-driven detectors (name, address,
 * wechat, alipay, passport_ctx): one regex pass over the text finds every cue
 * of every kind, and the result is memoised for the last scanned text, so
 * detectPii pays for one pass instead of seven.
 */

export type CueKind = 'name_zh' | 'name_en' | 'addr_zh' | 'addr_en' | 'wechat' | 'alipay' | 'passport';

/** [start, end) of each cue, in text order. */
export type CueHits = Record<CueKind, Array<[number, number]>>;

// Order matters only between alternatives that can start at the same
// position; longer phrases come first inside each group.
const GROUPS: Array<[CueKind, string]> = [
  ['name_zh', '我的名字(?:是|叫)|我叫|我名叫|名字是|本人姓名|乘客姓名|姓名|收件人|收货人|收款人|付款人|联系人|寄件人|持卡人|申请人|负责人|开户名|户名|我是'],
  ['addr_zh', '收货地址|收件地址|寄件地址|邮寄地址|通讯地址|家庭住址|详细地址|居住地址|地址|住址|居住在|住在|家住|现住|寄到|送到|发到|寄往'],
  ['wechat', '微信|weixin|wechat|vx|v信|薇信'],
  ['alipay', '支付宝|alipay'],
  ['passport', 'passport|护照|pasaporte|reisepass|passeport'],
  [
    'name_en',
    "my (?:full )?name is|my name's|i'm called|i am called|call me|(?:full name|name|recipient|cardholder(?: name)?|card holder|contact (?:name|person)|attn|attention)\\s*:",
  ],
  [
    'addr_en',
    "i live at|i'm at|my (?:home |postal |mailing |shipping |billing )?address is|(?:home |postal |mailing |shipping |billing |street |delivery )?address\\s*:|ship (?:it )?to:?|deliver (?:it )?to|send (?:it )?to",
  ],
];

const CUE_RE = new RegExp(GROUPS.map(([, src]) => `(${src})`).join('|'), 'gi');

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

let lastText: string | undefined;
let lastHits: CueHits | undefined;

function empty(): CueHits {
  return { name_zh: [], name_en: [], addr_zh: [], addr_en: [], wechat: [], alipay: [], passport: [] };
}

/** All cue hits in `text` (memoised for the most recent text). */
export function cueHits(text: string): CueHits {
  if (text === lastText && lastHits) return lastHits;
  const hits = empty();
  CUE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CUE_RE.exec(text)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    let g = 1;
    while (m[g] === undefined) g++;
    const kind = GROUPS[g - 1][0];
    // ASCII cues must start on a word boundary ("vx" also must end on one)
    if (isAsciiLetter(m[0].charCodeAt(0)) && isAsciiLetter(text.charCodeAt(start - 1))) {
      CUE_RE.lastIndex = start + 1;
      continue;
    }
    if (kind === 'wechat' && (m[0] === 'vx' || m[0] === 'VX' || m[0] === 'Vx' || m[0] === 'vX') && isAsciiLetter(text.charCodeAt(end))) {
      continue;
    }
    hits[kind].push([start, end]);
  }
  lastText = text;
  lastHits = hits;
  return hits;
}
