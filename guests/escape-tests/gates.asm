; gates.asm — far transfers through crafted descriptors that live at GDT indices a monitor
; would keep for itself (8176..8191) and land in the top 4 MiB of the linear space: a call
; gate from ring 3 to ring 0 code at 0xFFFFF000, a far call from ring 3 to a conforming
; ring-0 segment based at 0xFFFFF000, an interrupt gate to 0xFFFFF200, a task gate to a
; TSS whose EIP is 0xFFFFF300; and the #GP a ring-3 caller gets for a non-conforming ring-0
; target and a DPL-0 gate. Each target records CS, SS and ESP where it runs.

%include "common.inc"
%include "escape.inc"

TOPCODE  equ 0xfffff000
G_CALL   equ 8176 * 8 + 3   ; call gate, DPL 3 -> CODE0:FFFFF000
G_CALL0  equ 8177 * 8 + 3   ; call gate, DPL 0 -> CODE0:FFFFF000
S_CONF   equ 8178 * 8 + 3   ; conforming code, DPL 0, base FFFFF000, limit FFF
S_NCONF  equ 8179 * 8 + 3   ; non-conforming code, DPL 0, base FFFFF000
S_TSS1   equ 8184 * 8       ; TSS for the task gate
G_TASK   equ 8185 * 8 + 3   ; task gate, DPL 3 -> S_TSS1
G_CALLP  equ 8180 * 8 + 3   ; call gate, DPL 3, 2 parameters -> CODE0:FFFFF400
G_CONF   equ 8181 * 8 + 3   ; call gate, DPL 3 -> S_CONF:500 (conforming: no level change)
G_CONFJ  equ 8182 * 8 + 3   ; call gate, DPL 3 -> S_CONF:700 (for JMP)
S_TSS2   equ 8186 * 8       ; TSS for the jump through a task gate
G_TASK2  equ 8187 * 8 + 3   ; task gate, DPL 3 -> S_TSS2
OUTV     equ SCRATCH        ; what the targets record

