// EVEX (62 prefix in 32-bit code): opMap 33 (0F), 34 (0F 38), 35 (0F 3A), 37/38 (FP16 maps 5/6).
//
// The EVEX maps start as copies of the VEX maps (same names and operand shapes; objdump
// prints "{evex}" before such forms when nothing EVEX-only is in use), widened to 512 bits
// by L'L, with the W-named AVX-512 forms (VPANDD/VPANDQ, VMOVDQA32...) overriding the
// VEX rows. Opcodes not named here still decode with their exact length through a generic
// form, so the length is right even where the text is not.
//
// The run-time side: register width by L'L (or 512 bits under embedded rounding), memory
// size by L'L, broadcast (objdump prints "DWORD BCST"), compressed disp8*N, and the
// decorations {k}{z}, {rn-sae}/{sae}.

import { FORMS, INVALID, NK, Node, f, type Facts } from '../forms.js';
import { Instruction, OpKind } from '../instruction.js';
import { Loc, RC, SPEC_ID, SPEC_LOC, SPEC_M32, SPEC_RC } from '../operands.js';
import { Reg } from '../registers.js';
import { EVEX_XE, setEvexDecorator, setEvexFixer, SIMD_TEXT, TextKind } from '../vex.js';
import { P } from './simd.js';
import { vw } from './vex-maps.js';

const E: Facts = { isa: 'avx512', touch: 32768 };
/** Generic forms (exact length, approximate text). */
const GENERIC: Set<number> = new Set();

function generic(imm: boolean): Node {
  const n = f(imm ? 'vevex Vy,Hy,Wy,Ib' : 'vevex Vy,Hy,Wy', E);
  GENERIC.add(n.form);
  return n;
}

/** Copies a VEX tree for EVEX: INVALID leaves become the generic form, L'L = 2 reuses L = 1. */
function evexify(n: Node, fb: Node, seen: Map<Node, Node>): Node {
  if (n.kind === NK.INVALID) return fb;
  const hit = seen.get(n);
  if (hit) return hit;
  let out: Node;
  if (n.kind === NK.INVALID) out = fb;
  else if (n.kind === NK.FORM) {
    EVEX_XE.add(n.form);
    out = n;
  } else if (n.kind === NK.VEXL) {
    const k = n.kids.map((c) => evexify(c, fb, seen));
    const l1 = n.kids[1] as Node;
    out = new Node(NK.VEXL, 0, [k[0] as Node, k[1] as Node, l1.kind === NK.INVALID ? fb : (k[1] as Node), fb]);
  } else {
    out = new Node(n.kind, n.form, n.kids.map((c) => evexify(c, fb, seen)));
  }
  seen.set(n, out);
  return out;
}

const r = (text: string): Node => f(text, { ...E, mem: 1 });
const w = (text: string): Node => f(text, { ...E, mem: 2 });

