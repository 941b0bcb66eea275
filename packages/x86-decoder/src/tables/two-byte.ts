// The two-byte opcode map 0F xx (SDM Vol. 2, Table A-3): integer and system forms.
// SIMD rows (MMX/SSE/SSE2 and later) are filled in by simd.ts; opcodes that later CPUs
// defined are named as objdump names them and labelled with their ISA extension, so the
// CPU core can raise #UD for what a Pentium Pro/II lacks while the disassembler still
// prints them.

import {
  Cf, FL, Imp, MemAcc, OSZAP, OSZAPC, Priv, Touch, INVALID, f, group, mod, pfx, rmsel,
  type Facts, type Node,
} from '../forms.js';
import { CC_READS, JCC_NAMES } from './one-byte.js';

const R = MemAcc.READ;
const W = MemAcc.WRITE;
const N = MemAcc.NONE;
const RW = MemAcc.RW;
const PRIV: Facts = { priv: Priv.PRIVILEGED };
const SENS: Facts = { priv: Priv.SENSITIVE, touch: Touch.DESC_TABLE };
const CC_NAMES = JCC_NAMES.map((n) => n.slice(1));
const BT_FLAGS: Facts = { w: FL.CF | FL.OF | FL.SF | FL.AF | FL.PF, u: FL.OF | FL.SF | FL.AF | FL.PF };
const SHXD: Facts = { w: OSZAPC, u: FL.OF | FL.AF };
const other = (isa: string, x: Facts = {}): Facts => ({ isa, ...x });
/** VMX, SGX, TSX-test, CET and the wait/commit forms report success in CF/ZF and clear the other status flags. */
const ST: Facts = { w: OSZAPC };
/** SYSCALL/SYSRET/SKINIT load or mask the whole of FLAGS' low word. */
const ALL9: number = OSZAPC | FL.DF | FL.IF | FL.AC;

