// Small board ports: System Control Port A (0x92: fast A20 and fast reset) and the
// debugging ports emulators and firmware use — the POST code latch (0x80), the Bochs/QEMU
// debug console (0xE9) and QEMU's isa-debug-exit (0xF4).
//
// Port 0x92 drives the A20 gate directly through `BoardSignals.setA20`; when the i8042's
// output port also drives A20, the machine combines the two (the board ORs them).

import type { BoardSignals, IoBus, IoHandler } from './bus.js';

/** System Control Port A (0x92): bit 1 gates A20, a rising bit 0 resets the CPU. */
export class Port92 implements IoHandler {
  private value = 0;

  constructor(private readonly signals: BoardSignals) {}

  attach(io: IoBus): void {
    io.register(0x92, 1, this, 'port92');
  }

  read(_port: number, _bytes: number): number {
    return this.value;
  }

  write(_port: number, _bytes: number, value: number): void {
    value &= 0xff;
    const old = this.value;
    this.value = value;
    // Driven on every write, not only on change: the machine may let the i8042 move A20
    // in between, and re-asserting the same level is harmless.
    this.signals.setA20((value & 0x02) !== 0);
    if ((value & 0x01) !== 0 && (old & 0x01) === 0) this.signals.reset();
  }
}

export interface DebugPortsHooks {
  /** A byte written to the debug console (0xE9). */
  onDebugOutput(byte: number): void;
  /** A value written to isa-debug-exit (0xF4); the run ends with status (value << 1) | 1. */
  onExit(value: number): void;
}

const OPEN_BUS = [0, 0xff, 0xffff, 0, -1] as const;

/** POST code latch (0x80), debug console (0xE9) and isa-debug-exit (0xF4). */
export class DebugPorts {
  /** The last byte written to port 0x80. */
  postCode = 0;

  private readonly post: IoHandler = {
    read: () => this.postCode,
    write: (_port, _bytes, value) => {
      this.postCode = value & 0xff;
    },
  };

  private readonly console: IoHandler = {
    // Reading back 0xE9 is how guests detect the port (Bochs and QEMU both answer so).
    read: () => 0xe9,
    write: (_port, _bytes, value) => this.hooks.onDebugOutput(value & 0xff),
  };

  private readonly exit: IoHandler = {
    read: (_port, bytes) => OPEN_BUS[bytes as 1 | 2 | 4],
    write: (_port, bytes, value) => {
      this.hooks.onExit(bytes === 4 ? value >>> 0 : value & (bytes === 2 ? 0xffff : 0xff));
    },
  };

  constructor(private readonly hooks: DebugPortsHooks) {}

  attach(io: IoBus): void {
    io.register(0x80, 1, this.post, 'post-code');
    io.register(0xe9, 1, this.console, 'debugcon');
    // Wide: a 16- or 32-bit OUT reaches the handler whole, as QEMU's device takes it.
    io.register(0xf4, 1, this.exit, 'isa-debug-exit', true);
  }
}
