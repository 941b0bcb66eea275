// Every instruction family registers its handlers here (import for the side effect).
import './alu.js';
import './mov.js';
