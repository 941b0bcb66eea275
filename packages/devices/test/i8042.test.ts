import { describe, expect, it } from 'vitest';
import { ManualClock, PortBus, TestLine, type BoardSignals } from '../src/bus.js';
import { I8042, asciiToSet2 } from '../src/i8042.js';

function setup(): { io: PortBus; irq1: TestLine; irq12: TestLine; kbc: I8042; log: string[] } {
  const io = new PortBus();
  const irq1 = new TestLine();
  const irq12 = new TestLine();
  const log: string[] = [];
  const signals: BoardSignals = { setA20: (on) => log.push(`a20=${on}`), reset: () => log.push('reset') };
  const kbc = new I8042(new ManualClock(), irq1, irq12, signals);
  kbc.attach(io);
  return { io, irq1, irq12, kbc, log };
}

const status = (io: PortBus): number => io.read(0x64, 1);
const cmd = (io: PortBus, c: number, data?: number): void => {
  io.write(0x64, 1, c);
  if (data !== undefined) io.write(0x60, 1, data);
};
/** Reads every byte the output buffer offers. */
function drain(io: PortBus): number[] {
  const out: number[] = [];
  while (status(io) & 1) out.push(io.read(0x60, 1));
  return out;
}

describe('8042 controller', () => {
  it('starts empty with the system flag and key switch bits set, A2 tracks the last port', () => {
    const { io } = setup();
    expect(status(io) & 0x01).toBe(0);
    expect(status(io) & 0x14).toBe(0x14);
    cmd(io, 0x20);
    expect(status(io) & 0x08).toBe(0x08);
    io.read(0x60, 1);
    io.write(0x60, 1, 0xee);
    expect(status(io) & 0x08).toBe(0);
  });

  it('reads and writes the command byte (0x20 / 0x60)', () => {
    const { io } = setup();
    cmd(io, 0x60, 0x65);
    cmd(io, 0x20);
    expect(drain(io)).toEqual([0x65]);
    cmd(io, 0x60, 0x00);
    expect(status(io) & 0x04).toBe(0); // SYS follows command byte bit 2
  });

  it('self-test 0xAA -> 55, interface tests 0xAB/0xA9 -> 00, 0xC0 input port', () => {
    const { io } = setup();
    cmd(io, 0xaa);
    expect(drain(io)).toEqual([0x55]);
    cmd(io, 0xab);
    cmd(io, 0xa9);
    expect(drain(io)).toEqual([0x00, 0x00]);
    cmd(io, 0xc0);
    expect(drain(io)).toHaveLength(1);
  });

  it('0xAD/0xAE and 0xA7/0xA8 set and clear command byte bits 4 and 5', () => {
    const { io } = setup();
    cmd(io, 0x60, 0x00);
    cmd(io, 0xad);
    cmd(io, 0xa7);
    cmd(io, 0x20);
    expect(drain(io)).toEqual([0x30]);
    cmd(io, 0xae);
    cmd(io, 0x20);
    expect(drain(io)).toEqual([0x20]);
    cmd(io, 0xa8);
    cmd(io, 0x20);
    expect(drain(io)).toEqual([0x00]);
  });

  it('output port: bit 1 drives A20, bit 0 low resets; 0xFE pulses reset', () => {
    const { io, log } = setup();
    cmd(io, 0xd1, 0x01);
    cmd(io, 0xd1, 0x03);
    cmd(io, 0xd0);
    expect(drain(io)[0]! & 0x03).toBe(0x03);
    cmd(io, 0xd1, 0x02);
    cmd(io, 0xfe);
    cmd(io, 0xff); // pulses nothing
    expect(log).toEqual(['a20=false', 'a20=true', 'reset', 'reset']);
  });

  it('0xD2 writes a keyboard byte (IRQ 1), 0xD3 an aux byte (IRQ 12, AUX OBF)', () => {
    const { io, irq1, irq12 } = setup();
    cmd(io, 0x60, 0x03);
    cmd(io, 0xd2, 0x5a);
    expect(status(io) & 0x21).toBe(0x01);
    expect(irq1.level).toBe(true);
    expect(io.read(0x60, 1)).toBe(0x5a);
    expect(irq1.level).toBe(false);
    cmd(io, 0xd3, 0xa5);
    expect(status(io) & 0x21).toBe(0x21);
    expect(irq12.level).toBe(true);
    expect(irq1.level).toBe(false);
    expect(io.read(0x60, 1)).toBe(0xa5);
    expect(irq12.level).toBe(false);
  });

  it('interrupt enable bits gate IRQ 1 and IRQ 12', () => {
    const { io, irq1, irq12 } = setup();
    cmd(io, 0x60, 0x00);
    cmd(io, 0xd2, 0x11);
    expect(irq1.level).toBe(false);
    io.read(0x60, 1);
    cmd(io, 0xd3, 0x22);
    expect(irq12.level).toBe(false);
  });

  it('no mouse: a byte sent with 0xD4 times out with FE as aux data', () => {
    const { io } = setup();
    cmd(io, 0xd4, 0xff);
    expect(status(io) & 0x61).toBe(0x61);
    expect(io.read(0x60, 1)).toBe(0xfe);
    expect(status(io) & 0x40).toBe(0);
  });
});

