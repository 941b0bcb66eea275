/* user.c — the four CPL-3 programs. Linked at USER_BASE and mapped read-only into every
 * process, so it has no writable globals (the build checks): all state is on the process's
 * stack, in its info page (through FS, an LDT segment) or in the shared / COW pages. It
 * reaches the kernel only through int 0x80, and prints whole lines, one write per line. */

#include <stdint.h>
#include "demo.h"

static inline uint32_t sys(uint32_t n, uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b) : "memory");
  return r;
}
static void sys_exit(uint32_t code) {
  sys(SYS_EXIT, code, 0);
  for (;;) {
  }
}
static uint32_t getpid(void) { return sys(SYS_GETPID, 0, 0); }
static void yield(void) { sys(SYS_YIELD, 0, 0); }
static void sleep_ticks(uint32_t n) { sys(SYS_SLEEP, n, 0); }

/* The pid the kernel wrote at offset 0 of the info page, read through the LDT segment. */
static uint32_t fs_pid(void) {
  uint32_t v;
  __asm__ volatile("movl %%fs:0, %0" : "=r"(v));
  return v;
}

struct line {
  char b[120];
  uint32_t n;
};
static void put(struct line *l, char c) {
  if (l->n < sizeof l->b - 1) l->b[l->n++] = c;
}
static void puts_(struct line *l, const char *s) {
  while (*s) put(l, *s++);
}
static void putu(struct line *l, uint32_t v) {
  char t[10];
  int k = 0;
  do {
    t[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k) put(l, t[--k]);
}
static void putx(struct line *l, uint32_t v) {
  for (int s = 28; s >= 0; s -= 4) put(l, "0123456789abcdef"[(v >> s) & 15]);
}
static void begin(struct line *l) {
  l->n = 0;
  puts_(l, "pid ");
  putu(l, fs_pid());
  puts_(l, ": ");
}
static void end(struct line *l) {
  put(l, '\n');
  sys(SYS_WRITE, (uint32_t)l->b, l->n);
}
static void say(const char *s) {
  struct line l;
  begin(&l);
  puts_(&l, s);
  end(&l);
}

static uint32_t fs_word(uint32_t index) {
  uint32_t v;
  __asm__ volatile("movl %%fs:(,%1,4), %0" : "=r"(v) : "r"(index));
  return v;
}

static void identity(void) {
  struct line l;
  begin(&l);
  puts_(&l, "getpid ");
  putu(&l, getpid());
  puts_(&l, ", fs:0 (LDT segment over the info page) ");
  putu(&l, fs_pid());
  end(&l);
  if (fs_word(1)) __asm__ volatile("cli"); /* the kernel asked for a fault: #GP at IOPL 0 */
}

/* ---- the shared counter (pids 1 and 2) ---- */

static void lock(volatile uint32_t *w) {
  uint32_t v = 1;
  for (;;) {
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*w) : : "memory");
    if (v == 0) return;
    w[SHARED_YIELDS - SHARED_LOCK]++; /* safe: the holder never touches it */
    yield();                          /* the holder was preempted: let it finish */
    v = 1;
  }
}
static void unlock(volatile uint32_t *w) { __asm__ volatile("movl $0, %0" : "=m"(*w) : : "memory"); }

/* A read-modify-write slow enough that a tick regularly lands inside it: without the
 * lock, the two processes would lose increments. */
static void add_to_counter(uint32_t times) {
  volatile uint32_t *sh = (volatile uint32_t *)SHARED_VA;
  for (uint32_t i = 0; i < times; i++) {
    lock(&sh[SHARED_LOCK]);
    uint32_t c = sh[SHARED_COUNTER];
    for (volatile int d = 0; d < 10; d++) {
    }
    sh[SHARED_COUNTER] = c + 1;
    unlock(&sh[SHARED_LOCK]);
  }
  struct line l;
  begin(&l);
  puts_(&l, "added ");
  putu(&l, times);
  puts_(&l, " to the shared counter");
  end(&l);
}

/* ---- pid 1: primes below 40000 by trial division, in four ranges ---- */

void prog_primes(void) {
  identity();
  uint32_t count = 0;
  for (uint32_t round = 1; round <= COUNTER_ROUNDS; round++) {
    uint32_t hi = round * 10000;
    for (uint32_t n = hi - 10000; n < hi; n++) {
      if (n < 2) continue;
      int prime = 1;
      for (uint32_t d = 2; d * d <= n; d++)
        if (n % d == 0) {
          prime = 0;
          break;
        }
      count += (uint32_t)prime;
    }
    struct line l;
    begin(&l);
    puts_(&l, "primes below ");
    putu(&l, hi);
    puts_(&l, ": ");
    putu(&l, count);
    end(&l);
    add_to_counter(COUNTER_PER_ROUND);
  }
  sys_exit(count);
}

/* ---- pid 2: Adler-32 of a pseudo-random byte stream, 64 KiB at a time ---- */

