; paging-all.asm — page tables mapping the whole 4 GiB: every PDE a 4 MiB page, first
; aliasing the 16 MiB of RAM the kernel uses (so every linear address, the monitor region
; included, reaches guest RAM), then identity-mapping all 4 GiB. Reads and writes at
; 0xFFC00000 and up must go where the guest's tables say, the guest's A/D bits must be
; set for every PDE touched, and nothing else may change.

%include "common.inc"
%include "escape.inc"

MARK equ 0x380000       ; per-PDE write area inside each 4 MiB alias

main:
    PRINTLN "escape paging-all: start"
    ; PDE i -> physical (i & 3) * 4 MiB, present, writable, user, PS; A and D clear
    mov ecx, 0
.p: mov eax, ecx
    and eax, 3
    shl eax, 22
    or eax, 0x87
    mov [PD + ecx * 4], eax
    inc ecx
    cmp ecx, 1024
    jb .p
    ; markers at offset 0x100 of each 4 MiB of RAM; clear the write area
    mov dword [0x000100], 0x11110000
    mov dword [0x400100], 0x22220000
    mov dword [0x800100], 0x33330000
    mov dword [0xc00100], 0x44440000
    mov ecx, 4
    mov ebx, MARK
.z: mov edi, ebx
    push ecx
    mov ecx, 256
    xor eax, eax
    rep stosd
    pop ecx
    add ebx, 0x400000
    loop .z
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    PRINTLN "paging: every PDE maps RAM"

    ; read through every PDE
    xor ebx, ebx
    mov ecx, 0
.r: mov eax, ecx
    shl eax, 22
    add ebx, [eax + 0x100]
    rol ebx, 1
    inc ecx
    cmp ecx, 1024
    jb .r
    PRINT "read-every-pde:"
    SHOW32 "hash", ebx
    call newline
    ; write through every PDE, each to its own dword, then read it all back by identity
    mov ecx, 0
.w: mov eax, ecx
    shl eax, 22
    mov edx, ecx
    shr edx, 2
    lea eax, [eax + MARK + edx * 4]
    mov edx, ecx
    or edx, 0xa5000000
    mov [eax], edx
    inc ecx
    cmp ecx, 1024
    jb .w
    xor ebx, ebx
    xor esi, esi                        ; count of dwords holding their writer's tag
    mov ecx, 0
.c: mov eax, ecx
    and eax, 3
    shl eax, 22
    mov edx, ecx
    shr edx, 2
    mov eax, [eax + MARK + edx * 4]
    add ebx, eax
    rol ebx, 3
    mov edx, ecx
    or edx, 0xa5000000
    cmp eax, edx
    jne .c1
    inc esi
.c1:
    inc ecx
    cmp ecx, 1024
    jb .c
    PRINT "write-every-pde:"
    SHOW32 "hash", ebx
    SHOW32 "tagged", esi
    call newline
    PRINT "top-of-linear:"
    mov dword [0xfffffffc], 0xdeadbeef
    SHOW32 "fffffffc", [0xfffffffc]
    SHOW32 "via-ffffc", [0xfffffc]
    SHOW32 "via-7ffffffc", [0x7ffffffc]
    SHOW32 "ffc00100", [0xffc00100]
    call newline
    ; accessed and dirty bits in the guest's PDEs
    xor ebx, ebx                        ; PDEs with A
    xor edx, edx                        ; PDEs with D
    mov ecx, 0
.a: mov eax, [PD + ecx * 4]
    test eax, 0x20
    jz .a1
    inc ebx
.a1:
    test eax, 0x40
    jz .a2
    inc edx
.a2:
    inc ecx
    cmp ecx, 1024
    jb .a
    PRINT "pde-bits:"
    SHOW32 "accessed", ebx
    SHOW32 "dirty", edx
    SHOW32 "pde1023", [PD + 1023 * 4]
    call newline
    ; a string copy across the 4 GiB boundary's last page, through aliases
    mov esi, 0xfffff000
    mov edi, 0x7ffff000
    mov ecx, 1024
    rep movsd
    PRINT "movsd-top-to-alias:"
    SHOW32 "esi", esi
    SHOW32 "edi", edi
    SHOW32 "last", [0x7ffffffc]
    call newline

    PRINTLN "-- identity map of all 4 GiB"
    mov ecx, 0
.i: mov eax, ecx
    shl eax, 22
    or eax, 0x87
    mov [PD + ecx * 4], eax
    inc ecx
    cmp ecx, 1024
    jb .i
    mov eax, cr3
    mov cr3, eax
    PRINT "identity:"
    SHOW32 "00fffffc", [0xfffffc]
    SHOW32 "ffc00000", [0xffc00000]
    SHOW32 "ffdffffc", [0xffdffffc]
    mov dword [0xffc00000], 0x12345678
    SHOW32 "ffc00000-after-write", [0xffc00000]
    call newline

    PRINTLN "escape paging-all: done"
    xor eax, eax
    jmp exit

%include "footer.inc"
