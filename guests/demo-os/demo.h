/* demo.h — what the kernel and the user programs agree on: the user address-space layout
 * and the system call numbers. */
#ifndef DEMO_H
#define DEMO_H

#define NPROC 4

/* Every process sees the same layout; only the frames behind it differ. */
#define USER_BASE   0x40000000u /* user code + rodata (shared frames, read-only) */
#define SHARED_VA   0x50000000u /* the shared-memory page (pids 1 and 2) */
#define COW_VA      0x60000000u /* the copy-on-write page (pids 3 and 4) */
#define STACK_LOW   0x7FFFD000u /* two stack pages */
#define STACK_TOP   0x7FFFF000u
#define INFO_VA     0x7FFFF000u /* per-process info page; the base of the LDT's FS segment */
#define USER_END    0x80000000u

/* int 0x80: EAX = number, EBX / ECX = arguments, EAX = result. */
#define SYS_EXIT  0 /* exit(code) */
#define SYS_WRITE 1 /* write(buf, len): one whole line to COM1 */
#define SYS_YIELD 2
#define SYS_GETPID 3
#define SYS_SLEEP 4 /* sleep(ticks) */
#define SYS_MARK  5 /* mark(byte): the byte to port 0xE9, for a harness to timestamp (`bench`) */

/* The LDT selector every process has in FS: index 0, TI = 1, RPL 3. */
#define LDT_FS_SEL 0x07

/* Layout of the shared page (pids 1 and 2). */
#define SHARED_LOCK    0 /* word index: the xchg lock */
#define SHARED_COUNTER 1
#define SHARED_YIELDS  2 /* how often a process found the lock taken (timing-dependent) */

/* The `bench` command line: one process, a compute phase then a system-call phase, each
 * bracketed by SYS_MARK bytes (README "Benchmark mode"). */
#define BENCH_COMPUTE_ITERS 2500000u /* about 27.5 M guest instructions */
#define BENCH_SYSCALLS 50000u       /* getpid calls */
#define MARK_COMPUTE_BEGIN 'C'
#define MARK_COMPUTE_END 'c'
#define MARK_SYSCALL_BEGIN 'S'
#define MARK_SYSCALL_END 's'

#define COUNTER_ROUNDS 4
#define COUNTER_PER_ROUND 5000

#endif
