// @vmm86/x86-decoder — public API.
export { decodeInto, DecodeFlags, FORM } from './decode.js';
export { decode, type DecodeOptions } from './convenience.js';
export { formatIntel } from './format-intel.js';
export { Instruction, OpKind, DecodeStatus, UdReason, Pfx } from './instruction.js';
export { Reg, RegClass, Seg, regName, regClass } from './registers.js';
export {
  FORMS, Cf, CF_NAMES, Priv, Touch, Imp, MemAcc, FL, ISA_NAMES, Isa, type FormColumns, type FormRow,
} from './forms.js';
export { Ptr, PTR_NAMES } from './operands.js';
