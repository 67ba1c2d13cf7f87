/**
 * Personal names, found after explicit cues only (no free-text NER).
 *
 * name_cue — the value after one of these cues:
 *   Chinese: 我叫, 我的名字是/叫, 我名叫, 本人姓名, 姓名, 名字是, 收件人,
 *     收货人, 收款人, 付款人, 联系人, 寄件人, 持卡人, 申请人, 负责人, 开户名,
 *     户名, 乘客姓名, 我是 (strict);
 *   English: "my name is", "my name's", "my full name is", "I'm called",
 *     "I am called", "call me", "name:" / "full name:" / "recipient:" /
 *     "cardholder:" / "contact name:" / "contact person:" / "attn:".
 * The value must look like a name:
 *   - Chinese: 2–4 Han characters starting with a known surname (single or
 *     compound; surnames that are also everyday words — 和 于 时 成 国 文 安 关
 *     常 路 车 …— are left out of the list to keep precision), cut at function characters (的/是/在/今/住/电…); a surname +
 *     honorific (王先生, 李女士, 陈老师) also counts. After the cue 我是 the
 *     name must be followed by punctuation, a space or the end (so 我是王者荣耀
 *     玩家 does not fire).
 *   - English (or pinyin): 1–3 capitalised words (O'Brien, McDonald,
 *     Jean-Luc; particles van/von/de/da/bin between), optionally after
 *     Mr/Mrs/Ms/Dr/Prof; weekday, month and common non-name words rejected.
 *     Field-label cues ("name:", "recipient:") need at least two words, and a
 *     lowercase "name:" at the start of a line (YAML / code keys such as
 *     `- name: Build And Test`) is ignored, as are type names (String, Int…)
 *     and qualified keys that name things ("Common Name:", "Host name:",
 *     "Package name:", "Bank name:"…).
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { cueHits } from './cues.ts';

const SURNAMES_1 =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤温康施牛樊葛邢乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞左柳祝包阮柯纪梅童凌毕季裴霍涂苗盛翁冉辛靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤阳缪芦褚娄窦戚岑景宫晏席卫柏瞿桂佟臧闵苟邬卞姬栾隋刁巫寇甄虞敖佘邝匡鞠冀郁胥栗燕楚鄢谌奚粟冼蔺闻厉伊仝郜阚帅屠朴廉禹祖漆卿狄扈晁芮阙浦邸雍辜裘邰赫杭逯茹嵇湛戎茅尉冶檀昝兰宁谷骆蓝穆卓麦费冷宗荣桑郎仲游齐舒甘尚符曲党仇丛巩边卜农';
const SURNAMES_2 = [
  '欧阳', '司马', '诸葛', '上官', '东方', '皇甫', '令狐', '慕容', '夏侯', '尉迟', '公孙', '长孙', '宇文', '司徒',
  '端木', '独孤', '南宫', '西门', '轩辕', '百里', '呼延', '澹台', '万俟', '闻人', '申屠',
];
const SURNAME_SET = new Set(SURNAMES_1);
const HONORIFICS = ['先生', '女士', '小姐', '老师', '医生', '经理', '总'];

/** Characters that end a Chinese name (grammar words and common following words). */
const ZH_STOP = new Set(
  '的了是在去到与跟给把被让说要会能想就也都还又很吗呢吧啊呀哦嗯着过今年岁住电手家我你他她它们这那哪谁什么请先女同学老师经理总医生工作目前现今年龄性别男身份证号码联系地址微信邮箱'.split(''),
);

function isHan(c: number): boolean {
  return c >= 0x4e00 && c <= 0x9fff;
}

function isTerminator(c: number): boolean {
  // NaN (end of text), whitespace, ASCII punctuation, CJK punctuation, fullwidth forms
  return (
    Number.isNaN(c) ||
    c <= 0x40 ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7f) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xff00 && c <= 0xff20) ||
    c === 0x2026 || c === 0x2014 || c === 0x201c || c === 0x201d
  );
}

/** Length of a Chinese name starting at `pos`, or 0. */
export function chineseNameLength(text: string, pos: number, strictEnd: boolean): number {
  let sl = 0;
  if (SURNAMES_2.includes(text.slice(pos, pos + 2))) sl = 2;
  else if (SURNAME_SET.has(text[pos])) sl = 1;
  else return 0;
  for (const h of HONORIFICS) {
    if (text.startsWith(h, pos + sl)) {
      const end = pos + sl + h.length;
      if (strictEnd && !isTerminator(text.charCodeAt(end))) return 0;
      return sl + h.length;
    }
  }
  let n = sl;
  while (n < sl + 2 && isHan(text.charCodeAt(pos + n)) && !ZH_STOP.has(text[pos + n])) n++;
  if (n === sl) return 0;
  if (strictEnd && !isTerminator(text.charCodeAt(pos + n))) return 0;
  return n;
}