export function twoByteMap(): Node[] {
  const t: Node[] = new Array<Node>(256).fill(INVALID);
  t[0x00] = group([
    f('sldt EvMw', { ...SENS, mem: W }),
    f('str EvMw', { ...SENS, mem: W, touch: Touch.DESC_TABLE | Touch.TASK }),
    f('lldt Ew', { ...PRIV, mem: R, touch: Touch.DESC_TABLE }),
    f('ltr Ew', { ...PRIV, mem: R, touch: Touch.DESC_TABLE | Touch.TASK }),
    f('verr Ew', { ...SENS, mem: R, w: FL.ZF }),
    f('verw Ew', { ...SENS, mem: R, w: FL.ZF }),
  ]);
  const sys = (text: string, isa: string, x: Facts = {}): Node => f(text, other(isa, x));
  t[0x01] = mod(
    group([
      f('sgdtw|sgdtd Ms', { ...SENS, mem: W }),
      f('sidtw|sidtd Ms', { ...SENS, mem: W }),
      f('lgdtw|lgdtd Ms', { ...PRIV, mem: R, touch: Touch.DESC_TABLE }),
      f('lidtw|lidtd Ms', { ...PRIV, mem: R, touch: Touch.DESC_TABLE }),
      f('smsw EvMw', { priv: Priv.SENSITIVE, touch: Touch.CR, mem: W }),
      pfx(INVALID, INVALID, f('rstorssp Mq', other('cet', { mem: RW, ...ST }))),
      f('lmsw Ew', { ...PRIV, touch: Touch.CR, mem: R }),
      f('invlpg Mb', { ...PRIV, touch: Touch.TLB, mem: N, isa: 'i486' }),
    ]),
    group([
      rmsel([sys('enclv', 'other', ST), sys('vmcall', 'vmx', ST), sys('vmlaunch', 'vmx', ST), sys('vmresume', 'vmx', ST), sys('vmxoff', 'vmx', ST),
        sys('pconfig', 'other', ST), sys('wrmsrns', 'other', PRIV)]),
      rmsel([sys('monitor', 'other'), sys('mwait', 'other'), sys('clac', 'other', { w: FL.AC }), sys('stac', 'other', { w: FL.AC }),
        pfx(INVALID, sys('tdcall', 'other', PRIV)), INVALID, INVALID, sys('encls', 'other', ST)]),
      rmsel([sys('xgetbv', 'xsave'), sys('xsetbv', 'xsave'), INVALID, INVALID, sys('vmfunc', 'vmx', ST),
        sys('xend', 'other'), sys('xtest', 'other', ST), sys('enclu', 'other', ST)]),
      rmsel([sys('vmrun', 'amd'), pfx(sys('vmmcall', 'amd'), INVALID, sys('vmgexit', 'amd'), sys('vmgexit', 'amd')), sys('vmload', 'amd'), sys('vmsave', 'amd'),
        sys('stgi', 'amd'), sys('clgi', 'amd'), sys('skinit', 'amd', { w: ALL9 }), sys('invlpga', 'amd')]),
      rmsel(new Array<Node>(8).fill(f('smsw EvMw', { priv: Priv.SENSITIVE, touch: Touch.CR }))),
      rmsel([pfx(sys('serialize', 'other'), INVALID, sys('setssbsy', 'cet'), sys('xsusldtrk', 'other')),
        pfx(INVALID, INVALID, INVALID, sys('xresldtrk', 'other')), pfx(INVALID, INVALID, sys('saveprevssp', 'cet')),
        INVALID, INVALID, INVALID, pfx(sys('rdpkru', 'other')), pfx(sys('wrpkru', 'other'))]),
      rmsel(new Array<Node>(8).fill(f('lmsw Ew', { ...PRIV, touch: Touch.CR }))),
      rmsel([sys('swapgs', 'x86-64', PRIV), sys('rdtscp', 'other', { touch: Touch.TSC }), pfx(sys('monitorx', 'amd'), INVALID, sys('mcommit', 'amd', ST)),
        pfx(sys('mwaitx', 'amd')), sys('clzero', 'amd'), pfx(sys('rdpru', 'amd', ST)), pfx(sys('invlpgb', 'amd', PRIV)),
        pfx(sys('tlbsync', 'amd', PRIV), INVALID, INVALID, sys('pvalidate', 'amd', { ...PRIV, ...ST }))]),
    ]),
  );
  t[0x02] = f('lar Gv,EvMw', { ...SENS, mem: R, w: FL.ZF });
  t[0x03] = f('lsl Gv,EvMw', { ...SENS, mem: R, w: FL.ZF });
  t[0x05] = f('syscall', other('amd', { cf: Cf.SYSCALL, w: ALL9 }));
  t[0x06] = f('clts', { ...PRIV, touch: Touch.CR });
  t[0x07] = f('sysret', other('amd', { cf: Cf.SYSCALL, w: ALL9 }));
  t[0x08] = f('invd', { ...PRIV, touch: Touch.CACHE, isa: 'i486' });
  {
    const wbinvd = (): Node => f('wbinvd', { ...PRIV, touch: Touch.CACHE, isa: 'i486' });
    t[0x09] = pfx(wbinvd(), wbinvd(), f('wbnoinvd', { ...PRIV, touch: Touch.CACHE, isa: 'other' }), wbinvd());
  }
  t[0x0b] = f('ud2', { cf: Cf.UD, isa: 'p6' });
  {
    const pf = (): Node => f('prefetch Mb', other('3dnow', { mem: N }));
    t[0x0d] = mod(
      group([pf(), f('prefetchw Mb', other('3dnow', { mem: N })), f('prefetchwt1 Mb', other('other', { mem: N })), pf(), pf(), pf(), pf(), pf()]),
      INVALID,
    );
  }
  // 0F AE (group 15): FXSAVE/FXRSTOR, MXCSR, XSAVE family, cache-line flushes and fences.
  // The memory forms ignore 66/F2/F3 unless a later extension took the slot.
  {
    const ig = { pfxIgnored: true };
    const mem4 = (x: Facts = {}): Node[] => [
      f('fxsave Mfx', other('fxsr', { mem: W, touch: Touch.FPU | Touch.SIMD, ...x })),
      f('fxrstor Mfx', other('fxsr', { mem: R, touch: Touch.FPU | Touch.SIMD, ...x })),
      f('ldmxcsr Md', other('sse', { mem: R, touch: Touch.SIMD, ...x })),
      f('stmxcsr Md', other('sse', { mem: W, touch: Touch.SIMD, ...x })),
    ];
    const fence = (mn: string, isa: string, x: Facts = {}): Node => f(mn, other(isa, { modrm: true, ...x }));
    const only0 = (n: Node): Node => rmsel([n]);
    const reg = (mn: string): Node => f(`${mn} Rd`, other('other'));
    const regv = (mn: string): Node => f(`${mn} Rz`, other('other'));
    t[0xae] = pfx(
      mod(
        group([...mem4(), f('xsave M', other('xsave', { mem: W })), f('xrstor M', other('xsave', { mem: R })),
          f('xsaveopt M', other('xsave', { mem: W })), f('clflush Mb', other('clflush', { mem: N }))]),
        group([INVALID, INVALID, INVALID, INVALID, INVALID, fence('lfence', 'sse2'), only0(fence('mfence', 'sse2')),
          only0(fence('sfence', 'sse'))]),
      ),
      mod(
        group([...mem4(ig), INVALID, INVALID, f('clwb Mb', other('other', { mem: N })), f('clflushopt Mb', other('other', { mem: N }))]),
        group([INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, f('tpause Rd', other('other', ST)), only0(fence('sfence', 'sse', ig))]),
      ),
      mod(
        group([...mem4(ig), f('ptwrite Ed', other('other', { mem: R })), INVALID, f('clrssbsy Mq', other('cet', { mem: RW, ...ST })), INVALID]),
        group([regv('rdfsbase'), regv('rdgsbase'), regv('wrfsbase'), regv('wrgsbase'), f('ptwrite Ed', other('other', { mem: R })),
          reg('incsspd'), f('umonitor Ra', other('other')), only0(fence('sfence', 'sse', ig))]),
      ),
      mod(group(mem4(ig)), group([INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, f('umwait Rd', other('other', ST)), only0(fence('sfence', 'sse', ig))])),
    );
  }
  t[0x0e] = f('femms', other('3dnow'));
  t[0x18] = mod(
    group([
      f('prefetchnta Mb', other('sse', { mem: N })), f('prefetcht0 Mb', other('sse', { mem: N })),
      f('prefetcht1 Mb', other('sse', { mem: N })), f('prefetcht2 Mb', other('sse', { mem: N })),
      f('nop Ev', other('p6', { mem: N })), f('nop Ev', other('p6', { mem: N })),
      f('nop Ev', other('p6', { mem: N })), f('nop Ev', other('p6', { mem: N })),
    ]),
    f('nop Ev', other('p6', { mem: N })),
  );
  // 0F 19-1F: hint NOPs (Ev read by nobody), with MPX, CET and CLDEMOTE carved out of them.
  // A REP prefix on a hint NOP is ignored (objdump prints it: "repz nop eax").
  const hint = (): Node => f('nop Ev', other('p6', { mem: N }));
  const hintRep = (): Node => f('nop Ev', other('p6', { mem: N, pfxIgnored: true }));
  for (const op of [0x19, 0x1d, 0x1f]) t[op] = hint();
  t[0x1c] = pfx(mod(group([f('cldemote Mb', other('other', { mem: N })), hint(), hint(), hint(), hint(), hint(), hint(), hint()]), hint()), hintRep(), hintRep(), hintRep());
  const MPX = (x: Facts = {}): Facts => other('mpx', { mem: R, ...x });
  t[0x1a] = pfx(
    mod(f('bndldx BR,M', MPX()), hint()),
    f('bndmov BR,BM', MPX()),
    f('bndcl BR,EdM0', MPX()),
    f('bndcu BR,EdM0', MPX()),
  );
  t[0x1b] = pfx(
    mod(f('bndstx M,BR', MPX({ mem: W })), hint()),
    f('bndmov BM,BR', MPX({ mem: W })),
    mod(f('bndmk BR,M', MPX({ mem: N })), hintRep()),
    f('bndcn BR,EdM0', MPX()),
  );
  const hints8 = (): Node[] => [hintRep(), hintRep(), hintRep(), hintRep(), hintRep(), hintRep(), hintRep(), hintRep()];
  const endbr = hints8();
  endbr[2] = f('endbr64', other('cet'));
  endbr[3] = f('endbr32', other('cet'));
  const f3reg = hints8();
  f3reg[1] = f('rdsspd Rd', other('cet'));
  f3reg[7] = rmsel(endbr);
  t[0x1e] = pfx(hint(), hint(), mod(hintRep(), group(f3reg)), hintRep());
  // VIA PadLock (register forms only; the ModRM.rm bits are ignored). REP is part of the
  // usual encoding but objdump prints it as a plain prefix.
  {
    const via = (mn: string): Node => f(mn, other('other', { modrm: true, imp: Imp.RSI | Imp.RDI | Imp.RCX | Imp.RAX }));
    t[0xa6] = mod(INVALID, group([via('montmul'), via('xsha1'), via('xsha256')]));
    t[0xa7] = mod(INVALID, group([via('xstore-rng'), via('xcrypt-ecb'), via('xcrypt-cbc'), via('xcrypt-ctr'), via('xcrypt-cfb'), via('xcrypt-ofb')]));
  }
  const CR = { ...PRIV, touch: Touch.CR, noOsz: true, w: OSZAPC, u: OSZAPC };
  const DR = { ...PRIV, touch: Touch.DR, noOsz: true, w: OSZAPC, u: OSZAPC };
  t[0x20] = f('mov Rd,Cd', CR);
  t[0x21] = f('mov Rd,Dd', DR);
  t[0x22] = f('mov Cd,Rd', CR);
  t[0x23] = f('mov Dd,Rd', DR);
  t[0x24] = f('mov Rd,Td', { ...PRIV, w: OSZAPC, u: OSZAPC, touch: Touch.TEST_REG, noOsz: true, isa: 'test-reg' });
  t[0x26] = f('mov Td,Rd', { ...PRIV, w: OSZAPC, u: OSZAPC, touch: Touch.TEST_REG, noOsz: true, isa: 'test-reg' });
  t[0x30] = f('wrmsr', { ...PRIV, touch: Touch.MSR, isa: 'i586', imp: Imp.RAX | Imp.RCX | Imp.RDX });
  t[0x31] = f('rdtsc', { touch: Touch.TSC, isa: 'i586', imp: Imp.RAX | Imp.RDX, priv: Priv.SENSITIVE });
  t[0x32] = f('rdmsr', { ...PRIV, touch: Touch.MSR, isa: 'i586', imp: Imp.RAX | Imp.RCX | Imp.RDX });
  t[0x33] = f('rdpmc', { isa: 'rdpmc', imp: Imp.RAX | Imp.RCX | Imp.RDX, priv: Priv.SENSITIVE });
  t[0x34] = f('sysenter', { cf: Cf.SYSCALL, isa: 'sep', touch: Touch.MSR | Touch.SREG_WRITE, w: FL.IF | FL.VM | FL.RF });
  t[0x35] = f('sysexit', { cf: Cf.SYSCALL, isa: 'sep', ...PRIV, touch: Touch.MSR | Touch.SREG_WRITE });
  t[0x37] = f('getsec', other('smx'));
  for (let cc = 0; cc < 16; cc++) {
    t[0x40 + cc] = f(`cmov${CC_NAMES[cc]} Gv,Ev`, { isa: 'cmov', r: CC_READS[cc], mem: R });
    t[0x80 + cc] = f(`${JCC_NAMES[cc]} Jz`, { cf: Cf.JCC, r: CC_READS[cc] });
    t[0x90 + cc] = f(`set${CC_NAMES[cc]} Eb`, { r: CC_READS[cc], mem: W });
  }
  const segPush = { imp: Imp.PUSH, sfx: true, touch: Touch.SREG_READ, priv: Priv.SENSITIVE };
  const segPop = { imp: Imp.POP, sfx: true, touch: Touch.SREG_WRITE, priv: Priv.SENSITIVE };
  t[0xa0] = f('push FS', segPush);
  t[0xa1] = f('pop FS', segPop);
  t[0xa2] = f('cpuid', { touch: Touch.CPUID, isa: 'i586', imp: Imp.RAX | Imp.RBX | Imp.RCX | Imp.RDX });
  t[0xa3] = f('bt Ev,Gv', { ...BT_FLAGS, mem: R });
  t[0xa4] = f('shld Ev,Gv,Ib', SHXD);
  t[0xa5] = f('shld Ev,Gv,CL', SHXD);
  t[0xa8] = f('push GS', segPush);
  t[0xa9] = f('pop GS', segPop);
  t[0xaa] = f('rsm', { ...PRIV, isa: 'i586', w: 0x3f7fd5 });
  t[0xab] = f('bts Ev,Gv', { ...BT_FLAGS, lock: true });
  t[0xac] = f('shrd Ev,Gv,Ib', SHXD);
  t[0xad] = f('shrd Ev,Gv,CL', SHXD);
  t[0xaf] = f('imul Gv,Ev', { w: OSZAPC, u: FL.SF | FL.ZF | FL.AF | FL.PF, mem: R });
  t[0xb0] = f('cmpxchg Eb,Gb', { lock: true, w: OSZAPC, isa: 'i486', imp: Imp.RAX });
  t[0xb1] = f('cmpxchg Ev,Gv', { lock: true, w: OSZAPC, isa: 'i486', imp: Imp.RAX });
  t[0xb2] = f('lss Gv,Mp', { mem: R, touch: Touch.SREG_WRITE });
  t[0xb3] = f('btr Ev,Gv', { ...BT_FLAGS, lock: true });
  t[0xb4] = f('lfs Gv,Mp', { mem: R, touch: Touch.SREG_WRITE });
  t[0xb5] = f('lgs Gv,Mp', { mem: R, touch: Touch.SREG_WRITE });
  t[0xb6] = f('movzx Gv,Eb', { mem: R });
  t[0xb7] = f('movzx Gv,Ew', { mem: R });
  t[0xb8] = pfx(INVALID, INVALID, f('popcnt Gv,Ev', other('popcnt', { w: OSZAPC, mem: R })));
  t[0xb9] = f('ud1 Gv,Ev', { cf: Cf.UD, mem: N });
  t[0xba] = group([
    INVALID, INVALID, INVALID, INVALID,
    f('bt Ev,Ib', { ...BT_FLAGS, mem: R }),
    f('bts Ev,Ib', { ...BT_FLAGS, lock: true }),
    f('btr Ev,Ib', { ...BT_FLAGS, lock: true }),
    f('btc Ev,Ib', { ...BT_FLAGS, lock: true }),
  ]);
  t[0xbb] = f('btc Ev,Gv', { ...BT_FLAGS, lock: true });
  const BSX: Facts = { w: OSZAPC, u: FL.CF | FL.OF | FL.SF | FL.AF | FL.PF, mem: R };
  const LZ: Facts = other('other', { w: OSZAPC, u: FL.OF | FL.SF | FL.AF | FL.PF, mem: R });
  t[0xbc] = pfx(f('bsf Gv,Ev', BSX), f('bsf Gv,Ev', BSX), f('tzcnt Gv,Ev', LZ), f('bsf Gv,Ev', BSX));
  t[0xbd] = pfx(f('bsr Gv,Ev', BSX), f('bsr Gv,Ev', BSX), f('lzcnt Gv,Ev', LZ), f('bsr Gv,Ev', BSX));
  t[0xbe] = f('movsx Gv,Eb', { mem: R });
  t[0xbf] = f('movsx Gv,Ew', { mem: R });
  t[0xc0] = f('xadd Eb,Gb', { lock: true, w: OSZAPC, isa: 'i486' });
  t[0xc1] = f('xadd Ev,Gv', { lock: true, w: OSZAPC, isa: 'i486' });
  t[0xc7] = mod(
    group([
      INVALID,
      f('cmpxchg8b Mq', { lock: true, w: FL.ZF, isa: 'cx8', imp: Imp.RAX | Imp.RBX | Imp.RCX | Imp.RDX }),
      INVALID, f('xrstors M', other('xsave')), f('xsavec M', other('xsave')), f('xsaves M', other('xsave')),
      pfx(f('vmptrld Mq', other('vmx', ST)), f('vmclear Mq', other('vmx', ST)), f('vmxon Mq', other('vmx', ST))),
      f('vmptrst Mq', other('vmx', { mem: W, ...ST })),
    ]),
    group([
      INVALID, INVALID, INVALID, INVALID, INVALID, INVALID,
      f('rdrand Ev', other('rdrand', { w: OSZAPC, mem: W })),
      pfx(f('rdseed Ev', other('rdrand', { w: OSZAPC, mem: W })), f('rdseed Ev', other('rdrand', { w: OSZAPC, mem: W })),
        f('rdpid Rd', other('other'))),
    ]),
  );
  for (let r = 0; r < 8; r++) t[0xc8 + r] = f('bswap Zv', { isa: 'i486' });
  t[0xff] = f('ud0 Gv,Ev', { cf: Cf.UD, mem: N });
  void OSZAP;
  return t;
}
