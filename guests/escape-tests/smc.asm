; smc.asm — self-modifying code: a routine patched between runs (directly, through a
; second linear mapping of its page, and in the top 4 MiB); a loop patching its own
; immediate; a store into the next instruction; REP STOSB overwriting itself and the
; instructions after it. On the P6 family a store to an instruction already prefetched
; invalidates the prefetch (SDM Vol. 3 11.6 and 8.1.3: the check is on the physical address),
; so the new bytes run at once, with no branch needed.

%include "common.inc"
%include "escape.inc"

ROUTINE equ 0x7000
ALIAS   equ 0x2000000       ; PDE 8: a second mapping of physical 0..4 MiB

main:
    PRINTLN "escape smc: start"
    call paging_top
    mov dword [PD + 8 * 4], 0x000083
    mov eax, cr3
    mov cr3, eax

    ; mov eax, imm32; ret — run it hot, then patch its immediate
    mov byte [ROUTINE], 0xb8
    mov dword [ROUTINE + 1], 0x10000000
    mov byte [ROUTINE + 5], 0xc3
    mov esi, 0
.round:
    xor ebx, ebx
    mov ecx, 1000
.hot:
    call ROUTINE
    add ebx, eax
    loop .hot
    PRINT "patched-routine:"
    SHOW32 "eax", eax
    SHOW32 "sum", ebx
    call newline
    add dword [ROUTINE + 1], 0x01010101
    inc esi
    cmp esi, 3
    jb .round

    ; the same routine patched through another linear address of its physical page
    mov dword [ALIAS + ROUTINE + 1], 0x2a2a2a2a
    call ROUTINE
    PRINT "alias-patch:"
    SHOW32 "eax", eax
    call newline

    ; the routine at the top of the linear space, patched through its identity mapping
    mov esi, ROUTINE
    mov edi, 0xfffff000
    mov ecx, 6
    rep movsb
    call 0xfffff000
    PRINT "top-routine:"
    SHOW32 "eax", eax
    mov dword [TOPPHYS + 0x3ff000 + 1], 0x3c3c3c3c
    call 0xfffff000
    SHOW32 "after-patch", eax
    call newline

    ; a loop that rewrites its own immediate each time round
    xor ebx, ebx
    mov ecx, 5
.selfloop:
.imm:
    mov eax, 0x100
    add ebx, eax
    add dword [.imm + 1], 0x100
    loop .selfloop
    PRINT "loop-patching-own-immediate:"
    SHOW32 "sum", ebx
    call newline

    ; a store into the very next instruction
    mov byte [.next + 1], 'N'
.next:
    mov al, 'O'
    PRINT "store-into-next-instruction: "
    call putc
    call newline
    ; the same with the target two instructions ahead, no branch in between
    mov byte [.next2 + 1], 'N'
    nop
.next2:
    mov al, 'O'
    PRINT "store-two-ahead: "
    call putc
    call newline

    ; REP STOSB filling its following bytes with NOPs: the JMP to "old" disappears
    PRINT "rep-stosb-over-following: "
    mov edi, .tail
    mov ecx, 2
    mov al, 0x90
    rep stosb
.tail:
    jmp short .old1
    PRINTLN "new"
    jmp .done1
.old1:
    PRINTLN "old"
.done1:
    ; a REP MOVSB copying new code over the instructions right after it
    PRINT "rep-movsb-over-following: "
    mov esi, .newcode
    mov edi, .tail3
    mov ecx, .newcode_end - .newcode
    rep movsb
.tail3:
    mov al, 'O'
    call putc
    call newline
    jmp .done3
.newcode:
    mov al, 'N'
.newcode_end:
.done3:

    ; an instruction split over two pages, patched in its second page
    mov byte [0x5ffd], 0xb8
    mov dword [0x5ffe], 0x44332211
    mov byte [0x6002], 0xc3
    call 0x5ffd
    PRINT "page-straddling-instruction:"
    SHOW32 "eax", eax
    mov byte [0x6000], 0x99
    call 0x5ffd
    SHOW32 "after-patch", eax
    call newline

    ; the same kinds of patch made by CPL-3 code
    call install_back_gate
    mov dword [ring0_back], .back3
    mov eax, ring3
    jmp to_ring3
.back3:
    PRINTLN "escape smc: done"
    xor eax, eax
    jmp exit

ring3:
    xor ebx, ebx
    mov ecx, 4
.r: call ROUTINE
    add ebx, eax
    add dword [ROUTINE + 1], 0x100
    loop .r
    PRINT "cpl3-patched-routine:"
    SHOW32 "eax", eax
    SHOW32 "sum", ebx
    call newline
    mov byte [.n3 + 1], 'N'
.n3:
    mov al, 'O'
    PRINT "cpl3-store-into-next-instruction: "
    call putc
    call newline
    int 0x30

%include "footer.inc"
