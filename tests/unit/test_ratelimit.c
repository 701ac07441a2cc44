/* Unit tests of src/ratelimit.c: token buckets per key with an injected clock: the burst,
 * the refill rate, Retry-After, independent keys, and a fixed table under many keys. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "ratelimit.h"

#define SEC INT64_C(1000000)

static void
test_disabled_limiter_allows_everything(void **state)
{
    (void)state;
    int retry = 0;
    assert_null(ratelimit_new(0, 10));
    for (int i = 0; i < 1000; i++)
        assert_true(ratelimit_take(NULL, "t", 0, &retry));
}

static void
test_burst_then_429_with_retry_after(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(2, 5);
    int retry = 0;
    for (int i = 0; i < 5; i++)
        assert_true(ratelimit_take(rl, "token-a", 100 * SEC, &retry));
    assert_false(ratelimit_take(rl, "token-a", 100 * SEC, &retry));
    assert_int_equal(retry, 1); /* half a second to the next token, rounded up */
    ratelimit_free(rl);
}

static void
test_tokens_refill_at_the_rate(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(2, 2);
    int retry = 0;
    assert_true(ratelimit_take(rl, "k", 0, &retry));
    assert_true(ratelimit_take(rl, "k", 0, &retry));
    assert_false(ratelimit_take(rl, "k", SEC / 4, &retry)); /* half a token */
    assert_true(ratelimit_take(rl, "k", SEC / 2, &retry));  /* one token */
    assert_false(ratelimit_take(rl, "k", SEC / 2, &retry));
    assert_true(ratelimit_take(rl, "k", 10 * SEC, &retry)); /* capped at the burst */
    assert_true(ratelimit_take(rl, "k", 10 * SEC, &retry));
    assert_false(ratelimit_take(rl, "k", 10 * SEC, &retry));
    ratelimit_free(rl);
}

static void
test_retry_after_covers_a_slow_rate(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(0.1, 1); /* one request per 10 s */
    int retry = 0;
    assert_true(ratelimit_take(rl, "k", 0, &retry));
    assert_false(ratelimit_take(rl, "k", 0, &retry));
    assert_int_equal(retry, 10);
    assert_false(ratelimit_take(rl, "k", 7 * SEC, &retry));
    assert_int_equal(retry, 3);
    ratelimit_free(rl);
}

static void
test_keys_have_separate_buckets(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(1, 1);
    int retry = 0;
    assert_true(ratelimit_take(rl, "a", 0, &retry));
    assert_false(ratelimit_take(rl, "a", 0, &retry));
    assert_true(ratelimit_take(rl, "b", 0, &retry));
    ratelimit_free(rl);
}

static void
test_a_limited_key_stays_limited_among_many_others(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(1, 1);
    int retry = 0;
    char key[32];
    assert_true(ratelimit_take(rl, "abuser", 0, &retry));
    /* 100,000 other keys in the same instant: their buckets are not full either */
    for (int i = 0; i < 100000; i++) {
        (void)snprintf(key, sizeof(key), "k%d", i);
        ratelimit_take(rl, key, 0, &retry);
    }
    /* the table is bounded, so the flood may have evicted the abuser's bucket (forgiving
     * one request); right after any request of its own it is limited again */
    (void)ratelimit_take(rl, "abuser", 0, &retry);
    assert_false(ratelimit_take(rl, "abuser", 0, &retry));
    assert_int_equal(retry, 1);
    ratelimit_free(rl);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disabled_limiter_allows_everything),
        cmocka_unit_test(test_burst_then_429_with_retry_after),
        cmocka_unit_test(test_tokens_refill_at_the_rate),
        cmocka_unit_test(test_retry_after_covers_a_slow_rate),
        cmocka_unit_test(test_keys_have_separate_buckets),
        cmocka_unit_test(test_a_limited_key_stays_limited_among_many_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
