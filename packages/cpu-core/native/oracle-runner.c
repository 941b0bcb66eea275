/*
 * oracle-runner: executes IA-32 instruction sequences natively and records the final state.
 *
 * Built as a static i386 Linux program (i686-linux-gnu-gcc -m32 -static -O2) by
 * test/oracle/build-runner.ts; the x86-64 host runs it as an ordinary 32-bit process.
 *
 * Memory layout (identical in the emulated core; see test/oracle/layout.ts):
 *   WIN  = 0x00100000  4 KiB data window (all memory operands, the stack)
 *   CODE = 0x00110000  the sequence, followed by a JMP back to guest_exit
 * ES and FS hold a TLS (GDT) selector whose base is WIN and whose limit is 4 GiB, so 16-bit
 * addressing (67 prefix, FS override) and ES:DI / ES:EDI reach the window; CS/DS/SS are
 * the flat user segments.
 *
 * Protocol (little-endian, stdin -> stdout):
 *   in : u32 magic 0x4f52434c, u8 window[4096], then cases:
 *          u32 regs[8] (EAX ECX EDX EBX ESP EBP ESI EDI), u32 eflags, u16 codeLen,
 *          u8 nPatch, u8 0, u8 code[codeLen], nPatch x { u16 off, u16 0, u32 value }
 *        codeLen 0xffff ends the input.
 *   out: per case: u32 regs[8], u32 eflags, i32 vector (-1: ran to the end), u32 errorCode,
 *        u32 eipOffset (EIP - CODE at the fault; 0 when none), u32 signal,
 *        u16 nDiff, u16 0, nDiff x { u16 off, u8 value, u8 0 } (window bytes that changed).
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define WIN 0x00100000u
#define WSIZE 4096u
#define CODE 0x00110000u
#define CSIZE 4096u
#define MAGIC 0x4f52434cu

uint32_t g_in[9];   /* regs + eflags loaded before the jump */
uint32_t g_out[9];  /* regs + eflags saved by guest_exit */
uint32_t g_host_esp;
uint32_t g_host_es;
uint32_t g_sel;
uint32_t g_code_entry = CODE;

void enter_guest(void);
void guest_exit(void);

__asm__(
    ".text\n"
    ".globl enter_guest\n"
    "enter_guest:\n"
    "  pushl %ebp\n  pushl %ebx\n  pushl %esi\n  pushl %edi\n"
    "  movl %esp, g_host_esp\n"
    "  movl %es, %eax\n  movl %eax, g_host_es\n"
    "  movl g_sel, %eax\n  movl %eax, %es\n  movl %eax, %fs\n"
    "  pushl g_in+32\n  popfl\n"
    "  movl g_in+0, %eax\n  movl g_in+4, %ecx\n  movl g_in+8, %edx\n  movl g_in+12, %ebx\n"
    "  movl g_in+20, %ebp\n  movl g_in+24, %esi\n  movl g_in+28, %edi\n  movl g_in+16, %esp\n"
    "  jmp *g_code_entry\n"
    ".globl guest_exit\n"
    "guest_exit:\n"
    "  movl %eax, g_out+0\n  movl %ecx, g_out+4\n  movl %edx, g_out+8\n  movl %ebx, g_out+12\n"
    "  movl %esp, g_out+16\n  movl %ebp, g_out+20\n  movl %esi, g_out+24\n  movl %edi, g_out+28\n"
    "  movl g_host_esp, %esp\n"
    "  pushfl\n  popl g_out+32\n  cld\n"
    "  movl g_host_es, %eax\n  movl %eax, %es\n"
    "  popl %edi\n  popl %esi\n  popl %ebx\n  popl %ebp\n  ret\n");

static sigjmp_buf g_jb;
static volatile int32_t g_vector;
static volatile uint32_t g_err, g_eip, g_sig;

