/*
 * textfix.h - the public API of libtextfix, a library that repairs broken text: bytes of
 * unknown encoding, mojibake (text decoded with the wrong codec), misaligned multibyte runs,
 * flattened ruby annotations and punctuation, and Simplified/Traditional Chinese conversion.
 *
 * Conventions (they hold for every function below unless its comment says otherwise):
 *  - Thread safety: a tf_ctx is used by one thread at a time. Different contexts may be used
 *    in parallel threads with no locking; the library has no global mutable state and its
 *    tables are read-only. Functions that take no context are thread-safe.
 *  - Errors: functions returning int return TF_OK (0) on success or a negative tf_error
 *    code. tf_error_name() and tf_strerror() describe a code; tf_ctx_error_detail() says what
 *    exactly went wrong on the last failing call (byte offset, encoding tried, ...).
 *  - Ownership: memory returned to the caller through an out-parameter belongs to the caller
 *    and is released with tf_free(). Pointers returned as `const` belong to the library and
 *    stay valid until the next call on the same context (or forever, for static strings).
 *  - Text: all output is valid UTF-8. Input is bytes of any supported encoding.
 */
#ifndef TEXTFIX_H
#define TEXTFIX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define TF_API
#elif defined(__GNUC__)
#define TF_API __attribute__((visibility("default")))
#else
#define TF_API
#endif

/* ---- Version ------------------------------------------------------------------------- */

#define TF_VERSION_MAJOR 0
#define TF_VERSION_MINOR 1
#define TF_VERSION_RELEASE 0
#define TF_VERSION_NUMBER (TF_VERSION_MAJOR * 10000 + TF_VERSION_MINOR * 100 + TF_VERSION_RELEASE)
#define TF_VERSION_STRING "0.1.0"

/* The version of the library actually linked, as TF_VERSION_NUMBER / TF_VERSION_STRING. */
TF_API unsigned tf_version_number(void);
TF_API const char *tf_version_string(void);

/* ---- Errors -------------------------------------------------------------------------- */

/* One list generates the enum, the names and the messages, so they never drift apart.
 * Codes are stable: new ones are only ever appended, none is renumbered or removed. */
#define TF_ERROR_MAP(XX)                                                                      \
    XX(OK, 0, "no error")                                                                     \
    XX(NOMEM, -1, "out of memory")                                                            \
    XX(INVALID_ARGUMENT, -2, "invalid argument")                                              \
    XX(UNKNOWN_ENCODING, -3, "unknown or unsupported encoding name")                          \
    XX(INVALID_INPUT, -4, "input has bytes that are invalid in its encoding (strict mode)")   \
    XX(BINARY_INPUT, -5, "input looks like a binary file, not text (strict mode)")            \
    XX(STATE, -6, "call not allowed in the context's current state")                          \
    XX(LIMIT, -7, "a size limit was exceeded")                                                \
    XX(UNKNOWN_OPTION, -8, "unknown option or option value")                                  \
    XX(UNKNOWN_CONVERSION, -9, "unknown Chinese conversion name")                             \
    XX(INTERNAL, -10, "internal error (a bug in libtextfix)")

typedef enum {
#define TF__ERR_ENUM(name, code, msg) TF_E_##name = code,
    TF_ERROR_MAP(TF__ERR_ENUM)
#undef TF__ERR_ENUM
} tf_error;

#define TF_OK TF_E_OK

/* "TF_E_NOMEM" and so on; "TF_E_UNKNOWN" for a code that is not in the list. Static. */
TF_API const char *tf_error_name(int code);
/* A one-line English description of the code. Static. */
TF_API const char *tf_strerror(int code);

/* ---- Context ------------------------------------------------------------------------- */

typedef struct tf_ctx tf_ctx;

/* Creates a context with default options. Returns NULL when out of memory. The caller owns
 * it and releases it with tf_ctx_free(). */
TF_API tf_ctx *tf_ctx_create(void);
/* Releases a context and everything it owns. Accepts NULL. */
TF_API void tf_ctx_free(tf_ctx *ctx);
/* Abandons any stream in progress and clears the report; options are kept. */
TF_API void tf_ctx_reset(tf_ctx *ctx);
/* Details of the last error on this context ("" when none): what, where (byte offset), and
 * which encoding. Owned by the context; valid until the next call on it. */
TF_API const char *tf_ctx_error_detail(const tf_ctx *ctx);

/* Releases memory the library handed to the caller. Accepts NULL. */
TF_API void tf_free(void *p);

/* ---- Options ------------------------------------------------------------------------- */

/* Stages of the pipeline, in the order they run. Used as bits in TF_OPT_STAGES and as the
 * stage of a report item. */
