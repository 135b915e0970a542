/* check.h - tiny assertion helpers for the unit test programs (libuv style).
 * Each tests/unit/test_*.c is its own program: it registers its cases in a TESTS list,
 * prints one line per failure and ends with "N passed, N failed". */
#ifndef TF_CHECK_H
#define TF_CHECK_H

#include <stdio.h>
#include <string.h>

static int check__failed_asserts;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    check__failed_asserts++; } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "  %s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__, __LINE__, \
            #a, a_, #b, b_); check__failed_asserts++; } } while (0)
#define CHECK_STR_EQ(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
    fprintf(stderr, "  %s:%d: CHECK_STR_EQ failed:\n    got:      %s\n    expected: %s\n", \
            __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
    check__failed_asserts++; } } while (0)
#define CHECK_MEM_EQ(a, alen, b, blen) do { size_t al_ = (alen), bl_ = (blen); \
    if (al_ != bl_ || memcmp((a), (b), al_) != 0) { \
    fprintf(stderr, "  %s:%d: CHECK_MEM_EQ failed (%zu vs %zu bytes)\n", __FILE__, __LINE__, \
            al_, bl_); check__failed_asserts++; } } while (0)

typedef struct { const char *name; void (*fn)(void); } check_case;

static inline int check_run(const char *suite, const check_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        int before = check__failed_asserts;
        cases[i].fn();
        if (check__failed_asserts == before) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s/%s\n", suite, cases[i].name);
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

#define CHECK_MAIN(suite, ...) int main(void) { \
    static const check_case cases_[] = { __VA_ARGS__ }; \
    return check_run(suite, cases_, sizeof cases_ / sizeof cases_[0]); }
#define CASE(fn) { #fn, fn }

#endif
