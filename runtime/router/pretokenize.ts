/**
 * Exact, fast o200k token counting.
 *
 * `gpt-tokenizer`'s `countTokens` splits text with O200K_TOKEN_SPLIT_REGEX (a `gu` regex full of \p{…} classes, ~45 ns
 * per byte) and then byte-pair-encodes every piece. BPE never merges across pieces, so the token count of a text is
 * the sum of the counts of its pieces. This module replaces the regex with a hand-written scanner over char codes that
 * yields exactly the same piece boundaries, and memoises the per-piece counts (natural text is Zipfian, so the memo
 * hits almost always).
 *
 * The regex (gpt-tokenizer 3.4, encodingParams/constants.js) is, alternative by alternative:
 *
 *   A1  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?
 *   A2  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'(?:…same…))?
 *   A3  \p{N}{1,3}
 *   A4   ?[^\s\p{L}\p{N}]+[\r\n/]*
 *   A5  \s*[\r\n]+
 *   A6  \s+(?!\S)
 *   A7  \s+
 *
 * and JS takes, at each position, the first alternative that matches, each with greedy-then-backtrack quantifiers.
 * Every code point matches at least one alternative, so pieces tile the text. Writing "Uc" for the class of the first
 * letter run (Lu Lt Lm Lo M) and "Lc" for the second (Ll Lm Lo M), the scanner resolves the backtracking as follows:
 *
 * - A1 from s: U* takes the maximal Uc run [s,u), then gives it back one code point at a time until Lc+ can start.
 *   If the code point at u is Ll, Lc+ starts at u and runs greedily. Otherwise Lc+ starts at the last Lm/Lo/M inside
 *   [s,u) and stops right after it (everything after it in the run is Lu/Lt). No such code point: A1 fails.
 * - A2 from s (reached only when A1 failed, so the run is all Lu/Lt and is followed by no Lc) is the run itself.
 * - The optional prefix is tried first; without it, A1/A2 can only start at a letter or a mark. A mark at the
 *   position therefore always matches A1: with the prefix if that works, else as the mark alone (plus contraction).
 * - A4: an optional ASCII space, a run of non-space non-letter non-number code points (marks included), then CR/LF.
 * - A5 takes the whitespace run up to and including its last CR/LF; A6 takes the run minus its last code point when
 *   a non-space follows (the whole run at the end of text); A7 is a lone whitespace code point before a non-space.
 *
 * The text is first copied into a Uint16Array (Buffer#write 'utf16le', a native copy): indexing a typed array is
 * ~3× cheaper than String#charCodeAt on the sliced/cons strings requests are made of. Code units are classified by a
 * 64K table (ASCII precomputed; every other BMP code point — CJK ideographs, kana, Hangul, Latin-1 letters … — filled
 * the first time it is seen), astral code points by a Map; each entry is computed once with small `/\p{…}/u` regexes,
 * so the classes follow the running engine's Unicode data, the same data the library's regex uses. Lone surrogates
 * are single code points of class "other", as in a `u` regex.
 *
 * Bounded work. The library's byte-pair merge is quadratic in the length of a piece and costs 1–3 µs per code unit
 * even on short ones, and the regex does not split unbroken runs (a megabyte of `a`, of unpunctuated Chinese, of
 * punctuation or emoji is one piece), so one request could hold the event loop for minutes. Two rules bound it:
 * - a piece longer than MAX_PIECE code units is counted as consecutive chunks of MAX_PIECE (a surrogate pair is never
 *   cut); pieces of ordinary text (words, numbers, indentation, `// -----` rules, CJK between punctuation) are far
 *   shorter, so their counts stay exactly the library's;
 * - a count runs under a `TokenBudget` of work units (≈ ns on the machine it was calibrated on): every code unit
 *   scanned costs SCAN_UNIT, every piece seen earlier in the same count HIT_PIECE, and the first occurrence of a piece
 *   in the count MISS_PIECE + MISS_UNIT × its length, whether the memo knows it or not. What is charged depends only
 *   on the text, never on the memo, so a count is the same in any process (explain and serve agree); when the budget
 *   is spent the count stops at a piece boundary and `countedTo()` says where (the caller estimates the rest).
 */
