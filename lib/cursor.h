/* Opaque list cursors. A cursor carries the last id of the page it ends; lists
 * are ordered by id, so new rows never shift a page. Pure: no I/O. */
#ifndef AC_CURSOR_H
#define AC_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AC_CURSOR_MAX 64

/* Writes a NUL-terminated cursor for `last_id` into out (AC_CURSOR_MAX bytes). */
void ac_cursor_encode(int64_t last_id, char out[AC_CURSOR_MAX]);
/* False for anything ac_cursor_encode did not produce. */
bool ac_cursor_decode(const char *cursor, int64_t *last_id);

/* For lists in (time, id) order: a pair of non-negative numbers. */
void ac_cursor_encode_pair(int64_t a, int64_t b, char out[AC_CURSOR_MAX]);
bool ac_cursor_decode_pair(const char *cursor, int64_t *a, int64_t *b);

/* For lists in phone order: the last E.164 number ("+" and digits). */
void ac_cursor_encode_phone(const char *phone, char out[AC_CURSOR_MAX]);
/* out holds at least 17 bytes. */
bool ac_cursor_decode_phone(const char *cursor, char *out, size_t size);

/* base64url without padding; out holds 4*ceil(n/3)+1 bytes. Returns length. */
size_t ac_base64url_encode(const unsigned char *in, size_t n, char *out);
/* Returns decoded length, or -1 on a character outside the alphabet. */
long ac_base64url_decode(const char *in, size_t n, unsigned char *out, size_t out_size);

#endif
