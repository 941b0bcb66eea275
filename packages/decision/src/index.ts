// @vmm86/decision — public API.
export {};
