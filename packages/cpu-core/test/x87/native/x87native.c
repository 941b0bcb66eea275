/* Native x87 oracle for float80.ts. Reads lines "OP CW A B" (hex operands) from stdin and
 * prints "R1 R2 SW" per line (R1/R2 hex results, '-' when none; SW the status word after
 * the operation, TOP bits included as the hardware left them).
 * Build: i686-linux-gnu-gcc -static -O2 -m32 -o x87native x87native.c
 * F80 operands are 20 hex digits (sign/exponent word, then significand high, low);
 * integers 16 hex digits (int64 two's complement), f32 8 digits, f64 16 digits,
 * BCD 20 digits (byte 9 first). */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

typedef struct { uint32_t lo, hi; uint16_t se; } __attribute__((packed)) f80;

static int hexv(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }
static uint64_t hex64(const char *s, int n) { uint64_t v = 0; for (int i = 0; i < n; i++) v = v << 4 | hexv(s[i]); return v; }
static void rdf80(const char *s, f80 *f) { f->se = hex64(s, 4); f->hi = hex64(s + 4, 8); f->lo = hex64(s + 12, 8); }
static void prf80(const f80 *f) { printf("%04x%08x%08x", f->se, f->hi, f->lo); }

#define CLR() __asm__ volatile("fninit")
#define CW(cw) __asm__ volatile("fldcw %0" :: "m"(cw))
#define SW(sw) __asm__ volatile("fnstsw %0\n\tfnclex" : "=m"(sw))
#define LD(x) __asm__ volatile("fldt %0" :: "m"(x))
#define ST(x) __asm__ volatile("fstpt %0" : "=m"(x))
#define CLEANUP() __asm__ volatile("fninit")

