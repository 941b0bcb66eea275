; ioports.asm — IN from every I/O port 0x0000-0xFFFF, as byte, word and dword. Only reads:
; nothing is written (a write to 0xF4, 0x64, 0x92 or 0xCF9 could end the run or reset).
; A port whose read has a side effect or depends on time is not read at all (the table
; `skip` below, with reasons), nor is any word/dword read overlapping one, so the
; transcript is the same on every run. One line per port where some read is not all
; ones: "port PPPP b=BB w=WWWW d=DDDDDDDD" ("--" where that width was skipped); then a
; hash of every value read. A monitor must give each port exactly the native answer.

%include "common.inc"
%include "escape.inc"

main:
    PRINTLN "escape ioports: start"
    ; State firmware leaves differently on different boards (SeaBIOS runs before the
    ; kernel under QEMU; nothing does on ours) is set to known values first: both PICs
    ; initialised and fully masked, level-triggered IRQs off (ELCR), the PCI
    ; configuration address on the host bridge's ID register.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 4
    out 0x21, al
    mov al, 2
    out 0xa1, al
    mov al, 1
    out 0x21, al
    out 0xa1, al
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    xor eax, eax
    mov dx, 0x4d0
    out dx, al
    inc dx
    out dx, al
    mov eax, 0x80000000
    mov dx, 0xcf8
    out dx, eax
    xor ebp, ebp                        ; hash
    xor edx, edx
.port:
    mov dword [vb], 0xffffffff
    mov dword [vw], 0xffffffff
    mov dword [vd], 0xffffffff
    mov dword [skipped], 0
    mov ecx, 1
    call blocked
    jc .nb
    xor eax, eax
    in al, dx
    mov [vb], eax
    call mix
    jmp .w
.nb: or dword [skipped], 1
.w: test dl, 1
    jnz .nw
    mov ecx, 2
    call blocked
    jc .nw
    xor eax, eax
    in ax, dx
    mov [vw], eax
    call mix
    jmp .d
.nw: or dword [skipped], 2
.d: test dl, 3
    jnz .nd
    mov ecx, 4
    call blocked
    jc .nd
    in eax, dx
    mov [vd], eax
    call mix
    jmp .show
.nd: or dword [skipped], 4
.show:
    ; all ones where read, or nothing read at all: no line
    cmp dword [skipped], 7
    je .next
    mov eax, [vb]
    test dword [skipped], 1
    jnz .s1
    cmp eax, 0xff
    jne .print
.s1: mov eax, [vw]
    test dword [skipped], 2
    jnz .s2
    cmp eax, 0xffff
    jne .print
.s2: test dword [skipped], 4
    jnz .next
    cmp dword [vd], 0xffffffff
    je .next
.print:
    PRINT "port "
    mov eax, edx
    call hex16
    PRINT " b="
    test dword [skipped], 1
    jnz .pb
    mov eax, [vb]
    call hex8
    jmp .pw
.pb: PRINT "--"
.pw: PRINT " w="
    test dword [skipped], 2
    jnz .pw2
    mov eax, [vw]
    call hex16
    jmp .pd
.pw2: PRINT "----"
.pd: PRINT " d="
    test dword [skipped], 4
    jnz .pd2
    mov eax, [vd]
    call hex32
    jmp .pe
.pd2: PRINT "--------"
.pe: call newline
.next:
    inc edx
    cmp edx, 0x10000
    jb .port
    PRINT "ports-read:"
    SHOW32 "hash", ebp
    call newline
    PRINTLN "escape ioports: done"
    xor eax, eax
    jmp exit

mix:
    rol ebp, 5
    xor ebp, eax
    add ebp, edx
    ret

; blocked: CF=1 if any of ports DX .. DX+ECX-1 lies in a `skip` range. Keeps registers.
blocked:
    pushad
    lea edi, [edx + ecx - 1]            ; last port of the access
    mov esi, skip
.l: movzx eax, word [esi]               ; lo
    movzx ebx, word [esi + 2]           ; hi
    cmp eax, ebx
    ja .no                              ; end marker (lo > hi)
    cmp edx, ebx
    ja .nx
    cmp edi, eax
    jb .nx
    popad
    stc
    ret
.nx: add esi, 4
    jmp .l
.no: popad
    clc
    ret

align 4
vb: dd 0
vw: dd 0
vd: dd 0
skipped: dd 0
; Ports not read (lo, hi):
skip:
    dw 0x0020, 0x0020   ; PIC 1 command: reads IRR/ISR, which follow the free-running PIT
    dw 0x00a0, 0x00a0   ; PIC 2 command: the same
    dw 0x0040, 0x0043   ; PIT counters: time; a read also advances latch / read-back state
    dw 0x0060, 0x0060   ; i8042 data: a read consumes the output buffer
    dw 0x0061, 0x0061   ; system control B: the refresh bit toggles with time
    dw 0x0070, 0x0071   ; RTC: the clock, and register C clears its flags when read
    dw 0x00f4, 0x00f7   ; isa-debug-exit
    dw 0x02e8, 0x02ef   ; COM4 } UART: RBR, IIR, LSR and MSR reads clear state
    dw 0x02f8, 0x02ff   ; COM2 }
    dw 0x03e8, 0x03ef   ; COM3 }
    dw 0x03f8, 0x03ff   ; COM1 }
    dw 0x03ba, 0x03ba   ; VGA input status 1 (mono): retrace bits follow time, resets the
    dw 0x03da, 0x03da   ; VGA input status 1 (colour):   attribute flip-flop
    dw 0x0510, 0x051b   ; QEMU fw_cfg: data reads advance its pointer
    dw 0x0608, 0x060b   ; ACPI PM timer (PIIX4 PM I/O base 0x600 as SeaBIOS sets it): time
    dw 0xffff, 0x0000   ; end

%include "footer.inc"
