/* test_punct.c - the punctuation stage through the public API: the flattening signature in
 * AUTO mode (and clean text left alone), what stays ASCII (times, numbers, URLs, e-mail,
 * Latin, lost-character marks), parentheses as pairs, the cjk/ascii/keep modes, width forms,
 * reports, and streaming equal to one-shot. */
#include "check.h"
#include "stream_check.h"
#include "textfix.h"

#include <stdlib.h>
#include <string.h>

static tf_ctx *punct_ctx(int mode)
{
    tf_ctx *ctx = tf_ctx_create();
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_STAGES, TF_STAGE_PUNCT), TF_OK);
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_PUNCT, mode), TF_OK);
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_REPORT, 1), TF_OK);
    return ctx;
}

static void expect_mode(int mode, const char *s, const char *want)
{
    tf_ctx *ctx = punct_ctx(mode);
    char *out = NULL;
    size_t n = 0;
    CHECK_EQ(tf_fix(ctx, s, strlen(s), &out, &n), TF_OK);
    CHECK_STR_EQ(out, want);
    tf_free(out);
    tf_ctx_free(ctx);
}

static void expect(const char *s, const char *want) { expect_mode(TF_PUNCT_AUTO, s, want); }

/* A flattened text: 。 and “” kept, no ，, ASCII , between Han characters. */
#define FLAT_HEAD "“楓橋經驗”是一條紅線。\n"
#define FIXED_HEAD FLAT_HEAD
/* The same with an ASCII mark glued to CJK: the stream shows the whole signature. */
#define FLAT_SIGN FLAT_HEAD "青海,好。\n"
#define FIXED_SIGN FLAT_HEAD "青海，好。\n"

static void auto_restores_flattened(void)
{
    expect(FLAT_HEAD "為大力弘揚新時代“楓橋經驗”,不斷開創工作新局面,青海日報今起推出。\n",
           FIXED_HEAD "為大力弘揚新時代“楓橋經驗”，不斷開創工作新局面，青海日報今起推出。\n");
    expect(FLAT_HEAD "海東市司法局(預防化解工作法)、社區(村)入選。來了來了!雪來了\n",
           FIXED_HEAD "海東市司法局（預防化解工作法）、社區（村）入選。來了來了！雪來了\n");
    expect(FLAT_HEAD "你去嗎?我去;他說:好。\n", FIXED_HEAD "你去嗎？我去；他說：好。\n");
}

static void auto_keeps_ascii_where_it_belongs(void)
{
    const char *s = FLAT_HEAD "我們,好。\n發布時間:2023-12-10 08:48:27\n"
                    "E-mail:webmaster@qhnews.com 許可證:63120170001 共1,000人\n"
                    "網址:http://www.qhnews.com/a?b=1 (WHO) f(x) ls(1)\n"
                    "This is Latin, with commas; and colons: fine!\n"
                    "大美青?蛻舳擞 青海日?qǐng)?bào)\n";
    const char *want = FLAT_HEAD "我們，好。\n發布時間：2023-12-10 08:48:27\n"
                       "E-mail:webmaster@qhnews.com 許可證：63120170001 共1,000人\n"
                       "網址：http://www.qhnews.com/a?b=1 (WHO) f(x) ls(1)\n"
                       "This is Latin, with commas; and colons: fine!\n"
                       "大美青?蛻舳擞 青海日?qǐng)?bào)\n";
    expect(s, want);
}

static void auto_leaves_clean_text(void)
{
    /* One fullwidth ，is enough to show the text was not flattened. */
    const char *mixed = "這是，乾淨的文字。\n參數,選項:見下(可選)。\n“引號”,逗號\n";
    expect(mixed, mixed);
    /* No kept marks: deliberate ASCII (Debian's man pages) stays. */
    const char *plain = "ls - 列出目錄內容\n列出檔案,然後退出\n";
    expect(plain, plain);
    expect("", "");
    expect("plain ascii, text: (yes)!\n", "plain ascii, text: (yes)!\n");
}

/* The kinds of line the damage_ruby_punct eval found restored wrongly, each in a flattened
 * text: the mark a reader would restore, and the ASCII a reader would keep. */
