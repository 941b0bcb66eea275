// @vmm86/devices — public API: the board's buses and clock, and the devices.
export * from './bus.js';
export * from './pic.js';
export * from './pit.js';
export * from './rtc.js';
export * from './uart.js';
export * from './i8042.js';
export * from './pci.js';
export * from './vga.js';
export * from './system-ports.js';
