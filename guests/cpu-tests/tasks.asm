; tasks.asm — hardware task switches: LTR (busy bit, LTR of a busy TSS), JMP to a TSS (the
; old task's state saved in its TSS, busy bits moved, no back link, NT clear), CALL
; through a task gate (back link, NT set in the new task, old task stays busy), IRET with
; NT back to the caller (NT cleared in the saved EFLAGS, busy bit released), an exception
; (#GP, error code pushed on the new task's stack) and INT n through task gates, CR0.TS
; set by a switch, and the faults: JMP/CALL to a busy TSS (#GP(sel)), a TSS whose limit
; is below 0x67 (#TS(sel)), IRET with NT and a back link to an available TSS (#TS(sel)),
; a not-present task gate (#NP(sel)).

TSS3 equ 0x32000
TSS4 equ 0x33000
TSS5 equ 0x34000
TSS16 equ 0x35000
TSS6 equ 0x36000

%macro EXTRA_GDT 0
    DESC TSS1, 0x67, 0x89, 0x0          ; 0x40 TSS1 (32-bit, available)
    DESC TSS2, 0x67, 0x89, 0x0          ; 0x48 TSS2
    dw 0, 0x48, 0x8500, 0               ; 0x50 task gate -> TSS2
    DESC TSS3, 0x60, 0x89, 0x0          ; 0x58 TSS3: limit 0x60 < 0x67
    DESC TSS4, 0x67, 0x89, 0x0          ; 0x60 TSS4 (#GP handler task)
    DESC TSS5, 0x67, 0x89, 0x0          ; 0x68 TSS5 (INT 0x50 handler task)
    dw 0, 0x48, 0x0500, 0               ; 0x70 task gate -> TSS2, not present
    DESC TSS16, 0x2b, 0x81, 0x0         ; 0x78 16-bit TSS (available)
    DESC TSS6, 0x67, 0x89, 0x0          ; 0x80 TSS6: its SS has RPL 3 (fault in the new task)
%endmacro

%include "common.inc"
%include "rings.inc"

TSS1SEL  equ 0x40
TSS2SEL  equ 0x48
TGATE2   equ 0x50
TSS3SEL  equ 0x58
TSS4SEL  equ 0x60
TSS5SEL  equ 0x68
TGATENP  equ 0x70
TSS16SEL equ 0x78
TSS6SEL  equ 0x80

%define L(x) ((x) - lowstart + LOWCODE)

; TYPES: prints the access bytes of the TSS descriptors TSS0..TSS2 (0x89 available,
; 0x8b busy; the word printed includes the limit/flags byte, 0 here)
%macro TYPES 0
    SHOW "t38", [gdt + TSS0SEL + 5]
    SHOW "t40", [gdt + TSS1SEL + 5]
    SHOW "t48", [gdt + TSS2SEL + 5]
%endmacro

main:
    PRINTLN "tasks: start"
    PRINT "ltr:"
    str ax
    SHOW "tr", ax
    TYPES
    call newline
    mov ax, TSS0SEL
    TRY "ltr-busy", {ltr ax}
    mov ax, TGATE2
    TRY "ltr-gate", {ltr ax}

    ; JMP to TSS1: the old state is saved in TSS0
    mov edi, TSS1
    mov ebx, task1
    mov edx, 0x60000
    call init_tss
    clts
    mov eax, 0xa0a0a0a0
    mov ebx, 0xb0b0b0b0
    mov ecx, 0xc0c0c0c0
    mov edx, 0xd0d0d0d0
    mov esi, 0x51515151
    mov edi, 0xd1d1d1d1
    mov ebp, 0xb1b1b1b1
    jmp TSS1SEL:0
jmp_back:
    push eax
    PRINT "back-from-task1:"
    pop eax
    SHOW32 "eax", eax
    SHOW32 "ebx", ebx
    SHOW32 "ecx", ecx
    SHOW32 "edx", edx
    SHOW32 "esi", esi
    SHOW32 "edi", edi
    SHOW32 "ebp", ebp
    SHOW32 "esp", esp
    call newline
    PRINT "after-jmp:"
    TYPES
    SHOW32 "tss1-eip", [TSS1 + 32]
    SHOW32 "tss1-eax", [TSS1 + 40]
    SHOW "tss1-link", [TSS1]
    mov eax, cr0
    shr eax, 3
    and eax, 1
    SHOW "cr0.ts", ax
    call newline

    ; CALL through a task gate to TSS2; IRET with NT returns
    clts
    mov edi, TSS2
    mov ebx, task2
    mov edx, 0x70000
    call init_tss
    mov eax, 0x12345678
    call TGATE2:0
call_back:
    push eax
    PRINT "back-from-task2:"
    pop eax
    SHOW32 "eax", eax
    TYPES
    pushfd
    pop eax
    and eax, 0x4000
    SHOW "nt", ax
    SHOW32 "tss2-eip", [TSS2 + 32]
    mov eax, [TSS2 + 36]
    and eax, 0x4000
    SHOW "tss2-nt", ax
    SHOW "tss2-link", [TSS2]
    call newline

    ; faults
    TRY "jmp-busy-self", {jmp TSS0SEL:0}
    TRY "call-busy-self", {call TSS0SEL:0}
    TRY "jmp-tss-limit", {jmp TSS3SEL:0}
    TRY "call-gate-np", {call TGATENP:0}
    mov word [TSS0], TSS1SEL            ; back link to an available TSS
    pushfd
    or dword [esp], 0x4000
    popfd
    TRY "iret-nt-available", {iretd}
    mov word [TSS0], 0
    PRINT "types:"
    TYPES
    call newline

    ; #GP through a task gate (error code on the new task's stack)
    mov edi, TSS4
    mov ebx, task_gp
    mov edx, 0x50000
    call init_tss
    mov eax, 13
    xor ebx, ebx
    mov ecx, 0x85
    mov edx, TSS4SEL
    call set_gate
    mov ax, 0x1000
    TRY "gp-task-gate", {mov ds, ax}
    mov ax, 0x1008
    TRY "gp-task-gate-again", {mov es, ax}
    mov eax, 13
    mov ebx, isr13
    mov ecx, 0x8e
    mov edx, CODE0
    call set_gate

    ; INT n through a task gate (no error code)
    mov edi, TSS5
    mov ebx, task_int
    mov edx, 0x48000
    call init_tss
    mov eax, 0x50
    xor ebx, ebx
    mov ecx, 0x85
    mov edx, TSS5SEL
    call set_gate
    PRINT "int-task-gate:"
    int 0x50
int_back:
    PRINT " back"
    TYPES
    SHOW "t68", [gdt + TSS5SEL + 5]
    call newline

    ; JMP to a 16-bit TSS (type 1) and back: 16-bit state saved and loaded
    mov esi, lowstart
    mov edi, LOWCODE
    mov ecx, lowend - lowstart
    rep movsb
    mov edi, TSS16
    mov ecx, 0x2c / 4
    xor eax, eax
    rep stosd
    mov word [TSS16 + 14], L(task16)    ; IP
    mov word [TSS16 + 16], 2            ; FLAGS
    mov word [TSS16 + 18], 0x1616       ; AX
    mov word [TSS16 + 26], 0xe000       ; SP
    mov word [TSS16 + 34], DATA0        ; ES
    mov word [TSS16 + 36], CODE0        ; CS
    mov word [TSS16 + 38], DATA0        ; SS
    mov word [TSS16 + 40], DATA0        ; DS
    mov eax, 0xabcd
    jmp TSS16SEL:0
    PRINT "back-from-task16:"
    SHOW "eax", ax
    SHOW "t78", [gdt + TSS16SEL + 5]
    SHOW "ip", [TSS16 + 14]
    SHOW "ax", [TSS16 + 18]
    SHOW "sp", [TSS16 + 26]
    SHOW "cs", [TSS16 + 36]
    SHOW "link", [TSS16]
    call newline

    ; a fault after the commit point is raised in the new task: TSS6's SS has RPL 3
    ; (#TS(SS)); the handler's frame holds the new task's CS:EIP. (The new ESP is below
    ; 64 KiB: the failed SS load leaves the SS cache in an unspecified state.)
    mov edi, TSS6
    mov ebx, 0x4321
    mov edx, 0xf000
    call init_tss
    mov dword [TSS6 + 80], DATA3        ; SS
    PRINT "ts-new-task-ss: "
    mov dword [resume], in_task6
    jmp TSS6SEL:0
    PRINT "back-from-task6:"
    str bx
    SHOW "tr", bx
    SHOW "t38", [gdt + TSS0SEL + 5]
    SHOW "t80", [gdt + TSS6SEL + 5]
    SHOW "ss6", [TSS6 + 80]
    call newline

    PRINTLN "tasks: done"
    mov al, 0
    jmp exit

; init_tss: EDI = TSS, EBX = EIP, EDX = ESP. Ring 0 flat segments, EFLAGS = 2, registers
; with recognizable values, no LDT, no I/O bitmap.
init_tss:
    push edi
    push ecx
    push eax
    mov ecx, 0x68 / 4
    xor eax, eax
    rep stosd
    pop eax
    pop ecx
    pop edi
    mov [edi + 32], ebx                 ; EIP
    mov dword [edi + 36], 2             ; EFLAGS
    mov dword [edi + 40], 0x11111111    ; EAX
    mov dword [edi + 44], 0x22222222    ; ECX
    mov [edi + 56], edx                 ; ESP
    mov dword [edi + 72], DATA0         ; ES
    mov dword [edi + 76], CODE0         ; CS
    mov dword [edi + 80], DATA0         ; SS
    mov dword [edi + 84], DATA0         ; DS
    mov dword [edi + 88], DATA0         ; FS
    mov dword [edi + 92], DATA0         ; GS
    mov word [edi + 0x66], 0x68
    ret

task1:
    push eax
    PRINT "task1:"
    str ax
    SHOW "tr", ax
    pop eax
    SHOW32 "eax", eax
    SHOW32 "ecx", ecx
    SHOW32 "esp", esp
    pushfd
    pop eax
    and eax, 0x4000
    SHOW "nt", ax
    TYPES
    call newline
    PRINT "tss0-saved:"
    SHOW32 "eip", [TSS0 + 32]
    SHOW32 "eax", [TSS0 + 40]
    SHOW32 "ecx", [TSS0 + 44]
    SHOW32 "edx", [TSS0 + 48]
    SHOW32 "ebx", [TSS0 + 52]
    SHOW32 "esp", [TSS0 + 56]
    SHOW32 "ebp", [TSS0 + 60]
    SHOW32 "esi", [TSS0 + 64]
    SHOW32 "edi", [TSS0 + 68]
    SHOW "cs", [TSS0 + 76]
    SHOW "ss", [TSS0 + 80]
    SHOW "link", [TSS0]
    call newline
    mov eax, 0x77777777
    jmp TSS0SEL:0

task2:
    push eax
    PRINT "task2:"
    str ax
    SHOW "tr", ax
    pop eax
    SHOW32 "eax", eax
    pushfd
    pop eax
    and eax, 0x4000
    SHOW "nt", ax
    SHOW "link", [TSS2]
    SHOW32 "tss0-eip", [TSS0 + 32]
    SHOW32 "tss0-eax", [TSS0 + 40]
    TYPES
    call newline
    TRY "task2-jmp-busy-caller", {jmp TSS0SEL:0}
    pushfd                              ; the #GP handler cleared NT in the frame
    or dword [esp], 0x4000
    popfd
    mov eax, 0x99999999
    iretd
    PRINTLN "task2: re-entered"
    jmp $

; #GP handler task: the error code is on its stack; returns to the faulting task's
; resume address by rewriting the EIP saved in its TSS.
task_gp:
    PRINT "task-gp:"
    SHOW32 "esp", esp
    SHOW32 "err", [esp]
    SHOW "link", [TSS4]
    pushfd
    pop eax
    and eax, 0x4000
    SHOW "nt", ax
    SHOW32 "tss0-eip", [TSS0 + 32]
    SHOW "t60", [gdt + TSS4SEL + 5]
    call newline
    mov eax, [resume]
    mov [TSS0 + 32], eax
    mov dword [resume], 0
    add esp, 4
    iretd
    jmp task_gp                         ; the next #GP enters here

in_task6:                               ; after the #TS handler, still in task 6
    PRINT "in-task6:"
    str bx
    SHOW "tr", bx
    SHOW "t38", [gdt + TSS0SEL + 5]
    SHOW "t80", [gdt + TSS6SEL + 5]
    mov bx, ss
    SHOW "ss", bx
    call newline
    jmp TSS0SEL:0

task_int:
    SHOW32 "esp", esp
    SHOW "link", [TSS5]
    SHOW32 "tss0-eip", [TSS0 + 32]
    SHOW "t68", [gdt + TSS5SEL + 5]
    iretd
    jmp task_int

; task16: copied to LOWCODE (a 16-bit TSS holds a 16-bit IP); 32-bit code in CODE0
lowstart:
task16:
    mov dx, ax
    mov ebx, hex16
    PUTS "task16: tr="
    str ax
    call ebx
    PUTS " ax="
    mov ax, dx
    call ebx
    PUTS " sp="
    mov ax, sp
    call ebx
    PUTS " t78="
    mov ax, [gdt + TSS16SEL + 5]
    call ebx
    PUTS " t38="
    mov ax, [gdt + TSS0SEL + 5]
    call ebx
    PUTS " tss0-eax="
    mov ax, [TSS0 + 40]
    call ebx
    mov al, 10
    out 0xe9, al
    mov ax, 0x6161
    jmp TSS0SEL:0
lowend:

%include "footer.inc"
