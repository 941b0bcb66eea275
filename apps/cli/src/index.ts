export { type DisasmArgs, parseDisasmArgs, parseNumber } from './args.js';
export { type CliIo, DISASM_USAGE, USAGE, run, runAsync } from './cli.js';
export { type DecodedLine, type DisasmRange, type LineDecoder, disassemble } from './disasm.js';
export { UsageError } from './errors.js';
export { INSN_WIDTH, addressWidth, formatLine } from './format.js';
export { x86LineDecoder } from './x86-line-decoder.js';
export { RUN_USAGE, type Chardev, type RunArgs, parseChardev, parseRunArgs, parseSize } from './run-args.js';
export { type RunIo, formatStats, runCommand } from './run.js';
