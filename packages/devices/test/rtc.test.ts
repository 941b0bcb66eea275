// Checks against the MC146818A datasheet: register A (UIP 244 us before the update, DV,
// RS rate table), register B (SET, PIE/AIE/UIE, DM, 24/12), register C (IRQF, PF, AF, UF;
// cleared by reading), register D (VRT), BCD/binary and 12-hour formats, alarm "don't
// care" codes (0xC0-0xFF), and the IBM PC CMOS layout (century at 0x32, memory sizes at
// 0x15-0x18/0x30-0x31/0x34-0x35, checksum of 0x10-0x2D at 0x2E big-endian).
import { describe, expect, it } from 'vitest';
import { ManualClock, PortBus, TestLine } from '../src/bus.js';
import { Rtc } from '../src/rtc.js';

// Thursday 2024-02-29 23:59:58.5 UTC (a leap day, one and a half seconds before March).
const START = Date.UTC(2024, 1, 29, 23, 59, 58, 500);

function board(start = START): { clock: ManualClock; rtc: Rtc; irq8: TestLine; io: PortBus } {
  const clock = new ManualClock();
  const irq8 = new TestLine();
  const rtc = new Rtc(clock, irq8, start);
  const io = new PortBus();
  rtc.attach(io);
  return { clock, rtc, irq8, io };
}

function cmos(io: PortBus, index: number): number {
  io.write(0x70, 1, index);
  return io.read(0x71, 1);
}

function timeRegs(rtc: Rtc): number[] {
  return [0, 2, 4, 6, 7, 8, 9, 0x32].map((i) => rtc.read(i));
}

