; gdt.asm — descriptor tables a monitor would want for itself or must shadow: a guest GDT
; with limit 0xFFFF whose top 32 entries (8160..8191, where a monitor keeps its cached and
; own descriptors) are the guest's; GDT and LDT entries rewritten while a segment register
; holds them (the hidden part keeps the old values until the register is reloaded, SDM
; Vol. 3 3.4.3); an LDT descriptor rewritten while LDTR holds it; and what
; SGDT/SIDT/SLDT/STR/SMSW/LSL/LAR/VERR/VERW show at CPL 0 and at CPL 3.

%include "common.inc"
%include "escape.inc"

S_MOVE   equ 0x80       ; data, rewritten from base SCRATCH+1100 to +1200 while loaded
S_CODE   equ 0x90       ; flat code, made not-present while CS holds it
S_NP     equ 0x98       ; data, made not-present while FS holds it
S_STACK  equ 0xa0       ; stack, rewritten while SS holds it
S_LDT    equ 0x100      ; LDT descriptor
S_CGATE  equ 0x108      ; call gate (DPL 3) to CODE0
L_DATA   equ 0x04       ; LDT entry 0

%macro RDFS 2
    PRINT {%1, ": "}
    mov dword [resume], %%f
    mov ax, %2
    mov fs, ax
    mov eax, [fs:0]
    call hex32
    call newline
    mov dword [resume], 0
%%f:
%endmacro

main:
    PRINTLN "escape gdt: start"
    call big_gdt
    call install_back_gate
    ; markers: SCRATCH + k*16 holds k + 0xABCD0000 (k = 0..31, GDT entries 8160 + k)
    mov ecx, 0
.m: mov eax, ecx
    or eax, 0xabcd0000
    mov edx, ecx
    shl edx, 4
    mov [SCRATCH + edx], eax
    inc ecx
    cmp ecx, 32
    jb .m
    mov dword [SCRATCH + 0x1100], 0xaaaa0001
    mov dword [SCRATCH + 0x1200], 0xbbbb0002
    mov dword [SCRATCH + 0x1300], 0xcccc0003
    mov dword [SCRATCH + 0x1400], 0xdddd0004
    mov dword [SCRATCH + 0x1500], 0xeeee0005

    ; entries 8160..8189: 16-byte data segments over the markers
    mov ecx, 0
.e: mov eax, ecx
    shl eax, 4
    add eax, SCRATCH
    mov edx, eax
    shl eax, 16
    or eax, 0x000f
    mov [BIG_GDT + 8160 * 8 + ecx * 8], eax
    shr edx, 16
    and edx, 0xff
    or edx, 0x00409200
    mov [BIG_GDT + 8160 * 8 + ecx * 8 + 4], edx
    inc ecx
    cmp ecx, 30
    jb .e
    BIGDESC 8190, 0, 0xfffff, 0x92, 0xc     ; flat stack
    BIGDESC 8191, 0, 0xfffff, 0x9a, 0xc     ; flat code

    PRINT "high-gdt-reads:"
    mov ecx, 8160
.r: lea eax, [ecx * 8]
    mov fs, ax
    mov eax, [fs:0]
    PRINT " "
    call hex8
    inc ecx
    cmp ecx, 8190
    jb .r
    call newline
    PRINT "high-gdt-ss-cs:"
    mov ax, 8190 * 8
    mov ss, ax
    push dword 0x1234
    pop eax
    call (8191 * 8):.incode
    mov ax, DATA0
    mov ss, ax
    SHOW "ret-cs", [.seen_cs]
    call newline
    jmp .after
.incode:
    mov [.seen_cs], cs
    retf
.seen_cs: dd 0
.after:
    PRINT "rpl3-high-selector: "
    mov dword [resume], .rpl
    mov ax, 8170 * 8 + 3
    mov fs, ax
    mov eax, [fs:0]
    call hex32
    call newline
    mov dword [resume], 0
