/*
 * suggest: "did you mean" for misspelt keys, tables and choices. The distance
 * is optimal string alignment (Levenshtein plus adjacent transpositions, so
 * "sytem" is one edit from "system"); a candidate is offered when it is at
 * most max(2, len/3) edits away.
 */
#include <string.h>

#include "parse_context.h"

static size_t min3(size_t a, size_t b, size_t c) {
  size_t m = a < b ? a : b;
  return m < c ? m : c;
}

/* Edit distance between a and b, or SIZE_MAX when either exceeds 63 characters. */
static size_t osa_distance(const char *a, const char *b) {
  enum { MAX = 64 };
  size_t n = strlen(a), m = strlen(b);
  if (n >= MAX || m >= MAX) return (size_t)-1;
  size_t d[MAX][MAX];
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] != b[j - 1];
      d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < d[i][j])
        d[i][j] = d[i - 2][j - 2] + 1;
    }
  return d[n][m];
}

const char *amp_suggest(const char *word, const char *const *candidates, size_t n) {
  size_t len = strlen(word), limit = len / 3 > 2 ? len / 3 : 2, best = (size_t)-1;
  const char *choice = NULL;
  for (size_t i = 0; i < n; ++i) {
    size_t dist = osa_distance(word, candidates[i]);
    if (dist <= limit && dist < best) {
      best = dist;
      choice = candidates[i];
    }
  }
  return choice;
}