describe('Rtc MC146818', () => {
  it('starts from the given UTC time in BCD, 24-hour, and advances with the clock', () => {
    const { clock, rtc, io } = board();
    expect(cmos(io, 0x0a)).toBe(0x26);
    expect(cmos(io, 0x0b)).toBe(0x02);
    expect(cmos(io, 0x0d)).toBe(0x80);
    // sec min hour weekday(Thu=5) day month year century
    expect(timeRegs(rtc)).toEqual([0x58, 0x59, 0x23, 5, 0x29, 0x02, 0x24, 0x20]);
    clock.advanceTo(499_999_999);
    expect(rtc.read(0)).toBe(0x58);
    clock.advanceTo(500_000_000);
    expect(rtc.read(0)).toBe(0x59);
    clock.advanceTo(1_500_000_000);
    expect(timeRegs(rtc)).toEqual([0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24, 0x20]);
  });

  it('rolls the century', () => {
    const { clock, rtc } = board(Date.UTC(2099, 11, 31, 23, 59, 59, 0));
    clock.advance(1e9);
    expect(timeRegs(rtc)).toEqual([0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x00, 0x21]); // Friday
  });

  it('UIP is set for the 244 us before each update', () => {
    const { clock, rtc } = board();
    clock.advanceTo(500_000_000 - 300_000);
    expect(rtc.read(0x0a) & 0x80).toBe(0);
    clock.advanceTo(500_000_000 - 200_000);
    expect(rtc.read(0x0a) & 0x80).toBe(0x80);
    expect(rtc.read(0)).toBe(0x58);
    clock.advanceTo(500_000_000);
    expect(rtc.read(0x0a) & 0x80).toBe(0);
    rtc.write(0x0a, 0xa6); // UIP is read-only
    expect(rtc.read(0x0a)).toBe(0x26);
  });

  it('binary and 12-hour formats', () => {
    const { rtc } = board();
    rtc.write(0x0b, 0x04); // binary, 12-hour
    expect(timeRegs(rtc)).toEqual([58, 59, 0x80 | 11, 5, 29, 2, 24, 20]);
    rtc.write(0x0b, 0x00); // BCD, 12-hour
    expect(rtc.read(4)).toBe(0x80 | 0x11);
  });

  it('SET stops updates; the written time runs from where SET is cleared', () => {
    const { clock, rtc } = board();
    rtc.write(0x0b, 0x82);
    clock.advance(5e9);
    expect(rtc.read(0)).toBe(0x58);
    expect(rtc.read(0x0a) & 0x80).toBe(0);
    rtc.write(4, 0x07);
    rtc.write(2, 0x30);
    rtc.write(0, 0x15);
    rtc.write(7, 0x04);
    rtc.write(8, 0x07);
    rtc.write(9, 0x26);
    rtc.write(0x0b, 0x02);
    expect(timeRegs(rtc)).toEqual([0x15, 0x30, 0x07, 7, 0x04, 0x07, 0x26, 0x20]); // Sat 2026-07-04
    clock.advance(3e9);
    expect(rtc.read(0)).toBe(0x18);
  });

  it('a time write while running keeps the update phase', () => {
    const { clock, rtc } = board();
    clock.advanceTo(100_000_000); // 0.6 s into second 58
    rtc.write(0, 0x10);
    rtc.write(2, 0x05);
    expect(rtc.read(0)).toBe(0x10);
    clock.advanceTo(499_999_999);
    expect(rtc.read(0)).toBe(0x10);
    clock.advanceTo(500_000_000);
    expect([rtc.read(0), rtc.read(2), rtc.read(4)]).toEqual([0x11, 0x05, 0x23]);
  });

  it('SET clears UIE', () => {
    const { rtc } = board();
    rtc.write(0x0b, 0x92);
    expect(rtc.read(0x0b)).toBe(0x82);
  });

  it('periodic interrupt at the register A rate; reading C clears the flags and IRQ 8', () => {
    const { clock, rtc, irq8 } = board();
    rtc.write(0x0a, 0x26); // 1024 Hz: 976.5625 us
    rtc.write(0x0b, 0x42);
    expect(rtc.read(0x0c)).toBe(0); // nothing yet (not at an edge)
    let n = 0;
    // 0.5 s after the start is a second boundary; from there edges are 976562.5 ns apart.
    clock.advanceTo(500_000_000);
    rtc.read(0x0c);
    irq8.edges = 0;
    while (clock.time < 1_500_000_000) {
      clock.advanceTo(Math.min(clock.nextDeadline(), 1_500_000_000));
      if (irq8.level) {
        expect(rtc.read(0x0c) & 0xc0).toBe(0xc0); // UF and AF (midnight) come along
        expect(irq8.level).toBe(false);
        n++;
      }
    }
    expect(n).toBe(1024);
    expect(irq8.edges).toBe(1024);
  });

  it('RS rates 3 and 15, and 1 and 2 repeating rates 8 and 9', () => {
    const cases: [number, number][] = [
      [3, 122070.3125],
      [15, 500e6],
      [1, 3906250],
      [2, 7812500],
    ];
    for (const [rs, period] of cases) {
      const { clock, rtc, irq8 } = board(Date.UTC(2024, 0, 1, 12));
      rtc.write(0x0a, 0x20 | rs);
      rtc.write(0x0b, 0x42);
      clock.advanceTo(Math.ceil(period) - 1);
      expect(irq8.level, `rs ${rs}`).toBe(false);
      clock.advanceTo(Math.ceil(period));
      expect(irq8.level, `rs ${rs}`).toBe(true);
    }
  });

  it('flags are set with interrupts disabled, without IRQ 8', () => {
    const { clock, rtc, irq8 } = board();
    clock.advance(1e9);
    expect(rtc.read(0x0c)).toBe(0x50); // PF and UF, no IRQF
    expect(rtc.read(0x0c)).toBe(0x00);
    expect(irq8.edges).toBe(0);
  });

  it('update-ended interrupt once a second', () => {
    const { clock, rtc, irq8 } = board();
    rtc.write(0x0b, 0x12);
    clock.advanceTo(499_999_999);
    expect(irq8.level).toBe(false);
    clock.advanceTo(500_000_000);
    expect(irq8.level).toBe(true);
    expect(rtc.read(0x0c) & 0xf0).toBe(0xd0); // PF runs too (rate 6), UF raised IRQF
    clock.advanceTo(1_500_000_000);
    expect(irq8.edges).toBe(2);
  });

  it('alarm at an exact time and with "don\'t care" codes', () => {
    const { clock, rtc, irq8 } = board();
    rtc.write(1, 0x00);
    rtc.write(3, 0x00);
    rtc.write(5, 0x00);
    rtc.write(0x0b, 0x22);
    clock.advanceTo(500_000_000);
    expect(irq8.level).toBe(false);
    clock.advanceTo(1_500_000_000);
    expect(irq8.level).toBe(true);
    expect(rtc.read(0x0c)).toBe(0xf0);
    // Every second: all three alarm bytes "don't care".
    rtc.write(1, 0xff);
    rtc.write(3, 0xc0);
    rtc.write(5, 0xc5);
    clock.advance(1e9);
    expect(irq8.level).toBe(true);
    expect(rtc.read(0x0c) & 0x20).toBe(0x20);
    // An alarm passed long ago is still reported by the next read of C.
    rtc.write(0x0b, 0x02);
    rtc.write(1, 0x30);
    rtc.write(3, 0x15);
    rtc.write(5, 0x09);
    clock.advance(20 * 3600e9);
    expect(rtc.read(0x0c) & 0x20).toBe(0x20);
  });

  it('divider reset holds the clock; the first update follows 500 ms after release', () => {
    const { clock, rtc } = board();
    rtc.write(0x0a, 0x76);
    clock.advance(10e9);
    expect(rtc.read(0)).toBe(0x58);
    rtc.write(0x0a, 0x26);
    clock.advance(499_999_999);
    expect(rtc.read(0)).toBe(0x58);
    clock.advance(1);
    expect(rtc.read(0)).toBe(0x59);
  });

  it('port 0x70 bit 7 masks NMI and is not part of the index', () => {
    const { io, rtc } = board();
    io.write(0x70, 1, 0x8d);
    expect(rtc.nmiMasked).toBe(true);
    expect(io.read(0x71, 1)).toBe(0x80); // register D: VRT
    io.write(0x70, 1, 0x0d);
    expect(rtc.nmiMasked).toBe(false);
    io.write(0x70, 1, 0x40);
    io.write(0x71, 1, 0x5a);
    expect(rtc.read(0x40)).toBe(0x5a);
  });

  it('memory size fields and checksum', () => {
    const { rtc } = board();
    rtc.setMemorySize(8 * 1024 * 1024);
    expect([0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35].map((i) => rtc.read(i))).toEqual([
      0x80, 0x02, 0x00, 0x1c, 0x00, 0x1c, 0x00, 0x00,
    ]);
    expect((rtc.read(0x2e) << 8) | rtc.read(0x2f)).toBe(0x80 + 0x02 + 0x1c);
    rtc.setMemorySize(128 * 1024 * 1024);
    expect([0x17, 0x18, 0x30, 0x31, 0x34, 0x35].map((i) => rtc.read(i))).toEqual([0xff, 0xff, 0xff, 0xff, 0x00, 0x07]);
    expect((rtc.read(0x2e) << 8) | rtc.read(0x2f)).toBe(0x80 + 0x02 + 0xff + 0xff);
  });
});
