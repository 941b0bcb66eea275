// The x86 emitter: the few forms the translator generates, appended to a growable buffer.
//
// Translated code must be a safe subset of x86 (no instruction may reach the guest's view
// of privileged state), so the emitter knows only the forms listed here and the verbatim
// copy of an IDENT guest instruction. Every monitor-data access is GS-relative with a
// disp32 (mod 00, rm 101), because GS is the only segment the guest cannot reach and DS is
// the guest's own, truncated one. Offsets are positions in this buffer: a CCF is emitted
// position-independently and placed into the translation cache afterwards, so only jumps
// that leave the CCF (exits, chains) are patched after placement.

const GS = 0x65;

/** 32-bit general registers by encoding number. */
export const R32 = { EAX: 0, ECX: 1, EDX: 2, EBX: 3, ESP: 4, EBP: 5, ESI: 6, EDI: 7 } as const;

/** Condition codes by encoding number (the low nibble of Jcc). */
export const CC = {
  O: 0, NO: 1, B: 2, AE: 3, E: 4, NE: 5, BE: 6, A: 7, S: 8, NS: 9, P: 10, NP: 11, L: 12, GE: 13, LE: 14, G: 15,
} as const;

export class Emitter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  reset(): void {
    this.pos = 0;
  }

  /** A copy of what has been emitted. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b & 0xff;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    const p = this.pos;
    this.buf[p] = v & 0xff;
    this.buf[p + 1] = (v >>> 8) & 0xff;
    this.buf[p + 2] = (v >>> 16) & 0xff;
    this.buf[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }

  /** Overwrites a rel32/imm32 field already emitted. */
  patch32(at: number, v: number): void {
    writeU32(this.buf, at, v);
  }

  /** The guest's own bytes, unchanged (IDENT). */
  copy(src: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  // ---- control transfer -----------------------------------------------------------------

  /** jmp rel32 to a buffer position; returns the position of the rel32 field. */
  jmp(to: number): number {
    this.u8(0xe9);
    const at = this.pos;
    this.u32(to - (at + 4));
    return at;
  }

  /** jcc rel32 to a buffer position; returns the position of the rel32 field. */
  jcc(cc: number, to: number): number {
    this.u8(0x0f);
    this.u8(0x80 | (cc & 15));
    const at = this.pos;
    this.u32(to - (at + 4));
    return at;
  }

  /** call rel32 to a buffer position; returns the position of the rel32 field. */
  call(to: number): number {
    this.u8(0xe8);
    const at = this.pos;
    this.u32(to - (at + 4));
    return at;
  }

  ret(): void {
    this.u8(0xc3);
  }

  retImm(n: number): void {
    this.u8(0xc2);
    this.u16(n);
  }

  /** jmp dword gs:[disp] — an indirect jump through a monitor-area slot. */
  jmpGs(disp: number): void {
    this.u8(GS);
    this.u8(0xff);
    this.modrmDisp32(4, disp);
  }

  /** int imm8: how translated code enters the monitor (a hosted trap). */
  int(vector: number): void {
    this.u8(0xcd);
    this.u8(vector);
  }

  /** The 3-byte nop (0F 1F /0), padding an exit stub to the size of a jmp rel32. */
  nop3(): void {
    this.u8(0x0f);
    this.u8(0x1f);
    this.u8(0x00);
  }

  // ---- per-vCPU area through GS ---------------------------------------------------------

  /** ModRM with mod 00, rm 101: a bare disp32 (segment from the prefix). */
  private modrmDisp32(reg: number, disp: number): void {
    this.u8(((reg & 7) << 3) | 5);
    this.u32(disp);
  }

  /** mov dword gs:[disp], r32 (16-bit with `o16`). */
  movGsReg(disp: number, reg: number, o16 = false): void {
    this.u8(GS);
    if (o16) this.u8(0x66);
    this.u8(0x89);
    this.modrmDisp32(reg, disp);
  }

  /** mov r32, dword gs:[disp] (16-bit with `o16`). */
  movRegGs(reg: number, disp: number, o16 = false): void {
    this.u8(GS);
    if (o16) this.u8(0x66);
    this.u8(0x8b);
    this.modrmDisp32(reg, disp);
  }

  /** mov dword gs:[disp], imm32. */
  movGsImm(disp: number, imm: number): void {
    this.u8(GS);
    this.u8(0xc7);
    this.modrmDisp32(0, disp);
    this.u32(imm);
  }

  /** mov word gs:[disp], imm16. */
  movGsImm16(disp: number, imm: number): void {
    this.u8(GS);
    this.u8(0x66);
    this.u8(0xc7);
    this.modrmDisp32(0, disp);
    this.u16(imm);
  }

  /** movzx r32, word gs:[disp]. */
  movzxRegGs16(reg: number, disp: number): void {
    this.u8(GS);
    this.u8(0x0f);
    this.u8(0xb7);
    this.modrmDisp32(reg, disp);
  }

  /** mov Sreg, word gs:[disp] — a segment load of a monitor-prepared selector. */
  movSregGs(sreg: number, disp: number): void {
    this.u8(GS);
    this.u8(0x8e);
    this.modrmDisp32(sreg, disp);
  }

  /** push dword gs:[disp] (word with `o16`). */
  pushGs(disp: number, o16 = false): void {
    this.u8(GS);
    if (o16) this.u8(0x66);
    this.u8(0xff);
    this.modrmDisp32(6, disp);
  }

  /** pop dword gs:[disp] (word with `o16`). */
  popGs(disp: number, o16 = false): void {
    this.u8(GS);
    if (o16) this.u8(0x66);
    this.u8(0x8f);
    this.modrmDisp32(0, disp);
  }

  /** or r32, dword gs:[disp]. */
  orRegGs(reg: number, disp: number): void {
    this.u8(GS);
    this.u8(0x0b);
    this.modrmDisp32(reg, disp);
  }

  /** cmp dword gs:[disp], imm8 (sign-extended). */
  cmpGsImm8(disp: number, imm: number): void {
    this.u8(GS);
    this.u8(0x83);
    this.modrmDisp32(7, disp);
    this.u8(imm);
  }

  // ---- stack, flags, registers ----------------------------------------------------------

  push(reg: number): void {
    this.u8(0x50 | (reg & 7));
  }

  pop(reg: number): void {
    this.u8(0x58 | (reg & 7));
  }

  /** push imm32, or push imm16 with `o16` (a 16-bit guest's return address). */
  pushImm(imm: number, o16 = false): void {
    if (o16) {
      this.u8(0x66);
      this.u8(0x68);
      this.u16(imm);
    } else {
      this.u8(0x68);
      this.u32(imm);
    }
  }

  pushf(o16 = false): void {
    if (o16) this.u8(0x66);
    this.u8(0x9c);
  }

  popf(o16 = false): void {
    if (o16) this.u8(0x66);
    this.u8(0x9d);
  }

  lahf(): void {
    this.u8(0x9f);
  }

  sahf(): void {
    this.u8(0x9e);
  }

  /** seto r8 (0F 90 /0, register form). */
  seto(reg8: number): void {
    this.u8(0x0f);
    this.u8(0x90);
    this.u8(0xc0 | (reg8 & 7));
  }

  /** add al, imm8. */
  addAlImm(imm: number): void {
    this.u8(0x04);
    this.u8(imm);
  }

  /** and r32, imm32 (16-bit form with `o16`). */
  andRegImm(reg: number, imm: number, o16 = false): void {
    if (o16) this.u8(0x66);
    this.u8(0x81);
    this.u8(0xe0 | (reg & 7));
    if (o16) this.u16(imm);
    else this.u32(imm);
  }

  /** mov r32, [esp] (16-bit form with `o16`): the SS-relative top of the guest stack. */
  movRegEsp(reg: number, o16 = false): void {
    if (o16) this.u8(0x66);
    this.u8(0x8b);
    this.u8(((reg & 7) << 3) | 4);
    this.u8(0x24);
  }

  /** mov [esp], r32 (16-bit form with `o16`). */
  movEspReg(reg: number, o16 = false): void {
    if (o16) this.u8(0x66);
    this.u8(0x89);
    this.u8(((reg & 7) << 3) | 4);
    this.u8(0x24);
  }

  /** lea r32, [base + disp32] (flag-free arithmetic; `ret n` uses it to drop its bytes). */
  lea(reg: number, base: number, disp: number): void {
    this.u8(0x8d);
    if ((base & 7) === 4) {
      this.u8(0x80 | ((reg & 7) << 3) | 4);
      this.u8(0x24);
    } else {
      this.u8(0x80 | ((reg & 7) << 3) | (base & 7));
    }
    this.u32(disp);
  }

  /** movzx r32, r8 (register form). */
  movzxRegReg8(reg: number, src8: number): void {
    this.u8(0x0f);
    this.u8(0xb6);
    this.u8(0xc0 | ((reg & 7) << 3) | (src8 & 7));
  }

  /** movzx r32, byte gs:[disp]. */
  movzxRegGs8(reg: number, disp: number): void {
    this.u8(GS);
    this.u8(0x0f);
    this.u8(0xb6);
    this.modrmDisp32(reg, disp);
  }

  /** mov r32, dword gs:[disp + index*8] (a table in the monitor area). */
  movRegGsIndex8(reg: number, disp: number, index: number): void {
    this.u8(GS);
    this.u8(0x8b);
    this.u8(((reg & 7) << 3) | 4);
    this.u8(0xc0 | ((index & 7) << 3) | 5);
    this.u32(disp);
  }

  /** lea r32, [a + b]: a flag-free add (with `jecxz`, a flag-free compare). */
  leaAdd(reg: number, a: number, b: number): void {
    this.u8(0x8d);
    this.u8(((reg & 7) << 3) | 4);
    this.u8(((b & 7) << 3) | (a & 7));
  }

  /** jecxz rel8 to a buffer position (flag-free branch). */
  jecxz(to: number): number {
    this.u8(0xe3);
    const at = this.pos;
    this.u8(to - (at + 1));
    return at;
  }

  /** cmp r32, imm32. */
  cmpRegImm(reg: number, imm: number): void {
    this.u8(0x81);
    this.u8(0xf8 | (reg & 7));
    this.u32(imm);
  }

  /** test r32, r32. */
  testRegReg(a: number, b: number): void {
    this.u8(0x85);
    this.u8(0xc0 | ((b & 7) << 3) | (a & 7));
  }
}

export function writeU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = (v >>> 24) & 0xff;
}

export function readI32(buf: Uint8Array, at: number): number {
  return ((buf[at] ?? 0) | ((buf[at + 1] ?? 0) << 8) | ((buf[at + 2] ?? 0) << 16) | ((buf[at + 3] ?? 0) << 24));
}
