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
 * ASCII is classified by a table; other code points by a lazily filled BMP table and a Map for astral code points,
 * each entry computed once with small `/\p{…}/u` regexes (so the classes follow the running engine's Unicode data, the
 * same data the library's regex uses). Lone surrogates are single code points of class "other", as in a `u` regex.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

// ---------------------------------------------------------------------------------------------------------------------
// Character classes (disjoint). Masks below combine them.

const C_UP = 1; // Lu, Lt: first letter class only
const C_LO = 2; // Ll: second letter class only
const C_BOTH = 3; // Lm, Lo: both letter classes (CJK, kana, Hangul syllables, …)
const C_MARK = 4; // M: both letter classes, but not \p{L}: also a prefix and an A4 code point
const C_NUM = 5; // N
const C_CR = 6;
const C_LF = 7;
const C_SPACE = 8; // U+0020
const C_WS = 9; // other \s
const C_APOS = 10; // ' (other)
const C_SLASH = 11; // / (other)
const C_OTHER = 12; // punctuation, symbols, controls, unassigned, lone surrogates, …

const bit = (c: number): number => 1 << c;
/** [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] */
const M_UC = bit(C_UP) | bit(C_BOTH) | bit(C_MARK);
/** [\p{Ll}\p{Lm}\p{Lo}\p{M}] */
const M_LC = bit(C_LO) | bit(C_BOTH) | bit(C_MARK);
/** [\p{Lm}\p{Lo}\p{M}]: the code points at which Lc+ can start inside a Uc run */
const M_BOTH = bit(C_BOTH) | bit(C_MARK);
/** [^\s\p{L}\p{N}] */
const M_PUNCT = bit(C_MARK) | bit(C_APOS) | bit(C_SLASH) | bit(C_OTHER);
/** \s */
const M_SPACE = bit(C_CR) | bit(C_LF) | bit(C_SPACE) | bit(C_WS);
/** [\r\n] */
const M_NL = bit(C_CR) | bit(C_LF);
/** [\r\n/] */
const M_NL_SLASH = M_NL | bit(C_SLASH);

const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ASCII[c] =
    c === 0x0d ? C_CR
    : c === 0x0a ? C_LF
    : c === 0x20 ? C_SPACE
    : c === 0x27 ? C_APOS
    : c === 0x2f ? C_SLASH
    : /\s/u.test(ch) ? C_WS
    : /[A-Z]/.test(ch) ? C_UP
    : /[a-z]/.test(ch) ? C_LO
    : /[0-9]/.test(ch) ? C_NUM
    : C_OTHER;
}

const RE_UP = /[\p{Lu}\p{Lt}]/u;
const RE_LO = /\p{Ll}/u;
const RE_BOTH = /[\p{Lm}\p{Lo}]/u;
const RE_MARK = /\p{M}/u;
const RE_NUM = /\p{N}/u;
const RE_SPACE = /\s/u;

function classify(cp: number): number {
  if (cp < 128) return ASCII[cp];
  if (cp >= 0xd800 && cp <= 0xdfff) return C_OTHER; // lone surrogate (\p{Cs})
  const ch = String.fromCodePoint(cp);
  if (RE_BOTH.test(ch)) return C_BOTH;
  if (RE_LO.test(ch)) return C_LO;
  if (RE_UP.test(ch)) return C_UP;
  if (RE_MARK.test(ch)) return C_MARK;
  if (RE_NUM.test(ch)) return C_NUM;
  if (RE_SPACE.test(ch)) return C_WS;
  return C_OTHER;
}

/** Class of each BMP code point, 0 until first seen. */
const BMP = new Uint8Array(0x10000);
BMP.set(ASCII);
function fillRange(lo: number, hi: number, cls: number, check: RegExp): void {
  // Fast paths for common ranges, verified against the engine so a Unicode-data difference cannot sneak in.
  for (let c = lo; c <= hi; c++) {
    if (check.test(String.fromCharCode(c))) BMP[c] = cls;
  }
}
fillRange(0x4e00, 0x9fff, C_BOTH, RE_BOTH); // CJK Unified Ideographs
fillRange(0x3040, 0x30ff, C_BOTH, RE_BOTH); // Hiragana, Katakana (ー is Lm, punctuation left to classify())
fillRange(0xac00, 0xd7a3, C_BOTH, RE_BOTH); // Hangul syllables

