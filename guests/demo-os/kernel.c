/* kernel.c — demo-os: a small preemptive multitasking kernel for the vmm86 PC (and any
 * Pentium II class PC with a 16550 on COM1). See README.md for the design. */

#include <stdarg.h>
#include <stdint.h>
#include "demo.h"

#define KCODE 0x08
#define KDATA 0x10
#define UCODE 0x1B
#define UDATA 0x23
#define TSS_SEL 0x28
#define LDT_SEL(i) (0x30 + 8 * (i))

#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_U 0x004
#define PTE_COW 0x200 /* an "available" bit: read-only only until the first write */

#define HZ 1000
/* Frames handed out to page tables and user pages; identity-mapped like the kernel. */
#define POOL_START 0x400000u
#define POOL_END 0x800000u
#define NFRAMES ((POOL_END - POOL_START) / 4096)

extern void gdt_reload(void);
extern void trapret(void);
extern void swtch(uint32_t **save, uint32_t *load);
extern const uint32_t isr_table[49];
extern char _user_lma[], _user_size[];
extern void prog_primes(void), prog_adler(void), prog_collatz(void), prog_crc(void), prog_bench(void);

/* GCC may emit calls to these for struct copies and clears even when freestanding. */
void *memset(void *d, int c, uint32_t n);
void *memset(void *d, int c, uint32_t n) {
  for (uint8_t *p = d; n--;) *p++ = (uint8_t)c;
  return d;
}
void *memcpy(void *d, const void *s, uint32_t n);
void *memcpy(void *d, const void *s, uint32_t n) {
  uint8_t *o = d;
  for (const uint8_t *i = s; n--;) *o++ = *i++;
  return d;
}

/* ---- port I/O and the consoles ------------------------------------------------------- */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

#define COM1 0x3F8
static void com1_init(void) {
  outb(COM1 + 1, 0x00); /* no UART interrupts: output is polled */
  outb(COM1 + 3, 0x80);
  outb(COM1 + 0, 1); /* 115200 baud */
  outb(COM1 + 1, 0);
  outb(COM1 + 3, 0x03); /* 8N1 */
  outb(COM1 + 2, 0x07); /* FIFOs on and cleared */
  outb(COM1 + 4, 0x03);
}
static void com1_putc(char c) {
  while (!(inb(COM1 + 5) & 0x20)) {
  }
  outb(COM1, (uint8_t)c);
}
/* Port 0xE9 (debugcon) carries what depends on timing, so COM1's transcript does not. */
static void e9_putc(char c) { outb(0xE9, (uint8_t)c); }