static void marks_beside_space_digits_and_paths(void)
{
    /* A mark opening a wrapped line, or after a space: no Latin writer puts one there. */
    expect(FLAT_SIGN ",跟着的是值。\n是 systemd ,返回非零。\n",
           FIXED_SIGN "，跟着的是值。\n是 systemd ，返回非零。\n");
    /* Numbers listed in a Chinese sentence; thousands and times stay. */
    expect(FLAT_SIGN "参数3,4,5,6交给核心,共1,000人,於08:48:27。\n",
           FIXED_SIGN "参数3，4，5，6交给核心，共1,000人，於08:48:27。\n");
    /* A path after CJK does not make the mark ASCII; a URL scheme stays. */
    expect(FLAT_SIGN "例如,/dev/sda3 的主设备号。見 http://a.org/b\n",
           FIXED_SIGN "例如，/dev/sda3 的主设备号。見 http://a.org/b\n");
}

static void latin_words_in_cjk_sentences(void)
{
    /* An enumeration of Latin words a CJK sentence introduces; an option string stays. */
    expect(FLAT_SIGN "如果你在 INSERT,UPDATE,DELETE,或者別的。使用 -o rw,noatime 掛載。\n",
           FIXED_SIGN "如果你在 INSERT，UPDATE，DELETE，或者別的。使用 -o rw,noatime 掛載。\n");
    /* A question before a Latin word: the particle shows it is one (a lost character's
     * ?qǐng stays, see auto_keeps_ascii_where_it_belongs). */
    expect(FLAT_SIGN "複製到什麼地方呢?FHS 對目錄有規定。\n",
           FIXED_SIGN "複製到什麼地方呢？FHS 對目錄有規定。\n");
    /* A question ending on a Latin word at the end of the line. */
    expect(FLAT_SIGN "哪些场合下不适合用 Perl?\n", FIXED_SIGN "哪些场合下不适合用 Perl？\n");
    /* A Latin term and its description keep the Latin colon. */
    expect(FLAT_SIGN "NLM_F_EXCL: 如物件已存在,不作替換。\n",
           FIXED_SIGN "NLM_F_EXCL: 如物件已存在，不作替換。\n");
}

static void parentheses_around_latin_and_unclosed(void)
{
    /* Latin glosses and acronyms in CJK sentences, after a closing quote too. */
    expect(FLAT_SIGN "處理器 I/O(PIO)模式,核心(core dumps)。“驚群”(thundering herd)喚醒。\n"
                     "(initrd:Initial Ramdisk)。当启用时\n",
           FIXED_SIGN "處理器 I/O（PIO）模式，核心（core dumps）。“驚群”（thundering herd）喚醒。\n"
                      "（initrd:Initial Ramdisk）。当启用时\n");
    /* Man page references, code, and a pair set off by spaces stay ASCII. */
    expect(FLAT_SIGN "參見 ls(1)。把命令分解成字 (words) 并替换。f(x)y 是函数。\n",
           FIXED_SIGN "參見 ls(1)。把命令分解成字 (words) 并替换。f(x)y 是函数。\n");
    /* An unclosed ( is CJK when CJK touches it; the troff escape \*(TX is not. */
    expect(FLAT_SIGN "只用于下一个字符(\n這個版本的 \\*(TX 透過檢視。\n",
           FIXED_SIGN "只用于下一个字符（\n這個版本的 \\*(TX 透過檢視。\n");
    /* A pair after a closing CJK quote, followed by CJK. */
    expect(FLAT_SIGN "用“gfortran”(Fortran 95)編譯。\n", FIXED_SIGN "用“gfortran”（Fortran 95）編譯。\n");
    /* A table cell's border bounds it as a line start would. */
    expect(FLAT_SIGN "│Syslinux│(FAT)。引导软盘│類工具(  │\n│        │           │)        │\n",
           FIXED_SIGN "│Syslinux│（FAT）。引导软盘│類工具（  │\n│        │           │）        │\n");
    /* One that ends a CJK line glued to a word was cut by the line; one after a space is
     * ASCII as often as not and stays. */
    expect(FLAT_SIGN "这些软件包随着 Debian Stretch(\nshell 將互動地執行 (\n",
           FIXED_SIGN "这些软件包随着 Debian Stretch（\nshell 將互動地執行 (\n");
}