const ASTRAL = new Map<number, number>();

/** Width (1 or 2 code units) of the code point read by the last `classAt`. */
let width = 1;

/** Class of the code point starting at `p` (p < text.length); sets `width`. */
function classAt(text: string, p: number): number {
  const c = text.charCodeAt(p);
  if (c < 0xd800 || c > 0xdfff) {
    width = 1;
    const k = BMP[c];
    if (k !== 0) return k;
    return (BMP[c] = classify(c));
  }
  if (c <= 0xdbff && p + 1 < text.length) {
    const d = text.charCodeAt(p + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      width = 2;
      const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      let k = ASTRAL.get(cp);
      if (k === undefined) {
        k = classify(cp);
        if (ASTRAL.size >= 65536) ASTRAL.clear();
        ASTRAL.set(cp, k);
      }
      return k;
    }
  }
  width = 1;
  return C_OTHER;
}

/** End of the run of code points whose class is in `mask`, starting at `p`. */
function runEnd(text: string, p: number, len: number, mask: number): number {
  while (p < len) {
    const c = text.charCodeAt(p);
    if (c < 128) {
      if (((1 << ASCII[c]) & mask) === 0) return p;
      p++;
    } else {
      if (((1 << classAt(text, p)) & mask) === 0) return p;
      p += width;
    }
  }
  return p;
}

/** `(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?` at `e`. */
function contraction(text: string, e: number, len: number): number {
  if (e + 1 >= len || text.charCodeAt(e) !== 0x27) return e;
  const a = text.charCodeAt(e + 1) | 0x20;
  if (a === 0x73 || a === 0x64 || a === 0x6d || a === 0x74) return e + 2; // s d m t
  if (e + 2 >= len) return e;
  const b = text.charCodeAt(e + 2) | 0x20;
  if ((a === 0x6c && b === 0x6c) || (b === 0x65 && (a === 0x76 || a === 0x72))) return e + 3; // ll ve re
  return e;
}

/**
 * A1 then A2 with the letter part starting at `s`. Returns the end (contraction included) or -1 when neither matches.
 * With `a1Only`, A2 is not tried (the caller has a better fallback).
 */
function letters(text: string, s: number, len: number, a1Only: boolean): number {
  // Maximal Uc run [s,u), remembering the end of its last Lm/Lo/M code point.
  let p = s;
  let lastBoth = -1;
  let k = 0;
  while (p < len) {
    const c = text.charCodeAt(p);
    if (c < 128) {
      k = ASCII[c];
      if (k !== C_UP) break;
      p++;
    } else {
      k = classAt(text, p);
      if (((1 << k) & M_UC) === 0) break;
      p += width;
      if (k !== C_UP) lastBoth = p;
    }
  }
  // here p = u; k is the class at u when p < len
  if (p < len && k === C_LO) return contraction(text, runEnd(text, p, len, M_LC), len);
  if (lastBoth >= 0) return contraction(text, lastBoth, len);
  if (a1Only || p === s) return -1;
  // A2: the Uc run, then Lc* (empty: the code point at u is not Lc), then the contraction.
  return contraction(text, p, len);
}

/** A5–A7 for a whitespace run starting at `i`. */
function spaces(text: string, i: number, len: number): number {
  let p = i;
  let lastNl = -1;
  while (p < len) {
    const c = text.charCodeAt(p);
    const k = c < 128 ? ASCII[c] : classAt(text, p); // all \s code points are BMP
    if (((1 << k) & M_SPACE) === 0) break;
    p++;
    if (k === C_LF || k === C_CR) lastNl = p;
  }
  if (lastNl >= 0) return lastNl; // A5
  if (p === len) return p; // A6 at end of text
  if (p - i >= 2) return p - 1; // A6: leave the last space to prefix the next piece
  return p; // A7
}