.rpl:
    lgdt [.gdt_fff7]
    mov ax, 0xfff8
    TRY "gdt-limit-fff7-load-fff8", mov fs, ax
    mov ax, 0xfff0
    TRY "gdt-limit-fff7-load-fff0", mov fs, ax
    lgdt [big_gdt_desc]
    jmp .rewrite
.gdt_fff7:
    dw 0xfff7
    dd BIG_GDT

.rewrite:
    PRINTLN "-- GDT entries rewritten while loaded"
    BIGDESC S_MOVE >> 3, SCRATCH + 0x1100, 0xfff, 0x92, 0x4
    RDFS "fs-before", S_MOVE
    mov ax, S_MOVE
    mov ds, ax                          ; DS too: base SCRATCH+100, reads go through it
    mov es, ax
    mov gs, ax
    ; DS is no longer flat: the rewrite goes through SS
    mov word [ss:BIG_GDT + S_MOVE + 2], (SCRATCH + 0x1200) & 0xffff
    mov eax, [fs:0]
    mov ebx, [ds:0]
    mov ecx, [es:0]
    mov edx, [gs:0]
    mov si, DATA0
    mov ds, si
    PRINT "after-rewrite-not-reloaded:"
    SHOW32 "fs", eax
    SHOW32 "ds", ebx
    SHOW32 "es", ecx
    SHOW32 "gs", edx
    call newline
    mov ax, S_MOVE
    mov fs, ax
    mov gs, ax
    mov es, ax
    mov eax, [fs:0]
    mov ecx, [es:0]
    mov edx, [gs:0]
    PRINT "after-reload:"
    SHOW32 "fs", eax
    SHOW32 "es", ecx
    SHOW32 "gs", edx
    call newline
    mov ax, DATA0
    mov es, ax
    mov gs, ax

    ; SS: base moves from 0 to SCRATCH while SS holds it; the push still lands at base 0
    BIGDESC S_STACK >> 3, 0, 0xfffff, 0x92, 0xc
    mov [saved_esp], esp
    mov ax, S_STACK
    mov ss, ax
    BIGDESC S_STACK >> 3, SCRATCH, 0xfffff, 0x92, 0xc
    mov esp, 0x8000
    push dword 0x51515151
    mov ax, S_STACK
    mov ss, ax
    push dword 0x52525252
    mov ax, DATA0
    mov ss, ax
    mov esp, [saved_esp]
    PRINT "ss-rewrite:"
    SHOW32 "old-base", [0x7ffc]
    SHOW32 "new-base", [SCRATCH + 0x7ff8]
    call newline

    ; not present while loaded: the loaded copy stays usable, a reload faults
    BIGDESC S_NP >> 3, SCRATCH + 0x1100, 0xfff, 0x92, 0x4
    mov ax, S_NP
    mov fs, ax
    and byte [BIG_GDT + S_NP + 5], 0x7f
    PRINT "fs-np-still-loaded: "
    mov eax, [fs:0]
    call hex32
    call newline
    RDFS "fs-np-reload", S_NP

    ; CS: its descriptor made not present and rebased while CS holds it; execution goes on
    BIGDESC S_CODE >> 3, 0, 0xfffff, 0x9a, 0xc
    jmp S_CODE:.incs
.incs:
    BIGDESC S_CODE >> 3, 0x1000, 0xfffff, 0x1a, 0xc
    PRINT "cs-rewritten-still-running:"
    SHOW "cs", cs
    call newline
    ; the handler's IRET must not return to the not-present CS
    mov dword [exc_hook], cs_to_code0
    TRY "cs-reload-np", {jmp S_CODE:.cs_np}
.cs_np:
    mov dword [exc_hook], 0
    jmp CODE0:.cs_back
