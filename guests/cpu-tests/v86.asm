; v86.asm — virtual-8086 mode: entry by IRETD with VM=1 (segment registers from the
; frame), real-mode segment arithmetic, INT n from v8086 mode to a ring-0 handler (the
; frame with ES/DS/FS/GS, null data segment registers in the handler, IRETD back to
; v8086 mode), the IOPL-sensitive instructions (CLI STI PUSHF POPF INT n IRET) working
; with IOPL = 3 and raising #GP(0) with IOPL < 3, INT3/INTO not IOPL-sensitive, gate
; checks (#GP(vector*8+2) for a DPL-0 gate, #GP(sel) for a target code segment with
; DPL != 0), and IN/OUT consulting the I/O permission bitmap whatever the IOPL.

%include "common.inc"
%include "v86.inc"

%define V(x) ((x) - lowstart)           ; offset in the v8086 code segment (CS = 0x0800)
VRESUME equ LOWCODE + (vresume - lowstart)   ; linear address of the v8086 resume word
V86CS   equ LOWCODE >> 4
V86SS   equ 0x0600
V86SP   equ 0x2000                      ; stack top at linear 0x8000
V86DS   equ 0x0c00
V86ES   equ 0x0d00
V86FS   equ 0x0e00
V86GS   equ 0x0f00
DENIED  equ 0x58                        ; a port whose bitmap bit is set

main:
    PRINTLN "v86: start"
    mov esi, lowstart
    mov edi, LOWCODE
    mov ecx, lowend - lowstart
    rep movsb
    mov dword [exc_hook], v86_hook
    call io_bitmap_on
    IO_DENY DENIED
    ; IDT: 0x30 DPL-3 gate (the INT n exit), 0x31 DPL-0 gate, 0x33 set-IOPL service,
    ; 0x34 DPL-3 gate to a DPL-3 code segment, 4 (INTO) the final exit
    mov eax, 0x30
    mov ebx, int30_handler
    mov ecx, 0xee
    mov edx, CODE0
    call set_gate
    mov eax, 0x31
    mov ecx, 0x8e
    call set_gate
    mov eax, 0x34
    mov ecx, 0xee
    mov edx, CODE3
    call set_gate
    mov eax, 0x33
    mov ebx, svc_setiopl
    mov edx, CODE0
    call set_gate
    mov eax, 4
    mov ebx, v86_done
    call set_gate
    ; IRETD to v8086 mode: EIP CS EFLAGS(VM=1, IOPL=3) ESP SS ES DS FS GS
    PRINTLN "v86: iretd to v8086 mode"
    push dword V86GS
    push dword V86FS
    push dword V86DS
    push dword V86ES
    push dword V86SS
    push dword V86SP
    push dword 0x00023002
    push dword V86CS
    push dword V(v86_entry)
    iretd

; exc_hook: an exception from v8086 mode resumes at the IP armed by VTRY.
v86_hook:
    test dword [ebp + 56], 0x20000
    jz .r
    movzx eax, word [VRESUME]
    test eax, eax
    jz .r
    mov [ebp + 48], eax
    mov word [VRESUME], 0
.r: ret

