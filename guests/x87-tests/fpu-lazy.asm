; fpu-lazy.asm — the x87 behaviour an operating system relies on (issue 4, "Done when" 3):
; FNINIT defaults, #NM from CR0.EM and CR0.TS (and WAIT with CR0.MP), lazy FPU switching
; the way Linux does it (save the outgoing task's state with FNSAVE, set CR0.TS, restore the
; incoming task's state in the #NM handler with CLTS + FRSTOR, re-execute the instruction),
; and pending unmasked exceptions reported as #MF (vector 16, CR0.NE = 1) on the next
; waiting instruction.
;
; Lives beside guests/cpu-tests (it uses the same common.inc) but in its own folder: the
; cpu-core kernel test picks it up once the FPU is implemented (issue 4).

%include "../cpu-tests/common.inc"

CR0_MP equ 0x02
CR0_EM equ 0x04
CR0_TS equ 0x08
CR0_NE equ 0x20

main:
    PRINTLN "fpu-lazy: start"
    mov eax, cr0
    and eax, ~(CR0_EM | CR0_TS)
    or eax, CR0_MP | CR0_NE
    mov cr0, eax

    ; FNINIT: control word 037F, status 0, empty stack.
    fninit
    fnstcw [cw]
    PRINT "fninit cw="
    movzx eax, word [cw]
    call hex16
    fnstsw ax
    PRINT " sw="
    call hex16
    call newline

    ; Arithmetic through the stack: (1 + 1) * pi as a single.
    fld1
    fld1
    faddp st1, st0
    fldpi
    fmulp st1, st0
    fstp dword [tmp]
    PRINT "2pi="
    mov eax, [tmp]
    call hex32
    call newline

    ; #NM from CR0.EM and CR0.TS; WAIT faults only with TS and MP.
    mov eax, cr0
    or eax, CR0_EM
    mov cr0, eax
    TRY "nm-em", {fld1}
    mov eax, cr0
    and eax, ~CR0_EM
    or eax, CR0_TS
    mov cr0, eax
    TRY "nm-ts", {fld1}
    TRY "nm-ts-wait-mp", {fwait}
    mov eax, cr0
    and eax, ~CR0_MP
    mov cr0, eax
    TRY "ts-wait-no-mp", {fwait}
    clts
    mov eax, cr0
    or eax, CR0_MP
    mov cr0, eax

    ; Lazy switching: task A's state is saved and TS set; task B's first FPU instruction
    ; faults, the #NM handler restores B's state and the instruction runs again.
    mov eax, 7
    mov ebx, nm_switch
    mov ecx, 0x8e
    mov edx, CODE0
    call set_gate
    fninit
    fld1
    fld1
    faddp st1, st0                  ; task B's state: st0 = 2
    fnsave [save_b]
    fninit
    fldpi                           ; task A's state: st0 = pi
    fnsave [save_a]                 ; switch away from A (FNSAVE also reinitialises the FPU)
    mov eax, cr0
    or eax, CR0_TS
    mov cr0, eax
    fld1                            ; task B: #NM -> restore B -> runs: st0 = 1, st1 = 2
    faddp st1, st0
    fstp dword [tmp]
    PRINT "lazy b="
    mov eax, [tmp]
    call hex32
    PRINT " switches="
    mov eax, [switches]
    call hex8
    call newline
    frstor [save_a]                 ; back to A directly (TS is clear now)
    fstp dword [tmp]
    PRINT "lazy a="
    mov eax, [tmp]
    call hex32
    call newline
    mov eax, 7                      ; the reporting handler again
    mov ebx, [isr_table + 7 * 4]
    mov ecx, 0x8e
    mov edx, CODE0
    call set_gate

    ; #MF: an unmasked zero divide sets ES; the next waiting instruction raises #MF.
    fninit
    mov word [cw], 0x037b           ; ZE unmasked
    fldcw [cw]
    fld1
    fldz
    fdivp st1, st0                  ; ZE, ES, B: no fault yet
    fnstsw ax
    PRINT "zd sw="
    call hex16
    call newline
    TRY "mf-fwait", {fwait}
    fnstsw ax
    PRINT "after mf sw="
    call hex16
    call newline
    fnclex
    TRY "no-mf-after-fnclex", {fwait}
    fninit

    PRINTLN "fpu-lazy: done"
    xor al, al
    jmp exit

; #NM handler of the lazy switch: CLTS, restore the incoming task, re-execute.
nm_switch:
    clts
    frstor [save_b]
    inc dword [switches]
    iretd

section .data
align 4
cw:       dw 0, 0
tmp:      dd 0
switches: dd 0
save_a:   times 108 db 0
save_b:   times 108 db 0

%include "../cpu-tests/footer.inc"
