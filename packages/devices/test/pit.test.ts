// Checks against the Intel 8254 datasheet: "OUT goes high N+1 CLK pulses after the count
// is written" (mode 0), period N with a one-clock low pulse (mode 2), high ceil(N/2) / low
// floor(N/2) (mode 3), one-clock strobe after N+1 (mode 4), gate triggers (modes 1/5),
// counter latch, read-back status format (OUT, NULL COUNT, RW1 RW0 M2 M1 M0 BCD), plus the
// PC's port 0x61 layout and Linux's two TSC calibration loops (arch/x86/kernel/tsc.c).
import { describe, expect, it } from 'vitest';
import { ManualClock, PortBus, TestLine } from '../src/bus.js';
import { DualPic } from '../src/pic.js';
import { Pit, PIT_HZ, SystemControlB, pitTick, pitTickStart } from '../src/pit.js';

function board(): { clock: ManualClock; io: PortBus; pit: Pit; irq0: TestLine } {
  const clock = new ManualClock();
  const irq0 = new TestLine();
  const pit = new Pit(clock, irq0);
  const io = new PortBus();
  pit.attach(io);
  new SystemControlB(clock, pit).attach(io);
  return { clock, io, pit, irq0 };
}

/** Moves to the start of PIT tick `k`. */
function at(clock: ManualClock, k: number): void {
  clock.advanceTo(pitTickStart(k));
}

function readWord(io: PortBus, port: number): number {
  const lo = io.read(port, 1);
  return lo | (io.read(port, 1) << 8);
}

describe('PIT clock conversion', () => {
  it('has 1193182 ticks per second of virtual time', () => {
    expect(PIT_HZ).toBe(1193182);
    expect(pitTick(838)).toBe(0); // one tick is 838.095 ns
    expect(pitTick(839)).toBe(1);
    expect(pitTick(1e9 - 1)).toBe(PIT_HZ - 1);
    expect(pitTick(1e9)).toBe(PIT_HZ);
    expect(pitTick(3600e9 * 24 * 30)).toBe(PIT_HZ * 3600 * 24 * 30);
    for (const k of [1, 2, 1193181, 1193183, 123456789012]) {
      expect(pitTick(pitTickStart(k))).toBe(k);
      expect(pitTick(pitTickStart(k) - 1)).toBe(k - 1);
    }
  });
});

