; exceptions.asm — every exception vector that can be provoked at ring 0 without devices,
; with its error code and pushed EIP: #DE #DB(single-step) #BP #OF #BR #UD #TS #NP #GP,
; a double fault (#GP whose gate is not present -> #NP during delivery -> #DF), and
; delivery through trap vs interrupt gates and a 16-bit interrupt gate.

%include "common.inc"

%define L(x) ((x) - lowstart + LOWCODE)

main:
    PRINTLN "exceptions: start"
    TRY "de-div0", {div ecx}
    mov eax, 0x80000000
    cdq
    mov ecx, -1
    TRY "de-idiv-overflow", {idiv ecx}
    xor ecx, ecx

    ; #DB single-step: TF set by POPFD traps after the next instruction
    xor eax, eax
    mov dr6, eax
    PRINT "db-step: "
    pushfd
    or dword [esp], 0x100
    popfd
    nop                             ; traps after this NOP (handler clears TF in the frame)
    nop
    PRINT "dr6.bs="
    mov eax, dr6
    shr eax, 14
    and eax, 1
    call hex8
    call newline

    PRINT "bp-int3: "
    int3
    PRINT "bp-int-3: "
    int 3
    PRINT "of-into-set: "
    mov al, 0x7f
    add al, 1                       ; OF = 1
    into
    xor eax, eax                    ; OF = 0
    TRY "of-into-clear", {into}
    mov eax, 5
    TRY "br-inside", {bound eax, [bounds]}
    mov eax, 11
    TRY "br-above", {bound eax, [bounds]}
    mov eax, -1
    TRY "br-below", {bound eax, [bounds]}
    TRY "ud-ud2", {ud2}
    TRY "ud-lock-nop", {db 0xf0, 0x90}
    TRY "ud-mov-cr1", {db 0x0f, 0x20, 0xc8}
    TRY "ud-lds-reg", {db 0xc5, 0xc0}

    ; #TS: IRET with NT set and a back-link that is not a TSS
    mov word [TSS0], 0x10
    pushfd
    or dword [esp], 0x4000
    popfd
    TRY "ts-iret-nt", {iretd}
    mov word [TSS0], 0

    ; #NP and #GP through bad IDT entries (INT n: EXT = 0)
    mov eax, 0x41
    mov ebx, soft_handler
    mov ecx, 0x0e                   ; 32-bit interrupt gate, not present
    mov edx, CODE0
    call set_gate
    TRY "np-gate", {int 0x41}
    mov eax, 0x42
    mov ecx, 0x80                   ; present, type 0 (invalid)
    call set_gate
    TRY "gp-gate-type", {int 0x42}
    mov eax, 0x43
    mov ecx, 0x8e
    mov edx, 0x40                   ; selector beyond the GDT
    call set_gate
    TRY "gp-gate-selector", {int 0x43}
    mov edx, CODE0
    TRY "gp-privileged-cpl0-ok", {clts}
    TRY "gp-far-jmp-null", {jmp 0:0}
    lidt [small_idt]
    TRY "gp-beyond-idt", {int 0x44}
    lidt [idt_desc]

    ; trap gate keeps IF, interrupt gate clears it
    mov eax, 0x45
    mov ebx, if_handler
    mov ecx, 0x8f
    call set_gate
    mov eax, 0x46
    mov ecx, 0x8e
    call set_gate
    PRINT "trap-gate: "
    sti
    int 0x45
    cli
    PRINT "int-gate: "
    sti
    int 0x46
    cli

    ; 16-bit interrupt gate: a 16-bit frame (IP, CS, FLAGS)
    mov esi, lowstart
    mov edi, LOWCODE
    mov ecx, lowend - lowstart
    rep movsb
    mov eax, 0x47
    mov ebx, L(gate16_handler)
    mov ecx, 0x86
    call set_gate
    PRINT "gate16: "
    mov dword [sp_before], esp
    int 0x47
gate16_ret:
    call newline

    ; double fault: the #GP gate is not present -> #NP while delivering #GP -> #DF(0)
    mov byte [IDT_BASE + 13 * 8 + 5], 0x0e
    mov dword [exc_hook], df_hook
    mov ax, 0x98
    TRY "df-gp-np", {mov ds, ax}
    mov byte [IDT_BASE + 13 * 8 + 5], 0x8e
    mov dword [exc_hook], 0

    PRINTLN "exceptions: done"
    mov al, 0
    jmp exit

df_hook:                            ; restores the #GP gate from within the #DF handler
    mov byte [IDT_BASE + 13 * 8 + 5], 0x8e
    ret

soft_handler:
    PRINTLN "soft"
    iretd

if_handler:
    pushfd
    pop eax
    shr eax, 9
    and eax, 1
    PRINT "if="
    call hex8
    call newline
    iretd

bits 16
lowstart:
gate16_handler:                     ; runs in CODE0 (32-bit); the frame is 16-bit
bits 32
    mov ebx, hex16
    PUTS "ip="
    movzx eax, word [esp]
    call ebx
    PUTS " cs="
    movzx eax, word [esp + 2]
    call ebx
    PUTS " frame="
    mov eax, [sp_before]
    sub eax, esp
    call ebx
    add esp, 6                      ; a 16-bit frame cannot return to EIP > 0xFFFF
    mov eax, gate16_ret
    jmp eax
lowend:

section .data
bounds: dd 0, 10
small_idt:
    dw 0x44 * 8 - 1
    dd IDT_BASE
sp_before: dd 0

%include "footer.inc"
