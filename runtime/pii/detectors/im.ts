/**
 * Messaging / payment account IDs, found by context word.
 *
 * wechat_ctx — a WeChat context word (微信, 微信号, 微信账号, weixin, wechat,
 *   WeChat ID, vx, v信, 薇信) followed — within a short gap of spaces,
 *   "ID"/"号"/"账号"/"account", and one of ":", "：", "=", "is", "是", "为",
 *   optionally an opening bracket or quote — by a plausible ID:
 *     wxid_… (system IDs), or 6–20 characters [A-Za-z0-9_-] starting with a
 *     letter that contain at least one digit, "_" or "-" (pure-letter IDs
 *     such as "zhangsan" are skipped: too close to ordinary words), or a
 *     mainland mobile number (WeChat lets users log in / be found by phone).
 * alipay_ctx — an Alipay context word (支付宝, 支付宝账号/帐号/账户, alipay,
 *   Alipay account/ID) followed by the same gap and a mainland mobile number
 *   (optionally +86 and 3-4-4 grouped) or an e-mail address (placeholder
 *   addresses excluded as in email.ts): Alipay login IDs are phones or
 *   e-mails.
 *
 * When the value is also a phone/e-mail, detectPii keeps the wechat/alipay
 * finding (more specific) — see detect.ts.
 */
import type { PiiDetector, PiiFinding } from '../types.ts';
import { cnMobilePrefixOk } from './phone.ts';
import { isPlaceholderEmail } from './email.ts';
import { cueHits } from './cues.ts';
import { standaloneToken } from './util.ts';

const GAP =
  /^[ \t(（]*(?:(?:id|账号|帐号|账户|帐户|号码|号|account|handle|username|联系我|联系|搜索|搜)[ \t]*)?(?:(?:[:：=]|is|是|为)[ \t]*)?[(（"'“‘「]?/i;

const WECHAT_ID_RE = /^(?:wxid_[A-Za-z0-9_-]{4,30}|[A-Za-z][A-Za-z0-9_-]{5,19}|1[3-9]\d{9})(?![A-Za-z0-9_-])/;

const ALIPAY_VALUE_RE =
  /^(?:(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:\d{8}|([ -])\d{4}\1\d{4})(?![0-9A-Za-z_])|[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-]))/;

function valueAfter(text: string, ctxEnd: number): number {
  const slice = text.slice(ctxEnd, ctxEnd + 24);
  const g = GAP.exec(slice);
  return ctxEnd + (g ? g[0].length : 0);
}

function phoneLooksValid(v: string): boolean {
  const d = v.replace(/[^0-9]/g, '');
  const nat = d.length > 11 ? d.slice(d.length - 11) : d;
  return nat.length === 11 && cnMobilePrefixOk(nat.charCodeAt(1) - 48, nat.charCodeAt(2) - 48);
}

export const wechatDetector: PiiDetector = {
  type: 'wechat',
  name: 'wechat_ctx',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    let lastEnd = -1;
    for (const [, cueEnd] of cueHits(text).wechat) {
      const vs = valueAfter(text, cueEnd);
      if (vs < lastEnd) continue;
      const v = WECHAT_ID_RE.exec(text.slice(vs, vs + 40));
      if (!v) continue;
      const id = v[0];
      const isPhone = /^\d/.test(id);
      if (isPhone && !phoneLooksValid(id)) continue;
      if (!isPhone && !id.startsWith('wxid_') && !/[0-9_-]/.test(id)) continue;
      const end = vs + id.length;
      if (!standaloneToken(text, vs, end)) continue;
      out.push({ type: 'wechat', start: vs, end, detector: 'wechat_ctx' });
      lastEnd = end;
    }
    return out;
  },
};

export const alipayDetector: PiiDetector = {
  type: 'alipay',
  name: 'alipay_ctx',
  detect(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    let lastEnd = -1;
    for (const [, cueEnd] of cueHits(text).alipay) {
      const vs = valueAfter(text, cueEnd);
      if (vs < lastEnd) continue;
      const v = ALIPAY_VALUE_RE.exec(text.slice(vs, vs + 120));
      if (!v) continue;
      const val = v[0];
      if (val.includes('@')) {
        if (isPlaceholderEmail(val)) continue;
      } else if (!phoneLooksValid(val)) continue;
      const end = vs + val.length;
      if (!standaloneToken(text, vs, end)) continue;
      out.push({ type: 'alipay', start: vs, end, detector: 'alipay_ctx' });
      lastEnd = end;
    }
    return out;
  },
};

export const imDetectors: readonly PiiDetector[] = [wechatDetector, alipayDetector];
