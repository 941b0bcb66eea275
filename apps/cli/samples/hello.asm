; hello.asm: a small 32-bit bare-metal program, the sample for `vmm86 disasm`.
; Rebuild hello.bin with tools/build-samples.sh (nasm -f bin). Load address 0 (no org).
;
; It prints a greeting on COM1, sums and checksums a table, copies a buffer with a
; string instruction, does a little x87 and SSE arithmetic, and halts. The code is real
; and self-consistent, but its job here is to cover a spread of encodings: ModRM with SIB
; and displacements, immediates of each size, prefixes (rep, operand size, segment),
; near calls, conditional jumps, loop, x87, SSE, and port I/O.

bits 32

COM1        equ 0x3f8
LSR         equ COM1 + 5          ; line status register
LSR_THRE    equ 0x20              ; transmit holding register empty

start:
        cli
        cld
        mov     esp, stack_top
        push    ebp
        mov     ebp, esp
        sub     esp, 16

        ; --- print the greeting on COM1 ---------------------------------------------
        mov     esi, greeting
        call    puts

        ; --- sum and checksum a table of dwords -------------------------------------
        xor     eax, eax                ; sum
        xor     edx, edx                ; checksum
        mov     ecx, table_len
        xor     ebx, ebx
.sum:
        add     eax, [table + ebx*4]
        mov     edi, [table + ebx*4]
        rol     edx, 5
        xor     edx, edi
        adc     edx, 0x1234
        and     edi, 0xff
        or      edx, edi
        inc     ebx
        cmp     ebx, table_len
        jb      .sum
        mov     [ebp - 4], eax
        mov     [ebp - 8], edx
        test    eax, eax
        jz      .skip
        neg     edx
        sbb     eax, ecx
        shl     eax, 2
        sar     edx, cl
        imul    eax, edx, 10
        lea     edi, [eax + ebx*8 + 0x40]
.skip:

        ; --- count down with loop, calling a helper each time -----------------------
        mov     ecx, 8
.count:
        push    ecx
        mov     eax, ecx
        call    hex_digit
        call    putc
        pop     ecx
        loop    .count

        ; --- copy the greeting with a string instruction ----------------------------
        mov     esi, greeting
        mov     edi, buffer
        mov     ecx, greeting_len
        rep movsb
        mov     word [buffer + 2], 0x2121
        mov     byte [buffer], 'J'
        movzx   eax, byte [buffer + 1]
        movsx   edx, word [buffer + 4]

        ; --- x87: area of a circle of radius 3 --------------------------------------
        finit
        fld     dword [radius]
        fmul    st0, st0
        fldpi
        fmulp   st1, st0
        fistp   dword [ebp - 12]
        fild    dword [ebp - 12]
        fsqrt
        fstp    qword [result]

        ; --- SSE: add two vectors of four floats ------------------------------------
        movups  xmm0, [vec_a]
        movups  xmm1, [vec_b]
        addps   xmm0, xmm1
        mulps   xmm0, xmm1
        xorps   xmm2, xmm2
        maxps   xmm0, xmm2
        movups  [vec_sum], xmm0
        cvttss2si eax, xmm0

        ; --- port I/O: read the CMOS seconds, pulse the keyboard controller ---------
        mov     al, 0x00
        out     0x70, al
        in      al, 0x71
        mov     dx, 0x64
        in      al, dx
        mov     ax, 0x1234
        out     dx, ax

        leave
.halt:
        hlt
        jmp     .halt

; puts: write the NUL-terminated string at esi to COM1.
puts:
        push    eax
.next:
        lodsb
        test    al, al
        jz      .done
        call    putc
        jmp     .next
.done:
        pop     eax
        ret

; putc: write al to COM1 once the transmitter is ready.
putc:
        push    edx
        push    eax
        mov     dx, LSR
.wait:
        in      al, dx
        test    al, LSR_THRE
        jz      .wait
        pop     eax
        mov     dx, COM1
        out     dx, al
        pop     edx
        ret

; hex_digit: al = the hex digit for the low four bits of al.
hex_digit:
        and     al, 0x0f
        cmp     al, 10
        sbb     al, 0x69
        das
        ret

align 4
table:      dd 0x11111111, 0x22222222, 0x31415926, 0x27182818, 0xdeadbeef, 0x0badf00d
table_len   equ ($ - table) / 4
radius:     dd 3.0
vec_a:      dd 1.0, 2.0, 3.0, 4.0
vec_b:      dd 0.5, -1.5, 2.5, -3.5
greeting:   db "Hello from vmm86!", 13, 10, 0
greeting_len equ $ - greeting

; Not part of the image: addresses past the end, for the code above to use.
absolute $
alignb 16
vec_sum:    resd 4
result:     resq 1
buffer:     resb 64
            resb 256
stack_top:
