/* SPDX-License-Identifier: MIT */
#include "output.h"

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void lbb_print_json(FILE *f, const struct lbb_result *r, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct lbb_result *x = &r[i];

		fprintf(f, "%s\n  {\"bench\": ", i ? "," : "");
		json_string(f, lbb_bench_name(x->bench));
		fprintf(f, ", \"allocator\": ");
		json_string(f, x->allocator);
		fprintf(f, ", \"memory\": \"%s\", \"threads\": %u", lbb_memory_name(x->memory),
			x->threads);
		fprintf(f, ", \"ns_per_op\": %.2f, \"mops_per_s\": %.2f, \"cpus\": %.2f",
			x->ns_per_op, x->mops, x->cpus);
		fprintf(f, ", \"vs_one_thread\": %.3f, \"per_cpu\": %.3f", x->scale, x->per_cpu);
		fprintf(f, ", \"p50\": %llu, \"p99\": %llu, \"p999\": %llu, \"max\": %llu",
			(unsigned long long)x->p50, (unsigned long long)x->p99,
			(unsigned long long)x->p999, (unsigned long long)x->max);
		fprintf(f, ", \"ops\": %llu, \"samples\": %llu, \"repeats\": %u, \"error\": ",
			(unsigned long long)x->ops, (unsigned long long)x->samples, x->repeats);
		if (x->error[0])
			json_string(f, x->error);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs(n ? "\n]\n" : "]\n", f);
}

void lbb_print_table(FILE *f, const struct lbb_result *r, size_t n)
{
	fprintf(f, "%-10s %-20s %-9s %3s %8s %8s %5s %5s %5s %7s %7s %8s %10s %10s\n", "bench",
		"allocator", "memory", "thr", "ns/op", "Mops/s", "cpus", "x1thr", "/cpu", "p50 ns",
		"p99 ns", "p99.9 ns", "max ns", "ops");
	for (size_t i = 0; i < n; i++) {
		const struct lbb_result *x = &r[i];

		if (i && x->bench != r[i - 1].bench)
			fputc('\n', f);
		fprintf(f, "%-10s %-20s %-9s %3u ", lbb_bench_name(x->bench), x->allocator,
			lbb_memory_name(x->memory), x->threads);
		if (x->error[0]) {
			fprintf(f, "error: %s\n", x->error);
			continue;
		}
		fprintf(f, "%8.1f %8.1f %5.2f ", x->ns_per_op, x->mops, x->cpus);
		if (x->scale > 0)
			fprintf(f, "%5.2f %5.2f ", x->scale, x->per_cpu);
		else
			fprintf(f, "%5s %5s ", "-", "-");
		fprintf(f, "%7llu %7llu %8llu %10llu %10llu\n", (unsigned long long)x->p50,
			(unsigned long long)x->p99,
			(unsigned long long)x->p999, (unsigned long long)x->max,
			(unsigned long long)x->ops);
	}
}
