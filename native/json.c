/* json.c - a small, strict JSON reader for one flat object, and a writer. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 32

struct parser {
	const char *s;
	size_t n, pos;
	char *err;
	size_t errlen;
	bool failed;
};

static int fail(struct parser *p, const char *what)
{
	if (!p->failed) {
		snprintf(p->err, p->errlen, "%s at byte %zu", what, p->pos);
		p->failed = true;
	}
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->n && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static bool eat(struct parser *p, char c)
{
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == c) {
		p->pos++;
		return true;
	}
	return false;
}

static int hex4(struct parser *p, unsigned *out)
{
	if (p->pos + 4 > p->n)
		return fail(p, "truncated \\u escape");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, "bad hex digit in \\u escape");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char t[4];
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3f));
		buf_put(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		buf_put(b, t, 3);
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		buf_put(b, t, 4);
	}
}

/* A string starting at the opening quote; decoded into out (caller frees out->s). */
static int parse_string(struct parser *p, struct buf *out, bool *has_nul)
{
	skip_ws(p);
	if (p->pos >= p->n || p->s[p->pos] != '"')
		return fail(p, "expected a string");
	p->pos++;
	buf_put(out, "", 0);
	while (p->pos < p->n) {
		unsigned char c = (unsigned char)p->s[p->pos++];
		if (c == '"')
			return 0;
		if (c < 0x20)
			return fail(p, "control character in a string");
		if (c != '\\') {
			buf_putc(out, (char)c);
			continue;
		}
		if (p->pos >= p->n)
			break;
		char e = p->s[p->pos++];
		switch (e) {
		case '"': buf_putc(out, '"'); break;
		case '\\': buf_putc(out, '\\'); break;
		case '/': buf_putc(out, '/'); break;
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'n': buf_putc(out, '\n'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 't': buf_putc(out, '\t'); break;
		case 'u': {
			unsigned cp;
			if (hex4(p, &cp) < 0)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A high surrogate pairs with a following \uDC00..\uDFFF; a lone
				 * one (JSON.stringify can produce it) becomes U+FFFD. */
				unsigned lo;
				size_t save = p->pos;
				if (p->pos + 6 <= p->n && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
					p->pos += 2;
					if (hex4(p, &lo) < 0)
						return -1;
					if (lo >= 0xdc00 && lo <= 0xdfff) {
						cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					} else {
						cp = 0xfffd;
						p->pos = save;
					}
				} else {
					cp = 0xfffd;
				}
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			if (cp == 0)
				*has_nul = true;
			put_utf8(out, cp);
			break;
		}
		default:
			return fail(p, "unknown escape in a string");
		}
	}
	return fail(p, "unterminated string");
}

static int parse_number(struct parser *p, struct jvalue *v)
{
	size_t start = p->pos;
	bool integer = true;
	if (p->pos < p->n && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
		return fail(p, "bad number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	if (p->pos < p->n && p->s[p->pos] == '.') {
		integer = false;
		p->pos++;
		if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad number");
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		integer = false;
		p->pos++;
		if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad number");
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	v->type = J_NUMBER;
	if (integer) {
		char tmp[32];
		size_t len = p->pos - start;
		if (len < sizeof tmp) {
			memcpy(tmp, p->s + start, len);
			tmp[len] = 0;
			errno = 0;
			long long x = strtoll(tmp, NULL, 10);
			if (errno == 0) {
				v->type = J_INT;
				v->i = x;
			}
		}
	}
	return 0;
}

static bool literal(struct parser *p, const char *word)
{
	size_t l = strlen(word);
	if (p->pos + l <= p->n && memcmp(p->s + p->pos, word, l) == 0) {
		p->pos += l;
		return true;
	}
	return false;
}

static int parse_value(struct parser *p, struct jvalue *v, int depth);

/* Skip an object value (nested objects are not part of the protocol). */
static int skip_object(struct parser *p, int depth)
{
	p->pos++; /* '{' */
	if (eat(p, '}'))
		return 0;
	for (;;) {
		struct buf key = { 0 };
		bool nul = false;
		int rc = parse_string(p, &key, &nul);
		buf_free(&key);
		if (rc < 0)
			return -1;
		if (!eat(p, ':'))
			return fail(p, "expected ':'");
		struct jvalue tmp = { 0 };
		rc = parse_value(p, &tmp, depth + 1);
		free(tmp.str);
		strv_free(&tmp.arr);
		if (rc < 0)
			return -1;
		if (eat(p, ','))
			continue;
		if (eat(p, '}'))
			return 0;
		return fail(p, "expected ',' or '}'");
	}
}

static int parse_array(struct parser *p, struct jvalue *v, int depth)
{
	p->pos++; /* '[' */
	v->type = J_STRARR;
	if (eat(p, ']'))
		return 0;
	for (;;) {
		struct jvalue el = { 0 };
		if (parse_value(p, &el, depth + 1) < 0) {
			free(el.str);
			strv_free(&el.arr);
			return -1;
		}
		if (el.type == J_STRING && v->type == J_STRARR) {
			if (el.has_nul)
				v->has_nul = true;
			strv_push(&v->arr, el.str);
			el.str = NULL;
		} else {
			v->type = J_OTHER;
		}
		free(el.str);
		strv_free(&el.arr);
		if (eat(p, ','))
			continue;
		if (eat(p, ']'))
			break;
		return fail(p, "expected ',' or ']'");
	}
	if (v->type == J_OTHER)
		strv_free(&v->arr);
	return 0;
}

static int parse_value(struct parser *p, struct jvalue *v, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(p, "nested too deeply");
	skip_ws(p);
	if (p->pos >= p->n)
		return fail(p, "expected a value");
	char c = p->s[p->pos];
	if (c == '"') {
		struct buf s = { 0 };
		if (parse_string(p, &s, &v->has_nul) < 0) {
			buf_free(&s);
			return -1;
		}
		v->type = J_STRING;
		v->len = s.len;
		v->str = s.s;
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	if (c == '[')
		return parse_array(p, v, depth);
	if (c == '{') {
		v->type = J_OTHER;
		return skip_object(p, depth);
	}
	if (literal(p, "true")) {
		v->type = J_BOOL;
		v->b = true;
		return 0;
	}
	if (literal(p, "false")) {
		v->type = J_BOOL;
		v->b = false;
		return 0;
	}
	if (literal(p, "null")) {
		v->type = J_NULL;
		return 0;
	}
	return fail(p, "expected a value");
}

static void free_value(struct jvalue *v)
{
	free(v->str);
	strv_free(&v->arr);
}

int json_parse_object(const char *text, size_t len, struct jobject *out, char *err, size_t errlen)
{
	struct parser p = { .s = text, .n = len, .err = err, .errlen = errlen };
	memset(out, 0, sizeof *out);
	if (!eat(&p, '{')) {
		skip_ws(&p);
		return fail(&p, "expected '{' (a request is one JSON object)");
	}
	if (!eat(&p, '}')) {
		for (;;) {
			struct buf key = { 0 };
			bool nul = false;
			if (parse_string(&p, &key, &nul) < 0) {
				buf_free(&key);
				goto bad;
			}
			if (!eat(&p, ':')) {
				buf_free(&key);
				fail(&p, "expected ':'");
				goto bad;
			}
			struct jvalue v = { 0 };
			if (parse_value(&p, &v, 1) < 0) {
				buf_free(&key);
				free_value(&v);
				goto bad;
			}
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 8;
				out->m = xrealloc(out->m, out->cap * sizeof *out->m);
			}
			out->m[out->n].key = key.s;
			out->m[out->n].v = v;
			out->n++;
			if (eat(&p, ','))
				continue;
			if (eat(&p, '}'))
				break;
			fail(&p, "expected ',' or '}'");
			goto bad;
		}
	}
	skip_ws(&p);
	if (p.pos != p.n) {
		fail(&p, "unexpected text after the object");
		goto bad;
	}
	return 0;
bad:
	json_free(out);
	return -1;
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
		free_value(&o->m[i].v);
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
