; segments.asm — real <-> protected mode switches, "unreal" limits kept by real mode,
; protected-mode segment loads and their faults with error codes (#GP(sel), #NP(sel),
; #SS(sel)), limit/type checks on access, LDT selectors, far jumps to bad targets,
; LAR/LSL/VERR/VERW.

%macro EXTRA_GDT 0
    DESC 0, 0xfffff, 0x12, 0xc          ; 0x40 writable data, not present
    DESC 0, 0xfffff, 0x90, 0xc          ; 0x48 read-only data
    DESC 0, 0xfffff, 0x98, 0xc          ; 0x50 execute-only code
    DESC 0, 0xfffff, 0x9a, 0xc          ; 0x58 readable code
    DESC 0, 0x00fff, 0x92, 0x4          ; 0x60 data, limit 0xFFF (byte granular)
    DESC 0, 0x00fff, 0x96, 0x4          ; 0x68 expand-down data, limit 0xFFF, B=1
    DESC LDT_BASE, 15, 0x82, 0x0        ; 0x70 LDT (2 entries)
    DESC 0, 0x0007f, 0x96, 0xc          ; 0x78 expand-down stack, limit 0x7FFFF, B=1
    DESC 0, 0xfffff, 0x1a, 0xc          ; 0x80 code, not present
%endmacro
LDT_BASE equ 0x7000

%include "common.inc"

%define L(x) ((x) - lowstart + LOWCODE)

main:
    PRINTLN "segments: start"
    mov eax, cr0
    and eax, 1
    PRINT "pm-entry: cr0.pe="
    call hex8
    call newline

    ; ---- real mode and back --------------------------------------------------------
    mov esi, lowstart
    mov edi, LOWCODE
    mov ecx, lowend - lowstart
    rep movsb
    ; IVT vectors 0x00 (#DE), 0x0D (#GP), 0x40 (INT n) for the real-mode part
    mov dword [0x00 * 4], L(rm_de)
    mov dword [0x0d * 4], L(rm_gp)
    mov dword [0x40 * 4], L(rm_int40)
    sidt [saved_idt]
    mov [saved_esp], esp
    jmp CODE16:L(pm16)
back_in_pm:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [saved_esp]
    lidt [saved_idt]
    PRINTLN "pm-return: ok"

    ; ---- segment register loads ------------------------------------------------------
    mov ax, 0
    TRY "gs-null", {mov gs, ax}
    TRY "gs-null-access", {mov eax, [gs:0x1000]}
    mov ax, DATA0
    mov gs, ax
    xor eax, eax
    TRY "ss-null", {mov ss, ax}
    mov ax, 0x98
    TRY "ds-beyond-gdt", {mov ds, ax}
    mov ax, 0x40
    TRY "ds-not-present", {mov es, ax}
    mov ax, 0x40
    TRY "ss-not-present", {mov ss, ax}
    mov ax, 0x48
    TRY "ss-read-only", {mov ss, ax}
    mov ax, DATA0 | 3
    TRY "ss-rpl3", {mov ss, ax}
    mov ax, DATA0 | 3
    TRY "ds-rpl3-dpl0", {mov es, ax}
    mov ax, 0x50
    TRY "ds-exec-only", {mov es, ax}
    mov ax, 0x58
    TRY "ds-readable-code", {mov es, ax}
    mov ax, TSS0SEL
    TRY "ds-tss", {mov es, ax}
    mov ax, 0x58
    TRY "ss-code", {mov ss, ax}
    mov ax, DATA0
    mov es, ax

    ; ---- accesses through loaded segments --------------------------------------------
    mov ax, 0x48
    mov fs, ax
    TRY "write-read-only", {mov dword [fs:0x1000], 1}   ; QEMU: no fault (see README)
    TRY "read-read-only", {mov eax, [fs:0x1000]}
    mov ax, 0x58
    mov fs, ax
    TRY "write-code", {mov dword [fs:0x1000], 1}         ; QEMU: no fault (see README)
    mov ax, 0x60
    mov fs, ax
    TRY "limit-ok", {mov eax, [fs:0xffc]}
    TRY "limit-dword-over", {mov eax, [fs:0xffd]}        ; QEMU: no fault (see README)
    TRY "limit-beyond", {mov al, [fs:0x1000]}            ; QEMU: no fault (see README)
    mov ax, 0x68
    mov fs, ax
    TRY "expdown-above", {mov al, [fs:0x1000]}
    TRY "expdown-below", {mov al, [fs:0xfff]}            ; QEMU: no fault (see README)
    mov ax, 0x78
    mov ss, ax
    TRY "ss-expdown-ok", {mov eax, [ss:0x80000]}
    TRY "ss-expdown-below", {mov eax, [ss:0x1000]}       ; QEMU: no fault (see README)
    mov ax, DATA0
    mov ss, ax
    mov fs, ax

    ; ---- LDT -------------------------------------------------------------------------
    mov dword [LDT_BASE], 0x0000ffff      ; LDT 0: flat writable data
    mov dword [LDT_BASE + 4], 0x00cf9200
    mov dword [LDT_BASE + 8], 0           ; LDT 1: empty
    mov dword [LDT_BASE + 12], 0
    xor eax, eax
    lldt ax
    mov ax, 0x04
    TRY "ldt-null-ldtr", {mov fs, ax}
    mov ax, 0x70
    lldt ax
    mov ax, 0x04
    TRY "ldt-load", {mov fs, ax}
    PRINT "ldt-read: "
    mov eax, [fs:mb_header]
    call hex32
    call newline
    mov ax, 0x0c
    TRY "ldt-empty", {mov fs, ax}
    mov ax, 0x14
    TRY "ldt-beyond", {mov fs, ax}
    mov ax, DATA0
    TRY "lldt-data", {lldt ax}
    xor eax, eax
    lldt ax
    mov ax, DATA0
    mov fs, ax

    ; ---- far transfers to bad targets --------------------------------------------------
    TRY "jmp-data", {jmp 0x48:0}
    TRY "jmp-not-present", {jmp 0x80:0}
    TRY "jmp-null", {jmp 0:0}
    TRY "call-beyond", {call 0x98:0}
    TRY "jmp-exec-only-ok", {jmp 0x50:.xo}
.xo:
    jmp CODE0:.xo2
.xo2:
    call check_nofault

    ; ---- LAR / LSL / VERR / VERW -----------------------------------------------------
    PRINT "lar-48: "
    mov eax, 0x12345678
    lar eax, [sel48]
    call print_zf_eax
    PRINT "lar-tss: "
    mov eax, 0x12345678
    lar eax, [selt]
    call print_zf_eax
    PRINT "lar-null: "
    mov eax, 0x12345678
    mov bx, 0
    lar eax, bx
    call print_zf_eax
    PRINT "lsl-60: "
    mov bx, 0x60
    lsl eax, bx
    call print_zf_eax
    PRINT "lsl-08: "
    mov bx, 0x08
    lsl eax, bx
    call print_zf_eax
    PRINT "verr-50: "
    mov bx, 0x50
    verr bx
    call print_zf_eax
    PRINT "verr-58: "
    mov bx, 0x58
    verr bx
    call print_zf_eax
    PRINT "verw-48: "
    mov bx, 0x48
    verw bx
    call print_zf_eax
    PRINT "verw-10: "
    mov bx, 0x10
    verw bx
    call print_zf_eax
    PRINT "arpl: "
    mov ax, 0x10
    mov bx, 0x23
    arpl ax, bx
    movzx eax, ax
    call print_zf_eax

    PRINTLN "segments: done"
    mov al, 0
    jmp exit

print_zf_eax:                   ; prints "zf=N eax=XXXXXXXX"
    pushfd
    push eax
    PRINT "zf="
    mov eax, [esp + 4]
    shr eax, 6
    and eax, 1
    call hex8
    PRINT " eax="
    pop eax
    call hex32
    call newline
    popfd
    ret

; ---- 16-bit code, copied to LOWCODE ------------------------------------------------------
bits 16
lowstart:
pm16:                               ; 16-bit protected mode, CS = CODE16 (base 0)
    mov ax, DATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov ax, DATA0                   ; FS keeps a 4 GiB limit into real mode ("unreal")
    mov fs, ax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp 0:L(rm)
rm:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    lidt [L(ivt_desc)]
    PUTSLN "real-mode: entered"
    PUTS "real-int: "
    int 0x40
    PUTS "real-de: "
    xor cx, cx
    mov ax, 1
    xor dx, dx
rm_de_insn:
    div cx
    PUTSLN "resumed"
    PUTS "unreal-read: "
    a32 mov eax, [fs:0x100000]
    cmp eax, 0x1BADB002
    jne .bad
    PUTSLN "ok"
    jmp .next
.bad:
    PUTSLN "bad"
.next:
    PUTS "real-limit: "                 ; DS limit 0xFFFF: a word at 0xFFFF -> #GP (QEMU: none)
    mov word [L(rm_resume)], L(rm_after_limit)
rm_limit_insn:
    mov ax, [0xffff]
    PUTSLN "no fault"
rm_after_limit:
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword CODE0:back_in_pm

rm_int40:
    PUTSLN "ok"
    iret
rm_de:                               ; #DE: pushed IP is the DIV's
    push bp
    mov bp, sp
    cmp word [bp + 2], L(rm_de_insn)
    jne .bad
    PUTS "ip ok, "
    jmp .skip
.bad:
    PUTS "ip bad, "
.skip:
    add word [bp + 2], 2            ; skip DIV CX
    pop bp
    iret
rm_gp:
    PUTSLN "#GP"
    push bp
    mov bp, sp
    mov ax, [L(rm_resume)]
    mov [bp + 2], ax
    pop bp
    iret
rm_resume: dw 0
ivt_desc:
    dw 0x3ff
    dd 0
lowend:
bits 32

section .data
saved_idt: dw 0
           dd 0
saved_esp: dd 0
sel48: dw 0x48
selt:  dw TSS0SEL

%include "footer.inc"