describe('Pit 8254', () => {
  it('mode 0: OUT low after the mode write, high N+1 clocks after the count write', () => {
    const { clock, io, pit, irq0 } = board();
    io.write(0x43, 1, 0x30);
    expect(pit.out(0)).toBe(false);
    io.write(0x40, 1, 10);
    io.write(0x40, 1, 0);
    at(clock, 10);
    expect(pit.out(0)).toBe(false);
    expect(irq0.level).toBe(false);
    at(clock, 11);
    expect(pit.out(0)).toBe(true);
    expect(irq0.edges).toBe(1);
    // The CE keeps counting through 0 and wraps.
    at(clock, 13);
    expect(readWord(io, 0x40)).toBe(0xfffe);
  });

  it('mode 0: the first byte of a new count stops counting and drops OUT', () => {
    const { clock, io, pit } = board();
    io.write(0x43, 1, 0x30);
    io.write(0x40, 1, 5);
    io.write(0x40, 1, 0);
    at(clock, 20);
    expect(pit.out(0)).toBe(true);
    io.write(0x40, 1, 0x00);
    expect(pit.out(0)).toBe(false);
    at(clock, 100);
    expect(pit.out(0)).toBe(false);
    io.write(0x40, 1, 0x01); // 0x0100 = 256
    at(clock, 100 + 256);
    expect(pit.out(0)).toBe(false);
    at(clock, 100 + 257);
    expect(pit.out(0)).toBe(true);
  });

  it('counter latch freezes the count until both bytes are read', () => {
    const { clock, io } = board();
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x10); // 0x1000
    at(clock, 1 + 0x10);
    io.write(0x43, 1, 0x00);
    at(clock, 1 + 0x300);
    io.write(0x43, 1, 0x00); // ignored: already latched
    expect(io.read(0x40, 1)).toBe(0xf0);
    at(clock, 1 + 0x400);
    expect(io.read(0x40, 1)).toBe(0x0f);
    expect(readWord(io, 0x40)).toBe(0x1000 - 0x400); // unlatched again
  });

  it('LSB-only and MSB-only access modes', () => {
    const { clock, io } = board();
    io.write(0x43, 1, 0x50); // channel 1, LSB only, mode 0
    io.write(0x41, 1, 0x80);
    at(clock, 1 + 0x10);
    expect(io.read(0x41, 1)).toBe(0x70);
    expect(io.read(0x41, 1)).toBe(0x70);
    io.write(0x43, 1, 0x60); // MSB only
    io.write(0x41, 1, 0x02); // 0x0200
    at(clock, 1 + 0x10 + 1 + 0x101);
    expect(io.read(0x41, 1)).toBe(0x00); // 0x200 - 0x101 = 0xff
  });

  it('BCD counting', () => {
    const { clock, io } = board();
    io.write(0x43, 1, 0x31); // mode 0, BCD
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x01); // 100 decimal
    at(clock, 2);
    expect(readWord(io, 0x40)).toBe(0x0099);
    at(clock, 1 + 100 + 1);
    expect(readWord(io, 0x40)).toBe(0x9999); // wraps to 9999 in BCD
  });

  it('read-back: status byte (OUT, null count, control) and count latch', () => {
    const { clock, io } = board();
    io.write(0x61, 1, 0x01); // gate channel 2 on
    io.write(0x43, 1, 0xb4); // channel 2, LSB/MSB, mode 2, binary
    io.write(0x43, 1, 0xe8); // read-back status of channel 2
    expect(io.read(0x42, 1)).toBe(0x80 | 0x40 | 0x34); // OUT high in mode 2, null count
    io.write(0x42, 1, 100);
    io.write(0x42, 1, 0);
    io.write(0x43, 1, 0xe8);
    expect(io.read(0x42, 1)).toBe(0xc0 | 0x34); // CR not in CE yet
    at(clock, 1);
    io.write(0x43, 1, 0xe8);
    expect(io.read(0x42, 1)).toBe(0x80 | 0x34);
    at(clock, 5);
    io.write(0x43, 1, 0xc8); // status and count
    at(clock, 50);
    expect(io.read(0x42, 1)).toBe(0x80 | 0x34);
    expect(readWord(io, 0x42)).toBe(96);
  });

  it('mode 2 drives IRQ 0 with a rising edge every N clocks', () => {
    const { clock, io, pit, irq0 } = board();
    io.write(0x43, 1, 0x34);
    expect(irq0.edges).toBe(1); // OUT goes high on the mode write
    io.write(0x40, 1, 100);
    io.write(0x40, 1, 0);
    at(clock, 100);
    expect(pit.out(0)).toBe(false); // CE = 1: the one-clock low pulse
    expect(readWord(io, 0x40)).toBe(1);
    at(clock, 101);
    expect(pit.out(0)).toBe(true);
    expect(readWord(io, 0x40)).toBe(100);
    expect(irq0.edges).toBe(2);
    at(clock, 1 + 100 * 1000);
    expect(irq0.edges).toBe(1001);
    expect(clock.pending()).toEqual([{ name: 'pit-ch0', deadline: pitTickStart(1 + 100 * 1001) }]);
  });

  it('mode 2: a new count takes effect at the end of the current period', () => {
    const { clock, io } = board();
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 100);
    io.write(0x40, 1, 0);
    at(clock, 31);
    io.write(0x40, 1, 50);
    io.write(0x40, 1, 0);
    at(clock, 41);
    expect(readWord(io, 0x40)).toBe(60);
    at(clock, 101);
    expect(readWord(io, 0x40)).toBe(50);
    at(clock, 151);
    expect(readWord(io, 0x40)).toBe(50);
  });

  it('mode 3: square wave high ceil(N/2), low floor(N/2)', () => {
    const { clock, io, pit, irq0 } = board();
    io.write(0x43, 1, 0x36);
    io.write(0x40, 1, 5);
    io.write(0x40, 1, 0);
    const outs: boolean[] = [];
    for (let k = 1; k <= 11; k++) {
      at(clock, k);
      outs.push(pit.out(0));
    }
    expect(outs).toEqual([true, true, true, false, false, true, true, true, false, false, true]);
    expect(irq0.edges).toBe(3); // mode write, tick 6, tick 11
    expect(irq0.level).toBe(true);
    // Even count: the CE steps by two and reloads each half.
    io.write(0x43, 1, 0x36);
    io.write(0x40, 1, 8);
    io.write(0x40, 1, 0);
    const base = pitTick(clock.time) + 1;
    const ces: number[] = [];
    for (let k = 0; k < 8; k++) {
      at(clock, base + k);
      ces.push(readWord(io, 0x40));
    }
    expect(ces).toEqual([8, 6, 4, 2, 8, 6, 4, 2]);
    // Odd count: the first clock of the high half takes 1, of the low half 3, then 2s.
    io.write(0x43, 1, 0x36);
    io.write(0x40, 1, 5);
    io.write(0x40, 1, 0);
    const base5 = pitTick(clock.time) + 1;
    const odd: number[] = [];
    for (let k = 0; k < 10; k++) {
      at(clock, base5 + k);
      odd.push(readWord(io, 0x40));
    }
    expect(odd).toEqual([5, 4, 2, 5, 2, 5, 4, 2, 5, 2]);
  });

  it('mode 4: OUT strobes low for one clock N+1 clocks after the write', () => {
    const { clock, io, pit, irq0 } = board();
    io.write(0x43, 1, 0x38);
    expect(pit.out(0)).toBe(true);
    const before = irq0.edges;
    io.write(0x40, 1, 20);
    io.write(0x40, 1, 0);
    at(clock, 20);
    expect(pit.out(0)).toBe(true);
    at(clock, 21);
    expect(pit.out(0)).toBe(false);
    at(clock, 22);
    expect(pit.out(0)).toBe(true);
    expect(irq0.edges).toBe(before + 1);
    at(clock, 100000);
    expect(irq0.edges).toBe(before + 1); // one shot
  });

  it('mode 1 on channel 2: the gate triggers a one-shot low pulse of N clocks', () => {
    const { clock, io } = board();
    io.write(0x43, 1, 0xb2);
    io.write(0x42, 1, 10);
    io.write(0x42, 1, 0);
    at(clock, 5);
    expect(io.read(0x61, 1) & 0x20).toBe(0x20); // no trigger yet: OUT high
    io.write(0x61, 1, 0x01); // gate rises
    at(clock, 6);
    expect(io.read(0x61, 1) & 0x20).toBe(0);
    at(clock, 15);
    expect(io.read(0x61, 1) & 0x20).toBe(0);
    at(clock, 16);
    expect(io.read(0x61, 1) & 0x20).toBe(0x20);
  });

  it('mode 5 on channel 2: strobe N+1 clocks after the gate trigger', () => {
    const { clock, io, pit } = board();
    io.write(0x43, 1, 0xba);
    io.write(0x42, 1, 4);
    io.write(0x42, 1, 0);
    at(clock, 10);
    pit.setGate(2, true);
    at(clock, 14);
    expect(pit.out(2)).toBe(true);
    at(clock, 15);
    expect(pit.out(2)).toBe(false);
    at(clock, 16);
    expect(pit.out(2)).toBe(true);
  });

  it('mode 0 on channel 2: gate low suspends counting', () => {
    const { clock, io } = board();
    io.write(0x61, 1, 0x01);
    io.write(0x43, 1, 0xb0);
    io.write(0x42, 1, 0x00);
    io.write(0x42, 1, 0x01);
    at(clock, 11);
    io.write(0x61, 1, 0x00);
    at(clock, 500);
    expect(readWord(io, 0x42)).toBe(0x100 - 10);
    io.write(0x61, 1, 0x01);
    at(clock, 510);
    expect(readWord(io, 0x42)).toBe(0x100 - 20);
  });
});

