// @vmm86/cpu-core — public API.
import './ops/index.js';
import { Cpu, type CpuOptions } from './cpu.js';
import { buildHandlers } from './handlers.js';

export { Cpu, CpuFault, Exit, Trap, type CpuOptions, type Handler } from './cpu.js';
export { FlagState, widthMask } from './flags.js';
export { SUPPORTED_ISA, unimplemented } from './handlers.js';
export { NO_IO, PAGE_MMIO, PAGE_RAM, PAGE_ROM, ramOnly, type IoPorts, type PhysicalMemory } from './ports.js';
export { segFlagsOf } from './segment.js';
export { CPUID_FEATURES, CPUID_SIGNATURE } from './ops/system-basic.js';
export * from './state.js';

let handlers: ReturnType<typeof buildHandlers> | undefined;

/** Creates a CPU in its RESET state on the given memory and I/O ports. */
export function createCpu(options: CpuOptions): Cpu {
  handlers ??= buildHandlers();
  return new Cpu(options, handlers);
}