.cs_back:

    PRINTLN "-- LDT"
    BIGDESC S_LDT >> 3, LDT_BASE, 0xff, 0x82, 0x0
    mov edi, LDT_BASE
    mov ecx, 0x200 / 4
    xor eax, eax
    rep stosd
    mov dword [LDT_BASE + 0], (((SCRATCH + 0x1300) << 16) & 0xffffffff) | 0xfff
    mov dword [LDT_BASE + 4], 0x00409200 | ((SCRATCH + 0x1300) >> 16 & 0xff)
    mov dword [LDT_BASE + 0x100], (((SCRATCH + 0x1500) << 16) & 0xffffffff) | 0xfff
    mov dword [LDT_BASE + 0x104], 0x00409200 | ((SCRATCH + 0x1500) >> 16 & 0xff)
    mov ax, S_LDT
    lldt ax
    RDFS "ldt-before", L_DATA
    mov dword [LDT_BASE + 0], (((SCRATCH + 0x1400) << 16) & 0xffffffff) | 0xfff
    PRINT "ldt-rewrite-not-reloaded: "
    mov eax, [fs:0]
    call hex32
    call newline
    RDFS "ldt-rewrite-reloaded", L_DATA
    ; LDTR keeps the table it was loaded with until LLDT
    BIGDESC S_LDT >> 3, LDT_BASE + 0x100, 0xff, 0x82, 0x0
    RDFS "ldt-descriptor-moved-not-reloaded", L_DATA
    mov ax, S_LDT
    lldt ax
    RDFS "ldt-descriptor-moved-lldt", L_DATA

    ; a call gate for the probes below
    mov dword [BIG_GDT + S_CGATE], (CODE0 << 16) | 0x1234
    mov dword [BIG_GDT + S_CGATE + 4], 0x0000ec00

    PRINTLN "-- probes at CPL 0"
    call probes
    PRINTLN "-- probes at CPL 3"
    mov dword [ring0_back], .back3
    mov eax, probes3
    jmp to_ring3
.back3:
    PRINTLN "escape gdt: done"
    xor eax, eax
    jmp exit

cs_to_code0:
    mov dword [ebp + 52], CODE0
    ret

probes3:
    call probes
    int 0x30

; probes: what the descriptor-table instructions report at the current CPL.
probes:
    sgdt [pbuf]
    PRINT "sgdt:"
    SHOW "limit", [pbuf]
    SHOW32 "base", [pbuf + 2]
    sidt [pbuf]
    PRINT " sidt:"
    SHOW "limit", [pbuf]
    SHOW32 "base", [pbuf + 2]
    call newline
    PRINT "sldt/str/smsw:"
    mov eax, 0x5a5a5a5a
    sldt ax
    SHOW "ldtr", ax
    mov eax, 0x5a5a5a5a
    str ax
    SHOW "tr", ax
    ; SMSW r32 leaves bits 31..16 undefined (SDM Vol. 2): only the word is shown
    mov eax, 0x5a5a5a5a
    smsw ax
    SHOW "msw", ax
    call newline
    mov esi, psels
.l: movzx ebx, word [esi]
    test ebx, ebx
    jz .d
    PRINT "cpl"
    mov eax, cs
    and eax, 3
    add al, '0'
    call putc
    PRINT " sel "
    mov eax, ebx
    call hex16
    PRINT " lar"
    mov eax, 0x5a5a5a5a
    lar eax, ebx
    call putzf
    PRINT " "
    call hex32
    PRINT " lsl"
    mov eax, 0x5a5a5a5a
    lsl eax, ebx
    call putzf
    PRINT " "
    call hex32
    PRINT " verr"
    verr bx
    call putzf
    PRINT " verw"
    verw bx
    call putzf
    call newline
    add esi, 2
    jmp .l
.d: ret
psels:
    dw CODE0, DATA0, CODE3, DATA3, CODE16, TSS0SEL, S_LDT, S_CGATE, S_MOVE
    dw 8160 * 8, 8160 * 8 + 3, 8190 * 8, 8191 * 8, 0xfff8 + 3, L_DATA, L_DATA + 3, 0
align 4
pbuf: times 8 db 0
saved_esp: dd 0

%include "footer.inc"