describe('PS/2 keyboard', () => {
  it('0xFF reset -> FA AA; 0xF2 identify -> FA AB 83 untranslated, FA AB 41 translated', () => {
    const { io } = setup();
    cmd(io, 0x60, 0x00);
    io.write(0x60, 1, 0xff);
    expect(drain(io)).toEqual([0xfa, 0xaa]);
    io.write(0x60, 1, 0xf2);
    expect(drain(io)).toEqual([0xfa, 0xab, 0x83]);
    cmd(io, 0x60, 0x40);
    io.write(0x60, 1, 0xf2);
    expect(drain(io)).toEqual([0xfa, 0xab, 0x41]);
  });

  it('0xED and 0xF3 take an argument and ACK both bytes; 0xEE echoes; unknown -> FE', () => {
    const { io, kbc } = setup();
    io.write(0x60, 1, 0xed);
    io.write(0x60, 1, 0x07);
    io.write(0x60, 1, 0xf3);
    io.write(0x60, 1, 0x20);
    io.write(0x60, 1, 0xee);
    io.write(0x60, 1, 0x01);
    expect(drain(io)).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xee, 0xfe]);
    expect(kbc.leds).toBe(7);
    expect(kbc.typematic).toBe(0x20);
  });

  it('0xF0 00 reports the scan code set (2), 0xF0 03 selects set 3', () => {
    const { io } = setup();
    cmd(io, 0x60, 0x00);
    io.write(0x60, 1, 0xf0);
    io.write(0x60, 1, 0x00);
    expect(drain(io)).toEqual([0xfa, 0xfa, 0x02]);
    io.write(0x60, 1, 0xf0);
    io.write(0x60, 1, 0x03);
    io.write(0x60, 1, 0xf0);
    io.write(0x60, 1, 0x00);
    expect(drain(io)).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0x03]);
  });

  it('0xF5 stops scanning, 0xF4 resumes it', () => {
    const { io, kbc } = setup();
    io.write(0x60, 1, 0xf5);
    drain(io);
    kbc.keyPress([0x1c]);
    expect(status(io) & 1).toBe(0);
    io.write(0x60, 1, 0xf4);
    drain(io);
    kbc.keyPress([0x1c]);
    expect(status(io) & 1).toBe(1);
  });

  it('translates set 2 to set 1 with F0 folded into bit 7; passes set 2 through otherwise', () => {
    const { io, kbc, irq1 } = setup();
    // 'A' (set 2 1C) press and release; E0-prefixed right Ctrl (E0 14 / E0 F0 14).
    kbc.keyPress([0x1c, 0xf0, 0x1c, 0xe0, 0x14, 0xe0, 0xf0, 0x14]);
    expect(irq1.level).toBe(true);
    expect(drain(io)).toEqual([0x1e, 0x9e, 0xe0, 0x1d, 0xe0, 0x9d]);
    cmd(io, 0x60, 0x01);
    kbc.keyPress([0x1c, 0xf0, 0x1c]);
    expect(drain(io)).toEqual([0x1c, 0xf0, 0x1c]);
  });

  it('holds keyboard bytes while the keyboard interface is disabled (0xAD)', () => {
    const { io, kbc } = setup();
    cmd(io, 0xad);
    kbc.keyPress([0x29, 0xf0, 0x29]);
    expect(status(io) & 1).toBe(0);
    cmd(io, 0xae);
    expect(drain(io)).toEqual([0x39, 0xb9]);
  });

  it('gives one IRQ 1 edge per byte', () => {
    const { io, kbc, irq1 } = setup();
    kbc.keyPress([0x16, 0xf0, 0x16]);
    io.read(0x60, 1);
    io.read(0x60, 1);
    expect(irq1.edges).toBe(2);
  });
});