static void questions_and_ellipses(void)
{
    /* ? between Han characters: a question when Chinese follows it (the model says so) or
     * the clause has a question particle, classical ones too; a lost character's ? before
     * misaligned garbage stays. */
    expect(FLAT_SIGN "此身合是诗人未?细雨骑驴入剑门。人焉廋哉?人焉廋哉?\n大美青?蛻舳擞\n",
           FIXED_SIGN "此身合是诗人未？细雨骑驴入剑门。人焉廋哉？人焉廋哉？\n大美青?蛻舳擞\n");
    /* An ellipsis closing a CJK quotation after a space stands for the rest of it. */
    expect(FLAT_SIGN "請用 “aptitude remove ...” 或別的。\n",
           FIXED_SIGN "請用 “aptitude remove …” 或別的。\n");
    /* An ellipsis alone in a CJK line; code keeps its dots. */
    expect(FLAT_SIGN "  * ... 编辑器操作\n和 SELECT ... INTO 语法混淆,或 open($fh, ...)。\n",
           FIXED_SIGN "  * … 编辑器操作\n和 SELECT ... INTO 语法混淆，或 open($fh, ...)。\n");
}

static void evidence_with_one_kept_mark(void)
{
    /* One kept mark and a mark glued between two Han characters are enough... */
    expect("有效的型別有,見下。\n", "有效的型別有，見下。\n");
    /* ...unless Han sentences end in an ASCII period: an author who types ASCII. */
    const char *ascii = "用於面向流的套接字.\n有效的型別有,見下。\n";
    expect(ascii, ascii);
    /* ...and has no 、, which has no ASCII form: its author types CJK punctuation. */
    expect("用於面向流的套接字.\n型別、名字,見下\n", "用於面向流的套接字.\n型別、名字，見下\n");
    /* A page that spaces every character shows a mark between CJK that way. */
    expect("顯 示 四 段 訊 息 , 這 些 訊 息 。 如 沒 有 給 定 。\n",
           "顯 示 四 段 訊 息 ， 這 些 訊 息 。 如 沒 有 給 定 。\n");
}

static void modes(void)
{
    const char *s = "好,行。(註)\n";
    expect_mode(TF_PUNCT_CJK, s, "好，行。（註）\n");
    expect_mode(TF_PUNCT_KEEP, s, s);
    expect_mode(TF_PUNCT_ASCII, "你好，世界。“引”（註）…\n", "你好,世界.\"引\"(註)...\n");
    expect_mode(TF_PUNCT_CJK, "ＡＢＣ１２３ ｶﾞｷﾞﾊﾟｰﾄ\n", "ABC123 ガギパート\n");
    expect_mode(TF_PUNCT_CJK, "等等...好的......\n", "等等…好的……\n");
}

static void reports_evidence_and_changes(void)
{
    tf_ctx *ctx = punct_ctx(TF_PUNCT_AUTO);
    const char *s = FLAT_HEAD "青海,好。\n";
    char *out = NULL;
    size_t n = 0;
    CHECK_EQ(tf_fix(ctx, s, strlen(s), &out, &n), TF_OK);
    CHECK_EQ(tf_report_count(ctx), 2);
    const tf_report_item *ev = tf_report_item_at(ctx, 0), *it = tf_report_item_at(ctx, 1);
    if (ev && it) {
        CHECK_STR_EQ(ev->rule, "punct-evidence");
        CHECK_STR_EQ(it->rule, "fullwidth-comma");
        CHECK_EQ(it->stage, TF_STAGE_PUNCT);
        CHECK_STR_EQ(it->before, ",");
        CHECK_STR_EQ(it->after, "，");
        CHECK_EQ(it->in_offset, strlen(FLAT_HEAD "青海"));
        CHECK_EQ(it->in_length, 1);
        CHECK_EQ(it->out_offset, strlen(FLAT_HEAD "青海"));
        CHECK_EQ(it->out_length, 3);
    }
    CHECK_EQ(tf_report_get_totals(ctx)->repairs, 1);
    tf_free(out);
    tf_ctx_free(ctx);
}

/* The evidence lives in the context across segments; any chunking gives the same output,
 * and a new stream starts without evidence. */
