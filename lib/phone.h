/* Phone numbers: normalisation to E.164, masking for cards, and phone-like
 * search prefixes. Pure: no I/O. Rules in docs/contract.md ("Customers"). */
#ifndef AC_PHONE_H
#define AC_PHONE_H

#include <stdbool.h>

#define AC_PHONE_MAX 17      /* "+" + 15 digits + NUL */
#define AC_PHONE_MASKED_MAX 24

/* Any accepted spelling → "+8613800138000"; false when not a phone number. */
bool ac_phone_normalize(const char *in, char out[AC_PHONE_MAX]);
/* "+8613800138000" → "138****8000"; other countries "+4479****3456". */
void ac_phone_mask(const char *e164, char out[AC_PHONE_MASKED_MAX]);
/* A search string that looks like (part of) a phone number → the E.164
 * prefix it stands for ("138001" → "+86138001", "+44 79" → "+4479");
 * false when it is not phone-like or has fewer than 3 digits. */
bool ac_phone_query_prefix(const char *q, char out[AC_PHONE_MAX]);

#endif
