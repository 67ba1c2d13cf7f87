/**
 * PII rule-detector types.
 *
 * Offsets are UTF-16 code-unit indices into the scanned string (i.e. plain
 * JavaScript string indices), `end` exclusive, so `text.slice(start, end)` is
 * the detected value.
 */
export type PiiType = 'phone' | 'id_card' | 'bank_card' | 'email' | 'passport' | 'wechat' | 'alipay' | 'name' | 'address';

export interface PiiFinding {
  type: PiiType;
  /** UTF-16 offset of the first code unit of the value. */
  start: number;
  /** UTF-16 offset one past the last code unit of the value. */
  end: number;
  /** Which rule produced it, e.g. 'cn_mobile', 'e164', 'cn_id18', 'luhn_card'. */
  detector: string;
}

export interface PiiDetector {
  type: PiiType;
  name: string;
  detect(text: string): PiiFinding[];
}

export const PII_TYPES: readonly PiiType[] = Object.freeze([
  'phone',
  'id_card',
  'bank_card',
  'email',
  'passport',
  'wechat',
  'alipay',
  'name',
  'address',
] as const);
