/* json.c - a request as one flat object, and the writer.
 *
 * Reading is jtree.c's: a request line is parsed into a tree like any document, and
 * its root object is flattened here into the types an op asks for (json.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jtree.h"

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

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len;
	unsigned cp;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		/* A run of characters that stand for themselves goes in at once. */
		size_t plain = 0;
		while (i + plain < n && u[i + plain] >= 0x20 && u[i + plain] < 0x7f && u[i + plain] != '"' && u[i + plain] != '\\')
			plain++;
		if (plain) {
			buf_put(b, s + i, plain);
			i += plain;
			continue;
		}
		unsigned char c = u[i];
		if (c == '"') {
			buf_puts(b, "\\\"");
		} else if (c == '\\') {
			buf_puts(b, "\\\\");
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c == '\r') {
			buf_puts(b, "\\r");
		} else if (c == '\t') {
			buf_puts(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
		} else if (c >= 0x80) {
			size_t l = utf8_len(u + i, n - i);
			if (l == 0) {
				buf_puts(b, "\\ufffd"); /* not UTF-8: a replacement character */
				i++;
			} else {
				buf_put(b, s + i, l);
				i += l;
			}
			continue;
		}
		i++;
	}
	buf_putc(b, '"');
}

void json_str(struct buf *b, const char *s)
{
	json_string(b, s, strlen(s));
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