; INT 0x30 from v8086 mode (32-bit interrupt gate, DPL 3): report the frame and the data
; segment registers as the handler finds them, change the ES image, return by IRETD.
int30_handler:
    push gs
    push fs
    push es
    push ds
    pushfd
    pushad
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov ebp, esp
    ; [ebp+32] EFLAGS in the handler, +36 DS +40 ES +44 FS +48 GS (as found), +52 frame
    PRINT "int30-frame: eip="
    mov eax, [ebp + 52]
    call hex32
    PRINT " cs="
    mov eax, [ebp + 56]
    call hex16
    PRINT " efl="
    mov eax, [ebp + 60]
    call hex32
    PRINT " esp="
    mov eax, [ebp + 64]
    call hex32
    PRINT " ss="
    mov eax, [ebp + 68]
    call hex16
    PRINT " es="
    mov eax, [ebp + 72]
    call hex16
    PRINT " ds="
    mov eax, [ebp + 76]
    call hex16
    PRINT " fs="
    mov eax, [ebp + 80]
    call hex16
    PRINT " gs="
    mov eax, [ebp + 84]
    call hex16
    call newline
    PRINT "int30-ring0: ds="
    mov eax, [ebp + 36]
    call hex16
    PRINT " es="
    mov eax, [ebp + 40]
    call hex16
    PRINT " fs="
    mov eax, [ebp + 44]
    call hex16
    PRINT " gs="
    mov eax, [ebp + 48]
    call hex16
    PRINT " cs="
    mov ax, cs
    call hex16
    PRINT " ss="
    mov ax, ss
    call hex16
    PRINT " esp="
    lea eax, [ebp + 52]
    call hex32
    PRINT " efl="
    mov eax, [ebp + 32]
    call hex32
    call newline
    mov dword [ebp + 72], 0x1111        ; IRETD loads ES from here
    popad
    add esp, 20
    iretd

; INTO from v8086 mode with IOPL 0 (DPL-3 gate): report and leave v8086 mode for good.
v86_done:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    PRINT "v86-into-exit: eip="
    mov eax, [esp]
    call hex32
    PRINT " cs="
    mov eax, [esp + 4]
    call hex16
    PRINT " efl="
    mov eax, [esp + 8]
    call hex32
    PRINT " ss="
    mov eax, [esp + 16]
    call hex16
    call newline
    mov esp, STACK0
    PRINT "v86-memory: "
    mov eax, [V86DS * 16 + 0x10]
    call hex32
    call newline
    PRINTLN "v86: done"
    xor eax, eax
    jmp exit

; ---- v8086 code, copied to LOWCODE (CS = 0x0800) -------------------------------------------
bits 16

; VTRY "label", instruction: like TRY, in v8086 mode.
%macro VTRY 2+
    PUTS %1
    PUTS ": "
    mov word [cs:V(vresume)], V(%%next)
    %2
%%next:
    call vcheck
%endmacro

%macro VREG 2                           ; VREG " name=", reg: prints the 16-bit register
    PUTS %1
    mov ax, %2
    call vhex16
%endmacro

lowstart:
v86_entry:
    PUTS "v86-entry:"
    VREG " cs=", cs
    VREG " ip=", V(v86_entry)
    VREG " ss=", ss
    VREG " sp=", sp
    VREG " ds=", ds
    VREG " es=", es
    VREG " fs=", fs
    VREG " gs=", gs
    xor bx, bx                          ; flags: ZF PF
    pushf
    pop bx
    VREG " flags=", bx
    PUTSLN ""
    ; real-mode segment arithmetic: DS:0010 and (DS+1):0000 are the same byte
    mov word [0x0010], 0xbeef
    mov ax, ds
    inc ax
    mov es, ax
    mov bx, [es:0x0000]
    mov word [es:0x0002], 0x1234        ; = DS:0012
    VREG "v86-seg-arith: es:0000=", bx
    VREG " ds:0012=", [0x0012]
    PUTSLN ""
    mov ax, V86ES
    mov es, ax

    ; INT n with IOPL 3: through the IDT to ring 0 and back by IRETD
    PUTSLN "v86-int30:"
    mov bp, sp
    xor ax, ax                          ; flags: ZF PF
    int 0x30
    PUTS "v86-back:"
    VREG " es=", es
    VREG " ds=", ds
    VREG " fs=", fs
    VREG " gs=", gs
    VREG " ss=", ss
    sub bp, sp
    VREG " sp-delta=", bp
    PUTSLN ""
    mov ax, V86ES
    mov es, ax

    ; IOPL 3: the IOPL-sensitive instructions work
    VTRY "v86-iopl3-cli", cli
    PUTS "v86-iopl3-sti: "
    mov word [cs:V(vresume)], V(.sti3)
    sti
    cli                                 ; inside the STI shadow: no interrupt in between
