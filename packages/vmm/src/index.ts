// @vmm86/vmm — public API: the machine, its loaders and the scripted console.
export {
  Machine, createMachine, describeCpu,
  type MachineConfig, type MachineStats, type RunLimits, type RunResult, type SerialSink, type StopReason, type Stopped,
} from './machine.js';
export { PhysicalBus } from './physical.js';
export { Monitor, MONITOR_BYTES, type MonitorStats } from './monitor/monitor.js';
export { MONITOR_LINEAR } from './monitor/layout.js';
export { DEFAULT_STRATEGY as DEFAULT_DECISION, strategies as decisionStrategies } from '@vmm86/decision';
export { ScriptedConsole, type ScriptStep } from './console.js';
export * from './loaders/index.js';
export * from './initramfs.js';
