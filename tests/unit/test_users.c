#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s3/auth/users.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/fakes3-users-%d.json", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_fields_and_what_is_derived(void **state)
{
    (void)state;
    write_file(
        "{\"users\": [\n"
        " {\"access_key\": \"AK1\", \"secret_key\": \"SK1\", \"display_name\": \"alice\",\n"
        "  \"canonical_id\": "
        "\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\",\n"
        "  \"email\": \"alice@example.com\", \"admin\": true, \"account_id\": \"210987654321\"},\n"
        " {\"access_key\": \"AK2\", \"secret_key\": \"SK2\"}\n]}\n");
    auth_users_t u = {0};
    char err[256];
    assert_int_equal(auth_users_load(&u, path, err, sizeof err), 0);
    assert_int_equal(u.n, 2);
    const auth_user_t *a = auth_users_find(&u, "AK1"), *b = auth_users_find(&u, "AK2");
    assert_string_equal(a->display_name, "alice");
    assert_string_equal(a->email, "alice@example.com");
    assert_true(a->admin);
    assert_false(b->admin);
    assert_string_equal(b->display_name, "AK2");
    /* sha256("AK2") in hex: stable across starts. */
    assert_string_equal(b->canonical_id,
                        "e462538fb939974d874f0c8268951eae18f98e8f9a90a745d9710b249b3cdc93");
    assert_null(auth_users_find(&u, "AK3"));
    /* owners are named by canonical id */
    assert_ptr_equal(auth_users_find_id(&u, b->canonical_id), b);
    assert_ptr_equal(
        auth_users_find_id(&u, "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"),
        a);
    assert_null(auth_users_find_id(&u, "AK1"));
    assert_null(auth_users_find_id(NULL, b->canonical_id));
    /* e-mail grants find their user, in any letter case; "" is nobody's */
    assert_ptr_equal(auth_users_find_email(&u, "Alice@Example.com"), a);
    assert_null(auth_users_find_email(&u, ""));
    /* the account of an ARN: 12 digits derived from the canonical id, stable */
    assert_int_equal(strlen(b->account_id), 12);
    assert_int_equal(strspn(b->account_id, "0123456789"), 12);
    assert_string_equal(a->account_id, "210987654321");
    auth_users_free(&u);
    unlink(path);
}

static void test_errors_name_line_and_field(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"users\": [\n {\"access_key\": \"A\"}\n]}",
         "line 2: users[0]: \"secret_key\" is missing"},
        {"{\"users\": [\n {\"access_key\": \"A\", \"secret_key\": \"S\"},\n"
         " {\"access_key\": \"A\", \"secret_key\": \"T\"}\n]}",
         "line 3: users[1]: \"access_key\" repeats"},
        {"{\"users\": [\n {\"access_key\": \"A\",\n  \"secret_key\": \"S\",\n  \"admin\": "
         "\"yes\"}]}",
         "line 4: users[0]: \"admin\" must be true or false"},
        {"{\"users\": [\n {\"access_key\": \"A\",,}]}", "line 2, column"},
        {"{\"users\": []}", "\"users\" must be a non-empty array"},
        {"{\"users\": [\n {\"access_key\": \"A\", \"secret_key\": \"S\",\n  \"account_id\": "
         "\"12345\"}]}",
         "line 3: users[0]: \"account_id\" must be 12 decimal digits"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_file(cases[i].text);
        auth_users_t u = {0};
        char err[256];
        assert_int_equal(auth_users_load(&u, path, err, sizeof err), -1);
        if (!strstr(err, cases[i].want)) fprintf(stderr, "case %zu: %s\n", i, err);
        assert_non_null(strstr(err, cases[i].want));
        auth_users_free(&u);
    }
    unlink(path);
}

/* Basic credentials: base64 of "AK:secret", each way of being wrong refused. */
static void test_basic_credentials(void **state)
{
    (void)state;
    auth_users_t u = {0};
    assert_int_equal(auth_users_add(&u, "AK1", "s3cr:et"), 0);
    assert_int_equal(auth_users_add(&u, "AK2", "other"), 0);
    /* base64("AK1:s3cr:et"): a colon in the secret is the secret's */
    assert_ptr_equal(auth_users_basic(&u, "QUsxOnMzY3I6ZXQ="), &u.v[0]);
    assert_ptr_equal(auth_users_basic(&u, "  QUsxOnMzY3I6ZXQ=  "), &u.v[0]);
    assert_ptr_equal(auth_users_basic(&u, "QUsyOm90aGVy"), &u.v[1]); /* AK2:other */
    static const char *const refused[] = {
        "QUsxOnMzY3I6ZQ==",     /* AK1:s3cr:e (a prefix of the secret) */
        "QUsxOnMzY3I6ZXR4",     /* AK1:s3cr:etx */
        "QUsxOm90aGVy",         /* AK1:other (another user's secret) */
        "QUszOm90aGVy",         /* AK3:other (no such user) */
        "QUsx",                 /* AK1 (no colon) */
        "QUsxOg==",             /* AK1: (empty secret) */
        "OnMzY3I6ZXQ=",         /* :s3cr:et (no user) */
        "!!!",                  /* not base64 */
        "",                     /* nothing */
        "QUsxOnMzY3I6ZXQ= xyz", /* trailing junk */
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        assert_null(auth_users_basic(&u, refused[i]));
    auth_users_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_what_is_derived),
        cmocka_unit_test(test_errors_name_line_and_field),
        cmocka_unit_test(test_basic_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
