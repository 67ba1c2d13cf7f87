/**
 * E-mail addresses.
 *
 * email — RFC 5322-ish "dot-atom" addresses: local part of [A-Za-z0-9._%+-]
 *   (1–64, starts and ends with an alphanumeric, no "..") @ a domain of
 *   LDH labels with at least one dot and an alphabetic TLD of 2–24 letters.
 *
 * Labelling decisions — these are NOT reported (they identify nobody):
 *   1. Reserved domains (RFC 2606 / RFC 6761): example.com/.org/.net/.edu
 *      and their subdomains, any *.example, *.test, *.invalid, *.localhost,
 *      *.local, and "localhost".
 *   2. Placeholder domains used in docs and code: domain.com, yourdomain.com,
 *      your-domain.com, mydomain.com, yoursite.com, yourcompany.com,
 *      company.com, email.com, foo.com, bar.com, baz.com, foobar.com,
 *      test.com, xxx.com, xx.com (so foo@bar.com, test@test.com,
 *      user@domain.com are placeholders).
 *   3. Placeholder local parts on any domain: your…/you, someone, somebody,
 *      username, yourname, firstname.lastname, first.last, john.doe,
 *      jane.doe, johndoe, janedoe, xxx…
 *   4. System mailboxes (RFC 2142 and no-reply senders): noreply, no-reply,
 *      no_reply, donotreply, do-not-reply, do_not_reply, mailer-daemon,
 *      postmaster, hostmaster, webmaster, abuse, bounce(s), and any address
 *      at a no-reply relay domain (…@users.noreply.github.com). Other role
 *      addresses (support@, info@, sales@, admin@ at real domains) ARE
 *      reported: they reach people and can identify small businesses.
 *   5. Attribution in licence headers and package metadata: an address on a
 *      line that contains "Copyright", "©", "(c)", "SPDX-FileCopyrightText",
 *      "@author", or an author/maintainer/contributor key before it
 *      ("Author: …", "\"author\": \"…\"", "Maintainers:") — public
 *      authorship metadata of pasted source code and packages.
 *   6. Not addresses at all: git SSH remotes (git@github.com:org/repo),
 *      URL userinfo (https://user:pw@host), file names such as
 *      icon@2x.png (TLD is a file extension), package specs (react@18.2.0,
 *      no alphabetic TLD).
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { insideUrl, isAsciiAlnum, lineBefore } from './util.ts';

const RESERVED_SLD = /(?:^|\.)example\.(?:com|org|net|edu)$/;
const RESERVED_TLD = new Set(['example', 'test', 'invalid', 'localhost', 'local']);
const PLACEHOLDER_DOMAINS = new Set([
  'domain.com', 'yourdomain.com', 'your-domain.com', 'mydomain.com', 'yoursite.com', 'yourcompany.com',
  'company.com', 'email.com', 'foo.com', 'bar.com', 'baz.com', 'foobar.com', 'test.com', 'xxx.com', 'xx.com',
]);
const PLACEHOLDER_LOCAL =
  /^(?:your(?:[._-]?(?:name|email|mail|address|user|username|id|account|handle|own))?|you|someone|somebody|username|user[._-]?name|first[._-]?(?:name)?[._-]?last(?:[._-]?name)?|john[._-]?doe|jane[._-]?doe|x{2,})$/;
const SYSTEM_LOCAL =
  /^(?:no[._-]?reply|do[._-]?not[._-]?reply|mailer[._-]?daemon|postmaster|hostmaster|webmaster|abuse|bounces?)(?:[+._-].*)?$/;
const FILE_TLDS = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'tiff', 'js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'css',
  'scss', 'less', 'json', 'yaml', 'yml', 'toml', 'txt', 'md', 'py', 'go', 'rs', 'java', 'kt', 'rb', 'php', 'html',
  'htm', 'xml', 'mp3', 'mp4', 'mov', 'wav', 'pdf', 'zip', 'gz', 'tar', 'lock', 'log', 'map', 'wasm', 'vue', 'svelte',
]);
const LICENCE_LINE =
  /copyright|©|\(c\)|spdx-file(?:copyrighttext|contributor)|@author|\b(?:authors?|maintainers?|contributors?)\b["']?\s*:/i;

function isLocalCode(c: number): boolean {
  return isAsciiAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

function isDomainCode(c: number): boolean {
  return isAsciiAlnum(c) || c === 46 || c === 45;
}

/** True if the address (already syntactically valid) is a placeholder / non-personal by the rules above. */
export function isPlaceholderEmail(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at).toLowerCase();
  const domain = address.slice(at + 1).toLowerCase();
  if (RESERVED_SLD.test(domain)) return true;
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  if (RESERVED_TLD.has(tld) || domain === 'localhost') return true;
  if (PLACEHOLDER_DOMAINS.has(domain)) return true;
  if (PLACEHOLDER_LOCAL.test(local)) return true;
  if (SYSTEM_LOCAL.test(local)) return true;
  if (/(?:^|\.)no-?reply\./.test(domain)) return true; // users.noreply.github.com relays
  return false;
}

