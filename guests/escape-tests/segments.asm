; segments.asm — segments that reach the monitor region (the top 4 MiB, 0xFFC00000 and
; up): bases and limits there, 16- and 32-bit, byte and 4 KiB granularity; data, stack and
; code; expand-down segments covering the top; wrap-around past 2^32. The top 4 MiB are
; mapped onto RAM holding a known pattern (escape.inc), so natively every access below
; either reads the pattern or faults as the SDM says; a monitor must give the same answers.

%include "common.inc"
%include "escape.inc"

S_TOP4M   equ 0x80      ; data, base FFC00000, limit 4 MiB (G=1)
S_LASTPG  equ 0x88      ; data, base FFFFF000, limit FFF (byte)
S_WRAP    equ 0x90      ; data, base FFFFFFF0, limit 1F: offsets 10..1F are linear 0..F
S_EDTOP   equ 0x98      ; expand-down, base 0, limit FFBFF (G=1, B=1): valid FFC00000..FFFFFFFF
S_EDWRAP  equ 0xa0      ; expand-down, base 10000000, limit 0 (B=1): valid 1..FFFFFFFF, wraps
S_ED16    equ 0xa8      ; expand-down 16-bit, base FFFF0000, limit 0: valid 1..FFFF
S_SS32    equ 0xb0      ; stack, base FFFFF000, limit FFF
S_SS16ED  equ 0xb8      ; 16-bit expand-down stack, base FFFF0000, limit 0
S_CS32    equ 0xc0      ; code 32-bit, base FFFFF000, limit FFF
S_CS16    equ 0xc8      ; code 16-bit, base FFFF0000, limit FFFF
S_CSWRAP  equ 0xd0      ; code 32-bit, base FFFFFFF0, limit 4 GiB: offset 10 is linear 0
S_DS16    equ 0xd8      ; data 16-bit, base FFFF0000, limit FFFF
S_4GWRAP  equ 0xe0      ; data, base FFC00000, limit 4 GiB: offset 400000 is linear 0

; RD "name", selector, address: loads FS and prints the dword read at FS:address.
%macro RD 3
    PRINT {%1, ": "}
    mov dword [resume], %%f
    mov ax, %2
    mov fs, ax
    mov eax, [fs:%3]
    call hex32
    call newline
    mov dword [resume], 0
%%f:
%endmacro

; WR "name", selector, address, value, linear: writes the dword through FS, reads it back
; at the linear address through the flat DS.
%macro WR 5
    PRINT {%1, ": "}
    mov dword [resume], %%f
    mov ax, %2
    mov fs, ax
    mov dword [fs:%3], %4
    mov eax, [%5]
    call hex32
    call newline
    mov dword [resume], 0
%%f:
%endmacro

%macro LSL 2
    PRINT {"lsl ", %1, ":"}
    mov eax, 0x5a5a5a5a
    lsl eax, [.sel%2]
    call putzf
    SHOW32 "limit", eax
    call newline
    jmp .lsl%2
.sel%2: dw %2
.lsl%2:
%endmacro

