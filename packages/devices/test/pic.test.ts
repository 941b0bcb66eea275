// Register-level checks against the Intel 8259A datasheet (ICW/OCW formats, priority and
// EOI rules, spurious IR7) and the PIIX3 datasheet (ELCR at 0x4D0/0x4D1, IRQ 0/1/2/8/13
// fixed to edge). Vectors follow Linux's set-up: master 0x30, slave 0x38.
import { describe, expect, it } from 'vitest';
import { PortBus, pulse } from '../src/bus.js';
import { DualPic } from '../src/pic.js';

function board(icw4 = 0x01): { pic: DualPic; io: PortBus; intr: boolean[] } {
  const pic = new DualPic();
  const io = new PortBus();
  pic.attach(io);
  const intr: boolean[] = [];
  pic.onIntr = (level) => intr.push(level);
  // Linux init_8259A: ICW1 edge+ICW4, ICW2 base, ICW3 cascade, ICW4 8086 mode.
  io.write(0x20, 1, 0x11);
  io.write(0x21, 1, 0x30);
  io.write(0x21, 1, 0x04);
  io.write(0x21, 1, icw4);
  io.write(0xa0, 1, 0x11);
  io.write(0xa1, 1, 0x38);
  io.write(0xa1, 1, 0x02);
  io.write(0xa1, 1, icw4);
  return { pic, io, intr };
}