main:
    PRINTLN "escape gates: start"
    call big_gdt
    call install_back_gate
    call paging_top
    ; the targets, copied to the top page
    mov esi, t_gate
    mov edi, TOPCODE
    mov ecx, t_gate_end - t_gate
    rep movsb
    mov esi, t_conf
    mov edi, TOPCODE + 0x100
    mov ecx, t_conf_end - t_conf
    rep movsb
    mov esi, t_int
    mov edi, TOPCODE + 0x200
    mov ecx, t_int_end - t_int
    rep movsb
    mov esi, t_task
    mov edi, TOPCODE + 0x300
    mov ecx, t_task_end - t_task
    rep movsb
    mov esi, t_param
    mov edi, TOPCODE + 0x400
    mov ecx, t_param_end - t_param
    rep movsb
    mov esi, t_conf2
    mov edi, TOPCODE + 0x500
    mov ecx, t_conf2_end - t_conf2
    rep movsb
    mov esi, t_task2
    mov edi, TOPCODE + 0x600
    mov ecx, t_task2_end - t_task2
    rep movsb
    ; descriptors
    mov dword [BIG_GDT + (G_CALLP & ~7)], (CODE0 << 16) | ((TOPCODE + 0x400) & 0xffff)
    mov dword [BIG_GDT + (G_CALLP & ~7) + 4], (TOPCODE & 0xffff0000) | 0xec02
    mov dword [BIG_GDT + (G_CONF & ~7)], ((S_CONF & ~3) << 16) | 0x500
    mov dword [BIG_GDT + (G_CONF & ~7) + 4], 0xec00
    mov dword [BIG_GDT + (G_CONFJ & ~7)], ((S_CONF & ~3) << 16) | 0x700
    mov dword [BIG_GDT + (G_CONFJ & ~7) + 4], 0xec00
    mov esi, t_confj
    mov edi, TOPCODE + 0x700
    mov ecx, t_confj_end - t_confj
    rep movsb
    BIGDESC S_TSS2 >> 3,  TSS2, 0x67, 0x89, 0x0
    mov dword [BIG_GDT + (G_TASK2 & ~7)], S_TSS2 << 16
    mov dword [BIG_GDT + (G_TASK2 & ~7) + 4], 0xe500
    mov dword [BIG_GDT + (G_CALL & ~7)], (CODE0 << 16) | (TOPCODE & 0xffff)
    mov dword [BIG_GDT + (G_CALL & ~7) + 4], (TOPCODE & 0xffff0000) | 0xec00
    mov dword [BIG_GDT + (G_CALL0 & ~7)], (CODE0 << 16) | (TOPCODE & 0xffff)
    mov dword [BIG_GDT + (G_CALL0 & ~7) + 4], (TOPCODE & 0xffff0000) | 0x8c00
    BIGDESC S_CONF >> 3,  TOPCODE, 0xfff, 0x9e, 0x4
    BIGDESC S_NCONF >> 3, TOPCODE, 0xfff, 0x9a, 0x4
    BIGDESC S_TSS1 >> 3,  TSS1, 0x67, 0x89, 0x0
    mov dword [BIG_GDT + (G_TASK & ~7)], S_TSS1 << 16
    mov dword [BIG_GDT + (G_TASK & ~7) + 4], 0xe500
    ; interrupt gate 0x40, DPL 3 -> CODE0:FFFFF200
    mov eax, 0x40
    mov ebx, TOPCODE + 0x200
    mov ecx, 0xee
    mov edx, CODE0
    call set_gate
    ; TSS1: ring 0, flat, paging with the same directory, EIP in the top page
    mov edi, TSS1
    mov ecx, 0x68 / 4
    xor eax, eax
    rep stosd
    mov dword [TSS1 + 0x1c], PD
    mov dword [TSS1 + 0x20], TOPCODE + 0x300
    mov dword [TSS1 + 0x24], 2
    mov dword [TSS1 + 0x38], 0x60000
    mov dword [TSS1 + 0x48], DATA0
    mov dword [TSS1 + 0x4c], CODE0
    mov dword [TSS1 + 0x50], DATA0
    mov dword [TSS1 + 0x54], DATA0
    mov dword [TSS1 + 0x58], DATA0
    mov dword [TSS1 + 0x5c], DATA0
    mov word [TSS1 + 0x66], 0x68
    mov esi, TSS1
    mov edi, TSS2
    mov ecx, 0x68
    rep movsb
    mov dword [TSS2 + 0x20], TOPCODE + 0x600
    mov dword [TSS2 + 0x38], 0x70000
    ; the switch back loads CR3 from TSS0, which a task switch never writes
    mov dword [TSS0 + 0x1c], PD

    mov dword [ring0_back], .back
    mov eax, ring3
    jmp to_ring3
.back:
    PRINT "after:"
    SHOW "tss1-backlink", [TSS1]
    SHOW32 "tss1-eip", [TSS1 + 0x20]
    mov eax, [BIG_GDT + S_TSS1 + 4]
    shr eax, 8
    SHOW "tss1-type", ax
    call newline
    PRINTLN "escape gates: done"
    xor eax, eax
    jmp exit

; at CPL 3
ring3:
    mov edi, OUTV
    mov ecx, 0x40
    xor eax, eax
    rep stosb
    mov dword [resume], .g1
    call G_CALL:0
.g1:
    mov dword [resume], 0
    PRINT "call-gate-to-top:"
    SHOW "cs", [OUTV]
    SHOW "ss", [OUTV + 2]
    SHOW32 "esp", [OUTV + 4]
    SHOW "back-cs", cs
    call newline
    mov dword [resume], .g2
    call S_CONF:0x100
