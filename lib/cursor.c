#include "cursor.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t ac_base64url_encode(const unsigned char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n)
      v |= in[i + 2];
    out[o++] = B64URL[(v >> 18) & 63];
    out[o++] = B64URL[(v >> 12) & 63];
    if (i + 1 < n)
      out[o++] = B64URL[(v >> 6) & 63];
    if (i + 2 < n)
      out[o++] = B64URL[v & 63];
  }
  out[o] = '\0';
  return o;
}

static int b64_value(char c) {
  const char *p = c ? strchr(B64URL, c) : NULL;
  return p ? (int)(p - B64URL) : -1;
}

long ac_base64url_decode(const char *in, size_t n, unsigned char *out, size_t out_size) {
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  if (n % 4 == 1)
    return -1;
  for (size_t i = 0; i < n; i++) {
    int v = b64_value(in[i]);
    if (v < 0)
      return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o == out_size)
        return -1;
      out[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) /* non-canonical trailing bits */
    return -1;
  return (long)o;
}

/* Parses decimal digits [p, end) into *out (no sign, no leading zero). */
static bool parse_decimal(const unsigned char *p, const unsigned char *end, int64_t *out) {
  if (p == end || (*p == '0' && end - p > 1))
    return false;
  int64_t v = 0;
  for (; p < end; p++) {
    if (*p < '0' || *p > '9')
      return false;
    int digit = *p - '0';
    if (v > (INT64_MAX - digit) / 10)
      return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

/* Decodes cursor text into plain (NUL-terminated); its length, or -1. */
static long decode_plain(const char *cursor, unsigned char *plain, size_t size) {
  size_t n = strlen(cursor);
  if (n == 0 || n >= AC_CURSOR_MAX)
    return -1;
  long len = ac_base64url_decode(cursor, n, plain, size - 1);
  if (len >= 0)
    plain[len] = '\0';
  return len;
}

void ac_cursor_encode(int64_t last_id, char out[AC_CURSOR_MAX]) {
  char plain[32];
  int n = snprintf(plain, sizeof plain, "id:%" PRId64, last_id);
  ac_base64url_encode((const unsigned char *)plain, (size_t)n, out);
}

bool ac_cursor_decode(const char *cursor, int64_t *last_id) {
  unsigned char plain[48];
  long len = decode_plain(cursor, plain, sizeof plain);
  if (len < 4 || memcmp(plain, "id:", 3) != 0)
    return false;
  return parse_decimal(plain + 3, plain + len, last_id) && *last_id > 0;
}

void ac_cursor_encode_pair(int64_t a, int64_t b, char out[AC_CURSOR_MAX]) {
  char plain[48];
  int n = snprintf(plain, sizeof plain, "p:%" PRId64 ":%" PRId64, a, b);
  ac_base64url_encode((const unsigned char *)plain, (size_t)n, out);
}

bool ac_cursor_decode_pair(const char *cursor, int64_t *a, int64_t *b) {
  unsigned char plain[48];
  long len = decode_plain(cursor, plain, sizeof plain);
  if (len < 5 || memcmp(plain, "p:", 2) != 0)
    return false;
  const unsigned char *colon = memchr(plain + 2, ':', (size_t)len - 2);
  return colon && parse_decimal(plain + 2, colon, a) && parse_decimal(colon + 1, plain + len, b);
}

void ac_cursor_encode_phone(const char *phone, char out[AC_CURSOR_MAX]) {
  char plain[24];
  int n = snprintf(plain, sizeof plain, "ph:%.16s", phone);
  ac_base64url_encode((const unsigned char *)plain, (size_t)n, out);
}

bool ac_cursor_decode_phone(const char *cursor, char *out, size_t size) {
  unsigned char plain[48];
  long len = decode_plain(cursor, plain, sizeof plain);
  if (len < 5 || len > 19 || memcmp(plain, "ph:+", 4) != 0 || (size_t)(len - 3) >= size)
    return false;
  for (long i = 4; i < len; i++)
    if (plain[i] < '0' || plain[i] > '9')
      return false;
  memcpy(out, plain + 3, (size_t)(len - 3));
  out[len - 3] = '\0';
  return true;
}
