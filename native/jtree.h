/* jtree.h - whole JSON documents as a tree: config.json and the state files.
 *
 * The one JSON reader of boxcore: an OCI bundle's config.json nests objects in arrays
 * in objects, and json.c flattens the tree of a protocol request (one object). Every member a reader fetches with jt_get is marked
 * "used", so after reading, jt_unused names the first member nobody looked at: that
 * is how boxcore refuses a config field it does not support instead of ignoring it.
 */
#ifndef BOXCORE_JTREE_H
#define BOXCORE_JTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum jt_type { JT_NULL, JT_BOOL, JT_NUM, JT_STR, JT_ARR, JT_OBJ };

struct jt {
	enum jt_type type;
	bool b;
	bool is_int;     /* JT_NUM without a fraction or exponent, in range */
	long long i;
	double num;
	char *s;         /* JT_STR, NUL-terminated */
	bool has_nul;    /* the string holds a \u0000 */
	size_t n;        /* JT_ARR elements, JT_OBJ members */
	struct jt *kids;
	char **keys;     /* JT_OBJ */
	bool used;
};

/* Returns 0, or -1 with a reason ("expected ',' or '}' at line 3, column 5") in err. */
int jt_parse(const char *text, size_t len, struct jt *out, char *err, size_t errlen);
void jt_free(struct jt *v);
const char *jt_type_name(enum jt_type t);

/* The member key of obj (NULL when obj is not an object or has none); marks it used.
 * A member whose value is null counts as absent. */
struct jt *jt_get(struct jt *obj, const char *key);
/* Mark a whole subtree used (a member taken as it is, such as annotations). */
void jt_use_all(struct jt *v);
/* The first member not used, as a path ("process.apparmorProfile",
 * "mounts[2].uidMappings"); false when everything was read. */
bool jt_unused(const struct jt *v, struct buf *path);

/* The tree as JSON text again (compact). */
void jt_write(const struct jt *v, struct buf *out);

/* A string as JSON text, quoted and escaped; bytes that are not UTF-8 become U+FFFD.
 * The one string writer: json.h's members use it too. */
void json_string(struct buf *b, const char *s, size_t n);
void json_str(struct buf *b, const char *s);

#endif
