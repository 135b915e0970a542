/* test_repair_lone.c - the lone-mark pass through the public API (repair stage alone): a
 * double-byte character closing an ASCII word that another codec reads as a Latin-1 symbol or
 * a CJK punctuation mark is read back, reported with its codec chain; Spanish `¡A`, lone Han
 * words in clean Chinese, accents and lines with other non-ASCII text are left alone. */
#include "repair_check.h"

#include <string.h>

static void superscripts_read_as_big5(void)
{
    expect("=> a簡 + 2ab + b簡 = 2ab + c簡\n", "=> a² + 2ab + b² = 2ab + c²\n");
    expect("(a + b)簡 = c簡\n", "(a + b)² = c²\n");
}

static void cjk_marks_read_as_latin1_or_big5(void)
{
    expect("INSENSITIVE¡A\n", "INSENSITIVE，\n");
    expect("Guru->find(\"Samy\")))¡C\n", "Guru->find(\"Samy\")))。\n");
    expect(" gcc g++ £»\n", " gcc g++ ；\n");
    expect("sensible-pager(1)ㄛ\n", "sensible-pager(1)，\n");
}

static void one_character_word_read_as_latin1(void)
{
    expect("¥Ñ Richard M.\n", "由 Richard M.\n");
    expect("le Ñá ok\n", "le Ñá ok\n"); /* no common character: left */
    expect("Pierce ¿Í\n", "Pierce ¿Í\n"); /* GBK 客 or EUC-KR 와: no telling */
}

static void reported_with_chain(void)
{
    expect_rule("INSENSITIVE¡A\n", "INSENSITIVE，\n", "big5 read as windows-1252");
    expect_rule("a簡 + b簡\n", "a² + b²\n", "utf-8 read as big5");
}

static void clean_left_alone(void)
{
    const char *clean[] = {
        "¡A comer! dijo ella.\n",  /* Spanish: ¡ opens a word after a space */
        "¡Ay, caramba!\n",
        "Linux 核心 2.6 版\n",     /* Han words of their own */
        "用C語言寫的\n",
        "Version 2 核 心\n",
        "café au lait, naïve, Straße\n",
        "x² + y² = r²\n",          /* already right */
        "a簡 b 中文\n",            /* other CJK text on the line: not this damage */
    };
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++)
        expect(clean[i], clean[i]);
}

CHECK_MAIN("repair_lone", CASE(superscripts_read_as_big5), CASE(cjk_marks_read_as_latin1_or_big5),
           CASE(one_character_word_read_as_latin1), CASE(reported_with_chain),
           CASE(clean_left_alone))