static void put_uint(void (*put)(char), uint32_t v, unsigned base, int width) {
  char t[12];
  int n = 0;
  do {
    t[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (n < width) t[n++] = '0';
  while (n) put(t[--n]);
}

/* %s %c %u %d %x and %0Nx: all this kernel prints. */
static void vfmt(void (*put)(char), const char *f, va_list ap) {
  for (; *f; f++) {
    if (*f != '%') {
      put(*f);
      continue;
    }
    int width = 0;
    f++;
    while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    switch (*f) {
      case 's':
        for (const char *s = va_arg(ap, const char *); *s; s++) put(*s);
        break;
      case 'c': put((char)va_arg(ap, int)); break;
      case 'u': put_uint(put, va_arg(ap, uint32_t), 10, width); break;
      case 'd': {
        int32_t v = va_arg(ap, int32_t);
        if (v < 0) {
          put('-');
          v = -v;
        }
        put_uint(put, (uint32_t)v, 10, width);
        break;
      }
      case 'x': put_uint(put, va_arg(ap, uint32_t), 16, width); break;
      default: put(*f);
    }
  }
}
static void kprintf(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vfmt(com1_putc, f, ap);
  va_end(ap);
}
static void dprintf(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vfmt(e9_putc, f, ap);
  va_end(ap);
}

static void poweroff(uint8_t status) {
  outb(0xF4, status); /* isa-debug-exit: the run ends with status (status << 1) | 1 */
  for (;;) __asm__ volatile("cli; hlt");
}

/* ---- descriptors -------------------------------------------------------------------- */

struct seg {
  uint16_t limit0, base0;
  uint8_t base1, access, limit1_flags, base2;
} __attribute__((packed));

struct gate {
  uint16_t off0, sel;
  uint8_t zero, type;
  uint16_t off1;
} __attribute__((packed));

struct tss {
  uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
  uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint32_t es, cs, ss, ds, fs, gs, ldt, trap_iomap;
} __attribute__((packed));

struct dtr {
  uint16_t limit;
  uint32_t base;
} __attribute__((packed));

static struct seg gdt[6 + NPROC];
static struct seg ldts[NPROC][1];
static struct gate idt[256];
static struct tss tss;

static void set_seg(struct seg *s, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  s->limit0 = limit & 0xFFFF;
  s->base0 = base & 0xFFFF;
  s->base1 = (base >> 16) & 0xFF;
  s->access = access;
  s->limit1_flags = (uint8_t)(((limit >> 16) & 0x0F) | (flags << 4));
  s->base2 = base >> 24;
}

static void set_gate(int v, uint32_t off, uint8_t type) {
  idt[v].off0 = off & 0xFFFF;
  idt[v].sel = KCODE;
  idt[v].zero = 0;
  idt[v].type = type;
  idt[v].off1 = off >> 16;
}

static void descriptors_init(void) {
  set_seg(&gdt[1], 0, 0xFFFFF, 0x9A, 0xC); /* kernel code: 4 GiB, DPL 0 */
  set_seg(&gdt[2], 0, 0xFFFFF, 0x92, 0xC); /* kernel data */
  set_seg(&gdt[3], 0, 0xFFFFF, 0xFA, 0xC); /* user code: DPL 3 */
  set_seg(&gdt[4], 0, 0xFFFFF, 0xF2, 0xC); /* user data */
  /* Limit 0x67 and the I/O map base beyond it: no bitmap, so IN/OUT at CPL 3 (IOPL 0) #GP. */
  tss.ss0 = KDATA;
  tss.trap_iomap = (uint32_t)sizeof tss << 16;
  set_seg(&gdt[5], (uint32_t)&tss, sizeof tss - 1, 0x89, 0x0);
  for (int i = 0; i < NPROC; i++) {
    /* FS: a DPL-3 data segment over the process's info page only (byte granular, limit
     * 0xFFF), so the process finds its identity at fs:0 and cannot reach past it. */
    set_seg(&ldts[i][0], INFO_VA, 0xFFF, 0xF2, 0x4);
    set_seg(&gdt[6 + i], (uint32_t)&ldts[i], sizeof ldts[i] - 1, 0x82, 0x0);
  }
  struct dtr g = {sizeof gdt - 1, (uint32_t)gdt};
  __asm__ volatile("lgdt %0" : : "m"(g));
  gdt_reload();
  __asm__ volatile("ltr %w0" : : "r"(TSS_SEL));

  for (int v = 0; v < 48; v++) set_gate(v, isr_table[v], 0x8E);
  set_gate(0x80, isr_table[48], 0xEE); /* DPL 3: reachable by int 0x80 from user mode */
  struct dtr i = {sizeof idt - 1, (uint32_t)idt};
  __asm__ volatile("lidt %0" : : "m"(i));
}

/* ---- the PICs and the PIT ------------------------------------------------------------ */

static void pic_init(void) {
  outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
  outb(0xA0, 0x11);
  outb(0x21, 0x20); /* IRQ 0-7 -> vectors 0x20-0x27, out of the exceptions' way */
  outb(0xA1, 0x28);
  outb(0x21, 0x04);
  outb(0xA1, 0x02);
  outb(0x21, 0x01);
  outb(0xA1, 0x01);
  outb(0x21, 0xFE); /* only IRQ 0 (PIT) */
  outb(0xA1, 0xFF);
}

static void pit_init(void) {
  uint32_t divisor = 1193182 / HZ;
  outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 (rate generator) */
  outb(0x40, divisor & 0xFF);
  outb(0x40, divisor >> 8);
}

/* ---- physical frames and page tables -------------------------------------------------- */

static uint32_t kpd[1024] __attribute__((aligned(4096)));
static uint32_t kpt[2][1024] __attribute__((aligned(4096)));
static uint32_t next_frame = POOL_START;
static uint8_t refcount[NFRAMES];

static void zero_page(uint32_t pa) {
  uint32_t *p = (uint32_t *)pa;
  for (int i = 0; i < 1024; i++) p[i] = 0;
}

static uint32_t alloc_frame(void) {
  if (next_frame >= POOL_END) {
    kprintf("demo-os: out of frames\n");
    poweroff(2);
  }
  uint32_t pa = next_frame;
  next_frame += 4096;
  zero_page(pa);
  refcount[(pa - POOL_START) / 4096] = 1;
  return pa;
}

/* The kernel (0-8 MiB, supervisor-only) is mapped identically in every address space by
 * sharing these two page tables, so a CR3 switch never moves the kernel. */
static void paging_init(void) {
  for (uint32_t i = 0; i < 2048; i++) kpt[i / 1024][i % 1024] = (i << 12) | PTE_P | PTE_W;
  kpd[0] = (uint32_t)kpt[0] | PTE_P | PTE_W;
  kpd[1] = (uint32_t)kpt[1] | PTE_P | PTE_W;
  __asm__ volatile("mov %0, %%cr3" : : "r"(kpd));
  uint32_t cr0;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | 0x80000000u));
}

