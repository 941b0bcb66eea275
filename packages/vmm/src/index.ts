// @vmm86/vmm — public API: the machine, its loaders and the scripted console.
export {
  Machine, createMachine, describeCpu,
  type MachineConfig, type MachineStats, type RunLimits, type RunResult, type SerialSink, type StopReason, type Stopped,
} from './machine.js';
export { PhysicalBus } from './physical.js';
export { ScriptedConsole, type ScriptStep } from './console.js';
export * from './loaders/index.js';
export * from './initramfs.js';
