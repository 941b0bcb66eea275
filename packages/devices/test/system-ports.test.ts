// Port 0x92 per the PS/2 "System Control Port A" definition (bit 0 fast reset on a 0->1
// transition, bit 1 A20), and the debug ports as Bochs/QEMU define them.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../src/bus.js';
import { DebugPorts, Port92 } from '../src/system-ports.js';

function port92(): { io: PortBus; log: string[] } {
  const log: string[] = [];
  const io = new PortBus();
  new Port92({ setA20: (on) => log.push(`a20=${on}`), reset: () => log.push('reset') }).attach(io);
  return { io, log };
}

describe('Port92', () => {
  it('bit 1 drives A20 and reads back', () => {
    const { io, log } = port92();
    expect(io.read(0x92, 1)).toBe(0x00);
    io.write(0x92, 1, 0x02);
    expect(io.read(0x92, 1)).toBe(0x02);
    io.write(0x92, 1, 0x00);
    expect(io.read(0x92, 1)).toBe(0x00);
    expect(log).toEqual(['a20=true', 'a20=false']);
  });

  it('a rising bit 0 resets; holding it set does not reset again', () => {
    const { io, log } = port92();
    io.write(0x92, 1, 0x03);
    io.write(0x92, 1, 0x03);
    expect(log.filter((e) => e === 'reset')).toEqual(['reset']);
    io.write(0x92, 1, 0x02);
    io.write(0x92, 1, 0x03);
    expect(log.filter((e) => e === 'reset')).toEqual(['reset', 'reset']);
    expect(log.at(-1)).toBe('reset');
    expect(io.read(0x92, 1)).toBe(0x03);
  });
});

describe('DebugPorts', () => {
  function ports(): { io: PortBus; dbg: DebugPorts; out: number[]; exits: number[] } {
    const out: number[] = [];
    const exits: number[] = [];
    const io = new PortBus();
    const dbg = new DebugPorts({ onDebugOutput: (b) => out.push(b), onExit: (v) => exits.push(v) });
    dbg.attach(io);
    return { io, dbg, out, exits };
  }

  it('port 0x80 latches the POST code', () => {
    const { io, dbg } = ports();
    io.write(0x80, 1, 0x55);
    expect(io.read(0x80, 1)).toBe(0x55);
    expect(dbg.postCode).toBe(0x55);
  });

  it('port 0xE9 prints bytes and reads 0xE9', () => {
    const { io, out } = ports();
    for (const c of 'hi\n') io.write(0xe9, 1, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe('hi\n');
    expect(io.read(0xe9, 1)).toBe(0xe9);
    expect(io.owner(0xea)).toBe('(unclaimed)');
  });

  it('port 0xF4 passes byte, word and dword writes whole; only 0xF4 is claimed', () => {
    const { io, exits } = ports();
    io.write(0xf4, 1, 0x31);
    io.write(0xf4, 2, 0x1234);
    io.write(0xf4, 4, 0x89abcdef | 0);
    expect(exits).toEqual([0x31, 0x1234, 0x89abcdef]);
    expect(io.owner(0xf4)).toBe('isa-debug-exit');
    expect(io.owner(0xf5)).toBe('(unclaimed)');
  });
});
