// @vmm86/shadow-mmu — public API.
export * from './constants.ts';
export { Pmap } from './pmap.ts';
export type { GuestMemoryPort, HostMemoryPort, PmapResolver, ShadowMmuPorts, TlbPort, TraceOwner } from './ports.ts';
export { ShadowMmu, type FaultInfo, type ShadowMmuOptions, type ShadowMmuStats } from './shadow-mmu.ts';