describe('DualPic 8259A', () => {
  it('ICW1 clears the mask and the init sequence sets the vector base', () => {
    const pic = new DualPic();
    const io = new PortBus();
    pic.attach(io);
    io.write(0x21, 1, 0xff);
    expect(io.read(0x21, 1)).toBe(0xff);
    io.write(0x20, 1, 0x11);
    expect(io.read(0x21, 1)).toBe(0x00);
    io.write(0x21, 1, 0x37); // T2-T0 are ignored in 8086 mode
    io.write(0x21, 1, 0x04);
    io.write(0x21, 1, 0x01);
    io.write(0x21, 1, 0x5a); // now OCW1
    expect(io.read(0x21, 1)).toBe(0x5a);
    expect(pic.vectorBase(0)).toBe(0x30);
  });

  it('single mode skips ICW3, and without IC4 skips ICW4', () => {
    const pic = new DualPic();
    const io = new PortBus();
    pic.attach(io);
    io.write(0x20, 1, 0x12); // single, no ICW4
    io.write(0x21, 1, 0x08);
    io.write(0x21, 1, 0xee); // OCW1 already
    expect(pic.imr(0)).toBe(0xee);
    expect(pic.vectorBase(0)).toBe(0x08);
  });

  it('delivers an edge request, sets ISR on INTA and clears it on non-specific EOI', () => {
    const { pic, io, intr } = board();
    pulse(pic.irq(1));
    expect(pic.intr).toBe(true);
    expect(io.read(0x20, 1)).toBe(0x02); // IRR read is the default
    expect(pic.acknowledge()).toBe(0x31);
    expect(pic.intr).toBe(false);
    io.write(0x20, 1, 0x0b); // OCW3: read ISR
    expect(io.read(0x20, 1)).toBe(0x02);
    io.write(0x20, 1, 0x20); // non-specific EOI
    expect(io.read(0x20, 1)).toBe(0x00);
    expect(intr).toEqual([true, false]);
  });

  it('an edge input held high requests once; a new rising edge is needed', () => {
    const { pic, io } = board();
    pic.irq(4).set(true);
    expect(pic.acknowledge()).toBe(0x34);
    io.write(0x20, 1, 0x64); // specific EOI IR4
    pic.irq(4).set(true);
    expect(pic.intr).toBe(false);
    pic.irq(4).set(false);
    pic.irq(4).set(true);
    expect(pic.intr).toBe(true);
  });

  it('fully nested priority: lower IRs wait, higher ones preempt', () => {
    const { pic, io } = board();
    pulse(pic.irq(3));
    pulse(pic.irq(5));
    expect(pic.acknowledge()).toBe(0x33);
    expect(pic.intr).toBe(false); // IR5 is below IR3 in service
    pulse(pic.irq(0));
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x30);
    expect(pic.isr(0)).toBe(0x09);
    io.write(0x20, 1, 0x20); // clears IR0, the highest in service
    expect(pic.isr(0)).toBe(0x08);
    expect(pic.intr).toBe(false);
    io.write(0x20, 1, 0x20);
    expect(pic.acknowledge()).toBe(0x35);
  });

  it('OCW1 masks hold requests in IRR', () => {
    const { pic, io } = board();
    io.write(0x21, 1, 0x40);
    pulse(pic.irq(6));
    expect(pic.intr).toBe(false);
    expect(pic.irr(0)).toBe(0x40);
    io.write(0x21, 1, 0x00);
    expect(pic.intr).toBe(true);
  });

  it('cascades the slave through master IR2', () => {
    const { pic, io } = board();
    pulse(pic.irq(12));
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x3c);
    expect(pic.isr(0)).toBe(0x04);
    expect(pic.isr(1)).toBe(0x10);
    // Linux: specific EOI on the slave, then IR2 on the master.
    io.write(0xa0, 1, 0x64);
    io.write(0x20, 1, 0x62);
    expect(pic.isr(0) | pic.isr(1)).toBe(0);
    // A second slave request after both EOIs interrupts again.
    pulse(pic.irq(8));
    expect(pic.acknowledge()).toBe(0x38);
  });

  it('slave requests queue behind the in-service cascade without SFNM, not with it', () => {
    const plain = board();
    pulse(plain.pic.irq(12));
    plain.pic.acknowledge();
    pulse(plain.pic.irq(9)); // higher than IR12 on the slave
    expect(plain.pic.intr).toBe(false); // master IR2 is in service
    const sfnm = board(0x11);
    pulse(sfnm.pic.irq(12));
    sfnm.pic.acknowledge();
    // The slave raises INT for IR9 (higher than its IR12 in service); the master in SFNM
    // lets IR2 through although IR2 is in service.
    sfnm.io.write(0xa0, 1, 0x0b);
    pulse(sfnm.pic.irq(9));
    expect(sfnm.pic.intr).toBe(true);
    expect(sfnm.pic.acknowledge()).toBe(0x39);
  });

  it('ELCR: IRQ 0, 1, 2, 8 and 13 are fixed to edge', () => {
    const { io } = board();
    io.write(0x4d0, 1, 0xff);
    io.write(0x4d1, 1, 0xff);
    expect(io.read(0x4d0, 1)).toBe(0xf8);
    expect(io.read(0x4d1, 1)).toBe(0xde);
    expect(io.read(0x4d0, 2)).toBe(0xdef8);
  });

  it('level inputs follow the pin and re-request while high', () => {
    const { pic, io } = board();
    io.write(0x4d1, 1, 0x04); // IRQ 10 level
    pic.irq(10).set(true);
    expect(pic.acknowledge()).toBe(0x3a);
    io.write(0xa0, 1, 0x62);
    io.write(0x20, 1, 0x62);
    expect(pic.intr).toBe(true); // still high: requests again without a new edge
    pic.irq(10).set(false);
    expect(pic.irr(1)).toBe(0);
    // The master latched the slave INT's rising edge (IR2 is edge): as on real boards the
    // vanished request surfaces as a spurious IRQ 15.
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x3f);
  });

  it('ICW1.LTIM makes every input of that chip level-triggered', () => {
    const { pic, io } = board();
    io.write(0x20, 1, 0x19);
    io.write(0x21, 1, 0x30);
    io.write(0x21, 1, 0x04);
    io.write(0x21, 1, 0x01);
    pulse(pic.irq(5));
    expect(pic.intr).toBe(false);
    pic.irq(5).set(true);
    expect(pic.intr).toBe(true);
  });

  it('spurious IR7: a vanished master request gives base+7 and no ISR bit', () => {
    const { pic, io } = board();
    io.write(0x4d0, 1, 0x08); // IRQ 3 level
    pic.irq(3).set(true);
    expect(pic.intr).toBe(true);
    pic.irq(3).set(false);
    expect(pic.acknowledge()).toBe(0x37);
    expect(pic.isr(0)).toBe(0);
  });

  it('spurious IR15: base+7 from the slave, master IR2 in service, slave ISR clear', () => {
    const { pic, io } = board();
    io.write(0x4d1, 1, 0x08); // IRQ 11 level
    pic.irq(11).set(true);
    expect(pic.intr).toBe(true);
    // The master latched the rising edge of the slave's INT; the slave's request vanishes.
    pic.irq(11).set(false);
    expect(pic.irr(0)).toBe(0x04);
    expect(pic.acknowledge()).toBe(0x3f);
    expect(pic.isr(1)).toBe(0);
    expect(pic.isr(0)).toBe(0x04);
  });

  it('poll command: the next read returns 0x80|IR and acknowledges it', () => {
    const { pic, io } = board();
    io.write(0x20, 1, 0x0c);
    expect(io.read(0x20, 1)).toBe(0x00); // no request: bit 7 clear
    pulse(pic.irq(6));
    io.write(0x20, 1, 0x0c);
    expect(io.read(0x20, 1)).toBe(0x86);
    expect(pic.isr(0)).toBe(0x40);
    expect(pic.intr).toBe(false);
    expect(io.read(0x20, 1)).toBe(0x00); // back to IRR reads
  });

  it('AEOI leaves ISR clear; rotate-in-AEOI moves the lowest priority to the served IR', () => {
    const { pic, io } = board(0x03);
    pulse(pic.irq(1));
    expect(pic.acknowledge()).toBe(0x31);
    expect(pic.isr(0)).toBe(0);
    io.write(0x20, 1, 0x80); // rotate in AEOI (set)
    pulse(pic.irq(2 + 1));
    expect(pic.acknowledge()).toBe(0x33);
    // IR3 is now lowest: IR4 beats IR0.
    pulse(pic.irq(0));
    pulse(pic.irq(4));
    expect(pic.acknowledge()).toBe(0x34);
    expect(pic.acknowledge()).toBe(0x30);
  });

  it('OCW2 set priority, rotate on non-specific and specific EOI', () => {
    const { pic, io } = board();
    io.write(0x20, 1, 0xc4); // IR4 lowest, IR5 highest
    pulse(pic.irq(3));
    pulse(pic.irq(6));
    expect(pic.acknowledge()).toBe(0x36);
    // IR3 is below IR6 now, so it waits.
    expect(pic.intr).toBe(false);
    io.write(0x20, 1, 0xa0); // rotate on non-specific EOI: IR6 becomes lowest
    expect(pic.acknowledge()).toBe(0x33);
    pulse(pic.irq(7)); // IR7 is highest after the rotation, preempts IR3
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x37);
    io.write(0x20, 1, 0xe7); // rotate on specific EOI 7: IR0 highest
    expect(pic.isr(0)).toBe(0x08);
    io.write(0x20, 1, 0x63);
    pulse(pic.irq(1));
    pulse(pic.irq(0));
    expect(pic.acknowledge()).toBe(0x30);
  });

  it('special mask mode lets lower levels through a masked in-service level', () => {
    const { pic, io } = board();
    pulse(pic.irq(1));
    pic.acknowledge();
    io.write(0x21, 1, 0x02);
    pulse(pic.irq(5));
    expect(pic.intr).toBe(false);
    io.write(0x20, 1, 0x68); // OCW3: set special mask
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x35);
    io.write(0x20, 1, 0x48); // reset special mask
    io.write(0x20, 1, 0x65);
    pulse(pic.irq(6));
    expect(pic.intr).toBe(false);
  });

  it('irq(2) is the ISA pin wired to slave IR1', () => {
    const { pic } = board();
    expect(pic.irq(2)).toBe(pic.irq(9));
    expect(() => pic.irq(16)).toThrow(RangeError);
  });
});
