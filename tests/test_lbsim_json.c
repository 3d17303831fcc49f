/* SPDX-License-Identifier: MIT */
#include "test_lbsim_json.h"

#include <stdio.h>
#include <string.h>

#include "../tools/lbsim/results/fields.h"
#include "../tools/lbsim/run/sim.h"

const char *result_differs(const struct lbs_result *a, const struct lbs_result *b,
			   const char *const *apart, size_t napart, char *why, size_t len)
{
	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *f = &lbs_fields[i];
		int skip = 0;

		for (size_t k = 0; k < napart; k++)
			skip |= strcmp(f->name, apart[k]) == 0;
		if (skip || lbs_field_text(f, a))
			continue;
		for (size_t k = 0; k < lbs_field_len(f); k++) {
			if (lbs_field_u64(f, a, k) != lbs_field_u64(f, b, k)) {
				snprintf(why, len, "%s: %llu vs %llu", f->name,
					 (unsigned long long)lbs_field_u64(f, a, k),
					 (unsigned long long)lbs_field_u64(f, b, k));
				return why;
			}
		}
	}
	return NULL;
}

/* A strict little JSON validator (RFC 8259 grammar). */
static void jws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static int jstring(const char **p)
{
	const char *s = *p;
	if (*s++ != '"')
		return -1;
	for (;;) {
		unsigned char ch = (unsigned char)*s++;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			char e = *s++;
			if (e == 'u') {
				for (int i = 0; i < 4; i++, s++)
					if (!strchr("0123456789abcdefABCDEF", *s) || !*s)
						return -1;
			} else if (!strchr("\"\\/bfnrt", e) || !e) {
				return -1;
			}
		}
	}
	*p = s;
	return 0;
}

static int jnumber(const char **p)
{
	const char *s = *p;
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return -1;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	*p = s;
	return 0;
}

static int jvalue(const char **p, int depth);

static int jcontainer(const char **p, int depth, char open, char close)
{
	if (**p != open || depth > 16)
		return -1;
	(*p)++;
	jws(p);
	if (**p == close) {
		(*p)++;
		return 0;
	}
	for (;;) {
		jws(p);
		if (open == '{') {
			if (jstring(p))
				return -1;
			jws(p);
			if (*(*p)++ != ':')
				return -1;
		}
		if (jvalue(p, depth + 1))
			return -1;
		jws(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p == close) {
			(*p)++;
			return 0;
		}
		return -1;
	}
}

static int jvalue(const char **p, int depth)
{
	jws(p);
	switch (**p) {
	case '{': return jcontainer(p, depth, '{', '}');
	case '[': return jcontainer(p, depth, '[', ']');
	case '"': return jstring(p);
	case 't': return strncmp(*p, "true", 4) ? -1 : (*p += 4, 0);
	case 'f': return strncmp(*p, "false", 5) ? -1 : (*p += 5, 0);
	case 'n': return strncmp(*p, "null", 4) ? -1 : (*p += 4, 0);
	default: return jnumber(p);
	}
}

int json_valid(const char *s)
{
	if (jvalue(&s, 0))
		return 0;
	jws(&s);
	return *s == '\0';
}

size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