describe('asciiToSet2', () => {
  it('types lower case, upper case with left Shift, Enter and Backspace', () => {
    expect(asciiToSet2('a')).toEqual([0x1c, 0xf0, 0x1c]);
    expect(asciiToSet2('A')).toEqual([0x12, 0x1c, 0xf0, 0x1c, 0xf0, 0x12]);
    expect(asciiToSet2('!')).toEqual([0x12, 0x16, 0xf0, 0x16, 0xf0, 0x12]);
    expect(asciiToSet2('\n')).toEqual([0x5a, 0xf0, 0x5a]);
    expect(asciiToSet2('\b')).toEqual([0x66, 0xf0, 0x66]);
    expect(asciiToSet2(' ')).toEqual([0x29, 0xf0, 0x29]);
    expect(() => asciiToSet2('\u00e9')).toThrow(RangeError);
  });
});

describe('Linux i8042 probe path', () => {
  it('AUX loopback (0xD3) answers as aux data even with the aux interface disabled', () => {
    const { io, irq12 } = setup();
    cmd(io, 0x60, 0x30 | 0x02); // both interfaces disabled, aux IRQ on
    cmd(io, 0xd3, 0x5a);
    expect(status(io) & 0x21).toBe(0x21);
    expect(irq12.level).toBe(true);
    expect(io.read(0x60, 1)).toBe(0x5a);
  });
});

describe("Linux's i8042 + atkbd bring-up, step by step", () => {
  it('self-test, CTR, AUX loop/toggle/IRQ test, then keyboard identify and activate', () => {
    const { io, irq1, irq12 } = setup();
    drain(io); // i8042_flush
    cmd(io, 0xaa);
    expect(drain(io)).toEqual([0x55]);
    cmd(io, 0x20);
    const ctr = drain(io)[0]!;
    expect(ctr & 0x44).toBe(0x44); // BIOS left SYS and translation on
    cmd(io, 0x60, (ctr | 0x10) & ~0x01); // keyboard disabled, no kbd IRQ
    // i8042_check_aux
    cmd(io, 0xd3, 0x5a);
    expect(status(io) & 0x21).toBe(0x21);
    expect(io.read(0x60, 1)).toBe(0x5a);
    cmd(io, 0xa7);
    cmd(io, 0x20);
    expect(drain(io)[0]! & 0x20).toBe(0x20);
    cmd(io, 0xa8);
    cmd(io, 0x20);
    expect(drain(io)[0]! & 0x20).toBe(0);
    cmd(io, 0x20);
    const ctr2 = drain(io)[0]!;
    cmd(io, 0x60, (ctr2 & ~0x20) | 0x02);
    const e12 = irq12.edges;
    cmd(io, 0xd3, 0xa5);
    expect(irq12.edges).toBe(e12 + 1);
    expect(status(io) & 0x20).toBe(0x20);
    expect(io.read(0x60, 1)).toBe(0xa5);
    // i8042_enable_kbd_port
    cmd(io, 0x20);
    const ctr3 = drain(io)[0]!;
    cmd(io, 0x60, (ctr3 & ~0x10) | 0x01);
    // atkbd: GETID, set typematic, enable, LEDs: each answered on IRQ 1
    const e1 = irq1.edges;
    io.write(0x60, 1, 0xf2);
    expect(drain(io)).toEqual([0xfa, 0xab, 0x41]);
    io.write(0x60, 1, 0xf3);
    io.write(0x60, 1, 0x00);
    io.write(0x60, 1, 0xf4);
    io.write(0x60, 1, 0xed);
    io.write(0x60, 1, 0x02);
    expect(drain(io)).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa]);
    expect(irq1.edges).toBe(e1 + 8);
    // psmouse: no mouse, the first command NAKs with a timeout
    cmd(io, 0xd4, 0xf2);
    expect(status(io) & 0x61).toBe(0x61);
    expect(io.read(0x60, 1)).toBe(0xfe);
  });
});
