// The documented, deliberate differences between the opcode table's flag facts and
// iced-x86's. A difference that matches no entry fails test/iced-flags.test.ts; an entry
// that matches nothing fails it too (so the table stays minimal).
import { FL } from '../../src/index.js';
import { fromOurs } from './iced-flags-lib.js';

export interface FlagSets {
  /** Written (defined or not), common mask of iced-flags-lib. */
  w: number;
  /** Undefined, common mask. */
  u: number;
}

export interface FlagException {
  id: string;
  /** Form names the exception applies to. */
  forms: RegExp;
  reason: string;
  /** Whether the difference between our facts and iced's is the documented one. */
  accept: (ours: FlagSets, iced: FlagSets) => boolean;
}

const sub = (a: number, b: number): boolean => (a & ~b) === 0;

export const FLAG_EXCEPTIONS: readonly FlagException[] = [
  {
    id: 'interrupt-delivery',
    forms: /^(Int3|Int_Ib|Into|Int1)$/,
    reason:
      'INT n/INT3/INTO/INT1 list the flags the event delivery clears (IF through an interrupt ' +
      'gate, IF and AC in real mode; TF/NT/RF/VM are outside the compared set); iced models ' +
      'only what the instruction itself computes and reports none.',
    accept: (ours, iced) =>
      iced.w === 0 && iced.u === 0 && ours.u === 0 && sub(ours.w, fromOurs(FL.IF | FL.AC)),
  },
];
