/* jtree.c - whole JSON documents as a tree (see jtree.h).
 *
 * This is boxcore's one JSON reader: config.json and the state files come here, and so
 * does every protocol request (json.c flattens the tree of one). The grammar is RFC
 * 8259's to the letter, because a document that is not quite JSON means whatever each
 * reader guesses; it is refused instead, with the line and column where it went wrong.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jtree.h"

#define MAX_DEPTH 64

struct parser {
	const char *s;
	size_t len, pos;
	char *err;
	size_t errlen;
};

/* The error names a line and column as an editor counts them (from 1), so a person
 * can go to the place in config.json; a request is one line, so it is line 1 there. */
static int fail(struct parser *p, const char *what)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < p->pos && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(p->err, p->errlen, "%s at line %zu, column %zu", what, line, col);
	return -1;
}

/* JSON's whitespace is these four bytes. memchr and not strchr: strchr would also
 * find the NUL that ends " \t\r\n", and a NUL byte is not whitespace. */
static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && memchr(" \t\r\n", p->s[p->pos], 4))
		p->pos++;
}

static bool eat(struct parser *p, char c)
{
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == c) {
		p->pos++;
		return true;
	}
	return false;
}

static int hex4(struct parser *p, unsigned *out)
{
	if (p->pos + 4 > p->len)
		return fail(p, "a \\u escape needs four hex digits");
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
			return fail(p, "a \\u escape needs four hex digits");
	}
	*out = v;
	return 0;
}

/* The code point of a \u escape whose "\u" was just read. Above U+FFFF, JSON spells a
 * character as a surrogate pair (\ud83d\ude00). A lone half of a pair stands for no
 * character (JSON.stringify writes one when a string is cut inside a pair), so it
 * becomes U+FFFD, the replacement character, rather than bytes that are not UTF-8. */
static int unicode_escape(struct parser *p, unsigned *cp)
{
	if (hex4(p, cp) < 0)
		return -1;
	if (*cp >= 0xdc00 && *cp <= 0xdfff) {
		*cp = 0xfffd; /* a low half with no high half before it */
		return 0;
	}
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	size_t after_high = p->pos;
	if (p->pos + 2 <= p->len && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
		unsigned lo;
		p->pos += 2;
		if (hex4(p, &lo) < 0)
			return -1;
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
			return 0;
		}
		p->pos = after_high; /* not a low half: that escape is a character of its own */
	}
	*cp = 0xfffd;
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

/* A string from its opening quote, decoded into *out (NUL-terminated; the caller
 * frees it). A \u0000 inside is kept and reported in *has_nul, so a reader that
 * wants a path or a name can refuse it instead of cutting the string short. */
static int parse_string(struct parser *p, char **out, bool *has_nul)
{
	CLEANUP(buf_free) struct buf b = { 0 };
	buf_put(&b, "", 0);
	p->pos++; /* the opening quote */
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos++];
		if (c == '"') {
			*out = b.s;
			b.s = NULL; /* the caller's now */
			return 0;
		}
		if (c < 0x20)
			return fail(p, "a control character inside a string");
		if (c != '\\') {
			buf_putc(&b, (char)c);
			continue;
		}
		if (p->pos >= p->len)
			break;
		char e = p->s[p->pos++];
		unsigned cp;
		switch (e) {
		case '"': buf_putc(&b, '"'); break;
		case '\\': buf_putc(&b, '\\'); break;
		case '/': buf_putc(&b, '/'); break;
		case 'b': buf_putc(&b, '\b'); break;
		case 'f': buf_putc(&b, '\f'); break;
		case 'n': buf_putc(&b, '\n'); break;
		case 'r': buf_putc(&b, '\r'); break;
		case 't': buf_putc(&b, '\t'); break;
		case 'u':
			if (unicode_escape(p, &cp) < 0)
				return -1;
			if (cp == 0)
				*has_nul = true;
			put_utf8(&b, cp);
			break;
		default:
			return fail(p, "an unknown escape in a string");
		}
	}
	return fail(p, "a string without its closing quote");
}

static int parse_value(struct parser *p, struct jt *v, int depth);

static void add_kid(struct jt *v, size_t *cap)
{
	if (v->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		v->kids = xrealloc(v->kids, *cap * sizeof *v->kids);
		if (v->type == JT_OBJ)
			v->keys = xrealloc(v->keys, *cap * sizeof *v->keys);
	}
	memset(&v->kids[v->n], 0, sizeof v->kids[v->n]);
}

static int parse_container(struct parser *p, struct jt *v, int depth)
{
	bool obj = p->s[p->pos] == '{';
	char close = obj ? '}' : ']';
	size_t cap = 0;
	v->type = obj ? JT_OBJ : JT_ARR;
	p->pos++;
	if (eat(p, close))
		return 0;
	for (;;) {
		add_kid(v, &cap);
		if (obj) {
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "expected a member name in quotes");
			bool nul = false;
			if (parse_string(p, &v->keys[v->n], &nul) < 0)
				return -1;
			v->n++; /* counted now, so jt_free frees the key on an error below */
			if (!eat(p, ':'))
				return fail(p, "expected ':' after a member name");
			if (parse_value(p, &v->kids[v->n - 1], depth + 1) < 0)
				return -1;
		} else {
			v->n++;
			if (parse_value(p, &v->kids[v->n - 1], depth + 1) < 0)
				return -1;
		}
		if (eat(p, ','))
			continue;
		if (eat(p, close))
			return 0;
		return fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);
	if (p->pos + n <= p->len && memcmp(p->s + p->pos, word, n) == 0) {
		p->pos += n;
		return true;
	}
	return false;
}

