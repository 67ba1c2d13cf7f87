/**
 * All rule detectors, grouped by PII type. One file per detector family.
 */
import type { PiiDetector, PiiType } from '../types.ts';
import { addressDetectors } from './address.ts';
import { bankCardDetectors } from './bank-card.ts';
import { emailDetectors } from './email.ts';
import { idCardDetectors } from './id-card.ts';
import { imDetectors } from './im.ts';
import { nameDetectors } from './name.ts';
import { passportDetectors } from './passport.ts';
import { phoneDetectors } from './phone.ts';

export const DETECTORS: readonly PiiDetector[] = Object.freeze([
  ...phoneDetectors,
  ...idCardDetectors,
  ...bankCardDetectors,
  ...emailDetectors,
  ...passportDetectors,
  ...imDetectors,
  ...nameDetectors,
  ...addressDetectors,
]);

/** Detectors for one type, in declaration order. */
export function detectorsFor(type: PiiType): PiiDetector[] {
  return DETECTORS.filter((d) => d.type === type);
}