typedef enum {
    TF_STAGE_DECODE = 1 << 0,    /* bytes -> UTF-8: detection, iconv, invalid bytes */
    TF_STAGE_CLEANUP = 1 << 1,   /* BOM, terminal escapes, control characters, newlines */
    TF_STAGE_REPAIR = 1 << 2,    /* mojibake: text decoded with the wrong codec */
    TF_STAGE_RESYNC = 1 << 3,    /* misaligned multibyte runs */
    TF_STAGE_RUBY = 1 << 4,      /* flattened ruby annotations */
    TF_STAGE_PUNCT = 1 << 5,     /* flattened CJK punctuation */
    TF_STAGE_NORMALIZE = 1 << 6, /* Unicode normalization (NFC by default) */
    TF_STAGE_ZH = 1 << 7         /* Simplified/Traditional conversion (off until chosen) */
} tf_stage;

#define TF_STAGES_ALL 0xFF
/* The default: every stage but TF_STAGE_ZH, which runs when a conversion is chosen. */
#define TF_STAGES_DEFAULT (TF_STAGES_ALL & ~TF_STAGE_ZH)

typedef enum {
    TF_NORM_NONE = 0,
    TF_NORM_NFC = 1, /* the default */
    TF_NORM_NFKC = 2 /* only on request: it flattens CJK punctuation */
} tf_norm;

typedef enum {
    TF_NEWLINES_KEEP = 0, /* the default */
    TF_NEWLINES_LF = 1    /* CRLF and lone CR become LF */
} tf_newlines;

typedef enum {
    TF_PUNCT_AUTO = 0,  /* restore fullwidth punctuation where the text shows flattening */
    TF_PUNCT_CJK = 1,   /* restore it in every CJK sentence */
    TF_PUNCT_ASCII = 2, /* turn CJK punctuation into ASCII */
    TF_PUNCT_KEEP = 3   /* leave punctuation alone */
} tf_punct;

typedef enum {
    TF_OPT_STAGES = 1,       /* bit mask of tf_stage; default TF_STAGES_DEFAULT */
    TF_OPT_STRICT = 2,       /* 1: invalid bytes or binary input are an error; default 0 */
    TF_OPT_NORMALIZE = 3,    /* tf_norm; default TF_NORM_NFC */
    TF_OPT_NEWLINES = 4,     /* tf_newlines; default TF_NEWLINES_KEEP */
    TF_OPT_PUNCT = 5,        /* tf_punct; default TF_PUNCT_AUTO */
    TF_OPT_REPORT = 6,       /* 1: record report items (totals are always kept); default 0 */
    TF_OPT_REPORT_LIMIT = 7, /* most items kept per call or stream; default 100000 */
    TF_OPT_KEEP_CONTROLS = 8 /* 1: keep C0/C1 controls and terminal escapes; default 0 */
} tf_option;

/* Sets an integer option. Returns TF_E_UNKNOWN_OPTION for an unknown option or value, and
 * TF_E_STATE while a stream is in progress (options apply from the next input on). */
TF_API int tf_ctx_set_option(tf_ctx *ctx, tf_option opt, int value);
/* Reads an integer option's current value into *value. */
TF_API int tf_ctx_get_option(const tf_ctx *ctx, tf_option opt, int *value);

/* Forces the input encoding (any name iconv knows, plus the WHATWG labels: "gbk" means
 * GB18030, "big5" means Big5-HKSCS, "shift_jis" means CP932, "iso-8859-1" means
 * windows-1252). NULL or "" or "auto" brings back detection. The string is copied.
 * Returns TF_E_UNKNOWN_ENCODING if the name is not supported. */
TF_API int tf_ctx_set_encoding(tf_ctx *ctx, const char *name);

/* Chooses the Chinese conversion (OpenCC's configuration names without ".json": "s2t",
 * "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp", "t2tw", "t2hk", "t2jp", "jp2t").
 * NULL or "" turns conversion off. Setting one also enables TF_STAGE_ZH.
 * Returns TF_E_UNKNOWN_CONVERSION for an unknown name. */
TF_API int tf_ctx_set_conversion(tf_ctx *ctx, const char *name);

/* ---- One-shot ------------------------------------------------------------------------ */

/* Repairs src[0..src_size) in one call. On success *out points to a NUL-terminated UTF-8
 * string of *out_size bytes (not counting the NUL) that the caller releases with tf_free().
 * On error *out is NULL and the return value says why (see tf_ctx_error_detail()).
 * Equivalent to one tf_fix_stream() call with TF_END over the whole input. Abandons any
 * stream in progress on this context. Clears and refills the report. */
TF_API int tf_fix(tf_ctx *ctx, const void *src, size_t src_size, char **out, size_t *out_size);

/* ---- Streaming ----------------------------------------------------------------------- */

typedef struct {
    const void *src; /* start of the input */
    size_t size;     /* size of the input */
    size_t pos;      /* bytes already consumed; the library advances it */
} tf_in_buffer;