.sti3:
    call vcheck
    xor ax, ax                          ; flags: ZF PF
    VTRY "v86-iopl3-pushf", pushf
    pop bx
    VREG "v86-iopl3-flags=", bx
    PUTSLN ""
    push word 0x0000                    ; tries to clear IOPL: unchanged at CPL 3
    VTRY "v86-iopl3-popf", popf
    pushf
    pop bx
    VREG "v86-iopl3-flags-after-popf=", bx
    PUTSLN ""
    PUTS "v86-iopl3-iret: "
    mov bp, sp
    pushf
    push cs
    push word V(.iret3)
    mov word [cs:V(vresume)], V(.iret3)
    iret
    PUTS "fell through, "
.iret3:
    call vcheck
    sub bp, sp
    VREG "v86-iopl3-iret-sp-delta=", bp
    PUTSLN ""
    VTRY "v86-iopl3-int31-dpl0-gate", int 0x31
    VTRY "v86-iopl3-int34-dpl3-code", int 0x34
    VTRY "v86-iopl3-int3", int3
    ; IN/OUT consult the bitmap even with IOPL 3
    VTRY "v86-iopl3-in-allowed", {in al, 0x50}
    mov bx, ax
    VREG "v86-iopl3-in-value=", bx
    PUTSLN ""
    VTRY "v86-iopl3-in-denied", {in al, DENIED}
    mov dx, DENIED - 1
    VTRY "v86-iopl3-in-word-second-denied", {in ax, dx}
    VTRY "v86-iopl3-out-denied", {out DENIED, al}

    ; IOPL 0 (set by the ring-0 service behind the DPL-3 gate 0x33)
    mov al, 0
    int 0x33
    PUTSLN "v86-iopl0: set"
    VTRY "v86-iopl0-cli", cli
    VTRY "v86-iopl0-sti", sti
    VTRY "v86-iopl0-pushf", pushf
    mov bp, sp
    push word 0
    VTRY "v86-iopl0-popf", popf
    mov sp, bp
    VTRY "v86-iopl0-int30", int 0x30
    VTRY "v86-iopl0-int-3", int 3       ; INT n (CD 03) is IOPL-sensitive
    VTRY "v86-iopl0-int3", int3         ; INT3 (CC) is not
    PUTS "v86-iopl0-iret: "
    mov bp, sp
    push word 0x0002                    ; (PUSHF would fault here)
    push cs
    push word V(.iret0)
    mov word [cs:V(vresume)], V(.iret0)
    iret
    PUTS "fell through, "
.iret0:
    call vcheck
    mov sp, bp
    VTRY "v86-iopl0-o32-pushfd", {o32 pushf}
    mov sp, bp
    xor ax, ax
    VTRY "v86-iopl0-in-allowed", {in al, 0x50}
    mov bx, ax
    VREG "v86-iopl0-in-value=", bx
    PUTSLN ""
    mov dx, 0x300
    VTRY "v86-iopl0-in-word-allowed", {in ax, dx}
    mov bx, ax
    VREG "v86-iopl0-in-word-value=", bx
    PUTSLN ""
    VTRY "v86-iopl0-in-denied", {in al, DENIED}
    mov dx, DENIED - 3
    VTRY "v86-iopl0-in-dword-fourth-denied", {in eax, dx}
    VTRY "v86-iopl0-out-allowed", {out 0x50, al}
    xor ax, ax                          ; OF = 0
    VTRY "v86-iopl0-into-clear", into
    mov al, 0x7f
    add al, 1                           ; OF = 1
    PUTSLN "v86-iopl0-into:"
    into                                ; vector 4 (DPL-3 gate) leaves v8086 mode
    PUTSLN "v86: into returned"
    jmp $

vcheck:                                 ; keeps AX
    cmp word [cs:V(vresume)], 0
    je .f
    mov word [cs:V(vresume)], 0
    push ax
    PUTSLN "no fault"
    pop ax
.f: ret

vhex16:                                 ; AX
    push cx
    push dx
    mov dx, ax
    mov cx, 4
.l: rol dx, 4
    mov al, dl
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o: out 0xe9, al
    loop .l
    pop dx
    pop cx
    ret

vresume: dw 0
lowend:
bits 32

%include "footer.inc"