const EN_WORD = "[A-Z](?:[a-z]+|['’][A-Z][a-z]+)(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?";
const EN_NAME_RE = new RegExp(
  `^(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\\.?[ \\t]+)?${EN_WORD}(?:[ \\t]+(?:(?:van|von|de|da|del|der|di|la|le|bin|al)[ \\t]+)?${EN_WORD}){0,2}`,
);
const EN_NOT_NAME = new Set(
  (
    'Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August ' +
    'September October November December Today Tomorrow Yesterday Please Thanks Thank Hello Hi The And But Not None ' +
    'Null True False String Number Boolean Object Array Int Integer Float Double Long Char Str Text Date Optional ' +
    'List Map Any Unknown Void Required Undefined Type Value Name Here There This That What When Where Who Why How ' +
    'Yes No Okay Sir Madam Customer User Admin Support Team Unknown Anonymous'
  ).split(' '),
);

/** Length of an English name at `pos` (after optional spaces already skipped), or 0. */
export function englishNameLength(text: string, pos: number, minWords: number): number {
  const m = EN_NAME_RE.exec(text.slice(pos, pos + 80));
  if (!m) return 0;
  let words = m[0].split(/\s+/);
  // drop trailing non-name words ("Alice Tomorrow")
  while (words.length > 0 && EN_NOT_NAME.has(words[words.length - 1])) words = words.slice(0, -1);
  const titled = words.length > 0 && /^(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?$/.test(words[0]);
  const nameWords = titled ? words.slice(1) : words;
  if (nameWords.length < minWords || nameWords.length === 0) return 0;
  if (EN_NOT_NAME.has(nameWords[0])) return 0;
  // recompute the span length for the kept words
  let len = 0;
  let rest = m[0];
  for (let i = 0; i < words.length; i++) {
    const idx = rest.indexOf(words[i]);
    len += idx + words[i].length;
    rest = rest.slice(idx + words[i].length);
  }
  // the word after must not continue the token (e.g. "Alice123")
  const after = text.charCodeAt(pos + len);
  if ((after >= 48 && after <= 57) || after === 95) return 0;
  return len;
}

type CueKind = 'free' | 'label' | 'strict';

function cueKind(cue: string): CueKind {
  if (cue === '我是') return 'strict';
  if (/^(?:我叫|我的名字|我名叫|名字是)/.test(cue)) return 'free';
  if (/^(?:my|i'm|i am|call me)/i.test(cue)) return 'free';
  return 'label';
}

function skipGap(text: string, pos: number): number {
  let p = pos;
  const lim = Math.min(text.length, pos + 6);
  while (p < lim) {
    const c = text.charCodeAt(p);
    // spaces, ":", "：", "是", "为", "叫"
    if (c === 32 || c === 9 || c === 58 || c === 0xff1a || c === 0x662f || c === 0x4e3a || c === 0x53eb || c === 0x3000) p++;
    else break;
  }
  return p;
}

const BLANK = /\s/;

function lineStartsWithLowerNameKey(text: string, cueStart: number): boolean {
  if (text.charCodeAt(cueStart) !== 110 /* 'n' */) return false;
  // only blanks and dashes between the line start and the cue: walk back over them (bounded by what it reads)
  let i = cueStart - 1;
  for (; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 45 && !BLANK.test(text[i])) return false;
  }
  return true;
}

/** "Common Name:", "Host name:", "Package name:" … label a thing, not a person. */
const THING_NAME_KEY =
  /(?:common|host|file|user|domain|server|package|module|class|function|field|column|table|project|app|product|company|brand|device|model|branch|tag|key|variable|method|type|event|repo|bucket|database|db|queue|topic|service|display|screen|team|org|organization|bank)[ _-]?$/i;

function qualifiedNameKey(text: string, cueStart: number): boolean {
  return THING_NAME_KEY.test(text.slice(Math.max(0, cueStart - 14), cueStart));
}

export const nameCueDetector: PiiDetector = {
  type: 'name',
  name: 'name_cue',
  detect(text: string): PiiFinding[] {
    const hits = cueHits(text);
    if (hits.name_zh.length === 0 && hits.name_en.length === 0) return [];
    const out: PiiFinding[] = [];
    let lastEnd = -1;
    for (const [cs, ce] of hits.name_zh) {
      const kind = cueKind(text.slice(cs, ce));
      const vs = skipGap(text, ce);
      if (vs < lastEnd) continue;
      let len = chineseNameLength(text, vs, kind === 'strict');
      if (len === 0 && kind !== 'strict') len = englishNameLength(text, vs, 1);
      if (len === 0) continue;
      out.push({ type: 'name', start: vs, end: vs + len, detector: 'name_cue' });
      lastEnd = vs + len;
    }
    for (const [cs, ce] of hits.name_en) {
      const kind = cueKind(text.slice(cs, ce));
      if (kind === 'label' && (lineStartsWithLowerNameKey(text, cs) || qualifiedNameKey(text, cs))) continue;
      let vs = ce;
      while (vs < text.length && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
      let len = englishNameLength(text, vs, kind === 'label' ? 2 : 1);
      if (len === 0) len = chineseNameLength(text, vs, false);
      if (len === 0) continue;
      out.push({ type: 'name', start: vs, end: vs + len, detector: 'name_cue' });
    }
    if (out.length > 1) out.sort((a, b) => a.start - b.start);
    return out;
  },
};

export const nameDetectors: readonly PiiDetector[] = [nameCueDetector];
