import { describe, expect, it } from 'vitest';
import { ManualClock, PortBus, TestLine } from '../src/bus.js';
import { Uart } from '../src/uart.js';

const COM1 = 0x3f8;
const RBR = COM1, IER = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2, LCR = COM1 + 3, MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;

function setup(): { io: PortBus; clock: ManualClock; irq: TestLine; out: number[]; uart: Uart } {
  const io = new PortBus();
  const clock = new ManualClock();
  const irq = new TestLine();
  const out: number[] = [];
  const uart = new Uart(clock, irq, { write: (b) => out.push(b) });
  uart.attach(io, COM1);
  return { io, clock, irq, out, uart };
}

/** 115200 baud 8N1: 10 bits at 115200 baud = 86805.55 ns. */
function fast8n1(io: PortBus): void {
  io.write(LCR, 1, 0x83);
  io.write(COM1, 1, 1);
  io.write(COM1 + 1, 1, 0);
  io.write(LCR, 1, 0x03);
}

describe('16550A UART', () => {
  it('resets with THR and transmitter empty, no interrupt, IIR = 01', () => {
    const { io } = setup();
    expect(io.read(LSR, 1)).toBe(0x60);
    expect(io.read(IIR, 1)).toBe(0x01);
    expect(io.read(IER, 1)).toBe(0x00);
  });

  it('exposes the divisor latch when DLAB is set and keeps IER/RBR separate', () => {
    const { io } = setup();
    io.write(IER, 1, 0x05);
    io.write(LCR, 1, 0x80);
    io.write(COM1, 1, 0x34);
    io.write(COM1 + 1, 1, 0x12);
    expect(io.read(COM1, 1)).toBe(0x34);
    expect(io.read(COM1 + 1, 1)).toBe(0x12);
    io.write(LCR, 1, 0x03);
    expect(io.read(IER, 1)).toBe(0x05);
    expect(io.read(LCR, 1)).toBe(0x03);
  });

  it('IER keeps only bits 3..0 and SCR is a plain scratch register', () => {
    const { io } = setup();
    io.write(IER, 1, 0xff);
    expect(io.read(IER, 1)).toBe(0x0f);
    io.write(SCR, 1, 0xa5);
    expect(io.read(SCR, 1)).toBe(0xa5);
  });

  it('transmits instantly to the back-end with THRE/TEMT still set', () => {
    const { io, out } = setup();
    io.write(COM1, 1, 0x41);
    io.write(COM1, 1, 0x42);
    expect(out).toEqual([0x41, 0x42]);
    expect(io.read(LSR, 1) & 0x60).toBe(0x60);
    io.write(LCR, 1, 0x43); // break: the line is spacing, nothing is sent
    io.write(COM1, 1, 0x43);
    expect(out).toEqual([0x41, 0x42]);
  });

  it('enabling ETBEI with THR empty raises THRE; reading IIR clears it; OUT2 gates the line', () => {
    const { io, irq } = setup();
    io.write(IER, 1, 0x02);
    expect(irq.level).toBe(false); // OUT2 = 0: the PC's gate is closed
    io.write(MCR, 1, 0x08);
    expect(irq.level).toBe(true);
    expect(io.read(IIR, 1)).toBe(0x02);
    expect(irq.level).toBe(false);
    expect(io.read(IIR, 1)).toBe(0x01);
    // Disable and re-enable: raised again (Linux's THRE test).
    io.write(IER, 1, 0);
    io.write(IER, 1, 0x02);
    expect(io.read(IIR, 1)).toBe(0x02);
  });

  it('a THR write gives a fresh THRE edge after the byte leaves', () => {
    const { io, irq } = setup();
    io.write(MCR, 1, 0x08);
    io.write(IER, 1, 0x02);
    io.read(IIR, 1);
    const edges = irq.edges;
    io.write(COM1, 1, 0x55);
    expect(irq.edges).toBe(edges + 1);
    expect(io.read(IIR, 1)).toBe(0x02);
  });

  it('FCR bit 0 enables the FIFOs: IIR reads C1 (no 64-byte FIFO bit, as Linux checks)', () => {
    const { io } = setup();
    io.write(FCR, 1, 0x21);
    expect(io.read(IIR, 1)).toBe(0xc1);
    io.write(FCR, 1, 0x00);
    expect(io.read(IIR, 1)).toBe(0x01);
  });

  it('paces host input at one character time per byte (115200 8N1)', () => {
    const { io, clock, uart } = setup();
    fast8n1(io);
    io.write(FCR, 1, 0x07);
    uart.input([0x61, 0x62, 0x63]);
    expect(uart.inputQueued).toBe(3);
    clock.advanceTo(0);
    expect(io.read(LSR, 1) & 1).toBe(1);
    expect(uart.inputQueued).toBe(2);
    clock.advanceTo(86_000);
    expect(uart.inputQueued).toBe(2);
    clock.advanceTo(86_806);
    expect(uart.inputQueued).toBe(1);
    clock.advanceTo(2 * 86_806);
    expect(uart.inputQueued).toBe(0);
    expect([io.read(RBR, 1), io.read(RBR, 1), io.read(RBR, 1)]).toEqual([0x61, 0x62, 0x63]);
    expect(io.read(LSR, 1) & 1).toBe(0);
  });

  it('character time follows the frame format: 9600 7E2 is 11 bits of 104.17 us', () => {
    const { io, uart } = setup();
    io.write(LCR, 1, 0x80);
    io.write(COM1, 1, 12);
    io.write(COM1 + 1, 1, 0);
    io.write(LCR, 1, 0x02 | 0x04 | 0x08 | 0x10);
    expect(uart.charTimeNs()).toBeCloseTo((11 * 1e9) / 9600, 3);
  });

  it('RX data interrupt at the FIFO trigger level (4), then character timeout below it', () => {
    const { io, clock, uart, irq } = setup();
    fast8n1(io);
    io.write(MCR, 1, 0x08);
    io.write(FCR, 1, 0x41); // FIFO on, trigger 4
    io.write(IER, 1, 0x01);
    const ct = 1e9 / 11520;
    uart.input([1, 2, 3, 4, 5]);
    clock.advanceTo(2 * ct + 1);
    expect(irq.level).toBe(false);
    clock.advanceTo(3 * ct + 1);
    expect(irq.level).toBe(true);
    expect(io.read(IIR, 1)).toBe(0xc4);
    io.read(RBR, 1);
    io.read(RBR, 1);
    expect(irq.level).toBe(false); // 2 left, below trigger
    clock.advanceTo(4 * ct + 1); // 5th byte arrives: 3 in FIFO
    expect(irq.level).toBe(false);
    clock.advanceTo(8 * ct + 2); // 4 character times of silence
    expect(irq.level).toBe(true);
    expect(io.read(IIR, 1)).toBe(0xcc);
    io.read(RBR, 1); // reading clears the timeout
    expect(io.read(IIR, 1)).toBe(0xc1);
  });

  it('holds host input while the 16450-mode holding register is full', () => {
    const { io, clock, uart } = setup();
    fast8n1(io);
    uart.input([7, 8]);
    clock.advanceTo(1e6);
    expect(uart.inputQueued).toBe(1);
    expect(io.read(LSR, 1) & 0x03).toBe(0x01);
    expect(io.read(RBR, 1)).toBe(7);
    clock.advanceTo(2e6);
    expect(io.read(RBR, 1)).toBe(8);
  });

  it('loopback: TX goes to RX, not the back-end; overrun sets OE and a line-status interrupt', () => {
    const { io, out } = setup();
    io.write(MCR, 1, 0x18);
    io.write(IER, 1, 0x05);
    io.write(COM1, 1, 0x11);
    expect(out).toEqual([]);
    expect(io.read(IIR, 1)).toBe(0x04);
    io.write(COM1, 1, 0x22); // holding register full: overrun
    expect(io.read(IIR, 1)).toBe(0x06);
    expect(io.read(LSR, 1) & 0x03).toBe(0x03);
    expect(io.read(LSR, 1) & 0x02).toBe(0); // LSR read cleared OE
    expect(io.read(RBR, 1)).toBe(0x11);
  });

  it('loopback: MCR outputs appear on MSR inputs with delta bits and a modem-status interrupt', () => {
    const { io, irq } = setup();
    expect(io.read(MSR, 1) & 0xf0).toBe(0xb0); // terminal attached: DCD DSR CTS
    io.write(MCR, 1, 0x10 | 0x0a); // loop + RTS + OUT2 (Linux's probe)
    expect(io.read(MSR, 1) & 0xf0).toBe(0x90);
    io.write(IER, 1, 0x08);
    io.write(MCR, 1, 0x10 | 0x08 | 0x01 | 0x04); // DTR on, RTS off, OUT1 on
    expect(irq.level).toBe(true);
    expect(io.read(IIR, 1)).toBe(0x00);
    const msr = io.read(MSR, 1);
    expect(msr & 0xf0).toBe(0xe0); // DCD RI DSR
    expect(msr & 0x0f).toBe(0x03); // DDSR DCTS
    expect(irq.level).toBe(false);
    io.write(MCR, 1, 0x10 | 0x08 | 0x01); // RI falls: TERI
    expect(io.read(MSR, 1) & 0x0f).toBe(0x04);
  });

  it('loopback break: a zero character with BI (and LSR bit 7 in FIFO mode), a line-status interrupt', () => {
    const { io } = setup();
    io.write(FCR, 1, 0x01);
    io.write(MCR, 1, 0x10);
    io.write(IER, 1, 0x04);
    io.write(LCR, 1, 0x43);
    expect(io.read(IIR, 1)).toBe(0xc6);
    expect(io.read(LSR, 1) & 0x91).toBe(0x91);
    expect(io.read(LSR, 1) & 0x90).toBe(0);
    expect(io.read(RBR, 1)).toBe(0);
  });

  it('FCR RX reset empties the FIFO', () => {
    const { io } = setup();
    io.write(FCR, 1, 0x01);
    io.write(MCR, 1, 0x10);
    io.write(COM1, 1, 1);
    io.write(COM1, 1, 2);
    io.write(FCR, 1, 0x03);
    expect(io.read(LSR, 1) & 1).toBe(0);
  });

  it('priority: line status over received data over THRE', () => {
    const { io } = setup();
    io.write(MCR, 1, 0x10);
    io.write(IER, 1, 0x07);
    expect(io.read(IIR, 1)).toBe(0x02);
    io.write(COM1, 1, 1);
    expect(io.read(IIR, 1)).toBe(0x04);
    io.write(COM1, 1, 2);
    expect(io.read(IIR, 1)).toBe(0x06);
  });
});
