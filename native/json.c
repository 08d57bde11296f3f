/* json.c - a request as one flat object, and the writer.
 *
 * Reading is jtree.c's: a request line is parsed into a tree like any document, and
 * its root object is flattened here into the types an op asks for (json.h). Writing
 * is members of an object, each value escaped by jtree.c's json_string.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* One member's value as the ops read it. Strings move out of the tree (it is freed
 * right after), so nothing is copied twice. */
static struct jvalue flat_value(struct jt *t)
{
	struct jvalue v = { 0 };
	switch (t->type) {
	case JT_NULL:
		v.type = J_NULL;
		break;
	case JT_BOOL:
		v.type = J_BOOL;
		v.b = t->b;
		break;
	case JT_NUM:
		v.type = t->is_int ? J_INT : J_NUMBER;
		v.i = t->is_int ? t->i : 0;
		break;
	case JT_STR:
		v.type = J_STRING;
		v.str = t->s;
		v.has_nul = t->has_nul;
		t->s = NULL;
		break;
	case JT_ARR:
		/* An array of strings, or else (numbers, a mixed array) only its type. */
		v.type = J_STRARR;
		for (size_t i = 0; i < t->n; i++)
			if (t->kids[i].type != JT_STR)
				v.type = J_OTHER;
		if (v.type != J_STRARR)
			break;
		for (size_t i = 0; i < t->n; i++) {
			v.has_nul |= t->kids[i].has_nul;
			strv_push(&v.arr, t->kids[i].s);
			t->kids[i].s = NULL;
		}
		break;
	case JT_OBJ:
		v.type = J_OTHER; /* no op takes an object */
		break;
	}
	return v;
}

int json_parse_object(const char *text, size_t len, struct jobject *out, char *err, size_t errlen)
{
	struct jt doc;
	memset(out, 0, sizeof *out);
	if (jt_parse(text, len, &doc, err, errlen) < 0)
		return -1;
	if (doc.type != JT_OBJ) {
		snprintf(err, errlen, "found %s where the object should be; a request is one object, {\"op\":\"NAME\", ...}", jt_type_name(doc.type));
		jt_free(&doc);
		return -1;
	}
	out->n = doc.n;
	out->m = xmalloc(doc.n * sizeof *out->m);
	for (size_t i = 0; i < doc.n; i++) {
		out->m[i].key = doc.keys[i];
		doc.keys[i] = NULL; /* moved, like the strings */
		out->m[i].v = flat_value(&doc.kids[i]);
	}
	jt_free(&doc);
	return 0;
}

const struct jvalue *json_get(const struct jobject *o, const char *key)
{
	/* The last one wins when a key is repeated, as in JavaScript. */
	for (size_t i = o->n; i-- > 0;)
		if (strcmp(o->m[i].key, key) == 0)
			return &o->m[i].v;
	return NULL;
}

void json_free(struct jobject *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->m[i].key);
		free(o->m[i].v.str);
		strv_free(&o->m[i].v.arr);
	}
	free(o->m);
	memset(o, 0, sizeof *o);
}

const char *json_type_name(enum jtype t)
{
	switch (t) {
	case J_MISSING: return "missing";
	case J_NULL: return "null";
	case J_BOOL: return "a boolean";
	case J_INT: return "an integer";
	case J_NUMBER: return "a number";
	case J_STRING: return "a string";
	case J_STRARR: return "an array of strings";
	case J_OTHER: return "an object or mixed array";
	}
	return "?";
}

static void member_key(struct buf *obj, const char *key)
{
	if (obj->len > 0)
		buf_putc(obj, ',');
	json_str(obj, key);
	buf_putc(obj, ':');
}

void json_member_str(struct buf *obj, const char *key, const char *val)
{
	member_key(obj, key);
	json_str(obj, val ? val : "");
}

void json_member_strn(struct buf *obj, const char *key, const char *val, size_t n)
{
	member_key(obj, key);
	json_string(obj, val, n);
}

void json_member_int(struct buf *obj, const char *key, long long val)
{
	member_key(obj, key);
	buf_printf(obj, "%lld", val);
}

void json_member_bool(struct buf *obj, const char *key, bool val)
{
	member_key(obj, key);
	buf_puts(obj, val ? "true" : "false");
}

void json_member_raw(struct buf *obj, const char *key, const char *raw)
{
	member_key(obj, key);
	buf_puts(obj, raw);
}

void json_member_strv(struct buf *obj, const char *key, char *const *v, size_t n)
{
	member_key(obj, key);
	buf_putc(obj, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(obj, ',');
		json_str(obj, v[i]);
	}
	buf_putc(obj, ']');
}
