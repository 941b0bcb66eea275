// @vmm86/shadow-mmu — public API.
export {};
