#!/usr/bin/env python3
"""An independent model of demo-os's COM1 transcript, written from the programs' logic
(not from a run): each process's lines in order, then the kernel's rotation of lines by
pid (SYS_WRITE waits for the process's turn), then the summary. demo-os.expected must be
exactly what this prints:  python3 guests/demo-os/model.py | diff - guests/demo-os/demo-os.expected
"""

import zlib

M = 0xFFFFFFFF
ROUNDS, PER_ROUND = 4, 5000


def ident(pid):
    return [f"getpid {pid}, fs:0 (LDT segment over the info page) {pid}"]


def counter():
    return f"added {PER_ROUND} to the shared counter"


def primes():
    out, count = ident(1), 0
    for r in range(1, ROUNDS + 1):
        hi = r * 10000
        for n in range(max(2, hi - 10000), hi):
            count += all(n % d for d in range(2, int(n**0.5) + 1))
        out += [f"primes below {hi}: {count}", counter()]
    return out, count


def adler():
    out, x, a, b = ident(2), 12345, 1, 0
    for r in range(1, ROUNDS + 1):
        for _ in range(65536):
            x = (x * 1103515245 + 12345) & M
            a = (a + ((x >> 16) & 0xFF)) % 65521
            b = (b + a) % 65521
        out += [f"adler32 of {r * 64} KiB: {(b << 16) | a:08x}", counter()]
    assert (b << 16) | a == zlib.adler32(stream(12345, 1103515245, 12345, 4 * 65536, lambda x: (x >> 16) & 0xFF))
    return out, (b << 16) | a


def stream(x, mul, add, n, byte):
    out = bytearray()
    for _ in range(n):
        x = (x * mul + add) & M
        out.append(byte(x))
    return bytes(out)


COW = [((i + 1) * 2654435761) & M for i in range(1024)]


def cow_line(when, page):
    s = sum(w ^ i for i, w in enumerate(page)) & M
    return f"cow page {when}: word 0 {page[0]:08x}, sum {s:08x}"


def cow_write(pid):
    # Whichever of pids 3 and 4 writes first gets a copy, the other the original frame:
    # either way each sees the shared contents, then only its own writes.
    mine = [(w + pid * 0x01010101) & M for w in COW]
    return [cow_line("as shared", COW), cow_line("after writing", mine)], mine


def collatz():
    cow, mine = cow_write(3)
    out, best, best_steps = ident(3) + cow, 1, 0
    for r in range(1, 4):
        hi = r * 2000
        for n in range(hi - 2000 + 1, hi):
            v, steps = n, 0
            while v != 1:
                v = 3 * v + 1 if v & 1 else v // 2
                steps += 1
            if steps > best_steps:
                best, best_steps = n, steps
        out += [f"longest collatz chain below {hi}: {best} ({best_steps} steps)", "sleeping 3 ticks"]
    return out + [cow_line("at the end", mine)], best


def crc():
    cow, mine = cow_write(4)
    out, x, c = ident(4) + cow, 1, M
    for r in range(1, 5):
        for _ in range(8192):
            x = (x * 1664525 + 1013904223) & M
            c ^= x >> 24
            for _ in range(8):
                c = (c >> 1) ^ (0xEDB88320 if c & 1 else 0)
        out += [f"crc32 of {r * 8} KiB: {~c & M:08x}"]
    assert ~c & M == zlib.crc32(stream(1, 1664525, 1013904223, 4 * 8192, lambda x: x >> 24))
    return out + [cow_line("at the end", mine)], ~c & M


procs = [(1, "primes", *primes()), (2, "adler32", *adler()), (3, "collatz", *collatz()), (4, "crc32", *crc())]
print("demo-os: booting")
print("demo-os: gdt, ldt, tss, idt loaded; paging on; pit at 1000 Hz")
print("demo-os: 4 processes at CPL 3, round robin")
queues = {pid: list(lines) for pid, _, lines, _ in procs}
while any(queues.values()):
    for pid, q in queues.items():
        if q:
            print(f"pid {pid}: {q.pop(0)}")
print("demo-os: all processes exited")
for pid, name, _, code in procs:
    print(f"demo-os: pid {pid} ({name}) exit code {code}")
print(f"demo-os: shared counter {2 * ROUNDS * PER_ROUND} (expected {2 * ROUNDS * PER_ROUND})")
print("demo-os: copy-on-write faults: 1 copied, 1 reused")
print("demo-os: halting")
