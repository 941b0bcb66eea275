// @vmm86/dbt — public API.
export {};
