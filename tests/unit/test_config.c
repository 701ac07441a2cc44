/* Unit tests of src/config.c: config_load through a fake environment (defaults, every bad
 * value rejected with a message naming its variable, listen addresses). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"

/* The fake environment: NULL-terminated name/value pairs, set per test. */
struct env_var {
    const char *name, *value;
};

static const struct env_var *fake_env;

static const char *
fake_getenv(const char *name)
{
    for (const struct env_var *v = fake_env; v && v->name; v++) {
        if (strcmp(v->name, name) == 0)
            return v->value;
    }
    return NULL;
}

static const char DB[] = "postgresql://app@localhost/oihwatch";

/* Loads a config from DATABASE_URL plus one variable (name NULL: none). */
static int
load_with(const char *name, const char *value, struct config *cfg, char *err, size_t errsize)
{
    const struct env_var env[] = {{"DATABASE_URL", DB}, {name, value}, {NULL, NULL}};
    fake_env = env;
    int rc = config_load(cfg, fake_getenv, err, errsize);
    fake_env = NULL;
    return rc;
}

/* Expects name=value to stop start-up with a message naming name. */
static void
expect_bad(const char *name, const char *value)
{
    struct config cfg;
    char err[256] = "";
    if (load_with(name, value, &cfg, err, sizeof(err)) != -1)
        fail_msg("%s=\"%s\" was accepted", name, value);
    if (!strstr(err, name))
        fail_msg("%s=\"%s\": message \"%s\" does not name the variable", name, value, err);
}

static struct config
good(const char *name, const char *value)
{
    struct config cfg;
    char err[256] = "";
    if (load_with(name, value, &cfg, err, sizeof(err)) != 0)
        fail_msg("%s=\"%s\" was rejected: %s", name, value, err);
    return cfg;
}

static void
test_defaults_apply_when_only_database_url_is_set(void **state)
{
    (void)state;
    struct config cfg = good(NULL, NULL);
    assert_string_equal(cfg.database_url, DB);
    assert_string_equal(cfg.database_read_url, "");
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_int_equal(cfg.threads, 8);
    assert_int_equal(cfg.db_pool, 8);
    assert_int_equal(cfg.max_body_bytes, 1048576);
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_true(cfg.auto_migrate);
    assert_int_equal(cfg.conn_timeout_s, 30);
    assert_int_equal(cfg.max_connections, 1024);
    assert_int_equal(cfg.per_ip_connections, 0);
    assert_int_equal(cfg.drain_timeout_s, 10);
    assert_int_equal(cfg.db_connect_timeout_s, 3);
}

static void
test_database_url_is_required(void **state)
{
    (void)state;
    struct config cfg;
    char err[256] = "";
    const struct env_var env[] = {{"OIHWATCH_THREADS", "4"}, {NULL, NULL}};
    fake_env = env;
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), -1);
    fake_env = NULL;
    assert_string_equal(err, "DATABASE_URL is required");
}

static void
test_empty_database_url_is_rejected(void **state)
{
    (void)state;
    struct config cfg;
    char err[256] = "";
    const struct env_var env[] = {{"DATABASE_URL", ""}, {NULL, NULL}};
    fake_env = env;
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), -1);
    fake_env = NULL;
    assert_non_null(strstr(err, "DATABASE_URL"));
}

static void
test_threads_out_of_range_or_not_a_number_is_rejected(void **state)
{
    (void)state;
    expect_bad("OIHWATCH_THREADS", "0");
    expect_bad("OIHWATCH_THREADS", "abc");
    expect_bad("OIHWATCH_THREADS", "257");
    expect_bad("OIHWATCH_THREADS", "-4");
    expect_bad("OIHWATCH_THREADS", "8x");
    expect_bad("OIHWATCH_THREADS", "99999999999999999999");
}