describe('Pit 8254, more datasheet rules', () => {
  it('mode 3: a new count takes effect at the next half-cycle boundary', () => {
    const { clock, io, pit } = board();
    io.write(0x43, 1, 0x36);
    io.write(0x40, 1, 100);
    io.write(0x40, 1, 0);
    at(clock, 11); // high half runs ticks 1..50
    io.write(0x40, 1, 20);
    io.write(0x40, 1, 0);
    at(clock, 50);
    expect(pit.out(0)).toBe(true);
    at(clock, 51); // old high half ended: the new count's low half (10 clocks)
    expect(pit.out(0)).toBe(false);
    at(clock, 60);
    expect(pit.out(0)).toBe(false);
    at(clock, 61);
    expect(pit.out(0)).toBe(true);
    at(clock, 71);
    expect(pit.out(0)).toBe(false);
  });

  it('modes 2/3: gate low forces OUT high and stops; gate high reloads on the next clock', () => {
    const { clock, io, pit } = board();
    io.write(0x61, 1, 0x01);
    io.write(0x43, 1, 0xb6); // channel 2, mode 3
    io.write(0x42, 1, 10);
    io.write(0x42, 1, 0);
    at(clock, 7); // low half (ticks 6..10)
    expect(pit.out(2)).toBe(false);
    io.write(0x61, 1, 0x00);
    expect(pit.out(2)).toBe(true);
    at(clock, 100);
    expect(pit.out(2)).toBe(true);
    io.write(0x61, 1, 0x01);
    at(clock, 101);
    expect(readWord(io, 0x42)).toBe(10);
    at(clock, 106);
    expect(pit.out(2)).toBe(false);
  });

  it('read-back of several channels; a second count latch waits for the first to be read', () => {
    const { clock, io } = board();
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x20);
    io.write(0x43, 1, 0x74); // channel 1, mode 2
    io.write(0x41, 1, 0x00);
    io.write(0x41, 1, 0x10);
    at(clock, 1 + 0x10);
    io.write(0x43, 1, 0xd6); // latch counts of channels 0 and 1
    at(clock, 1 + 0x20);
    io.write(0x43, 1, 0xd6); // ignored: still latched
    expect(readWord(io, 0x40)).toBe(0x2000 - 0x10);
    expect(readWord(io, 0x41)).toBe(0x1000 - 0x10);
  });

  it('a mode write sets OUT: low for mode 0, high for the others', () => {
    const { pit, io } = board();
    for (const [cw, out] of [
      [0x30, false],
      [0x32, true],
      [0x34, true],
      [0x36, true],
      [0x38, true],
      [0x3a, true],
      [0x30, false],
    ] as const) {
      io.write(0x43, 1, cw);
      expect(pit.out(0), cw.toString(16)).toBe(out);
    }
  });

  it('through an edge-triggered 8259: one IRQ 0 per mode-2 period (Linux periodic tick)', () => {
    const clock = new ManualClock();
    const pic = new DualPic();
    const io = new PortBus();
    pic.attach(io);
    const pit = new Pit(clock, pic.irq(0));
    pit.attach(io);
    io.write(0x20, 1, 0x11);
    io.write(0x21, 1, 0x30);
    io.write(0x21, 1, 0x04);
    io.write(0x21, 1, 0x01);
    const latch = Math.floor((PIT_HZ + 50) / 100); // LATCH for HZ = 100
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, latch & 0xff);
    io.write(0x40, 1, latch >> 8);
    // The mode write's rising OUT is a request too, as on real hardware.
    expect(pic.acknowledge()).toBe(0x30);
    io.write(0x20, 1, 0x20);
    let ticks = 0;
    for (let i = 1; i <= 100; i++) {
      at(clock, 1 + latch * i - 1);
      expect(pic.intr).toBe(false);
      at(clock, 1 + latch * i);
      expect(pic.intr).toBe(true);
      expect(pic.acknowledge()).toBe(0x30);
      io.write(0x20, 1, 0x20);
      ticks++;
    }
    expect(ticks).toBe(100);
  });

  it('Linux one-shot (mode 4): one IRQ 0 edge per programmed event', () => {
    const { clock, io, irq0 } = board();
    io.write(0x43, 1, 0x38);
    const start = irq0.edges;
    for (let i = 0; i < 5; i++) {
      const t = pitTick(clock.time);
      io.write(0x40, 1, 200);
      io.write(0x40, 1, 0);
      at(clock, t + 201);
      expect(irq0.edges).toBe(start + i);
      at(clock, t + 202);
      expect(irq0.edges).toBe(start + i + 1);
      clock.advance(1e6);
    }
  });
});