static uint32_t *pte_of(uint32_t *pd, uint32_t va, int create) {
  uint32_t *pde = &pd[va >> 22];
  if (!(*pde & PTE_P)) {
    if (!create) return 0;
    *pde = alloc_frame() | PTE_P | PTE_W | PTE_U; /* the PTEs decide U/W per page */
  }
  return &((uint32_t *)(*pde & ~0xFFFu))[(va >> 12) & 1023];
}

static void map(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags) { *pte_of(pd, va, 1) = pa | flags; }

/* ---- processes ------------------------------------------------------------------------ */

enum state { UNUSED, RUNNABLE, RUNNING, SLEEPING, WAIT_TURN, EXITED };

struct frame {
  uint32_t gs, fs, es, ds;
  uint32_t edi, esi, ebp, kesp, ebx, edx, ecx, eax;
  uint32_t vec, err;
  uint32_t eip, cs, eflags, uesp, uss; /* uesp, uss: only from CPL 3 */
};

struct proc {
  int pid;
  enum state state;
  const char *name;
  uint32_t *pd;
  uint32_t *ctx; /* saved kernel ESP (swtch) */
  uint32_t wake;
  uint32_t exit_code;
  /* timing-dependent statistics, reported on port 0xE9 only */
  uint32_t preempts, syscalls, switches_in, cow_faults;
};

static struct proc procs[NPROC];
static uint8_t kstacks[NPROC][4096] __attribute__((aligned(4096)));
static struct proc *cur;
static uint32_t *sched_ctx;
static volatile uint32_t ticks;
static uint32_t shared_frame, cow_frame, cow_copies, cow_reuses;
/* Whose turn it is to print a line: lines go out in pid rotation, so the transcript does
 * not depend on where the timer happens to preempt. */
static int turn = 1;

/* `fault` on the kernel command line: pid 4 then runs CLI at CPL 3, to show (and test) how
 * an unexpected exception is reported. */
static int fault_demo;
/* `bench` on the kernel command line: one process (prog_bench) instead of the four, a compute
 * phase and a system-call phase bracketed by SYS_MARK bytes on port 0xE9. */
static int bench_mode;

static int has_word(const char *s, const char *w) {
  for (; *s; s++) {
    int k = 0;
    while (w[k] && s[k] == w[k]) k++;
    if (!w[k]) return 1;
  }
  return 0;
}

