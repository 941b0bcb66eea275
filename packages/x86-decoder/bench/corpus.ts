// The bytes the decoder benchmark decodes: "mixed real code".
//
// Preferred: the .text section of Debian's busybox-static:i386, which tools/fetch-guests
// extracts into the guest cache ($VMM86_CACHE, default ~/.cache/vmm86; its manifest.json
// lists the sections). When the cache has no such file, a deterministic stand-in: a 1 MiB
// stream of the instruction forms that dominate compiled i686 code (register moves,
// loads/stores with disp8/disp32/SIB, push/pop, call/jcc/jmp, ALU with imm8/imm32, lea,
// test/cmp, movzx, string ops, some x87 and SSE), in proportions roughly those of busybox,
// chosen by a fixed-seed PRNG so every run decodes the same bytes.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Corpus {
  /** Where the bytes came from. */
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly bits: 16 | 32;
  /** Address of bytes[0]. */
  readonly vma: number;
}

interface ManifestSection {
  name?: unknown;
  file?: unknown;
  vma?: unknown;
  bits?: unknown;
}

/** The guest cache directory (the same rule as tools/fetch-guests). */
export function cacheDir(): string {
  return process.env['VMM86_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'vmm86');
}

/** busybox's .text from the guest cache, or undefined when it has not been fetched. */
export function busyboxText(): Corpus | undefined {
  const manifest = join(cacheDir(), 'manifest.json');
  if (!existsSync(manifest)) return undefined;
  let sections: ManifestSection[];
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { sections?: unknown };
    sections = Array.isArray(parsed.sections) ? (parsed.sections as ManifestSection[]) : [];
  } catch {
    return undefined;
  }
  const section = sections.find((s) => typeof s.name === 'string' && s.name.startsWith('busybox'));
  if (section === undefined || typeof section.file !== 'string' || !existsSync(section.file)) return undefined;
  const bytes = new Uint8Array(readFileSync(section.file));
  const vma = typeof section.vma === 'number' ? section.vma : 0;
  return { name: `busybox-static:i386 .text (${section.file})`, bytes, bits: 32, vma };
}

/** [weight, encoding] pairs; `r` bytes are replaced by a random byte, `d` by a random disp8. */
const TEMPLATES: readonly (readonly [number, string])[] = [
  [10, '89 r'], // mov r/m32, r32 (register form chosen by r below)
  [10, '8b 45 d'], // mov eax, [ebp+disp8]
  [6, '8b 44 24 d'], // mov eax, [esp+disp8]
  [5, '89 44 24 d'], // mov [esp+disp8], eax
  [4, '8b 83 d d d d'], // mov eax, [ebx+disp32] (PIC GOT access)
  [3, '8b 04 b5 d d d d'], // mov eax, [esi*4+disp32]
  [3, 'c7 44 24 d d d d d'], // mov dword [esp+disp8], imm32
  [4, 'b8 d d d d'], // mov eax, imm32
  [6, '50'], [6, '53'], [4, '56'], [4, '57'], [4, '55'], // push
  [4, '5b'], [3, '5e'], [3, '5f'], [3, '5d'], // pop
  [6, 'e8 d d d d'], // call rel32
  [2, 'ff 93 d d d d'], // call [ebx+disp32]
  [8, '74 d'], [5, '75 d'], [2, '7e d'], [2, '0f 84 d d 00 00'], [2, '0f 85 d d 00 00'], // jcc
  [4, 'eb d'], [2, 'e9 d d 00 00'], // jmp
  [3, 'c3'], // ret
  [4, '83 c4 d'], [3, '83 ec d'], [3, '83 f8 d'], [2, '81 c3 d d d d'], // add/sub/cmp imm
  [4, '01 r'], [3, '29 r'], [3, '31 r'], [3, '39 r'], [2, '21 r'], [2, '09 r'], // ALU r/m, r
  [5, '85 c0'], [2, '84 c0'], [2, 'f6 45 d 01'], // test
  [3, '8d 45 d'], [2, '8d 04 80'], [2, '8d 4c 24 d'], [1, '8d b4 26 00 00 00 00'], // lea
  [3, '0f b6 45 d'], [2, '0f b7 c0'], [1, '0f be c0'], // movzx/movsx
  [1, '0f 44 c2'], [1, '0f af c2'], [1, 'c1 e0 02'], [1, 'd3 e8'], [1, 'f7 d8'], // cmov, imul, shifts, neg
  [1, '99'], [1, 'f7 f9'], [1, '66 89 45 d'], [1, '66 83 f8 d'], // cdq, idiv, 16-bit operand size
  [1, 'f3 a5'], [1, 'f3 ab'], [1, 'f2 ae'], // string ops
  [1, '65 a1 14 00 00 00'], // mov eax, gs:[0x14] (stack protector)
  [1, 'd9 45 d'], [1, 'dd 5d d'], [1, 'de c9'], // x87
  [1, 'f3 0f 10 45 d'], [1, '66 0f ef c0'], // SSE
  [1, '90'], [1, 'c9'], [1, 'f0 0f b1 0a'], // nop, leave, lock cmpxchg
];

/** A deterministic 1 MiB stream of typical i686 instructions. */
export function syntheticCode(size: number = 1 << 20): Corpus {
  let seed = 0x9e3779b9;
  const rand = (): number => {
    // xorshift32
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed;
  };
  const total = TEMPLATES.reduce((s, [w]) => s + w, 0);
  const parsed = TEMPLATES.map(([w, text]) => [w, text.split(' ')] as const);
  const out = new Uint8Array(size);
  let n = 0;
  while (n < size - 16) {
    let pick = rand() % total;
    let tokens: readonly string[] = [];
    for (const [w, t] of parsed) {
      if (pick < w) {
        tokens = t;
        break;
      }
      pick -= w;
    }
    for (const tok of tokens) {
      // `r`: a ModRM byte with mod=11 (register to register).
      out[n++] = tok === 'r' ? 0xc0 | (rand() & 0x3f) : tok === 'd' ? rand() & 0xff : Number.parseInt(tok, 16);
    }
  }
  while (n < size) out[n++] = 0x90;
  return { name: 'synthetic i686 instruction mix (1 MiB, fixed seed; fetch guests for busybox)', bytes: out, bits: 32, vma: 0x08048000 };
}

/** busybox .text when fetched, else the synthetic mix. */
export function loadCorpus(): Corpus {
  return busyboxText() ?? syntheticCode();
}
