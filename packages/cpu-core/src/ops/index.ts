// Every instruction family registers its handlers here (import for the side effect).
import './alu.js';
import './mov.js';
import './system.js';
import './shift.js';
import './muldiv.js';
import './bcd.js';
import './bit.js';
import './atomic.js';
import './stack.js';
import './control.js';
import './string.js';
import './io.js';
import './system-basic.js';
import './sysenter.js';
import './x87.js';
