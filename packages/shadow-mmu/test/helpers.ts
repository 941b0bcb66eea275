// Guest page-table builders and an "execute an access" loop shared by the tests.

import {
  CR0_PG,
  CR0_WP,
  CR4_PGE,
  CR4_PSE,
  FAULT_HIDDEN,
  PF_U,
  PF_W,
  type FaultClass,
} from '../src/index.js';
import { hw, shadowWalk, type Setup } from './fakes.js';

export const PD = 0x1000;
export const PT0 = 0x2000;
export const CR0_ON: number = (CR0_PG | CR0_WP) >>> 0;
export const CR4_ON: number = CR4_PSE | CR4_PGE;

/** DE: kernel root, hardware CPL 3. BT: kernel root, hardware CPL 1. BTU: user-only root, CPL 1. */
export type Mode = 'de' | 'bt' | 'btu';

export function pde(s: Setup, cr3: number, lin: number, v: number): void {
  s.fake.s32((cr3 & ~0xfff) + (lin >>> 22) * 4, v);
}

export function pte(s: Setup, pt: number, lin: number, v: number): void {
  s.fake.s32(pt + ((lin >>> 12) & 1023) * 4, v);
}

export interface Outcome {
  /** 'ok' with the host address, or the class of the last non-hidden fault. */
  result: 'ok' | FaultClass;
  hpa: number;
  hidden: number;
}

/** Performs one guest access the way the monitor loop would: hardware walk, triage, retry. */
export function access(s: Setup, cr3: number, lin: number, write: boolean, mode: Mode): Outcome {
  const root = s.mmu.activate(cr3, mode === 'btu');
  const user = mode === 'de';
  let hidden = 0;
  for (let tries = 0; tries < 4; tries++) {
    const hpa = shadowWalk(s.fake, root, lin, write, user);
    if (hpa >= 0) return { result: 'ok', hpa, hidden };
    const cls = s.mmu.triage(lin, hw.error);
    if (cls !== FAULT_HIDDEN) return { result: cls, hpa: -1, hidden };
    hidden++;
  }
  throw new Error(`hidden faults do not converge at ${lin.toString(16)}`);
}

export function errorCode(write: boolean, user: boolean): number {
  return (write ? PF_W : 0) | (user ? PF_U : 0);
}