void prog_adler(void) {
  identity();
  uint32_t x = 12345, a = 1, b = 0;
  for (uint32_t round = 1; round <= COUNTER_ROUNDS; round++) {
    for (uint32_t i = 0; i < 65536; i++) {
      x = x * 1103515245u + 12345u;
      a = (a + ((x >> 16) & 0xFF)) % 65521;
      b = (b + a) % 65521;
    }
    struct line l;
    begin(&l);
    puts_(&l, "adler32 of ");
    putu(&l, round * 64);
    puts_(&l, " KiB: ");
    putx(&l, (b << 16) | a);
    end(&l);
    add_to_counter(COUNTER_PER_ROUND);
  }
  sys_exit((b << 16) | a);
}

/* ---- pids 3 and 4: the copy-on-write page ---- */

static uint32_t cow_sum(void) {
  const volatile uint32_t *p = (const volatile uint32_t *)COW_VA;
  uint32_t s = 0;
  for (int i = 0; i < 1024; i++) s += p[i] ^ (uint32_t)i;
  return s;
}
static void cow_report(const char *when) {
  struct line l;
  begin(&l);
  puts_(&l, "cow page ");
  puts_(&l, when);
  puts_(&l, ": word 0 ");
  putx(&l, *(const volatile uint32_t *)COW_VA);
  puts_(&l, ", sum ");
  putx(&l, cow_sum());
  end(&l);
}
/* Reads, then writes every word: the first write faults and the kernel gives this process
 * its own copy (or, for the last sharer, the original frame made writable). */
static void cow_write(uint32_t pid) {
  cow_report("as shared");
  volatile uint32_t *p = (volatile uint32_t *)COW_VA;
  for (uint32_t i = 0; i < 1024; i++) p[i] = p[i] + pid * 0x01010101u;
  cow_report("after writing");
}

/* ---- pid 3: longest Collatz chain, sleeping between ranges ---- */

void prog_collatz(void) {
  identity();
  uint32_t pid = getpid();
  cow_write(pid);
  uint32_t best = 1, best_steps = 0;
  for (uint32_t round = 1; round <= 3; round++) {
    uint32_t hi = round * 2000;
    for (uint32_t n = hi - 2000 + 1; n < hi; n++) {
      uint32_t steps = 0;
      for (uint32_t v = n; v != 1; steps++) v = (v & 1) ? 3 * v + 1 : v / 2;
      if (steps > best_steps) {
        best_steps = steps;
        best = n;
      }
    }
    struct line l;
    begin(&l);
    puts_(&l, "longest collatz chain below ");
    putu(&l, hi);
    puts_(&l, ": ");
    putu(&l, best);
    puts_(&l, " (");
    putu(&l, best_steps);
    puts_(&l, " steps)");
    end(&l);
    say("sleeping 3 ticks");
    sleep_ticks(3);
  }
  cow_report("at the end");
  sys_exit(best);
}

/* ---- pid 4: bitwise CRC-32 of a pseudo-random stream, yielding between blocks ---- */

void prog_crc(void) {
  identity();
  uint32_t pid = getpid();
  cow_write(pid);
  uint32_t x = 1, crc = 0xFFFFFFFFu;
  for (uint32_t round = 1; round <= 4; round++) {
    for (uint32_t i = 0; i < 8192; i++) {
      x = x * 1664525u + 1013904223u;
      crc ^= x >> 24;
      for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    struct line l;
    begin(&l);
    puts_(&l, "crc32 of ");
    putu(&l, round * 8);
    puts_(&l, " KiB: ");
    putx(&l, ~crc);
    end(&l);
    yield();
  }
  cow_report("at the end");
  sys_exit(~crc);
}

/* ---- `bench` mode: one process, a compute phase, then a system-call phase ---- */

static void mark(uint32_t byte) { sys(SYS_MARK, byte, 0); }

/* Integer work with no system calls: an LCG feeding a multiplicative hash and a 64-word
 * table on the stack (loads and stores as well as ALU work). */
static uint32_t bench_compute(void) {
  uint32_t t[64];
  for (int i = 0; i < 64; i++) t[i] = (uint32_t)i;
  uint32_t x = 1, h = 0x811C9DC5u;
  for (uint32_t i = 0; i < BENCH_COMPUTE_ITERS; i++) {
    x = x * 1664525u + 1013904223u;
    h = (h ^ (x >> 13)) * 0x01000193u;
    t[x >> 26] += h;
  }
  for (int i = 0; i < 64; i++) h ^= t[i] + (uint32_t)i;
  return h;
}

void prog_bench(void) {
  identity();
  mark(MARK_COMPUTE_BEGIN);
  uint32_t h = bench_compute();
  mark(MARK_COMPUTE_END);
  struct line l;
  begin(&l);
  puts_(&l, "bench compute: ");
  putu(&l, BENCH_COMPUTE_ITERS);
  puts_(&l, " iterations, hash ");
  putx(&l, h);
  end(&l);

  mark(MARK_SYSCALL_BEGIN);
  uint32_t sum = 0;
  for (uint32_t i = 0; i < BENCH_SYSCALLS; i++) sum += getpid();
  mark(MARK_SYSCALL_END);
  begin(&l);
  puts_(&l, "bench system calls: ");
  putu(&l, BENCH_SYSCALLS);
  puts_(&l, " getpid, sum ");
  putu(&l, sum);
  end(&l);
  sys_exit(h);
}