import o200k, { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

// ---------------------------------------------------------------------------------------------------------------------
// Character classes: disjoint bits, so a run of several classes is one AND.

const B_UP = 1 << 1; // Lu, Lt: first letter class only
const B_LO = 1 << 2; // Ll: second letter class only
const B_BOTH = 1 << 3; // Lm, Lo: both letter classes (CJK, kana, Hangul syllables, …)
const B_MARK = 1 << 4; // M: both letter classes, but not \p{L}: also a prefix and an A4 code point
const B_NUM = 1 << 5; // N
const B_CR = 1 << 6;
const B_LF = 1 << 7;
const B_SPACE = 1 << 8; // U+0020
const B_WS = 1 << 9; // other \s
const B_APOS = 1 << 10; // ' (other)
const B_SLASH = 1 << 11; // / (other)
const B_OTHER = 1 << 12; // punctuation, symbols, controls, unassigned, lone surrogates, …
const B_SURR = 1 << 13; // table value of a surrogate code unit: look at the code point

/** [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] */
const M_UC = B_UP | B_BOTH | B_MARK;
/** [\p{Ll}\p{Lm}\p{Lo}\p{M}] */
const M_LC = B_LO | B_BOTH | B_MARK;
/** \p{L} */
const M_LETTER = B_UP | B_LO | B_BOTH;
/** [^\s\p{L}\p{N}] */
const M_PUNCT = B_MARK | B_APOS | B_SLASH | B_OTHER;
/** \s */
const M_SPACE = B_CR | B_LF | B_SPACE | B_WS;
/** [^\r\n\p{L}\p{N}] minus \p{M}: what may prefix a letter run, in ASCII */
const M_PREFIX_ASCII = B_SPACE | B_WS | B_APOS | B_SLASH | B_OTHER;
/** [\r\n] */
const M_NL = B_CR | B_LF;
/** [\r\n/] */
const M_NL_SLASH = M_NL | B_SLASH;

const RE_UP = /[\p{Lu}\p{Lt}]/u;
const RE_LO = /\p{Ll}/u;
const RE_BOTH = /[\p{Lm}\p{Lo}]/u;
const RE_MARK = /\p{M}/u;
const RE_NUM = /\p{N}/u;
const RE_SPACE = /\s/u;

/** Class bit of a code point that is not a surrogate. */
function classify(cp: number): number {
  if (cp === 0x0d) return B_CR;
  if (cp === 0x0a) return B_LF;
  if (cp === 0x20) return B_SPACE;
  if (cp === 0x27) return B_APOS;
  if (cp === 0x2f) return B_SLASH;
  const ch = String.fromCodePoint(cp);
  if (RE_BOTH.test(ch)) return B_BOTH; // first: CJK is the common non-ASCII case
  if (RE_LO.test(ch)) return B_LO;
  if (RE_UP.test(ch)) return B_UP;
  if (RE_MARK.test(ch)) return B_MARK;
  if (RE_NUM.test(ch)) return B_NUM;
  if (RE_SPACE.test(ch)) return B_WS;
  return B_OTHER;
}

/** The work budget left of the count running now (see TokenBudget below); Infinity when unbounded. */
let left = Number.POSITIVE_INFINITY;

/** Class bit of each UTF-16 code unit; 0 until first seen (ASCII and surrogates are filled up front). */
const BITS = new Uint16Array(0x10000);
for (let c = 0; c < 128; c++) BITS[c] = classify(c);
BITS.fill(B_SURR, 0xd800, 0xe000);

const ASTRAL = new Map<number, number>();

/** Width (1 or 2 code units) of the code point read by the last `slowBits`. */
let width = 1;

/** Class bit of the code point at `p` when BITS says 0 or B_SURR; sets `width`. */
function slowBits(u: Uint16Array, p: number, len: number): number {
  const c = u[p];
  width = 1;
  if (c < 0xd800 || c > 0xdfff) return (BITS[c] = classify(c));
  if (c <= 0xdbff && p + 1 < len) {
    const d = u[p + 1];
    if (d >= 0xdc00 && d <= 0xdfff) {
      width = 2;
      left -= ASTRAL_UNIT; // astral classes come from a Map: ~20× the cost of a table entry
      const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      let b = ASTRAL.get(cp);
      if (b === undefined) {
        b = classify(cp);
        if (ASTRAL.size >= 65536) ASTRAL.clear();
        ASTRAL.set(cp, b);
      }
      return b;
    }
  }
  return B_OTHER; // lone surrogate
}

/** End of the run of code points whose class is in `mask`, starting at `p`. */
function runEnd(u: Uint16Array, p: number, len: number, mask: number): number {
  while (p < len) {
    let b = BITS[u[p]];
    let w = 1;
    if (b === 0 || b === B_SURR) {
      b = slowBits(u, p, len);
      w = width;
    }
    if ((b & mask) === 0) return p;
    p += w;
  }
  return p;
}

/** `(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?` at `e`. */
function contraction(u: Uint16Array, e: number, len: number): number {
  if (e + 1 >= len || u[e] !== 0x27) return e;
  const a = u[e + 1] | 0x20;
  if (a === 0x73 || a === 0x64 || a === 0x6d || a === 0x74) return e + 2; // s d m t
  if (e + 2 >= len) return e;
  const b = u[e + 2] | 0x20;
  if ((a === 0x6c && b === 0x6c) || (b === 0x65 && (a === 0x76 || a === 0x72))) return e + 3; // ll ve re
  return e;
}

/**
 * A1 then A2 with the letter part starting at `s`. Returns the end (contraction included) or -1 when neither matches.
 * With `a1Only`, A2 is not tried (the caller has a better fallback).
 */
function letters(u: Uint16Array, s: number, len: number, a1Only: boolean): number {
  // Maximal Uc run [s,u), remembering the end of its last Lm/Lo/M code point.
  let p = s;
  let lastBoth = -1;
  let b = 0;
  while (p < len) {
    b = BITS[u[p]];
    let w = 1;
    if (b === 0 || b === B_SURR) {
      b = slowBits(u, p, len);
      w = width;
    }
    if ((b & M_UC) === 0) break;
    p += w;
    if (b !== B_UP) lastBoth = p;
  }
  // here p = u; b is the class at u when p < len
  if (p < len && b === B_LO) return contraction(u, runEnd(u, p, len, M_LC), len);
  if (lastBoth >= 0) return contraction(u, lastBoth, len);
  if (a1Only || p === s) return -1;
  // A2: the Uc run, then Lc* (empty: the code point at u is not Lc), then the contraction.
  return contraction(u, p, len);
}

/** A5–A7 for a whitespace run starting at `i`. */
function spaces(u: Uint16Array, i: number, len: number): number {
  let p = i;
  let lastNl = -1;
  while (p < len) {
    let b = BITS[u[p]];
    if (b === 0) b = slowBits(u, p, len); // \s code points are all BMP, so a surrogate simply ends the run
    if ((b & M_SPACE) === 0) break;
    p++;
    if ((b & M_NL) !== 0) lastNl = p;
  }
  if (lastNl >= 0) return lastNl; // A5
  if (p === len) return p; // A6 at end of text
  if (p - i >= 2) return p - 1; // A6: leave the last space to prefix the next piece
  return p; // A7
}

/** End of the ASCII run [A-Z]*[a-z]* from `p` if it is non-empty and followed by the end or by an ASCII code unit
 * other than the apostrophe (so A1 or A2 ends there), else -1. */
function asciiWord(u: Uint16Array, p: number, len: number): number {
  let q = p;
  let d = 0;
  while (q < len) {
    d = u[q];
    if (d < 0x41 || d > 0x5a) break;
    q++;
  }
  while (q < len) {
    d = u[q];
    if (d < 0x61 || d > 0x7a) break;
    q++;
  }
  return q > p && (q === len || (d < 128 && d !== 0x27)) ? q : -1;
}

/** End of the o200k pre-tokenizer piece that starts at `i` (0 ≤ i < len) of the code units `u`. */
function pieceEnd(u: Uint16Array, i: number, len: number): number {
  const c = u[i];
  if (c < 128) {
    // Fast paths when this code unit and the next are ASCII (and a letter run ends before an ASCII code unit).
    const bc = BITS[c];
    if ((bc & M_LETTER) !== 0) {
      const e = asciiWord(u, i, len); // A1 or A2 without prefix
      if (e >= 0) return e;
    } else if ((bc & M_NL) !== 0) return spaces(u, i, len);
    else if (bc !== B_NUM) {
      // may prefix a letter run
      if (i + 1 === len) return len; // A4 for punctuation, A6 for whitespace
      const d = u[i + 1];
      if (d < 128) {
        const bd = BITS[d];
        if ((bd & M_LETTER) !== 0) {
          const e = asciiWord(u, i + 1, len); // A1 or A2 with prefix
          if (e >= 0) return e;
        } else if ((bc & M_SPACE) !== 0) {
          // A1/A2 fail: no letter after the prefix
          if (bc === B_SPACE && (bd & M_PUNCT) !== 0) return runEnd(u, runEnd(u, i + 1, len, M_PUNCT), len, M_NL_SLASH); // A4
          return spaces(u, i, len);
        } else return runEnd(u, runEnd(u, i + 1, len, M_PUNCT), len, M_NL_SLASH); // A4 (A1/A2 fail)
      }
    }
  }
  let b = BITS[c];
  let w = 1;
  if (b === 0 || b === B_SURR) {
    b = slowBits(u, i, len);
    w = width;
  }
  if ((b & M_LETTER) !== 0) return letters(u, i, len, false);
  if (b === B_NUM) {
    // \p{N}{1,3}
    let p = i + w;
    for (let n = 1; n < 3 && p < len; n++) {
      let d = BITS[u[p]];
      let dw = 1;
      if (d === 0 || d === B_SURR) {
        d = slowBits(u, p, len);
        dw = width;
      }
      if (d !== B_NUM) break;
      p += dw;
    }
    return p;
  }
  if ((b & M_NL) !== 0) return spaces(u, i, len);
  if (b === B_MARK) {
    if (i + w < len) {
      const e = letters(u, i + w, len, true);
      if (e >= 0) return e;
    }
    // A1 without the prefix: the mark alone is the Lc+ (whatever Lu/Lt follow it cannot be Lc).
    return contraction(u, i + w, len);
  }
  // prefix-eligible: space, other whitespace, punctuation
  if (i + w < len) {
    const e = letters(u, i + w, len, false);
    if (e >= 0) return e;
  }
  if (b === B_SPACE) {
    const r = runEnd(u, i + 1, len, M_PUNCT);
    if (r > i + 1) return runEnd(u, r, len, M_NL_SLASH);
    return spaces(u, i, len);
  }
  if (b === B_WS) return spaces(u, i, len);
  return runEnd(u, runEnd(u, i + w, len, M_PUNCT), len, M_NL_SLASH);
}

// ---------------------------------------------------------------------------------------------------------------------
// Text → code units, in a reused scratch array.

const SCRATCH_MAX = 1 << 20; // code units kept between calls (2 MB); longer texts get a one-off array
let scratch = new Uint16Array(1024);
let scratchBuf = Buffer.from(scratch.buffer);

function codeUnits(text: string): Uint16Array {
  const n = text.length;
  if (n > scratch.length) {
    if (n > SCRATCH_MAX) {
      const a = new Uint16Array(n);
      Buffer.from(a.buffer).write(text, 0, 'utf16le');
      return a;
    }
    let size = scratch.length;
    while (size < n) size *= 2;
    scratch = new Uint16Array(size);
    scratchBuf = Buffer.from(scratch.buffer);
  }
  scratchBuf.write(text, 0, 'utf16le');
  return scratch;
}

/** The o200k pre-tokenizer pieces of `text`: the same strings as `text.match(O200K_TOKEN_SPLIT_REGEX) ?? []`. */
export function pretokenize(text: string): string[] {
  const out: string[] = [];
  const len = text.length;
  const u = codeUnits(text);
  for (let i = 0; i < len; ) {
    const e = pieceEnd(u, i, len);
    out.push(text.slice(i, e));
    i = e;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Work budget of a count (see the header). Calibrated with bench/worst-case.bench.ts so that a spent budget of
// DEFAULT_TOKEN_BUDGET is about 20 ms of work on the worst input shape on a 2-core machine.

/** Longest piece byte-pair-encoded as one; longer pieces are counted in chunks of this many code units. */
export const MAX_PIECE = 256;
const SCAN_UNIT = 4;
const ASTRAL_UNIT = 80;
const REACH_UNIT = 32;
const HIT_PIECE = 40;
const MISS_PIECE = 1500;
const MISS_UNIT = 2000;
/** Work units of one request's count by default: exact up to this, estimated beyond. */
export const DEFAULT_TOKEN_BUDGET = 20_000_000;

/** The work a count may still do; one per request, shared by all its texts. */
export class TokenBudget {
  left: number;
  /** stamp of the pieces this budget has seen (see `charge`) */
  readonly stamp: number;
  constructor(units: number = DEFAULT_TOKEN_BUDGET) {
    this.left = units;
    this.stamp = nextStamp();
  }
}

const UNLIMITED = Number.POSITIVE_INFINITY;
/** Pieces of a count remembered as seen; enough for any budget (each first occurrence costs ≥ MISS_PIECE). */
const SEEN_BITS = 16;
const SEEN_SLOTS = 1 << SEEN_BITS;
const SEEN_MASK = SEEN_SLOTS - 1;
const SEEN_MAX = SEEN_SLOTS >> 1;
const seenKey = new Int32Array(SEEN_SLOTS);
const seenStamp = new Int32Array(SEEN_SLOTS);
let stampCounter = 0;
let seenUsed = 0;
let seenOf = 0;

function nextStamp(): number {
  stampCounter = stampCounter === 0x7fffffff ? 1 : stampCounter + 1;
  if (stampCounter === 1) seenStamp.fill(0);
  return stampCounter;
}

/** The budget of the count running now; its `left` is mirrored in `left` while counting. */
let current: TokenBudget | null = null;

/** Charge the piece with hash `h` and `len` code units: a miss the first time the count sees it, a hit after. */
function charge(h: number, len: number): void {
  if (left === UNLIMITED) return;
  const st = current!.stamp;
  if (seenOf !== st) {
    seenOf = st;
    seenUsed = 0;
  }
  for (let s = h & SEEN_MASK; ; s = (s + 1) & SEEN_MASK) {
    if (seenStamp[s] !== st) {
      if (seenUsed < SEEN_MAX) {
        seenStamp[s] = st;
        seenKey[s] = h;
        seenUsed++;
      }
      left -= MISS_PIECE + MISS_UNIT * len;
      return;
    }
    if (seenKey[s] === h) {
      left -= HIT_PIECE;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Per-piece token-count memo: one open-addressing hash table probed straight from the code units — no substring is
// allocated unless the piece is new, and no string is kept. It starts small (the hot set of a workload stays in the
// CPU cache) and doubles as it fills, up to `limit` entries; when full it is simply emptied (the hot pieces are back
// after a few requests, and a miss costs one BPE of the piece).
//
// Slot s is table[4s .. 4s+3] = count, k1, k2, k3; a count of 0 marks an empty slot (a piece has ≥ 1 token).
//   pieces of 2–8 ASCII code units: k1 = code units 0–3 packed 7 bits each, k2 = code units 4–7 likewise | length
//     << 28, k3 = -1 — an exact key;
//   other pieces: k1 = hash, k2 = offset of the code units in `arena`, k3 = length.

/**
 * Tokens of one piece. `countTokens(piece)` is exact but costs ~1 µs of per-call overhead (special-token scan, the
 * split regex over the piece, an iterator) before the BPE itself, which matters on a cold memo. So misses go, when
 * the installed gpt-tokenizer exposes it, straight to what `countTokens` does for each regex match (countNative in
 * BytePairEncodingCore.js): one token if the piece is in the vocabulary, else the length of its byte-pair encoding.
 * If those internals are missing or disagree with `countTokens` on a probe set, `countTokens(piece)` is used.
 */
const pieceCount: (piece: string) => number = (() => {
  interface Core {
    getBpeRankFromString(s: string): number | undefined;
    bytePairEncode(s: string): number[];
  }
  const core = (o200k as unknown as { bytePairEncodingCoreProcessor?: Partial<Core> }).bytePairEncodingCoreProcessor;
  if (!core || typeof core.getBpeRankFromString !== 'function' || typeof core.bytePairEncode !== 'function') return countTokens;
  const c = core as Core;
  const direct = (piece: string): number => (c.getBpeRankFromString(piece) !== undefined ? 1 : c.bytePairEncode(piece).length);
  const probes = ['hello', ' world', "'s", ' HTMLParser', '中文分词器', ' 😀', '   ', '\n\n', '123', ' !!!', 'é\u0301', 'x'.repeat(40)];
  try {
    return probes.every((p) => direct(p) === countTokens(p)) ? direct : countTokens;
  } catch {
    return countTokens;
  }
})();

const DEFAULT_PIECE_CACHE_LIMIT = 100_000;
const MIN_SLOTS = 4096;
/** Code units of long keys kept at most (16 MB); a piece longer than this is counted but not memoised. */
const ARENA_MAX = 1 << 23;
const ARENA_MIN = 1 << 14;
let limit = DEFAULT_PIECE_CACHE_LIMIT;
let table = new Int32Array(MIN_SLOTS * 4);
let mask = MIN_SLOTS - 1; // slots - 1
let used = 0;
let arena = new Uint16Array(ARENA_MIN);
let arenaUsed = 0;

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 13);
}

/** The slot index ×4 where an entry with hash `h` goes: the first empty slot of its probe sequence. */
function freeSlot(t: Int32Array, h: number, m: number): number {
  let s = (h & m) << 2;
  const wrap = (m << 2) | 3;
  while (t[s] !== 0) s = (s + 4) & wrap;
  return s;
}

/** Make room for one more entry: empty the memo when it holds `limit` entries, double the table at half load. */
function reserve(): void {
  if (used >= limit) {
    clearPieceCache();
  } else if ((used + 1) * 2 > mask + 1) {
    const old = table;
    const m = mask * 2 + 1;
    const t = new Int32Array((m + 1) * 4);
    for (let s = 0; s < old.length; s += 4) {
      if (old[s] === 0) continue;
      const h = old[s + 3] === -1 ? mix(old[s + 1], old[s + 2]) : old[s + 1];
      const d = freeSlot(t, h, m);
      t[d] = old[s];
      t[d + 1] = old[s + 1];
      t[d + 2] = old[s + 2];
      t[d + 3] = old[s + 3];
    }
    table = t;
    mask = m;
  }
  used++;
}

/** Tokens of the piece text[i, e) of 2–8 code units; -1 if one of them is not ASCII. */
function shortTokens(text: string, u: Uint16Array, i: number, e: number): number {
  let a = 0;
  let b = 0;
  let p = i;
  const m = e - i > 4 ? i + 4 : e;
  for (; p < m; p++) {
    const c = u[p];
    if (c > 127) return -1;
    a = (a << 7) | c;
  }
  for (; p < e; p++) {
    const c = u[p];
    if (c > 127) return -1;
    b = (b << 7) | c;
  }
  return shortLookup(text, i, e, a, b | ((e - i) << 28));
}

/** Tokens of the ASCII piece text[i, e) of 2–8 code units, given its packed key (a, b). */
function shortLookup(text: string, i: number, e: number, a: number, b: number): number {
  const h = mix(a, b);
  charge(h, e - i);
  const t = table;
  const wrap = (mask << 2) | 3;
  for (let s = (h & mask) << 2; ; s = (s + 4) & wrap) {
    const n = t[s];
    if (n === 0) break;
    if (t[s + 1] === a && t[s + 2] === b && t[s + 3] === -1) return n;
  }
  const n = pieceCount(text.slice(i, e));
  reserve();
  const s = freeSlot(table, h, mask);
  table[s] = n;
  table[s + 1] = a;
  table[s + 2] = b;
  table[s + 3] = -1;
  return n;
}

/** Tokens of the piece text[i, e), any piece. */
function longTokens(text: string, u: Uint16Array, i: number, e: number): number {
  const len = e - i;
  let h = 0x811c9dc5 ^ len;
  for (let p = i; p < e; p++) h = Math.imul(h ^ u[p], 0x01000193);
  h = mix(h, len);
  charge(h, len);
  const t = table;
  const wrap = (mask << 2) | 3;
  for (let s = (h & mask) << 2; ; s = (s + 4) & wrap) {
    const n = t[s];
    if (n === 0) break;
    if (t[s + 1] === h && t[s + 3] === len) {
      const k = arena;
      const off = t[s + 2] - i;
      let j = i;
      while (j < e && k[off + j] === u[j]) j++;
      if (j === e) return n;
    }
  }
  const n = pieceCount(text.slice(i, e));
  if (len > ARENA_MAX) return n;
  if (arenaUsed + len > ARENA_MAX) clearPieceCache();
  reserve();
  if (arenaUsed + len > arena.length) {
    let size = arena.length * 2;
    while (size < arenaUsed + len) size *= 2;
    const grown = new Uint16Array(size);
    grown.set(arena.subarray(0, arenaUsed));
    arena = grown;
  }
  arena.set(u.subarray(i, e), arenaUsed);
  const s = freeSlot(table, h, mask);
  table[s] = n;
  table[s + 1] = h;
  table[s + 2] = arenaUsed;
  table[s + 3] = len;
  arenaUsed += len;
  return n;
}

/** Where the last `bigTokens` stopped: its `e` unless the budget ran out inside the piece. */
let bigEnd = 0;

/**
 * Tokens of the piece text[i, e) of more than 8 code units: in chunks of MAX_PIECE when longer than that, stopping
 * at a chunk boundary (`bigEnd`) when the budget runs out.
 */
function bigTokens(text: string, u: Uint16Array, i: number, e: number): number {
  bigEnd = e;
  if (e - i <= MAX_PIECE) return longTokens(text, u, i, e);
  let n = 0;
  for (let s = i; s < e; ) {
    if (left < 0) {
      bigEnd = s;
      return n;
    }
    let c = s + MAX_PIECE;
    if (c >= e) c = e;
    else if (u[c - 1] >= 0xd800 && u[c - 1] <= 0xdbff && u[c] >= 0xdc00 && u[c] <= 0xdfff) c--; // keep a pair whole
    n += c - s === 1 && u[s] < 128 ? 1 : c - s <= 8 ? shortOrLong(text, u, s, c) : longTokens(text, u, s, c);
    s = c;
  }
  return n;
}

function shortOrLong(text: string, u: Uint16Array, i: number, e: number): number {
  const t = shortTokens(text, u, i, e);
  return t > 0 ? t : longTokens(text, u, i, e);
}

/**
 * Texts that hold a special token such as `<|endoftext|>`: the library throws on them by default, so this does too
 * (with the library's message); pieces of other texts never contain one.
 */
const SPECIAL_TOKENS: readonly string[] = (() => {
  const set = (o200k as unknown as { specialTokensSet?: Set<string> }).specialTokensSet;
  return set instanceof Set ? [...set] : [];
})();

function throwOnSpecial(text: string): void {
  if (SPECIAL_TOKENS.length === 0) {
    countTokens(text); // the library's own check (unbounded, but only if its internals moved)
    return;
  }
  // one pass over the "<|" occurrences (the earliest special token is the one the library names)
  let first = -1;
  let token = '';
  for (let at = text.indexOf('<|'); at !== -1 && first === -1; at = text.indexOf('<|', at + 1)) {
    for (const t of SPECIAL_TOKENS)
      if (text.startsWith(t, at)) {
        first = at;
        token = t;
        break;
      }
  }
  if (first !== -1) countTokens(token); // throws "Disallowed special token found: …", as countTokens(text) does
}

/** Where the last `countTokensExact` stopped: the text's length unless its budget ran out first. */
let stoppedAt = 0;

/** Code units of its text the last `countTokensExact` counted (all of them unless the budget ran out). */
export function countedTo(): number {
  return stoppedAt;
}

/**
 * `countTokens(text)` from 'gpt-tokenizer/encoding/o200k_base', several times faster — exactly, for every text whose
 * pieces are at most MAX_PIECE code units long (see the header). With a `budget`, counting stops at the first piece
 * boundary where the budget is spent: the result is then the tokens of text[0, countedTo()).
 */
export function countTokensExact(text: string, budget?: TokenBudget): number {
  const len = text.length;
  stoppedAt = len;
  if (len === 0) return 0;
  if (text.indexOf('<|') !== -1) throwOnSpecial(text);
  if (budget !== undefined && budget.left < 0) {
    stoppedAt = 0;
    return 0;
  }
  const outer = current;
  const outerLeft = left;
  current = budget ?? null;
  left = budget ? budget.left : UNLIMITED;
  try {
    // Neither copy nor scan past `reach` code units: at the slowest scan (~REACH_UNIT units per code unit: long
    // punctuation runs) that is the whole budget. A piece cut there is the last one counted.
    const reach = budget ? Math.max(1, Math.floor(budget.left / REACH_UNIT) + 1) : len;
    if (reach >= len) return count(text, len);
    const head = text.slice(0, reach);
    stoppedAt = reach;
    const n = count(head, reach);
    return n; // stoppedAt ≤ reach < len: the caller estimates the rest
  } finally {
    if (budget) budget.left = left;
    current = outer;
    left = outerLeft;
  }
}

function count(text: string, len: number): number {
  const u = codeUnits(text);
  let total = 0;
  for (let i = 0; i < len; ) {
    if (left < 0) {
      stoppedAt = i;
      return total;
    }
    const c = u[i];
    if (c < 128) {
      const bc = BITS[c];
      let p = -1;
      if ((bc & M_LETTER) !== 0) p = i;
      else if ((bc & M_PREFIX_ASCII) !== 0 && i + 1 < len) {
        const d = u[i + 1];
        if (d < 128 && (BITS[d] & M_LETTER) !== 0) p = i + 1;
      }
      if (p >= 0) {
        // The commonest piece, inlined: [prefix][A-Z]*[a-z]* all ASCII, packing the key as we scan (see pieceEnd)
        let a = p > i ? c : 0;
        let b = 0;
        let q = p;
        let d = 0;
        while (q < len) {
          d = u[q];
          if (d < 0x41 || d > 0x5a) break;
          if (q - i < 4) a = (a << 7) | d;
          else b = (b << 7) | d;
          q++;
        }
        while (q < len) {
          d = u[q];
          if (d < 0x61 || d > 0x7a) break;
          if (q - i < 4) a = (a << 7) | d;
          else b = (b << 7) | d;
          q++;
        }
        if (q > p && (q === len || (d < 128 && d !== 0x27))) {
          const n = q - i;
          left -= SCAN_UNIT * n;
          if (n === 1) total += 1;
          else if (n <= 8) total += shortLookup(text, i, q, a, b | (n << 28));
          else {
            total += bigTokens(text, u, i, q);
            q = bigEnd;
          }
          i = q;
          continue;
        }
      }
    }
    const e = pieceEnd(u, i, len);
    const n = e - i;
    left -= SCAN_UNIT * n;
    if (n === 1 && u[i] < 128) total += 1; // every ASCII character is a token of its own
    else if (n <= 8) total += shortOrLong(text, u, i, e);
    else {
      total += bigTokens(text, u, i, e);
      i = bigEnd;
      continue;
    }
    i = e;
  }
  return total;
}

/** Bound the per-piece memo to `max` entries (≥ 1); empties it. */
export function setPieceCacheLimit(max: number): void {
  limit = Math.max(1, Math.floor(max));
  clearPieceCache();
}

/** Empty the per-piece memo. */
export function clearPieceCache(): void {
  if (mask + 1 > MIN_SLOTS) {
    table = new Int32Array(MIN_SLOTS * 4);
    mask = MIN_SLOTS - 1;
  } else table.fill(0);
  if (arena.length > ARENA_MIN) arena = new Uint16Array(ARENA_MIN);
  arenaUsed = 0;
  used = 0;
}

/** Entries currently held by the per-piece memo (≤ its limit). */
export function pieceCacheSize(): number {
  return used;
}
