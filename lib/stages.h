/* stages.h - the evidence the ruby and punctuation stages carry from segment to segment of
 * a stream. Included by internal.h so the context can hold the state by value
 * (calloc'd zeroes are the right initial state; tf__stream_abandon zeroes it again).
 * Internal to libtextfix. */
#ifndef TF_STAGES_H
#define TF_STAGES_H

#include <stdint.h>

/* Counts of what a text shows about its punctuation. */
struct tf__punct_counts {
    /* Fullwidth ，；：！？（） seen: the text was not flattened, so AUTO mode stays off for
     * the rest of the stream (Debian's man pages mix ，with deliberate ASCII). */
    uint32_t fullwidth;
    /* 。、“”《》「」 seen: CJK sentence marks that NFKC leaves alone. */
    uint32_t kept_marks;
    /* ASCII , ; : ! ? right after a CJK character, or ( ) touching one: what NFKC makes of
     * ，；：！？（）. */
    uint32_t ascii_between;
    /* Of ascii_between, the marks glued between two Han characters (好,行): the strongest
     * sign, enough with a single kept mark. */
    uint32_t han_between;
    /* An ASCII . after a Han character and before a space, a line end or a mark (的. 如, 的.\n):
     * an author who types ASCII, so a single kept mark is not enough. */
    uint32_t ascii_period;
    /* 、 seen: it has no ASCII form, so its author types CJK punctuation (then an ASCII .
     * is the author's own, not a sign of ASCII typing). */
    uint32_t enum_comma;
};

/* What the stream has shown so far. Segments are cut where the text says, so state carried
 * from one to the next keeps the output independent of how the input was cut into calls. */
struct tf__punct_state {
    /* Counted segment by segment, as the stage sees them. */
    struct tf__punct_counts seen;
    /* Counted once over the stream's first block of decoded text (tf__punct_prime), so the
     * first lines of a flattened page are judged by evidence that comes a few lines later.
     * The block is the decoded detection window: the same however the input was split. */
    struct tf__punct_counts ahead;
    uint32_t primed;
    /* The evidence report item was made (once per stream). */
    uint32_t reported;
    /* Ruby annotations with a tone (mark, number or zhuyin) removed so far: with enough of
     * them, toneless annotations are believed too. */
    uint32_t ruby_toned;
};

#endif
