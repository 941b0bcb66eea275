// @vmm86/shadow-mmu — public API.
export * from './constants.js';
export { Pmap } from './pmap.js';
export type { GuestMemoryPort, HostMemoryPort, PmapResolver, ShadowMmuPorts, TlbPort, TraceOwner } from './ports.js';
export { ShadowMmu, type FaultInfo, type ShadowMmuOptions, type ShadowMmuStats } from './shadow-mmu.js';