describe('SystemControlB (port 0x61)', () => {
  it('reads back gate and speaker bits, toggles bit 4 every 15.085 us, bits 6-7 zero', () => {
    const { clock, io, pit } = board();
    io.write(0x61, 1, 0xff);
    expect(pit.gate(2)).toBe(true);
    expect(io.read(0x61, 1) & 0xcf).toBe(0x0f);
    expect(io.read(0x61, 1) & 0x10).toBe(0);
    clock.advanceTo(15085);
    expect(io.read(0x61, 1) & 0x10).toBe(0x10);
    clock.advanceTo(30169);
    expect(io.read(0x61, 1) & 0x10).toBe(0x10);
    clock.advanceTo(30170);
    expect(io.read(0x61, 1) & 0x10).toBe(0);
  });
});

describe("Linux's PIT TSC calibration", () => {
  it('quick_pit_calibrate: the MSB of a mode-0 0xffff count drops every 256 clocks', () => {
    const { clock, io } = board();
    clock.advanceTo(1234567);
    const t0 = pitTick(clock.time);
    // outb((inb(0x61) & ~0x02) | 0x01, 0x61); outb(0xb0, 0x43); outb(0xff, 0x42) twice
    io.write(0x61, 1, (io.read(0x61, 1) & ~0x02) | 0x01);
    io.write(0x43, 1, 0xb0);
    io.write(0x42, 1, 0xff);
    io.write(0x42, 1, 0xff);
    // pit_verify_msb(0xff - i): inb(0x42) (LSB, discarded), then inb(0x42) == MSB.
    for (let i = 0; i < 0xf0; i++) {
      at(clock, t0 + 1 + 256 * i + 255);
      io.read(0x42, 1);
      expect(io.read(0x42, 1)).toBe(0xff - i);
      at(clock, t0 + 1 + 256 * (i + 1));
      io.read(0x42, 1);
      expect(io.read(0x42, 1)).toBe(0xff - i - 1);
    }
  });

  it('pit_calibrate_tsc: port 0x61 bit 5 rises CAL_LATCH+1 clocks after the count write', () => {
    const { clock, io } = board();
    const latch = Math.floor(PIT_HZ / (1000 / 50));
    clock.advanceTo(777);
    const t0 = pitTick(clock.time);
    io.write(0x61, 1, (io.read(0x61, 1) & ~0x02) | 0x01);
    io.write(0x43, 1, 0xb0);
    io.write(0x42, 1, latch & 0xff);
    io.write(0x42, 1, latch >> 8);
    expect(io.read(0x61, 1) & 0x20).toBe(0);
    clock.advanceTo(pitTickStart(t0 + latch + 1) - 1);
    expect(io.read(0x61, 1) & 0x20).toBe(0);
    clock.advanceTo(pitTickStart(t0 + latch + 1));
    expect(io.read(0x61, 1) & 0x20).toBe(0x20);
    expect(clock.time).toBeGreaterThan(777 + 50e6 - 1000);
    expect(clock.time).toBeLessThan(777 + 50e6 + 1000);
  });
});
