// The handler table: one handler per decoder form, found by the form's name.
//
// Family files (ops/*.ts) register handlers under the decoder's form names
// ("Add_Ev_Gv"); `buildHandlers` turns them into an array indexed by form id, so the run
// loop dispatches with one array load. Forms of ISA extensions the modelled CPU lacks, and
// forms no family implements, raise #UD, the way the CPU treats opcodes it does not know.

import { FORM, FORMS, ISA_NAMES } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from './cpu.js';
import { VEC_UD } from './state.js';

const registry = new Map<string, Handler>();

/** Registers handlers by form name (a trailing "_<id>" of duplicate rows is ignored). */
export function defineOps(table: Readonly<Record<string, Handler>>): void {
  for (const [name, h] of Object.entries(table)) {
    if (registry.has(name)) throw new Error(`cpu-core: handler for ${name} defined twice`);
    registry.set(name, h);
  }
}

/**
 * The ISA extensions of the modelled CPU: a Pentium II without MMX (CPUID: FPU, DE, PSE,
 * TSC, MSR, CX8, SEP, CMOV, PGE). Everything else decodes but raises #UD.
 */
export const SUPPORTED_ISA: ReadonlySet<string> = new Set([
  'i386', 'i486', 'i586', 'p6', 'x87', 'x87-p6', 'cmov', 'sep', 'cx8', 'rdpmc', 'test-reg',
]);

/**
 * Forms of later extensions whose encodings an older CPU runs as something else: with the
 * extension absent the byte sequence means the listed form of the modelled CPU. F3 0F BC /
 * F3 0F BD are TZCNT/LZCNT with BMI1/ABM but BSF/BSR with an ignored REP prefix before;
 * CET's ENDBR32/ENDBR64/RDSSPD sit in the 0F 1E hint-NOP space.
 */
const OLDER_MEANING: Readonly<Record<string, string>> = {
  Tzcnt_Gv_Ev: 'Bsf_Gv_Ev',
  Lzcnt_Gv_Ev: 'Bsr_Gv_Ev',
  Endbr32: 'Nop_Ev',
  Endbr64: 'Nop_Ev',
  Rdsspd_Rd: 'Nop_Ev',
};

/** Forms without a handler, by name: what the interpreter does not implement yet. */
export const unimplemented: Set<string> = new Set();

const raiseUd: Handler = (cpu: Cpu) => cpu.fault(VEC_UD);

function baseName(name: string): string {
  return name.replace(/_\d+$/, '');
}

/** Builds the dispatch array by form id. */
export function buildHandlers(): Handler[] {
  unimplemented.clear();
  return FORMS.map((row) => {
    const isa = ISA_NAMES[FORM.isa[row.id] as number] ?? '';
    const older = OLDER_MEANING[baseName(row.name)];
    if (row.id !== 0 && older !== undefined && !SUPPORTED_ISA.has(isa)) return registry.get(older) ?? raiseUd;
    if (row.id === 0 || !SUPPORTED_ISA.has(isa)) return raiseUd;
    const h = registry.get(row.name) ?? registry.get(baseName(row.name));
    if (h) return h;
    unimplemented.add(baseName(row.name));
    return raiseUd;
  });
}