main:
    PRINTLN "escape segments: start"
    call big_gdt
    BIGDESC S_TOP4M >> 3,   0xffc00000, 0x003ff, 0x92, 0xc
    BIGDESC S_LASTPG >> 3,  0xfffff000, 0x00fff, 0x92, 0x4
    BIGDESC S_WRAP >> 3,    0xfffffff0, 0x0001f, 0x92, 0x4
    BIGDESC S_EDTOP >> 3,   0x00000000, 0xffbff, 0x96, 0xc
    BIGDESC S_EDWRAP >> 3,  0x10000000, 0x00000, 0x96, 0x4
    BIGDESC S_ED16 >> 3,    0xffff0000, 0x00000, 0x96, 0x0
    BIGDESC S_SS32 >> 3,    0xfffff000, 0x00fff, 0x92, 0x4
    BIGDESC S_SS16ED >> 3,  0xffff0000, 0x00000, 0x96, 0x0
    BIGDESC S_CS32 >> 3,    0xfffff000, 0x00fff, 0x9a, 0x4
    BIGDESC S_CS16 >> 3,    0xffff0000, 0x0ffff, 0x9a, 0x0
    BIGDESC S_CSWRAP >> 3,  0xfffffff0, 0xfffff, 0x9a, 0xc
    BIGDESC S_DS16 >> 3,    0xffff0000, 0x0ffff, 0x92, 0x0
    BIGDESC S_4GWRAP >> 3,  0xffc00000, 0xfffff, 0x92, 0xc
    call paging_top
    ; linear 0..0x1F get known contents (the wrap-around targets)
    mov dword [0], 0x03020100
    mov dword [4], 0x07060504
    mov dword [8], 0x0b0a0908
    mov dword [12], 0x0f0e0d0c
    PRINTLN "paging: top 4 MiB mapped"

    PRINTLN "-- flat segments at the top"
    RD "flat-ffc00000", DATA0, 0xffc00000
    RD "flat-fffffffc", DATA0, 0xfffffffc
    WR "flat-write-fffffff8", DATA0, 0xfffffff8, 0xcafef00d, 0xfffffff8
    ; a dword at FFFFFFFE: offset + 3 exceeds the 4 GiB limit (SDM: #GP(0); a wrap would
    ; read linear FFFFFFFE, FFFFFFFF, 0, 1)
    RD "flat-dword-fffffffe", DATA0, 0xfffffffe

    PRINTLN "-- segments based in the monitor region"
    RD "top4m-0", S_TOP4M, 0
    RD "top4m-3ffffc", S_TOP4M, 0x3ffffc
    WR "top4m-write-3ffff0", S_TOP4M, 0x3ffff0, 0x11112222, 0xfffffff0
    RD "lastpg-ffc", S_LASTPG, 0xffc
    WR "lastpg-write-ff4", S_LASTPG, 0xff4, 0x33334444, 0xfffffff4
    RD "wrap-c", S_WRAP, 0xc
    RD "wrap-10-linear0", S_WRAP, 0x10
    RD "wrap-1c", S_WRAP, 0x1c
    RD "4gwrap-400000-linear0", S_4GWRAP, 0x400000
    RD "4gwrap-3ffffe-straddle", S_4GWRAP, 0x3ffffe
    WR "wrap-write-14", S_WRAP, 0x14, 0x55556666, 4

    PRINTLN "-- expand-down"
    RD "edtop-ffc00000", S_EDTOP, 0xffc00000
    RD "edtop-fffffffc", S_EDTOP, 0xfffffffc
    RD "edtop-1000-below", S_EDTOP, 0x1000
    RD "edwrap-effffff0", S_EDWRAP, 0xeffffff0
    RD "edwrap-f0000004-linear4", S_EDWRAP, 0xf0000004
    RD "ed16-fffc", S_ED16, 0xfffc
    RD "ed16-4", S_ED16, 4
    WR "ed16-write-fff8", S_ED16, 0xfff8, 0x77778888, 0xfffffff8

    PRINTLN "-- 16-bit addressing"
    PRINT "ds16-si-fffc: "
    mov ax, S_DS16
    mov fs, ax
    mov esi, 0x1234fffc                 ; a16 uses SI only
    a16 mov eax, [fs:si]
    call hex32
    call newline
    PRINT "ds16-bx+si-wraps-to-2: "
    mov ebx, 0xfffe
    mov esi, 4
    a16 mov eax, [fs:bx+si]
    call hex32
    call newline

    PRINTLN "-- stacks"
    PRINT "ss32-push-at-ffc:"
    mov [saved_esp], esp
    mov ax, S_SS32
    mov ss, ax
    mov esp, 0x1000
    push dword 0x9abcdef0
    mov ebx, esp
    pop ecx
    mov ax, DATA0
    mov ss, ax
    mov esp, [saved_esp]
    SHOW32 "esp", ebx
    SHOW32 "linear", [0xfffffffc]
    call newline
    PRINT "ss16ed-push-at-sp0:"
    mov ax, S_SS16ED
    mov ss, ax
    mov esp, 0x55550000                 ; B=0: SP only, 0 wraps to FFFE
    push word 0xbeef
    mov ebx, esp
    pop cx
    mov ax, DATA0
    mov ss, ax
    mov esp, [saved_esp]
    SHOW32 "esp", ebx
    SHOW32 "linear", [0xfffffffc]
    call newline

    PRINTLN "-- code"
    ; mov eax, 12345678; retf — its retf is the last byte below 4 GiB
    mov dword [0xfffffffa], 0x345678b8
    mov word [0xfffffffe], 0xcb12
    PRINT "cs32-last-bytes: "
    xor eax, eax
    mov dword [resume], .c1
    call S_CS32:0xffa
.c1:
    call hex32
    call newline
    ; 16-bit: mov ax, 4321; o32 retf at FFFF0000 + FFF0
    mov dword [0xfffffff0], 0x6643_21b8
    mov byte [0xfffffff4], 0xcb
    PRINT "cs16-fff0: "
    xor eax, eax
    mov dword [resume], .c2
    call S_CS16:0xfff0
.c2:
    call hex32
    call newline
    ; code segment based at FFFFFFF0: mov eax, 11223344 spans linear FFFFFFFD..1, retf at 2
    mov byte [0xfffffffd], 0xb8
    mov word [0xfffffffe], 0x3344
    mov word [0], 0x1122
    mov byte [2], 0xcb
    PRINT "cswrap-straddles-4g: "
    xor eax, eax
    mov dword [resume], .c3
    call S_CSWRAP:0xd
.c3:
    call hex32
    call newline
    ; flat CS: mov eax, 55667788 at FFFFFFF9, jmp ebx in the last two bytes
    mov byte [0xfffffff9], 0xb8
    mov dword [0xfffffffa], 0x55667788
    mov word [0xfffffffe], 0xe3ff
    PRINT "flat-exec-fffffff9: "
    xor eax, eax
    mov ebx, .c4
    mov dword [resume], .c4
    mov ecx, 0xfffffff9
    jmp ecx
.c4:
    call hex32
    call newline
    mov dword [resume], 0

    PRINTLN "-- limits as the guest sees them (CPL 0)"
    LSL "top4m", S_TOP4M
    LSL "lastpg", S_LASTPG
    LSL "wrap", S_WRAP
    LSL "edtop", S_EDTOP
    LSL "cswrap", S_CSWRAP
    LSL "4gwrap", S_4GWRAP
    LSL "flat", DATA0

    PRINTLN "escape segments: done"
    xor eax, eax
    jmp exit

saved_esp: dd 0

%include "footer.inc"
