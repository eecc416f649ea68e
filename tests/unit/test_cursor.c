/* Opaque list cursors and base64url (cursor.h). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

#include "unit_main.h"

/* The cursor a client would send if it forged `plain` by hand. */
static void forge(const char *plain, size_t n, char *out) {
  ac_base64url_encode((const unsigned char *)plain, n, out);
}

static void assert_rejected_plain(const char *plain) {
  char c[128];
  forge(plain, strlen(plain), c);
  int64_t id = -77;
  ck_assert_msg(!ac_cursor_decode(c, &id), "cursor for \"%s\" (%s) accepted as %lld", plain, c,
                (long long)id);
}

/* ---- base64url ---------------------------------------------------------- */

START_TEST(base64url_rfc4648_vectors) {
  static const struct {
    const char *in, *out;
  } V[] = {{"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
           {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {NULL, NULL}};
  for (int i = 0; V[i].in; i++) {
    char out[32];
    memset(out, 'X', sizeof out);
    size_t n = ac_base64url_encode((const unsigned char *)V[i].in, strlen(V[i].in), out);
    ck_assert_uint_eq(n, strlen(V[i].out));
    ck_assert_str_eq(out, V[i].out);

    unsigned char back[32];
    long m = ac_base64url_decode(V[i].out, strlen(V[i].out), back, sizeof back);
    ck_assert_int_eq(m, (long)strlen(V[i].in));
    ck_assert(memcmp(back, V[i].in, (size_t)m) == 0);
  }
}
END_TEST

START_TEST(base64url_uses_url_safe_alphabet) {
  /* Standard base64 would give "+/8=", "+/+/", "/w==", "AAA=" */
  static const unsigned char a[] = {0xfb, 0xff};
  static const unsigned char b[] = {0xfb, 0xff, 0xbf};
  static const unsigned char c[] = {0xff};
  static const unsigned char d[] = {0x00, 0x00};
  char out[16];
  ck_assert_uint_eq(ac_base64url_encode(a, sizeof a, out), 3);
  ck_assert_str_eq(out, "-_8");
  ck_assert_uint_eq(ac_base64url_encode(b, sizeof b, out), 4);
  ck_assert_str_eq(out, "-_-_");
  ck_assert_uint_eq(ac_base64url_encode(c, sizeof c, out), 2);
  ck_assert_str_eq(out, "_w");
  ck_assert_uint_eq(ac_base64url_encode(d, sizeof d, out), 3);
  ck_assert_str_eq(out, "AAA");

  unsigned char back[8];
  ck_assert_int_eq(ac_base64url_decode("-_-_", 4, back, sizeof back), 3);
  ck_assert(memcmp(back, b, 3) == 0);
  ck_assert_int_eq(ac_base64url_decode("-_8", 3, back, sizeof back), 2);
  ck_assert(memcmp(back, a, 2) == 0);
  ck_assert_int_eq(ac_base64url_decode("_w", 2, back, sizeof back), 1);
  ck_assert_uint_eq(back[0], 0xff);
}
END_TEST

START_TEST(base64url_decode_rejects_outside_alphabet) {
  unsigned char out[16];
  ck_assert_int_eq(ac_base64url_decode("+/+/", 4, out, sizeof out), -1); /* standard alphabet */
  ck_assert_int_eq(ac_base64url_decode("Zg==", 4, out, sizeof out), -1); /* padding */
  ck_assert_int_eq(ac_base64url_decode("Zm8", 3, out, sizeof out), 2);
  ck_assert_int_eq(ac_base64url_decode("Zm 9", 4, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("Zm9\n", 4, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("Zm.v", 4, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("Zm\0v", 4, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("\xc3\xa9", 2, out, sizeof out), -1);
}
END_TEST

START_TEST(base64url_decode_rejects_impossible_lengths_and_trailing_bits) {
  unsigned char out[16];
  ck_assert_int_eq(ac_base64url_decode("Z", 1, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("Zm9vY", 5, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("", 0, out, sizeof out), 0);
  /* "Zg" is "f"; "Zh".."Zv" carry non-zero unused bits */
  ck_assert_int_eq(ac_base64url_decode("Zg", 2, out, sizeof out), 1);
  ck_assert_int_eq(ac_base64url_decode("Zh", 2, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("Zv", 2, out, sizeof out), -1);
  /* "Zm8" is "fo"; "Zm9" would be "fo" too in a lax decoder (low 2 bits set) */
  ck_assert_int_eq(ac_base64url_decode("Zm8", 3, out, sizeof out), 2);
  ck_assert(memcmp(out, "fo", 2) == 0);
  ck_assert_int_eq(ac_base64url_decode("Zm9", 3, out, sizeof out), -1);
  ck_assert_int_eq(ac_base64url_decode("Zm_", 3, out, sizeof out), -1);
}
END_TEST

START_TEST(base64url_decode_respects_out_size) {
  unsigned char out[6];
  ck_assert_int_eq(ac_base64url_decode("Zm9vYmFy", 8, out, 6), 6);
  ck_assert(memcmp(out, "foobar", 6) == 0);
  ck_assert_int_eq(ac_base64url_decode("Zm9vYmFy", 8, out, 5), -1);
  ck_assert_int_eq(ac_base64url_decode("Zm9v", 4, out, 0), -1);
}
END_TEST

START_TEST(base64url_round_trips_all_bytes_and_lengths) {
  unsigned char in[300], back[300];
  char enc[410];
  for (size_t i = 0; i < sizeof in; i++)
    in[i] = (unsigned char)(i * 37 + 11);
  for (size_t n = 0; n <= sizeof in; n++) {
    size_t len = ac_base64url_encode(in, n, enc);
    ck_assert_uint_eq(len, (n * 4 + 2) / 3); /* unpadded length */
    ck_assert_uint_eq(strlen(enc), len);
    ck_assert(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              len);
    long m = ac_base64url_decode(enc, len, back, sizeof back);
    ck_assert_int_eq(m, (long)n);
    ck_assert(memcmp(in, back, n) == 0);
  }
  unsigned char all[256];
  for (int i = 0; i < 256; i++)
    all[i] = (unsigned char)i;
  ac_base64url_encode(all, sizeof all, enc);
  ck_assert_int_eq(ac_base64url_decode(enc, strlen(enc), back, sizeof back), 256);
  ck_assert(memcmp(all, back, 256) == 0);
}
END_TEST

/* ---- cursors ------------------------------------------------------------ */

START_TEST(cursor_encoding_is_base64url_of_id) {
  char c[AC_CURSOR_MAX];
  ac_cursor_encode(1, c);
  ck_assert_str_eq(c, "aWQ6MQ"); /* "id:1" */
  ac_cursor_encode(42, c);
  ck_assert_str_eq(c, "aWQ6NDI"); /* "id:42" */
}
END_TEST

START_TEST(cursor_round_trips) {
  static const int64_t ids[] = {1,
                                2,
                                9,
                                10,
                                11,
                                99,
                                100,
                                101,
                                12345,
                                999999,
                                INT32_MAX,
                                (int64_t)INT32_MAX + 1,
                                UINT32_MAX,
                                (int64_t)UINT32_MAX + 1,
                                1000000000000000LL,
                                100000000000000000LL,
                                999999999999999999LL,
                                1000000000000000000LL,
                                INT64_MAX / 10,
                                922337203685477579LL,
                                9223372036854775799LL,
                                0};
  for (int i = 0; ids[i]; i++) {
    char c[AC_CURSOR_MAX];
    memset(c, 'X', sizeof c);
    ac_cursor_encode(ids[i], c);
    ck_assert(strlen(c) > 0 && strlen(c) < AC_CURSOR_MAX);
    int64_t back = -1;
    ck_assert_msg(ac_cursor_decode(c, &back), "id %lld: cursor %s rejected", (long long)ids[i], c);
    ck_assert_int_eq(back, ids[i]);
  }
  for (int64_t id = 1; id < 5000; id += 7) {
    char c[AC_CURSOR_MAX];
    int64_t back = 0;
    ac_cursor_encode(id, c);
    ck_assert(ac_cursor_decode(c, &back));
    ck_assert_int_eq(back, id);
  }
}
END_TEST

/* The header promises ac_cursor_decode accepts what ac_cursor_encode
 * produces; an id's range is all of int64_t's positive values. */
START_TEST(cursor_round_trips_up_to_int64_max) {
  static const int64_t ids[] = {INT64_MAX - 8, INT64_MAX - 7, INT64_MAX - 1, INT64_MAX};
  for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
    char c[AC_CURSOR_MAX];
    ac_cursor_encode(ids[i], c);
    ck_assert(strlen(c) < AC_CURSOR_MAX);
    int64_t back = -1;
    ck_assert_msg(ac_cursor_decode(c, &back), "id %lld: cursor %s rejected", (long long)ids[i], c);
    ck_assert_int_eq(back, ids[i]);
  }
}
END_TEST

START_TEST(cursor_encode_fits_for_any_int64) {
  char c[AC_CURSOR_MAX];
  ac_cursor_encode(INT64_MIN, c);
  ck_assert_uint_lt(strlen(c), AC_CURSOR_MAX);
  ac_cursor_encode(-1, c);
  ck_assert_uint_lt(strlen(c), AC_CURSOR_MAX);
}
END_TEST

START_TEST(cursor_decode_rejects_garbage) {
  int64_t id = 0;
  const char *bad[] = {
      "",        "!",      "garbage!", "aWQ6MQ=", "aWQ6MQ==", "aWQ6M", /* length % 4 == 1 */
      "aWQ6MR",  /* non-canonical trailing bits of "id:1" */
      "aWQ6MQ ", /* trailing space */
      " aWQ6MQ", "aWQ+MQ", "aWQ6MQ\n", "null",    "1",        "42",    NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(!ac_cursor_decode(bad[i], &id), "\"%s\" accepted as %lld", bad[i], (long long)id);
}
END_TEST

START_TEST(cursor_decode_rejects_wrong_content) {
  assert_rejected_plain("");
  assert_rejected_plain("id:");
  assert_rejected_plain("id");
  assert_rejected_plain("ID:1");
  assert_rejected_plain("Id:1");
  assert_rejected_plain("id=1");
  assert_rejected_plain("id1");
  assert_rejected_plain("xd:1");
  assert_rejected_plain("1");
  assert_rejected_plain("id:0");
  assert_rejected_plain("id:00");
  assert_rejected_plain("id:01");  /* leading zero */
  assert_rejected_plain("id:007"); /* leading zeros */
  assert_rejected_plain("id:-1");
  assert_rejected_plain("id:+1");
  assert_rejected_plain("id: 1");
  assert_rejected_plain("id:1 ");
  assert_rejected_plain("id:1a");
  assert_rejected_plain("id:1.0");
  assert_rejected_plain("id:0x10");
  assert_rejected_plain("id:1e3");
  assert_rejected_plain("id:9223372036854775808");  /* INT64_MAX + 1 */
  assert_rejected_plain("id:18446744073709551616"); /* 2^64 */
  assert_rejected_plain("id:99999999999999999999");
  /* an embedded NUL after the digits */
  char c[64];
  forge("id:12\0", 6, c);
  int64_t id = 0;
  ck_assert(!ac_cursor_decode(c, &id));
}
END_TEST

START_TEST(cursor_decode_rejects_too_long) {
  char c[AC_CURSOR_MAX + 16];
  int64_t id = 0;
  /* "id:" followed by many digits: more than an int64 and beyond AC_CURSOR_MAX */
  char plain[80] = "id:";
  memset(plain + 3, '1', 48);
  plain[51] = '\0';
  forge(plain, strlen(plain), c);
  ck_assert_uint_ge(strlen(c), AC_CURSOR_MAX);
  ck_assert(!ac_cursor_decode(c, &id));
  /* AC_CURSOR_MAX and AC_CURSOR_MAX-1 characters of the alphabet */
  memset(c, 'A', sizeof c);
  c[AC_CURSOR_MAX] = '\0';
  ck_assert(!ac_cursor_decode(c, &id));
  c[AC_CURSOR_MAX - 1] = '\0';
  ck_assert(!ac_cursor_decode(c, &id));
  /* a 1000-character string */
  char *big = malloc(1001);
  memset(big, 'Q', 1000);
  big[1000] = '\0';
  ck_assert(!ac_cursor_decode(big, &id));
  free(big);
}
END_TEST

START_TEST(pair_cursors_round_trip) {
  const int64_t pairs[][2] = {{0, 0}, {1, 1}, {1795334400000000LL, 42}, {INT64_MAX, INT64_MAX}};
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
    char c[AC_CURSOR_MAX];
    ac_cursor_encode_pair(pairs[i][0], pairs[i][1], c);
    int64_t a = -1, b = -1;
    ck_assert_msg(ac_cursor_decode_pair(c, &a, &b), "pair %zu", i);
    ck_assert_int_eq(a, pairs[i][0]);
    ck_assert_int_eq(b, pairs[i][1]);
    /* the two kinds never stand in for each other */
    int64_t id;
    ck_assert(!ac_cursor_decode(c, &id));
  }
  char single[AC_CURSOR_MAX];
  ac_cursor_encode(7, single);
  int64_t a, b;
  ck_assert(!ac_cursor_decode_pair(single, &a, &b));
  char raw[AC_CURSOR_MAX];
  const char *bad[] = {"p:", "p:1", "p:1:", "p::1", "p:-1:2", "p:01:2", "p:1:2:3", "p:1:x", NULL};
  for (int i = 0; bad[i]; i++) {
    ac_base64url_encode((const unsigned char *)bad[i], strlen(bad[i]), raw);
    ck_assert_msg(!ac_cursor_decode_pair(raw, &a, &b), "accepted %s", bad[i]);
  }
}
END_TEST

START_TEST(phone_cursors_round_trip_and_reject_others) {
  char c[AC_CURSOR_MAX], out[24];
  ac_cursor_encode_phone("+8613800138000", c);
  ck_assert(ac_cursor_decode_phone(c, out, sizeof out));
  ck_assert_str_eq(out, "+8613800138000");
  ck_assert(!ac_cursor_decode_phone(c, out, 8)); /* too small a buffer */
  int64_t id;
  ck_assert(!ac_cursor_decode(c, &id));
  ac_cursor_encode(5, c);
  ck_assert(!ac_cursor_decode_phone(c, out, sizeof out));
  char raw[AC_CURSOR_MAX];
  const char *bad[] = {"ph:", "ph:+", "ph:8613800138000", "ph:+86138x", "ph:+12345678901234567", NULL};
  for (int i = 0; bad[i]; i++) {
    ac_base64url_encode((const unsigned char *)bad[i], strlen(bad[i]), raw);
    ck_assert_msg(!ac_cursor_decode_phone(raw, out, sizeof out), "accepted %s", bad[i]);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("cursor");
  TCase *b64 = tcase_create("base64url");
  tcase_set_timeout(b64, 30);
  tcase_add_test(b64, base64url_rfc4648_vectors);
  tcase_add_test(b64, base64url_uses_url_safe_alphabet);
  tcase_add_test(b64, base64url_decode_rejects_outside_alphabet);
  tcase_add_test(b64, base64url_decode_rejects_impossible_lengths_and_trailing_bits);
  tcase_add_test(b64, base64url_decode_respects_out_size);
  tcase_add_test(b64, base64url_round_trips_all_bytes_and_lengths);
  tcase_add_test(b64, pair_cursors_round_trip);
  tcase_add_test(b64, phone_cursors_round_trip_and_reject_others);
  suite_add_tcase(s, b64);
  TCase *cur = tcase_create("cursor");
  tcase_set_timeout(cur, 30);
  tcase_add_test(cur, cursor_encoding_is_base64url_of_id);
  tcase_add_test(cur, cursor_round_trips);
  tcase_add_test(cur, cursor_round_trips_up_to_int64_max);
  tcase_add_test(cur, cursor_encode_fits_for_any_int64);
  tcase_add_test(cur, cursor_decode_rejects_garbage);
  tcase_add_test(cur, cursor_decode_rejects_wrong_content);
  tcase_add_test(cur, cursor_decode_rejects_too_long);
  suite_add_tcase(s, cur);
  return ac_unit_run(s);
}
