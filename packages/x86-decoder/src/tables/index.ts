// Assembles the opcode maps. Order matters only in that every table module registers its
// forms before `compileForms()` runs (decode.ts imports this module first).

import type { Node } from '../forms.js';
import { oneByteMap } from './one-byte.js';
import { addSimd, extendedMaps, map0F38, map0F3A } from './simd.js';
import { twoByteMap } from './two-byte.js';
import { x87Map } from './x87.js';

const map0F = twoByteMap();
addSimd(map0F);

/** Legacy maps by `Instruction.opMap`: 0 one-byte, 1 0F, 2 0F 38, 3 0F 3A. */
export const MAPS: readonly Node[][] = [oneByteMap(x87Map()), map0F, map0F38(), map0F3A()];

/** VEX/XOP/EVEX maps by `Instruction.opMap`. */
export const VEX_MAPS: Readonly<Record<number, Node[]>> = extendedMaps();
