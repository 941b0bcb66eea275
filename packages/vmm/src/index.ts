// @vmm86/vmm — public API.
export {};
