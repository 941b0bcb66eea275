; iobitmap.asm — the I/O permission bitmap: IN/OUT (byte, word, dword; immediate and DX
; forms) and INS/OUTS (also with REP) at CPL 3 with IOPL 0 go through the bitmap of TSS0
; (allowed ports work; a port whose bit is set raises #GP(0), also when it is only the
; second or fourth byte of a word or dword access, or when the bits lie in the next bitmap
; byte), a port whose bitmap bytes lie beyond the TSS limit raises #GP(0); the same
; accesses at CPL 0, and at CPL 3 with IOPL 3, succeed without consulting the bitmap.
; Ports read are ones QEMU leaves unassigned (-nodefaults): they read as all ones there
; and in our harness; output goes to port 0xE9 (byte accesses only).

%include "common.inc"
%include "v86.inc"

; RING3 entry, eflags: IRETD to CPL 3 (flat ring-3 segments, stack STACK3).
%macro RING3 2
    push dword DATA3
    push dword STACK3
    push dword %2
    push dword CODE3
    push dword %1
    iretd
%endmacro

%macro VAL 0                            ; prints "  eax=XXXXXXXX"
    PRINT "  eax="
    call hex32
    call newline
%endmacro

; IOCHECKS "prefix": the accesses (bitmap bits set for ports 0x58, 0x303, 0x318).
%macro IOCHECKS 1
    xor eax, eax
    TRY {%1, "-in-byte-imm-50"}, {in al, 0x50}
    VAL
    xor eax, eax
    TRY {%1, "-in-word-imm-50"}, {in ax, 0x50}
    VAL
    TRY {%1, "-in-dword-imm-50"}, {in eax, 0x50}
    VAL
    mov al, '*'
    TRY {%1, "-out-byte-imm-e9"}, {out 0xe9, al}
    TRY {%1, "-in-byte-imm-58"}, {in al, 0x58}
    TRY {%1, "-in-word-imm-57"}, {in ax, 0x57}
    TRY {%1, "-in-dword-imm-55"}, {in eax, 0x55}
    TRY {%1, "-out-byte-imm-58"}, {out 0x58, al}
    TRY {%1, "-out-word-imm-57"}, {out 0x57, ax}
    mov dx, 0x300
    TRY {%1, "-in-byte-dx-300"}, {in al, dx}
    TRY {%1, "-in-word-dx-300"}, {in ax, dx}
    TRY {%1, "-in-dword-dx-300"}, {in eax, dx}
    mov dx, 0x317
    TRY {%1, "-in-byte-dx-317"}, {in al, dx}
    TRY {%1, "-in-word-dx-317"}, {in ax, dx}
    TRY {%1, "-out-word-dx-317"}, {out dx, ax}
    mov dx, 0x310
    TRY {%1, "-out-dword-dx-310"}, {out dx, eax}
    ; INS / OUTS
    mov dword [buf], 0x11111111
    mov edi, buf
    mov dx, 0x310
    TRY {%1, "-insb-310"}, {insb}
    mov dx, 0x302
    TRY {%1, "-insw-302"}, {insw}
    PRINT "  buf="
    mov eax, [buf]
    call hex32
    PRINT " edi-buf="
    lea eax, [edi - buf]
    call hex8
    call newline
    mov esi, bang
    mov dx, 0xe9
    TRY {%1, "-outsb-e9"}, {outsb}
    mov dx, 0x317
    TRY {%1, "-outsw-317"}, {outsw}
    PRINT "  esi-bang="
    lea eax, [esi - bang]
    call hex8
    call newline
    mov dword [buf], 0x11111111
    mov dword [buf + 4], 0x22222222
    mov edi, buf
    mov ecx, 3
    mov dx, 0x300
    TRY {%1, "-rep-insb-300"}, {rep insb}
    mov ecx, 2
    mov dx, 0x302
    TRY {%1, "-rep-insw-302"}, {rep insw}
    PRINT "  buf="
    mov eax, [buf]
    call hex32
    mov eax, [buf + 4]
    call hex32
    PRINT " ecx="
    mov eax, ecx
    call hex8
    PRINT " edi-buf="
    lea eax, [edi - buf]
    call hex8
    call newline