typedef struct {
    void *dst;   /* start of the output space */
    size_t size; /* size of the output space */
    size_t pos;  /* bytes already written; the library advances it */
} tf_out_buffer;

typedef enum {
    TF_CONTINUE = 0, /* more input will follow: the library may hold text back for context */
    TF_FLUSH = 1,    /* emit everything that can be emitted without more input */
    TF_END = 2       /* the input is complete: finish the stream */
} tf_directive;

/* Consumes input from *in and writes output to *out, advancing their pos fields. Memory
 * stays bounded whatever the input size: the context holds at most about one segment of
 * text (a line, or 256 KiB of a longer line) plus what does not fit in *out.
 *
 * Returns TF_OK or a negative error. *pending (which may be NULL) receives the number of
 * output bytes the context still holds: after TF_END, call again with more output space
 * until it is 0; the stream is then finished and the context is ready for a new one.
 * With TF_CONTINUE the output may lag the input by up to a segment; the output of a whole
 * stream never depends on how the input was cut into calls (it equals tf_fix()'s).
 * After an error the stream is abandoned; tf_ctx_reset() or a new stream starts over. */
TF_API int tf_fix_stream(tf_ctx *ctx, tf_out_buffer *out, tf_in_buffer *in,
                         tf_directive directive, size_t *pending);

/* ---- Detection alone ----------------------------------------------------------------- */

typedef struct {
    const char *encoding; /* canonical iconv name, e.g. "GB18030", "UTF-8"; static */
    const char *source;   /* "bom", "declared", "forced", "utf-8", "detected", "binary", "empty" */
    double confidence;    /* 0..1 */
    int binary;           /* 1 when the bytes look like a binary file, not text */
} tf_detection;

/* Says which encoding the decoder would use for input starting with src[0..size), exactly
 * as tf_fix() decides it (the context's forced encoding included). is_complete says whether
 * src is the whole input (a truncated character at its end is then damage, not a cut).
 * Only the first 64 KiB are looked at. Returns TF_OK or TF_E_INVALID_ARGUMENT. */
TF_API int tf_detect(tf_ctx *ctx, const void *src, size_t size, int is_complete,
                     tf_detection *result);

/* ---- Report -------------------------------------------------------------------------- */

/* One change the library made (or, for lost text, found and could not undo). Offsets are
 * byte offsets in the text that entered the stage (for TF_STAGE_DECODE: the raw input) and
 * in the text that left it, counted from the start of the stream. */
typedef struct {
    tf_stage stage;
    const char *rule;        /* stable identifier, e.g. "invalid-byte", "utf-8 read as gbk" */
    uint64_t in_offset;
    uint64_t in_length;
    uint64_t out_offset;
    uint64_t out_length;
    const char *before;      /* the text (or hex bytes) before the change, UTF-8, short */
    const char *after;       /* the text after it */
    const char *explanation; /* a short English sentence saying why */
    double confidence;       /* 0..1: how sure the model is; 1 for mechanical changes */
} tf_report_item;

typedef struct {
    uint64_t bytes_in;         /* raw input bytes consumed */
    uint64_t bytes_out;        /* UTF-8 bytes produced */
    uint64_t changes;          /* report items made (kept or not, see TF_OPT_REPORT_LIMIT) */
    uint64_t invalid_bytes;    /* input bytes that were undecodable (became U+FFFD) */
    uint64_t removed_controls; /* control characters, escapes and BOMs removed */
    uint64_t repairs;          /* mojibake, resync, ruby and punctuation repairs */
    uint64_t converted;        /* characters changed by Chinese conversion */
    const char *encoding;      /* the input encoding used (canonical name), "" before any */
    const char *encoding_source; /* "bom", "declared", "forced", "utf-8", "detected" */
    double encoding_confidence;  /* 0..1 */
    int binary;                  /* 1 when the input looked binary */
} tf_report_totals;

/* The report of the last tf_fix() call, or of the stream so far. Items are kept only with
 * TF_OPT_REPORT set. Pointers are owned by the context and valid until the next call that
 * processes text, tf_report_clear() or tf_ctx_reset(). */
TF_API size_t tf_report_count(const tf_ctx *ctx);
TF_API const tf_report_item *tf_report_item_at(const tf_ctx *ctx, size_t index);
TF_API const tf_report_totals *tf_report_get_totals(const tf_ctx *ctx);
/* Drops the items (not the totals), e.g. after reading them during a long stream. */
TF_API void tf_report_clear(tf_ctx *ctx);
/* The name of a stage ("decode", "cleanup", ...), static. */
TF_API const char *tf_stage_name(tf_stage stage);

#ifdef __cplusplus
}
#endif

#endif /* TEXTFIX_H */