export function buildEvexMaps(vex: Record<number, Node[]>): Record<number, Node[]> {
  const out: Record<number, Node[]> = {};
  const IMM1 = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);
  for (const [em, vm] of [[33, 17], [34, 18], [35, 19]] as const) {
    const src = vex[vm] as Node[];
    const seen = new Map<Node, Node>();
    out[em] = src.map((n, op) => {
      const fb = generic(em === 35 || (em === 33 && IMM1.has(op)));
      return evexify(n, fb, seen);
    });
  }
  out[37] = new Array<Node>(256).fill(generic(false));
  out[38] = new Array<Node>(256).fill(generic(false));
  const m1 = out[33] as Node[];
  const e66 = (n: Node): Node => P(undefined, n);
  const wq = (base: string, ops: string, d = 'd', q = 'q'): Node => vw(r(`${base}${d} ${ops}`), r(`${base}${q} ${ops}`));
  m1[0xdb] = e66(wq('vpand', 'Vy,Hy,Wy'));
  m1[0xdf] = e66(wq('vpandn', 'Vy,Hy,Wy'));
  m1[0xeb] = e66(wq('vpor', 'Vy,Hy,Wy'));
  m1[0xef] = e66(wq('vpxor', 'Vy,Hy,Wy'));
  m1[0x6f] = P(undefined, wq('vmovdqa', 'Vy,Wy', '32', '64'), wq('vmovdqu', 'Vy,Wy', '32', '64'), wq('vmovdqu', 'Vy,Wy', '8', '16'));
  const ws = (base: string, d: string, q: string): Node => vw(w(`${base}${d} Wy,Vy`), w(`${base}${q} Wy,Vy`));
  m1[0x7f] = P(undefined, ws('vmovdqa', '32', '64'), ws('vmovdqu', '32', '64'), ws('vmovdqu', '8', '16'));
  m1[0xe2] = e66(vw(r('vpsrad Vy,Hy,Wx'), r('vpsraq Vy,Hy,Wx')));
  // compares write a mask register
  const kc = (text: string, suf: string): Node => {
    const n = r(text);
    SIMD_TEXT.set(n.form, [TextKind.CMP32, 'vcmp', suf]);
    return n;
  };
  m1[0xc2] = P(vw(kc('vcmpps KG,Hy,Wy,Ib', 'ps'), undefined), vw(undefined, kc('vcmppd KG,Hy,Wy,Ib', 'pd')),
    vw(kc('vcmpss KG,Hx,Wd,Ib', 'ss'), undefined), vw(undefined, kc('vcmpsd KG,Hx,Wq,Ib', 'sd')));
  for (const [op, name] of [[0x64, 'vpcmpgtb'], [0x65, 'vpcmpgtw'], [0x66, 'vpcmpgtd'], [0x74, 'vpcmpeqb'], [0x75, 'vpcmpeqw'], [0x76, 'vpcmpeqd']] as const) {
    m1[op] = e66(r(`${name} KG,Hy,Wy`));
  }
  const m2 = out[34] as Node[];
  m2[0x29] = e66(r('vpcmpeqq KG,Hy,Wy'));
  m2[0x37] = e66(r('vpcmpgtq KG,Hy,Wy'));
  for (const [op, d, q] of [[0x39, 'vpminsd', 'vpminsq'], [0x3b, 'vpminud', 'vpminuq'], [0x3d, 'vpmaxsd', 'vpmaxsq'],
    [0x3f, 'vpmaxud', 'vpmaxuq'], [0x40, 'vpmulld', 'vpmullq']] as const) {
    m2[op] = e66(vw(r(`${d} Vy,Hy,Wy`), r(`${q} Vy,Hy,Wy`)));
  }
  m2[0x2c] = e66(vw(r('vscalefps Vy,Hy,Wy'), r('vscalefpd Vy,Hy,Wy')));
  m2[0x2d] = e66(vw(r('vscalefss Vx,Hx,Wd'), r('vscalefsd Vx,Hx,Wq')));
  setEvexFixer(fixEvex);
  setEvexDecorator(decorate);
  return out;
}

// ---- run time ---------------------------------------------------------------------------

const SPEC_WY = SPEC_ID['Wy'] as number;
const PTR_BY_SIZE: Record<number, string> = {
  1: 'BYTE PTR ', 2: 'WORD PTR ', 4: 'DWORD PTR ', 8: 'QWORD PTR ', 16: 'XMMWORD PTR ', 32: 'YMMWORD PTR ',
  64: 'ZMMWORD PTR ',
};
const BCST_BY_SIZE: Record<number, string> = { 2: 'WORD BCST ', 4: 'DWORD BCST ', 8: 'QWORD BCST ' };
void SPEC_WY;