/** End of the o200k pre-tokenizer piece that starts at `i` (0 ≤ i < text.length). */
export function pieceEnd(text: string, i: number): number {
  const len = text.length;
  const c = text.charCodeAt(i);
  let k: number;
  let w = 1;
  if (c < 128) k = ASCII[c];
  else {
    k = classAt(text, i);
    w = width;
  }
  switch (k) {
    case C_UP:
    case C_LO:
    case C_BOTH:
      return letters(text, i, len, false);
    case C_NUM: {
      // \p{N}{1,3}
      let p = i + w;
      for (let n = 1; n < 3 && p < len; n++) {
        const d = text.charCodeAt(p);
        if (d < 128) {
          if (ASCII[d] !== C_NUM) break;
          p++;
        } else {
          if (classAt(text, p) !== C_NUM) break;
          p += width;
        }
      }
      return p;
    }
    case C_CR:
    case C_LF:
      return spaces(text, i, len);
    case C_MARK: {
      if (i + w < len) {
        const e = letters(text, i + w, len, true);
        if (e >= 0) return e;
      }
      // A1 without the prefix: the mark alone is the Lc+ (whatever Lu/Lt follow it cannot be Lc).
      return contraction(text, i + w, len);
    }
    default: {
      // prefix-eligible: space, other whitespace, punctuation
      if (i + w < len) {
        const e = letters(text, i + w, len, false);
        if (e >= 0) return e;
      }
      if (k === C_SPACE) {
        const r = runEnd(text, i + 1, len, M_PUNCT);
        if (r > i + 1) return runEnd(text, r, len, M_NL_SLASH);
        return spaces(text, i, len);
      }
      if (k === C_WS) return spaces(text, i, len);
      return runEnd(text, runEnd(text, i + w, len, M_PUNCT), len, M_NL_SLASH);
    }
  }
}

/** The o200k pre-tokenizer pieces of `text`: the same strings as `text.match(O200K_TOKEN_SPLIT_REGEX) ?? []`. */
export function pretokenize(text: string): string[] {
  const out: string[] = [];
  const len = text.length;
  for (let i = 0; i < len; ) {
    const e = pieceEnd(text, i);
    out.push(text.slice(i, e));
    i = e;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Per-piece token-count memo: two generations, so it stays bounded without per-entry bookkeeping. New pieces go to
// `young`; when it fills up it becomes `old` (the previous `old` is dropped). A hit in `old` is copied into `young`,
// so pieces in steady use survive every rotation. Total size ≤ 2 × half = limit.

const DEFAULT_PIECE_CACHE_LIMIT = 100_000;
let half = DEFAULT_PIECE_CACHE_LIMIT >> 1;
let young = new Map<string, number>();
let old = new Map<string, number>();

function remember(piece: string, n: number): void {
  if (young.size >= half) {
    old = young;
    young = new Map();
  }
  young.set(piece, n);
}

function pieceTokens(piece: string): number {
  let n = young.get(piece);
  if (n !== undefined) return n;
  n = old.get(piece);
  if (n === undefined) n = countTokens(piece);
  remember(piece, n);
  return n;
}

/**
 * Texts that might hold a special token such as `<|endoftext|>` are left to the library, which throws on them by
 * default; pieces of other texts never contain one.
 */
const MAYBE_SPECIAL = /<\|[^|>]{1,64}\|>/;

/** Exactly `countTokens(text)` from 'gpt-tokenizer/encoding/o200k_base', several times faster. */
export function countTokensExact(text: string): number {
  const len = text.length;
  if (len === 0) return 0;
  if (text.indexOf('<|') !== -1 && MAYBE_SPECIAL.test(text)) return countTokens(text);
  let total = 0;
  for (let i = 0; i < len; ) {
    const e = pieceEnd(text, i);
    if (e === i + 1 && text.charCodeAt(i) < 128) total += 1; // every ASCII character is a token of its own
    else total += pieceTokens(text.slice(i, e));
    i = e;
  }
  return total;
}

/** Bound the per-piece memo to `limit` entries (≥ 2); clears it. */
export function setPieceCacheLimit(limit: number): void {
  half = Math.max(1, Math.floor(limit / 2));
  clearPieceCache();
}

export function clearPieceCache(): void {
  young = new Map();
  old = new Map();
}

/** Entries currently held by the per-piece memo (≤ the limit). */
export function pieceCacheSize(): number {
  return young.size + old.size;
}