/**
 * Syntactic scan: all address-shaped spans, before the placeholder rules.
 * `onlyReal` applies rules 1–6.
 */
export function scanEmails(text: string, onlyReal: boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = text.indexOf('@');
  let minStart = 0;
  while (at >= 0) {
    const next = text.indexOf('@', at + 1);
    // local part
    let s = at;
    while (s > minStart && s > at - 64 && isLocalCode(text.charCodeAt(s - 1))) s--;
    while (s < at && !isAsciiAlnum(text.charCodeAt(s))) s++;
    // domain
    let e = at + 1;
    const lim = Math.min(text.length, at + 254);
    let dot = -1;
    for (let c = text.charCodeAt(e); e < lim && isDomainCode(c); c = text.charCodeAt(++e)) if (c === 46 && dot < 0) dot = e;
    while (e > at + 1 && !isAsciiAlnum(text.charCodeAt(e - 1))) e--;
    // a valid domain has a dot inside it (its first dot neither first nor last): "a@a@…" is rejected here without building strings
    const r = dot > at + 1 && dot < e - 1 && s < at && check(text, s, at, e, onlyReal);
    if (r) {
      out.push([s, e]);
      minStart = e;
    }
    at = next;
  }
  return out;
}

function check(text: string, s: number, at: number, e: number, onlyReal: boolean): boolean {
  if (s >= at || e <= at + 1) return false;
  const local = text.slice(s, at);
  if (local.includes('..') || !isAsciiAlnum(local.charCodeAt(local.length - 1))) return false;
  const domain = text.slice(at + 1, e);
  if (domain.includes('..')) return false;
  const labels = domain.split('.');
  if (labels.length < 2 || labels.length > 10) return false;
  for (const l of labels) {
    if (l.length === 0 || l.length > 63 || l.charCodeAt(0) === 45 || l.charCodeAt(l.length - 1) === 45) return false;
  }
  const tld = labels[labels.length - 1];
  if (!/^[A-Za-z]{2,24}$/.test(tld)) return false;
  // "@" directly before the local part: "@scope/pkg@…" style or "a@b@c"
  const before = text.charCodeAt(s - 1);
  if (before === 64) return false;
  if (!onlyReal) return true;
  if (FILE_TLDS.has(tld.toLowerCase())) return false;
  // git SSH remote: git@host:owner/repo
  if (local === 'git' && text.charCodeAt(e) === 58) return false;
  if (insideUrl(text, s)) return false;
  if (isPlaceholderEmail(local + '@' + domain)) return false;
  // licence / attribution header line
  if (LICENCE_LINE.test(lineBefore(text, s, 200))) return false;
  return true;
}

export const emailDetector: PiiDetector = {
  type: 'email',
  name: 'email',
  detect(text: string): PiiFinding[] {
    if (text.indexOf('@') < 0) return [];
    return scanEmails(text, true).map(([start, end]) => ({ type: 'email', start, end, detector: 'email' }));
  },
};

export const emailDetectors: readonly PiiDetector[] = [emailDetector];
