; paging.asm — 4 KiB and 4 MiB (PSE) pages, accessed/dirty bits set by reads and writes,
; #PF error codes and CR2 (not present, write to read-only with CR0.WP), INVLPG.

%include "common.inc"

PD  equ 0x200000
PT  equ 0x201000
CR0_PG equ 0x80000000
CR0_WP equ 0x10000

main:
    PRINTLN "paging: start"
    ; PT: identity map 0..4 MiB (4 KiB pages, present+writable), PDE 1: a 4 MiB page at 4 MiB
    mov edi, PT
    mov eax, 0x003
    mov ecx, 1024
.f: stosd
    add eax, 0x1000
    loop .f
    mov edi, PD
    mov ecx, 1024
    xor eax, eax
    rep stosd
    mov dword [PD], PT | 3
    mov dword [PD + 4], 0x400000 | 0x83          ; PS, writable, present
    mov dword [PT + 0x3ff * 4], 0x3ff000 | 2     ; not present
    mov dword [PT + 0x3fe * 4], 0x3fe000 | 1     ; read-only
    and dword [PT + 0x3fd * 4], ~0x60            ; 0x3FD000: clear A/D
    mov dword [0x3fc000], 0x11111111
    mov dword [0x3fb000], 0x22222222
    mov eax, cr4
    or eax, 0x10                                  ; PSE
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    PRINTLN "paging: on"

    PRINT "pte-ad-initial: "
    mov eax, [PT + 0x3fd * 4]
    and eax, 0x60
    call hex8
    call newline
    mov eax, [0x3fd000]
    PRINT "pte-ad-after-read: "
    mov eax, [PT + 0x3fd * 4]
    and eax, 0x60
    call hex8
    call newline
    mov dword [0x3fd000], 5
    PRINT "pte-ad-after-write: "
    mov eax, [PT + 0x3fd * 4]
    and eax, 0x60
    call hex8
    call newline

    PRINT "pde4m-ad-initial: "
    mov eax, [PD + 4]
    and eax, 0x60
    call hex8
    call newline
    mov eax, [0x400010]
    PRINT "pde4m-ad-after-read: "
    mov eax, [PD + 4]
    and eax, 0x60
    call hex8
    call newline
    mov dword [0x7ffff0], 7
    PRINT "pde4m-ad-after-write: "
    mov eax, [PD + 4]
    and eax, 0x60
    call hex8
    call newline

    TRY "pf-read-not-present", {mov eax, [0x3ff010]}
    TRY "pf-write-not-present", {mov dword [0x3ff020], 1}
    TRY "pf-unmapped-pde", {mov eax, [0x800000]}
    TRY "write-ro-wp0", {mov dword [0x3fe000], 1}
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    TRY "write-ro-wp1", {mov dword [0x3fe004], 1}
    TRY "pf-split-dword", {mov dword [0x3fdffe], 0x12345678}
    PRINT "split-left-untouched: "
    mov eax, [0x3fdffc]
    call hex32
    call newline
    mov eax, cr0
    and eax, ~CR0_WP
    mov cr0, eax

    ; INVLPG: remap 0x3FC000 to the frame at 0x3FB000
    mov eax, [0x3fc000]
    mov dword [PT + 0x3fc * 4], 0x3fb000 | 3
    invlpg [0x3fc000]
    PRINT "invlpg-remapped: "
    mov eax, [0x3fc000]
    call hex32
    call newline
    ; CR3 reload flushes too
    mov dword [PT + 0x3fc * 4], 0x3fc000 | 3
    mov eax, cr3
    mov cr3, eax
    PRINT "cr3-reload: "
    mov eax, [0x3fc000]
    call hex32
    call newline

    mov eax, cr0
    and eax, ~CR0_PG
    mov cr0, eax
    PRINTLN "paging: done"
    mov al, 0
    jmp exit

%include "footer.inc"
