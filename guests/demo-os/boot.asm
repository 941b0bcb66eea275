; boot.asm — the parts of demo-os that C cannot express: the Multiboot header, the entry
; point, segment reloads after LGDT, the interrupt entry stubs and the context switch.

bits 32

extern kmain, trap
extern _load_start, _load_end, _bss_end
global _start, gdt_reload, trapret, swtch, isr_table

; Multiboot v1 with the a.out kludge (flag 16): the loader copies the flat image to
; _load_start and zeroes up to _bss_end, so the image needs no ELF parsing (as the
; guests/cpu-tests kernels).
MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000

section .multiboot
align 4
mb_header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)
    dd mb_header
    dd _load_start
    dd _load_end
    dd _bss_end
    dd _start

section .bss
align 16
boot_stack: resb 8192
boot_stack_top:

section .text
_start:
    cli
    mov esp, boot_stack_top
    push ebx                ; multiboot_info
    push eax                ; the boot magic
    call kmain
.dead:
    cli
    hlt
    jmp .dead

; gdt_reload(): after LGDT the cached descriptors still hold the loader's; reload them all
; from our GDT (0x08 code, 0x10 data).
gdt_reload:
    jmp 0x08:.cs
.cs:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    ret

; Every vector enters through a stub that makes the frame uniform (a dummy error code where
; the CPU pushes none), then trap(struct frame *). The kernel runs with interrupts off
; (all gates are interrupt gates), so it is never preempted.
%macro ISR_NOERR 1
isr%1:
    push 0
    push %1
    jmp isr_common
%endmacro
%macro ISR_ERR 1
isr%1:
    push %1
    jmp isr_common
%endmacro

%assign v 0
%rep 48
  %if v = 8 || (v >= 10 && v <= 14) || v = 17
    ISR_ERR v
  %else
    ISR_NOERR v
  %endif
  %assign v v+1
%endrep
ISR_NOERR 128

isr_common:
    pushad
    push ds
    push es
    push fs
    push gs
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    push esp
    call trap
    add esp, 4
; A new process starts here too: its kernel stack is built to look like an interrupted one.
trapret:
    pop gs
    pop fs                  ; the process's LDT selector: LDTR must already be its LDT
    pop es
    pop ds
    popad
    add esp, 8
    iretd

; swtch(uint32_t **save, uint32_t *load): saves the callee-saved registers and ESP in
; *save, continues on the stack `load` (xv6's scheme: one kernel stack per process plus the
; scheduler's).
swtch:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

section .rodata
align 4
isr_table:
%assign v 0
%rep 48
    dd isr %+ v
  %assign v v+1
%endrep
    dd isr128

section .note.GNU-stack noalloc noexec nowrite progbits
