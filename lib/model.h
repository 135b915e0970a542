/* model.h - the statistical plausibility model shared by detection, repair and resync.
 * One set of read-only generated tables (lib/tables/model_*.c, made by tools/tablegen_model.py
 * from Debian-packaged data) answers "how likely is this text?" for Chinese (Simplified and
 * Traditional, scored through a Traditional-to-Simplified map), Japanese, Korean and the
 * Latin, Cyrillic and Greek scripts. Thread-safe: no state besides the const tables.
 * Internal to libtextfix. */
#ifndef TF_MODEL_H
#define TF_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* Total natural-log probability of the UTF-8 text s[0..len): higher is more plausible.
 * Every character pays its own cost (a decoding with fewer characters is not favoured for
 * that alone only if its characters are likely), so the scores of two candidate decodings
 * of the same bytes can be compared directly: score(a) - score(b) is a log-likelihood ratio.
 * Invalid UTF-8, U+FFFD, C1 controls and unassigned/private-use code points score very low.
 * If nchars is not NULL it receives the number of code points scored. */
double tf__model_score(const char *s, size_t len, size_t *nchars);

/* Log-probability of code point cp following prev (prev 0 = start of text). The building
 * block of tf__model_score, for stages that search over candidates character by character. */
double tf__model_bigram(uint32_t prev, uint32_t cp);

/* Unigram cost of each Han character U+4E00..U+9FFF (through the T->S map) in 1/8 nat, read
 * straight from the generated table by scans that must cost about a nanosecond a character
 * (the resync stage's look for rare characters on clean text). */
extern const uint8_t tf__model_han_cost[0x5200];

/* Frequency rank of each Han character U+4E00..U+9FFF (through the T->S map) in bits 0-13,
 * bit 15 set for Simplified-only characters and bit 14 for Traditional-only ones: what
 * tf__model_han_script answers with a search, in one read (the resync stage's hot loops). */
extern const uint16_t tf__model_han_rank[0x5200];

/* The Simplified form of a Traditional Han character (from OpenCC's TSCharacters), or cp
 * itself when it has none. */
uint32_t tf__model_t2s(uint32_t cp);

/* 1 if cp is a Han character used only in Simplified text, 2 if only in Traditional text,
 * 0 otherwise (shared, or not Han). */
int tf__model_han_script(uint32_t cp);

/* Scale (natural log per code point, measured on vim's tutors): clean English, German and
 * Russian about -3.3 to -3.5; Chinese (either script) about -4.9 to -5.0; Japanese about -4.4;
 * Korean about -4.8. What a correct repair gains over the mojibake it replaces, per non-ASCII
 * character of the real text (5th percentile / median): UTF-8 read as cp1252 15-20 / 25-30;
 * UTF-8 Cyrillic read as cp1251 15 / 17; GBK read as cp1252 16 / 19; UTF-8 read as GBK 11 / 12;
 * Shift_JIS read as GBK 10 / 11.5; cp1252 read as GBK 9.6 / 16; GBK read as Big5 5.6 / 7.6;
 * EUC-JP read as GBK only 0.2 / 1.2 (the kana are the same characters in both), so that choice
 * needs a whole window. A margin of 8 nats plus 1.5 per changed character keeps clean text
 * safe. */

/* Note: tf__model_score also charges 3 nats where a word is in another alphabet (Latin,
 * Cyrillic, Greek) than the word before it; tf__model_bigram, being first-order, cannot. */

/* 1 when the generated tables were made for this build of model.c (same class list); the unit
 * test checks it so a stale table cannot go unnoticed. */
int tf__model_nclass_ok(void);

#endif
