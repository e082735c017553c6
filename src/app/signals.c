/*
 * signals: record SIGTERM and SIGUSR1 for the stages to act on (signals.h).
 */
#include "activempi/signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught;

static void record(int signo) { caught = signo; }

int amp_signals_install(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = record;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGTERM, &action, NULL) || sigaction(SIGUSR1, &action, NULL)) return -1;
  return 0;
}

int amp_signal_caught(void) { return caught; }
