// @vmm86/devices — public API: the board's buses and clock, and the devices.
export * from './bus.js';