/** Register/memory widths by L'L, broadcast and disp8*N. */
function fixEvex(out: Instruction): void {
  const row = FORMS[out.form];
  if (!row) return;
  const rounding = out.evexB !== 0 && out.modrm >= 0xc0;
  const L = rounding ? 2 : out.vexL;
  for (let i = 0; i < row.ops.length; i++) {
    const spec = row.ops[i] as number;
    const rc = SPEC_RC[spec] as number;
    if (rc !== RC.XMMV && rc !== RC.XMMH) continue;
    const loc = SPEC_LOC[spec] as number;
    // vector bytes of this operand at this L'L
    let bytes = SPEC_M32[spec] as number;
    if (L === 0) bytes = bytes / 2;
    else if (L >= 2) bytes = bytes * 2;
    if (rc === RC.XMMV && bytes < 16 && loc !== Loc.RM) bytes = 16;
    if (out.opKind[i] === OpKind.REG) {
      const num = (out.opReg[i] as number) & 7;
      const vbytes = rc === RC.XMMV ? (L === 0 ? 16 : L === 1 ? 32 : 64) : bytes;
      out.opReg[i] = (vbytes >= 64 ? Reg.ZMM0 : vbytes >= 32 ? Reg.YMM0 : Reg.XMM0) + num;
    } else if (out.opKind[i] === OpKind.MEM && loc === Loc.RM) {
      if (rc === RC.XMMV && (SPEC_M32[spec] as number) === 32 && L < 2) bytes = L === 0 ? 16 : 32;
      out.opBytes[i] = bytes;
    }
  }
  // memory operand: broadcast element size and disp8*N
  for (let i = 0; i < out.opCount; i++) {
    if (out.opKind[i] !== OpKind.MEM) continue;
    let n = out.opBytes[i] as number;
    if (out.evexB) n = out.vexW ? 8 : 4;
    if (out.memDispSize === 1 && n > 1) out.memDisp *= n;
    break;
  }
}

const RC_NAMES = ['{rn-sae}', '{rd-sae}', '{ru-sae}', '{rz-sae}'];
const ROUNDING = /^v(add|sub|mul|div|sqrt|scalef|cvt|f(n?m(add|sub)|maddsub|msubadd))/;
const SAE_ONLY = /^v(max|min|cmp|u?comi|getexp|getmant|range|reduce|rndscale|fixupimm|cvtt|cvtps2pd|cvtph2ps|cvtss2sd)/;

function decorate(insn: Instruction, parts: string[]): void {
  const row = FORMS[insn.form];
  if (!row) return;
  for (let i = 0; i < insn.opCount && i < parts.length; i++) {
    if (insn.opKind[i] !== OpKind.MEM) continue;
    const bytes = insn.opBytes[i] as number;
    const p = parts[i] as string;
    const m = /^(?:[A-Z]+ PTR )?/.exec(p);
    const rest = p.slice(m ? m[0].length : 0);
    if (insn.evexB) parts[i] = (BCST_BY_SIZE[insn.vexW ? 8 : 4] as string) + rest;
    else if (m && m[0] && PTR_BY_SIZE[bytes]) parts[i] = (PTR_BY_SIZE[bytes]) + rest;
  }
  if (insn.evexB && insn.modrm >= 0xc0) {
    let last = -1;
    for (let i = 0; i < parts.length; i++) if (insn.opKind[i] === OpKind.REG) last = i;
    const mn = row.mnem32;
    if (SAE_ONLY.test(mn)) {
      if (last >= 0) parts[last] = `${parts[last]}{sae}`;
    } else if (ROUNDING.test(mn)) {
      if (last >= 0) parts[last] = `${parts[last]}${RC_NAMES[insn.vexL & 3]}`;
    } else {
      parts.push(`${(RC_NAMES[insn.vexL & 3] as string).slice(0, 3)}-bad}`);
    }
  }
  if (parts.length > 0) {
    if (insn.evexAaa) parts[0] = `${parts[0]}{k${insn.evexAaa}}`;
    if (insn.evexZ) parts[0] = `${parts[0]}{z}`;
  }
}

void SIMD_TEXT;
void TextKind;
void INVALID;