static void proc_create(int i, const char *name, void (*entry)(void)) {
  struct proc *p = &procs[i];
  p->pid = i + 1;
  p->name = name;
  p->pd = (uint32_t *)alloc_frame();
  p->pd[0] = kpd[0];
  p->pd[1] = kpd[1];
  /* Code and rodata: the same frames in every process, user read-only. */
  for (uint32_t off = 0; off < (uint32_t)_user_size; off += 4096) map(p->pd, USER_BASE + off, (uint32_t)_user_lma + off, PTE_P | PTE_U);
  for (uint32_t va = STACK_LOW; va < STACK_TOP; va += 4096) map(p->pd, va, alloc_frame(), PTE_P | PTE_W | PTE_U);
  uint32_t info = alloc_frame();
  ((uint32_t *)info)[0] = (uint32_t)p->pid;
  ((uint32_t *)info)[1] = (uint32_t)(fault_demo && p->pid == 4);
  map(p->pd, INFO_VA, info, PTE_P | PTE_U);
  if (p->pid == 1 || p->pid == 2) map(p->pd, SHARED_VA, shared_frame, PTE_P | PTE_W | PTE_U);
  if (p->pid == 3 || p->pid == 4) map(p->pd, COW_VA, cow_frame, PTE_P | PTE_U | PTE_COW);

  /* A kernel stack that trapret will unwind into the process's first instruction. */
  uint32_t *sp = (uint32_t *)(kstacks[i] + sizeof kstacks[i]);
  struct frame *f = (struct frame *)((uint8_t *)sp - sizeof(struct frame));
  *f = (struct frame){0};
  f->gs = f->es = f->ds = UDATA;
  f->fs = LDT_FS_SEL;
  f->cs = UCODE;
  f->uss = UDATA;
  f->eip = (uint32_t)entry;
  f->uesp = STACK_TOP;
  f->eflags = 0x202; /* IF = 1, IOPL 0 */
  sp = (uint32_t *)f;
  *--sp = (uint32_t)trapret;
  for (int k = 0; k < 4; k++) *--sp = 0; /* edi, esi, ebx, ebp for swtch */
  p->ctx = sp;
  p->state = RUNNABLE;
}

static void sched(void) {
  struct proc *p = cur;
  swtch(&p->ctx, sched_ctx);
}

static int live(const struct proc *p) { return p->state != UNUSED && p->state != EXITED; }

static void advance_turn(void) {
  for (int k = 1; k <= NPROC; k++) {
    struct proc *p = &procs[(turn - 1 + k) % NPROC];
    if (live(p)) {
      turn = p->pid;
      if (p->state == WAIT_TURN) p->state = RUNNABLE;
      return;
    }
  }
  turn = 0;
}

static void bench_summary(void) {
  kprintf("demo-os: bench done: pid 1 (%s) exit code %u, %u system calls\n", procs[0].name, procs[0].exit_code, procs[0].syscalls);
  dprintf("demo-os stats: ticks %u, pid 1 preempted %u, switched in %u\n", ticks, procs[0].preempts, procs[0].switches_in);
  kprintf("demo-os: halting\n");
  poweroff(0);
}

static void summary(void) {
  if (bench_mode) bench_summary();
  kprintf("demo-os: all processes exited\n");
  for (int i = 0; i < NPROC; i++) kprintf("demo-os: pid %u (%s) exit code %u\n", procs[i].pid, procs[i].name, procs[i].exit_code);
  const uint32_t *sh = (const uint32_t *)shared_frame;
  kprintf("demo-os: shared counter %u (expected %u)\n", sh[SHARED_COUNTER], 2u * COUNTER_ROUNDS * COUNTER_PER_ROUND);
  kprintf("demo-os: copy-on-write faults: %u copied, %u reused\n", cow_copies, cow_reuses);
  dprintf("demo-os stats: ticks %u, lock waits %u\n", ticks, sh[SHARED_YIELDS]);
  for (int i = 0; i < NPROC; i++) {
    const struct proc *p = &procs[i];
    dprintf("demo-os stats: pid %u preempted %u, switched in %u, syscalls %u, cow faults %u\n", p->pid, p->preempts, p->switches_in, p->syscalls, p->cow_faults);
  }
  kprintf("demo-os: halting\n");
  poweroff(0);
}