.g2:
    mov dword [resume], 0
    PRINT "conforming-top:"
    SHOW "cs", [OUTV + 0x10]
    SHOW "ss", [OUTV + 0x12]
    call newline
    TRY "nonconforming-ring0-from-ring3", call S_NCONF:0x100
    TRY "dpl0-gate-from-ring3", call G_CALL0:0
    TRY "rpl3-selector-of-gate-dpl3", call (G_CALL & ~3):0
    mov dword [resume], .g3
    int 0x40
.g3:
    mov dword [resume], 0
    PRINT "int-gate-to-top:"
    SHOW "cs", [OUTV + 0x20]
    SHOW32 "esp", [OUTV + 0x24]
    call newline
    mov dword [resume], .g4
    call G_TASK:0
.g4:
    mov dword [resume], 0
    PRINT "task-gate-to-top:"
    SHOW "cs", [OUTV + 0x30]
    SHOW "tr", [OUTV + 0x32]
    SHOW32 "esp", [OUTV + 0x34]
    SHOW "back-cs", cs
    call newline
    TRY "task-gate-again-busy-free", call G_TASK:0
    push dword 0x1111aaaa
    push dword 0x2222bbbb
    mov dword [resume], .g5
    call G_CALLP:0
.g5:
    mov dword [resume], 0
    PRINT "call-gate-2-params:"
    SHOW32 "p0", [OUTV + 0x40]
    SHOW32 "p1", [OUTV + 0x44]
    SHOW32 "esp", [OUTV + 0x48]
    SHOW32 "ret-esp", esp
    call newline
    add esp, 8
    mov dword [resume], .g6
    call G_CONF:0
.g6:
    mov dword [resume], 0
    PRINT "call-gate-to-conforming:"
    SHOW "cs", [OUTV + 0x50]
    SHOW "ss", [OUTV + 0x52]
    call newline
    ; JMP through a call gate may not raise the privilege level: #GP(code selector)
    TRY "jmp-call-gate-to-ring0", jmp G_CALL:0
    mov dword [OUTV + 0x78], .j1
    mov word [OUTV + 0x7c], CODE3
    mov dword [resume], .j1
    jmp G_CONFJ:0
.j1:
    mov dword [resume], 0
    PRINT "jmp-call-gate-to-conforming:"
    SHOW "cs", [OUTV + 0x70]
    SHOW "ss", [OUTV + 0x72]
    call newline
    mov dword [resume], .g7
    jmp G_TASK2:0
.g7:
    mov dword [resume], 0
    PRINT "jmp-task-gate:"
    SHOW "cs", [OUTV + 0x60]
    SHOW "tr", [OUTV + 0x62]
    SHOW "back-tr", [TSS2]
    call newline
    int 0x30

; Targets (position-independent; run from the top page).
t_gate:
    mov [OUTV], cs
    mov [OUTV + 2], ss
    mov [OUTV + 4], esp
    retf
t_gate_end:
t_conf:
    mov [OUTV + 0x10], cs
    mov [OUTV + 0x12], ss
    retf
t_conf_end:
t_int:
    mov [OUTV + 0x20], cs
    mov [OUTV + 0x24], esp
    iretd
t_int_end:
t_task:
    mov [OUTV + 0x30], cs
    str [OUTV + 0x32]
    mov [OUTV + 0x34], esp
    iretd
    jmp short t_task
t_task_end:
t_param:
    mov eax, [esp + 8]
    mov [OUTV + 0x40], eax
    mov eax, [esp + 12]
    mov [OUTV + 0x44], eax
    mov [OUTV + 0x48], esp
    retf 8
t_param_end:
t_conf2:
    mov [OUTV + 0x50], cs
    mov [OUTV + 0x52], ss
    retf
t_conf2_end:
t_confj:
    mov [OUTV + 0x70], cs
    mov [OUTV + 0x72], ss
    jmp far [OUTV + 0x78]
t_confj_end:
; reached by JMP: no back link, so it jumps back to the main task's TSS
t_task2:
    mov [OUTV + 0x60], cs
    str [OUTV + 0x62]
    jmp TSS0SEL:0
t_task2_end:

%include "footer.inc"