/* One or more decimal digits; false when there is none. */
static bool digits(struct parser *p)
{
	size_t start = p->pos;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > start;
}

/* A number as RFC 8259 spells it: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
 * The grammar is checked here because strtod would also take "01", "1.", ".5", "inf"
 * and "0x1f". An integer without fraction or exponent that fits a long long is
 * is_int, with its exact value in i (a double loses digits above 2^53). */
static int parse_number(struct parser *p, struct jt *v)
{
	size_t start = p->pos;
	bool integer = true;
	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++; /* a leading 0 stands alone */
	else if (!digits(p))
		return fail(p, "a malformed number");
	if (p->pos < p->len && p->s[p->pos] == '.') {
		integer = false;
		p->pos++;
		if (!digits(p))
			return fail(p, "a malformed number");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		integer = false;
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digits(p))
			return fail(p, "a malformed number");
	}
	/* strtod and strtoll read up to a NUL, and the text need not have one after the
	 * number: they read a copy (on the stack, unless the number is very long). */
	size_t n = p->pos - start;
	char small[64];
	char *text = n < sizeof small ? small : xmalloc(n + 1);
	memcpy(text, p->s + start, n);
	text[n] = 0;
	v->type = JT_NUM;
	v->num = strtod(text, NULL);
	errno = 0;
	long long i = integer ? strtoll(text, NULL, 10) : 0;
	v->is_int = integer && errno == 0;
	v->i = v->is_int ? i : (long long)v->num;
	if (text != small)
		free(text);
	return 0;
}

static int parse_value(struct parser *p, struct jt *v, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(p, "nested too deep");
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "the text ends where a value should be");
	char c = p->s[p->pos];
	if (c == '{' || c == '[')
		return parse_container(p, v, depth);
	if (c == '"') {
		v->type = JT_STR;
		return parse_string(p, &v->s, &v->has_nul);
	}
	if (literal(p, "true")) {
		v->type = JT_BOOL;
		v->b = true;
		return 0;
	}
	if (literal(p, "false")) {
		v->type = JT_BOOL;
		return 0;
	}
	if (literal(p, "null")) {
		v->type = JT_NULL;
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	return fail(p, "expected a value");
}

int jt_parse(const char *text, size_t len, struct jt *out, char *err, size_t errlen)
{
	struct parser p = { text, len, 0, err, errlen };
	memset(out, 0, sizeof *out);
	if (parse_value(&p, out, 0) < 0) {
		jt_free(out);
		return -1;
	}
	skip_ws(&p);
	if (p.pos != p.len) {
		fail(&p, "more text after the end of the document");
		jt_free(out);
		return -1;
	}
	return 0;
}

void jt_free(struct jt *v)
{
	for (size_t i = 0; i < v->n; i++) {
		jt_free(&v->kids[i]);
		if (v->type == JT_OBJ)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->s);
	memset(v, 0, sizeof *v);
}

const char *jt_type_name(enum jt_type t)
{
	static const char *const names[] = { "null", "true or false", "a number", "a string", "an array", "an object" };
	return names[t];
}

struct jt *jt_get(struct jt *obj, const char *key)
{
	if (!obj || obj->type != JT_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++) {
		if (strcmp(obj->keys[i], key) == 0) {
			obj->kids[i].used = true;
			return obj->kids[i].type == JT_NULL ? NULL : &obj->kids[i];
		}
	}
	return NULL;
}

void jt_use_all(struct jt *v)
{
	v->used = true;
	for (size_t i = 0; i < v->n; i++)
		jt_use_all(&v->kids[i]);
}

/* Is any member under v unused? The cheap walk first: the path is written out only
 * when there is one to name. */
static bool any_unused(const struct jt *v)
{
	for (size_t i = 0; i < v->n; i++) {
		const struct jt *k = &v->kids[i];
		if ((v->type == JT_OBJ && !k->used && k->type != JT_NULL) || any_unused(k))
			return true;
	}
	return false;
}

bool jt_unused(const struct jt *v, struct buf *path)
{
	if (!any_unused(v))
		return false;
	size_t mark = path->len;
	for (size_t i = 0; i < v->n; i++) {
		const struct jt *k = &v->kids[i];
		if (v->type == JT_OBJ) {
			buf_printf(path, "%s%s", mark ? "." : "", v->keys[i]);
			if (!k->used && k->type != JT_NULL)
				return true;
		} else {
			buf_printf(path, "[%zu]", i);
		}
		if (jt_unused(k, path))
			return true;
		path->len = mark;
		if (path->s)
			path->s[mark] = 0;
	}
	return false;
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

void jt_write(const struct jt *v, struct buf *out)
{
	switch (v->type) {
	case JT_NULL: buf_puts(out, "null"); break;
	case JT_BOOL: buf_puts(out, v->b ? "true" : "false"); break;
	case JT_NUM:
		if (v->is_int)
			buf_printf(out, "%lld", v->i);
		else
			buf_printf(out, "%.17g", v->num);
		break;
	case JT_STR: json_string(out, v->s, strlen(v->s)); break;
	case JT_ARR:
	case JT_OBJ:
		buf_putc(out, v->type == JT_OBJ ? '{' : '[');
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				buf_putc(out, ',');
			if (v->type == JT_OBJ) {
				json_str(out, v->keys[i]);
				buf_putc(out, ':');
			}
			jt_write(&v->kids[i], out);
		}
		buf_putc(out, v->type == JT_OBJ ? '}' : ']');
		break;
	}
}
