; callgates.asm — privilege transitions: IRET and RETF to ring 3 (data segments with
; DPL < CPL nulled), a 32-bit call gate from ring 3 to ring 0 with parameter copy (the
; inner stack: parameters, old SS:ESP, CS:EIP), RETF n back to ring 3, a call gate to
; ring 2 and RETF from ring 2 to ring 3, INT n from ring 3 through a DPL-3 interrupt gate
; (stack switch and frame) and a DPL-0 gate (#GP(vec*8+2)), conforming code, and the
; faults: gate DPL < CPL, gate / target not present, bad SS0 / SS2 in the TSS (#TS).

; GDT slots after common.inc's (call gates are filled at run time: their offsets are code
; labels).
%macro EXTRA_GDT 0
    dq 0                                ; 0x40 call gate DPL 3 -> CODE0:gate_target, 2 params
    dq 0                                ; 0x48 call gate DPL 0
    dq 0                                ; 0x50 call gate DPL 3, not present
    dq 0                                ; 0x58 call gate DPL 3 -> 0x60 (not present)
    DESC 0, 0xfffff, 0x1a, 0xc          ; 0x60 code, ring 0, not present
    DESC 0, 0xfffff, 0x9e, 0xc          ; 0x68 code, conforming, readable, DPL 0
    dq 0                                ; 0x70 call gate DPL 3 -> CODE2:ring2_entry, 1 param
    DESC 0, 0xfffff, 0xda, 0xc          ; 0x78 code, ring 2
    DESC 0, 0xfffff, 0xd2, 0xc          ; 0x80 data, ring 2
    dq 0                                ; 0x88 call gate DPL 3 -> CODE0:ring0_exit
    DESC 0, 0xfffff, 0xba, 0xc          ; 0x90 code, ring 1
    DESC 0, 0xfffff, 0xb2, 0xc          ; 0x98 data, ring 1
    DESC 0, 0x8fff0, 0x92, 0x4          ; 0xa0 data, ring 0, limit 0x8fff0 (byte granular)
    dq 0                                ; 0xa8 call gate DPL 3 -> CODE0:silent_retf8, 2 params
    dq 0                                ; 0xb0 16-bit call gate DPL 3 -> CODE0:gate16, 2 words
%endmacro

%include "common.inc"
%include "rings.inc"

CGATE    equ 0x40
CGATE0   equ 0x48
CGATENP  equ 0x50
CGATETNP equ 0x58
CONF     equ 0x68
CGATE2   equ 0x70
CODE2    equ 0x78 | 2
DATA2    equ 0x80 | 2
CGATEX   equ 0x88
CODE1    equ 0x90 | 1
DATA1    equ 0x98 | 1
SMALLSS  equ 0xa0
CGATES   equ 0xa8
CGATE16  equ 0xb0
%define L(x) ((x) - lowstart + LOWCODE)
STACK2   equ 0x70000
STACK1   equ 0x60000

main:
    PRINTLN "callgates: start"
    GATE CGATE, gate_target, CODE0, 0xec, 2
    GATE CGATE0, gate_target, CODE0, 0x8c, 2
    GATE CGATENP, gate_target, CODE0, 0x6c, 2
    GATE CGATETNP, gate_target, 0x60, 0xec, 0
    GATE CGATE2, ring2_entry, CODE2, 0xec, 1
    GATE CGATEX, ring0_exit, CODE0, 0xec, 0
    GATE CGATES, silent_retf8, CODE0, 0xec, 2
    GATE CGATE16, L(gate16), CODE0, 0xe4, 2
    mov esi, lowstart
    mov edi, LOWCODE
    mov ecx, lowend - lowstart
    rep movsb
    mov dword [TSS0 + 12], STACK1       ; ESP1
    mov dword [TSS0 + 16], DATA1        ; SS1
    mov dword [TSS0 + 20], STACK2       ; ESP2
    mov dword [TSS0 + 24], DATA2        ; SS2
    mov eax, 0x40                       ; INT 0x40: interrupt gate, DPL 3
    mov ebx, int_handler
    mov ecx, 0xee
    mov edx, CODE0
    call set_gate
    mov eax, 0x41                       ; INT 0x41: interrupt gate, DPL 0
    mov ecx, 0x8e
    call set_gate
    mov eax, 0x42                       ; INT 0x42: interrupt gate, DPL 3, silent handler
    mov ebx, silent_iret
    mov ecx, 0xee
    call set_gate

    ; RETF to an outer level: the return SS must have the RPL of the return CS
    mov [r0_esp], esp
    push dword DATA0
    push dword STACK3
    push dword CODE3
    push dword ring3
    TRY "retf-outer-ss-rpl", {retf}
    mov esp, [r0_esp]

    ; IRET to ring 3 (IOPL 3 so that ring 3 may use the debug port). FS holds a DPL-3
    ; data segment (kept); DS/ES/GS hold DATA0 (DPL 0 < CPL 3: nulled).
    mov ax, DATA3
    mov fs, ax
    push dword DATA3
    push dword STACK3
    pushfd
    or dword [esp], 0x3000
    push dword CODE3
    push dword ring3
    iretd
ring3:
    PUTS "iret-to-r3:"
    mov ebx, DATA3                      ; no DS yet (SHOW needs one): PUTS + hex16 by hand
    PUTS " cs="
    mov ax, cs
    call hex16
    PUTS " ss="
    mov ax, ss
    call hex16
    PUTS " esp="
    mov eax, esp
    call hex32
    PUTS " ds="
    mov ax, ds
    call hex16
    PUTS " es="
    mov ax, es
    call hex16
    PUTS " fs="
    mov ax, fs
    call hex16
    PUTS " gs="
    mov ax, gs
    call hex16
    call newline
    mov ds, bx
    mov es, bx
    mov gs, bx

    ; call gate to ring 0 with two parameters
    push dword 0x22222222
    push dword 0x11111111
    PRINT "cgate-r3-r0:"
    mov [r3_esp], esp
    call CGATE:0
cgate_ret:
    PRINT "cgate-back:"
    SHOW "cs", cs
    SHOW "ss", ss
    SHOW32 "esp", esp
    SHOW "ds", ds
    SHOW "es", es
    SHOW "fs", fs
    SHOW "gs", gs
    call newline
    mov ax, DATA3
    mov es, ax
    mov fs, ax

    ; gate RPL: selector RPL 3 naming the DPL-3 gate is fine; the DPL-0 gate faults
    TRY "cgate-dpl0", {call CGATE0:0}
    TRY "cgate-np", {call CGATENP:0}
    TRY "cgate-target-np", {call CGATETNP:0}
    TRY "call-r0-code-direct", {call CODE0:gate_target}
    TRY "jmp-cgate-inner", {jmp CGATE:0}

    ; conforming code: runs at CPL 3, CS.RPL = 3
    PRINT "conforming:"
    call CONF:conf_target
    call newline

    ; RETF at ring 3 to a more privileged CS (RPL 0 < CPL): #GP(CS)
    mov [r3_esp], esp
    push dword CODE0
    push dword cgate_ret
    TRY "retf-r3-to-r0", {retf}
    mov esp, [r3_esp]

    ; POPFD and IRET at CPL 3 leave IOPL unchanged (only CPL 0 may change it)
    pushfd
    and dword [esp], ~0x3000
    popfd
    pushfd
    pop eax
    and eax, 0x3000
    PRINT "iopl-cpl3:"
    SHOW "popfd", ax
    pushfd
    and dword [esp], ~0x3000
    push cs
    push dword .iret_same
    iretd
.iret_same:
    pushfd
    pop eax
    and eax, 0x3000
    SHOW "iretd", ax
    call newline

    ; call gate to ring 2 (SS2:ESP2 from the TSS), RETF 4 from ring 2 to ring 3
    PRINT "cgate-r3-r2:"
    push dword 0x33333333
    call CGATE2:0
    PRINT "r2-back:"
    SHOW "cs", cs
    SHOW "ss", ss
    SHOW32 "esp", esp
    SHOW "es", es
    call newline
    mov ax, DATA3
    mov es, ax

    ; 16-bit call gate from ring 3 (caller and stack below 64 KiB: the frame is 16-bit)
    PRINT "cgate16:"
    mov [r3_esp], esp
    mov eax, L(r3_stub16)
    jmp eax
cgate16_back:
    mov esp, [r3_esp]

    ; bad SS2 in the TSS: #TS(SS2)
    mov dword [TSS0 + 24], DATA0
    TRY "ts-ss2-rpl-dpl", {call CGATE2:0}
    mov dword [TSS0 + 24], 0
    TRY "ts-ss2-null", {call CGATE2:0}
    mov dword [TSS0 + 24], CODE2
    TRY "ts-ss2-code", {call CGATE2:0}
    mov dword [TSS0 + 24], DATA2

    ; INT n from ring 3: DPL-3 interrupt gate (stack switch, frame), DPL-0 gate (#GP)
    PRINT "int-r3:"
    cmp eax, eax                        ; defined flags: ZF PF
    int 0x40
    PRINT "int-back:"
    SHOW "cs", cs
    SHOW "ss", ss
    SHOW32 "esp", esp
    pushfd
    pop eax
    and eax, 0x7300                     ; TF IF IOPL NT
    SHOW32 "efl", eax
    call newline
    TRY "int-dpl0-gate", {int 0x41}
    TRY "int3-dpl3-gate", {int3}

    ; bad SS0 in the TSS: #TS(SS0). The #TS handler must not need SS0: it runs at ring 1.
    mov eax, 10
    mov ebx, ts_ring1
    mov ecx, 0x8e
    mov edx, CODE1
    call set_gate
    mov dword [TSS0 + 8], DATA3         ; RPL/DPL 3 != 0
    TRY "ts-ss0-int", {int 0x40}
    TRY "ts-ss0-cgate", {call CGATE:0}
    mov dword [TSS0 + 8], CODE0         ; not a writable data segment
    TRY "ts-ss0-code", {int 0x40}
    ; SS0 whose limit leaves no room for the frame: #SS(SS0) (handler at ring 1 as well)
    mov eax, 12
    mov ebx, ss_ring1
    mov ecx, 0x8e
    mov edx, CODE1
    call set_gate
    mov dword [TSS0 + 8], SMALLSS
    TRY "ss-limit-cgate", {call CGATES:0}
    TRY "ss-limit-int", {int 0x42}
    mov dword [TSS0 + 8], DATA0
    mov eax, 12
    mov ebx, isr12
    mov edx, CODE0
    call set_gate
    mov eax, 10
    mov ebx, isr10
    mov edx, CODE0
    call set_gate

    ; back to ring 0 through a call gate with no parameters
    call CGATEX:0

; ring 0 through CGATE: the inner stack holds EIP, CS, the 2 copied parameters, ESP, SS
gate_target:
    mov ebp, esp
    SHOW "cs", cs
    SHOW "ss", ss
    SHOW32 "esp", esp
    SHOW32 "ret-eip", [ebp]
    SHOW "ret-cs", [ebp + 4]
    SHOW32 "p0", [ebp + 8]
    SHOW32 "p1", [ebp + 12]
    SHOW32 "old-esp", [ebp + 16]
    SHOW "old-ss", [ebp + 20]
    mov eax, [r3_esp]
    sub eax, [ebp + 16]
    SHOW32 "esp-delta", eax
    call newline
    ; on return: ES (DATA0, DPL 0) nulled, FS (conforming code) kept, GS (DATA3) kept
    mov ax, DATA0
    mov es, ax
    mov ax, CONF
    mov fs, ax
    retf 8

conf_target:
    SHOW "cs", cs
    retf

; ring 2 through CGATE2 (1 parameter)
ring2_entry:
    mov ebp, esp
    SHOW "cs", cs
    SHOW "ss", ss
    SHOW32 "esp", esp
    SHOW32 "p0", [ebp + 8]
    SHOW "old-cs", [ebp + 4]
    SHOW "old-ss", [ebp + 16]
    call newline
    mov ax, DATA2
    mov es, ax                          ; DPL 2 < 3: nulled by RETF to ring 3
    retf 4

int_handler:
    mov ebp, esp
    SHOW "cs", cs
    SHOW "ss", ss
    SHOW32 "esp", esp
    SHOW32 "eip", [ebp]
    SHOW "fcs", [ebp + 4]
    SHOW32 "fefl", [ebp + 8]             ; arithmetic flags from CMP EAX,EAX
    SHOW32 "fesp", [ebp + 12]
    SHOW "fss", [ebp + 16]
    pushfd
    pop eax
    and eax, 0x7300                     ; TF IF IOPL NT
    SHOW32 "efl", eax
    call newline
    iretd

silent_retf8:
    retf 8
silent_iret:
    iretd

; #TS and #SS handlers at ring 1 (SS1:ESP1): print like isr_common, resume at [resume]
ss_ring1:
    PRINT "#0c"
    jmp ring1_handler
ts_ring1:
    PRINT "#0a"
ring1_handler:
    SHOW "err", [esp]
    SHOW32 "eip", [esp + 4]
    SHOW "cs", [esp + 8]
    SHOW "ring1-cs", cs
    SHOW "ss", ss
    call newline
    mov eax, [resume]
    mov [esp + 4], eax
    mov dword [resume], 0
    add esp, 4
    iretd

ring0_exit:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    PRINT "exit-gate:"
    SHOW "cs", cs
    SHOW "ss", ss
    SHOW32 "esp", esp
    call newline
    PRINTLN "callgates: done"
    mov al, 0
    jmp exit

section .data
r3_esp: dd 0
r0_esp: dd 0

; copied to LOWCODE: 16-bit gate offsets and return IPs are 16 bits (32-bit code, CODE0/3)
lowstart:
r3_stub16:                              ; ring 3
    mov esp, 0xd000
    push word 0xbbbb
    push word 0xaaaa
    call CGATE16:0
    mov ebx, hex16
    PUTS " back: sp="
    mov eax, esp
    call ebx
    PUTS " cs="
    mov ax, cs
    call ebx
    PUTS " ss="
    mov ax, ss
    call ebx
    mov al, 10
    out 0xe9, al
    mov eax, cgate16_back
    jmp eax
gate16:                                 ; ring 0: IP, CS, 2 words, SP, SS (16-bit each)
    mov ebx, hex16
    mov ebp, esp
    PUTS " cs="
    mov ax, cs
    call ebx
    PUTS " esp="
    mov eax, esp
    mov ecx, hex32
    call ecx
    PUTS " ip="
    mov ax, [ebp]
    call ebx
    PUTS " fcs="
    mov ax, [ebp + 2]
    call ebx
    PUTS " p0="
    mov ax, [ebp + 4]
    call ebx
    PUTS " p1="
    mov ax, [ebp + 6]
    call ebx
    PUTS " sp="
    mov ax, [ebp + 8]
    call ebx
    PUTS " ss="
    mov ax, [ebp + 10]
    call ebx
    o16 retf 4
lowend:

%include "footer.inc"
