import { describe, expect, it } from 'vitest';
import { ManualClock, PortBus, TestLine, pulse, type IoHandler } from '../src/index.js';

function recorder(): IoHandler & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    read: (port, bytes) => {
      log.push(`r${bytes}:${port.toString(16)}`);
      return port & 0xff;
    },
    write: (port, bytes, value) => {
      log.push(`w${bytes}:${port.toString(16)}=${value.toString(16)}`);
    },
  };
}

describe('PortBus', () => {
  it('reads all ones from unclaimed ports and ignores writes', () => {
    const bus = new PortBus();
    expect(bus.read(0x1234, 1)).toBe(0xff);
    expect(bus.read(0x1234, 2)).toBe(0xffff);
    expect(bus.read(0x1234, 4)).toBe(-1);
    bus.write(0x1234, 4, 0);
    expect(bus.owner(0x1234)).toBe('(unclaimed)');
  });

  it('splits wide accesses to ISA devices into byte accesses, little-endian', () => {
    const bus = new PortBus();
    const dev = recorder();
    bus.register(0x60, 5, dev, 'kbd');
    expect(bus.read(0x60, 2)).toBe(0x6160);
    bus.write(0x62, 2, 0xbbaa);
    expect(dev.log).toEqual(['r1:60', 'r1:61', 'w1:62=aa', 'w1:63=bb']);
    // A dword straddling the end of the device reads open bus for the unclaimed bytes.
    expect(bus.read(0x63, 4) >>> 0).toBe(0xffff6463);
  });

  it('hands whole accesses to wide handlers', () => {
    const bus = new PortBus();
    const dev = recorder();
    bus.register(0xcfc, 4, dev, 'pci', true);
    bus.write(0xcfc, 4, 0x80000000);
    expect(dev.log).toEqual(['w4:cfc=80000000']);
  });

  it('refuses overlapping claims with both names', () => {
    const bus = new PortBus();
    bus.register(0x3f8, 8, recorder(), 'com1');
    expect(() => bus.register(0x3fc, 1, recorder(), 'other')).toThrow(/0x3fc is already claimed by com1/);
    expect(() => bus.register(0xfffe, 4, recorder(), 'wrap')).toThrow(RangeError);
  });
});

describe('EventScheduler / ManualClock', () => {
  it('fires timers in deadline order at their own deadlines', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const a = clock.timer('a', (t) => fired.push(`a@${t}`));
    const b = clock.timer('b', (t) => {
      fired.push(`b@${t}`);
      if (t < 300) b.arm(t + 100);
    });
    a.arm(250);
    b.arm(100);
    clock.advanceTo(1000);
    expect(fired).toEqual(['b@100', 'b@200', 'a@250', 'b@300']);
    expect(a.armed).toBe(false);
    expect(clock.now()).toBe(1000);
  });

  it('reports a timer armed before the horizon', () => {
    const clock = new ManualClock();
    let earlier = 0;
    clock.onEarlier = () => earlier++;
    const t = clock.timer('t', () => {});
    t.arm(500);
    expect(clock.nextDeadline()).toBe(500);
    t.arm(600);
    expect(earlier).toBe(1);
    t.arm(400);
    expect(earlier).toBe(2);
    t.disarm();
    expect(clock.nextDeadline()).toBe(Infinity);
  });

  it('pulse gives an edge', () => {
    const line = new TestLine();
    pulse(line);
    expect(line.edges).toBe(1);
    expect(line.level).toBe(false);
  });
});