static void streaming_equals_oneshot(void)
{
    const char *s = FLAT_HEAD "青海,好。\n第二行:內容(註)!\n";
    tf_ctx *ctx = punct_ctx(TF_PUNCT_AUTO);
    char *one = NULL;
    size_t one_n = 0, n = strlen(s);
    CHECK_EQ(tf_fix(ctx, s, n, &one, &one_n), TF_OK);
    for (size_t cut = 1; cut < 11; cut++) {
        char buf[512];
        size_t len = stream_in_chunks(ctx, s, n, cut, buf, sizeof buf);
        CHECK_MEM_EQ(buf, len, one, one_n);
    }
    char *again = NULL;
    size_t again_n = 0;
    CHECK_EQ(tf_fix(ctx, "青海,好\n", strlen("青海,好\n"), &again, &again_n), TF_OK);
    CHECK_STR_EQ(again, "青海,好\n"); /* evidence does not leak into the next stream */
    tf_free(again);
    tf_free(one);
    tf_ctx_free(ctx);
}

/* The first block of a stream (its decoded detection window) is read for evidence before
 * its first line is judged: a flattened page's first marks come before its first 。. Text
 * past the block is judged by what came before it only, and streaming in any chunks gives
 * the one-shot result. */
static void evidence_from_the_first_block(void)
{
    expect("首行,逗號在前\n“楓橋經驗”是一條紅線。\n青海,好。\n",
           "首行，逗號在前\n“楓橋經驗”是一條紅線。\n青海，好。\n");
    /* A fullwidth mark anywhere in the block: not flattened, the first line stays too. */
    expect("首行,逗號在前\n這是，乾淨的。\n", "首行,逗號在前\n這是，乾淨的。\n");
    /* Past the block (70 KiB of ASCII first), the first line's comma waits for evidence. */
    size_t pad = 70 * 1024;
    const char *tail = "首行,逗號在前\n“楓橋經驗”是一條紅線。\n青海,好。\n";
    char *s = malloc(pad + strlen(tail) + 1), *streamed = malloc(pad + 256);
    tf_ctx *ctx = punct_ctx(TF_PUNCT_AUTO);
    char *one = NULL;
    CHECK(s && streamed);
    if (s && streamed) {
        for (size_t i = 0; i < pad; i++)
            s[i] = (i % 64 == 63) ? '\n' : 'a';
        strcpy(s + pad, tail);
        size_t one_n = 0, n = strlen(s);
        CHECK_EQ(tf_fix(ctx, s, n, &one, &one_n), TF_OK);
        CHECK(one && strstr(one, "首行,逗號在前\n“楓橋經驗”是一條紅線。\n青海，好。\n"));
        size_t len = stream_in_chunks(ctx, s, n, 997, streamed, pad + 256);
        if (one)
            CHECK_MEM_EQ(streamed, len, one, one_n);
    }
    free(streamed);
    tf_free(one);
    tf_ctx_free(ctx);
    free(s);
}

static void many_parentheses_stay_linear(void)
{
    /* Han characters, so the stage really runs (pure ASCII returns early), each followed by
     * an opening parenthesis that never closes. */
    size_t n = 200000;
    char *s = malloc(n + 2);
    for (size_t i = 0; i + 4 <= n; i += 4)
        memcpy(s + i, "\xE4\xB8\xAD(", 4); /* 中( */
    s[n] = '\n';
    s[n + 1] = 0;
    tf_ctx *ctx = punct_ctx(TF_PUNCT_CJK);
    char *out = NULL;
    size_t out_n = 0;
    CHECK_EQ(tf_fix(ctx, s, n + 1, &out, &out_n), TF_OK);
    /* Nothing but parentheses may change (an unclosed one may or may not become fullwidth). */
    size_t k = 0;
    for (size_t i = 0; out && i < out_n; k++) {
        if (!memcmp(out + i, "\xEF\xBC\x88", 3)) {
            out[k] = '(';
            i += 3;
        } else {
            out[k] = out[i++];
        }
    }
    CHECK_MEM_EQ(out, k, s, n + 1);
    tf_free(out);
    tf_ctx_free(ctx);
    free(s);
}

CHECK_MAIN("punct", CASE(auto_restores_flattened), CASE(auto_keeps_ascii_where_it_belongs),
           CASE(auto_leaves_clean_text), CASE(marks_beside_space_digits_and_paths),
           CASE(latin_words_in_cjk_sentences), CASE(parentheses_around_latin_and_unclosed),
           CASE(questions_and_ellipses), CASE(evidence_with_one_kept_mark), CASE(modes),
           CASE(reports_evidence_and_changes), CASE(streaming_equals_oneshot),
           CASE(evidence_from_the_first_block),
           CASE(many_parentheses_stay_linear))