%endmacro

main:
    PRINTLN "iobitmap: start"
    call io_bitmap_on
    IO_DENY 0x58
    IO_DENY 0x303
    IO_DENY 0x318
    mov eax, 0x33
    mov ebx, svc_setiopl
    mov ecx, 0xee
    mov edx, CODE0
    call set_gate
    mov eax, 0x35
    mov ebx, to_ring0
    call set_gate

    ; CPL 3, IOPL 0: the bitmap decides
    mov dword [cont], after_r3
    RING3 ring3_bitmap, 0x002
after_r3:
    ; CPL 0, IOPL 0: no bitmap check (the denied bits are still set)
    PRINTLN "r0: cpl=0 iopl=0"
    IOCHECKS "r0"

    ; CPL 3, IOPL 0, I/O map base 0x2000: the bitmap ends at the TSS limit (0x206B)
    mov word [TSS0 + 0x66], 0x2000
    mov dword [cont], after_limit
    RING3 ring3_limit, 0x002
after_limit:
    ; CPL 3, IOPL 3, I/O map base beyond the limit: no bitmap check
    mov word [TSS0 + 0x66], 0xffff
    mov dword [cont], after_iopl3
    RING3 ring3_iopl3, 0x3002
after_iopl3:
    ; IOPL 3 -> 0 through the service, at CPL 3 with no usable bitmap: port 0xE9 denied too
    mov dword [cont], after_nomap
    RING3 ring3_nomap, 0x3002
after_nomap:
    PRINTLN "iobitmap: done"
    xor eax, eax
    jmp exit

; INT 0x35 (DPL-3 gate): back to ring 0, continue at [cont] on a fresh stack.
to_ring0:
    mov ax, DATA0
    mov ds, ax
    mov es, ax
    mov esp, STACK0
    jmp [cont]

; prints "r3: cpl=C iopl=I"
ring3_status:
    PRINT "r3: cpl="
    mov ax, cs
    and eax, 3
    call hex8
    PRINT " iopl="
    pushfd
    pop eax
    shr eax, 12
    and eax, 3
    call hex8
    call newline
    ret

ring3_enter:                            ; data segments for ring 3
    mov ax, DATA3
    mov ds, ax
    mov es, ax
    ret

ring3_bitmap:
    call ring3_enter
    call ring3_status
    IOCHECKS "r3"
    int 0x35

ring3_limit:
    call ring3_enter
    call ring3_status
    mov dx, 0x350
    TRY "r3-limit-in-byte-dx-350", {in al, dx}
    mov dx, 0x357
    TRY "r3-limit-in-word-dx-357", {in ax, dx}
    mov dx, 0x340
    TRY "r3-limit-in-byte-dx-340", {in al, dx}  ; its bit is in the 0xFF byte at TSS+0x2068
    mov dx, 0x358
    TRY "r3-limit-in-byte-dx-358", {in al, dx}  ; second bitmap byte beyond the limit
    mov dx, 0x35f
    TRY "r3-limit-out-byte-dx-35f", {out dx, al}
    mov dx, 0x400
    TRY "r3-limit-in-byte-dx-400", {in al, dx}
    int 0x35

ring3_iopl3:
    call ring3_enter
    call ring3_status
    IOCHECKS "r3-iopl3"
    int 0x35

ring3_nomap:
    call ring3_enter
    call ring3_status
    PRINT "r3-nomap-iopl0-out-e9: "
    mov al, 0
    int 0x33                            ; IOPL = 0
    mov dword [resume], .next
    mov al, '?'
    out 0xe9, al                        ; #GP(0): beyond the TSS limit
.next:
    call check_nofault
    mov al, 3
    int 0x33                            ; IOPL = 3
    call ring3_status
    int 0x35

section .data
bang: db "!!"
align 4
cont: dd 0
buf:  dd 0, 0

%include "footer.inc"