int main(void) {
  char line[256], op[16], as[64], bs[64];
  unsigned cwv;
  uint16_t def = 0x37f;
  while (fgets(line, sizeof line, stdin)) {
    bs[0] = 0;
    if (sscanf(line, "%15s %x %63s %63s", op, &cwv, as, bs) < 3) continue;
    uint16_t cw = cwv, sw = 0;
    f80 a, b, r1, r2; int n = 0;
    memset(&r1, 0, sizeof r1); memset(&r2, 0, sizeof r2);
    CLR();
    if (!strcmp(op, "add") || !strcmp(op, "sub") || !strcmp(op, "mul") || !strcmp(op, "div") ||
        !strcmp(op, "scale") || !strcmp(op, "prem") || !strcmp(op, "prem1")) {
      rdf80(as, &a); rdf80(bs, &b);
      LD(b); LD(a); CW(cw);
      switch (op[0] == 'p' ? (op[4] ? 'q' : 'p') : op[0] == 's' ? (op[1] == 'u' ? 's' : 'c') : op[0]) {
        case 'a': __asm__ volatile("fadd %st(1), %st"); break;
        case 's': __asm__ volatile("fsub %st(1), %st"); break;
        case 'm': __asm__ volatile("fmul %st(1), %st"); break;
        case 'd': __asm__ volatile("fdiv %st(1), %st"); break;
        case 'c': __asm__ volatile("fscale"); break;
        case 'p': __asm__ volatile("fprem"); break;
        case 'q': __asm__ volatile("fprem1"); break;
      }
      SW(sw); CW(def); ST(r1); n = 1;
    } else if (!strcmp(op, "sqrt") || !strcmp(op, "rndint") || !strcmp(op, "xtract") ||
               !strcmp(op, "chs") || !strcmp(op, "abs")) {
      rdf80(as, &a); LD(a); CW(cw);
      if (op[1] == 'q') __asm__ volatile("fsqrt");
      else if (op[0] == 'r') __asm__ volatile("frndint");
      else if (op[0] == 'c') __asm__ volatile("fchs");
      else if (op[1] == 'b') __asm__ volatile("fabs");
      else __asm__ volatile("fxtract");
      SW(sw); CW(def); ST(r1); n = 1;
      if (op[0] == 'x') { if (!(sw & 0x80)) { ST(r2); n = 2; } }
    } else if (!strcmp(op, "com") || !strcmp(op, "ucom")) {
      rdf80(as, &a); rdf80(bs, &b);
      LD(b); LD(a); CW(cw);
      if (op[0] == 'c') __asm__ volatile("fcom %st(1)"); else __asm__ volatile("fucom %st(1)");
      SW(sw); n = 0;
    } else if (!strcmp(op, "tst") || !strcmp(op, "xam")) {
      rdf80(as, &a); LD(a); CW(cw);
      if (op[0] == 't') __asm__ volatile("ftst"); else __asm__ volatile("fxam");
      SW(sw); n = 0;
    } else if (!strcmp(op, "fist16") || !strcmp(op, "fist32") || !strcmp(op, "fist64")) {
      rdf80(as, &a); LD(a); CW(cw);
      int64_t v = 0x1234567812345678LL; int32_t w = 0x12345678; int16_t h = 0x1234;
      if (op[4] == '1') { __asm__ volatile("fistps %0" : "+m"(h)); v = (uint16_t)h; }
      else if (op[4] == '3') { __asm__ volatile("fistpl %0" : "+m"(w)); v = (uint32_t)w; }
      else __asm__ volatile("fistpll %0" : "+m"(v));
      SW(sw);
      printf("%016llx - %04x\n", (unsigned long long)v, sw); continue;
    } else if (!strcmp(op, "fild")) {
      int64_t v = (int64_t)hex64(as, 16); CW(cw);
      __asm__ volatile("fildll %0" :: "m"(v)); SW(sw); ST(r1); n = 1;
    } else if (!strcmp(op, "flds") || !strcmp(op, "fldl")) {
      uint32_t f; uint64_t d;
      CW(cw);
      if (op[3] == 's') { f = hex64(as, 8); __asm__ volatile("flds %0" :: "m"(f)); }
      else { d = hex64(as, 16); __asm__ volatile("fldl %0" :: "m"(d)); }
      SW(sw); CW(def); ST(r1); n = 1;
    } else if (!strcmp(op, "fsts") || !strcmp(op, "fstl")) {
      rdf80(as, &a); LD(a); CW(cw);
      uint32_t f = 0x12345678; uint64_t d = 0x1234567812345678ULL;
      if (op[3] == 's') { __asm__ volatile("fstps %0" : "+m"(f)); d = f; }
      else __asm__ volatile("fstpl %0" : "+m"(d));
      SW(sw);
      printf("%016llx - %04x\n", (unsigned long long)d, sw); continue;
    } else if (!strcmp(op, "fbld")) {
      unsigned char p[10]; for (int i = 0; i < 10; i++) p[9 - i] = hex64(as + 2 * i, 2);
      CW(cw); __asm__ volatile("fbld %0" :: "m"(*(char (*)[10])p)); SW(sw); CW(def); ST(r1); n = 1;
    } else if (!strcmp(op, "fbstp")) {
      unsigned char p[10]; memset(p, 0x5a, 10);
      rdf80(as, &a); LD(a); CW(cw);
      __asm__ volatile("fbstp %0" : "+m"(*(char (*)[10])p)); SW(sw);
      for (int i = 9; i >= 0; i--) printf("%02x", p[i]);
      printf(" - %04x\n", sw); continue;
    } else if (!strcmp(op, "sin") || !strcmp(op, "cos") || !strcmp(op, "sincos") || !strcmp(op, "ptan") ||
               !strcmp(op, "f2xm1")) {
      rdf80(as, &a); LD(a); CW(cw);
      if (op[0] == 'f') __asm__ volatile("f2xm1");
      else if (op[0] == 'p') __asm__ volatile("fptan");
      else if (op[0] == 'c') __asm__ volatile("fcos");
      else if (op[3]) __asm__ volatile("fsincos");
      else __asm__ volatile("fsin");
      SW(sw); CW(def);
      n = 8 - ((sw >> 11) & 7); /* what the instruction left on the stack: ST0 (and ST1) */
      if (n >= 1) ST(r1);
      if (n >= 2) ST(r2);
    } else if (!strcmp(op, "patan") || !strcmp(op, "yl2x") || !strcmp(op, "yl2xp1")) {
      rdf80(as, &a); rdf80(bs, &b);
      LD(b); LD(a); CW(cw); /* a = ST0 (x), b = ST1 (y) */
      if (op[0] == 'p') __asm__ volatile("fpatan");
      else if (op[4]) __asm__ volatile("fyl2xp1");
      else __asm__ volatile("fyl2x");
      SW(sw); CW(def);
      n = 8 - ((sw >> 11) & 7);
      if (n >= 1) ST(r1);
      if (n >= 2) ST(r2);
    } else { printf("? - 0\n"); continue; }
    if (n >= 1) prf80(&r1); else printf("-");
    printf(" ");
    if (n >= 2) prf80(&r2); else printf("-");
    printf(" %04x\n", sw);
  }
  return 0;
}
