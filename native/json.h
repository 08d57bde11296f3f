/* json.h - just enough JSON for the protocol.
 *
 * Reading: one flat object whose values are strings, integers, booleans, null or
 * arrays of strings. The text is parsed by jtree.c, the one JSON reader; anything else
 * (nested objects, numbers with a fraction, mixed arrays) is kept only as its type
 * (J_NUMBER, J_OTHER), so an op can say "wrong type".
 * Writing: members appended to a buffer, strings escaped, invalid UTF-8 replaced.
 */
#ifndef BOXCORE_JSON_H
#define BOXCORE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "jtree.h"
#include "util.h"

enum jtype { J_MISSING, J_NULL, J_BOOL, J_INT, J_NUMBER, J_STRING, J_STRARR, J_OTHER };

struct jvalue {
	enum jtype type;
	char *str;       /* J_STRING, NUL-terminated */
	bool has_nul;    /* a \u0000 in the string or in an array element */
	long long i;     /* J_INT */
	bool b;          /* J_BOOL */
	struct strv arr; /* J_STRARR */
};

struct jmember {
	char *key;
	struct jvalue v;
};

struct jobject {
	struct jmember *m;
	size_t n;
};

/* Returns 0, or -1 with a reason ("expected ',' or '}' at line 1, column 13") in err.
 * A repeated key is kept twice; json_get finds the last, as JavaScript does. */
int json_parse_object(const char *text, size_t len, struct jobject *out, char *err, size_t errlen);
const struct jvalue *json_get(const struct jobject *o, const char *key);
void json_free(struct jobject *o);
const char *json_type_name(enum jtype t);

/* Writing. Members get a leading comma when the buffer already holds one; their
 * strings are written by json_string (jtree.h). */
void json_member_str(struct buf *obj, const char *key, const char *val);
void json_member_strn(struct buf *obj, const char *key, const char *val, size_t n);
void json_member_int(struct buf *obj, const char *key, long long val);
void json_member_bool(struct buf *obj, const char *key, bool val);
void json_member_raw(struct buf *obj, const char *key, const char *raw);
void json_member_strv(struct buf *obj, const char *key, char *const *v, size_t n);

#endif