static void
test_threads_message_gives_the_range(void **state)
{
    (void)state;
    struct config cfg;
    char err[256] = "";
    assert_int_equal(load_with("OIHWATCH_THREADS", "0", &cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "OIHWATCH_THREADS must be an integer from 1 to 256");
}

static void
test_threads_accepts_1_and_256(void **state)
{
    (void)state;
    assert_int_equal(good("OIHWATCH_THREADS", "1").threads, 1);
    assert_int_equal(good("OIHWATCH_THREADS", "256").threads, 256);
}

static void
test_db_pool_defaults_to_threads(void **state)
{
    (void)state;
    struct config cfg = good("OIHWATCH_THREADS", "5");
    assert_int_equal(cfg.threads, 5);
    assert_int_equal(cfg.db_pool, 5);
    cfg = good("OIHWATCH_DB_POOL", "0");
    assert_int_equal(cfg.db_pool, 8);
}

static void
test_db_pool_can_be_set_apart_from_threads(void **state)
{
    (void)state;
    struct config cfg;
    char err[256] = "";
    const struct env_var env[] = {
        {"DATABASE_URL", DB}, {"OIHWATCH_THREADS", "16"}, {"OIHWATCH_DB_POOL", "4"}, {NULL, NULL}};
    fake_env = env;
    assert_int_equal(config_load(&cfg, fake_getenv, err, sizeof(err)), 0);
    fake_env = NULL;
    assert_int_equal(cfg.threads, 16);
    assert_int_equal(cfg.db_pool, 4);
    expect_bad("OIHWATCH_DB_POOL", "257");
    expect_bad("OIHWATCH_DB_POOL", "-1");
}

static void
test_empty_value_falls_back_to_the_default(void **state)
{
    (void)state;
    assert_int_equal(good("OIHWATCH_THREADS", "").threads, 8);
    assert_int_equal(good("OIHWATCH_LISTEN", "").listen_port, 8080);
}

static void
test_listen_host_and_port(void **state)
{
    (void)state;
    struct config cfg = good("OIHWATCH_LISTEN", "0.0.0.0:9090");
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 9090);
    cfg = good("OIHWATCH_LISTEN", "localhost:65535");
    assert_string_equal(cfg.listen_host, "localhost");
    assert_int_equal(cfg.listen_port, 65535);
}

static void
test_listen_port_0_picks_a_free_port(void **state)
{
    (void)state;
    struct config cfg = good("OIHWATCH_LISTEN", "127.0.0.1:0");
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 0);
}

static void
test_listen_without_host_binds_every_address(void **state)
{
    (void)state;
    struct config cfg = good("OIHWATCH_LISTEN", ":9000");
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 9000);
}

static void
test_listen_bracketed_ipv6_is_accepted(void **state)
{
    (void)state;
    struct config cfg = good("OIHWATCH_LISTEN", "[::1]:8080");
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 8080);
}

static void
test_listen_bad_values_are_rejected(void **state)
{
    (void)state;
    expect_bad("OIHWATCH_LISTEN", "8080");
    expect_bad("OIHWATCH_LISTEN", "localhost");
    expect_bad("OIHWATCH_LISTEN", "127.0.0.1:70000");
    expect_bad("OIHWATCH_LISTEN", "127.0.0.1:65536");
    expect_bad("OIHWATCH_LISTEN", "127.0.0.1:");
    expect_bad("OIHWATCH_LISTEN", "127.0.0.1:http");
    expect_bad("OIHWATCH_LISTEN", "::1:8080");
    expect_bad("OIHWATCH_LISTEN", "[::1]");
}

static void
test_max_body_bytes_bounds(void **state)
{
    (void)state;
    expect_bad("OIHWATCH_MAX_BODY_BYTES", "1023");
    expect_bad("OIHWATCH_MAX_BODY_BYTES", "67108865");
    expect_bad("OIHWATCH_MAX_BODY_BYTES", "1M");
    assert_int_equal(good("OIHWATCH_MAX_BODY_BYTES", "1024").max_body_bytes, 1024);
    assert_int_equal(good("OIHWATCH_MAX_BODY_BYTES", "67108864").max_body_bytes, 67108864);
}

