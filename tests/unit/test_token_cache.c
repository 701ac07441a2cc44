/* Unit tests of src/token_cache.c: hits only for the same hash while live, the token's own
 * expiry, flushes, the generation guard against caching an answer read before a flush,
 * and slot collisions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "token_cache.h"

#define SEC INT64_C(1000000)
#define NOW (INT64_C(1800000000) * SEC)

static struct principal
clinician(const char *id)
{
    struct principal p = {.role = ROLE_CLINICIAN};
    strcpy(p.id, id);
    strcpy(p.token_id, "00000000-0000-0000-0000-0000000000aa");
    return p;
}

static struct token_cache *
live_cache(void)
{
    struct token_cache *tc = token_cache_new(60);
    token_cache_set_live(tc, true);
    return tc;
}

static void
test_hash_is_sha256(void **state)
{
    (void)state;
    unsigned char h[TOKEN_HASH_LEN];
    token_hash("abc", h);
    static const unsigned char want[4] = {0xba, 0x78, 0x16, 0xbf}; /* FIPS 180-2 example */
    assert_memory_equal(h, want, sizeof(want));
}

static void
test_put_then_hit_copies_the_principal(void **state)
{
    (void)state;
    struct token_cache *tc = live_cache();
    unsigned char h[TOKEN_HASH_LEN];
    token_hash("token-a", h);
    struct principal who = clinician("11111111-1111-1111-1111-111111111111"), out = {0};
    assert_false(token_cache_get(tc, h, NOW, &out));
    token_cache_put(tc, h, &who, 0, token_cache_generation(tc));
    assert_true(token_cache_get(tc, h, NOW, &out));
    assert_string_equal(out.id, who.id);
    assert_int_equal(out.role, ROLE_CLINICIAN);
    struct token_cache_stats st;
    token_cache_stats(tc, &st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    token_cache_free(tc);
}

static void
test_other_token_misses(void **state)
{
    (void)state;
    struct token_cache *tc = live_cache();
    unsigned char a[TOKEN_HASH_LEN], b[TOKEN_HASH_LEN];
    token_hash("token-a", a);
    memcpy(b, a, sizeof(b));
    b[TOKEN_HASH_LEN - 1] ^= 1; /* same slot, different token */
    struct principal who = clinician("11111111-1111-1111-1111-111111111111"), out;
    token_cache_put(tc, a, &who, 0, token_cache_generation(tc));
    assert_false(token_cache_get(tc, b, NOW, &out));
    token_cache_put(tc, b, &who, 0, token_cache_generation(tc)); /* evicts a */
    assert_true(token_cache_get(tc, b, NOW, &out));
    assert_false(token_cache_get(tc, a, NOW, &out));
    token_cache_free(tc);
}

static void
test_token_expiry_is_honoured(void **state)
{
    (void)state;
    struct token_cache *tc = live_cache();
    unsigned char h[TOKEN_HASH_LEN];
    token_hash("token-a", h);
    struct principal who = clinician("11111111-1111-1111-1111-111111111111"), out;
    token_cache_put(tc, h, &who, NOW + 10 * SEC, token_cache_generation(tc));
    assert_true(token_cache_get(tc, h, NOW + 9 * SEC, &out));
    assert_false(token_cache_get(tc, h, NOW + 10 * SEC, &out));
    token_cache_free(tc);
}

static void
test_flush_forgets_everything(void **state)
{
    (void)state;
    struct token_cache *tc = live_cache();
    unsigned char h[TOKEN_HASH_LEN];
    token_hash("token-a", h);
    struct principal who = clinician("11111111-1111-1111-1111-111111111111"), out;
    token_cache_put(tc, h, &who, 0, token_cache_generation(tc));
    token_cache_flush(tc);
    assert_false(token_cache_get(tc, h, NOW, &out));
    token_cache_free(tc);
}

static void
test_answer_read_before_a_flush_is_not_cached(void **state)
{
    (void)state;
    struct token_cache *tc = live_cache();
    unsigned char h[TOKEN_HASH_LEN];
    token_hash("token-a", h);
    struct principal who = clinician("11111111-1111-1111-1111-111111111111"), out;
    uint64_t before = token_cache_generation(tc); /* then the database is asked... */
    token_cache_flush(tc);                        /* ...and a revocation is heard */
    token_cache_put(tc, h, &who, 0, before);
    assert_false(token_cache_get(tc, h, NOW, &out));
    token_cache_free(tc);
}

static void
test_bypassed_until_live_and_after_loss(void **state)
{
    (void)state;
    struct token_cache *tc = token_cache_new(60);
    unsigned char h[TOKEN_HASH_LEN];
    token_hash("token-a", h);
    struct principal who = clinician("11111111-1111-1111-1111-111111111111"), out;
    token_cache_put(tc, h, &who, 0, token_cache_generation(tc));
    assert_false(token_cache_get(tc, h, NOW, &out)); /* not listening yet */
    token_cache_set_live(tc, true);
    token_cache_put(tc, h, &who, 0, token_cache_generation(tc));
    assert_true(token_cache_get(tc, h, NOW, &out));
    token_cache_set_live(tc, false); /* the notification connection dropped */
    assert_false(token_cache_get(tc, h, NOW, &out));
    token_cache_set_live(tc, true); /* back: what was cached before is gone */
    assert_false(token_cache_get(tc, h, NOW, &out));
    token_cache_free(tc);
}

static void
test_null_cache_is_a_no_op(void **state)
{
    (void)state;
    unsigned char h[TOKEN_HASH_LEN] = {0};
    struct principal who = clinician("11111111-1111-1111-1111-111111111111"), out;
    token_cache_put(NULL, h, &who, 0, token_cache_generation(NULL));
    assert_false(token_cache_get(NULL, h, NOW, &out));
    token_cache_flush(NULL);
    token_cache_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_sha256),
        cmocka_unit_test(test_put_then_hit_copies_the_principal),
        cmocka_unit_test(test_other_token_misses),
        cmocka_unit_test(test_token_expiry_is_honoured),
        cmocka_unit_test(test_flush_forgets_everything),
        cmocka_unit_test(test_answer_read_before_a_flush_is_not_cached),
        cmocka_unit_test(test_bypassed_until_live_and_after_loss),
        cmocka_unit_test(test_null_cache_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