static void on_fault(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = (ucontext_t *)ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  g_out[0] = g[REG_EAX]; g_out[1] = g[REG_ECX]; g_out[2] = g[REG_EDX]; g_out[3] = g[REG_EBX];
  g_out[4] = g[REG_ESP]; g_out[5] = g[REG_EBP]; g_out[6] = g[REG_ESI]; g_out[7] = g[REG_EDI];
  g_out[8] = g[REG_EFL];
  g_vector = (int32_t)g[REG_TRAPNO];
  g_err = (uint32_t)g[REG_ERR];
  g_eip = (uint32_t)g[REG_EIP] - CODE;
  g_sig = (uint32_t)sig;
  siglongjmp(g_jb, 1);
}

static uint8_t base_win[WSIZE];

static void read_all(void *p, size_t n) {
  if (n && fread(p, 1, n, stdin) != n) { fprintf(stderr, "oracle-runner: truncated input\n"); exit(2); }
}

static uint8_t outbuf[1 << 16];
static size_t outlen;
static void out(const void *p, size_t n) {
  if (outlen + n > sizeof outbuf) { fwrite(outbuf, 1, outlen, stdout); outlen = 0; }
  memcpy(outbuf + outlen, p, n);
  outlen += n;
}

int main(void) {
  uint8_t *win = mmap((void *)WIN, WSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  uint8_t *code = mmap((void *)CODE, CSIZE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (win != (uint8_t *)WIN || code != (uint8_t *)CODE) { perror("oracle-runner: mmap"); return 2; }

  struct user_desc d;
  memset(&d, 0, sizeof d);
  d.entry_number = (unsigned)-1;
  d.base_addr = WIN;
  d.limit = 0xfffff;
  d.seg_32bit = 1;
  d.limit_in_pages = 1;
  d.useable = 1;
  if (syscall(SYS_set_thread_area, &d) != 0) { perror("oracle-runner: set_thread_area"); return 2; }
  g_sel = d.entry_number * 8 + 3;

  static uint8_t altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL) != 0) { perror("oracle-runner: sigaltstack"); return 2; }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  int sigs[] = { SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

  uint32_t magic;
  read_all(&magic, 4);
  if (magic != MAGIC) { fprintf(stderr, "oracle-runner: bad magic\n"); return 2; }
  read_all(base_win, WSIZE);
  static uint8_t init[WSIZE];

  for (;;) {
    uint8_t hdr[40];
    if (fread(hdr, 1, 40, stdin) != 40) break;
    uint16_t len;
    memcpy(g_in, hdr, 36);
    memcpy(&len, hdr + 36, 2);
    if (len == 0xffff) break;
    uint8_t npatch = hdr[38];
    if (len > CSIZE - 16) { fprintf(stderr, "oracle-runner: code too long\n"); return 2; }
    read_all(code, len);
    int32_t rel = (int32_t)((uint32_t)(uintptr_t)guest_exit - (CODE + len + 5));
    code[len] = 0xe9;
    memcpy(code + len + 1, &rel, 4);
    memcpy(init, base_win, WSIZE);
    for (unsigned i = 0; i < npatch; i++) {
      uint8_t p[8];
      read_all(p, 8);
      uint16_t off;
      memcpy(&off, p, 2);
      if (off <= WSIZE - 4) memcpy(init + off, p + 4, 4);
    }
    memcpy(win, init, WSIZE);

    g_vector = -1; g_err = 0; g_eip = 0; g_sig = 0;
    if (sigsetjmp(g_jb, 0) == 0) enter_guest();
    __asm__ volatile("cld" ::: "memory");
    int32_t vec = g_vector;
    uint32_t err = g_err, eip = g_eip, sig = g_sig;
    out(g_out, 36);
    out(&vec, 4); out(&err, 4); out(&eip, 4); out(&sig, 4);
    uint16_t nd = 0;
    for (unsigned i = 0; i < WSIZE; i++) nd += win[i] != init[i];
    uint16_t zero = 0;
    out(&nd, 2); out(&zero, 2);
    for (unsigned i = 0; i < WSIZE; i++) {
      if (win[i] != init[i]) {
        uint8_t rec[4] = { (uint8_t)i, (uint8_t)(i >> 8), win[i], 0 };
        out(rec, 4);
      }
    }
  }
  fwrite(outbuf, 1, outlen, stdout);
  fflush(stdout);
  return 0;
}
