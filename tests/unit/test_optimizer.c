/*
 * The optimiser against the formulas of optimizer.h evaluated here in
 * double, step by step: the warm-up + cosine schedule at its landmarks,
 * Adam and RAdam (both sides of RAdam's rectification threshold) over 40
 * updates of random gradients (float state: parameters within 1e-5 relative), global-norm
 * clipping, decoupled weight decay and the moving average.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/optimizer.h"

static amp_config train_config(const char *optimizer, double clip, double wd) {
  amp_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.train.optimizer = !strcmp(optimizer, "adam") ? AMP_OPTIMIZER_ADAM : AMP_OPTIMIZER_RADAM;
  cfg.train.learning_rate = 1e-2;
  cfg.train.warmup_steps = 10;
  cfg.train.decay_steps = 50;
  cfg.train.clip_norm = clip;
  cfg.train.weight_decay = wd;
  cfg.train.ema = 0.9;
  return cfg;
}

static void schedule_has_its_landmarks(void **state) {
  (void)state;
  amp_config cfg = train_config("radam", 1, 0);
  float p = 0;
  amp_optim o;
  assert_int_equal(amp_optim_init(&o, &cfg, 1, &p), 0);
  const double peak = 1e-2;
  assert_true(amp_optim_learning_rate(&o, 0) == 0);
  assert_true(fabs(amp_optim_learning_rate(&o, 5) - peak / 2) < 1e-15);
  assert_true(fabs(amp_optim_learning_rate(&o, 10) - peak) < 1e-15);
  assert_true(fabs(amp_optim_learning_rate(&o, 30) - peak / 2) < 1e-15);
  assert_true(fabs(amp_optim_learning_rate(&o, 50)) < 1e-18);
  assert_true(fabs(amp_optim_learning_rate(&o, 80)) < 1e-18);
  amp_optim_free(&o);
}

/* The formulas of optimizer.h, in double, for n parameters. */
typedef struct {
  int radam;
  double m[4], v[4], p[4], avg[4];
} oracle;

static double oracle_lr(long long t) {
  if (t < 10) return 1e-2 * t / 10.0;
  double done = fmin(t - 10, 40) / 40.0;
  return 1e-2 * 0.5 * (1 + cos(M_PI * done));
}

static void oracle_step(oracle *o, const double *g, long long t, double wd) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8, k = (double)t + 1;
  double rho_inf = 2 / (1 - b2) - 1, rho = rho_inf - 2 * k * pow(b2, k) / (1 - pow(b2, k));
  for (int i = 0; i < 4; i++) {
    o->m[i] = b1 * o->m[i] + (1 - b1) * g[i];
    o->v[i] = b2 * o->v[i] + (1 - b2) * g[i] * g[i];
    double mhat = o->m[i] / (1 - pow(b1, k)), vhat = o->v[i] / (1 - pow(b2, k)), u;
    if (!o->radam)
      u = mhat / (sqrt(vhat) + eps);
    else if (rho >= 5)
      u = sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) * mhat / (sqrt(vhat) + eps);
    else
      u = mhat;
    o->p[i] -= oracle_lr(t) * (u + wd * o->p[i]);
    double a = fmin(0.9, (1.0 + t) / (10.0 + t));
    o->avg[i] = a * o->avg[i] + (1 - a) * o->p[i];
  }
}

static void check_against_oracle(const char *kind, double wd) {
  amp_config cfg = train_config(kind, 0, wd);
  float p[4] = {0.5f, -1.0f, 2.0f, 0.0f}, g[4];
  oracle o = {.radam = !strcmp(kind, "radam")};
  for (int i = 0; i < 4; i++) o.p[i] = o.avg[i] = p[i];
  amp_optim opt;
  assert_int_equal(amp_optim_init(&opt, &cfg, 4, p), 0);
  uint64_t s = 12345;
  for (long long t = 0; t < 40; t++) {
    double gd[4];
    for (int i = 0; i < 4; i++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      g[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.3);
      gd[i] = g[i];
    }
    amp_optim_step(&opt, p, g);
    oracle_step(&o, gd, t, wd);
    for (int i = 0; i < 4; i++) {
      if (!(fabs(p[i] - o.p[i]) <= 1e-5 * fmax(1, fabs(o.p[i]))))
        fail_msg("%s step %lld parameter %d: %.9g, formula %.9g", kind, t, i, p[i], o.p[i]);
      assert_true(fabs(opt.average[i] - o.avg[i]) <= 1e-5 * fmax(1, fabs(o.avg[i])));
    }
  }
  assert_int_equal(opt.step, 40);
  amp_optim_free(&opt);
}

static void adam_follows_its_formula(void **state) {
  (void)state;
  check_against_oracle("adam", 0);
  check_against_oracle("adam", 0.1);
}

static void radam_follows_its_formula_on_both_sides_of_the_threshold(void **state) {
  (void)state;
  /* rho_k < 5 for the first 5 updates (momentum only), >= 5 from the 6th */
  check_against_oracle("radam", 0);
  check_against_oracle("radam", 0.1);
}

static void clipping_bounds_the_global_norm(void **state) {
  (void)state;
  amp_config cfg = train_config("adam", 1.0, 0);
  float p[2] = {0, 0}, g[2] = {6, 8};
  amp_optim o;
  assert_int_equal(amp_optim_init(&o, &cfg, 2, p), 0);
  assert_true(fabs(amp_optim_step(&o, p, g) - 10) < 1e-12);
  assert_true(fabs(g[0] - 0.6f) < 1e-7 && fabs(g[1] - 0.8f) < 1e-7);
  float small[2] = {0.3f, 0.4f};
  amp_optim_step(&o, p, small);
  assert_true(small[0] == 0.3f && small[1] == 0.4f); /* under the bound: untouched */
  amp_optim_free(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(schedule_has_its_landmarks),
    cmocka_unit_test(adam_follows_its_formula),
    cmocka_unit_test(radam_follows_its_formula_on_both_sides_of_the_threshold),
    cmocka_unit_test(clipping_bounds_the_global_norm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