static void
test_log_level_names(void **state)
{
    (void)state;
    expect_bad("OIHWATCH_LOG_LEVEL", "loud");
    expect_bad("OIHWATCH_LOG_LEVEL", "INFO");
    assert_int_equal(good("OIHWATCH_LOG_LEVEL", "debug").log_level, LOG_DEBUG);
    assert_int_equal(good("OIHWATCH_LOG_LEVEL", "warn").log_level, LOG_WARN);
    assert_int_equal(good("OIHWATCH_LOG_LEVEL", "error").log_level, LOG_ERROR);
    assert_int_equal(good("OIHWATCH_LOG_LEVEL", "off").log_level, LOG_OFF);
}

static void
test_auto_migrate_booleans(void **state)
{
    (void)state;
    expect_bad("OIHWATCH_AUTO_MIGRATE", "maybe");
    expect_bad("OIHWATCH_AUTO_MIGRATE", "2");
    assert_false(good("OIHWATCH_AUTO_MIGRATE", "0").auto_migrate);
    assert_false(good("OIHWATCH_AUTO_MIGRATE", "false").auto_migrate);
    assert_false(good("OIHWATCH_AUTO_MIGRATE", "no").auto_migrate);
    assert_false(good("OIHWATCH_AUTO_MIGRATE", "off").auto_migrate);
    assert_true(good("OIHWATCH_AUTO_MIGRATE", "1").auto_migrate);
    assert_true(good("OIHWATCH_AUTO_MIGRATE", "true").auto_migrate);
    assert_true(good("OIHWATCH_AUTO_MIGRATE", "yes").auto_migrate);
    assert_true(good("OIHWATCH_AUTO_MIGRATE", "on").auto_migrate);
}

static void
test_other_integer_settings_are_bounded(void **state)
{
    (void)state;
    expect_bad("OIHWATCH_CONN_TIMEOUT", "0");
    expect_bad("OIHWATCH_MAX_CONNECTIONS", "0");
    expect_bad("OIHWATCH_PER_IP_CONNECTIONS", "-1");
    expect_bad("OIHWATCH_DRAIN_TIMEOUT", "3601");
    expect_bad("OIHWATCH_DB_CONNECT_TIMEOUT", "61");
    assert_int_equal(good("OIHWATCH_DRAIN_TIMEOUT", "0").drain_timeout_s, 0);
}

static void
test_read_url_is_kept(void **state)
{
    (void)state;
    assert_string_equal(good("DATABASE_READ_URL", "postgresql://ro@replica/oih").database_read_url,
                        "postgresql://ro@replica/oih");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_apply_when_only_database_url_is_set),
        cmocka_unit_test(test_database_url_is_required),
        cmocka_unit_test(test_empty_database_url_is_rejected),
        cmocka_unit_test(test_threads_out_of_range_or_not_a_number_is_rejected),
        cmocka_unit_test(test_threads_message_gives_the_range),
        cmocka_unit_test(test_threads_accepts_1_and_256),
        cmocka_unit_test(test_db_pool_defaults_to_threads),
        cmocka_unit_test(test_db_pool_can_be_set_apart_from_threads),
        cmocka_unit_test(test_empty_value_falls_back_to_the_default),
        cmocka_unit_test(test_listen_host_and_port),
        cmocka_unit_test(test_listen_port_0_picks_a_free_port),
        cmocka_unit_test(test_listen_without_host_binds_every_address),
        cmocka_unit_test(test_listen_bracketed_ipv6_is_accepted),
        cmocka_unit_test(test_listen_bad_values_are_rejected),
        cmocka_unit_test(test_max_body_bytes_bounds),
        cmocka_unit_test(test_log_level_names),
        cmocka_unit_test(test_auto_migrate_booleans),
        cmocka_unit_test(test_other_integer_settings_are_bounded),
        cmocka_unit_test(test_read_url_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
