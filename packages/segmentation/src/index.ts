// @vmm86/segmentation — public API.
export {};