static void scheduler(void) {
  int last = NPROC - 1;
  for (;;) {
    struct proc *p = 0;
    for (int k = 1; k <= NPROC && !p; k++) {
      struct proc *q = &procs[(last + k) % NPROC];
      if (q->state == RUNNABLE) {
        p = q;
        last = (last + k) % NPROC;
      }
    }
    if (!p) {
      int any = 0;
      for (int i = 0; i < NPROC; i++) any |= live(&procs[i]);
      if (!any) summary();
      __asm__ volatile("sti; hlt; cli"); /* idle until the next tick wakes a sleeper */
      continue;
    }
    cur = p;
    p->state = RUNNING;
    p->switches_in++;
    tss.esp0 = (uint32_t)(kstacks[p - procs] + sizeof kstacks[0]);
    __asm__ volatile("lldt %w0" : : "r"(LDT_SEL(p - procs)));
    __asm__ volatile("mov %0, %%cr3" : : "r"(p->pd) : "memory");
    swtch(&sched_ctx, p->ctx);
    cur = 0;
  }
}

/* ---- traps ---------------------------------------------------------------------------- */

static const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
    "#MF", "#AC", "#MC", "#XM", "20",  "21",  "22",  "23",  "24",  "25",  "26",  "27",  "28",  "29",  "30",  "31",
};

static uint32_t read_cr2(void) {
  uint32_t v;
  __asm__ volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}

static void fatal(const struct frame *f) {
  kprintf("demo-os: exception %s (vector %u) err=%x eip=%08x cs=%x cr2=%08x in %s %u\n", f->vec < 32 ? exception_names[f->vec] : "?", f->vec, f->err,
          f->eip, f->cs, read_cr2(), (f->cs & 3) ? "pid" : "kernel, pid", cur ? (uint32_t)cur->pid : 0u);
  kprintf("demo-os: halted on an unexpected exception\n");
  poweroff(2);
}

/* A write to a COW page: the last sharer keeps the frame, any other gets a private copy. */
static int cow_fault(const struct frame *f) {
  uint32_t va = read_cr2();
  if ((f->err & 7) != 7 || va < USER_BASE || va >= USER_END) return 0; /* user write to a present page */
  uint32_t *pte = pte_of(cur->pd, va, 0);
  if (!pte || !(*pte & PTE_COW)) return 0;
  uint32_t pa = *pte & ~0xFFFu;
  uint8_t *rc = &refcount[(pa - POOL_START) / 4096];
  if (*rc == 1) {
    *pte = (*pte | PTE_W) & ~PTE_COW;
    cow_reuses++;
  } else {
    uint32_t copy = alloc_frame();
    for (int i = 0; i < 1024; i++) ((uint32_t *)copy)[i] = ((const uint32_t *)pa)[i];
    (*rc)--;
    *pte = copy | PTE_P | PTE_W | PTE_U;
    cow_copies++;
  }
  __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
  cur->cow_faults++;
  return 1;
}

/* The user range [va, va + len) is mapped user-accessible: the kernel may read it. */
static int user_readable(uint32_t va, uint32_t len) {
  if (len == 0) return 1;
  if (va < USER_BASE || va >= USER_END || len > USER_END - va) return 0;
  for (uint32_t pg = va & ~0xFFFu; pg < va + len; pg += 4096) {
    uint32_t *pte = pte_of(cur->pd, pg, 0);
    if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U)) return 0;
  }
  return 1;
}

static void syscall(struct frame *f) {
  cur->syscalls++;
  switch (f->eax) {
    case SYS_EXIT:
      cur->exit_code = f->ebx;
      cur->state = EXITED;
      if (turn == cur->pid) advance_turn();
      sched();
      break; /* not reached */
    case SYS_WRITE: {
      uint32_t buf = f->ebx, len = f->ecx;
      if (len > 256 || !user_readable(buf, len)) {
        f->eax = (uint32_t)-1;
        break;
      }
      while (turn != cur->pid) {
        cur->state = WAIT_TURN;
        sched();
      }
      for (uint32_t i = 0; i < len; i++) com1_putc(((const char *)buf)[i]);
      advance_turn();
      f->eax = len;
      break;
    }
    case SYS_YIELD:
      cur->state = RUNNABLE;
      sched();
      f->eax = 0;
      break;
    case SYS_GETPID: f->eax = (uint32_t)cur->pid; break;
    case SYS_MARK:
      e9_putc((char)f->ebx);
      f->eax = 0;
      break;
    case SYS_SLEEP:
      cur->wake = ticks + f->ebx;
      cur->state = SLEEPING;
      sched();
      f->eax = 0;
      break;
    default: f->eax = (uint32_t)-1;
  }
}

void trap(struct frame *f);
void trap(struct frame *f) {
  if (f->vec == 0x20) {
    ticks++;
    outb(0x20, 0x20);
    for (int i = 0; i < NPROC; i++)
      if (procs[i].state == SLEEPING && (int32_t)(ticks - procs[i].wake) >= 0) procs[i].state = RUNNABLE;
    if (cur && (f->cs & 3) == 3) { /* round robin: a tick ends the running process's slice */
      cur->preempts++;
      cur->state = RUNNABLE;
      sched();
    }
    return;
  }
  if (f->vec > 0x20 && f->vec < 0x30) { /* masked lines: only a spurious IRQ 7 / 15 gets here */
    if (f->vec >= 0x28) outb(0xA0, 0x20);
    if (f->vec != 0x27 && f->vec != 0x2F) outb(0x20, 0x20);
    return;
  }
  if (f->vec == 0x80 && cur) {
    syscall(f);
    return;
  }
  if (f->vec == 14 && cur && (f->cs & 3) == 3 && cow_fault(f)) return;
  fatal(f);
}

/* ---- boot ------------------------------------------------------------------------------ */

void kmain(uint32_t magic, uint32_t info);
void kmain(uint32_t magic, uint32_t info) {
  com1_init();
  if (magic != 0x2BADB002) {
    kprintf("demo-os: not started by a Multiboot loader (eax=%08x)\n", magic);
    poweroff(2);
  }
  const uint32_t *mbi = (const uint32_t *)info;
  if ((mbi[0] & 1) && 1024 + mbi[2] < POOL_END / 1024) { /* flags bit 0: mem_upper (KiB above 1 MiB) */
    kprintf("demo-os: needs %u KiB of memory, has %u\n", POOL_END / 1024, 1024 + mbi[2]);
    poweroff(2);
  }
  if ((mbi[0] & 4) && mbi[4]) { /* flags bit 2: cmdline */
    fault_demo = has_word((const char *)mbi[4], "fault");
    bench_mode = has_word((const char *)mbi[4], "bench");
  }
  kprintf("demo-os: booting\n");
  descriptors_init();
  paging_init();
  pic_init();
  pit_init();
  kprintf("demo-os: gdt, ldt, tss, idt loaded; paging on; pit at %u Hz\n", HZ);

  shared_frame = alloc_frame();
  cow_frame = alloc_frame();
  for (uint32_t i = 0; i < 1024; i++) ((uint32_t *)cow_frame)[i] = (i + 1) * 2654435761u; /* Knuth's multiplicative hash: no two words alike */
  refcount[(cow_frame - POOL_START) / 4096] = 2;

  if (bench_mode) {
    proc_create(0, "bench", prog_bench);
    kprintf("demo-os: bench mode: 1 process at CPL 3\n");
    scheduler();
  }
  proc_create(0, "primes", prog_primes);
  proc_create(1, "adler32", prog_adler);
  proc_create(2, "collatz", prog_collatz);
  proc_create(3, "crc32", prog_crc);
  kprintf("demo-os: %u processes at CPL 3, round robin\n", NPROC);
  scheduler();
}
